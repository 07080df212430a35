// KernelInterfaceView against the real kernel, in a network namespace of its own
// (namespace_test_util.hpp): changes made here reach the view and its subscribers, and the view
// plus a kernel FIB tracking links use one monitor socket between them.
#include <gtest/gtest.h>
#include <net/if.h>

#include <algorithm>
#include <asio/io_context.hpp>
#include <chrono>
#include <string>

#include "namespace_test_util.hpp"
#include "netlink/kernel_interface_view.hpp"

namespace vipd::netlink {
namespace {

using test::Report;
using test::sh;

template <typename Pred>
bool run_until(asio::io_context& io, Pred done) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (std::chrono::steady_clock::now() < deadline) {
    io.restart();
    io.run_for(std::chrono::milliseconds(20));
    if (done()) return true;
  }
  return done();
}

void view_scenario(Report& report) {
  int d0 = test::veth_pair_up(report, "ip addr add 192.0.2.1/24 dev d0");
  CHILD_CHECK(sh("ip route add 10.47.0.0/16 via 192.0.2.254"), "static route");
  asio::io_context io;
  KernelInterfaceView interfaces(io);
  std::vector<std::string> seen;
  auto subscription = interfaces.view().subscribe([&](const Event& e) {
    if (const auto* l = std::get_if<LinkEvent>(&e))
      seen.push_back((l->kind == LinkEvent::Kind::kDown ? "down " : "link ") + l->link.name);
    if (std::holds_alternative<ResyncNeeded>(e)) seen.push_back("resync");
  });
  auto started = interfaces.start();
  CHILD_CHECK(started.ok(), "start: " + (started ? std::string() : started.error()));
  const InterfaceView& view = interfaces.view();
  CHILD_CHECK(view.ready() && !seen.empty() && seen.front() == "resync", "read at start");
  CHILD_CHECK(view.link("d0") && view.link("d0")->ifindex == d0, "d0 known");
  CHILD_CHECK(view.link_of(*IpAddress::parse("192.0.2.1")) == d0, "d0's address known");
  CHILD_CHECK(view.route_count() == 1, "the static route known");
  CHILD_CHECK(test::route_monitor_sockets() == 1, "one monitor socket");

  CHILD_CHECK(sh("ip addr add 198.51.100.1/24 dev d0"), "second address");
  CHILD_CHECK(run_until(io, [&] { return view.link_of(*IpAddress::parse("198.51.100.1")) == d0; }),
              "the new address reaches the view");
  CHILD_CHECK(sh("ip link set d0 down"), "d0 down");
  CHILD_CHECK(run_until(io, [&] { return view.link(d0) && !view.link(d0)->admin_up(); }),
              "d0 down in the view");
  CHILD_CHECK(std::find(seen.begin(), seen.end(), "down d0") != seen.end(),
              "the subscriber saw d0 go down");
  CHILD_CHECK(view.route_count() == 0, "the kernel flushed the route over d0, the view too");
  CHILD_CHECK(sh("ip link del d0"), "d0 deleted");
  CHILD_CHECK(run_until(io, [&] { return view.link(d0) == nullptr; }), "d0 gone from the view");
  CHILD_CHECK(view.addresses(d0).empty(), "with its addresses");
  interfaces.stop();
  CHILD_CHECK(!interfaces.running(), "stopped");
}

TEST(KernelInterfaceView, FollowsLinksAddressesAndRoutesWithOneMonitor) {
  test::run_in_namespace(view_scenario);
}

}  // namespace
}  // namespace vipd::netlink
