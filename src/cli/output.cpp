#include "output.hpp"

#include <boost/json/serialize.hpp>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <ostream>

#include "faasgate/core/text.hpp"

namespace faasgate::cli {

namespace json = boost::json;

void add_output_option(CLI::App& command, Format& format) {
  // IsMember (not a transformer of names to enum values) so that a wrong value is refused in the
  // user's words: "--output: xml not in {table,json,yaml}".
  command
      .add_option_function<std::string>(
          "-o,--output",
          [&format](const std::string& name) {
            format = name == "json" ? Format::json : name == "yaml" ? Format::yaml : Format::table;
          },
          "Output format: table (default), json or yaml")
      ->check(CLI::IsMember({"table", "json", "yaml"}, CLI::ignore_case))
      ->type_name("table|json|yaml");
}

namespace {

// A table cell: one line of printable text, never so long that it pushes the other columns off
// the screen for everyone.
std::string cell(std::string_view text) { return core::printable(text, 120); }

}  // namespace

Table::Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}

void Table::add(std::vector<std::string> row) {
  row.resize(headers_.size());
  for (auto& c : row) c = cell(c);
  rows_.push_back(std::move(row));
}

void Table::write(std::ostream& out) const {
  std::vector<std::size_t> widths(headers_.size());
  for (std::size_t i = 0; i < headers_.size(); ++i) widths[i] = headers_[i].size();
  for (const auto& row : rows_)
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  auto line = [&](const std::vector<std::string>& row) {
    std::string text;
    for (std::size_t i = 0; i < row.size(); ++i) {
      text += row[i];
      if (i + 1 < row.size()) text.append(widths[i] - row[i].size() + 3, ' ');
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out << text << '\n';
  };
  line(headers_);
  for (const auto& row : rows_) line(row);
}

void Fields::add(std::string key, std::string value) { fields_.emplace_back(std::move(key), cell(value)); }

void Fields::write(std::ostream& out) const {
  std::size_t width = 0;
  for (const auto& [key, value] : fields_) width = std::max(width, key.size());
  for (const auto& [key, value] : fields_) {
    out << key << ':';
    if (!value.empty()) out << std::string(width - key.size() + 1, ' ') << value;
    out << '\n';
  }
}

namespace {

void pretty(std::ostream& out, const json::value& v, int indent) {
  const std::string pad(static_cast<std::size_t>(indent + 2), ' ');
  const std::string close(static_cast<std::size_t>(indent), ' ');
  switch (v.kind()) {
    case json::kind::object: {
      const auto& o = v.get_object();
      if (o.empty()) {
        out << "{}";
        return;
      }
      out << "{\n";
      bool first = true;
      for (const auto& member : o) {
        if (!first) out << ",\n";
        first = false;
        out << pad << json::serialize(json::string(member.key())) << ": ";
        pretty(out, member.value(), indent + 2);
      }
      out << '\n' << close << '}';
      return;
    }
    case json::kind::array: {
      const auto& a = v.get_array();
      if (a.empty()) {
        out << "[]";
        return;
      }
      out << "[\n";
      for (std::size_t i = 0; i < a.size(); ++i) {
        if (i) out << ",\n";
        out << pad;
        pretty(out, a[i], indent + 2);
      }
      out << '\n' << close << ']';
      return;
    }
    default: out << json::serialize(v); return;
  }
}

// Would a plain scalar `s` be read back as something other than this string (a YAML 1.1 bool,
// null, a number, a date)? Then it is written in double quotes.
bool ambiguous_in_yaml(std::string_view s) {
  if (s.empty()) return true;
  std::string lower;
  for (char c : s) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  static constexpr std::string_view words[] = {"true", "false", "yes", "no", "on", "off", "y", "n", "null", "~",
                                               ".inf", "-.inf", "+.inf", ".nan"};
  for (auto w : words)
    if (lower == w) return true;
  const char c = s.front();
  return std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '+' || c == '.' || c == ' ' ||
         s.back() == ' ';
}

void emit(YAML::Emitter& e, const json::value& v) {
  switch (v.kind()) {
    case json::kind::null: e << YAML::Null; return;
    case json::kind::bool_: e << v.get_bool(); return;
    case json::kind::int64: e << v.get_int64(); return;
    case json::kind::uint64: e << v.get_uint64(); return;
    case json::kind::double_: e << v.get_double(); return;
    case json::kind::string: {
      const std::string s(v.get_string());
      if (ambiguous_in_yaml(s)) e << YAML::DoubleQuoted;
      e << s;
      return;
    }
    case json::kind::array: {
      const auto& a = v.get_array();
      if (a.empty()) e << YAML::Flow;
      e << YAML::BeginSeq;
      for (const auto& item : a) emit(e, item);
      e << YAML::EndSeq;
      return;
    }
    case json::kind::object: {
      const auto& o = v.get_object();
      if (o.empty()) e << YAML::Flow;
      e << YAML::BeginMap;
      for (const auto& member : o) {
        const std::string key(member.key());
        e << YAML::Key;
        if (ambiguous_in_yaml(key)) e << YAML::DoubleQuoted;
        e << key << YAML::Value;
        emit(e, member.value());
      }
      e << YAML::EndMap;
      return;
    }
  }
}

}  // namespace

void write_json(std::ostream& out, const json::value& value) {
  pretty(out, value, 0);
  out << '\n';
}

void write_yaml(std::ostream& out, const json::value& value) {
  YAML::Emitter e;
  emit(e, value);
  out << e.c_str() << '\n';
}

void write_document(std::ostream& out, Format format, const json::value& value) {
  if (format == Format::yaml)
    write_yaml(out, value);
  else
    write_json(out, value);
}

std::string join_map(const std::map<std::string, std::string>& map) {
  std::string out;
  for (const auto& [k, v] : map) {
    if (!out.empty()) out += ", ";
    out += k + "=" + v;
  }
  return out;
}

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

}  // namespace faasgate::cli
