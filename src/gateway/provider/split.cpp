// split_command: POSIX shell word splitting (XCU 2.2 Quoting, 2.6.5 Field Splitting with the default
// IFS), without any expansion.
//
// What is honoured: blanks (space, tab, newline) separate words; '...' is literal; "..." is
// literal except that a backslash escapes $ ` " \ and newline; a backslash outside quotes makes the
// next character literal (backslash-newline is a line continuation and disappears); quoted empty
// strings ('' or "") are words; adjacent pieces join into one word (a"b"'c' is abc).
//
// What is deliberately NOT honoured: operators and expansions (| ; & && || < > ( ) $VAR $(...)
// `...` * ? ~ #). They are ordinary characters here, so `echo a|b` runs echo with the argument
// "a|b". No shell runs unless the command is one: a user who wants a pipeline writes
// `sh -c 'cat | tr a-z A-Z'` and gets exactly that. This keeps request-independent argv and makes
// injection through the command line impossible by construction.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "faasgate/provider/runtime.hpp"

namespace faasgate::provider {

std::optional<std::vector<std::string>> split_command(std::string_view command) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;  // a word has started (possibly empty, e.g. after '')
  std::size_t i = 0;
  const std::size_t n = command.size();
  auto is_blank = [](char c) { return c == ' ' || c == '\t' || c == '\n'; };

  while (i < n) {
    const char c = command[i];
    if (c == '\0') return std::nullopt;  // cannot be passed in argv
    if (is_blank(c)) {
      if (in_word) {
        words.push_back(std::move(word));
        word.clear();
        in_word = false;
      }
      ++i;
      continue;
    }
    if (c == '\\') {
      if (i + 1 >= n) return std::nullopt;  // a trailing backslash asks for more input
      const char next = command[i + 1];
      if (next == '\0') return std::nullopt;
      if (next != '\n') {  // backslash-newline: line continuation, nothing is added
        word += next;
        in_word = true;
      }
      i += 2;
      continue;
    }
    if (c == '\'') {
      const auto close = command.find('\'', i + 1);
      if (close == std::string_view::npos) return std::nullopt;
      const auto piece = command.substr(i + 1, close - i - 1);
      if (piece.find('\0') != std::string_view::npos) return std::nullopt;
      word.append(piece);
      in_word = true;
      i = close + 1;
      continue;
    }
    if (c == '"') {
      in_word = true;
      ++i;
      bool closed = false;
      while (i < n) {
        const char d = command[i];
        if (d == '\0') return std::nullopt;
        if (d == '"') {
          closed = true;
          ++i;
          break;
        }
        if (d == '\\' && i + 1 < n) {
          const char next = command[i + 1];
          if (next == '$' || next == '`' || next == '"' || next == '\\') {
            word += next;
            i += 2;
            continue;
          }
          if (next == '\n') {
            i += 2;
            continue;
          }
        }
        word += d;  // includes a backslash before any other character, kept literally
        ++i;
      }
      if (!closed) return std::nullopt;
      continue;
    }
    word += c;
    in_word = true;
    ++i;
  }
  if (in_word) words.push_back(std::move(word));
  if (words.empty()) return std::nullopt;
  return words;
}

}  // namespace faasgate::provider
