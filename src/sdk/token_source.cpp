#include "faasgate/sdk/token_source.hpp"

#include <cstdlib>

#include "faasgate/core/files.hpp"

namespace faasgate::sdk {

core::Expected<core::Secret, std::string> StaticTokenSource::token() {
  if (token_.empty()) return core::fail(std::string("the static token is empty"));
  return token_;
}

ServiceAccountTokenSource::ServiceAccountTokenSource(std::optional<std::filesystem::path> directory) {
  if (!directory) {
    const char* mount = std::getenv("token_mount_path");
    directory = mount && *mount ? std::filesystem::path(mount) : std::filesystem::path(kDefaultDirectory);
  }
  path_ = *directory / kFileName;
}

core::Expected<core::Secret, std::string> ServiceAccountTokenSource::token() {
  auto text = core::read_file(path_, kMaxTokenBytes);
  if (!text) return core::fail("cannot read the service-account token " + path_.string() + ": " + text.error());
  // The kubelet writes the token alone; an editor or `echo` may add a newline.
  while (!text->empty() && (text->back() == '\n' || text->back() == '\r' || text->back() == ' ')) text->pop_back();
  if (text->empty()) return core::fail("the service-account token " + path_.string() + " is empty");
  return core::Secret(std::move(*text));
}

}  // namespace faasgate::sdk
