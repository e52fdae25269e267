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

core::Expected<AdminPassword, std::string> load_admin_password(const std::string& password_file,
                                                               const std::filesystem::path& data_dir);

}  // namespace faasgate::app
