#pragma once
// Equality of JSON values for the fuzz targets' round-trip checks: exact, except that two doubles
// may differ by a few ulps. Boost.JSON 1.81 parses long numbers imprecisely: it reads
// 18449223372036854775809 as 1.8449223372036855e22 but its own serialization of that,
// "1.8449223372036855E22", as 1.8449223372036857e22.
#include <boost/json/value.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>

namespace faasgate::fuzz {

inline bool same_json(const boost::json::value& a, const boost::json::value& b) {
  if (a.is_double() && b.is_double()) {
    const double x = a.get_double(), y = b.get_double();
    return x == y ||
           std::fabs(x - y) <= 4 * std::numeric_limits<double>::epsilon() * std::max(std::fabs(x), std::fabs(y));
  }
  if (a.kind() != b.kind()) return false;
  if (const auto* array = a.if_array()) {
    const auto& other = b.get_array();
    if (array->size() != other.size()) return false;
    for (std::size_t i = 0; i < array->size(); ++i) {
      if (!same_json((*array)[i], other[i])) return false;
    }
    return true;
  }
  if (const auto* object = a.if_object()) {
    const auto& other = b.get_object();
    if (object->size() != other.size()) return false;
    for (const auto& member : *object) {
      const auto* match = other.if_contains(member.key());
      if (match == nullptr || !same_json(member.value(), *match)) return false;
    }
    return true;
  }
  return a == b;
}

}  // namespace faasgate::fuzz
