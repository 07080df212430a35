// Kernel tests in a network namespace of their own: a forked child unshares the network
// namespace (root only), so nothing touches the host's links, addresses or routes, and the
// namespace with everything in it disappears when the child exits, also when a check fails or
// the child crashes. The child reports failed checks through a pipe; the parent asserts there
// are none and prints the child's notes (measurements).
#pragma once

#include <gtest/gtest.h>
#include <net/if.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>

namespace vipd::netlink::test {

struct Report {
  std::string failures;
  std::string notes;  // printed by the parent
};

// In a scenario(Report& report): records a failed check with its line.
#define CHILD_CHECK(cond, what)                                                                  \
  do {                                                                                           \
    if (!(cond))                                                                                 \
      report.failures += std::string("line ") + std::to_string(__LINE__) + ": " + (what) + "\n"; \
  } while (0)

// Runs a shell command in the namespace, quietly; true if it exited 0.
inline bool sh(const std::string& command) {
  return std::system((command + " >/dev/null 2>&1").c_str()) == 0;
}

// lo up and a veth pair d0/d1, both up (so d0 has a carrier), then the shell commands `more`.
// Returns d0's ifindex.
inline int veth_pair_up(Report& report, const std::string& more = "") {
  CHILD_CHECK(sh("ip link set lo up && ip link add d0 type veth peer name d1 && "
                 "ip link set d1 up && ip link set d0 up" +
                 (more.empty() ? "" : " && " + more)),
              "veth pair d0/d1 up " + more);
  int d0 = static_cast<int>(if_nametoindex("d0"));
  CHILD_CHECK(d0 > 0, "d0 has an ifindex");
  return d0;
}

// NETLINK_ROUTE sockets of this namespace that joined a multicast group (/proc/net/netlink:
// "sk Eth Pid Groups ..."): the monitors.
inline int route_monitor_sockets() {
  std::ifstream in("/proc/self/net/netlink");
  std::string line;
  std::getline(in, line);  // header
  int n = 0;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string sk, pid, groups;
    int protocol = -1;
    fields >> sk >> protocol >> pid >> groups;
    if (protocol == 0 && groups.find_first_not_of('0') != std::string::npos) ++n;
  }
  return n;
}

// Runs scenario(report) in a forked child inside a new network namespace and checks its report.
// Skips (with a note) when not root.
inline void run_in_namespace(const std::function<void(Report&)>& scenario) {
  if (geteuid() != 0) {
    std::printf("skipped: needs root to unshare a network namespace (CI runs as root)\n");
    GTEST_SKIP() << "needs root to unshare a network namespace";
  }
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  std::fflush(nullptr);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(fds[0]);
    Report report;
    if (unshare(CLONE_NEWNET) != 0)
      report.failures = std::string("unshare(CLONE_NEWNET): ") + std::strerror(errno) + "\n";
    else
      scenario(report);
    std::string out = report.failures + "\x1f" + report.notes;
    ssize_t written = write(fds[1], out.data(), out.size());
    _exit(written == static_cast<ssize_t>(out.size()) && report.failures.empty() ? 0 : 1);
  }
  close(fds[1]);
  std::string out;
  char buffer[4096];
  for (ssize_t n; (n = read(fds[0], buffer, sizeof buffer)) > 0;) out.append(buffer, n);
  close(fds[0]);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  auto split = out.find('\x1f');
  ASSERT_NE(split, std::string::npos) << "the child died without reporting: " << status;
  EXPECT_EQ(out.substr(0, split), "");
  std::printf("%s", out.substr(split + 1).c_str());
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

}  // namespace vipd::netlink::test
