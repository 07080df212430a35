// What a VRRP instance needs from the kernel, as one small interface: interfaces and their
// addresses, sending adverts and link-layer frames, adding and removing VIPs, and the macvlan of
// `use_vmac`. kernel_network.hpp implements it with raw sockets and rtnetlink on the daemon's
// io_context; unit tests use a recording fake, so the instance logic runs without privileges.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/bytes.hpp"
#include "common/ip.hpp"
#include "common/result.hpp"
#include "l2/wire/mac.hpp"
#include "netlink/address_message.hpp"
#include "netlink/link_message.hpp"

namespace vipd::vrrp {

struct InterfaceInfo {
  int ifindex = 0;
  std::string name;
  l2::wire::MacAddress mac;
  bool up = false;  // netlink::Link::usable(): admin up and running
  // The primary IPv4 address (the first non-secondary one, as `ip addr` lists it) and the first
  // IPv6 link-local address: the advert source RFC 5798 §5.1.1.1 / §5.1.2.1 asks for.
  std::optional<IpAddress> ipv4;
  std::optional<IpAddress> ipv6_link_local;
};

// A packet read from a VRRP socket. IPv4: the whole IP packet (a raw IPv4 socket delivers the
// header, and wire::receive_ipv4 checks it). IPv6: the VRRP message only, with the addresses and
// hop limit from recvmsg() and its IPV6_PKTINFO / IPV6_HOPLIMIT control messages.
struct ReceivedPacket {
  int ifindex = 0;
  Family family = Family::kIpv4;
  Bytes data;
  IpAddress source;       // IPv6 only (IPv4: in the header)
  IpAddress destination;  // IPv6 only
  std::uint8_t hop_limit = 0;
};

class Network {
 public:
  using Receiver = std::function<void(const ReceivedPacket&)>;
  virtual ~Network() = default;

  // The interface called `name` now; nullopt if there is none.
  virtual std::optional<InterfaceInfo> find_interface(std::string_view name) = 0;

  // Starts receiving VRRP (IP protocol 112) of `family` on `ifindex`, joining `group` there
  // (unset: unicast only). Packets go to the receiver given to set_receiver(). Idempotent.
  virtual Status<std::string> listen(int ifindex, Family family,
                                     const std::optional<IpAddress>& group) = 0;
  virtual void set_receiver(Receiver receiver) = 0;

  // Sends one VRRP message (the IP payload, checksum filled in) from `source` to `destination`
  // out of `ifindex` with TTL / hop limit 255 (RFC 5798 §5.1.1.3) and TOS/traffic class 0xc0.
  virtual Status<std::string> send_advert(int ifindex, const IpAddress& source,
                                          const IpAddress& destination, ByteSpan message) = 0;

  // Sends a whole Ethernet frame (gratuitous ARP, unsolicited NA) out of `ifindex`.
  virtual Status<std::string> send_frame(int ifindex, ByteSpan frame) = 0;

  // VIPs. Adding an address that is there and deleting one that is not succeed.
  virtual Status<std::string> add_address(const netlink::InterfaceAddress& address) = 0;
  virtual Status<std::string> delete_address(const netlink::InterfaceAddress& address) = 0;

  // use_vmac: creates the macvlan (replacing a leftover one of the same name) and brings it up.
  virtual Result<InterfaceInfo, std::string> create_vmac(const netlink::MacvlanSpec& spec) = 0;
  virtual Status<std::string> delete_link(int ifindex) = 0;

  // net.ipv6.conf.NAME.forwarding: an unsolicited NA for a VIP on a forwarding interface
  // carries the Router flag (RFC 4861 §4.4; keepalived's ndisc.c does the same).
  virtual bool ipv6_forwarding(std::string_view /*name*/) { return false; }
};

}  // namespace vipd::vrrp
