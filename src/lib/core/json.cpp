#include "faasgate/core/json.hpp"

// basic_parser is a template whose member definitions live in this header; it is included in
// this one translation unit only.
#include <boost/json/basic_parser_impl.hpp>

#include <boost/json/array.hpp>
#include <boost/json/error.hpp>
#include <boost/json/object.hpp>

#include <cmath>
#include <optional>
#include <vector>

namespace faasgate::core {

namespace {

namespace json = boost::json;
using boost::system::error_code;

// Builds a boost::json::value from basic_parser events. Building it ourselves (rather than with
// boost::json::parser) is what lets us see every member name as it is inserted: object::emplace
// refuses a name that is already there, which is the duplicate check.
class StrictBuilder {
 public:
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  explicit StrictBuilder(std::size_t max_depth) : max_depth_(max_depth) {}

  json::value take_result() { return std::move(result_); }
  // Set when the builder (not the grammar) refused the input.
  std::optional<JsonError> refusal;

  bool on_document_begin(error_code&) { return true; }
  bool on_document_end(error_code&) { return true; }

  bool on_object_begin(error_code& ec) {
    if (!enter(ec)) return false;
    open_.emplace_back(json::object{});
    pending_keys_.emplace_back();
    return true;
  }
  bool on_object_end(std::size_t, error_code& ec) {
    json::value done = std::move(open_.back());
    open_.pop_back();
    pending_keys_.pop_back();
    return add(std::move(done), ec);
  }
  bool on_array_begin(error_code& ec) {
    if (!enter(ec)) return false;
    open_.emplace_back(json::array{});
    pending_keys_.emplace_back();
    return true;
  }
  bool on_array_end(std::size_t, error_code& ec) {
    json::value done = std::move(open_.back());
    open_.pop_back();
    pending_keys_.pop_back();
    return add(std::move(done), ec);
  }

  bool on_key_part(json::string_view part, std::size_t, error_code&) {
    text_.append(part.data(), part.size());
    return true;
  }
  bool on_key(json::string_view part, std::size_t, error_code&) {
    text_.append(part.data(), part.size());
    pending_keys_.back() = std::move(text_);
    text_.clear();
    return true;
  }
  bool on_string_part(json::string_view part, std::size_t, error_code&) {
    text_.append(part.data(), part.size());
    return true;
  }
  bool on_string(json::string_view part, std::size_t, error_code& ec) {
    text_.append(part.data(), part.size());
    json::value v(json::string(text_.data(), text_.size()));
    text_.clear();
    return add(std::move(v), ec);
  }

  bool on_number_part(json::string_view, error_code&) { return true; }
  bool on_int64(std::int64_t i, json::string_view, error_code& ec) { return add(json::value(i), ec); }
  bool on_uint64(std::uint64_t u, json::string_view, error_code& ec) { return add(json::value(u), ec); }
  // Boost.JSON 1.81 turns a number beyond double's range ("1e999") into infinity, and "0e999" into
  // NaN, which no JSON text can hold: serialize() writes `Infinity` or `NaN`, so a token minted
  // with such a claim would not parse. Both are refused.
  bool on_double(double d, json::string_view, error_code& ec) {
    if (!std::isfinite(d)) return refuse(JsonErrc::syntax, "number out of range", ec);
    return add(json::value(d), ec);
  }
  bool on_bool(bool b, error_code& ec) { return add(json::value(b), ec); }
  bool on_null(error_code& ec) { return add(json::value(nullptr), ec); }

  // Comments are disabled in parse_options; these are never called but must exist.
  bool on_comment_part(json::string_view, error_code&) { return true; }
  bool on_comment(json::string_view, error_code&) { return true; }

 private:
  bool refuse(JsonErrc code, std::string detail, error_code& ec) {
    refusal = JsonError{code, std::move(detail)};
    // basic_parser stops only when the handler returns false with an error set.
    ec = json::error::exception;
    return false;
  }

  bool enter(error_code& ec) {
    if (open_.size() >= max_depth_) {
      return refuse(JsonErrc::too_deep, "nesting deeper than " + std::to_string(max_depth_), ec);
    }
    return true;
  }

  bool add(json::value v, error_code& ec) {
    if (open_.empty()) {
      result_ = std::move(v);
      return true;
    }
    json::value& parent = open_.back();
    if (parent.is_array()) {
      parent.get_array().push_back(std::move(v));
      return true;
    }
    auto& key = pending_keys_.back();
    auto [it, inserted] = parent.get_object().emplace(key, std::move(v));
    if (!inserted) {
      // The name itself is not echoed: it is untrusted input.
      return refuse(JsonErrc::duplicate_member, "duplicate member name at depth " + std::to_string(open_.size()),
                    ec);
    }
    return true;
  }

  std::size_t max_depth_;
  std::vector<json::value> open_;          // containers being filled, outermost first
  std::vector<std::string> pending_keys_;  // per open container: the member name awaiting its value
  std::string text_;                       // the key or string being assembled from parts
  json::value result_;
};

}  // namespace

Expected<json::value, JsonError> parse_json_strict(std::string_view text, const JsonLimits& limits) {
  if (text.size() > limits.max_bytes) {
    return fail(JsonError{JsonErrc::too_large, "document larger than " + std::to_string(limits.max_bytes) + " bytes"});
  }
  json::parse_options options;
  // Our builder enforces the depth limit itself (to report it precisely); the grammar's own
  // limit is set one above so that it never fires first.
  options.max_depth = limits.max_depth + 1;
  options.allow_comments = false;
  options.allow_trailing_commas = false;
  options.allow_invalid_utf8 = false;

  json::basic_parser<StrictBuilder> parser(options, limits.max_depth);
  error_code ec;
  std::size_t consumed = parser.write_some(false, text.data(), text.size(), ec);
  if (auto& refusal = parser.handler().refusal) return fail(std::move(*refusal));
  if (ec == json::error::too_deep) {
    return fail(JsonError{JsonErrc::too_deep, "nesting deeper than " + std::to_string(limits.max_depth)});
  }
  if (ec) {
    return fail(JsonError{JsonErrc::syntax, ec.message() + " near offset " + std::to_string(consumed)});
  }
  if (consumed != text.size()) {
    return fail(JsonError{JsonErrc::syntax, "trailing data at offset " + std::to_string(consumed)});
  }
  return parser.handler().take_result();
}

}  // namespace faasgate::core
