// Addresses and links against the real kernel, each scenario in a network namespace of its own
// (namespace_test_util.hpp): nothing is configured in the host's namespace.
#include <gtest/gtest.h>
#include <net/if.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <memory>
#include <string>

#include "namespace_test_util.hpp"
#include "netlink/addresses.hpp"
#include "netlink/links.hpp"

#include "netlink_test_util.hpp"

namespace vipd::netlink {
namespace {

using namespace test;

using test::Report;
using test::sh;

// Output of a shell command (for checking what iproute2 sees).
std::string output_of(const std::string& command) {
  std::string out;
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen((command + " 2>&1").c_str(), "r"), pclose);
  if (!pipe) return out;
  std::array<char, 512> buffer;
  while (fgets(buffer.data(), buffer.size(), pipe.get())) out += buffer.data();
  return out;
}

// The value, or `fallback` when the call failed.
template <typename T, typename U>
T value_or(const Result<T, Error>& result, U fallback) {
  return result ? *result : T(fallback);
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

const InterfaceAddress* find(const std::vector<InterfaceAddress>& all, const IpAddress& a) {
  auto it = std::find_if(all.begin(), all.end(),
                         [&](const InterfaceAddress& x) { return x.address == a; });
  return it == all.end() ? nullptr : &*it;
}

void ipv4_scenario(Report& report) {
  int d0 = test::veth_pair_up(report);
  Socket s;
  CHILD_CHECK(s.open().ok(), "socket");

  InterfaceAddress vip = virtual_address(d0, ip("192.0.2.10"), 24, "d0:vip");
  vip.broadcast = ip("192.0.2.255");
  auto added = add_address(s, vip);
  CHILD_CHECK(added.ok(), "add 192.0.2.10/24: " + (added ? "" : added.error().text()));
  std::string shown = output_of("ip -4 addr show dev d0");
  CHILD_CHECK(contains(shown, "inet 192.0.2.10/24 brd 192.0.2.255 scope global d0:vip"),
              "ip addr shows the VIP with label and broadcast: " + shown);

  auto again = add_address(s, vip);
  CHILD_CHECK(!again && again.error().already_exists() && again.error().code == EEXIST,
              "a second add is EEXIST");

  // A /32 of another address: a secondary-less second primary.
  InterfaceAddress host = virtual_address(d0, ip("198.51.100.7"), 32);
  CHILD_CHECK(add_address(s, host).ok(), "add 198.51.100.7/32");

  auto listed = list_addresses(s, d0, AF_INET);
  CHILD_CHECK(listed && listed->size() == 2, "two IPv4 addresses on d0");
  if (listed) {
    const InterfaceAddress* got = find(*listed, vip.address);
    CHILD_CHECK(got && got->prefix_length == 24 && got->label == "d0:vip" &&
                    got->broadcast == vip.broadcast && got->ifindex == d0 &&
                    got->scope == RT_SCOPE_UNIVERSE && (got->flags & IFA_F_PERMANENT),
                "the VIP as listed");
    const InterfaceAddress* other = find(*listed, host.address);
    CHILD_CHECK(other && other->label == "d0" && other->prefix_length == 32,
                "without a label the kernel uses the interface name");
  }
  auto everywhere = list_addresses(s);
  CHILD_CHECK(everywhere && find(*everywhere, ip("127.0.0.1")) && find(*everywhere, vip.address),
              "a dump of every interface has lo's and d0's addresses");

  CHILD_CHECK(value_or(address_exists(s, d0, vip.address), false), "exists");
  CHILD_CHECK(value_or(address_exists(s, d0, vip.address, 24), false), "exists as /24");
  CHILD_CHECK(!value_or(address_exists(s, d0, vip.address, 32), true), "not as /32");
  CHILD_CHECK(!value_or(address_exists(s, 1, vip.address), true), "not on lo");

  // A delete with another prefix length deletes nothing.
  InterfaceAddress wrong = vip;
  wrong.prefix_length = 32;
  auto mismatched = delete_address(s, wrong);
  CHILD_CHECK(!mismatched && mismatched.error().code == EADDRNOTAVAIL,
              "delete /32 of a /24 is EADDRNOTAVAIL");
  CHILD_CHECK(value_or(address_exists(s, d0, vip.address), false), "still there");

  CHILD_CHECK(delete_address(s, vip).ok(), "delete");
  CHILD_CHECK(!value_or(address_exists(s, d0, vip.address), true), "gone");
  auto absent = delete_address(s, vip);
  CHILD_CHECK(!absent && absent.error().not_found() && absent.error().code == EADDRNOTAVAIL,
              "deleting it again is EADDRNOTAVAIL");

  auto no_device = add_address(s, virtual_address(9999, ip("192.0.2.99"), 24));
  CHILD_CHECK(!no_device && no_device.error().code == ENODEV && no_device.error().not_found(),
              "an unknown interface is ENODEV");
  auto listed_none = list_addresses(s, 9999);
  CHILD_CHECK(!listed_none && listed_none.error().code == ENODEV,
              "listing an unknown interface is ENODEV (strict dump checking, kernel 5.x+)");

  // The kernel keeps any label (iproute2 alone insists on the interface name as its prefix),
  // but not one longer than an interface name (IFNAMSIZ - 1).
  auto other_label = add_address(s, virtual_address(d0, ip("192.0.2.11"), 24, "eth9:x"));
  auto labelled = list_addresses(s, d0, AF_INET);
  const InterfaceAddress* l = labelled ? find(*labelled, ip("192.0.2.11")) : nullptr;
  CHILD_CHECK(other_label.ok() && l && l->label == "eth9:x", "another interface's label is kept");
  auto long_label = add_address(s, virtual_address(d0, ip("192.0.2.12"), 24, "d0:0123456789abc"));
  CHILD_CHECK(!long_label && long_label.error().from_kernel && long_label.error().code == ERANGE,
              std::string("a 16-character label is refused: ") +
                  (long_label ? "accepted" : long_label.error().text()));

  // Replace: the same address with a preferred lifetime of 0 (deprecated: not chosen as a
  // source address) and a finite valid lifetime.
  InterfaceAddress deprecated = host;
  deprecated.lifetime = AddressLifetime{0, 3600};
  CHILD_CHECK(replace_address(s, deprecated).ok(), "replace");
  auto replaced = list_addresses(s, d0, AF_INET);
  const InterfaceAddress* r = replaced ? find(*replaced, host.address) : nullptr;
  CHILD_CHECK(r && r->lifetime && r->lifetime->preferred == 0 && r->lifetime->valid <= 3600 &&
                  r->lifetime->valid > 3500,
              "replaced lifetimes read back");
  CHILD_CHECK(contains(output_of("ip -4 addr show dev d0"), "deprecated"),
              "ip addr shows it deprecated");
}

void ipv6_scenario(Report& report) {
  int d0 = test::veth_pair_up(report);
  Socket s;
  CHILD_CHECK(s.open().ok(), "socket");

  InterfaceAddress vip = virtual_address(d0, ip("2001:db8::10"), 64);
  auto added = add_address(s, vip);
  CHILD_CHECK(added.ok(), "add 2001:db8::10/64 nodad: " + (added ? "" : added.error().text()));
  // With IFA_F_NODAD the address is usable at once: never tentative.
  auto listed = list_addresses(s, d0, AF_INET6);
  const InterfaceAddress* got = listed ? find(*listed, vip.address) : nullptr;
  CHILD_CHECK(got && got->prefix_length == 64 && (got->flags & IFA_F_NODAD) &&
                  !(got->flags & IFA_F_TENTATIVE) && got->label.empty(),
              "listed NODAD and not tentative");
  std::string shown = output_of("ip -6 addr show dev d0 to 2001:db8::10/128");
  CHILD_CHECK(contains(shown, "2001:db8::10/64") && !contains(shown, "tentative"),
              "ip addr shows it, not tentative: " + shown);
  // Control: without NODAD, the kernel starts duplicate address detection.
  InterfaceAddress with_dad = vip;
  with_dad.address = ip("2001:db8::11");
  with_dad.flags = 0;
  CHILD_CHECK(add_address(s, with_dad).ok(), "add 2001:db8::11/64 with DAD");
  auto after = list_addresses(s, d0, AF_INET6);
  const InterfaceAddress* tentative = after ? find(*after, with_dad.address) : nullptr;
  CHILD_CHECK(tentative && (tentative->flags & IFA_F_TENTATIVE),
              "without NODAD the address starts tentative");

  auto again = add_address(s, vip);
  CHILD_CHECK(!again && again.error().already_exists(), "a second add is EEXIST");
  CHILD_CHECK(value_or(address_exists(s, d0, vip.address, 64), false), "exists");
  CHILD_CHECK(delete_address(s, vip).ok(), "delete");
  CHILD_CHECK(!value_or(address_exists(s, d0, vip.address), true), "gone");
  auto absent = delete_address(s, vip);
  CHILD_CHECK(!absent && absent.error().code == EADDRNOTAVAIL, "deleting again: EADDRNOTAVAIL");

  // A batch: three adds, one of them a duplicate; then all deleted plus one that is absent.
  std::vector<AddressRequest> batch{
      {AddressOp::kAdd, virtual_address(d0, ip("2001:db8:1::1"), 128)},
      {AddressOp::kAdd, virtual_address(d0, ip("2001:db8::11"), 64)},
      {AddressOp::kAdd, virtual_address(d0, ip("192.0.2.20"), 32, "d0:1")},
  };
  auto failures = send_addresses(s, batch);
  CHILD_CHECK(failures && failures->size() == 1 && (*failures)[0].index == 1 &&
                  (*failures)[0].error == EEXIST,
              "the duplicate in a batch fails alone, with its index");
  CHILD_CHECK(value_or(address_exists(s, d0, ip("2001:db8:1::1")), false) &&
                  value_or(address_exists(s, d0, ip("192.0.2.20")), false),
              "the others are added");
  for (auto& r : batch) r.op = AddressOp::kDelete;
  batch.push_back({AddressOp::kDelete, virtual_address(d0, ip("2001:db8:9::9"), 64)});
  failures = send_addresses(s, batch);
  CHILD_CHECK(failures && failures->size() == 1 && (*failures)[0].index == 3 &&
                  (*failures)[0].error == EADDRNOTAVAIL,
              "deleting the absent one fails alone");
  auto left = list_addresses(s, d0);
  CHILD_CHECK(left && !find(*left, ip("2001:db8:1::1")) && !find(*left, ip("192.0.2.20")),
              "the batch deleted them");
}

void link_scenario(Report& report) {
  int d0 = test::veth_pair_up(report);
  Socket s;
  CHILD_CHECK(s.open().ok(), "socket");

  CHILD_CHECK(value_or(link_index(s, "d0"), -1) == d0, "link_index(d0)");
  CHILD_CHECK(value_or(link_name(s, d0), "") == "d0", "link_name");
  auto unknown = link_index(s, "nosuch0");
  CHILD_CHECK(!unknown && unknown.error().code == ENODEV && unknown.error().not_found(),
              "an unknown name is ENODEV");
  auto unknown_index = get_link(s, 9999);
  CHILD_CHECK(!unknown_index && unknown_index.error().code == ENODEV, "an unknown index: ENODEV");

  auto link = get_link(s, d0);
  CHILD_CHECK(link && link->name == "d0" && link->mtu == 1500 && link->kind == "veth" &&
                  link->admin_up() && link->carrier() && link->usable() &&
                  link->oper_state == OperState::kUp && link->type == 1,
              "d0's state");
  if (link)
    CHILD_CHECK(
        contains(output_of("ip link show d0"), "link/ether " + format_link_address(link->address)),
        "d0's MAC is the one ip link shows: " + format_link_address(link->address));
  auto all = list_links(s);
  CHILD_CHECK(all && all->size() == 3, "three links: lo, d0, d1");

  CHILD_CHECK(set_link_up(s, d0, false).ok(), "set d0 down");
  link = get_link(s, d0);
  CHILD_CHECK(link && !link->admin_up() && !link->usable(), "d0 is down");
  CHILD_CHECK(contains(output_of("ip link show d0"), "state DOWN"), "ip link: state DOWN");
  CHILD_CHECK(set_link_up(s, d0, true).ok(), "set d0 up");
  link = get_link(s, d0);
  CHILD_CHECK(link && link->admin_up(), "d0 is up again");
  auto no_device = set_link_up(s, 9999, true);
  CHILD_CHECK(!no_device && no_device.error().code == ENODEV, "set up an unknown index: ENODEV");

  // keepalived's use_vmac for VRID 5, IPv4.
  auto vmac = create_macvlan(s, keepalived_vmac(d0, 5, Family::kIpv4));
  CHILD_CHECK(vmac.ok(), "create vrrp.5: " + (vmac ? "" : vmac.error().text()));
  if (vmac) {
    CHILD_CHECK(vmac->name == "vrrp.5" &&
                    format_link_address(vmac->address) == "00:00:5e:00:01:05" &&
                    vmac->kind == "macvlan" && vmac->macvlan_mode == MacvlanMode::kPrivate &&
                    vmac->parent_ifindex == d0 && !vmac->admin_up(),
                "vrrp.5 as created");
    std::string shown = output_of("ip -d link show vrrp.5");
    CHILD_CHECK(contains(shown, "vrrp.5@d0") && contains(shown, "00:00:5e:00:01:05") &&
                    contains(shown, "macvlan mode private"),
                "ip -d link show vrrp.5: " + shown);
    CHILD_CHECK(set_link_up(s, vmac->ifindex, true).ok(), "vrrp.5 up");
    auto up = get_link(s, vmac->ifindex);
    CHILD_CHECK(up && up->usable(), "vrrp.5 usable on a parent with carrier");
  }
  auto duplicate = create_macvlan(s, keepalived_vmac(d0, 5, Family::kIpv4));
  CHILD_CHECK(!duplicate && duplicate.error().already_exists(), "vrrp.5 again: EEXIST");
  auto orphan = create_macvlan(s, keepalived_vmac(9999, 6, Family::kIpv4));
  CHILD_CHECK(!orphan && orphan.error().from_kernel, "a macvlan on an unknown parent is refused");

  // IPv6, same VRID: keepalived's second name; no link-local address from the shared MAC.
  MacvlanSpec v6 = keepalived_vmac(d0, 5, Family::kIpv6);
  v6.name = keepalived_vmac_name(5, Family::kIpv6, 1);
  auto vmac6 = create_macvlan(s, v6);
  CHILD_CHECK(vmac6 && vmac6->name == "vrrp6.5" &&
                  format_link_address(vmac6->address) == "00:00:5e:00:02:05",
              "vrrp6.5 created");
  if (vmac6 && vmac) {
    CHILD_CHECK(set_ipv6_addr_gen_mode(s, vmac6->ifindex, IN6_ADDR_GEN_MODE_NONE).ok(),
                "addr_gen_mode none");
    CHILD_CHECK(set_link_up(s, vmac6->ifindex, true).ok(), "vrrp6.5 up");
    auto none = list_addresses(s, vmac6->ifindex, AF_INET6);
    CHILD_CHECK(none && none->empty(), "no link-local address on vrrp6.5");
    // Control: vrrp.5 (default eui64 mode, up) derived one from its MAC.
    auto derived = list_addresses(s, vmac->ifindex, AF_INET6);
    CHILD_CHECK(
        derived && derived->size() == 1 && (*derived)[0].address == ip("fe80::200:5eff:fe00:105"),
        "vrrp.5 has the EUI-64 link-local fe80::200:5eff:fe00:105");
  }

  if (vmac) {
    CHILD_CHECK(delete_link(s, vmac->ifindex).ok(), "delete vrrp.5");
    auto gone = get_link(s, "vrrp.5");
    CHILD_CHECK(!gone && gone.error().code == ENODEV, "vrrp.5 is gone");
    auto again = delete_link(s, vmac->ifindex);
    CHILD_CHECK(!again && again.error().code == ENODEV && again.error().not_found(),
                "deleting it again: ENODEV");
  }
}

TEST(NetlinkAddressKernel, Ipv4AddListExistsDeleteWithLabelBroadcastAndErrors) {
  test::run_in_namespace(ipv4_scenario);
}

TEST(NetlinkAddressKernel, Ipv6NodadAddDeleteAndBatches) {
  test::run_in_namespace(ipv6_scenario);
}

TEST(NetlinkLinkKernel, LookupUpDownAndKeepalivedMacvlans) {
  test::run_in_namespace(link_scenario);
}

}  // namespace
}  // namespace vipd::netlink
