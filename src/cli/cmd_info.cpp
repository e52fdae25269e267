// `faasgate info`: the gateway's provider and version (GET /system/info).
#include <memory>
#include <ostream>

#include "codecs.hpp"
#include "faasgate/cli/commands.hpp"
#include "output.hpp"
#include "session.hpp"
#include "support.hpp"

namespace faasgate::cli {

namespace {

struct InfoOptions {
  std::string gateway;
  Format format = Format::table;
};

int info(Context& context, const InfoOptions& o) {
  auto session = Session::open(context, o.gateway);
  if (!session) return fail(context, session.error());
  auto info = (*session)->client().info();
  if (!info) return fail(context, (*session)->advise(info.error(), op::info()));
  if (o.format != Format::table) {
    write_document(*context.out, o.format, to_json(*info));
    return kOk;
  }
  Fields f;
  f.add("gateway", (*session)->gateway());
  f.add("provider", info->provider);
  f.add("orchestration", info->orchestration);
  f.add("provider version", info->provider_version);
  f.add("version", info->version);
  f.add("commit", info->sha);
  f.add("arch", info->arch);
  f.write(*context.out);
  return kOk;
}

}  // namespace

Run setup_info(CLI::App& command, Context& context) {
  auto o = std::make_shared<InfoOptions>();
  add_gateway_option(command, o->gateway);
  add_output_option(command, o->format);
  return [o, &context] { return info(context, *o); };
}

}  // namespace faasgate::cli
