#pragma once
// Untrusted text on its way into a log line or an error message: bounded, and with control
// characters replaced, so that a client cannot forge log lines or flood them.
#include <string>
#include <string_view>

namespace faasgate::core {

inline std::string printable(std::string_view text, std::size_t max_chars = 200) {
  std::string out;
  out.reserve(std::min(text.size(), max_chars) + 3);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (i == max_chars) {
      out += "...";
      break;
    }
    const auto c = static_cast<unsigned char>(text[i]);
    out += (c < 0x20 || c == 0x7f) ? '?' : static_cast<char>(c);
  }
  return out;
}

}  // namespace faasgate::core
