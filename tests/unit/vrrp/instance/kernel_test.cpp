// Two VRRP modules on the real kernel, in a network namespace of their own
// (tests/unit/netlink/namespace_test_util.hpp): routers A (d0, 10.55.0.2, priority 100) and
// B (d1, 10.55.0.3, priority 50) on the two ends of a veth pair, over IPv4 (v2) and IPv6 (v3), one
// io_context, raw sockets, rtnetlink and AF_PACKET as vipd uses them. Checks: A becomes master and
// B backup, the VIP is on d0 only, B counts A's adverts; a clean stop of A (priority 0) moves the
// VIP to d1 within Skew_Time, and removes it from d0.
#include <gtest/gtest.h>

#include <asio/io_context.hpp>
#include <chrono>
#include <thread>

#include "../../netlink/namespace_test_util.hpp"
#include "event/asio_clock.hpp"
#include "vrrp/config/parser.hpp"
#include "vrrp/kernel_network.hpp"
#include "vrrp/module.hpp"

namespace vipd::vrrp {
namespace {

using netlink::test::Report;
using netlink::test::sh;
using namespace std::chrono_literals;

// One of the two setups: VRRPv2 with PASS authentication over IPv4, VRRPv3 over IPv6 (link-local
// sources, hop limit and destination from control messages).
struct Setup {
  const char* body;         // the vrrp_instance lines after interface and priority
  const char* ip_command;   // `ip` arguments that list the VIP
  const char* vip_pattern;  // what that listing shows for the VIP
  const char* master_a;     // A's advert source as B records it ("" for link-local: not checked)
};

const Setup kIpv4{
    "virtual_router_id 51\n advert_int 1\n authentication {\n  auth_type PASS\n"
    "  auth_pass 1111\n }\n virtual_ipaddress {\n  10.55.0.1/24\n }\n",
    "-4 addr show dev ", "inet 10.55.0.1/24", "10.55.0.2"};
const Setup kIpv6{
    "virtual_router_id 7\n version 3\n advert_int 1\n virtual_ipaddress {\n"
    "  2001:db8:55::1/64\n }\n",
    "-6 addr show dev ", "inet6 2001:db8:55::1/64", ""};
const Setup* setup = &kIpv4;

config::KeepalivedConfig router(const std::string& interface, int priority) {
  const std::string text = "vrrp_instance VI_1 {\n interface " + interface + "\n priority " +
                           std::to_string(priority) + "\n " + setup->body + "}\n";
  auto parsed = config::parse_keepalived_config(text, "kernel_test.conf");
  return parsed ? *parsed : config::KeepalivedConfig{};
}

struct Router {
  Router(asio::io_context& io, event::Clock& clock)
      : network(io), processes(io), module(clock, network, processes) {}
  KernelNetwork network;
  AsioProcessRunner processes;
  VrrpModule module;
};

// How many interfaces carry the VIP (the output of `ip -4 addr` lines with it).
int vip_count(const std::string& dev) {
  return sh(std::string("ip ") + setup->ip_command + dev + " | grep -q '" + setup->vip_pattern +
            "'")
             ? 1
             : 0;
}

void run_until(asio::io_context& io, const std::function<bool()>& done,
               std::chrono::milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < end) {
    io.restart();
    io.run_for(20ms);
  }
}

void scenario(Report& report) {
  // Both ends in one namespace: their adverts carry a local source address, which the kernel
  // accepts only with accept_local (and no reverse-path filter).
  CHILD_CHECK(sh("ip link set lo up && ip link add d0 type veth peer name d1 && "
                 "sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 && "
                 "sysctl -qw net.ipv4.conf.all.accept_local=1 && "
                 "sysctl -qw net.ipv4.conf.d0.accept_local=1 net.ipv4.conf.d1.accept_local=1 && "
                 "sysctl -qw net.ipv4.conf.d0.rp_filter=0 net.ipv4.conf.d1.rp_filter=0 && "
                 // Link-local sources usable at once (no tentative period).
                 "sysctl -qw net.ipv6.conf.d0.accept_dad=0 net.ipv6.conf.d1.accept_dad=0 && "
                 "ip addr add 10.55.0.2/24 dev d0 && ip addr add 10.55.0.3/24 dev d1 && "
                 "ip link set d0 up && ip link set d1 up"),
              "veth pair d0/d1 with addresses");
  asio::io_context io;
  event::AsioClock clock(io);
  Router a(io, clock), b(io, clock);
  CHILD_CHECK(a.network.open().ok() && b.network.open().ok(), "rtnetlink and AF_PACKET open");
  b.module.apply(router("d1", 50));
  a.module.apply(router("d0", 100));
  CHILD_CHECK(a.module.find("VI_1") && b.module.find("VI_1"), "both instances started");
  if (!report.failures.empty()) return;
  const Instance& ia = *a.module.find("VI_1");
  const Instance& ib = *b.module.find("VI_1");

  run_until(
      io,
      [&] {
        return ia.state() == fsm::State::kMaster && ib.router()->stats().adverts_received >= 2;
      },
      8s);
  CHILD_CHECK(ia.state() == fsm::State::kMaster, "A (priority 100) is master");
  CHILD_CHECK(ib.state() == fsm::State::kBackup, "B (priority 50) is backup");
  CHILD_CHECK(ib.router()->stats().adverts_received >= 2, "B receives A's adverts");
  CHILD_CHECK(ib.counters().total_drops() == 0, "B drops none of them");
  CHILD_CHECK(vip_count("d0") == 1 && vip_count("d1") == 0, "the VIP is on d0 only");
  CHILD_CHECK(*setup->master_a == 0 ||
                  ib.router()->fsm_state().master_address == IpAddress::parse(setup->master_a),
              "B knows A as master");
  CHILD_CHECK(ib.router()->fsm_state().master_address.has_value(), "B knows a master");

  const auto stopped = std::chrono::steady_clock::now();
  a.module.stop();
  CHILD_CHECK(vip_count("d0") == 0, "A removed the VIP on stop");
  run_until(
      io, [&] { return ib.state() == fsm::State::kMaster; }, 5s);
  const auto took = std::chrono::steady_clock::now() - stopped;
  CHILD_CHECK(ib.state() == fsm::State::kMaster, "B took over");
  CHILD_CHECK(ib.router()->stats().priority_zero_received == 1, "B received A's priority 0");
  // Skew_Time for priority 50 is 206/256 s; a missed priority 0 would take 3.8 s.
  CHILD_CHECK(took < 1500ms, "B took over within Skew_Time after the priority 0 advert");
  run_until(
      io, [&] { return vip_count("d1") == 1; }, 1s);
  CHILD_CHECK(vip_count("d1") == 1 && vip_count("d0") == 0, "the VIP moved to d1");
  report.notes +=
      "takeover after clean stop: " +
      std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(took).count()) + " ms\n";
  b.module.stop();
  CHILD_CHECK(vip_count("d1") == 0, "B removed the VIP on stop");
}

TEST(VrrpKernel, TwoRoutersOnAVethPairElectAndFailOverOnCleanStop) {
  setup = &kIpv4;
  netlink::test::run_in_namespace(scenario);
}

TEST(VrrpKernel, Ipv6VersionThreeElectsAndFailsOver) {
  setup = &kIpv6;
  netlink::test::run_in_namespace(scenario);
}

}  // namespace
}  // namespace vipd::vrrp
