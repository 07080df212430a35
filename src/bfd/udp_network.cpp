#include "bfd/udp_network.hpp"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>
#include <asio/posix/stream_descriptor.hpp>
#include <cerrno>
#include <cstring>
#include <random>

#include "common/log.hpp"

namespace vipd::bfd {

namespace {

// RFC 5881 §4: "The source port MUST be in the range 49152 through 65535."
constexpr std::uint16_t kFirstSourcePort = 49152;
constexpr std::uint16_t kLastSourcePort = 65535;
// RFC 5881 §5: sent with TTL/Hop Limit 255.
constexpr int kSendTtl = 255;

std::string errno_text(const char* call) {
  return fmt::format("{}: {}", call, std::strerror(errno));
}

Status<std::string> set_int(int fd, int level, int name, int value, const char* what) {
  if (::setsockopt(fd, level, name, &value, sizeof value) != 0) return unexpected(errno_text(what));
  return Ok();
}

IpAddress from_in6(const in6_addr& a) {
  std::array<std::uint8_t, 16> octets{};
  std::memcpy(octets.data(), a.s6_addr, 16);
  return IpAddress::v6(octets);
}

IpAddress from_in4(const in_addr& a) {
  return IpAddress::v4(ntohl(a.s_addr));
}

// A sockaddr for `address` (or the family's wildcard) and `port`.
socklen_t make_sockaddr(Family family, const std::optional<IpAddress>& address, std::uint16_t port,
                        sockaddr_storage& storage) {
  storage = {};
  if (family == Family::kIpv4) {
    auto* in = reinterpret_cast<sockaddr_in*>(&storage);
    in->sin_family = AF_INET;
    in->sin_port = htons(port);
    if (address) in->sin_addr.s_addr = htonl(address->v4_host_order());
    return sizeof(sockaddr_in);
  }
  auto* in6 = reinterpret_cast<sockaddr_in6*>(&storage);
  in6->sin6_family = AF_INET6;
  in6->sin6_port = htons(port);
  if (address) std::memcpy(in6->sin6_addr.s6_addr, address->octets().data(), 16);
  return sizeof(sockaddr_in6);
}

std::string interface_name(int ifindex) {
  char name[IF_NAMESIZE] = {};
  if (ifindex <= 0 || !::if_indextoname(static_cast<unsigned>(ifindex), name)) return {};
  return name;
}

}  // namespace

class UdpNetwork::Socket {
 public:
  Socket(asio::io_context& io, int fd, Family family, bool multihop)
      : descriptor_(io, fd), family_(family), multihop_(multihop) {}
  int fd() { return descriptor_.native_handle(); }
  Family family() const { return family_; }

  void start_reading(const std::shared_ptr<bool>& alive, UdpNetwork* network) {
    descriptor_.async_wait(asio::posix::stream_descriptor::wait_read,
                           [this, alive, network](std::error_code ec) {
                             if (ec || !*alive) return;
                             read_ready(network);
                             start_reading(alive, network);
                           });
  }

 private:
  void read_ready(UdpNetwork* network) {
    for (int i = 0; i < 64; ++i) {
      Datagram datagram;
      datagram.multihop = multihop_;
      datagram.payload.resize(1024);  // a Control packet is at most 24 + 28 octets
      iovec iov{datagram.payload.data(), datagram.payload.size()};
      sockaddr_storage from{};
      alignas(cmsghdr) char control[256];
      msghdr msg{};
      msg.msg_name = &from;
      msg.msg_namelen = sizeof from;
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      msg.msg_control = control;
      msg.msg_controllen = sizeof control;
      const ssize_t n = ::recvmsg(fd(), &msg, MSG_DONTWAIT);
      if (n < 0) return;  // EAGAIN: all read
      datagram.payload.resize(static_cast<std::size_t>(n));
      int ifindex = 0;
      if (family_ == Family::kIpv4) {
        datagram.source = from_in4(reinterpret_cast<const sockaddr_in*>(&from)->sin_addr);
        for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
          if (c->cmsg_level != IPPROTO_IP) continue;
          if (c->cmsg_type == IP_TTL) {
            int ttl = 0;
            std::memcpy(&ttl, CMSG_DATA(c), sizeof ttl);
            datagram.ttl = static_cast<std::uint8_t>(ttl);
          } else if (c->cmsg_type == IP_PKTINFO) {
            in_pktinfo info{};
            std::memcpy(&info, CMSG_DATA(c), sizeof info);
            datagram.destination = from_in4(info.ipi_addr);
            ifindex = info.ipi_ifindex;
          }
        }
      } else {
        const auto* from6 = reinterpret_cast<const sockaddr_in6*>(&from);
        datagram.source = from_in6(from6->sin6_addr);
        for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
          if (c->cmsg_level != IPPROTO_IPV6) continue;
          if (c->cmsg_type == IPV6_HOPLIMIT) {
            int hops = 0;
            std::memcpy(&hops, CMSG_DATA(c), sizeof hops);
            datagram.ttl = static_cast<std::uint8_t>(hops);
          } else if (c->cmsg_type == IPV6_PKTINFO) {
            in6_pktinfo info{};
            std::memcpy(&info, CMSG_DATA(c), sizeof info);
            datagram.destination = from_in6(info.ipi6_addr);
            ifindex = static_cast<int>(info.ipi6_ifindex);
          }
        }
      }
      datagram.interface = interface_name(ifindex);
      network->deliver(datagram);
    }
  }

  asio::posix::stream_descriptor descriptor_;
  Family family_;
  bool multihop_;
};

UdpNetwork::UdpNetwork(asio::io_context& io, std::uint16_t single_hop_port,
                       std::uint16_t multihop_port)
    : io_(io),
      single_hop_port_(single_hop_port),
      multihop_port_(multihop_port),
      next_source_port_(static_cast<std::uint16_t>(
          kFirstSourcePort + std::random_device{}() % (kLastSourcePort - kFirstSourcePort + 1))) {}

UdpNetwork::~UdpNetwork() {
  *alive_ = false;
}

void UdpNetwork::close_all() {
  *alive_ = false;
  alive_ = std::make_shared<bool>(true);
  receivers_.clear();
  senders_.clear();
}

void UdpNetwork::deliver(Datagram& datagram) {
  if (receiver_) receiver_(datagram);
}

Status<std::string> UdpNetwork::open_receiver(Family family, bool multihop) {
  const auto key = std::make_pair(family, multihop);
  if (receivers_.contains(key)) return Ok();
  const bool v4 = family == Family::kIpv4;
  const int fd = ::socket(v4 ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return unexpected(errno_text("socket"));
  auto socket = std::make_unique<Socket>(io_, fd, family, multihop);
  if (auto set = set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR"); !set) return set;
  if (v4) {
    if (auto set = set_int(fd, IPPROTO_IP, IP_RECVTTL, 1, "IP_RECVTTL"); !set) return set;
    if (auto set = set_int(fd, IPPROTO_IP, IP_PKTINFO, 1, "IP_PKTINFO"); !set) return set;
  } else {
    // IPv4 has its own socket on the same port.
    if (auto set = set_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1, "IPV6_V6ONLY"); !set) return set;
    if (auto set = set_int(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1, "IPV6_RECVHOPLIMIT"); !set)
      return set;
    if (auto set = set_int(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1, "IPV6_RECVPKTINFO"); !set)
      return set;
  }
  const std::uint16_t port = multihop ? multihop_port_ : single_hop_port_;
  sockaddr_storage address{};
  const socklen_t size = make_sockaddr(family, std::nullopt, port, address);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&address), size) != 0)
    return unexpected(fmt::format("bind UDP port {}: {}", port, std::strerror(errno)));
  socket->start_reading(alive_, this);
  log::info("BFD: listening on UDP port {} ({}, {})", port, v4 ? "IPv4" : "IPv6",
            multihop ? "multihop" : "single hop");
  receivers_.emplace(key, std::move(socket));
  return Ok();
}

Status<std::string> UdpNetwork::open(const PeerKey& peer) {
  const Family family = peer.peer.family();
  if (auto opened = open_receiver(family, peer.multihop); !opened) return opened;
  if (senders_.contains(peer)) return Ok();
  const bool v4 = family == Family::kIpv4;
  const int fd = ::socket(v4 ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return unexpected(errno_text("socket"));
  auto socket = std::make_unique<Socket>(io_, fd, family, peer.multihop);
  if (v4) {
    if (auto set = set_int(fd, IPPROTO_IP, IP_TTL, kSendTtl, "IP_TTL"); !set) return set;
    // RFC 5881 §4 asks for the Internetwork Control precedence (DSCP CS6), as FRR sends.
    (void)set_int(fd, IPPROTO_IP, IP_TOS, 0xc0, "IP_TOS");
  } else {
    if (auto set = set_int(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, kSendTtl, "IPV6_UNICAST_HOPS");
        !set)
      return set;
    (void)set_int(fd, IPPROTO_IPV6, IPV6_TCLASS, 0xc0, "IPV6_TCLASS");
  }
  if (!peer.interface.empty()) {
    if (::setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, peer.interface.c_str(),
                     static_cast<socklen_t>(peer.interface.size())) != 0)
      return unexpected(errno_text("SO_BINDTODEVICE"));
  }
  // A free source port in 49152-65535, kept for the session's lifetime (RFC 5881 §4).
  const unsigned range = kLastSourcePort - kFirstSourcePort + 1;
  for (unsigned tries = 0;; ++tries) {
    if (tries == range) return unexpected(std::string("no free BFD source port in 49152-65535"));
    const std::uint16_t port = next_source_port_;
    next_source_port_ =
        port == kLastSourcePort ? kFirstSourcePort : static_cast<std::uint16_t>(port + 1);
    sockaddr_storage address{};
    const socklen_t size = make_sockaddr(family, peer.local, port, address);
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&address), size) == 0) break;
    if (errno != EADDRINUSE) return unexpected(errno_text("bind"));
  }
  senders_.emplace(peer, std::move(socket));
  return Ok();
}

void UdpNetwork::close(const PeerKey& peer) {
  senders_.erase(peer);
}

Status<std::string> UdpNetwork::send(const PeerKey& peer, ByteSpan payload) {
  auto it = senders_.find(peer);
  if (it == senders_.end()) return unexpected("no socket for BFD " + peer.to_string());
  sockaddr_storage address{};
  const socklen_t size = make_sockaddr(peer.peer.family(), peer.peer,
                                       peer.multihop ? multihop_port_ : single_hop_port_, address);
  const ssize_t n = ::sendto(it->second->fd(), payload.data(), payload.size(), MSG_DONTWAIT,
                             reinterpret_cast<const sockaddr*>(&address), size);
  if (n < 0) return unexpected(errno_text("sendto"));
  return Ok();
}

}  // namespace vipd::bfd
