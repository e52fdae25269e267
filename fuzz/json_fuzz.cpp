// json_fuzz: core::parse_json_strict, the parser under every JWT header and claims set, key set
// and API body, with small limits (4 KiB, depth 8) so that the limits themselves are exercised.
// Must never crash, and must agree with Boost.JSON's own parser:
//   - what it accepts, boost::json::parse accepts too, as an equal value; the value is no deeper
//     than the limit, and serializing and re-parsing it strictly gives the same value back (doubles
//     within a few ulps, json_same.hpp);
//   - what it refuses as a syntax error, boost::json::parse refuses too (with the same options),
//     except numbers beyond double's range, which Boost reads as infinity (or NaN, for "0e999") and
//     we refuse (values that serialize as `Infinity` or `NaN`, not JSON: the bug this target found,
//     core/json_test.cpp);
//   - what it refuses as too deep, Boost refuses with the same depth limit.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "faasgate/core/json.hpp"
#include "json_same.hpp"

namespace {

namespace json = boost::json;
using faasgate::core::JsonErrc;
using faasgate::core::JsonLimits;

constexpr JsonLimits kLimits{4096, 8};

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "json_fuzz: %s\n", what);
  std::abort();
}

// Containers count as one level each; a scalar is depth 0.
std::size_t depth(const json::value& v) {
  std::size_t deepest = 0;
  if (const auto* a = v.if_array()) {
    for (const auto& item : *a) deepest = std::max(deepest, depth(item));
    return deepest + 1;
  }
  if (const auto* o = v.if_object()) {
    for (const auto& member : *o) deepest = std::max(deepest, depth(member.value()));
    return deepest + 1;
  }
  return 0;
}

bool has_non_finite(const json::value& v) {
  if (const auto* d = v.if_double()) return !std::isfinite(*d);
  if (const auto* a = v.if_array()) return std::any_of(a->begin(), a->end(), has_non_finite);
  if (const auto* o = v.if_object()) {
    return std::any_of(o->begin(), o->end(), [](const auto& m) { return has_non_finite(m.value()); });
  }
  return false;
}

// Whether `text` may hold a numeral Boost reads as infinity or NaN (a run of number characters that
// strtod reads as infinite, or with an exponent above 308). Judged on the text, not on Boost's
// value: a duplicate member may have overwritten it there.
bool has_huge_numeral(std::string_view text) {
  const auto numeric = [](char c) {
    return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
  };
  for (std::size_t i = 0; i < text.size();) {
    if (!numeric(text[i])) {
      ++i;
      continue;
    }
    std::size_t end = i;
    while (end < text.size() && numeric(text[end])) ++end;
    const std::string run(text.substr(i, end - i));
    if (std::isinf(std::strtod(run.c_str(), nullptr))) return true;
    // "0e999" is 0, but Boost 1.81 reads it as 0 * inf = NaN, which we refuse as well.
    const auto e = run.find_first_of("eE");
    if (e != std::string::npos && std::strtol(run.c_str() + e + 1, nullptr, 10) > 308) return true;
    i = end;
  }
  return false;
}

json::parse_options boost_options(std::size_t max_depth) {
  json::parse_options options;
  options.max_depth = max_depth;
  options.allow_comments = false;
  options.allow_trailing_commas = false;
  options.allow_invalid_utf8 = false;
  return options;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto strict = faasgate::core::parse_json_strict(text, kLimits);

  // Boost's reference answer with the same depth limit (duplicates aside: Boost keeps the last).
  boost::system::error_code ec;
  json::value reference = json::parse(text, ec, {}, boost_options(kLimits.max_depth));

  if (strict) {
    if (size > kLimits.max_bytes) fail("accepted a document over the size limit");
    if (depth(*strict) > kLimits.max_depth) fail("accepted a document over the depth limit");
    if (has_non_finite(*strict)) fail("accepted a number that is infinite or NaN");
    if (ec) fail("accepted what Boost.JSON refuses");
    if (reference != *strict) fail("a different value than Boost.JSON's");
    auto again = faasgate::core::parse_json_strict(json::serialize(*strict), JsonLimits{1 << 20, kLimits.max_depth});
    if (!again) fail("its own serialization does not parse");
    if (!faasgate::fuzz::same_json(*again, *strict)) fail("the value changed through serialize and parse");
    return 0;
  }
  switch (strict.error().code) {
    case JsonErrc::too_large:
      if (size <= kLimits.max_bytes) fail("too_large for a document within the limit");
      break;
    case JsonErrc::syntax:
      if (!ec && !has_huge_numeral(text)) fail("syntax error in what Boost.JSON accepts");
      break;
    case JsonErrc::too_deep:
      // Not the value's depth: a duplicate member Boost overwrote may have held the deep part.
      if (!ec) fail("too_deep for a document Boost parses within the same depth limit");
      break;
    case JsonErrc::duplicate_member:
      break;
  }
  return 0;
}
