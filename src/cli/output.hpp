#pragma once
// How results are printed: -o table (aligned columns for people), -o json (the API's shapes, one
// document, for scripts), -o yaml (the same document as YAML). Text that came from the gateway
// is passed through core::printable on its way into a table, so a label cannot move the cursor or
// rewrite the terminal's title.
#include <CLI/CLI.hpp>

#include <boost/json/value.hpp>

#include <iosfwd>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace faasgate::cli {

enum class Format { table, json, yaml };

// Adds -o/--output {table,json,yaml} to `command`; a bad value is a usage error.
void add_output_option(CLI::App& command, Format& format);

// Columns separated by three spaces and padded to the widest cell; the last column unpadded.
class Table {
 public:
  explicit Table(std::vector<std::string> headers);
  void add(std::vector<std::string> row);
  void write(std::ostream& out) const;
  std::size_t rows() const noexcept { return rows_.size(); }

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

// "key:   value" lines for one object (fn get, ns get, info, whoami), aligned.
class Fields {
 public:
  void add(std::string key, std::string value);
  void write(std::ostream& out) const;

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

// One JSON document, indented, ending in a newline.
void write_json(std::ostream& out, const boost::json::value& value);
// The same document as YAML. Strings that YAML would read back as something else ("true",
// "1.0", "", "null") are quoted, so the output parses back to the JSON it came from.
void write_yaml(std::ostream& out, const boost::json::value& value);
// json or yaml (a table is the command's own).
void write_document(std::ostream& out, Format format, const boost::json::value& value);

// "a=1, b=2" for a table cell.
std::string join_map(const std::map<std::string, std::string>& map);
// "a, b"
std::string join(const std::vector<std::string>& items, std::string_view separator = ", ");

}  // namespace faasgate::cli
