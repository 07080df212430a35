// Responder, the L2 mode end to end against Linux: in an "owner" network namespace it answers
// for 10.77.0.x and fd00:77::x, addresses configured on no interface, on an io_context run by
// this thread; from a "client" namespace joined to it by a veth pair (namespace_pair.hpp), ping
// resolves them, and the client kernel's neighbour table must hold the owner's MAC for what is
// claimed and nothing for what was released. Then the lifetime of the asynchronous waits, in a
// namespace of its own (tests/unit/netlink/namespace_test_util.hpp), for ASan to watch:
// completions queued for listeners, or a Responder, already gone.
#include "l2/responder.hpp"

#include <gtest/gtest.h>
#include <net/if.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "../netlink/namespace_test_util.hpp"
#include "common/log.hpp"
#include "l2/packet_socket.hpp"
#include "namespace_pair.hpp"
#include "shell_util.hpp"
#include "wire/fixtures.hpp"

namespace vipd::l2 {
namespace {

using netlink::test::Report;
using test::output_of;
using wire::fixtures::ip;
using wire::fixtures::kOwner;

// Packet sockets open in this thread's network namespace (packet(7), /proc/net/packet).
int packet_sockets() {
  std::ifstream table("/proc/thread-self/net/packet");
  int lines = 0;
  for (std::string line; std::getline(table, line);) ++lines;
  return lines - 1;  // the header
}

// Debug lines into `lines` while it lives.
struct DebugLog {
  std::vector<std::string> lines;
  log::Level was = log::level();
  DebugLog() {
    log::set_level(log::Level::kDebug);
    log::set_sink([this](log::Level, std::string_view line) { lines.emplace_back(line); });
  }
  ~DebugLog() {
    log::set_sink(nullptr);
    log::set_level(was);
  }
  bool has(const std::string& text) const {
    for (const std::string& line : lines) {
      if (line.find(text) != std::string::npos) return true;
    }
    return false;
  }
};

// Runs `io` until every child in `children` has exited (or 5 s have passed).
void serve_until_exit(asio::io_context& io, std::vector<pid_t> children) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!test::reap(children) && std::chrono::steady_clock::now() < give_up) {
    io.restart();
    io.run_for(std::chrono::milliseconds(20));
  }
  test::kill_all(children);
}

TEST(Responder, WithoutClaimsHoldsNothingAndReleaseIsHarmless) {
  asio::io_context io;
  Responder responder(io);
  responder.release(1, ip("10.77.0.1"));
  responder.release(-1, ip("fd00:77::1"));
  responder.close();
  EXPECT_TRUE(responder.claims().empty());
  auto bad = responder.claim(0, kOwner, ip("10.77.0.1"));
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().find("10.77.0.1 on ifindex 0"), std::string::npos) << bad.error();
  EXPECT_FALSE(responder.claim(1, kOwner, ip("::")));
  EXPECT_FALSE(responder.claim(1, kOwner, ip("0.0.0.0")));
  if (!test::has_namespace_capabilities()) {
    // Without CAP_NET_RAW the socket cannot be opened, and claim() says why.
    auto denied = responder.claim(1, kOwner, ip("10.77.0.1"));
    ASSERT_FALSE(denied);
    EXPECT_NE(denied.error().find("socket(AF_PACKET)"), std::string::npos) << denied.error();
  }
  EXPECT_TRUE(responder.claims().empty());
  EXPECT_EQ(responder.counters().arp_replies, 0u);
  EXPECT_EQ(responder.counters().neighbor_adverts, 0u);
  EXPECT_EQ(responder.counters().send_errors, 0u);
}

TEST(Responder, ClientKernelResolvesClaimedAddressesToTheOwnersMacAndNotReleasedOnes) {
  if (::geteuid() != 0 || !test::has_namespace_capabilities()) {
    GTEST_SKIP() << "needs root with CAP_NET_ADMIN, CAP_NET_RAW and CAP_SYS_ADMIN";
  }
  if (!test::run("command -v ip") || !test::run("command -v ping")) {
    GTEST_SKIP() << "needs ip and ping";
  }
  test::TwoNamespaces namespaces(kOwner);
  ASSERT_TRUE(namespaces.ok) << "namespaces " << namespaces.owner << " and " << namespaces.client;
  // The whole test in the owner namespace: every socket claim() opens is in it.
  test::InNamespace owner(namespaces.owner);
  ASSERT_TRUE(owner.ok()) << "setns into " << namespaces.owner;
  const int o0 = static_cast<int>(if_nametoindex("o0"));
  ASSERT_GT(o0, 0);
  DebugLog log;
  asio::io_context io;
  Responder responder(io);

  // An interface that does not exist: an error naming it, nothing claimed, nothing left open.
  auto gone = responder.claim(o0 + 1000, kOwner, ip("10.77.0.1"));
  ASSERT_FALSE(gone);
  EXPECT_NE(gone.error().find("No such device"), std::string::npos) << gone.error();
  EXPECT_TRUE(responder.claims().empty());
  EXPECT_EQ(packet_sockets(), 0);

  // Not fd00:77::1: o0's link-local address (fe80::ff:fe00:1, from kOwner) has its group.
  const std::set<IpAddress> all = {ip("10.77.0.1"), ip("10.77.0.5"), ip("fd00:77::a1"),
                                   ip("fd00:77::a5")};
  for (const IpAddress& address : all) {
    auto claimed = responder.claim(o0, kOwner, address);
    ASSERT_TRUE(claimed) << claimed.error();
  }
  // Idempotent: claims are not counted (one release below ends it); unknown releases ignored.
  ASSERT_TRUE(responder.claim(o0, kOwner, ip("10.77.0.1")));
  ASSERT_TRUE(responder.claim(o0, kOwner, ip("fd00:77::a1")));
  responder.release(o0, ip("10.77.0.9"));
  responder.release(o0, ip("fd00:77::a9"));
  responder.release(o0 + 1000, ip("10.77.0.1"));
  EXPECT_EQ(responder.claims(), (std::map<int, std::set<IpAddress>>{{o0, all}}));
  EXPECT_EQ(packet_sockets(), 3) << "an ARP and an NS receiver, one sender";
  const auto groups = [&] { return output_of("ip -n " + namespaces.owner + " maddr show dev o0"); };
  EXPECT_NE(groups().find("ff02::1:ff00:a1"), std::string::npos) << groups();
  EXPECT_NE(groups().find("ff02::1:ff00:a5"), std::string::npos) << groups();
  // The owner's kernel knows none of them: only the responder can answer.
  EXPECT_EQ(output_of("ip -n " + namespaces.owner + " addr show dev o0").find("10.77.0."),
            std::string::npos);

  // Echo replies never come (the owner's kernel drops the requests): ping is only the client
  // kernel's reason to resolve the address.
  const auto resolve_all = [&] {
    std::vector<pid_t> pings;
    for (const IpAddress& address : all) {
      pings.push_back(
          test::spawn(namespaces.in_client(std::string("ping ") + (address.is_v6() ? "-6 " : "") +
                                           "-c1 -W1 " + address.to_string())));
    }
    for (pid_t ping : pings) ASSERT_GT(ping, 0);
    serve_until_exit(io, pings);
  };
  const std::string mac = "lladdr " + kOwner.to_string();
  const auto expect_resolved = [&](const char* address) {
    const std::string entry = namespaces.client_neighbour(address);
    EXPECT_NE(entry.find(mac), std::string::npos) << address << ": " << entry;
    EXPECT_TRUE(entry.find("REACHABLE") != std::string::npos ||
                entry.find("STALE") != std::string::npos ||
                entry.find("DELAY") != std::string::npos)
        << address << ": " << entry;
  };
  resolve_all();
  for (const char* address : {"10.77.0.1", "10.77.0.5", "fd00:77::a1", "fd00:77::a5"}) {
    expect_resolved(address);
  }
  const Responder::Counters first = responder.counters();
  EXPECT_GE(first.arp_replies, 2u);
  EXPECT_GE(first.neighbor_adverts, 2u);
  EXPECT_EQ(first.send_errors, 0u);
  EXPECT_TRUE(log.has("answered ARP who-has 10.77.0.1 from ")) << "debug line per answer";
  EXPECT_TRUE(log.has("answered NS for fd00:77::a1 from "));

  // Released: the client, its cache flushed, asks again and nobody answers; the others still
  // resolve through the same receivers.
  responder.release(o0, ip("10.77.0.1"));
  responder.release(o0, ip("fd00:77::a1"));
  EXPECT_EQ(responder.claims(),
            (std::map<int, std::set<IpAddress>>{{o0, {ip("10.77.0.5"), ip("fd00:77::a5")}}}));
  EXPECT_EQ(groups().find("ff02::1:ff00:a1"), std::string::npos) << "left with its address";
  EXPECT_NE(groups().find("ff02::1:ff00:a5"), std::string::npos) << groups();
  ASSERT_TRUE(test::run("ip -n " + namespaces.client + " neigh flush dev c0"));
  resolve_all();
  for (const char* address : {"10.77.0.1", "fd00:77::a1"}) {
    const std::string entry = namespaces.client_neighbour(address);
    EXPECT_EQ(entry.find("lladdr"), std::string::npos) << address << ": " << entry;
    EXPECT_TRUE(entry.find("INCOMPLETE") != std::string::npos ||
                entry.find("FAILED") != std::string::npos)
        << address << ": " << entry;
  }
  expect_resolved("10.77.0.5");
  expect_resolved("fd00:77::a5");
  EXPECT_GT(responder.counters().arp_replies, first.arp_replies);
  EXPECT_GT(responder.counters().neighbor_adverts, first.neighbor_adverts);
  EXPECT_EQ(responder.counters().send_errors, 0u);

  // The last address of a family closes its receiver; close() the sender too; a claim after
  // close() opens again.
  responder.release(o0, ip("10.77.0.5"));
  responder.release(o0, ip("fd00:77::a5"));
  EXPECT_TRUE(responder.claims().empty());
  EXPECT_EQ(packet_sockets(), 1) << "the sender only";
  EXPECT_EQ(groups().find("ff02::1:ff00:a5"), std::string::npos) << groups();
  responder.close();
  EXPECT_EQ(packet_sockets(), 0);
  ASSERT_TRUE(responder.claim(o0, kOwner, ip("fd00:77::a1")));
  EXPECT_EQ(packet_sockets(), 2);
}

// Completions of waits whose listener, or Responder, is gone run in io.poll() afterwards: they
// must touch nothing (ASan in CI). And a flood is answered in turns, not in one handler.
void lifetime_scenario(Report& report) {
  netlink::test::veth_pair_up(report);
  const int d0 = static_cast<int>(if_nametoindex("d0"));
  const int d1 = static_cast<int>(if_nametoindex("d1"));
  asio::io_context io;
  PacketSender client;  // sends the client's ARP request for 10.77.0.1 from d1 to d0
  CHILD_CHECK(client.open().ok(), "open the client's sender");
  const Bytes request = from_hex(wire::fixtures::kArpRequest);
  const auto send_requests = [&](int n) {
    for (int i = 0; i < n; ++i) CHILD_CHECK(client.send_frame(d1, request).ok(), "send");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // delivered to d0
  };
  const auto run_until = [&](const std::function<bool()>& done) {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    while (!done() && std::chrono::steady_clock::now() < give_up) {
      io.restart();
      io.run_for(std::chrono::milliseconds(10));
    }
  };
  {
    Responder responder(io);
    CHILD_CHECK(responder.claim(d0, kOwner, ip("10.77.0.1")).ok(), "claim");
    CHILD_CHECK(responder.claim(d0, kOwner, ip("fd00:77::1")).ok(), "claim IPv6");
    responder.release(d0, ip("10.77.0.1"));  // its wait is cancelled, its listener freed
    CHILD_CHECK(responder.claim(d0, kOwner, ip("10.77.0.1")).ok(), "claim again: a new listener");
    responder.close();  // both cancelled, both freed
    CHILD_CHECK(responder.claim(d0, kOwner, ip("10.77.0.1")).ok(), "claim after close");
    io.restart();
    io.poll();  // the three cancelled completions
    send_requests(1);
    run_until([&] { return responder.counters().arp_replies == 1; });
    CHILD_CHECK(responder.counters().arp_replies == 1, "the newest listener answers");

    // 100 requests: the first turn answers some and posts the rest.
    send_requests(100);
    io.restart();
    CHILD_CHECK(io.run_one() == 1, "one readiness");
    const std::uint64_t turn = responder.counters().arp_replies - 1;
    CHILD_CHECK(turn > 0 && turn < 100, "one turn answers part: " + std::to_string(turn));
    run_until([&] { return responder.counters().arp_replies == 101; });
    CHILD_CHECK(responder.counters().arp_replies == 101,
                "all answered: " + std::to_string(responder.counters().arp_replies));
    CHILD_CHECK(responder.counters().send_errors == 0, "no send errors");
  }
  io.restart();
  io.poll();  // the destroyed Responder's cancelled wait
  // A request and a solicitation ready in one reactor pass: run_one() answers one, the other
  // descriptor's completion stays queued in the loop, and its listener (or the Responder) is
  // gone by the time it runs. (Asio's epoll reactor completes a wait when the descriptor's
  // turn comes, so the release cancels it; another reactor could hand it over as a success:
  // the handler checks its listener either way.)
  const Bytes solicit = from_hex(wire::fixtures::kNsMulticast);
  for (bool destroy : {false, true}) {
    auto responder = std::make_unique<Responder>(io);
    CHILD_CHECK(responder->claim(d0, kOwner, ip("10.77.0.1")).ok(), "claim");
    CHILD_CHECK(responder->claim(d0, kOwner, ip("fd00:77::1")).ok(), "claim IPv6");
    CHILD_CHECK(client.send_frame(d1, request).ok(), "send the request");
    CHILD_CHECK(client.send_frame(d1, solicit).ok(), "send the solicitation");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    io.restart();
    CHILD_CHECK(io.run_one() == 1, "one of the two completions");
    const Responder::Counters one = responder->counters();
    CHILD_CHECK(one.arp_replies + one.neighbor_adverts == 1, "one answered");
    if (destroy) {
      responder.reset();
    } else {
      responder->release(d0, ip(one.arp_replies == 1 ? "fd00:77::1" : "10.77.0.1"));
    }
    io.restart();
    CHILD_CHECK(io.poll() >= 1, "the other completion ran");
    if (!destroy) {
      const Responder::Counters two = responder->counters();
      CHILD_CHECK(two.arp_replies + two.neighbor_adverts == 1, "not answered after release");
    }
    responder.reset();
    io.restart();
    io.poll();  // its cancelled wait, before the next round's run_one()
  }
  {
    // Destroyed between two turns: the posted next turn finds nothing.
    auto responder = std::make_unique<Responder>(io);
    CHILD_CHECK(responder->claim(d0, kOwner, ip("10.77.0.1")).ok(), "claim");
    send_requests(100);
    io.restart();
    CHILD_CHECK(io.run_one() == 1, "one readiness");
    CHILD_CHECK(responder->counters().arp_replies < 100, "a turn left");
    responder.reset();
    io.restart();
    CHILD_CHECK(io.poll() >= 1, "the posted turn ran");
  }
}

TEST(Responder, CompletionsQueuedForReleasedListenersOrAGoneResponderTouchNothing) {
  netlink::test::run_in_namespace(lifetime_scenario);
}

}  // namespace
}  // namespace vipd::l2
