// Monitor and AsioMonitor against the real kernel, each scenario in a network namespace of its
// own (namespace_test_util.hpp): link and address changes made here must come back as events.
#include <gtest/gtest.h>
#include <net/if.h>
#include <poll.h>
#include <sys/socket.h>

#include <asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <string>

#include "namespace_test_util.hpp"
#include "netlink/addresses.hpp"
#include "netlink/links.hpp"
#include "netlink/monitor.hpp"
#include "netlink/monitor_asio.hpp"
#include "netlink/route_socket.hpp"

#include "netlink_test_util.hpp"

namespace vipd::netlink {
namespace {

using namespace test;

using test::Report;
using test::sh;
using namespace std::chrono_literals;

// Events received so far, and a wait for one that matches.
struct Recorder {
  std::vector<Event> events;
  Monitor::Callback callback() {
    return [this](const Event& e) { events.push_back(e); };
  }
  // The first recorded event at or after `from` that `match` accepts, or -1.
  template <typename T>
  int find(const std::function<bool(const T&)>& match, std::size_t from = 0) const {
    for (std::size_t i = from; i < events.size(); ++i)
      if (auto* e = std::get_if<T>(&events[i]); e && match(*e)) return static_cast<int>(i);
    return -1;
  }
};

// Processes notifications until `recorder` has a matching event (or 2 s pass).
template <typename T>
int wait_for(Monitor& monitor, Recorder& recorder, const std::function<bool(const T&)>& match,
             std::size_t from = 0) {
  auto deadline = std::chrono::steady_clock::now() + 2s;
  for (;;) {
    if (int i = recorder.find<T>(match, from); i >= 0) return i;
    if (std::chrono::steady_clock::now() > deadline) return -1;
    pollfd p{monitor.fd(), POLLIN, 0};
    ::poll(&p, 1, 100);
    if (!monitor.process_ready()) return -1;
  }
}

std::function<bool(const LinkEvent&)> link_event(LinkEvent::Kind kind, std::string name) {
  return [kind, name](const LinkEvent& e) { return e.kind == kind && e.link.name == name; };
}

std::function<bool(const AddressEvent&)> address_event(AddressEvent::Kind kind,
                                                       const char* address) {
  IpAddress a = ip(address);
  return [kind, a](const AddressEvent& e) { return e.kind == kind && e.address.address == a; };
}

void links_and_addresses(Report& report) {
  int d0 = test::veth_pair_up(report);
  Socket s;
  CHILD_CHECK(s.open().ok(), "socket");

  Recorder recorder;
  Monitor monitor(recorder.callback());
  auto opened = monitor.open();
  CHILD_CHECK(opened.ok(), "monitor open: " + (opened ? "" : opened.error()));
  if (!opened) return;
  CHILD_CHECK(monitor.links().size() == 3 && monitor.links().at(d0).name == "d0" &&
                  monitor.links().at(d0).usable(),
              "open() learned lo, d0 (usable) and d1");
  CHILD_CHECK(monitor.process_ready().ok() && recorder.events.empty(),
              "no event before the first change");

  // A VMAC appears, comes up, loses its carrier with the parent's peer, comes back, goes.
  auto vmac = create_macvlan(s, keepalived_vmac(d0, 9, Family::kIpv4));
  CHILD_CHECK(vmac.ok(), "create vrrp.9");
  int added = wait_for<LinkEvent>(monitor, recorder, link_event(LinkEvent::Kind::kAdded, "vrrp.9"));
  CHILD_CHECK(added >= 0, "vrrp.9 added");
  if (added >= 0) {
    const auto& e = std::get<LinkEvent>(recorder.events[added]);
    CHILD_CHECK(e.link.kind == "macvlan" && e.link.parent_ifindex == d0 && !e.link.usable(),
                "the added event carries the link");
  }
  int vrrp9 = vmac ? vmac->ifindex : 0;
  CHILD_CHECK(set_link_up(s, vrrp9, true).ok(), "vrrp.9 up");
  int up = wait_for<LinkEvent>(monitor, recorder, link_event(LinkEvent::Kind::kUp, "vrrp.9"));
  CHILD_CHECK(up > added, "vrrp.9 up");

  std::size_t mark = recorder.events.size();
  CHILD_CHECK(sh("ip link set d1 down"), "d1 down");  // d0 loses its carrier
  int d0_down =
      wait_for<LinkEvent>(monitor, recorder, link_event(LinkEvent::Kind::kDown, "d0"), mark);
  CHILD_CHECK(d0_down >= 0, "d0 down (carrier lost)");
  if (d0_down >= 0) {
    const auto& e = std::get<LinkEvent>(recorder.events[d0_down]);
    CHILD_CHECK(
        e.link.admin_up() && !e.link.carrier() && e.link.oper_state == OperState::kLowerLayerDown,
        "d0 is admin up without carrier: " + std::string(to_string(e.link.oper_state)));
  }
  CHILD_CHECK(wait_for<LinkEvent>(monitor, recorder, link_event(LinkEvent::Kind::kDown, "vrrp.9"),
                                  mark) >= 0,
              "the VMAC on d0 goes down with it");
  mark = recorder.events.size();
  CHILD_CHECK(sh("ip link set d1 up"), "d1 up");
  CHILD_CHECK(
      wait_for<LinkEvent>(monitor, recorder, link_event(LinkEvent::Kind::kUp, "d0"), mark) >= 0,
      "d0 up again");
  mark = recorder.events.size();
  CHILD_CHECK(set_link_up(s, d0, false).ok(), "d0 admin down");
  CHILD_CHECK(
      wait_for<LinkEvent>(monitor, recorder, link_event(LinkEvent::Kind::kDown, "d0"), mark) >= 0,
      "d0 down (admin)");
  CHILD_CHECK(set_link_up(s, d0, true).ok(), "d0 admin up");

  // A VIP added, then removed behind our back (`ip addr del`).
  mark = recorder.events.size();
  CHILD_CHECK(add_address(s, virtual_address(vrrp9, ip("192.0.2.10"), 24, "vrrp.9:vip")).ok(),
              "add VIP");
  int vip_added = wait_for<AddressEvent>(
      monitor, recorder, address_event(AddressEvent::Kind::kAdded, "192.0.2.10"), mark);
  CHILD_CHECK(vip_added >= 0, "VIP added event");
  if (vip_added >= 0) {
    const auto& e = std::get<AddressEvent>(recorder.events[vip_added]);
    CHILD_CHECK(e.address.ifindex == vrrp9 && e.address.label == "vrrp.9:vip" &&
                    e.address.prefix_length == 24,
                "the added event carries the address");
  }
  CHILD_CHECK(add_address(s, virtual_address(vrrp9, ip("2001:db8::10"), 64)).ok(), "add IPv6 VIP");
  CHILD_CHECK(
      wait_for<AddressEvent>(monitor, recorder,
                             address_event(AddressEvent::Kind::kAdded, "2001:db8::10"), mark) >= 0,
      "IPv6 VIP added event");
  CHILD_CHECK(sh("ip addr del 192.0.2.10/24 dev vrrp.9"), "someone deletes the VIP");
  CHILD_CHECK(
      wait_for<AddressEvent>(monitor, recorder,
                             address_event(AddressEvent::Kind::kRemoved, "192.0.2.10"), mark) >= 0,
      "VIP removed event");

  mark = recorder.events.size();
  CHILD_CHECK(delete_link(s, vrrp9).ok(), "delete vrrp.9");
  CHILD_CHECK(wait_for<AddressEvent>(monitor, recorder,
                                     address_event(AddressEvent::Kind::kRemoved, "2001:db8::10"),
                                     mark) >= 0,
              "its addresses go with it");
  CHILD_CHECK(wait_for<LinkEvent>(monitor, recorder,
                                  link_event(LinkEvent::Kind::kRemoved, "vrrp.9"), mark) >= 0,
              "vrrp.9 removed");
  CHILD_CHECK(monitor.links().count(vrrp9) == 0, "and forgotten");
  CHILD_CHECK(monitor.overruns() == 0, "no overrun");
}

void overrun(Report& report) {
  int d0 = test::veth_pair_up(report);
  Socket s;
  CHILD_CHECK(s.open().ok(), "socket");
  Recorder recorder;
  MonitorOptions options;
  options.receive_buffer_bytes = 4096;  // the kernel doubles it; still room for few messages
  Monitor monitor(recorder.callback(), options);
  CHILD_CHECK(monitor.open().ok(), "monitor open");

  // 500 address notifications nobody reads, then a link change that the full queue drops.
  std::vector<AddressRequest> flood;
  for (int i = 0; i < 500; ++i)
    flood.push_back(
        {AddressOp::kAdd,
         virtual_address(d0, IpAddress::v4(0x0a000000u + static_cast<std::uint32_t>(i)), 32)});
  auto failures = send_addresses(s, flood);
  CHILD_CHECK(failures && failures->empty(), "500 addresses added");
  CHILD_CHECK(sh("ip link set d1 down"), "d1 down while the queue is full");

  CHILD_CHECK(monitor.process_ready(1000).ok(), "process after the overrun");
  CHILD_CHECK(monitor.overruns() >= 1, "the overrun is counted");
  int resync = recorder.find<ResyncNeeded>([](const ResyncNeeded&) { return true; });
  CHILD_CHECK(resync >= 0, "ResyncNeeded reported");
  CHILD_CHECK(recorder.find<LinkEvent>(link_event(LinkEvent::Kind::kDown, "d0"),
                                       resync < 0 ? 0 : resync) > resync,
              "the resync finds d0's lost carrier");
  CHILD_CHECK(!monitor.links().at(d0).usable(), "the link table is current");
  std::size_t counted = 0;
  for (const auto& e : recorder.events) counted += std::holds_alternative<AddressEvent>(e);
  char line[160];
  std::snprintf(line, sizeof line,
                "overrun: 500 address notifications into a %d-byte queue: %zu delivered, "
                "%zu overrun(s)\n",
                options.receive_buffer_bytes, counted, monitor.overruns());
  report.notes += line;
  CHILD_CHECK(counted < 500, "some notifications were lost (else the test proves nothing)");
}

void asio_and_routes(Report& report) {
  int d0 = test::veth_pair_up(report, "ip addr add 192.0.2.1/24 dev d0");
  asio::io_context io;
  Recorder recorder;
  MonitorOptions options;
  options.routes = true;
  AsioMonitor monitor(io, recorder.callback(), options);
  auto started = monitor.start();
  CHILD_CHECK(started.ok(), "start: " + (started ? "" : started.error()));

  RouteSocket routes;
  CHILD_CHECK(routes.open().ok(), "route socket");
  Route route{*Prefix::parse("10.47.40.0/24"), {NextHop{ip("192.0.2.50")}}};
  std::vector<RouteRequest> install{{RouteOp::kReplace, route}};
  auto sent = routes.send(install);
  CHILD_CHECK(sent && sent->empty(), "route installed");
  Socket s;
  CHILD_CHECK(s.open().ok(), "socket");
  CHILD_CHECK(set_link_up(s, d0, false).ok(), "d0 down");

  auto seen = [&] {
    bool route_added = recorder.find<RouteEvent>([&](const RouteEvent& e) {
      return e.kind == RouteEvent::Kind::kAdded && e.route.prefix == route.prefix &&
             e.route.next_hops.size() == 1 && e.route.next_hops[0].gateway == ip("192.0.2.50");
    }) >= 0;
    return route_added && recorder.find<LinkEvent>(link_event(LinkEvent::Kind::kDown, "d0")) >= 0;
  };
  auto deadline = std::chrono::steady_clock::now() + 2s;
  while (!seen() && std::chrono::steady_clock::now() < deadline) io.run_for(50ms);
  CHILD_CHECK(seen(), "the io_context delivered the route and the link-down events");
  CHILD_CHECK(monitor.running() && monitor.error().empty(), "still running");
  // IPv4 flushes the routes over a link that goes down without telling anyone (no
  // RTM_DELROUTE): the link event is the only signal a FIB gets (docs/netlink.md).
  io.run_for(200ms);
  auto left = routes.dump(AF_INET, kRouteProtocol);
  CHILD_CHECK(left && left->empty(), "the kernel flushed the IPv4 route with d0");
  CHILD_CHECK(recorder.find<RouteEvent>([&](const RouteEvent& e) {
    return e.kind == RouteEvent::Kind::kRemoved && e.route.prefix == route.prefix;
  }) < 0,
              "and sent no RTM_DELROUTE for it");

  monitor.stop();
  std::size_t before = recorder.events.size();
  CHILD_CHECK(set_link_up(s, d0, true).ok(), "d0 up");
  io.restart();
  io.run_for(200ms);
  CHILD_CHECK(recorder.events.size() == before, "no events after stop()");
  auto restarted = monitor.start();
  CHILD_CHECK(restarted.ok(), "restart");
  io.restart();
  deadline = std::chrono::steady_clock::now() + 2s;
  while (recorder.find<LinkEvent>(link_event(LinkEvent::Kind::kUp, "d0"), before) < 0 &&
         std::chrono::steady_clock::now() < deadline)
    io.run_for(50ms);
  CHILD_CHECK(recorder.find<LinkEvent>(link_event(LinkEvent::Kind::kUp, "d0"), before) >= 0,
              "after a restart the queued change arrives");
}

// The socket filter drops the route notifications of the ignored protocols in the kernel: vipd's
// own writes (protocol 200) and another BGP daemon's never reach the queue, a static route does.
void ignored_route_protocols(Report& report) {
  test::veth_pair_up(report, "ip addr add 192.0.2.1/24 dev d0");
  Recorder recorder;
  MonitorOptions options;
  options.routes = true;
  options.ignored_route_protocols = {kRouteProtocol, RTPROT_BGP};
  Monitor monitor(recorder.callback(), options);
  auto opened = monitor.open();
  CHILD_CHECK(opened.ok(), "monitor open: " + (opened ? "" : opened.error()));
  if (!opened) return;

  RouteSocket routes;
  CHILD_CHECK(routes.open().ok(), "route socket");
  Route ours{*Prefix::parse("10.47.40.0/24"), {NextHop{ip("192.0.2.50")}}};
  std::vector<RouteRequest> install{{RouteOp::kReplace, ours}};
  auto sent = routes.send(install);
  CHILD_CHECK(sent && sent->empty(), "our route installed");
  CHILD_CHECK(sh("ip route add 10.48.0.0/16 via 192.0.2.51 proto bgp && "
                 "ip route add 10.49.0.0/16 via 192.0.2.52 proto static metric 7 && "
                 "ip route del 10.48.0.0/16 && ip route del 10.49.0.0/16"),
              "other routes added and deleted");
  auto prefix_is = [](const char* p) {
    Prefix want = *Prefix::parse(p);
    return [want](const RouteEvent& e) { return e.route.prefix == want; };
  };
  std::function<bool(const RouteEvent&)> static_deleted = [](const RouteEvent& e) {
    return e.kind == RouteEvent::Kind::kRemoved && e.route.prefix == *Prefix::parse("10.49.0.0/16");
  };
  CHILD_CHECK(wait_for<RouteEvent>(monitor, recorder, static_deleted) >= 0,
              "the static route's notifications arrive");
  int added = recorder.find<RouteEvent>(prefix_is("10.49.0.0/16"));
  CHILD_CHECK(added >= 0 && std::get<RouteEvent>(recorder.events[added]).route.priority == 7,
              "with their metric");
  CHILD_CHECK(recorder.find<RouteEvent>(prefix_is("10.47.40.0/24")) < 0,
              "no notification of vipd's own route");
  CHILD_CHECK(recorder.find<RouteEvent>(prefix_is("10.48.0.0/16")) < 0,
              "none of a BGP daemon's route");
  CHILD_CHECK(monitor.overruns() == 0, "no overrun");
}

TEST(NetlinkMonitorKernel, IgnoredRouteProtocolsAreFilteredInTheKernel) {
  test::run_in_namespace(ignored_route_protocols);
}

TEST(NetlinkMonitorKernel, LinkUpDownCarrierAndAddressEvents) {
  test::run_in_namespace(links_and_addresses);
}

TEST(NetlinkMonitorKernel, OverrunReportsResyncAndRereadsTheLinks) {
  test::run_in_namespace(overrun);
}

TEST(NetlinkMonitorKernel, AsioAdapterDeliversRouteAndLinkEvents) {
  test::run_in_namespace(asio_and_routes);
}

}  // namespace
}  // namespace vipd::netlink
