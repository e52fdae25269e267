// form_fuzz: core::decode_form on arbitrary bytes (a POST /oauth/token body or a query string) and,
// when it decodes, oauth::parse_token_request on the parameters, as the token endpoint does.
// Must never crash, and:
//   - no decoded name or value holds a NUL (decode_form refuses those);
//   - decoding appends: parameters already in `out` are kept as they were;
//   - an error's description never depends on the subject token's value (it must never echo it:
//     the same parameters with every non-empty subject_token replaced give the same description);
//   - a request that parses carries the subject_token and subject_token_type given (each exactly
//     once), and every audience given, none empty.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "faasgate/core/form.hpp"
#include "faasgate/oauth/token_request.hpp"

namespace {

using namespace faasgate;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "form_fuzz: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  core::FormParams params{{"existing", "value"}};
  const bool decoded = core::decode_form(text, params);
  if (params.empty() || params.front() != std::pair<std::string, std::string>{"existing", "value"}) {
    fail("decode_form changed a parameter it did not add");
  }
  if (!decoded) return 0;
  params.erase(params.begin());
  for (const auto& [k, v] : params) {
    if (k.find('\0') != std::string::npos || v.find('\0') != std::string::npos) fail("a NUL in a decoded parameter");
  }
  (void)core::form_value(params, "subject_token");

  auto request = oauth::parse_token_request(params);
  if (!request) {
    (void)oauth::to_string(request.error().code);
    oauth::Params masked = params;
    for (auto& [k, v] : masked) {
      if (k == "subject_token" && !v.empty()) v = "masked";
    }
    auto again = oauth::parse_token_request(masked);
    if (again || again.error().code != request.error().code ||
        again.error().description != request.error().description) {
      fail("the error depends on the subject token's value");
    }
    return 0;
  }
  auto count = [&](std::string_view name) {
    return std::count_if(params.begin(), params.end(), [&](const auto& p) { return p.first == name; });
  };
  if (count("grant_type") != 1 || count("subject_token") != 1 || count("subject_token_type") != 1) {
    fail("a request without exactly one grant_type, subject_token and subject_token_type");
  }
  if (request->subject_token.empty() || request->subject_token.reveal() != core::form_value(params, "subject_token")) {
    fail("another subject_token");
  }
  if (request->subject_token_type != core::form_value(params, "subject_token_type")) fail("another subject_token_type");
  if (request->audiences.size() != static_cast<std::size_t>(count("audience"))) fail("an audience lost");
  for (const auto& aud : request->audiences) {
    if (aud.empty()) fail("an empty audience");
  }
  return 0;
}
