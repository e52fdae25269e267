#pragma once
// The store's own JSON encoding of what it keeps as text columns: a function's deployment, a
// namespace's labels and annotations. This is a storage format, not the wire format (api/wire.*):
// it changes only together with a migration. Decoding is strict about
// types (a row that does not decode is reported, never half-read) and tolerant of missing members
// (an older row lacks what a newer version added).
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "faasgate/model/model.hpp"

namespace faasgate::store::codec {

std::string encode_deployment(const model::FunctionDeployment& fn);
std::optional<model::FunctionDeployment> decode_deployment(std::string_view json);

std::string encode_map(const std::map<std::string, std::string>& map);
std::optional<std::map<std::string, std::string>> decode_map(std::string_view json);

}  // namespace faasgate::store::codec
