#include "admin_password.hpp"

#include <system_error>

#include "faasgate/core/base64.hpp"
#include "faasgate/core/files.hpp"
#include "faasgate/core/openssl.hpp"

namespace faasgate::app {

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
  auto text = core::read_file(out.path, 4096);
  if (!text) return core::fail("cannot read the admin password: " + text.error());
  // Kubernetes secrets and editors often end files with a newline; it is not part of the password.
  while (!text->empty() && (text->back() == '\n' || text->back() == '\r')) text->pop_back();
  if (text->empty()) return core::fail(out.path.string() + " is empty");
  out.password = core::Secret(std::move(*text));
  return out;
}

}  // namespace faasgate::app
