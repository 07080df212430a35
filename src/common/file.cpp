#include "common/file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace vipd {
namespace {

std::string file_kind(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "of an unknown type";
}

// Closes the descriptor on every path out of read_config_file.
struct FdCloser {
  int fd;
  ~FdCloser() { ::close(fd); }
};

std::string too_large(std::size_t max_bytes) {
  return fmt::format("larger than the limit of {} bytes", max_bytes);
}

}  // namespace

Result<std::string, std::string> read_config_file(const std::string& path, std::size_t max_bytes) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer; O_NOCTTY: a terminal named by
  // mistake must not become the daemon's controlling terminal.
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return unexpected(std::string(std::strerror(errno)));
  FdCloser closer{fd};
  struct stat file_stat {};
  if (::fstat(fd, &file_stat) != 0) return unexpected(std::string(std::strerror(errno)));
  if (!S_ISREG(file_stat.st_mode))
    return unexpected(fmt::format("not a regular file ({})", file_kind(file_stat.st_mode)));
  if (static_cast<std::uint64_t>(file_stat.st_size) > max_bytes)
    return unexpected(too_large(max_bytes));
  std::string text;
  text.resize(std::max<std::size_t>(static_cast<std::size_t>(file_stat.st_size), 4096));
  std::size_t used = 0;
  // The file may grow while it is read: read to its end, but never past the limit + 1 byte.
  for (;;) {
    if (used == text.size()) {
      if (used > max_bytes) break;
      text.resize(std::min(max_bytes + 1, used * 2));
    }
    ssize_t got = ::read(fd, text.data() + used, text.size() - used);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return unexpected(std::string(std::strerror(errno)));
    if (got == 0) break;
    used += static_cast<std::size_t>(got);
  }
  if (used > max_bytes) return unexpected(too_large(max_bytes));
  text.resize(used);
  return text;
}

}  // namespace vipd
