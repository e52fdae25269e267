#include "core/files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/base64.hpp"
#include "core/openssl.hpp"

namespace faasgate::core {

namespace {
std::string errno_text(const std::filesystem::path& path, std::string_view what) {
  return std::string(what) + " " + path.string() + ": " + std::strerror(errno);
}
}  // namespace

Expected<std::string, std::string> read_file(const std::filesystem::path& path, std::size_t max_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(errno_text(path, "cannot open"));
  std::string out;
  char buf[16384];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      auto message = errno_text(path, "cannot read");
      ::close(fd);
      return fail(std::move(message));
    }
    if (n == 0) break;
    if (out.size() + static_cast<std::size_t>(n) > max_bytes) {
      ::close(fd);
      return fail(path.string() + " is larger than " + std::to_string(max_bytes) + " bytes");
    }
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

Expected<void, std::string> write_file_atomic(const std::filesystem::path& path, std::string_view content,
                                              mode_t mode) {
  auto tmp = path;
  tmp += ".tmp-" + base64url_encode(random_bytes(6));
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return fail(errno_text(tmp, "cannot create"));
  std::size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      auto message = errno_text(tmp, "cannot write");
      ::close(fd);
      ::unlink(tmp.c_str());
      return fail(std::move(message));
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    auto message = errno_text(tmp, "cannot flush");
    ::unlink(tmp.c_str());
    return fail(std::move(message));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    auto message = errno_text(path, "cannot rename into");
    ::unlink(tmp.c_str());
    return fail(std::move(message));
  }
  return {};
}

}  // namespace faasgate::core
