// Receives the frames the L2 mode answers (src/l2/wire/answer.hpp) on one interface over one
// AF_PACKET socket (packet(7)): ARP requests (RFC 826) for IPv4, Neighbor Solicitations (RFC 4861
// §4.3) for IPv6. A classic BPF filter (SO_ATTACH_FILTER) in the kernel passes only those, so
// the daemon wakes for nothing else on a busy LAN, and frames this host sends
// (PACKET_OUTGOING) are skipped. Non-blocking and close-on-exec: the caller watches fd() for
// readability (asio::posix::stream_descriptor::async_wait) and then reads with receive() until
// it returns nothing. Needs CAP_NET_RAW; no protocol, like PacketSender.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "common/bytes.hpp"
#include "common/ip.hpp"
#include "common/result.hpp"
#include "l2/wire/mac.hpp"

namespace vipd::l2 {

class PacketReceiver {
 public:
  PacketReceiver() = default;
  ~PacketReceiver() { close(); }
  PacketReceiver(PacketReceiver&& other) noexcept;
  PacketReceiver& operator=(PacketReceiver&& other) noexcept;
  PacketReceiver(const PacketReceiver&) = delete;
  PacketReceiver& operator=(const PacketReceiver&) = delete;

  // Opens the socket on interface `ifindex`: ARP requests for Family::kIpv4, Neighbor
  // Solicitations (IPv6 next header 58 and ICMPv6 type 135, no extension headers) for
  // Family::kIpv6. The filter is in place before the socket is bound, so not one other frame is
  // ever queued. Fails when already open.
  Status<std::string> open(int ifindex, Family family);
  bool is_open() const { return fd_ >= 0; }
  // The descriptor to watch for readability; -1 when closed.
  int fd() const { return fd_; }
  int ifindex() const { return ifindex_; }
  Family family() const { return family_; }

  // IPv6: RFC 4861 §7.2.1 has a node join the solicited-node group of each address it answers
  // for, as that is where address resolution asks (RFC 4291 §2.7.1). Joins its Ethernet group
  // (RFC 2464 §7) on this socket (PACKET_ADD_MEMBERSHIP), so the NIC passes it up, and the IPv6
  // group itself (IPV6_JOIN_GROUP on a socket of its own), so the kernel sends MLD reports and
  // switches that snoop MLD forward the solicitations here. Addresses that share a group are
  // counted: the group is left when the last of them is. Joins both or, on an error, neither.
  Status<std::string> join_solicited_node(const IpAddress& address);
  Status<std::string> leave_solicited_node(const IpAddress& address);

  // The next frame that arrived on the interface, whole from its Ethernet header on; nothing
  // when none is waiting (or on a socket error such as ENETDOWN while the link is down: the
  // next readiness brings the next frame).
  std::optional<Bytes> receive();
  void close();

 private:
  // Joins (or leaves) an Ethernet multicast group on this socket (PACKET_ADD_MEMBERSHIP).
  Status<std::string> ethernet_membership(const wire::MacAddress& group, bool add);

  int fd_ = -1;
  int mld_fd_ = -1;  // AF_INET6 datagram socket holding the IPv6 group joins
  int ifindex_ = 0;
  Family family_ = Family::kIpv4;
  std::map<IpAddress, int> groups_;  // solicited-node group -> addresses in it
  Bytes buffer_;
};

}  // namespace vipd::l2
