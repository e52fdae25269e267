#include "input.hpp"

#include <istream>

#include "faasgate/core/files.hpp"
#include "faasgate/core/text.hpp"

namespace faasgate::cli {

Expected<std::string> read_stream(std::istream& in, std::size_t max_bytes, std::string_view what) {
  std::string out;
  char buf[16384];
  while (in) {
    in.read(buf, sizeof buf);
    const auto n = static_cast<std::size_t>(in.gcount());
    if (out.size() + n > max_bytes)
      return core::fail(std::string(what) + " is larger than " + std::to_string(max_bytes) + " bytes");
    out.append(buf, n);
  }
  if (in.bad()) return core::fail("cannot read " + std::string(what));
  return out;
}

Expected<std::string> read_file(const std::filesystem::path& path, std::size_t max_bytes) {
  return core::read_file(path, max_bytes);
}

std::string without_final_newline(std::string text) {
  if (!text.empty() && text.back() == '\n') text.pop_back();
  if (!text.empty() && text.back() == '\r') text.pop_back();
  return text;
}

std::string trim_right(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ' || text.back() == '\t'))
    text.pop_back();
  return text;
}

Expected<std::map<std::string, std::string>> parse_key_values(const std::vector<std::string>& items,
                                                             std::string_view flag) {
  std::map<std::string, std::string> out;
  for (const auto& item : items) {
    auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0)
      return core::fail(std::string(flag) + " takes KEY=VALUE, not \"" + core::printable(item, 60) + "\"");
    out[item.substr(0, eq)] = item.substr(eq + 1);
  }
  return out;
}

}  // namespace faasgate::cli
