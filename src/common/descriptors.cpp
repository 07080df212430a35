#include "common/descriptors.hpp"

#include <fmt/format.h>
#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace vipd {
namespace {

// Written once at start (before any child is forked), read between fork and exec: plain values
// in a trivially copyable struct, no allocation.
struct Saved {
  bool valid = false;
  rlimit started_with{};
};
Saved g_saved;

std::uint64_t read_soft_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return 0;
  return limit.rlim_cur;
}

}  // namespace

NofileLimit raise_nofile_limit() {
  NofileLimit result;
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    result.error = fmt::format("getrlimit(RLIMIT_NOFILE): {}", std::strerror(errno));
    return result;
  }
  g_saved = {true, limit};
  result.soft_before = result.soft = limit.rlim_cur;
  result.hard = limit.rlim_max;
  // Linux never lets RLIMIT_NOFILE be infinite (fs.nr_open caps it); a hard limit that says so
  // anyway is left alone rather than guessed at.
  if (limit.rlim_cur < limit.rlim_max && limit.rlim_max != RLIM_INFINITY) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0)
      result.soft = raised.rlim_cur;
    else
      result.error =
          fmt::format("setrlimit(RLIMIT_NOFILE, {}): {}", raised.rlim_cur, std::strerror(errno));
  }
  return result;
}

void restore_nofile_limit_in_child() {
  if (g_saved.valid) ::setrlimit(RLIMIT_NOFILE, &g_saved.started_with);
}

std::uint64_t nofile_limit() {
  return read_soft_limit();
}

std::uint64_t descriptor_reserve(std::uint64_t limit) {
  return std::clamp<std::uint64_t>(limit / 16, 8, 64);
}

bool in_descriptor_reserve(int fd) {
  const std::uint64_t limit = nofile_limit();
  if (fd < 0 || limit == 0) return false;
  const std::uint64_t reserve = descriptor_reserve(limit);
  return limit <= reserve || static_cast<std::uint64_t>(fd) >= limit - reserve;
}

namespace {

// The errno of a system error: Asio's errors carry a category of its own ("asio.system") that
// does not map to std::errc, so the value is taken when the category is a system one.
int errno_of(std::error_code ec) {
  const auto& category = ec.category();
  if (category == std::system_category() || category == std::generic_category() ||
      std::strcmp(category.name(), "asio.system") == 0)
    return ec.value();
  return 0;
}

}  // namespace

bool is_resource_exhaustion(std::error_code ec) {
  switch (errno_of(ec)) {
    case EMFILE:
    case ENFILE:
    case ENOBUFS:
    case ENOMEM:
      return true;
    default:
      return false;
  }
}

std::string describe_resource_error(std::error_code ec) {
  switch (errno_of(ec)) {
    case EMFILE: {
      const std::uint64_t limit = nofile_limit();
      return fmt::format(
          "{} (the RLIMIT_NOFILE soft limit of {} descriptors is reached; {} of them are kept "
          "for the control socket)",
          ec.message(), limit, descriptor_reserve(limit));
    }
    case ENFILE:
      return ec.message() + " (the system-wide limit fs.file-max is reached)";
    case ENOBUFS:
    case ENOMEM:
      return ec.message() + " (the kernel is short of memory for sockets)";
    default:
      return ec.message();
  }
}

}  // namespace vipd
