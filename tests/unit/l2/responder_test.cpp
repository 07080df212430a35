// The L2 mode end to end against Linux: in an "owner" network namespace, PacketReceiver +
// wire::answer() + PacketSender answer for 10.77.0.1 and fd00:77::1, addresses configured on no
// interface; from a "client" namespace joined to it by a veth pair, ping resolves them, and the
// client kernel's neighbour table must hold the owner's MAC. Addresses the owner does not own
// must stay unresolved. Both namespaces are named with this process's pid and are removed by
// RAII, also when a check fails. Needs root (CAP_NET_ADMIN, CAP_NET_RAW, CAP_SYS_ADMIN for
// setns): skipped otherwise.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "l2/packet_receiver.hpp"
#include "l2/packet_socket.hpp"
#include "l2/wire/answer.hpp"
#include "shell_util.hpp"

extern char** environ;

namespace vipd::l2 {
namespace {

using test::output_of;
using test::run;

const wire::MacAddress kOwnerMac{{0x02, 0, 0, 0, 0, 0x01}};

// CAP_NET_ADMIN (12), CAP_NET_RAW (13) and CAP_SYS_ADMIN (21) in the effective set.
bool has_capabilities() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("CapEff:", 0) != 0) continue;
    const unsigned long long effective = std::stoull(line.substr(7), nullptr, 16);
    const unsigned long long needed = 1ull << 12 | 1ull << 13 | 1ull << 21;
    return (effective & needed) == needed;
  }
  return false;
}

// Two named namespaces and a veth pair between them: o0 (kOwnerMac, no address) in the owner,
// c0 (10.77.0.2/24, fd00:77::2/64) in the client. Removed when this goes out of scope.
struct TwoNamespaces {
  std::string owner = "vipd-l2o-" + std::to_string(::getpid());
  std::string client = "vipd-l2c-" + std::to_string(::getpid());
  bool ok = false;

  TwoNamespaces() {
    ok = run("ip netns add " + owner) && run("ip netns add " + client) &&
         run("ip -n " + owner + " link add o0 address " + kOwnerMac.to_string() +
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

// The L2 mode's loop on o0, in the test's thread.
struct Responder {
  PacketReceiver arp;
  PacketReceiver nd;
  PacketSender sender;
  int ifindex = 0;
  std::set<IpAddress> owned;
  int received = 0;
  int answered = 0;

  void handle(PacketReceiver& receiver) {
    while (auto frame = receiver.receive()) {
      ++received;
      auto reply = wire::answer(*frame, kOwnerMac,
                                [this](const IpAddress& a) { return owned.count(a) > 0; });
      if (reply && sender.send_frame(ifindex, *reply)) ++answered;
    }
  }

  // Answers until every child in `children` has exited (or 10 s have passed).
  void serve_until_exit(std::vector<pid_t> children) {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!children.empty() && std::chrono::steady_clock::now() < give_up) {
      pollfd fds[2] = {{arp.fd(), POLLIN, 0}, {nd.fd(), POLLIN, 0}};
      if (::poll(fds, 2, 20) > 0) {
        handle(arp);
        handle(nd);
      }
      std::erase_if(children, [](pid_t child) {
        int status = 0;
        return ::waitpid(child, &status, WNOHANG) == child;
      });
    }
    for (pid_t child : children) {
      ::kill(child, SIGKILL);
      ::waitpid(child, nullptr, 0);
    }
  }
};

pid_t spawn(const std::string& command) {
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

TEST(L2Responder, ClientKernelLearnsTheOwnersMacOnlyForOwnedAddresses) {
  if (::geteuid() != 0 || !has_capabilities()) {
    GTEST_SKIP() << "needs root with CAP_NET_ADMIN, CAP_NET_RAW and CAP_SYS_ADMIN";
  }
  if (!run("command -v ip") || !run("command -v ping")) GTEST_SKIP() << "needs ip and ping";
  TwoNamespaces namespaces;
  ASSERT_TRUE(namespaces.ok) << "namespaces " << namespaces.owner << " and " << namespaces.client;

  Responder responder;
  responder.owned = {*IpAddress::parse("10.77.0.1"), *IpAddress::parse("fd00:77::1")};
  {
    InNamespace owner(namespaces.owner);
    ASSERT_TRUE(owner.ok()) << "setns into " << namespaces.owner;
    responder.ifindex = static_cast<int>(if_nametoindex("o0"));
    ASSERT_GT(responder.ifindex, 0);
    ASSERT_TRUE(responder.arp.open(responder.ifindex, Family::kIpv4).ok());
    ASSERT_TRUE(responder.nd.open(responder.ifindex, Family::kIpv6).ok());
    ASSERT_TRUE(responder.nd.join_solicited_node(*IpAddress::parse("fd00:77::1")).ok());
    ASSERT_TRUE(responder.sender.open().ok());
  }
  // The owner's kernel knows neither address: only the responder can answer.
  EXPECT_EQ(output_of("ip -n " + namespaces.owner + " addr show dev o0").find("10.77.0.1"),
            std::string::npos);
  EXPECT_NE(output_of("ip -n " + namespaces.owner + " maddr show dev o0").find("ff02::1:ff00:1"),
            std::string::npos)
      << "the solicited-node group is joined on o0";

  auto neighbour = [&](const char* address) {
    return output_of("ip -n " + namespaces.client + " neigh show dev c0 to " + address);
  };
  // Echo replies never come (the owner's kernel drops the requests): ping is only the client
  // kernel's reason to resolve the address.
  std::vector<pid_t> pings = {spawn(namespaces.in_client("ping -c1 -W1 10.77.0.1")),
                              spawn(namespaces.in_client("ping -6 -c1 -W1 fd00:77::1"))};
  ASSERT_GT(pings[0], 0);
  ASSERT_GT(pings[1], 0);
  responder.serve_until_exit(pings);
  EXPECT_GE(responder.answered, 2);
  const std::string mac = "lladdr " + kOwnerMac.to_string();
  for (const char* address : {"10.77.0.1", "fd00:77::1"}) {
    const std::string entry = neighbour(address);
    EXPECT_NE(entry.find(mac), std::string::npos) << address << ": " << entry;
    EXPECT_TRUE(entry.find("REACHABLE") != std::string::npos ||
                entry.find("STALE") != std::string::npos ||
                entry.find("DELAY") != std::string::npos)
        << address << ": " << entry;
  }

  // Not owned: requests arrive, answer() declines them, the entries stay unresolved.
  const int received = responder.received;
  const int answered = responder.answered;
  pings = {spawn(namespaces.in_client("ping -c1 -W1 10.77.0.3")),
           spawn(namespaces.in_client("ping -6 -c1 -W1 fd00:77::3"))};
  ASSERT_GT(pings[0], 0);
  ASSERT_GT(pings[1], 0);
  responder.serve_until_exit(pings);
  EXPECT_GE(responder.received, received + 2) << "the request and the solicitation arrived";
  EXPECT_EQ(responder.answered, answered);
  for (const char* address : {"10.77.0.3", "fd00:77::3"}) {
    const std::string entry = neighbour(address);
    EXPECT_EQ(entry.find("lladdr"), std::string::npos) << address << ": " << entry;
    EXPECT_TRUE(entry.find("INCOMPLETE") != std::string::npos ||
                entry.find("FAILED") != std::string::npos)
        << address << ": " << entry;
  }
}

}  // namespace
}  // namespace vipd::l2
