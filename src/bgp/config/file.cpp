#include "bgp/config/file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace vipd::bgp::config {
namespace {

std::string failure(const std::string& what, const std::string& path) {
  return fmt::format("Can't {} configuration file {}: {}", what, path, std::strerror(errno));
}

bool write_all(int fd, const std::string& text) {
  const char* data = text.data();
  std::size_t left = text.size();
  while (left > 0) {
    ssize_t n = ::write(fd, data, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += n;
    left -= static_cast<std::size_t>(n);
  }
  return true;
}

std::string directory_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

Status<std::string> write_config_file(const std::string& path, const std::string& text) {
  mode_t mode = S_IRUSR | S_IWUSR;
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) mode = st.st_mode & 07777;

  std::string temp = path + ".XXXXXX";
  std::vector<char> name(temp.begin(), temp.end());
  name.push_back('\0');
  int fd = ::mkstemp(name.data());
  if (fd < 0) return unexpected(failure("create temporary", temp));
  temp = name.data();
  auto abandon = [&](const std::string& message) {
    int saved = errno;
    ::close(fd);
    ::unlink(temp.c_str());
    errno = saved;
    return unexpected(message);
  };
  if (!write_all(fd, text)) return abandon(failure("write", temp));
  if (::fchmod(fd, mode) != 0) return abandon(failure("set permissions of", temp));
  if (::fsync(fd) != 0) return abandon(failure("sync", temp));
  if (::close(fd) != 0) {
    ::unlink(temp.c_str());
    return unexpected(failure("close", temp));
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    std::string message = failure("replace", path);
    ::unlink(temp.c_str());
    return unexpected(message);
  }
  // The rename is durable only once the directory entry is on disk.
  int dir = ::open(directory_of(path).c_str(), O_RDONLY | O_DIRECTORY);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return Ok{};
}

}  // namespace vipd::bgp::config
