// `faasgate fn list|get|deploy|update|delete|invoke|scale|logs`: functions (/system/functions,
// /system/function/, /system/scale-function/, /system/logs, /function/, /async-function/).
#include <fnmatch.h>

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <memory>
#include <ostream>
#include <set>

#include "claims.hpp"
#include "codecs.hpp"
#include "faasgate/cli/commands.hpp"
#include "faasgate/core/duration.hpp"
#include "faasgate/core/text.hpp"
#include "faasgate/wire/json.hpp"
#include "output.hpp"
#include "session.hpp"
#include "stack.hpp"
#include "support.hpp"

namespace faasgate::cli {

namespace {

constexpr auto kPollInterval = std::chrono::seconds(1);

std::string default_ns(const std::string& flag) {
  return flag.empty() ? std::string(model::kDefaultNamespace) : flag;
}

std::string resources_text(const std::optional<model::Resources>& r) {
  if (!r) return "";
  std::string out;
  if (!r->memory.empty()) out += "memory=" + r->memory;
  if (!r->cpu.empty()) out += std::string(out.empty() ? "" : ", ") + "cpu=" + r->cpu;
  return out;
}

// ---- list, get, delete

struct TargetOptions {
  std::string gateway;
  std::string target;  // NAME or NAME.NAMESPACE
  std::string ns;
  Format format = Format::table;
};

std::shared_ptr<TargetOptions> target_options(CLI::App& command, bool output) {
  auto o = std::make_shared<TargetOptions>();
  add_gateway_option(command, o->gateway);
  add_namespace_option(command, o->ns);
  command.add_option("name", o->target, "The function: NAME or NAME.NAMESPACE")->required();
  if (output) add_output_option(command, o->format);
  return o;
}

Run setup_list(CLI::App& command, Context& context) {
  auto o = std::make_shared<TargetOptions>();
  add_gateway_option(command, o->gateway);
  add_namespace_option(command, o->ns);
  add_output_option(command, o->format);
  return [o, &context]() -> int {
    const auto ns = default_ns(o->ns);
    if (!model::valid_name(ns)) return fail(context, "\"" + ns + "\" is not a namespace name", kUsage);
    auto session = Session::open(context, o->gateway);
    if (!session) return fail(context, session.error());
    auto functions = (*session)->client().functions(ns);
    if (!functions) return fail(context, (*session)->advise(functions.error(), op::list_functions(ns)));
    if (o->format != Format::table) {
      boost::json::array out;
      for (const auto& f : *functions) out.push_back(wire::to_json(f));
      write_document(*context.out, o->format, out);
      return kOk;
    }
    Table t({"NAME", "NAMESPACE", "IMAGE", "INVOCATIONS", "REPLICAS", "AVAILABLE"});
    for (const auto& f : *functions) {
      const auto& d = f.deployment;
      t.add({d.service, d.namespace_, d.image, std::to_string(f.invocation_count), std::to_string(d.replicas),
             std::to_string(f.available_replicas)});
    }
    t.write(*context.out);
    return kOk;
  };
}

Run setup_get(CLI::App& command, Context& context) {
  auto o = target_options(command, true);
  return [o, &context]() -> int {
    auto target = function_target(o->target, o->ns);
    if (!target) return fail(context, target.error(), kUsage);
    const auto& [name, ns] = *target;
    auto session = Session::open(context, o->gateway);
    if (!session) return fail(context, session.error());
    auto status = (*session)->client().function(name, ns);
    if (!status) return fail(context, (*session)->advise(status.error(), op::get_function(name, ns)));
    if (o->format != Format::table) {
      write_document(*context.out, o->format, wire::to_json(*status));
      return kOk;
    }
    const auto& d = status->deployment;
    Fields f;
    f.add("name", d.service);
    f.add("namespace", d.namespace_);
    f.add("image", d.image);
    f.add("fprocess", d.env_process);
    f.add("replicas", std::to_string(d.replicas));
    f.add("available replicas", std::to_string(status->available_replicas));
    f.add("invocations", std::to_string(status->invocation_count));
    f.add("created", core::to_unix(status->created_at) == 0 ? "" : format_time(status->created_at));
    f.add("environment", join_map(d.env_vars));
    f.add("labels", join_map(d.labels));
    f.add("annotations", join_map(d.annotations));
    f.add("secrets", join(d.secrets));
    f.add("constraints", join(d.constraints));
    f.add("limits", resources_text(d.limits));
    f.add("requests", resources_text(d.requests));
    f.add("read-only root", d.read_only_root_filesystem ? "yes" : "no");
    f.write(*context.out);
    return kOk;
  };
}

Run setup_delete(CLI::App& command, Context& context) {
  auto o = target_options(command, false);
  return [o, &context]() -> int {
    auto target = function_target(o->target, o->ns);
    if (!target) return fail(context, target.error(), kUsage);
    const auto& [name, ns] = *target;
    auto session = Session::open(context, o->gateway);
    if (!session) return fail(context, session.error());
    if (auto done = (*session)->client().delete_function(name, ns); !done)
      return fail(context, (*session)->advise(done.error(), op::delete_function(name, ns)));
    *context.out << "Deleted function " << name << " in namespace " << ns << ".\n";
    return kOk;
  };
}

// ---- deploy, update

struct DeployOptions {
  std::string gateway;
  std::string ns;
  std::string name;
  std::string image;
  std::string fprocess;
  std::vector<std::string> env;
  std::vector<std::string> labels;
  std::vector<std::string> annotations;
  std::vector<std::string> secrets;
  bool read_only = false;
  std::string stack_file;
  std::string filter;
  bool wait = false;
  std::string timeout = "60s";
};

// What to send: one deployment from the flags, or the stack file's functions (with --filter),
// to which --env, --label, --annotation and --secret are added, as faas-cli adds them.
Expected<std::vector<model::FunctionDeployment>> deployments(const DeployOptions& o, bool create) {
  auto env = parse_key_values(o.env, "--env");
  if (!env) return core::fail(std::move(env.error()));
  auto labels = parse_key_values(o.labels, "--label");
  if (!labels) return core::fail(std::move(labels.error()));
  auto annotations = parse_key_values(o.annotations, "--annotation");
  if (!annotations) return core::fail(std::move(annotations.error()));
  const auto ns = default_ns(o.ns);

  std::vector<model::FunctionDeployment> out;
  if (!o.stack_file.empty()) {
    if (!o.name.empty() || !o.image.empty() || !o.fprocess.empty())
      return core::fail(std::string("with -f, each function's name, image and fprocess come from the stack file: "
                                    "leave out --name, --image and --fprocess (--filter picks functions)"));
    auto stack = load_stack(o.stack_file, ns);
    if (!stack) return core::fail(std::move(stack.error()));
    for (auto& d : stack->functions) {
      if (!o.filter.empty() && ::fnmatch(o.filter.c_str(), d.service.c_str(), 0) != 0) continue;
      out.push_back(std::move(d));
    }
    if (out.empty())
      return core::fail(o.filter.empty() ? o.stack_file + " has no functions"
                                         : "no function in " + o.stack_file + " matches --filter " + o.filter);
  } else {
    if (!o.filter.empty()) return core::fail(std::string("--filter picks functions of a stack file: it needs -f"));
    if (o.name.empty()) return core::fail(std::string("give the function with --name NAME (and --fprocess), or -f stack.yml"));
    model::FunctionDeployment d;
    d.service = o.name;
    d.namespace_ = ns;
    d.image = o.image;
    d.env_process = o.fprocess;
    out.push_back(std::move(d));
  }
  for (auto& d : out) {
    for (const auto& [k, v] : *env) d.env_vars[k] = v;
    for (const auto& [k, v] : *labels) d.labels[k] = v;
    for (const auto& [k, v] : *annotations) d.annotations[k] = v;
    for (const auto& s : o.secrets)
      if (std::find(d.secrets.begin(), d.secrets.end(), s) == d.secrets.end()) d.secrets.push_back(s);
    d.read_only_root_filesystem = d.read_only_root_filesystem || o.read_only;
    if (d.env_process.empty())
      if (auto it = d.env_vars.find("fprocess"); it != d.env_vars.end()) d.env_process = it->second;
    // Checked here too so that the mistake is named before anything is sent.
    if (create ? !model::valid_dns_label(d.service) : !model::valid_name(d.service))
      return core::fail("\"" + core::printable(d.service, 80) + "\" is not a function name: it must be " +
                        std::string(model::kDnsLabelRule));
    if (create ? !model::valid_dns_label(d.namespace_) : !model::valid_name(d.namespace_))
      return core::fail("\"" + core::printable(d.namespace_, 80) + "\" is not a namespace name: it must be " +
                        std::string(model::kDnsLabelRule));
    if (d.env_process.empty())
      return core::fail("function " + d.service + " needs --fprocess: the command it runs");
    for (const auto& s : d.secrets)
      if (!model::valid_name(s)) return core::fail("\"" + core::printable(s, 80) + "\" is not a secret name");
  }
  return out;
}

// Polls the function until a replica is available, the timeout has passed or Ctrl-C. Progress on
// a terminal only.
bool wait_ready(Context& context, Session& session, const model::FunctionDeployment& d, core::Seconds timeout) {
  auto stop = context.interrupt();
  const auto started = context.clock->now();
  std::chrono::milliseconds slept{0};
  const std::string label = d.service + "." + d.namespace_;
  bool drew = false;
  auto clear = [&] {
    if (drew) *context.err << "\r\033[K" << std::flush;
    drew = false;
  };
  while (true) {
    auto status = session.client().function(d.service, d.namespace_);
    if (status && status->available_replicas >= 1) {
      clear();
      *context.out << "Function " << d.service << " in namespace " << d.namespace_ << " is ready ("
                   << status->available_replicas << " of " << status->deployment.replicas << " replicas available).\n";
      return true;
    }
    // Deployment is asynchronous (202): a function not listed yet is waited for like one starting.
    if (!status && status.error().kind != sdk::ErrorKind::not_found) {
      clear();
      fail(context, session.advise(status.error(), op::get_function(d.service, d.namespace_)));
      return false;
    }
    const auto elapsed = std::max(std::chrono::duration_cast<std::chrono::milliseconds>(context.clock->now() - started), slept);
    if (elapsed >= timeout) {
      clear();
      fail(context, "function " + d.service + " in namespace " + d.namespace_ + " has no available replica after " +
                        format_interval(timeout) + ": see `faasgate fn get " + label + "` and `faasgate fn logs " +
                        label + "`, or wait longer with --timeout");
      return false;
    }
    if (context.err_is_terminal) {
      *context.err << "\rwaiting for " << label << ": " << (status ? status->available_replicas : 0) << " of "
                   << (status ? status->deployment.replicas : d.replicas) << " replicas available ("
                   << std::chrono::duration_cast<std::chrono::seconds>(elapsed).count() << "s)\033[K" << std::flush;
      drew = true;
    }
    if (!context.sleep(kPollInterval, stop)) {
      clear();
      fail(context, "stopped waiting for " + label + " (Ctrl-C); it may still become ready");
      return false;
    }
    slept += kPollInterval;
  }
}

int deploy(Context& context, const DeployOptions& o, bool create) {
  auto list = deployments(o, create);
  if (!list) return fail(context, list.error(), kUsage);
  auto timeout = core::parse_duration_seconds(o.timeout);
  if (!timeout || timeout->count() < 1) return fail(context, "--timeout must be a duration like 60s or 5m", kUsage);
  auto session = Session::open(context, o.gateway);
  if (!session) return fail(context, session.error());
  auto& client = (*session)->client();
  int failures = 0;
  std::vector<const model::FunctionDeployment*> sent;
  for (const auto& d : *list) {
    auto done = create ? client.deploy(d) : client.update(d);
    if (!done) {
      fail(context, (*session)->advise(done.error(), create ? op::deploy_function(d.service, d.namespace_)
                                                           : op::update_function(d.service, d.namespace_)));
      ++failures;
      continue;
    }
    *context.out << (create ? "Deployed" : "Updated") << " function " << d.service << " in namespace " << d.namespace_
                 << ".\n";
    sent.push_back(&d);
  }
  if (o.wait)
    for (const auto* d : sent)
      if (!wait_ready(context, **session, *d, *timeout)) ++failures;
  return failures == 0 ? kOk : kFailed;
}

Run setup_deploy_or_update(CLI::App& command, Context& context, bool create) {
  auto o = std::make_shared<DeployOptions>();
  add_gateway_option(command, o->gateway);
  command.add_option("-n,--namespace", o->ns,
                     "Namespace (default: openfaas-fn); with -f, for the functions that name none");
  command.add_option("--name", o->name, "The function's name");
  command.add_option("--image", o->image, "The image (recorded; the embedded runtime runs --fprocess)");
  command.add_option("--fprocess", o->fprocess, "The command the function runs");
  command.add_option("-e,--env", o->env, "KEY=VALUE environment variable (repeatable)");
  command.add_option("-l,--label", o->labels, "KEY=VALUE label (repeatable)");
  command.add_option("-a,--annotation", o->annotations, "KEY=VALUE annotation (repeatable)");
  command.add_option("--secret", o->secrets, "A secret the function reads (repeatable)");
  command.add_flag("--read-only", o->read_only, "Read-only root filesystem");
  command.add_option("-f,--yaml", o->stack_file, "An OpenFaaS stack file (stack.yml): every function in it");
  command.add_option("--filter", o->filter, "With -f: only the functions whose names match (a glob)");
  command.add_flag("--wait", o->wait, "Wait until each function has an available replica");
  command.add_option("--timeout", o->timeout, "How long --wait waits (default 60s)");
  if (!create) command.footer("An update replaces the whole deployment: give every setting, as for deploy.");
  return [o, &context, create] { return deploy(context, *o, create); };
}

Run setup_deploy(CLI::App& command, Context& context) { return setup_deploy_or_update(command, context, true); }
Run setup_update(CLI::App& command, Context& context) { return setup_deploy_or_update(command, context, false); }

// ---- invoke

struct InvokeOptions {
  std::string gateway;
  std::string target;
  std::string ns;
  std::string data;
  bool data_given = false;
  bool async = false;
  std::string callback_url;
  std::vector<std::string> headers;
  std::vector<std::string> query;
  std::string method = "POST";
  std::string path;
  bool auth = false;
  std::string timeout = "30s";
};

bool http_token(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

int invoke(Context& context, const InvokeOptions& o) {
  auto target = function_target(o.target, o.ns);
  if (!target) return fail(context, target.error(), kUsage);
  const auto& [name, ns] = *target;
  if (!o.callback_url.empty() && !o.async)
    return fail(context, "--callback-url is for --async calls: the result of a call is POSTed to it", kUsage);
  std::string method = o.method;
  std::transform(method.begin(), method.end(), method.begin(), [](unsigned char c) { return std::toupper(c); });
  if (!http_token(method)) return fail(context, "--method must be an HTTP method, like GET or POST", kUsage);
  if (o.async && method != "POST") return fail(context, "--async calls are POSTs", kUsage);
  auto headers = parse_key_values(o.headers, "--header");
  if (!headers) return fail(context, headers.error(), kUsage);
  auto query = parse_key_values(o.query, "--query");
  if (!query) return fail(context, query.error(), kUsage);
  auto timeout = core::parse_duration_seconds(o.timeout);
  if (!timeout || timeout->count() < 1) return fail(context, "--timeout must be a duration like 30s or 5m", kUsage);
  if (!o.path.empty() && o.path.front() != '/') return fail(context, "--path must start with /", kUsage);

  sdk::InvokeRequest request;
  request.name = name;
  request.namespace_ = ns;
  request.method = method;
  request.path = o.path;
  for (const auto& [k, v] : *query)
    request.query += (request.query.empty() ? "" : "&") + sdk::form_escape(k) + "=" + sdk::form_escape(v);
  for (const auto& [k, v] : *headers) {
    if (!http_token(k) || v.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos)
      return fail(context, "--header " + core::printable(k, 60) + " is not a header name and a one-line value", kUsage);
    request.headers.push_back({k, v});
  }
  request.async = o.async;
  request.callback_url = o.callback_url;
  request.authenticate = o.auth;
  request.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(*timeout);
  if (o.data_given) {
    request.body = o.data;
  } else if (!(context.in_is_terminal && (method == "GET" || method == "HEAD"))) {
    if (context.in_is_terminal) *context.err << "Reading the request body from stdin (end it with Ctrl-D) ...\n";
    auto body = read_stream(*context.in, kMaxInvokeBodyBytes, "the request body on stdin");
    if (!body) return fail(context, body.error(), kUsage);
    request.body = std::move(*body);
  }

  SessionOptions session_options;
  session_options.function_tokens = o.auth;
  auto session = Session::open(context, o.gateway, session_options);
  if (!session) return fail(context, session.error());
  auto answer = (*session)->client().invoke(request);
  if (!answer) return fail(context, (*session)->advise(answer.error(), op::invoke_function(name, ns)));
  const bool ok = answer->status >= 200 && answer->status <= 299;
  if (o.async && answer->status == 202) {
    // The call's id is the result: what a script keeps to match the callback.
    const auto* id = answer->header("x-call-id");
    *context.out << (id ? *id : std::string()) << "\n";
    if (context.err_is_terminal)
      *context.err << "Accepted for asynchronous invocation"
                   << (o.callback_url.empty() ? "" : "; the result goes to " + o.callback_url) << ".\n";
    return kOk;
  }
  context.out->write(answer->body.data(), static_cast<std::streamsize>(answer->body.size()));
  context.out->flush();
  if (ok) return kOk;
  std::string why;
  const auto* challenge = answer->header("www-authenticate");
  if (answer->status == 401 && challenge && challenge->find("IAM function invoke") != std::string::npos)
    why = o.auth ? ": the gateway refused the function token (`faasgate whoami` shows your login)"
                 : ": the function requires a function token: call it with --auth (that needs a login with "
                   "--token-file)";
  else if (answer->status == 403)
    why = ": your policies do not grant Function:Invoke on " + ns + ":" + name;
  else if (answer->status == 404 && answer->body.find("not found") != std::string::npos)
    why = ": is it deployed? (`faasgate fn list -n " + ns + "`)";
  *context.err << "faasgate: " << name << "." << ns << " answered " << answer->status << why << "\n";
  return kFailed;
}

Run setup_invoke(CLI::App& command, Context& context) {
  auto o = std::make_shared<InvokeOptions>();
  add_gateway_option(command, o->gateway);
  add_namespace_option(command, o->ns);
  command.add_option("name", o->target, "The function: NAME or NAME.NAMESPACE")->required();
  command.add_option("-d,--data", o->data, "The request body (default: stdin)")
      ->each([o](const std::string&) { o->data_given = true; });
  command.add_flag("--async", o->async, "Queue the call (POST /async-function/...) and print its X-Call-Id");
  command.add_option("--callback-url", o->callback_url, "With --async: where the gateway POSTs the result");
  command.add_option("-H,--header", o->headers, "KEY=VALUE request header (repeatable)");
  command.add_option("--query", o->query, "KEY=VALUE query parameter (repeatable)");
  command.add_option("-m,--method", o->method, "HTTP method (default POST)");
  command.add_option("--path", o->path, "A path after the function's name, e.g. /hooks/1");
  command.add_flag("--auth", o->auth,
                   "Send a function token (for functions that require one); needs a login with --token-file");
  command.add_option("--timeout", o->timeout, "How long to wait for the answer (default 30s)");
  command.footer("Prints the function's answer to stdout; exits 1 when the function answered outside 2xx (the "
                 "status goes to stderr).");
  return [o, &context] { return invoke(context, *o); };
}

// ---- scale

struct ScaleOptions {
  std::string gateway;
  std::string target;
  std::string ns;
  unsigned replicas = 0;
};

Run setup_scale(CLI::App& command, Context& context) {
  auto o = std::make_shared<ScaleOptions>();
  add_gateway_option(command, o->gateway);
  add_namespace_option(command, o->ns);
  command.add_option("name", o->target, "The function: NAME or NAME.NAMESPACE")->required();
  command.add_option("-r,--replicas", o->replicas, "How many replicas to run (0 to 1000)")
      ->required()
      ->check(CLI::Range(0u, 1000u));
  return [o, &context]() -> int {
    auto target = function_target(o->target, o->ns);
    if (!target) return fail(context, target.error(), kUsage);
    const auto& [name, ns] = *target;
    auto session = Session::open(context, o->gateway);
    if (!session) return fail(context, session.error());
    if (auto done = (*session)->client().scale(name, ns, o->replicas); !done)
      return fail(context, (*session)->advise(done.error(), op::scale_function(name, ns)));
    *context.out << "Scaled function " << name << " in namespace " << ns << " to " << o->replicas
                 << (o->replicas == 1 ? " replica" : " replicas") << ".\n";
    return kOk;
  };
}

// ---- logs

struct LogsOptions {
  std::string gateway;
  std::string target;
  std::string ns;
  std::string instance;
  bool follow = false;
  int tail = -1;
  std::string since;
  Format format = Format::table;
};

// --since: a duration back from now ("10m") or an RFC 3339 time, as the gateway takes it.
Expected<std::string> since_time(const std::string& since, core::Instant now) {
  if (since.empty()) return std::string();
  if (auto d = core::parse_duration_seconds(since)) {
    std::time_t t = core::to_unix(now) - d->count();
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return std::string(buf);
  }
  if (since.size() >= 20 && since.size() <= 40 && since[4] == '-' && since[10] == 'T' && since.back() == 'Z')
    return since;
  return core::fail("--since takes a duration back from now (10m, 2h) or an RFC 3339 UTC time "
                    "(2026-11-28T22:00:00Z), not \"" + core::printable(since, 60) + "\"");
}

int logs(Context& context, const LogsOptions& o) {
  auto target = function_target(o.target, o.ns);
  if (!target) return fail(context, target.error(), kUsage);
  const auto& [name, ns] = *target;
  auto since = since_time(o.since, context.clock->now());
  if (!since) return fail(context, since.error(), kUsage);
  auto session = Session::open(context, o.gateway);
  if (!session) return fail(context, session.error());
  sdk::LogsRequest request;
  request.name = name;
  request.namespace_ = ns;
  request.instance = o.instance;
  if (o.tail >= 0) request.tail = static_cast<unsigned>(o.tail);
  request.since = *since;
  request.follow = o.follow;
  // Only a followed log takes Ctrl-C for itself: it is how one ends.
  std::stop_token stop = o.follow ? context.interrupt() : std::stop_token{};
  if (o.follow && context.err_is_terminal)
    *context.err << "Following the logs of " << name << "." << ns << "; Ctrl-C stops.\n";
  auto& out = *context.out;
  auto done = (*session)->client().logs(
      request,
      [&](const sdk::LogLine& line) {
        switch (o.format) {
          case Format::json: out << boost::json::serialize(to_json(line)) << '\n'; break;  // NDJSON, as the API
          case Format::yaml: out << "---\n"; write_yaml(out, to_json(line)); break;
          case Format::table:
            // A function's output may hold escape sequences; a terminal must not obey them.
            out << core::printable(line.timestamp, 64) << ' ' << core::printable(line.instance, 128) << ' '
                << core::printable(line.text, 64 * 1024) << '\n';
            break;
        }
        if (o.follow) out.flush();
        return bool(out);
      },
      stop);
  out.flush();
  if (!done) {
    if (done.error().kind == sdk::ErrorKind::cancelled) return kOk;  // Ctrl-C: the way a follow ends
    return fail(context, (*session)->advise(done.error(), op::function_logs(name, ns)));
  }
  return kOk;
}

Run setup_logs(CLI::App& command, Context& context) {
  auto o = std::make_shared<LogsOptions>();
  add_gateway_option(command, o->gateway);
  add_namespace_option(command, o->ns);
  command.add_option("name", o->target, "The function: NAME or NAME.NAMESPACE")->required();
  command.add_flag("-f,--follow", o->follow, "Keep reading new lines until Ctrl-C");
  command.add_option("--tail", o->tail, "Only the last N lines")->check(CLI::NonNegativeNumber);
  command.add_option("--since", o->since, "Only lines since a duration ago (10m) or an RFC 3339 time");
  command.add_option("--instance", o->instance, "Only this replica's lines");
  add_output_option(command, o->format);
  command.footer("-o json prints one JSON object a line (NDJSON), as the API sends them.");
  return [o, &context] { return logs(context, *o); };
}

constexpr Command kFnCommands[] = {
    {"list", "List the functions of a namespace", setup_list},
    {"get", "Show a function's deployment and status", setup_get},
    {"deploy", "Deploy functions from flags or a stack file", setup_deploy},
    {"update", "Replace deployed functions' settings, from flags or a stack file", setup_update},
    {"delete", "Delete a function", setup_delete},
    {"invoke", "Call a function with stdin (or --data) as the body", setup_invoke},
    {"scale", "Set how many replicas a function runs", setup_scale},
    {"logs", "Print (or follow) a function's logs", setup_logs},
};

}  // namespace

Run setup_fn(CLI::App& command, Context& context) { return setup_group(command, context, kFnCommands); }

}  // namespace faasgate::cli
