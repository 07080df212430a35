// The route table's netlink backend against the real kernel, in a network namespace of its own
// (namespace_test_util.hpp), so nothing here touches the host's routes.
#include <gtest/gtest.h>
#include <net/if.h>
#include <sys/socket.h>

#include <asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <string>

#include "fib/netlink_fib.hpp"
#include "fib_test_util.hpp"
#include "namespace_test_util.hpp"
#include "netlink/kernel_interface_view.hpp"

namespace vipd::fib {
namespace {

using namespace netlink;  // the kernel's routes and the route socket
using test::apply;
using test::route;
using test::withdrawn;

using netlink::test::Report;
using netlink::test::sh;
using test::gateways;
using test::ips;

std::optional<netlink::Route> kernel_route(RouteSocket& s, const char* prefix) {
  auto p = *Prefix::parse(prefix);
  auto routes = s.dump(p.family() == Family::kIpv4 ? AF_INET : AF_INET6, kRouteProtocol);
  if (!routes) return std::nullopt;
  for (auto& r : *routes)
    if (r.prefix == p) return r;
  return std::nullopt;
}

std::size_t kernel_count(RouteSocket& s, int family) {
  auto routes = s.dump(family, kRouteProtocol);
  return routes ? routes->size() : 0;
}

// Runs in the child, inside its own network namespace.
void scenario(Report& report) {
  CHILD_CHECK(sh("ip link set lo up"), "lo up");
  // A veth pair (the dummy driver is not in every kernel): d0 carries the addresses, its peer
  // is up so that d0 has a carrier.
  CHILD_CHECK(sh("ip link add d0 type veth peer name d1 && ip link set d1 up && "
                 "ip link set d0 up && ip addr add 192.0.2.1/24 dev d0 && "
                 "ip -6 addr add 2001:db8:12::1/64 dev d0 nodad"),
              "veth interface with addresses");
  int d0 = static_cast<int>(if_nametoindex("d0"));
  CHILD_CHECK(d0 > 0, "d0 has an ifindex");

  RouteSocket probe;
  CHILD_CHECK(probe.open().ok(), "probe socket");

  // Stale routes of a previous run, and a static route that is not ours.
  {
    RouteSocket previous;
    CHILD_CHECK(previous.open().ok(), "previous-run socket");
    std::vector<RouteRequest> old{
        {RouteOp::kReplace, netlink::Route{*Prefix::parse("10.99.0.0/16"),
                                           {NextHop{*IpAddress::parse("192.0.2.50")}}}},
        {RouteOp::kReplace, netlink::Route{*Prefix::parse("2001:db8:99::/48"),
                                           {NextHop{*IpAddress::parse("2001:db8:12::50")}}}}};
    auto sent = previous.send(old);
    CHILD_CHECK(sent && sent->empty(), "previous run installs two routes");
  }
  CHILD_CHECK(sh("ip route add 10.98.0.0/16 via 192.0.2.60 proto static"), "static route");
  // 196 is FRR staticd's protocol (rt_protos.d/frr.conf): a router running both keeps it.
  CHILD_CHECK(sh("ip route add 10.97.0.0/16 via 192.0.2.61 proto 196"), "FRR static route");
  CHILD_CHECK(kernel_count(probe, AF_INET) == 1 && kernel_count(probe, AF_INET6) == 1,
              "two stale routes of protocol 200 before start");

  NetlinkFib fib;
  auto opened = fib.open();
  CHILD_CHECK(opened && *opened == 2, "open() deletes the two stale routes");
  CHILD_CHECK(kernel_count(probe, AF_INET) == 0 && kernel_count(probe, AF_INET6) == 0,
              "no protocol-200 route left after open()");
  CHILD_CHECK(sh("ip route show 10.98.0.0/16 | grep -q 192.0.2.60"),
              "the static route (another protocol) is kept");
  CHILD_CHECK(sh("ip route show 10.97.0.0/16 | grep -q 192.0.2.61"),
              "FRR's static route (protocol 196) is kept");

  // Three next hops, then two, then none.
  apply(fib, {route("10.47.40.1/32", {"192.0.2.11", "192.0.2.12", "192.0.2.13"})});
  auto r = kernel_route(probe, "10.47.40.1/32");
  CHILD_CHECK(r && gateways(r->next_hops) == ips({"192.0.2.11", "192.0.2.12", "192.0.2.13"}),
              "kernel route with three next hops");
  if (r)
    for (const auto& h : r->next_hops) CHILD_CHECK(h.ifindex == d0, "next hop resolved over d0");
  CHILD_CHECK(sh("ip route show 10.47.40.1 | grep -q 'proto 200\\|proto vipd'"),
              "ip route shows our protocol");
  // Kept in a variable: a range-for over a member of the returned map would outlive the map.
  const auto kernel_routes = fib.kernel_routes();
  for (const auto& h : kernel_routes.at(*Prefix::parse("10.47.40.1/32")))
    CHILD_CHECK(h.ifindex == d0, "kernel_routes() learns d0");

  apply(fib, {route("10.47.40.1/32", {"192.0.2.11", "192.0.2.13"})});
  r = kernel_route(probe, "10.47.40.1/32");
  CHILD_CHECK(r && gateways(r->next_hops) == ips({"192.0.2.11", "192.0.2.13"}),
              "replaced by two next hops");
  apply(fib, {route("10.47.40.1/32", {"192.0.2.12"})});
  r = kernel_route(probe, "10.47.40.1/32");
  CHILD_CHECK(r && gateways(r->next_hops) == ips({"192.0.2.12"}), "replaced by one next hop");
  apply(fib, {withdrawn("10.47.40.1/32")});
  CHILD_CHECK(!kernel_route(probe, "10.47.40.1/32"), "deleted");

  // IPv6 multipath.
  apply(fib, {route("2001:db8:47::1/128", {"2001:db8:12::11", "2001:db8:12::12"})});
  r = kernel_route(probe, "2001:db8:47::1/128");
  CHILD_CHECK(r && gateways(r->next_hops) == ips({"2001:db8:12::11", "2001:db8:12::12"}),
              "IPv6 route with two next hops");
  apply(fib, {route("2001:db8:47::1/128", {"2001:db8:12::12"})});
  r = kernel_route(probe, "2001:db8:47::1/128");
  CHILD_CHECK(r && gateways(r->next_hops) == ips({"2001:db8:12::12"}),
              "IPv6 replaced by one next hop");

  // A next hop the kernel cannot reach fails that route only.
  apply(fib, {route("10.47.40.2/32", {"198.51.100.1"}), route("10.47.40.3/32", {"192.0.2.11"})});
  CHILD_CHECK(fib.failures() == 1, "one failure");
  CHILD_CHECK(!fib.routes().at(*Prefix::parse("10.47.40.2/32")).installed, "unreachable marked");
  CHILD_CHECK(fib.routes().at(*Prefix::parse("10.47.40.2/32")).error.find("unreachable") !=
                  std::string::npos,
              "error text: " + fib.routes().at(*Prefix::parse("10.47.40.2/32")).error);
  CHILD_CHECK(kernel_route(probe, "10.47.40.3/32").has_value(), "the other route installed");

  // Clean shutdown.
  fib.remove_all();
  CHILD_CHECK(kernel_count(probe, AF_INET) == 0 && kernel_count(probe, AF_INET6) == 0,
              "remove_all() leaves no route of ours");
  CHILD_CHECK(sh("ip route show 10.98.0.0/16 | grep -q 192.0.2.60"), "static route kept");

  // Throughput: 100,000 /32s over two next hops in one apply(), then their removal.
  constexpr int kRoutes = 100000;
  std::vector<Route> bulk, gone;
  const std::vector<NextHop> two = route("10.0.0.0/32", {"192.0.2.11", "192.0.2.12"}).next_hops;
  for (int i = 0; i < kRoutes; ++i) {
    Prefix p(IpAddress::v4(0x0a000000u + static_cast<std::uint32_t>(i)), 32);
    bulk.push_back({p, Source::kBgp, distance::kEbgp, two});
    gone.push_back({p, Source::kBgp, distance::kEbgp, {}});
  }
  std::size_t batches = fib.socket().batches_sent();
  auto t0 = std::chrono::steady_clock::now();
  fib.apply(bulk);
  auto t1 = std::chrono::steady_clock::now();
  std::size_t installed = kernel_count(probe, AF_INET);
  auto t2 = std::chrono::steady_clock::now();
  fib.apply(gone);
  auto t3 = std::chrono::steady_clock::now();
  CHILD_CHECK(installed == kRoutes, "100k routes installed: " + std::to_string(installed));
  CHILD_CHECK(fib.failures() == 1, "no failure in the bulk");
  CHILD_CHECK(kernel_count(probe, AF_INET) == 0, "100k routes deleted");
  auto secs = [](auto d) { return std::chrono::duration<double>(d).count(); };
  char line[256];
  std::snprintf(line, sizeof line,
                "%d routes x 2 next hops: install %.3f s (%.0f routes/s, %zu sendmsg), "
                "delete %.3f s (%.0f routes/s); dump of %d %.3f s\n",
                kRoutes, secs(t1 - t0), kRoutes / secs(t1 - t0),
                fib.socket().batches_sent() - batches, secs(t3 - t2), kRoutes / secs(t3 - t2),
                kRoutes, secs(t2 - t1));
  report.notes += line;
}

TEST(NetlinkFibKernel, InstallsReplacesDeletesAndRemovesStaleRoutesInANamespace) {
  netlink::test::run_in_namespace(scenario);
}

// Runs the loop (the monitor's events) until `done` holds, for at most three seconds.
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

// The gateways of our kernel route to `prefix`, in the kernel's order; empty if there is none.
std::vector<IpAddress> kernel_gateways(RouteSocket& s, const char* prefix) {
  auto r = kernel_route(s, prefix);
  return r ? gateways(r->next_hops) : std::vector<IpAddress>{};
}

// Link tracking with the real kernel and monitor: three links a0, b0, c0 (veth pairs), a route
// over all three. Admin down and carrier loss take a link's next hops out, up brings them back;
// IPv6 ones only with their address, which the kernel flushed (keep_addr_on_down 0).
void link_scenario(Report& report) {
  CHILD_CHECK(sh("ip link set lo up && sysctl -qw net.ipv6.conf.all.keep_addr_on_down=0 && "
                 "for l in a b c z; do ip link add ${l}0 type veth peer name ${l}1 && "
                 "ip link set ${l}1 up && ip link set ${l}0 up; done && "
                 "ip addr add 192.0.2.1/24 dev a0 && ip addr add 198.51.100.1/24 dev b0 && "
                 "ip addr add 203.0.113.1/24 dev c0 && ip addr add 10.9.0.1/24 dev z0 && "
                 "ip -6 addr add 2001:db8:a::1/64 dev a0 nodad && "
                 "ip -6 addr add 2001:db8:b::1/64 dev b0 nodad"),
              "three veth links with addresses");
  RouteSocket probe;
  CHILD_CHECK(probe.open().ok(), "probe socket");
  asio::io_context io;
  KernelInterfaceView interfaces(io);
  auto started = interfaces.start();
  CHILD_CHECK(started.ok(), "interface view: " + (started ? std::string() : started.error()));
  NetlinkFib fib;
  CHILD_CHECK(fib.open().ok(), "open");
  auto tracked = fib.track_interfaces(interfaces.view());
  CHILD_CHECK(tracked.ok(), "track_interfaces: " + (tracked ? std::string() : tracked.error()));
  CHILD_CHECK(netlink::test::route_monitor_sockets() == 1,
              "the FIB uses the view's monitor socket");
  CHILD_CHECK(fib.tracks_interfaces() && fib.connected().network_count() >= 6,
              "links and addresses read");
  // The links are usable once their carrier is reported (the monitor says so).
  CHILD_CHECK(run_until(io, [&] { return fib.resolved(*IpAddress::parse("203.0.113.2")); }),
              "c0 usable");

  const auto all3 = ips({"192.0.2.2", "198.51.100.2", "203.0.113.2"});
  const auto both6 = ips({"2001:db8:a::2", "2001:db8:b::2"});
  apply(fib, {route("10.47.40.1/32", {"192.0.2.2", "198.51.100.2", "203.0.113.2"}),
              route("10.47.40.2/32", {"192.0.2.2"}),
              route("2001:db8:47::1/128", {"2001:db8:a::2", "2001:db8:b::2"})});
  CHILD_CHECK(kernel_gateways(probe, "10.47.40.1/32") == all3, "three next hops");
  CHILD_CHECK(kernel_gateways(probe, "2001:db8:47::1/128") == both6, "two IPv6 next hops");

  // Admin down: the kernel marks a0's next hop dead (and deletes 10.47.40.2 itself); vipd
  // rewrites the route without it.
  CHILD_CHECK(sh("ip link set a0 down"), "a0 down");
  CHILD_CHECK(run_until(io,
                        [&] {
                          return kernel_gateways(probe, "10.47.40.1/32") ==
                                     ips({"198.51.100.2", "203.0.113.2"}) &&
                                 kernel_gateways(probe, "2001:db8:47::1/128") ==
                                     ips({"2001:db8:b::2"});
                        }),
              "a0 down: its next hops leave both routes");
  CHILD_CHECK(sh("! ip route show 10.47.40.1 | grep -q dead"), "no dead next hop left");
  CHILD_CHECK(!kernel_route(probe, "10.47.40.2/32"), "the route over a0 alone is gone");
  CHILD_CHECK(fib.routes().contains(*Prefix::parse("10.47.40.2/32")), "and still known");
  CHILD_CHECK(fib.failures() == 0, "no failures");

  // Up: IPv4 comes back at once; IPv6 when its address does.
  CHILD_CHECK(sh("ip link set a0 up"), "a0 up");
  CHILD_CHECK(run_until(io,
                        [&] {
                          return kernel_gateways(probe, "10.47.40.1/32") == all3 &&
                                 kernel_gateways(probe, "10.47.40.2/32") == ips({"192.0.2.2"});
                        }),
              "a0 up: both IPv4 routes complete again");
  CHILD_CHECK(kernel_gateways(probe, "2001:db8:47::1/128") == ips({"2001:db8:b::2"}),
              "IPv6 address flushed: its next hop stays out");
  CHILD_CHECK(sh("ip -6 addr add 2001:db8:a::1/64 dev a0 nodad"), "IPv6 address again");
  CHILD_CHECK(run_until(io, [&] { return kernel_gateways(probe, "2001:db8:47::1/128") == both6; }),
              "IPv6 next hop back with its address");

  // Carrier loss (the far end goes down): the kernel keeps the next hop, flagged linkdown;
  // vipd takes it out.
  CHILD_CHECK(sh("ip link set b1 down"), "b1 down");
  CHILD_CHECK(run_until(io,
                        [&] {
                          return kernel_gateways(probe, "10.47.40.1/32") ==
                                     ips({"192.0.2.2", "203.0.113.2"}) &&
                                 kernel_gateways(probe, "2001:db8:47::1/128") ==
                                     ips({"2001:db8:a::2"});
                        }),
              "b0 without carrier: its next hops leave");
  CHILD_CHECK(sh("ip link set b1 up"), "b1 up");
  CHILD_CHECK(run_until(io,
                        [&] {
                          return kernel_gateways(probe, "10.47.40.1/32") == all3 &&
                                 kernel_gateways(probe, "2001:db8:47::1/128") == both6;
                        }),
              "carrier back: every next hop back");

  // Unrelated links: nothing is written.
  std::size_t writes = fib.installs() + fib.deletes();
  CHILD_CHECK(sh("ip link set z0 down && ip link set z0 up && ip link add y0 type veth peer name "
                 "y1 && ip link del y0"),
              "unrelated link changes");
  run_until(io, [] { return false; });
  CHILD_CHECK(fib.installs() + fib.deletes() == writes, "unrelated links write nothing");

  fib.remove_all();
  CHILD_CHECK(kernel_count(probe, AF_INET) == 0 && kernel_count(probe, AF_INET6) == 0,
              "remove_all() leaves nothing");
}

TEST(NetlinkFibKernel, LinkDownAndUpRewriteTheRoutesInANamespace) {
  netlink::test::run_in_namespace(link_scenario);
}

}  // namespace
}  // namespace vipd::fib
