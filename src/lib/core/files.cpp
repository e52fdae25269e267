#include "faasgate/core/files.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "faasgate/core/base64.hpp"
#include "faasgate/core/openssl.hpp"

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
                                              mode_t mode, bool replace) {
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
  if (!replace) {
    const bool linked = ::link(tmp.c_str(), path.c_str()) == 0;
    auto message = linked ? std::string() : errno_text(path, "cannot create");
    ::unlink(tmp.c_str());
    if (!linked) return fail(std::move(message));
    return {};
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    auto message = errno_text(path, "cannot rename into");
    ::unlink(tmp.c_str());
    return fail(std::move(message));
  }
  return {};
}

Expected<FileLock, std::string> FileLock::acquire(const std::filesystem::path& path) {
  // O_CLOEXEC: a child (a function process) must not inherit the lock and keep it past us.
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return fail(errno_text(path, "cannot open"));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    std::string holder;
    char buf[32];
    ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    if (n > 0) {
      buf[n] = 0;
      holder = std::to_string(std::atol(buf));
    }
    ::close(fd);
    if (error == EWOULDBLOCK) {
      return fail(path.string() + " is locked by another process" + (holder.empty() ? "" : " (pid " + holder + ")"));
    }
    errno = error;
    return fail(errno_text(path, "cannot lock"));
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    auto message = errno_text(path, "cannot write");
    ::close(fd);
    return fail(std::move(message));
  }
  return FileLock(fd);
}

FileLock& FileLock::operator=(FileLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the last descriptor releases the lock
}

}  // namespace faasgate::core
