#pragma once
// Resources (reference §1).
//
// A REQUEST resource is one of three levels:
//   cluster    "*"         (Namespace:List, System:Info, listing across every namespace)
//   namespace  "<ns>:*"    (Namespace:Get dev, Function:List in dev, Secret:List in dev, ...)
//   function   "<ns>:<fn>" (Function:Get/Update/Delete/Scale/Logs/Invoke of one function, a secret)
//
// A STATEMENT resource (pattern) is "*" or "<ns-pattern>:<name-pattern>", where each segment is
// non-empty, made of [-a-zA-Z0-9_.] and `*` (any run of characters, also none; never ':').
// Matching is anchored: "dev:env" never covers "dev:env2".
//
// Covering rules (the same for Allow and Deny statements):
//   "*"          covers every request resource, including the cluster level.
//   "N:F"        never covers the cluster level "*" (not even "*:*": it names what is INSIDE
//                namespaces; cluster-wide actions need "*").
//   "N:F"        covers the namespace level "ns:*" only when F is the whole-namespace wildcard "*"
//                and N matches ns. So "dev:*" and "d*:*" cover "dev:*", but "dev:api-*" does NOT:
//                it does not cover the whole namespace, so Namespace:Get dev (or an unfiltered
//                Function:List in dev) is not granted by it. Listing is still filtered through the
//                visibility helpers of Engine, where "dev:api-*" makes namespace dev visible.
//   "N:F"        covers the function level "ns:fn" when N matches ns and F matches fn.
#include <optional>
#include <string>
#include <string_view>

#include "faasgate/iam/glob.hpp"

namespace faasgate::iam {

// A request resource. It BORROWS its strings: keep them alive while the Resource is used.
struct Resource {
  enum class Level { cluster, namespace_, function };
  Level level = Level::cluster;
  std::string_view ns;
  std::string_view fn;

  static Resource cluster() noexcept { return {}; }
  static Resource namespace_of(std::string_view ns) noexcept { return {Level::namespace_, ns, {}}; }
  static Resource function(std::string_view ns, std::string_view fn) noexcept { return {Level::function, ns, fn}; }
};

// True for names that match [-a-zA-Z_0-9.]+ (function, namespace and secret names; §3).
bool valid_name(std::string_view name) noexcept;

// Parses "*", "<ns>:*" or "<ns>:<fn>" with valid names; nullopt otherwise. The result borrows `text`.
std::optional<Resource> parse_request_resource(std::string_view text) noexcept;

class ResourcePattern {
 public:
  // nullopt (with `why` set when given) when `text` is not a valid statement resource.
  static std::optional<ResourcePattern> compile(std::string_view text, std::string* why = nullptr);

  bool covers(const Resource& r) const noexcept;
  // True when the namespace segment matches `ns` (or the pattern is "*"): something in `ns` is named.
  bool names_namespace(std::string_view ns) const noexcept { return all_ || ns_.matches(ns); }
  // True when the pattern covers all of namespace `ns` ("*", or "N:*" with N matching ns).
  bool covers_namespace(std::string_view ns) const noexcept { return all_ || (fn_.is_any() && ns_.matches(ns)); }
  bool is_everything() const noexcept { return all_; }
  const std::string& text() const noexcept { return text_; }

 private:
  std::string text_;
  Glob ns_;
  Glob fn_;
  bool all_ = false;
};

}  // namespace faasgate::iam
