// `faasgate ns list|get|create|update|delete`: namespaces (/system/namespaces, /system/namespace/).
#include <boost/json/array.hpp>

#include <memory>
#include <ostream>

#include "faasgate/cli/commands.hpp"
#include "faasgate/wire/json.hpp"
#include "output.hpp"
#include "session.hpp"
#include "support.hpp"

namespace faasgate::cli {

namespace {

struct NsOptions {
  std::string gateway;
  std::string name;
  Format format = Format::table;
  std::vector<std::string> labels;
  std::vector<std::string> annotations;
};

std::shared_ptr<NsOptions> common(CLI::App& command, bool named) {
  auto o = std::make_shared<NsOptions>();
  add_gateway_option(command, o->gateway);
  if (named) command.add_option("name", o->name, "The namespace")->required();
  return o;
}

void add_metadata_options(CLI::App& command, NsOptions& o) {
  command.add_option("-l,--label", o.labels, "KEY=VALUE label (repeatable)");
  command.add_option("-a,--annotation", o.annotations, "KEY=VALUE annotation (repeatable)");
}

int check_name(Context& context, const std::string& name, bool creating) {
  if (creating ? !model::valid_dns_label(name) : !model::valid_name(name))
    return fail(context,
                "\"" + name + "\" is not a namespace name" +
                    (creating ? ": it must be " + std::string(model::kDnsLabelRule) : std::string()),
                kUsage);
  return kOk;
}

Run setup_list(CLI::App& command, Context& context) {
  auto o = common(command, false);
  add_output_option(command, o->format);
  return [o, &context]() -> int {
    auto session = Session::open(context, o->gateway);
    if (!session) return fail(context, session.error());
    auto names = (*session)->client().namespaces();
    if (!names) return fail(context, (*session)->advise(names.error(), op::list_namespaces()));
    if (o->format != Format::table) {
      boost::json::array out;
      for (const auto& n : *names) out.emplace_back(n);
      write_document(*context.out, o->format, out);
      return kOk;
    }
    Table t({"NAME"});
    for (const auto& n : *names) t.add({n});
    t.write(*context.out);
    return kOk;
  };
}

Run setup_get(CLI::App& command, Context& context) {
  auto o = common(command, true);
  add_output_option(command, o->format);
  return [o, &context]() -> int {
    if (int bad = check_name(context, o->name, false)) return bad;
    auto session = Session::open(context, o->gateway);
    if (!session) return fail(context, session.error());
    auto ns = (*session)->client().get_namespace(o->name);
    if (!ns) return fail(context, (*session)->advise(ns.error(), op::get_namespace(o->name)));
    if (o->format != Format::table) {
      write_document(*context.out, o->format, wire::to_json(*ns));
      return kOk;
    }
    Fields f;
    f.add("name", ns->name);
    f.add("labels", join_map(ns->labels));
    f.add("annotations", join_map(ns->annotations));
    f.write(*context.out);
    return kOk;
  };
}

// create and update send the same body.
Run setup_write(CLI::App& command, Context& context, bool create) {
  auto o = common(command, true);
  add_metadata_options(command, *o);
  return [o, &context, create]() -> int {
    if (int bad = check_name(context, o->name, create)) return bad;
    auto labels = parse_key_values(o->labels, "--label");
    if (!labels) return fail(context, labels.error(), kUsage);
    auto annotations = parse_key_values(o->annotations, "--annotation");
    if (!annotations) return fail(context, annotations.error(), kUsage);
    auto session = Session::open(context, o->gateway);
    if (!session) return fail(context, session.error());
    model::Namespace ns{o->name, std::move(*labels), std::move(*annotations)};
    auto& client = (*session)->client();
    auto done = create ? client.create_namespace(ns) : client.update_namespace(ns);
    if (!done)
      return fail(context, (*session)->advise(done.error(), create ? op::create_namespace(o->name)
                                                                  : op::update_namespace(o->name)));
    *context.out << (create ? "Created" : "Updated") << " namespace " << o->name << ".\n";
    return kOk;
  };
}

Run setup_create(CLI::App& command, Context& context) { return setup_write(command, context, true); }
Run setup_update(CLI::App& command, Context& context) { return setup_write(command, context, false); }

Run setup_delete(CLI::App& command, Context& context) {
  auto o = common(command, true);
  return [o, &context]() -> int {
    if (int bad = check_name(context, o->name, false)) return bad;
    auto session = Session::open(context, o->gateway);
    if (!session) return fail(context, session.error());
    if (auto done = (*session)->client().delete_namespace(o->name); !done)
      return fail(context, (*session)->advise(done.error(), op::delete_namespace(o->name)));
    *context.out << "Deleted namespace " << o->name << ".\n";
    return kOk;
  };
}

constexpr Command kNsCommands[] = {
    {"list", "List the namespaces you may see", setup_list},
    {"get", "Show a namespace's labels and annotations", setup_get},
    {"create", "Create a namespace", setup_create},
    {"update", "Replace a namespace's labels and annotations", setup_update},
    {"delete", "Delete a namespace", setup_delete},
};

}  // namespace

Run setup_ns(CLI::App& command, Context& context) { return setup_group(command, context, kNsCommands); }

}  // namespace faasgate::cli
