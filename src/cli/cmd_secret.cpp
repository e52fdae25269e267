// `faasgate secret list|create|update|delete` (/system/secrets). A value comes from --value,
// --from-file or --stdin and goes only to the gateway: it is never printed, and the gateway never
// sends one back.
#include <memory>
#include <ostream>

#include "codecs.hpp"
#include "faasgate/cli/commands.hpp"
#include "output.hpp"
#include "session.hpp"
#include "support.hpp"

namespace faasgate::cli {

namespace {

struct SecretOptions {
  std::string gateway;
  std::string ns;
  std::string name;
  Format format = Format::table;
  std::string value;
  bool value_given = false;
  std::string from_file;
  bool from_stdin = false;
};

std::shared_ptr<SecretOptions> common(CLI::App& command, bool named) {
  auto o = std::make_shared<SecretOptions>();
  add_gateway_option(command, o->gateway);
  add_namespace_option(command, o->ns);
  if (named) command.add_option("name", o->name, "The secret")->required();
  return o;
}

std::string namespace_of(const SecretOptions& o) {
  return o.ns.empty() ? std::string(model::kDefaultNamespace) : o.ns;
}

int check_names(Context& context, const SecretOptions& o) {
  if (!o.name.empty() && !model::valid_name(o.name))
    return fail(context, "\"" + o.name + "\" is not a secret name: [-a-zA-Z_0-9.]+", kUsage);
  if (!model::valid_name(namespace_of(o))) return fail(context, "\"" + o.ns + "\" is not a namespace name", kUsage);
  return kOk;
}

// The value from exactly one of the three places.
Expected<core::Secret> read_value(Context& context, const SecretOptions& o) {
  const int ways = (o.value_given ? 1 : 0) + (!o.from_file.empty() ? 1 : 0) + (o.from_stdin ? 1 : 0);
  if (ways != 1) return core::fail(std::string("give the value with one of --value, --from-file FILE or --stdin"));
  if (o.value_given) {
    *context.err << "faasgate: warning: a value on the command line is kept in the shell's history and shown by "
                    "`ps`; --from-file or --stdin keep it to yourself\n";
    return core::Secret(o.value);
  }
  if (!o.from_file.empty()) {
    auto text = read_file(o.from_file, kMaxSecretBytes);
    if (!text) return core::fail(std::move(text.error()));
    return core::Secret(std::move(*text));  // as it is: a file may hold a key or a binary
  }
  if (context.in_is_terminal) *context.err << "Secret value (then Enter and Ctrl-D): " << std::flush;
  auto text = read_stream(*context.in, kMaxSecretBytes, "the value on stdin");
  if (!text) return core::fail(std::move(text.error()));
  // `echo value | faasgate secret create` sends the value, not the newline echo adds.
  return core::Secret(without_final_newline(std::move(*text)));
}

Run setup_list(CLI::App& command, Context& context) {
  auto o = common(command, false);
  add_output_option(command, o->format);
  return [o, &context]() -> int {
    if (int bad = check_names(context, *o)) return bad;
    auto session = Session::open(context, o->gateway);
    if (!session) return fail(context, session.error());
    const auto ns = namespace_of(*o);
    auto secrets = (*session)->client().secrets(ns);
    if (!secrets) return fail(context, (*session)->advise(secrets.error(), op::list_secrets(ns)));
    if (o->format != Format::table) {
      write_document(*context.out, o->format, to_json(*secrets));
      return kOk;
    }
    Table t({"NAME", "NAMESPACE"});
    for (const auto& s : *secrets) t.add({s.name, s.namespace_});
    t.write(*context.out);
    return kOk;
  };
}

Run setup_write(CLI::App& command, Context& context, bool create) {
  auto o = common(command, true);
  command.add_option("--value", o->value, "The value (visible in your shell's history: prefer the others)")
      ->each([o](const std::string&) { o->value_given = true; });
  command.add_option("--from-file", o->from_file, "Read the value from a file, as it is (at most 1 MiB)");
  command.add_flag("--stdin", o->from_stdin, "Read the value from stdin (a final newline is dropped)");
  return [o, &context, create]() -> int {
    if (int bad = check_names(context, *o)) return bad;
    auto value = read_value(context, *o);
    if (!value) return fail(context, value.error(), kUsage);
    if (value->empty()) return fail(context, "the secret's value is empty", kUsage);
    auto session = Session::open(context, o->gateway);
    if (!session) return fail(context, session.error());
    const auto ns = namespace_of(*o);
    sdk::SecretValue secret{o->name, ns, std::move(*value)};
    auto& client = (*session)->client();
    auto done = create ? client.create_secret(secret) : client.update_secret(secret);
    if (!done)
      return fail(context, (*session)->advise(done.error(), create ? op::create_secret(o->name, ns)
                                                                  : op::update_secret(o->name, ns)));
    *context.out << (create ? "Created" : "Updated") << " secret " << o->name << " in namespace " << ns << ".\n";
    return kOk;
  };
}

Run setup_create(CLI::App& command, Context& context) { return setup_write(command, context, true); }
Run setup_update(CLI::App& command, Context& context) { return setup_write(command, context, false); }

Run setup_delete(CLI::App& command, Context& context) {
  auto o = common(command, true);
  return [o, &context]() -> int {
    if (int bad = check_names(context, *o)) return bad;
    auto session = Session::open(context, o->gateway);
    if (!session) return fail(context, session.error());
    const auto ns = namespace_of(*o);
    if (auto done = (*session)->client().delete_secret(o->name, ns); !done)
      return fail(context, (*session)->advise(done.error(), op::delete_secret(o->name, ns)));
    *context.out << "Deleted secret " << o->name << " in namespace " << ns << ".\n";
    return kOk;
  };
}

constexpr Command kSecretCommands[] = {
    {"list", "List the secrets of a namespace (names only: values are never returned)", setup_list},
    {"create", "Create a secret from --value, --from-file or --stdin", setup_create},
    {"update", "Replace a secret's value", setup_update},
    {"delete", "Delete a secret", setup_delete},
};

}  // namespace

Run setup_secret(CLI::App& command, Context& context) { return setup_group(command, context, kSecretCommands); }

}  // namespace faasgate::cli
