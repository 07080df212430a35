#include "l2/packet_receiver.hpp"

#include <linux/filter.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>
#include <cerrno>
#include <cstring>
#include <utility>

#include "common/errno_text.hpp"
#include "l2/wire/ndp.hpp"

namespace vipd::l2 {
namespace {

// Offsets in the frame as a SOCK_RAW packet socket sees it: from the Ethernet header on.
constexpr std::uint32_t kEtherTypeAt = 12;
constexpr std::uint32_t kArpOperationAt = 14 + 6;  // RFC 826: after hrd, pro, hln, pln
constexpr std::uint32_t kNextHeaderAt = 14 + 6;    // RFC 8200 §3
constexpr std::uint32_t kIcmpv6TypeAt = 14 + 40;   // no extension headers
constexpr std::uint32_t kWholeFrame = 0x40000;     // "accept": the kernel caps it at the length
constexpr std::size_t kReceiveBuffer = 65536;

// ARP requests only: replies and everything else stay in the kernel.
sock_filter kArpRequests[] = {
    BPF_STMT(BPF_LD | BPF_H | BPF_ABS, kEtherTypeAt),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETHERTYPE_ARP, 0, 3),
    BPF_STMT(BPF_LD | BPF_H | BPF_ABS, kArpOperationAt),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 1),  // ARPOP_REQUEST
    BPF_STMT(BPF_RET | BPF_K, kWholeFrame),
    BPF_STMT(BPF_RET | BPF_K, 0),
};

// IPv6 whose next header is ICMPv6 (RFC 4861 §7.1.1 leaves no room for extension headers in
// practice: NDP senders use none) with type 135, Neighbor Solicitation.
sock_filter kNeighborSolicits[] = {
    BPF_STMT(BPF_LD | BPF_H | BPF_ABS, kEtherTypeAt),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETHERTYPE_IPV6, 0, 5),
    BPF_STMT(BPF_LD | BPF_B | BPF_ABS, kNextHeaderAt),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, wire::kIpProtoIcmpv6, 0, 3),
    BPF_STMT(BPF_LD | BPF_B | BPF_ABS, kIcmpv6TypeAt),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, wire::kIcmpv6NeighborSolicit, 0, 1),
    BPF_STMT(BPF_RET | BPF_K, kWholeFrame),
    BPF_STMT(BPF_RET | BPF_K, 0),
};

template <std::size_t N>
sock_fprog program_of(sock_filter (&filter)[N]) {
  return sock_fprog{static_cast<unsigned short>(N), filter};
}

}  // namespace

PacketReceiver::PacketReceiver(PacketReceiver&& other) noexcept {
  *this = std::move(other);
}

PacketReceiver& PacketReceiver::operator=(PacketReceiver&& other) noexcept {
  if (this == &other) return *this;
  close();
  fd_ = std::exchange(other.fd_, -1);
  mld_fd_ = std::exchange(other.mld_fd_, -1);
  ifindex_ = other.ifindex_;
  family_ = other.family_;
  groups_ = std::move(other.groups_);
  other.groups_.clear();
  buffer_ = std::move(other.buffer_);
  return *this;
}

Status<std::string> PacketReceiver::open(int ifindex, Family family) {
  if (fd_ >= 0) return unexpected(std::string("packet receiver already open"));
  // Protocol 0: nothing is queued until bind() names one, after the filter is attached.
  const int fd = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return unexpected(errno_text("socket(AF_PACKET)"));
  const bool v4 = family == Family::kIpv4;
  sock_fprog program = v4 ? program_of(kArpRequests) : program_of(kNeighborSolicits);
  if (::setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof program) != 0) {
    std::string error = errno_text("setsockopt(SO_ATTACH_FILTER)");
    ::close(fd);
    return unexpected(std::move(error));
  }
  // Linux 4.20 and later leave our own transmissions out in the kernel; receive() checks the
  // packet type as well, for older kernels.
  const int one = 1;
  (void)::setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one);
  sockaddr_ll address{};
  address.sll_family = AF_PACKET;
  address.sll_protocol = htons(v4 ? ETH_P_ARP : ETH_P_IPV6);
  address.sll_ifindex = ifindex;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    std::string error = errno_text("bind(AF_PACKET)");
    ::close(fd);
    return unexpected(std::move(error));
  }
  fd_ = fd;
  ifindex_ = ifindex;
  family_ = family;
  return Ok();
}

Status<std::string> PacketReceiver::ethernet_membership(const wire::MacAddress& group, bool add) {
  packet_mreq request{};
  request.mr_ifindex = ifindex_;
  request.mr_type = PACKET_MR_MULTICAST;
  request.mr_alen = ETH_ALEN;
  std::memcpy(request.mr_address, group.octets.data(), ETH_ALEN);
  const int option = add ? PACKET_ADD_MEMBERSHIP : PACKET_DROP_MEMBERSHIP;
  if (::setsockopt(fd_, SOL_PACKET, option, &request, sizeof request) != 0) {
    return unexpected(errno_text(add ? "PACKET_ADD_MEMBERSHIP" : "PACKET_DROP_MEMBERSHIP"));
  }
  return Ok();
}

Status<std::string> PacketReceiver::join_solicited_node(const IpAddress& address) {
  if (fd_ < 0) return unexpected(std::string("packet receiver not open"));
  if (!address.is_v6()) return unexpected(std::string("not an IPv6 address"));
  const IpAddress group = wire::solicited_node_multicast(address);
  int& members = groups_[group];
  if (members > 0) {
    ++members;
    return Ok();
  }
  groups_.erase(group);  // until both joins have worked
  const wire::MacAddress mac = wire::MacAddress::ipv6_multicast(group.octets());
  if (auto joined = ethernet_membership(mac, true); !joined) return joined;
  if (mld_fd_ < 0) mld_fd_ = ::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
  ipv6_mreq request{};
  std::memcpy(&request.ipv6mr_multiaddr, group.octets().data(), 16);
  request.ipv6mr_interface = static_cast<unsigned>(ifindex_);
  if (mld_fd_ < 0 ||
      ::setsockopt(mld_fd_, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, &request, sizeof request) != 0) {
    std::string error = errno_text(mld_fd_ < 0 ? "socket(AF_INET6)" : "IPV6_ADD_MEMBERSHIP");
    (void)ethernet_membership(mac, false);
    return unexpected(std::move(error));
  }
  groups_[group] = 1;
  return Ok();
}

Status<std::string> PacketReceiver::leave_solicited_node(const IpAddress& address) {
  if (!address.is_v6()) return unexpected(std::string("not an IPv6 address"));
  const IpAddress group = wire::solicited_node_multicast(address);
  auto it = groups_.find(group);
  if (it == groups_.end()) return unexpected(std::string("solicited-node group not joined"));
  if (--it->second > 0) return Ok();
  groups_.erase(it);
  ipv6_mreq request{};
  std::memcpy(&request.ipv6mr_multiaddr, group.octets().data(), 16);
  request.ipv6mr_interface = static_cast<unsigned>(ifindex_);
  const bool left =
      ::setsockopt(mld_fd_, IPPROTO_IPV6, IPV6_DROP_MEMBERSHIP, &request, sizeof request) == 0;
  std::string error = left ? std::string() : errno_text("IPV6_DROP_MEMBERSHIP");
  const wire::MacAddress mac = wire::MacAddress::ipv6_multicast(group.octets());
  if (auto dropped = ethernet_membership(mac, false); !dropped) return dropped;
  if (!left) return unexpected(std::move(error));
  return Ok();
}

std::optional<Bytes> PacketReceiver::receive() {
  if (fd_ < 0) return std::nullopt;
  if (buffer_.size() < kReceiveBuffer) buffer_.resize(kReceiveBuffer);
  for (;;) {
    sockaddr_ll from{};
    socklen_t from_length = sizeof from;
    const ssize_t n = ::recvfrom(fd_, buffer_.data(), buffer_.size(), MSG_DONTWAIT,
                                 reinterpret_cast<sockaddr*>(&from), &from_length);
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::nullopt;  // EAGAIN: all read; ENETDOWN and the like: nothing to answer now
    }
    // packet(7): a copy of a frame this host sent (our own replies included).
    if (from.sll_pkttype == PACKET_OUTGOING) continue;
    return Bytes(buffer_.begin(), buffer_.begin() + n);
  }
}

void PacketReceiver::close() {
  if (fd_ >= 0) ::close(fd_);
  if (mld_fd_ >= 0) ::close(mld_fd_);  // leaves its groups
  fd_ = -1;
  mld_fd_ = -1;
  groups_.clear();
}

}  // namespace vipd::l2
