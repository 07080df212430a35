// Two named network namespaces joined by a veth pair, for the tests where a client kernel
// resolves addresses that the L2 mode answers for in an owner namespace. Both are named with
// this process's pid and removed by RAII, also when a check fails. Needs root (CAP_NET_ADMIN,
// CAP_NET_RAW, CAP_SYS_ADMIN for setns).
#pragma once

#include <fcntl.h>
#include <sched.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "l2/wire/mac.hpp"
#include "shell_util.hpp"

extern char** environ;

namespace vipd::l2::test {

// CAP_NET_ADMIN (12), CAP_NET_RAW (13) and CAP_SYS_ADMIN (21) in the effective set.
inline bool has_namespace_capabilities() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("CapEff:", 0) != 0) continue;
    const unsigned long long effective = std::stoull(line.substr(7), nullptr, 16);
    const unsigned long long needed = 1ull << 12 | 1ull << 13 | 1ull << 21;
    return (effective & needed) == needed;
  }
  return false;
}

// o0 (`owner_mac`, no address) in the owner, c0 (10.77.0.2/24, fd00:77::2/64) in the client.
struct TwoNamespaces {
  std::string owner = "vipd-l2o-" + std::to_string(::getpid());
  std::string client = "vipd-l2c-" + std::to_string(::getpid());
  bool ok = false;

  explicit TwoNamespaces(const wire::MacAddress& owner_mac) {
    ok = run("ip netns add " + owner) && run("ip netns add " + client) &&
         run("ip -n " + owner + " link add o0 address " + owner_mac.to_string() +
             " type veth peer name c0 netns " + client) &&
         run("ip -n " + owner + " link set lo up") && run("ip -n " + client + " link set lo up") &&
         run("ip -n " + client + " addr add 10.77.0.2/24 dev c0") &&
         run("ip -n " + client + " addr add fd00:77::2/64 dev c0 nodad") &&
         run("ip -n " + owner + " link set o0 up") && run("ip -n " + client + " link set c0 up");
  }
  ~TwoNamespaces() {
    run("ip netns del " + owner);
    run("ip netns del " + client);
  }
  TwoNamespaces(const TwoNamespaces&) = delete;
  TwoNamespaces& operator=(const TwoNamespaces&) = delete;

  std::string in_client(const std::string& command) const {
    return "ip netns exec " + client + " " + command;
  }
  // The client's neighbour entry for `address` as `ip neigh` prints it (empty: none).
  std::string client_neighbour(const std::string& address) const {
    return output_of("ip -n " + client + " neigh show dev c0 to " + address);
  }
};

// This thread in another network namespace until destroyed; sockets opened meanwhile stay in it.
class InNamespace {
 public:
  explicit InNamespace(const std::string& name)
      : home_(::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)) {
    const int target = ::open(("/run/netns/" + name).c_str(), O_RDONLY | O_CLOEXEC);
    ok_ = home_ >= 0 && target >= 0 && ::setns(target, CLONE_NEWNET) == 0;
    if (target >= 0) ::close(target);
  }
  ~InNamespace() {
    if (home_ < 0) return;
    if (ok_ && ::setns(home_, CLONE_NEWNET) != 0) std::abort();  // never run on elsewhere
    ::close(home_);
  }
  InNamespace(const InNamespace&) = delete;
  InNamespace& operator=(const InNamespace&) = delete;
  bool ok() const { return ok_; }

 private:
  int home_;
  bool ok_ = false;
};

// Starts `command` (words split at spaces, no shell) with its output discarded; -1 on failure.
inline pid_t spawn(const std::string& command) {
  std::vector<std::string> words;
  for (std::size_t at = 0; at < command.size();) {
    const std::size_t end = std::min(command.find(' ', at), command.size());
    if (end > at) words.push_back(command.substr(at, end - at));
    at = end + 1;
  }
  std::vector<char*> argv;
  for (std::string& word : words) argv.push_back(word.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  if (posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

// Whether every child in `children` has exited, reaping those that have; the others are left.
inline bool reap(std::vector<pid_t>& children) {
  std::erase_if(children, [](pid_t child) {
    int status = 0;
    return ::waitpid(child, &status, WNOHANG) == child;
  });
  return children.empty();
}

// Kills and reaps what `children` still holds (a test that gave up waiting).
inline void kill_all(std::vector<pid_t>& children) {
  for (pid_t child : children) {
    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);
  }
  children.clear();
}

}  // namespace vipd::l2::test
