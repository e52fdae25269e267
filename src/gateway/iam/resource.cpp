#include "faasgate/iam/resource.hpp"

namespace faasgate::iam {
namespace {

constexpr std::size_t kMaxSegment = 253;

bool name_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '.';
}

}  // namespace

bool valid_name(std::string_view n) noexcept {
  if (n.empty() || n.size() > kMaxSegment) return false;
  for (char c : n)
    if (!name_char(c)) return false;
  return true;
}

std::optional<Resource> parse_request_resource(std::string_view text) noexcept {
  if (text == "*") return Resource::cluster();
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  const auto ns = text.substr(0, colon);
  const auto fn = text.substr(colon + 1);
  if (!valid_name(ns)) return std::nullopt;
  if (fn == "*") return Resource::namespace_of(ns);
  if (!valid_name(fn)) return std::nullopt;
  return Resource::function(ns, fn);
}

std::optional<ResourcePattern> ResourcePattern::compile(std::string_view text, std::string* why) {
  auto fail = [&](const char* reason) -> std::optional<ResourcePattern> {
    if (why) *why = reason;
    return std::nullopt;
  };
  ResourcePattern p;
  p.text_ = std::string(text);
  if (text == "*") {
    p.all_ = true;
    return p;
  }
  const auto colon = text.find(':');
  if (colon == std::string_view::npos)
    return fail("must be \"*\", \"<namespace>:*\" or \"<namespace>:<function>\"");
  const auto ns = text.substr(0, colon);
  const auto fn = text.substr(colon + 1);
  if (fn.find(':') != std::string_view::npos) return fail("has more than one ':'");
  for (auto seg : {ns, fn}) {
    if (seg.empty()) return fail("has an empty segment around ':'");
    if (seg.size() > kMaxSegment) return fail("has a segment longer than 253 characters");
    for (char c : seg)
      if (!name_char(c) && c != '*') return fail("segments may hold only [-a-zA-Z0-9_.] and the wildcard '*'");
  }
  p.ns_ = Glob(std::string(ns));
  p.fn_ = Glob(std::string(fn));
  return p;
}

bool ResourcePattern::covers(const Resource& r) const noexcept {
  if (all_) return true;
  switch (r.level) {
    case Resource::Level::cluster:
      return false;
    case Resource::Level::namespace_:
      return fn_.is_any() && ns_.matches(r.ns);
    case Resource::Level::function:
      return ns_.matches(r.ns) && fn_.matches(r.fn);
  }
  return false;
}

}  // namespace faasgate::iam
