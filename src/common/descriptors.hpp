// File descriptors as a resource: the RLIMIT_NOFILE soft limit vipd raises at start, the
// descriptors it keeps in reserve for itself, and how running out is told apart and described.
//
// Every BGP neighbor costs a descriptor while it connects or is connected; under the usual soft
// limit of 1,024 about a thousand neighbors exhaust it. vipd therefore raises the soft limit to
// the hard limit (as systemd recommends for daemons that need many descriptors), and keeps the
// last few descriptors below the limit for the control socket, netlink and configuration
// reloads: BGP connections never take them, so `vipctl` can still reach a daemon whose
// neighbors hold every other descriptor.
#pragma once

#include <cstdint>
#include <string>
#include <system_error>

namespace vipd {

struct NofileLimit {
  std::uint64_t soft_before = 0;  // the soft limit vipd was started with
  std::uint64_t soft = 0;         // now
  std::uint64_t hard = 0;
  std::string error;  // why the soft limit could not be read or raised; empty: fine
};

// Raises the RLIMIT_NOFILE soft limit to the hard limit and remembers the one vipd was started
// with (see restore_nofile_limit_in_child). Call once, at start.
NofileLimit raise_nofile_limit();

// Between fork and exec (async-signal-safe): puts back the soft limit vipd was started with, so
// that scripts (which may use select(), limited to descriptors below 1,024) run as they would
// have without vipd raising it.
void restore_nofile_limit_in_child();

// The soft limit now (0 when unknown or infinite).
std::uint64_t nofile_limit();

// How many descriptors below the soft limit BGP connections leave for the rest of vipd:
// 1/16 of the limit, at least 8 and at most 64.
std::uint64_t descriptor_reserve(std::uint64_t limit);

// True when `fd` is one of the reserved descriptors: a socket that got it must be closed (and
// treated as EMFILE) unless it serves the control socket or the kernel view. The kernel hands
// out the lowest free descriptor, so `fd` in the reserve means every descriptor below is taken.
bool in_descriptor_reserve(int fd);

// EMFILE, ENFILE, ENOBUFS or ENOMEM: a resource of the process or the system is exhausted, and
// trying again at once fails again.
bool is_resource_exhaustion(std::error_code ec);

// The error with the limit that was hit, e.g. "Too many open files (the RLIMIT_NOFILE soft
// limit of 64 descriptors is reached)".
std::string describe_resource_error(std::error_code ec);

}  // namespace vipd
