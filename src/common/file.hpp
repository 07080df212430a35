// Reading configuration files safely: every configuration file and include vipd reads goes
// through read_config_file, so that a directory, a FIFO, a device such as /dev/zero or a huge
// file gives a precise error instead of an empty configuration, a blocked event loop or memory
// growing until abort.
#pragma once

#include <cstddef>
#include <string>

#include "common/result.hpp"

namespace vipd {

// 64 MiB: far above any real configuration (a 1M-line prefix list is ~50 MB) and small enough
// that a mistaken path cannot exhaust memory. Documented in docs/security.md.
inline constexpr std::size_t kMaxConfigFileBytes = std::size_t{64} << 20;

// The whole content of the regular file at `path`, or why not, without the path (callers name
// the file as their messages do): "not a regular file (a directory)", "larger than the limit of
// 67108864 bytes", "No such file or directory". Opens without blocking (a FIFO never waits for
// a writer) and never reads more than max_bytes + 1 bytes, also when the file grows meanwhile.
Result<std::string, std::string> read_config_file(const std::string& path,
                                                  std::size_t max_bytes = kMaxConfigFileBytes);

}  // namespace vipd
