#include "faasgate/iam/loader.hpp"

#include <sys/stat.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <system_error>
#include <utility>

#include "faasgate/core/duration.hpp"
#include "faasgate/core/files.hpp"
#include "faasgate/iam/action.hpp"
#include "faasgate/iam/condition.hpp"
#include "faasgate/iam/resource.hpp"

namespace faasgate::iam {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kApiVersion = "iam.openfaas.com/v1";
constexpr std::string_view kDefaultNamespace = "openfaas";
constexpr std::chrono::seconds kMaxLeeway{300};
constexpr std::size_t kMaxJwksDepth = 16;

int line_of(const YAML::Mark& m) { return m.is_null() ? 0 : m.line + 1; }
int column_of(const YAML::Mark& m) { return m.is_null() ? 0 : m.column + 1; }

std::string join(std::string_view parent, std::string_view child) {
  if (parent.empty()) return std::string(child);
  std::string s(parent);
  s += '.';
  s += child;
  return s;
}

std::string index(std::string_view parent, std::size_t i) {
  return std::string(parent) + "[" + std::to_string(i) + "]";
}

// Where errors go while one document is parsed.
struct Ctx {
  Issues& errors;
  std::string file;
  std::string object;  // "Kind/name"

  void error(IssueCode code, const YAML::Mark& at, std::string field, std::string message) {
    errors.push_back(Issue{code, file, object, std::move(field), line_of(at), column_of(at), std::move(message)});
  }
};

struct Field {
  YAML::Node key;
  YAML::Node value;
  YAML::Mark mark() const { return value.Mark().is_null() ? key.Mark() : value.Mark(); }
};
using Fields = std::map<std::string, Field, std::less<>>;

bool is_null(const YAML::Node& n) { return !n.IsDefined() || n.IsNull(); }

// The entries of a mapping, with unknown keys (when `allowed` is given) and duplicate keys reported.
std::optional<Fields> mapping(Ctx& ctx, const YAML::Node& node, const YAML::Mark& at, const std::string& field,
                              std::initializer_list<std::string_view> allowed,
                              std::initializer_list<std::string_view> ignored = {}, bool any_key = false) {
  if (!node.IsMap()) {
    ctx.error(IssueCode::not_a_mapping, node.Mark().is_null() ? at : node.Mark(), field, "must be a mapping");
    return std::nullopt;
  }
  Fields out;
  for (auto it = node.begin(); it != node.end(); ++it) {
    // yaml-cpp's iterator hands out a temporary pair: copy the (cheap, shared) nodes out of it.
    const YAML::Node k = it->first;
    const YAML::Node v = it->second;
    if (!k.IsScalar()) {
      ctx.error(IssueCode::wrong_type, k.Mark(), field, "has a key that is not a string");
      continue;
    }
    const std::string name = k.Scalar();
    const std::string child = join(field, name);
    if (out.count(name) != 0) {
      ctx.error(IssueCode::duplicate_field, k.Mark(), child, "appears twice");
      continue;
    }
    if (!any_key) {
      const bool known = std::find(allowed.begin(), allowed.end(), name) != allowed.end();
      const bool skip = std::find(ignored.begin(), ignored.end(), name) != ignored.end();
      if (skip) continue;
      if (!known) {
        ctx.error(IssueCode::unknown_field, k.Mark(), child, "unknown field");
        continue;
      }
    }
    out.emplace(name, Field{k, v});
  }
  return out;
}

// The field, or nullptr when it is absent or null.
const Field* get(const Fields& f, std::string_view name) {
  auto it = f.find(name);
  if (it == f.end() || is_null(it->second.value)) return nullptr;
  return &it->second;
}

const Field* require(Ctx& ctx, const Fields& f, std::string_view name, const YAML::Mark& parent,
                     const std::string& parent_field) {
  if (const Field* x = get(f, name)) return x;
  auto it = f.find(name);
  const YAML::Mark& at = it != f.end() ? it->second.key.Mark() : parent;
  ctx.error(IssueCode::missing_field, at, join(parent_field, name),
            it != f.end() ? "is required and must not be empty" : "is required");
  return nullptr;
}

std::optional<std::string> scalar(Ctx& ctx, const YAML::Node& n, const YAML::Mark& at, const std::string& field,
                                  const char* what = "must be a string") {
  if (!n.IsScalar()) {
    ctx.error(IssueCode::wrong_type, n.Mark().is_null() ? at : n.Mark(), field, what);
    return std::nullopt;
  }
  return n.Scalar();
}

std::optional<std::string> nonempty_scalar(Ctx& ctx, const Field& f, const std::string& field) {
  auto s = scalar(ctx, f.value, f.mark(), field);
  if (s && s->empty()) {
    ctx.error(IssueCode::invalid_value, f.mark(), field, "must not be empty");
    return std::nullopt;
  }
  return s;
}

// A list of strings. `scalar_ok`: a single string stands for a one-element list (condition and
// principal values, as AWS allows). Items are reported with their own line.
struct Item {
  std::string value;
  YAML::Mark mark;
};
std::optional<std::vector<Item>> string_list(Ctx& ctx, const Field& f, const std::string& field, bool scalar_ok) {
  std::vector<Item> out;
  if (f.value.IsScalar() && scalar_ok) {
    out.push_back({f.value.Scalar(), f.mark()});
    return out;
  }
  if (!f.value.IsSequence()) {
    ctx.error(IssueCode::wrong_type, f.mark(), field,
              scalar_ok ? "must be a string or a list of strings" : "must be a list of strings");
    return std::nullopt;
  }
  bool ok = true;
  std::size_t i = 0;
  for (const auto& item : f.value) {
    if (!item.IsScalar()) {
      ctx.error(IssueCode::wrong_type, item.Mark().is_null() ? f.mark() : item.Mark(), index(field, i),
                "must be a string");
      ok = false;
    } else {
      out.push_back({item.Scalar(), item.Mark()});
    }
    ++i;
  }
  if (!ok) return std::nullopt;
  if (out.empty()) {
    ctx.error(IssueCode::invalid_value, f.mark(), field, "must list at least one value");
    return std::nullopt;
  }
  return out;
}

std::vector<std::string> values_of(const std::vector<Item>& items) {
  std::vector<std::string> v;
  v.reserve(items.size());
  for (const auto& i : items) v.push_back(i.value);
  return v;
}

std::optional<std::chrono::seconds> duration(Ctx& ctx, const Field& f, const std::string& field, bool positive) {
  auto s = scalar(ctx, f.value, f.mark(), field, "must be a duration string such as 30m, 2h or 1h30m");
  if (!s) return std::nullopt;
  auto d = core::parse_go_duration(*s);
  if (!d) {
    ctx.error(IssueCode::bad_duration, f.mark(), field,
              "\"" + *s + "\" is not a non-negative Go duration (such as 30m, 2h, 1h30m, 90s, 1.5h)");
    return std::nullopt;
  }
  if (d->count() % 1'000'000'000 != 0) {
    ctx.error(IssueCode::bad_duration, f.mark(), field, "\"" + *s + "\" is not a whole number of seconds");
    return std::nullopt;
  }
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(*d);
  if (positive && secs.count() == 0) {
    ctx.error(IssueCode::bad_duration, f.mark(), field, "must be longer than zero");
    return std::nullopt;
  }
  return secs;
}

bool known_algorithm(std::string_view a) {
  static constexpr std::array<std::string_view, 10> kNames{"RS256", "RS384", "RS512", "PS256", "PS384",
                                                           "PS512", "ES256", "ES384", "ES512", "EdDSA"};
  return std::find(kNames.begin(), kNames.end(), a) != kNames.end();
}

bool http_url(std::string_view u) {
  auto starts = [&](std::string_view p) { return u.size() > p.size() && u.substr(0, p.size()) == p; };
  return starts("https://") || starts("http://");
}

// YAML -> JSON for an inline key set given as a mapping. Plain true/false become booleans, every
// other scalar a string (JWK members are strings).
bool to_json(const YAML::Node& n, boost::json::value& out, std::size_t depth, std::size_t& budget) {
  if (depth > kMaxJwksDepth || budget == 0) return false;
  --budget;
  switch (n.Type()) {
    case YAML::NodeType::Null:
      out = nullptr;
      return true;
    case YAML::NodeType::Scalar:
      if (n.Tag() == "?" && (n.Scalar() == "true" || n.Scalar() == "false"))
        out = (n.Scalar() == "true");
      else
        out = boost::json::string(n.Scalar());
      return true;
    case YAML::NodeType::Sequence: {
      boost::json::array a;
      for (const auto& item : n) {
        boost::json::value v;
        if (!to_json(item, v, depth + 1, budget)) return false;
        a.push_back(std::move(v));
      }
      out = std::move(a);
      return true;
    }
    case YAML::NodeType::Map: {
      boost::json::object o;
      for (auto it = n.begin(); it != n.end(); ++it) {
        if (!it->first.IsScalar()) return false;
        boost::json::value v;
        if (!to_json(it->second, v, depth + 1, budget)) return false;
        if (o.contains(it->first.Scalar())) return false;
        o[it->first.Scalar()] = std::move(v);
      }
      out = std::move(o);
      return true;
    }
    default:
      return false;
  }
}

std::optional<std::string> jwks(Ctx& ctx, const Field& f, const std::string& field, const LoadLimits& limits) {
  boost::json::value v;
  if (f.value.IsMap()) {
    std::size_t budget = limits.max_inline_jwks_nodes;
    if (!to_json(f.value, v, 0, budget)) {
      ctx.error(IssueCode::invalid_value, f.mark(), field,
                "could not be converted to JSON (too large, too deep, duplicate or non-string keys)");
      return std::nullopt;
    }
  } else if (f.value.IsScalar()) {
    boost::system::error_code ec;
    boost::json::parse_options opts;
    opts.max_depth = kMaxJwksDepth;
    v = boost::json::parse(f.value.Scalar(), ec, {}, opts);
    if (ec) {
      ctx.error(IssueCode::invalid_value, f.mark(), field, "is not valid JSON: " + ec.message());
      return std::nullopt;
    }
  } else {
    ctx.error(IssueCode::wrong_type, f.mark(), field, "must be a key set: a mapping {keys: [...]} or a JSON string");
    return std::nullopt;
  }
  const auto* obj = v.if_object();
  const auto* keys = obj ? obj->if_contains("keys") : nullptr;
  if (keys == nullptr || !keys->is_array() || keys->get_array().empty() ||
      !std::all_of(keys->get_array().begin(), keys->get_array().end(),
                   [](const boost::json::value& k) { return k.is_object(); })) {
    ctx.error(IssueCode::invalid_value, f.mark(), field, "must be a JWK set with a non-empty \"keys\" list of objects");
    return std::nullopt;
  }
  return boost::json::serialize(v);
}

// `jwt:<claim>: [values]` pairs: a Role's principal, and each operator's block of a condition.
std::optional<std::map<std::string, std::vector<std::string>>> claim_values(Ctx& ctx, const Field& f,
                                                                            const std::string& field) {
  auto keys = mapping(ctx, f.value, f.mark(), field, {}, {}, /*any_key=*/true);
  if (!keys) return std::nullopt;
  std::map<std::string, std::vector<std::string>> out;
  bool ok = true;
  for (const auto& [key_name, key_field] : *keys) {
    const std::string key_path = join(field, key_name);
    std::string why;
    if (!ClaimPath::parse(key_name, &why)) {
      ctx.error(IssueCode::bad_condition_key, key_field.key.Mark(), key_path, "key " + why);
      ok = false;
      continue;
    }
    if (is_null(key_field.value)) {
      ctx.error(IssueCode::missing_field, key_field.key.Mark(), key_path, "must list at least one value");
      ok = false;
      continue;
    }
    auto vals = string_list(ctx, key_field, key_path, /*scalar_ok=*/true);
    if (!vals) {
      ok = false;
      continue;
    }
    out[key_name] = values_of(*vals);
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<Condition> condition(Ctx& ctx, const Field& f, const std::string& field) {
  auto ops = mapping(ctx, f.value, f.mark(), field, {}, {}, /*any_key=*/true);
  if (!ops) return std::nullopt;
  Condition out;
  bool ok = true;
  if (ops->empty()) {
    ctx.error(IssueCode::invalid_value, f.mark(), field, "must name at least one operator");
    return std::nullopt;
  }
  for (const auto& [op_name, op_field] : *ops) {
    const std::string op_path = join(field, op_name);
    if (!parse_operator(op_name)) {
      ctx.error(IssueCode::unknown_operator, op_field.key.Mark(), op_path,
                "unknown condition operator (StringEqual(s), StringNotEqual(s), StringLike, StringNotLike, "
                "StringEqual(s)IgnoreCase, StringNotEqual(s)IgnoreCase, with ForAnyValue:/ForAllValues: and "
                "IfExists)");
      ok = false;
      continue;
    }
    if (is_null(op_field.value)) {
      ctx.error(IssueCode::missing_field, op_field.key.Mark(), op_path, "must map claim keys to values");
      ok = false;
      continue;
    }
    auto keys = claim_values(ctx, op_field, op_path);
    if (!keys) {
      ok = false;
      continue;
    }
    if (keys->empty()) {
      ctx.error(IssueCode::invalid_value, op_field.mark(), op_path, "must name at least one key");
      ok = false;
      continue;
    }
    out[op_name] = std::move(*keys);
  }
  if (!ok) return std::nullopt;
  return out;
}


// Per-object line information that the cross-object checks use for warnings.
struct RoleLines {
  std::vector<int> policy;  // line of each spec.policy[i]
};

class Loader {
 public:
  explicit Loader(const LoadLimits& limits) : limits_(limits) {}

  void add_text(std::string_view text, const std::string& file);
  void add_error(Issue i) { errors_.push_back(std::move(i)); }
  LoadOutcome finish();

 private:
  void document(const YAML::Node& doc, const std::string& file);
  void issuer(Ctx& ctx, const Fields& spec, const YAML::Mark& at, ObjectMeta meta);
  void policy(Ctx& ctx, const Fields& spec, const YAML::Mark& at, ObjectMeta meta);
  void role(Ctx& ctx, const Fields& spec, const YAML::Mark& at, ObjectMeta meta);

  LoadLimits limits_;
  ObjectSet set_;
  std::vector<RoleLines> role_lines_;
  Issues errors_;
  std::size_t objects_ = 0;
  bool too_many_reported_ = false;
};

// yaml-cpp 0.7's LoadAll never returns when a stray ',' follows a top-level node ("{a: 1},",
// "[x],", a lone ","): the parser hands out one null document after another without consuming the
// token, and LoadAll appends them until memory runs out. Found by fuzz/iam_fuzz. So the text first
// goes through the parser alone (no nodes built), stopping where a document starts at the same
// place as the one before; it throws the same syntax errors LoadAll would.
class DocumentStarts final : public YAML::EventHandler {
 public:
  std::optional<YAML::Mark> last;
  bool repeated = false;

  void OnDocumentStart(const YAML::Mark& mark) override {
    repeated = last && last->pos == mark.pos;
    last = mark;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

// Where the parser stops making progress, if it does.
std::optional<YAML::Mark> parser_stall(const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentStarts starts;
  while (parser.HandleNextDocument(starts)) {
    if (starts.repeated) return starts.last;
  }
  return std::nullopt;
}

void Loader::add_text(std::string_view text, const std::string& file) {
  std::vector<YAML::Node> docs;
  try {
    const std::string owned(text);
    if (auto stall = parser_stall(owned)) {
      errors_.push_back(Issue{IssueCode::yaml_syntax, file, "", "", line_of(*stall), column_of(*stall),
                              "a token the YAML parser cannot get past (a ',' outside [...] or {...}?)"});
      return;
    }
    docs = YAML::LoadAll(owned);
  } catch (const YAML::Exception& e) {
    errors_.push_back(Issue{IssueCode::yaml_syntax, file, "", "", line_of(e.mark), column_of(e.mark), e.msg});
    return;
  } catch (const std::exception& e) {
    errors_.push_back(Issue{IssueCode::yaml_syntax, file, "", "", 0, 0, e.what()});
    return;
  }
  for (const auto& doc : docs) {
    try {
      document(doc, file);
    } catch (const std::exception& e) {  // yaml-cpp access errors: a defect here, reported not thrown
      errors_.push_back(Issue{IssueCode::yaml_syntax, file, "", "", line_of(doc.Mark()), column_of(doc.Mark()),
                              std::string("could not read the document: ") + e.what()});
    }
  }
}

void Loader::document(const YAML::Node& doc, const std::string& file) {
  if (is_null(doc)) return;  // an empty document (a trailing `---`, or comments only)
  Ctx ctx{errors_, file, ""};
  const YAML::Mark at = doc.Mark();
  if (!doc.IsMap()) {
    ctx.error(IssueCode::not_a_mapping, at, "", "a manifest must be a mapping with apiVersion, kind, metadata, spec");
    return;
  }
  if (++objects_ > limits_.max_objects) {
    if (!too_many_reported_)
      ctx.error(IssueCode::too_large, at, "", "more than " + std::to_string(limits_.max_objects) + " objects");
    too_many_reported_ = true;
    return;
  }
  // Name the object before any other message, so that every error can say which object it is.
  std::string kind;
  std::string name;
  if (auto k = doc["kind"]; k.IsDefined() && k.IsScalar()) kind = k.Scalar();
  if (auto m = doc["metadata"]; m.IsDefined() && m.IsMap())
    if (auto n = m["name"]; n.IsDefined() && n.IsScalar()) name = n.Scalar();
  ctx.object = (kind.empty() ? std::string("<no kind>") : kind) + "/" + (name.empty() ? "<unnamed>" : name);

  const std::size_t errors_before = errors_.size();
  auto top = mapping(ctx, doc, at, "", {"apiVersion", "kind", "metadata", "spec"}, {"status"});
  if (!top) return;

  if (const Field* f = require(ctx, *top, "apiVersion", at, "")) {
    if (auto v = scalar(ctx, f->value, f->mark(), "apiVersion"); v && *v != kApiVersion)
      ctx.error(IssueCode::bad_api_version, f->mark(), "apiVersion",
                "must be " + std::string(kApiVersion) + ", not \"" + *v + "\"");
  }
  const Field* kind_field = require(ctx, *top, "kind", at, "");
  if (kind_field == nullptr) return;
  if (!kind_field->value.IsScalar()) {
    ctx.error(IssueCode::wrong_type, kind_field->mark(), "kind", "must be a string");
    return;
  }
  if (kind != "JwtIssuer" && kind != "Policy" && kind != "Role") {
    ctx.error(IssueCode::unknown_kind, kind_field->mark(), "kind",
              "unknown kind \"" + kind + "\" (expected JwtIssuer, Policy or Role)");
    return;
  }

  ObjectMeta meta;
  meta.source = file;
  meta.line = line_of(at);
  meta.namespace_ = std::string(kDefaultNamespace);
  if (const Field* m = require(ctx, *top, "metadata", at, "")) {
    auto md = mapping(ctx, m->value, m->mark(), "metadata", {"name", "namespace"},
                      {"annotations", "labels", "uid", "resourceVersion", "generation", "creationTimestamp",
                       "deletionTimestamp", "deletionGracePeriodSeconds", "managedFields", "ownerReferences",
                       "finalizers", "generateName", "selfLink", "clusterName"});
    if (md) {
      if (const Field* n = require(ctx, *md, "name", m->mark(), "metadata")) {
        if (auto v = scalar(ctx, n->value, n->mark(), "metadata.name")) {
          if (!valid_name(*v))
            ctx.error(IssueCode::invalid_value, n->mark(), "metadata.name",
                      "must be 1-253 characters of [-a-zA-Z0-9_.]");
          else
            meta.name = *v;
        }
      }
      if (const Field* ns = get(*md, "namespace")) {
        if (auto v = scalar(ctx, ns->value, ns->mark(), "metadata.namespace")) {
          if (!valid_name(*v))
            ctx.error(IssueCode::invalid_value, ns->mark(), "metadata.namespace",
                      "must be 1-253 characters of [-a-zA-Z0-9_.]");
          else
            meta.namespace_ = *v;
        }
      }
    }
  }
  const Field* spec_field = require(ctx, *top, "spec", at, "");
  if (spec_field == nullptr) return;
  std::optional<Fields> spec;
  if (kind == "JwtIssuer") {
    spec = mapping(ctx, spec_field->value, spec_field->mark(), "spec",
                   {"iss", "aud", "tokenExpiry", "issInternal", "jwksUrl", "jwks", "caFile", "algorithms", "leeway"});
  } else if (kind == "Policy") {
    spec = mapping(ctx, spec_field->value, spec_field->mark(), "spec", {"statement"});
  } else {
    spec = mapping(ctx, spec_field->value, spec_field->mark(), "spec", {"policy", "principal", "condition"});
  }
  if (!spec) return;
  const std::size_t errors_mid = errors_.size();
  const bool header_ok = errors_mid == errors_before;
  // Parse the spec even when the header had errors, to report everything in one pass; the object
  // is kept only when nothing at all was wrong with it.
  if (kind == "JwtIssuer")
    issuer(ctx, *spec, spec_field->mark(), meta);
  else if (kind == "Policy")
    policy(ctx, *spec, spec_field->mark(), meta);
  else
    role(ctx, *spec, spec_field->mark(), meta);
  if (!header_ok) {
    // The object was appended by the kind parser only if its spec was clean; drop it.
    if (errors_.size() == errors_mid) {
      if (kind == "JwtIssuer") set_.issuers.pop_back();
      if (kind == "Policy") set_.policies.pop_back();
      if (kind == "Role") {
        set_.roles.pop_back();
        role_lines_.pop_back();
      }
    }
  }
}

void Loader::issuer(Ctx& ctx, const Fields& spec, const YAML::Mark& at, ObjectMeta meta) {
  const std::size_t before = errors_.size();
  JwtIssuer o;
  o.meta = std::move(meta);
  if (const Field* f = require(ctx, spec, "iss", at, "spec"))
    if (auto v = nonempty_scalar(ctx, *f, "spec.iss")) o.iss = *v;
  if (const Field* f = require(ctx, spec, "aud", at, "spec"))
    if (auto v = string_list(ctx, *f, "spec.aud", false)) {
      for (std::size_t i = 0; i < v->size(); ++i) {
        if ((*v)[i].value.empty())
          ctx.error(IssueCode::invalid_value, (*v)[i].mark, index("spec.aud", i), "must not be empty");
        o.aud.push_back((*v)[i].value);
      }
    }
  if (const Field* f = get(spec, "tokenExpiry")) o.token_expiry = duration(ctx, *f, "spec.tokenExpiry", true);
  if (const Field* f = get(spec, "leeway")) {
    o.leeway = duration(ctx, *f, "spec.leeway", false);
    if (o.leeway && *o.leeway > kMaxLeeway)
      ctx.error(IssueCode::bad_duration, f->mark(), "spec.leeway", "must be at most 5m (clock skew, not lifetime)");
  }
  for (auto [key, slot] : {std::pair{"issInternal", &o.iss_internal}, std::pair{"jwksUrl", &o.jwks_url}}) {
    if (const Field* f = get(spec, key)) {
      const std::string path = join("spec", key);
      if (auto v = nonempty_scalar(ctx, *f, path)) {
        if (!http_url(*v))
          ctx.error(IssueCode::invalid_value, f->mark(), path, "must be an http:// or https:// URL");
        else
          *slot = *v;
      }
    }
  }
  if (const Field* f = get(spec, "caFile"))
    if (auto v = nonempty_scalar(ctx, *f, "spec.caFile")) o.ca_file = *v;
  if (const Field* f = get(spec, "jwks")) o.jwks = jwks(ctx, *f, "spec.jwks", limits_);
  if (const Field* f = get(spec, "algorithms")) {
    if (auto v = string_list(ctx, *f, "spec.algorithms", false)) {
      for (std::size_t i = 0; i < v->size(); ++i) {
        const auto& a = (*v)[i];
        if (!known_algorithm(a.value)) {
          ctx.error(IssueCode::bad_algorithm, a.mark, index("spec.algorithms", i),
                    "\"" + a.value +
                        "\" is not allowed (RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA; "
                        "HMAC and none never are)");
        } else if (std::find(o.algorithms.begin(), o.algorithms.end(), a.value) == o.algorithms.end()) {
          o.algorithms.push_back(a.value);
        }
      }
    }
  }
  if (errors_.size() == before) set_.issuers.push_back(std::move(o));
}

void Loader::policy(Ctx& ctx, const Fields& spec, const YAML::Mark& at, ObjectMeta meta) {
  const std::size_t before = errors_.size();
  Policy o;
  o.meta = std::move(meta);
  const Field* st = require(ctx, spec, "statement", at, "spec");
  if (st != nullptr) {
    if (!st->value.IsSequence()) {
      ctx.error(IssueCode::wrong_type, st->mark(), "spec.statement", "must be a list of statements");
    } else if (st->value.size() == 0) {
      ctx.error(IssueCode::invalid_value, st->mark(), "spec.statement", "must hold at least one statement");
    } else {
      std::map<std::string, int> sids;
      std::size_t i = 0;
      for (const auto& item : st->value) {
        const std::string path = index("spec.statement", i++);
        const YAML::Mark item_at = item.Mark().is_null() ? st->mark() : item.Mark();
        auto f = mapping(ctx, item, item_at, path, {"sid", "effect", "action", "resource", "condition"});
        if (!f) continue;
        Statement s;
        if (const Field* x = get(*f, "sid")) {
          if (auto v = scalar(ctx, x->value, x->mark(), path + ".sid")) {
            s.sid = *v;
            if (!s.sid.empty() && !sids.emplace(s.sid, line_of(x->mark())).second)
              ctx.error(IssueCode::duplicate_sid, x->mark(), path + ".sid",
                        "sid \"" + s.sid + "\" is used by another statement of this policy");
          }
        }
        if (const Field* x = require(ctx, *f, "effect", item_at, path)) {
          if (auto v = scalar(ctx, x->value, x->mark(), path + ".effect")) {
            if (*v == "Allow")
              s.effect = Effect::allow;
            else if (*v == "Deny")
              s.effect = Effect::deny;
            else
              ctx.error(IssueCode::invalid_value, x->mark(), path + ".effect",
                        "must be Allow or Deny, not \"" + *v + "\"");
          }
        }
        if (const Field* x = require(ctx, *f, "action", item_at, path)) {
          if (auto v = string_list(ctx, *x, path + ".action", false)) {
            for (std::size_t j = 0; j < v->size(); ++j) {
              const auto& a = (*v)[j];
              if (!parse_action_pattern(a.value))
                ctx.error(IssueCode::unknown_action, a.mark, index(path + ".action", j),
                          "unknown action \"" + a.value + "\"");
              s.action.push_back(a.value);
            }
          }
        }
        if (const Field* x = require(ctx, *f, "resource", item_at, path)) {
          if (auto v = string_list(ctx, *x, path + ".resource", false)) {
            for (std::size_t j = 0; j < v->size(); ++j) {
              const auto& r = (*v)[j];
              std::string why;
              if (!ResourcePattern::compile(r.value, &why))
                ctx.error(IssueCode::bad_resource, r.mark, index(path + ".resource", j),
                          "resource \"" + r.value + "\" " + why);
              s.resource.push_back(r.value);
            }
          }
        }
        if (const Field* x = get(*f, "condition"))
          if (auto c = condition(ctx, *x, path + ".condition")) s.condition = std::move(*c);
        o.statement.push_back(std::move(s));
      }
    }
  }
  if (errors_.size() == before) set_.policies.push_back(std::move(o));
}

void Loader::role(Ctx& ctx, const Fields& spec, const YAML::Mark& at, ObjectMeta meta) {
  const std::size_t before = errors_.size();
  Role o;
  RoleLines lines;
  o.meta = std::move(meta);
  if (const Field* f = require(ctx, spec, "policy", at, "spec")) {
    if (auto v = string_list(ctx, *f, "spec.policy", false)) {
      for (std::size_t i = 0; i < v->size(); ++i) {
        const auto& p = (*v)[i];
        if (!valid_name(p.value))
          ctx.error(IssueCode::invalid_value, p.mark, index("spec.policy", i),
                    "policy name must be 1-253 characters of [-a-zA-Z0-9_.]");
        o.policy.push_back(p.value);
        lines.policy.push_back(line_of(p.mark));
      }
    }
  }
  if (const Field* f = get(spec, "principal"))
    if (auto p = claim_values(ctx, *f, "spec.principal")) o.principal = std::move(*p);
  if (const Field* f = get(spec, "condition"))
    if (auto c = condition(ctx, *f, "spec.condition")) o.condition = std::move(*c);
  if (errors_.size() == before) {
    set_.roles.push_back(std::move(o));
    role_lines_.push_back(std::move(lines));
  }
}

std::string object_name(std::string_view kind, const ObjectMeta& m) { return std::string(kind) + "/" + m.name; }

std::string where(const ObjectMeta& m) { return m.source + (m.line > 0 ? ":" + std::to_string(m.line) : ""); }

Issues check_impl(const ObjectSet& set, Issues* warnings, const std::vector<RoleLines>* role_lines) {
  Issues errors;
  auto dup = [&](std::string_view kind, const auto& objects) {
    std::map<std::pair<std::string, std::string>, const ObjectMeta*> seen;
    for (const auto& o : objects) {
      auto [it, fresh] = seen.emplace(std::pair{o.meta.namespace_, o.meta.name}, &o.meta);
      if (!fresh)
        errors.push_back(Issue{IssueCode::duplicate_object, o.meta.source, object_name(kind, o.meta), "metadata.name",
                               o.meta.line, 0,
                               "another " + std::string(kind) + " named \"" + o.meta.name + "\" in namespace \"" +
                                   o.meta.namespace_ + "\" is defined at " + where(*it->second)});
    }
  };
  dup("JwtIssuer", set.issuers);
  dup("Policy", set.policies);
  dup("Role", set.roles);

  std::map<std::string, const ObjectMeta*, std::less<>> policy_names;
  for (const auto& p : set.policies) {
    auto [it, fresh] = policy_names.emplace(p.meta.name, &p.meta);
    if (!fresh && it->second->namespace_ != p.meta.namespace_)
      errors.push_back(Issue{IssueCode::duplicate_object, p.meta.source, object_name("Policy", p.meta),
                             "metadata.name", p.meta.line, 0,
                             "a Policy named \"" + p.meta.name + "\" also exists in namespace \"" +
                                 it->second->namespace_ + "\" (" + where(*it->second) +
                                 "); policy names must be unique because tokens carry bare names"});
  }

  std::map<std::string, const ObjectMeta*> iss_seen;
  for (const auto& i : set.issuers) {
    auto [it, fresh] = iss_seen.emplace(i.iss, &i.meta);
    if (!fresh)
      errors.push_back(Issue{IssueCode::duplicate_issuer, i.meta.source, object_name("JwtIssuer", i.meta), "spec.iss",
                             i.meta.line, 0,
                             "iss \"" + i.iss + "\" is already trusted by " +
                                 object_name("JwtIssuer", *it->second) + " at " + where(*it->second)});
  }

  if (warnings != nullptr) {
    for (std::size_t r = 0; r < set.roles.size(); ++r) {
      const Role& role = set.roles[r];
      for (std::size_t i = 0; i < role.policy.size(); ++i) {
        if (policy_names.count(role.policy[i]) != 0) continue;
        int line = role.meta.line;
        if (role_lines != nullptr && r < role_lines->size() && i < (*role_lines)[r].policy.size())
          line = (*role_lines)[r].policy[i];
        warnings->push_back(Issue{IssueCode::missing_policy, role.meta.source, object_name("Role", role.meta),
                                  index("spec.policy", i), line, 0,
                                  "Policy \"" + role.policy[i] +
                                      "\" does not exist (yet); it grants nothing until it does"});
      }
      if (role.principal.empty() && role.condition.empty())
        warnings->push_back(Issue{IssueCode::matches_everyone, role.meta.source, object_name("Role", role.meta),
                                  "spec", role.meta.line, 0,
                                  "has neither principal nor condition: it matches every token of every trusted "
                                  "issuer"});
    }
  }
  return errors;
}

LoadOutcome Loader::finish() {
  if (errors_.empty()) {
    Issues warnings;
    Issues cross = check_impl(set_, &warnings, &role_lines_);
    if (cross.empty()) return LoadResult{std::move(set_), std::move(warnings)};
    return core::fail(std::move(cross));
  }
  // Report the cross-object errors too (over what did load), to fix everything in one round.
  Issues cross = check_impl(set_, nullptr, nullptr);
  errors_.insert(errors_.end(), cross.begin(), cross.end());
  return core::fail(std::move(errors_));
}

bool manifest_name(const std::string& name) {
  if (name.empty() || name.front() == '.') return false;
  auto ends = [&](std::string_view s) { return name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0; };
  return ends(".yaml") || ends(".yml");
}

// The manifest files of a directory: (display path, path to read), in name order.
struct Listing {
  std::vector<std::pair<fs::path, fs::path>> files;
  std::string data_target;  // readlink of ..data, when present
};

core::Expected<Listing, Issue> list_directory(const fs::path& dir) {
  std::error_code ec;
  const std::string dir_name = dir.string();
  if (!fs::is_directory(dir, ec))
    return core::fail(Issue{IssueCode::io_error, dir_name, "", "", 0, 0,
                            ec ? "cannot read directory: " + ec.message() : std::string("is not a directory")});
  Listing out;
  fs::path data_dir;
  const fs::path data_link = dir / "..data";
  if (fs::is_symlink(fs::symlink_status(data_link, ec))) {
    auto target = fs::read_symlink(data_link, ec);
    if (!ec) {
      out.data_target = target.string();
      data_dir = target.is_absolute() ? target : dir / target;
    }
  }
  std::vector<std::string> names;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (manifest_name(name)) names.push_back(name);
  }
  if (ec)
    return core::fail(Issue{IssueCode::io_error, dir_name, "", "", 0, 0, "cannot list directory: " + ec.message()});
  std::sort(names.begin(), names.end());
  for (const auto& name : names) {
    const fs::path shown = dir / name;
    fs::path read = shown;
    if (!data_dir.empty() && fs::is_symlink(fs::symlink_status(shown, ec))) {
      auto target = fs::read_symlink(shown, ec).lexically_normal();
      auto first = target.begin();
      if (!ec && !target.is_absolute() && first != target.end() && first->string() == "..data") {
        fs::path rest;
        for (auto p = std::next(first); p != target.end(); ++p) rest /= *p;
        read = data_dir / rest;
      }
    }
    std::error_code sec;
    const auto st = fs::status(read, sec);  // follows symlinks
    if (fs::is_directory(st)) continue;
    out.files.emplace_back(shown, read);
  }
  return out;
}

}  // namespace

LoadOutcome load_yaml(std::string_view text, std::string_view source_name, const LoadLimits& limits) {
  Loader loader(limits);
  if (text.size() > limits.max_file_bytes) {
    loader.add_error(Issue{IssueCode::too_large, std::string(source_name), "", "", 0, 0,
                           "larger than " + std::to_string(limits.max_file_bytes) + " bytes"});
    return loader.finish();
  }
  loader.add_text(text, std::string(source_name));
  return loader.finish();
}

LoadOutcome load_directory(const fs::path& dir, const LoadLimits& limits) {
  auto listing = list_directory(dir);
  if (!listing) return core::fail(Issues{listing.error()});
  Loader loader(limits);
  if (listing->files.size() > limits.max_files) {
    loader.add_error(Issue{IssueCode::too_large, dir.string(), "", "", 0, 0,
                           "more than " + std::to_string(limits.max_files) + " manifest files"});
    return loader.finish();
  }
  for (const auto& [shown, read] : listing->files) {
    auto text = core::read_file(read, limits.max_file_bytes);
    if (!text) {
      loader.add_error(Issue{IssueCode::io_error, shown.string(), "", "", 0, 0, "cannot read: " + text.error()});
      continue;
    }
    loader.add_text(*text, shown.string());
  }
  return loader.finish();
}

Issues check_object_set(const ObjectSet& set, Issues* warnings) { return check_impl(set, warnings, nullptr); }

core::Expected<DirectoryFingerprint, Issue> fingerprint_directory(const fs::path& dir) {
  auto listing = list_directory(dir);
  if (!listing) return core::fail(listing.error());
  std::uint64_t h = 1469598103934665603ULL;  // FNV-1a 64
  auto mix = [&](const void* data, std::size_t n) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < n; ++i) {
      h ^= p[i];
      h *= 1099511628211ULL;
    }
  };
  auto mix_str = [&](const std::string& s) {
    mix(s.data(), s.size());
    mix("\0", 1);
  };
  auto mix_num = [&](long long v) { mix(&v, sizeof v); };
  mix_str(listing->data_target);
  for (const auto& [shown, read] : listing->files) {
    mix_str(shown.filename().string());
    struct stat st {};
    if (::stat(read.c_str(), &st) != 0) {
      mix_num(-1);  // vanished or broken symlink: still a state of its own
      continue;
    }
    mix_num(static_cast<long long>(st.st_dev));
    mix_num(static_cast<long long>(st.st_ino));
    mix_num(static_cast<long long>(st.st_size));
    mix_num(static_cast<long long>(st.st_mtim.tv_sec));
    mix_num(static_cast<long long>(st.st_mtim.tv_nsec));
    mix_num(static_cast<long long>(st.st_ctim.tv_sec));
    mix_num(static_cast<long long>(st.st_ctim.tv_nsec));
  }
  return DirectoryFingerprint{h, listing->files.size()};
}

}  // namespace faasgate::iam
