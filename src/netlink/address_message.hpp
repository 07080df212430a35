// rtnetlink interface address messages (rtnetlink(7) RTM_NEWADDR/RTM_DELADDR/RTM_GETADDR, struct
// ifaddrmsg + IFA_* attributes), built and parsed without a socket (DESIGN principle 1). Used
// for VRRP virtual IPs: add one on becoming master, delete it on leaving, and notice when
// someone else removes it.
#pragma once

#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/ip.hpp"

namespace vipd::netlink {

// ifa_cacheinfo lifetimes in seconds; kForever (INFINITY_LIFE_TIME) is a permanent address.
struct AddressLifetime {
  static constexpr std::uint32_t kForever = 0xffffffffu;
  std::uint32_t preferred = kForever;
  std::uint32_t valid = kForever;
  bool operator==(const AddressLifetime&) const = default;
};

struct InterfaceAddress {
  int ifindex = 0;
  IpAddress address;  // IFA_LOCAL (the interface's own address)
  std::uint8_t prefix_length = 0;
  // IPv4 only: IFA_LABEL, "eth0:1" style (ifconfig aliases, keepalived's `label`), at most 15
  // characters. The kernel keeps any label; by convention (iproute2 insists on it) it starts
  // with the interface name. Empty: the kernel uses the interface name.
  std::string label;
  std::optional<IpAddress> broadcast;  // IPv4 only: IFA_BROADCAST
  std::optional<IpAddress> peer;       // point-to-point: IFA_ADDRESS when not the local address
  // RT_SCOPE_UNIVERSE (global), RT_SCOPE_SITE, RT_SCOPE_LINK, RT_SCOPE_HOST. IPv4 only when
  // writing: the kernel derives an IPv6 address's scope from the address.
  std::uint8_t scope = RT_SCOPE_UNIVERSE;
  // IFA_F_*: IFA_F_NODAD (IPv6: usable at once, no duplicate address detection),
  // IFA_F_NOPREFIXROUTE (no connected route for the prefix), IFA_F_SECONDARY (IPv4, read only),
  // IFA_F_TENTATIVE/IFA_F_DADFAILED (IPv6, read only), IFA_F_PERMANENT (read only).
  std::uint32_t flags = 0;
  std::optional<AddressLifetime> lifetime;  // IFA_CACHEINFO; none: permanent

  int family() const;
  bool operator==(const InterfaceAddress&) const = default;
};

// A virtual IP as VRRP installs it: the address with its prefix length on the interface; IPv6
// with IFA_F_NODAD, as keepalived does. A tentative address is unusable until duplicate address
// detection ends (RFC 4862 §5.4, about 1 s), and a new master must answer for its addresses at
// once; and in a split brain DAD would see the other master's copy and leave the address
// "dadfailed", unusable for good. VRRP's own election is what keeps the address unique.
InterfaceAddress virtual_address(int ifindex, const IpAddress& address, std::uint8_t prefix_length,
                                 std::string label = {});

enum class AddressOp : std::uint8_t {
  kAdd,      // RTM_NEWADDR, NLM_F_CREATE|NLM_F_EXCL: EEXIST if the address is there already
  kReplace,  // RTM_NEWADDR, NLM_F_CREATE|NLM_F_REPLACE: add, or update flags/lifetime/label
  kDelete,   // RTM_DELADDR: EADDRNOTAVAIL if the interface has no such address
};

// Builds one message into `buffer` and returns its length, or 0 if it does not fit. The address
// goes as IFA_LOCAL and, as iproute2 sends it, IFA_ADDRESS (the peer if one is given, else the
// address again); a delete thus removes only the address with this prefix length (and label,
// if one is given), not another prefix length of the same address.
std::size_t build_address_message(std::span<std::byte> buffer, AddressOp op,
                                  const InterfaceAddress& address, std::uint32_t seq = 0,
                                  std::uint16_t flags = NLM_F_REQUEST);
std::vector<std::byte> build_address_message(AddressOp op, const InterfaceAddress& address,
                                             std::uint32_t seq = 0,
                                             std::uint16_t flags = NLM_F_REQUEST);

// An RTM_GETADDR dump request for the addresses of `family` (AF_UNSPEC: both) on `ifindex`
// (0: every interface). With NETLINK_GET_STRICT_CHK the kernel filters by interface itself.
std::size_t build_address_dump_request(std::span<std::byte> buffer, int family, int ifindex);

// The address of an RTM_NEWADDR or RTM_DELADDR message (a dump entry or a notification):
// nullopt for other message types, other families than IPv4/IPv6, or malformed attributes.
std::optional<InterfaceAddress> parse_address_message(const nlmsghdr* message);

}  // namespace vipd::netlink
