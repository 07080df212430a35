#include "bfd/udp_network.hpp"

#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>
#include <asio/posix/stream_descriptor.hpp>
#include <cerrno>
#include <cstring>
#include <random>

#include "bfd/echo_ipv4.hpp"
#include "common/errno_text.hpp"
#include "common/log.hpp"

namespace vipd::bfd {

namespace {

// RFC 5881 §4: "The source port MUST be in the range 49152 through 65535."
constexpr std::uint16_t kFirstSourcePort = 49152;
constexpr std::uint16_t kLastSourcePort = 65535;
// RFC 5881 §5: sent with TTL/Hop Limit 255.
constexpr int kSendTtl = 255;

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

// Sends `payload` to [to]:port with the given Hop Limit, from `source` on `ifindex` when given
// (IPV6_PKTINFO travels with the message: the echo socket is shared by all sessions).
Status<std::string> send_udp6(int fd, const IpAddress& to, std::uint16_t port, int ifindex,
                              int hops, const std::optional<IpAddress>& source, ByteSpan payload) {
  sockaddr_storage storage{};
  const socklen_t size = make_sockaddr(Family::kIpv6, to, port, storage);
  auto* in6 = reinterpret_cast<sockaddr_in6*>(&storage);
  if (IN6_IS_ADDR_LINKLOCAL(&in6->sin6_addr)) in6->sin6_scope_id = static_cast<uint32_t>(ifindex);
  iovec iov{const_cast<std::uint8_t*>(payload.data()), payload.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(in6_pktinfo))] = {};
  msghdr msg{};
  msg.msg_name = &storage;
  msg.msg_namelen = size;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = CMSG_SPACE(sizeof(int));
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = IPPROTO_IPV6;
  c->cmsg_type = IPV6_HOPLIMIT;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(c), &hops, sizeof hops);
  if (source) {
    msg.msg_controllen += CMSG_SPACE(sizeof(in6_pktinfo));
    c = CMSG_NXTHDR(&msg, c);
    c->cmsg_level = IPPROTO_IPV6;
    c->cmsg_type = IPV6_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof(in6_pktinfo));
    in6_pktinfo info{};
    std::memcpy(info.ipi6_addr.s6_addr, source->octets().data(), 16);
    info.ipi6_ifindex = static_cast<unsigned>(ifindex);
    std::memcpy(CMSG_DATA(c), &info, sizeof info);
  }
  if (::sendmsg(fd, &msg, MSG_DONTWAIT) < 0) return unexpected(errno_text("sendmsg"));
  return Ok();
}

int interface_index(const std::string& name) {
  return name.empty() ? 0 : static_cast<int>(::if_nametoindex(name.c_str()));
}

}  // namespace

class UdpNetwork::Socket {
 public:
  enum class Kind : std::uint8_t {
    kControl,  // UDP 3784/4784 (or a session's sender)
    kEcho,     // UDP 3785 (IPv6 echoes)
    kPacket,   // packet socket (IPv4 echoes), see echo_ipv4.hpp
  };
  Socket(asio::io_context& io, int fd, Family family, bool multihop, Kind kind = Kind::kControl)
      : descriptor_(io, fd), family_(family), multihop_(multihop), kind_(kind) {}
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
    if (kind_ == Kind::kPacket) {
      read_packets(network);
      return;
    }
    for (int i = 0; i < 64; ++i) {
      Datagram datagram;
      datagram.multihop = multihop_;
      datagram.echo = kind_ == Kind::kEcho;
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

  // IPv4 echoes coming back (echo_ipv4.hpp): IPv4 datagrams to the echo port, as the socket's
  // filter lets through. What we send ourselves (PACKET_OUTGOING: our own echoes leaving, and
  // a peer's echoes our kernel forwards back to it) is not for us.
  void read_packets(UdpNetwork* network) {
    for (int i = 0; i < 64; ++i) {
      std::uint8_t buffer[1500];
      sockaddr_ll from{};
      socklen_t from_size = sizeof from;
      const ssize_t n = ::recvfrom(fd(), buffer, sizeof buffer, MSG_DONTWAIT,
                                   reinterpret_cast<sockaddr*>(&from), &from_size);
      if (n < 0) return;
      if (from.sll_pkttype == PACKET_OUTGOING) continue;
      auto parsed =
          parse_ipv4_echo(ByteSpan(buffer, static_cast<std::size_t>(n)), network->echo_port_);
      // Ours come back from our own address to our own address (FRR's fast path).
      if (!parsed || parsed->source != parsed->destination) continue;
      Datagram datagram;
      datagram.echo = true;
      datagram.payload = std::move(parsed->payload);
      datagram.source = parsed->source;
      datagram.destination = parsed->destination;
      datagram.ttl = parsed->ttl;
      datagram.interface = interface_name(from.sll_ifindex);
      network->deliver(datagram);
    }
  }

  asio::posix::stream_descriptor descriptor_;
  Family family_;
  bool multihop_;
  Kind kind_;
};

UdpNetwork::UdpNetwork(asio::io_context& io, std::uint16_t single_hop_port,
                       std::uint16_t multihop_port, std::uint16_t echo_port)
    : io_(io),
      single_hop_port_(single_hop_port),
      multihop_port_(multihop_port),
      echo_port_(echo_port),
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
  echo4_.reset();
  echo6_.reset();
  neighbors_.clear();
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

Status<std::string> UdpNetwork::open_echo_ipv6() {
  if (echo6_) return Ok();
  const int fd = ::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return unexpected(errno_text("socket"));
  auto socket = std::make_unique<Socket>(io_, fd, Family::kIpv6, false, Socket::Kind::kEcho);
  for (auto [name, what] :
       {std::pair{IPV6_V6ONLY, "IPV6_V6ONLY"}, std::pair{IPV6_RECVHOPLIMIT, "IPV6_RECVHOPLIMIT"},
        std::pair{IPV6_RECVPKTINFO, "IPV6_RECVPKTINFO"}}) {
    if (auto set = set_int(fd, IPPROTO_IPV6, name, 1, what); !set) return set;
  }
  (void)set_int(fd, IPPROTO_IPV6, IPV6_TCLASS, 0xc0, "IPV6_TCLASS");
  sockaddr_storage address{};
  const socklen_t size = make_sockaddr(Family::kIpv6, std::nullopt, echo_port_, address);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&address), size) != 0)
    return unexpected(fmt::format("bind UDP port {}: {}", echo_port_, std::strerror(errno)));
  socket->start_reading(alive_, this);
  echo6_ = std::move(socket);
  return Ok();
}

Status<std::string> UdpNetwork::open_echo_ipv4() {
  if (echo4_) return Ok();
  // SOCK_DGRAM: the kernel adds the Ethernet header on sending and strips it on receiving.
  const int fd = ::socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, htons(ETH_P_IP));
  if (fd < 0) return unexpected(errno_text("socket(AF_PACKET)"));
  auto socket = std::make_unique<Socket>(io_, fd, Family::kIpv4, false, Socket::Kind::kPacket);
  // Only unfragmented UDP to the echo port reaches us (offsets from the IPv4 header).
  sock_filter code[] = {
      BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 9),  // protocol
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 17, 0, 6),
      BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 6),  // flags and fragment offset
      BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x1fff, 4, 0),
      BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0),  // X = header length
      BPF_STMT(BPF_LD | BPF_H | BPF_IND, 2),   // UDP destination port
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, echo_port_, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, 0xffff),
      BPF_STMT(BPF_RET | BPF_K, 0),
  };
  sock_fprog program{static_cast<unsigned short>(std::size(code)), code};
  if (::setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof program) != 0)
    return unexpected(errno_text("SO_ATTACH_FILTER"));
  socket->start_reading(alive_, this);
  echo4_ = std::move(socket);
  return Ok();
}

Status<std::string> UdpNetwork::send_echo(const EchoRoute& route, ByteSpan payload) {
  if (route.peer.multihop) return unexpected(std::string("no echo on multihop sessions"));
  if (!route.local) return unexpected(std::string("local address not known yet"));
  return route.peer.peer.is_v4() ? send_echo_ipv4(route, payload) : send_echo_ipv6(route, payload);
}

Status<std::string> UdpNetwork::send_echo_ipv4(const EchoRoute& route, ByteSpan payload) {
  if (auto opened = open_echo_ipv4(); !opened) return opened;
  auto sender = senders_.find(route.peer);
  if (sender == senders_.end()) return unexpected("no socket for BFD " + route.peer.to_string());
  const auto now = std::chrono::steady_clock::now();
  Neighbor& neighbor = neighbors_[route.peer];
  if (neighbor.ifindex == 0 || now - neighbor.looked_up >= std::chrono::seconds(1)) {
    neighbor = Neighbor{};
    neighbor.looked_up = now;
    // SIOCGARP: the kernel's ARP entry for the peer on the interface its packets came in on.
    arpreq request{};
    auto* pa = reinterpret_cast<sockaddr_in*>(&request.arp_pa);
    pa->sin_family = AF_INET;
    pa->sin_addr.s_addr = htonl(route.peer.peer.v4_host_order());
    if (route.interface.empty() || route.interface.size() >= sizeof request.arp_dev)
      return unexpected(std::string("interface to the peer not known yet"));
    std::memcpy(request.arp_dev, route.interface.c_str(), route.interface.size() + 1);
    if (::ioctl(sender->second->fd(), SIOCGARP, &request) != 0 || !(request.arp_flags & ATF_COM))
      return unexpected(std::string("the peer's link-layer address is not known"));
    std::memcpy(neighbor.mac.data(), request.arp_ha.sa_data, neighbor.mac.size());
    neighbor.ifindex = interface_index(route.interface);
    if (neighbor.ifindex == 0) return unexpected(errno_text("if_nametoindex"));
  }
  const Bytes packet = build_ipv4_echo(*route.local, echo_port_, echo_id_++, payload);
  sockaddr_ll to{};
  to.sll_family = AF_PACKET;
  to.sll_protocol = htons(ETH_P_IP);
  to.sll_ifindex = neighbor.ifindex;
  to.sll_halen = static_cast<unsigned char>(neighbor.mac.size());
  std::memcpy(to.sll_addr, neighbor.mac.data(), neighbor.mac.size());
  if (::sendto(echo4_->fd(), packet.data(), packet.size(), MSG_DONTWAIT,
               reinterpret_cast<const sockaddr*>(&to), sizeof to) < 0) {
    neighbor.ifindex = 0;  // look the neighbor up again next time
    return unexpected(errno_text("sendto(AF_PACKET)"));
  }
  return Ok();
}

Status<std::string> UdpNetwork::send_echo_ipv6(const EchoRoute& route, ByteSpan payload) {
  if (auto opened = open_echo_ipv6(); !opened) return opened;
  return send_udp6(echo6_->fd(), route.peer.peer, echo_port_, interface_index(route.interface),
                   kSendTtl, route.local, payload);
}

void UdpNetwork::reflect_echo(const Datagram& datagram) {
  if (!echo6_ || datagram.source.is_v4()) return;
  // FRR bfdd: back to where it came from, one hop less (so that the sender knows it is its own
  // echo returning).
  (void)send_udp6(echo6_->fd(), datagram.source, echo_port_, interface_index(datagram.interface),
                  datagram.ttl - 1, datagram.destination, datagram.payload);
}

Status<std::string> UdpNetwork::open(const PeerKey& peer) {
  const Family family = peer.peer.family();
  if (auto opened = open_receiver(family, peer.multihop); !opened) return opened;
  // IPv6 single hop: port 3785 answers the peer's echoes (FRR's bg_echov6).
  if (family == Family::kIpv6 && !peer.multihop) {
    if (auto opened = open_echo_ipv6(); !opened)
      log::warning("BFD: no IPv6 echo socket: {}", opened.error());
  }
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
  neighbors_.erase(peer);
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
