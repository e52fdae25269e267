#pragma once
// The admin's basic-auth password: from --admin-password-file, or generated into the data dir on
// first start (mode 0600). It is never printed or logged; the operator reads the file.
#include <filesystem>
#include <string>

#include "faasgate/core/result.hpp"
#include "faasgate/core/secret.hpp"

namespace faasgate::app {

struct AdminPassword {
  core::Secret password;
  std::filesystem::path path;
  bool generated = false;
};

// Basic-auth credentials as upstream mounts them (a Kubernetes secret as files): DIR/basic-auth-user
// and DIR/basic-auth-password, each one line (a trailing newline is not part of it).
struct BasicAuthCredentials {
  std::string user;
  core::Secret password;
};
core::Expected<BasicAuthCredentials, std::string> load_basic_auth_dir(const std::filesystem::path& dir);

core::Expected<AdminPassword, std::string> load_admin_password(const std::string& password_file,
                                                               const std::filesystem::path& data_dir);

}  // namespace faasgate::app
