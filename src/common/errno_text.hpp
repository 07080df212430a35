// The text of a failed system call, as every module logs it: "CALL: strerror(errno)".
#pragma once

#include <cerrno>
#include <cstring>
#include <string>

namespace vipd {

// Reads errno first: building the text may change it.
inline std::string errno_text(const char* call) {
  int code = errno;
  return std::string(call) + ": " + std::strerror(code);
}

}  // namespace vipd
