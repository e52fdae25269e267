#include "admin_password.hpp"

#include <system_error>

#include "faasgate/core/base64.hpp"
#include "faasgate/core/files.hpp"
#include "faasgate/core/openssl.hpp"

namespace faasgate::app {

namespace {

// A one-line secret file. Kubernetes secrets and editors often end files with a newline; it is
// not part of the value.
core::Expected<std::string, std::string> read_line_file(const std::filesystem::path& path, std::string_view what) {
  auto text = core::read_file(path, 4096);
  if (!text) return core::fail("cannot read the " + std::string(what) + ": " + text.error());
  while (!text->empty() && (text->back() == '\n' || text->back() == '\r')) text->pop_back();
  if (text->empty()) return core::fail(path.string() + " is empty");
  return std::move(*text);
}

}  // namespace

core::Expected<BasicAuthCredentials, std::string> load_basic_auth_dir(const std::filesystem::path& dir) {
  auto user = read_line_file(dir / "basic-auth-user", "basic-auth user");
  if (!user) return core::fail(user.error());
  if (user->find(':') != std::string::npos) return core::fail((dir / "basic-auth-user").string() + " holds a ':'");
  auto password = read_line_file(dir / "basic-auth-password", "basic-auth password");
  if (!password) return core::fail(password.error());
  return BasicAuthCredentials{std::move(*user), core::Secret(std::move(*password))};
}

core::Expected<AdminPassword, std::string> load_admin_password(const std::string& password_file,
                                                               const std::filesystem::path& data_dir) {
  AdminPassword out;
  out.path = password_file.empty() ? data_dir / "admin-password" : std::filesystem::path(password_file);
  std::error_code ec;
  if (password_file.empty() && !std::filesystem::exists(out.path, ec)) {
    auto written = core::write_file_atomic(out.path, core::base64url_encode(core::random_bytes(24)) + "\n", 0600);
    if (!written) return core::fail(written.error());
    out.generated = true;
  }
  auto text = read_line_file(out.path, "admin password");
  if (!text) return core::fail(text.error());
  out.password = core::Secret(std::move(*text));
  return out;
}

}  // namespace faasgate::app
