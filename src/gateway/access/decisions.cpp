#include "faasgate/access/decisions.hpp"

#include <algorithm>
#include <span>

#include "faasgate/iam/action.hpp"

namespace faasgate::access {

namespace {

Decision from_engine(const iam::Decision& decision) {
  return {decision.allowed ? Refusal::none : Refusal::not_allowed, std::string(decision.policy),
          std::string(decision.sid)};
}

iam::Engine::Subject subject_of(const Principal& who, const iam::Engine& engine) {
  return engine.subject(std::span<const std::string>(who.policies), *who.condition_claims);
}

}  // namespace

Decision decide_api_call(const Principal& who, std::string_view action_name, Scope scope,
                         const RequestResource& resource, const iam::Engine& engine) {
  switch (who.kind) {
    case Principal::Kind::admin: return {Refusal::none, "", ""};  // the admin's basic auth keeps full access
    case Principal::Kind::function_token: return {Refusal::function_token_on_api, "", ""};
    case Principal::Kind::api_token: break;
  }
  auto action = iam::action_from_name(action_name);
  if (!action) return {Refusal::unknown_action, "", ""};
  auto subject = subject_of(who, engine);
  switch (scope) {
    case Scope::none: return {};
    case Scope::cluster: return from_engine(engine.decide(subject, *action, iam::Resource::cluster()));
    case Scope::all_namespaces: return from_engine(engine.may_list(subject, *action));
    case Scope::one_namespace:
      // Listing one namespace: allowed when the caller may see something in it; the handler
      // then filters. A namespace with no statement at all is refused, not answered empty.
      return {engine.namespace_visible(subject, *action, resource.ns) ? Refusal::none : Refusal::not_allowed, "", ""};
    case Scope::request:
      return from_engine(engine.decide(subject, *action,
                                       resource.name.empty() ? iam::Resource::namespace_of(resource.ns)
                                                             : iam::Resource::function(resource.ns, resource.name)));
  }
  return {};
}

Decision decide_admin(const Principal& who) {
  return {who.kind == Principal::Kind::admin ? Refusal::none : Refusal::not_admin, "", ""};
}

Decision decide_invoke(const Principal& who, std::string_view ns, std::string_view name, const iam::Engine& engine) {
  if (who.kind != Principal::Kind::function_token) return {Refusal::needs_function_token, "", ""};
  auto decision = from_engine(engine.decide(subject_of(who, engine), iam::Action::function_invoke,
                                            iam::Resource::function(ns, name)));
  if (!decision.allowed()) return decision;
  const std::string resource = std::string(ns) + ":" + std::string(name);
  if (!who.audience.empty() && std::find(who.audience.begin(), who.audience.end(), resource) == who.audience.end()) {
    decision.refusal = Refusal::not_addressed;
  }
  return decision;
}

bool visible(const Principal& who, std::string_view action_name, std::string_view ns, std::string_view fn,
             const iam::Engine& engine) {
  if (who.kind == Principal::Kind::admin) return true;
  if (who.kind != Principal::Kind::api_token) return false;
  auto action = iam::action_from_name(action_name);
  if (!action) return false;
  auto subject = subject_of(who, engine);
  return fn.empty() ? engine.namespace_visible(subject, *action, ns) : engine.function_visible(subject, *action, ns, fn);
}

}  // namespace faasgate::access
