// rtnetlink link messages (rtnetlink(7) RTM_NEWLINK/RTM_DELLINK/RTM_GETLINK, struct ifinfomsg +
// IFLA_* attributes), built and parsed without a socket (DESIGN principle 1): interface lookup
// and state, admin up/down, and the macvlan interfaces of keepalived's `use_vmac`.
#pragma once

#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>  // IFF_UP, IFF_RUNNING (<linux/if.h> clashes with it when included after)

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/ip.hpp"

namespace vipd::netlink {

using MacAddress = std::array<std::uint8_t, 6>;

// "00:00:5e:00:01:05" for any link-layer address (lower case, colon separated; "" if empty).
std::string format_link_address(std::span<const std::uint8_t> address);
// Six colon-separated hex octets, else nullopt.
std::optional<MacAddress> parse_mac_address(std::string_view text);

// IFF_LOWER_UP of <linux/if.h> (glibc's <net/if.h> stops at IFF_DYNAMIC).
inline constexpr std::uint32_t kLinkLowerUp = 1u << 16;

// RFC 2863 ifOperStatus as the kernel reports it in IFLA_OPERSTATE: IF_OPER_* of <linux/if.h>.
enum class OperState : std::uint8_t {
  kUnknown = 0,
  kNotPresent = 1,
  kDown = 2,
  kLowerLayerDown = 3,
  kTesting = 4,
  kDormant = 5,
  kUp = 6,
};
// "UP", "DOWN", "LOWERLAYERDOWN", ... as `ip link` prints them.
std::string_view to_string(OperState state);

enum class MacvlanMode : std::uint32_t {
  kPrivate = MACVLAN_MODE_PRIVATE,
  kVepa = MACVLAN_MODE_VEPA,
  kBridge = MACVLAN_MODE_BRIDGE,
  kPassthru = MACVLAN_MODE_PASSTHRU,
  kSource = MACVLAN_MODE_SOURCE,
};

struct Link {
  int ifindex = 0;
  std::string name;                            // IFLA_IFNAME
  std::vector<std::uint8_t> address;           // IFLA_ADDRESS: the MAC of an Ethernet-like link
  std::uint32_t mtu = 0;                       // IFLA_MTU
  std::uint32_t flags = 0;                     // ifi_flags: IFF_UP, IFF_RUNNING, IFF_LOWER_UP, ...
  std::uint16_t type = 0;                      // ifi_type: ARPHRD_ETHER, ARPHRD_LOOPBACK, ...
  OperState oper_state = OperState::kUnknown;  // IFLA_OPERSTATE
  std::string kind;        // IFLA_LINKINFO/IFLA_INFO_KIND: "macvlan", "veth", ""; physical: ""
  int parent_ifindex = 0;  // IFLA_LINK: the lower device of a macvlan or VLAN, a veth's peer
  int master_ifindex = 0;  // IFLA_MASTER: the bridge or bond this link is enslaved to
  std::optional<MacvlanMode> macvlan_mode;  // IFLA_INFO_DATA/IFLA_MACVLAN_MODE

  // Administratively up (`ip link set up`).
  bool admin_up() const { return (flags & IFF_UP) != 0; }
  // The driver reports a carrier (IFF_LOWER_UP; `ip link` prints LOWER_UP / NO-CARRIER).
  bool carrier() const { return (flags & kLinkLowerUp) != 0; }
  // Up and operational (IFF_RUNNING: admin up and RFC 2863 operstate UP, or UNKNOWN for drivers
  // that do not report one, like lo): the link can carry traffic. What VRRP and the FIB track.
  bool usable() const { return admin_up() && (flags & IFF_RUNNING) != 0; }
  bool operator==(const Link&) const = default;
};

// A macvlan link to create.
struct MacvlanSpec {
  std::string name;
  int parent_ifindex = 0;
  MacAddress mac{};
  MacvlanMode mode = MacvlanMode::kPrivate;
};

// keepalived's use_vmac interface for a VRRP instance: macvlan `vrrp.<VRID>` on the instance's
// interface, mode private, with the virtual router MAC of RFC 5798 §7.3, 00-00-5E-00-01-{VRID}
// (IPv4) or 00-00-5E-00-02-{VRID} (IPv6). Private mode because in VEPA and bridge mode the
// macvlan drops received frames whose source MAC is its own, and the adverts of the other
// routers of the virtual router carry exactly that MAC (keepalived issue #1209).
MacvlanSpec keepalived_vmac(int parent_ifindex, std::uint8_t vrid, Family family);
// The name keepalived tries at `attempt` when the earlier ones are taken: vrrp.<VRID> first, then
// for IPv4 vrrp1.<VRID>, vrrp2.<VRID>, ...; for IPv6 vrrp6.<VRID>, then vrrp1., ... skipping 6.
std::string keepalived_vmac_name(std::uint8_t vrid, Family family, unsigned attempt = 0);

// Requests; each returns the message length, or 0 if it does not fit in `buffer`.
// RTM_GETLINK for one link by index, or by name (the kernel answers ENODEV if there is none).
// Statistics are left out of the answer (RTEXT_FILTER_SKIP_STATS).
std::size_t build_link_get_request(std::span<std::byte> buffer, int ifindex);
std::size_t build_link_get_request(std::span<std::byte> buffer, std::string_view name);
// RTM_GETLINK dump of every link.
std::size_t build_link_dump_request(std::span<std::byte> buffer);
// RTM_NEWLINK changing only IFF_UP (ifi_change = IFF_UP): `ip link set dev X up|down`.
std::size_t build_link_set_up(std::span<std::byte> buffer, int ifindex, bool up);
// RTM_NEWLINK with NLM_F_CREATE|NLM_F_EXCL (EEXIST if the name is taken): IFLA_IFNAME,
// IFLA_LINK (parent), IFLA_ADDRESS (MAC), IFLA_LINKINFO { IFLA_INFO_KIND "macvlan",
// IFLA_INFO_DATA { IFLA_MACVLAN_MODE } }. The link is created down.
std::size_t build_macvlan_create(std::span<std::byte> buffer, const MacvlanSpec& spec);
// RTM_DELLINK by index (ENODEV if there is none).
std::size_t build_link_delete(std::span<std::byte> buffer, int ifindex);
// RTM_NEWLINK with IFLA_AF_SPEC { AF_INET6 { IFLA_INET6_ADDR_GEN_MODE } }. keepalived sets
// IN6_ADDR_GEN_MODE_NONE on an IPv6 VMAC before bringing it up, so the kernel does not derive a
// link-local address from the shared virtual MAC (every router of the group would get the same).
std::size_t build_link_set_addr_gen_mode(std::span<std::byte> buffer, int ifindex,
                                         std::uint8_t mode);

// The link of an RTM_NEWLINK or RTM_DELLINK message (a dump entry, a GETLINK answer or a
// notification): nullopt for other message types, other families than AF_UNSPEC (the bridge
// port messages of AF_BRIDGE) or malformed attributes.
std::optional<Link> parse_link_message(const nlmsghdr* message);

}  // namespace vipd::netlink
