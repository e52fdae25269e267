#pragma once
// SqliteQueue's encoding of a call's request and result headers in a text column: a storage
// format, changed only together with a migration.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace faasgate::queue::codec {

using Pairs = std::vector<std::pair<std::string, std::string>>;
std::string encode_pairs(const Pairs& pairs);  // [[name, value], ...]: order and repeats kept
std::optional<Pairs> decode_pairs(std::string_view json);

}  // namespace faasgate::queue::codec
