#include "vrrp/kernel_network.hpp"

#include <arpa/inet.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>
#include <asio/posix/stream_descriptor.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>

#include "common/errno_text.hpp"
#include "common/log.hpp"
#include "netlink/addresses.hpp"
#include "netlink/links.hpp"
#include "vrrp/wire/advert.hpp"
#include "vrrp/wire/ipv4.hpp"

namespace vipd::vrrp {

namespace {

Status<std::string> set_option(int fd, int level, int name, const void* value, socklen_t size,
                               const char* what) {
  if (::setsockopt(fd, level, name, value, size) != 0) return unexpected(errno_text(what));
  return Ok();
}

Status<std::string> set_int(int fd, int level, int name, int value, const char* what) {
  return set_option(fd, level, name, &value, sizeof value, what);
}

in6_addr to_in6(const IpAddress& a) {
  in6_addr out{};
  std::memcpy(&out, a.octets().data(), 16);
  return out;
}

IpAddress from_in6(const in6_addr& a) {
  std::array<std::uint8_t, 16> octets{};
  std::memcpy(octets.data(), &a, 16);
  return IpAddress::v6(octets);
}

in_addr to_in4(const IpAddress& a) {
  in_addr out{};
  std::memcpy(&out, a.octets().data(), 4);
  return out;
}

InterfaceInfo info_of(const netlink::Link& link) {
  InterfaceInfo info;
  info.ifindex = link.ifindex;
  info.name = link.name;
  info.up = link.usable();
  if (link.address.size() == 6) std::copy_n(link.address.begin(), 6, info.mac.octets.begin());
  return info;
}

}  // namespace

// One raw VRRP socket, bound to an interface.
class KernelNetwork::Channel {
 public:
  Channel(asio::io_context& io, int fd, int ifindex, Family family)
      : descriptor_(io, fd), ifindex_(ifindex), family_(family) {}

  int fd() { return descriptor_.native_handle(); }
  Family family() const { return family_; }

  void start_reading(const std::shared_ptr<bool>& alive, const Receiver* receiver) {
    if (reading_) return;
    reading_ = true;
    receiver_ = receiver;
    // A channel opened for sending first discards what it received until now.
    if (filtered_) {
      int unused = 0;  // the kernel wants an int-sized option even here
      ::setsockopt(fd(), SOL_SOCKET, SO_DETACH_FILTER, &unused, sizeof unused);
      filtered_ = false;
    }
    wait(alive);
  }

  // Send-only (a VMAC's socket): receive nothing at all.
  void discard_input() {
    sock_filter drop_all[] = {BPF_STMT(BPF_RET | BPF_K, 0)};
    sock_fprog program{1, drop_all};
    if (::setsockopt(fd(), SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof program) == 0)
      filtered_ = true;
  }

  std::set<IpAddress> joined;

 private:
  void wait(const std::shared_ptr<bool>& alive) {
    descriptor_.async_wait(asio::posix::stream_descriptor::wait_read,
                           [this, alive](std::error_code ec) {
                             if (ec || !*alive) return;
                             read_ready();
                             wait(alive);
                           });
  }

  void read_ready() {
    for (int i = 0; i < 64; ++i) {
      ReceivedPacket packet;
      packet.ifindex = ifindex_;
      packet.family = family_;
      packet.data.resize(65536);
      iovec iov{packet.data.data(), packet.data.size()};
      sockaddr_in6 from{};
      alignas(cmsghdr) char control[256];
      msghdr msg{};
      msg.msg_name = &from;
      msg.msg_namelen = sizeof from;
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      msg.msg_control = control;
      msg.msg_controllen = sizeof control;
      const ssize_t n = ::recvmsg(fd(), &msg, MSG_DONTWAIT);
      if (n < 0) return;  // EAGAIN: all read (errors are transient for a raw socket)
      packet.data.resize(static_cast<std::size_t>(n));
      if (family_ == Family::kIpv6) {
        packet.source = from_in6(from.sin6_addr);
        for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
          if (c->cmsg_level != IPPROTO_IPV6) continue;
          if (c->cmsg_type == IPV6_HOPLIMIT) {
            int hops = 0;
            std::memcpy(&hops, CMSG_DATA(c), sizeof hops);
            packet.hop_limit = static_cast<std::uint8_t>(hops);
          } else if (c->cmsg_type == IPV6_PKTINFO) {
            in6_pktinfo info{};
            std::memcpy(&info, CMSG_DATA(c), sizeof info);
            packet.destination = from_in6(info.ipi6_addr);
          }
        }
      }
      if (receiver_ && *receiver_) (*receiver_)(packet);
    }
  }

  asio::posix::stream_descriptor descriptor_;
  int ifindex_;
  Family family_;
  bool reading_ = false;
  bool filtered_ = false;
  const Receiver* receiver_ = nullptr;
};

KernelNetwork::KernelNetwork(asio::io_context& io) : io_(io) {}

KernelNetwork::~KernelNetwork() {
  *alive_ = false;
}

Status<std::string> KernelNetwork::open() {
  if (auto opened = netlink_.open(); !opened) return opened;
  // keepalived opens its gratuitous ARP channel at startup; so does vipd, to log it once and
  // fail early without CAP_NET_RAW.
  if (auto opened = frames_.open(); !opened) {
    log::error("Error {} while registering gratuitous ARP shared channel", errno);
    return opened;
  }
  log::info("Registering gratuitous ARP shared channel");
  return Ok();
}

std::optional<InterfaceInfo> KernelNetwork::find_interface(std::string_view name) {
  auto link = netlink::get_link(netlink_, name);
  if (!link) return std::nullopt;
  InterfaceInfo info = info_of(*link);
  if (auto v4 = netlink::list_addresses(netlink_, info.ifindex, AF_INET)) {
    for (const auto& a : *v4) {
      if (a.flags & IFA_F_SECONDARY) continue;
      info.ipv4 = a.address;
      break;
    }
  }
  if (auto v6 = netlink::list_addresses(netlink_, info.ifindex, AF_INET6)) {
    for (const auto& a : *v6) {
      if (!a.address.is_link_local()) continue;
      info.ipv6_link_local = a.address;
      break;
    }
  }
  return info;
}

Result<KernelNetwork::Channel*, std::string> KernelNetwork::channel(int ifindex, Family family) {
  auto key = std::make_pair(ifindex, family);
  if (auto it = channels_.find(key); it != channels_.end()) return it->second.get();
  auto name = netlink::link_name(netlink_, ifindex);
  if (!name) return unexpected("no interface with index " + std::to_string(ifindex));
  const bool v4 = family == Family::kIpv4;
  int fd = ::socket(v4 ? AF_INET : AF_INET6, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
                    wire::kIpProtoVrrp);
  if (fd < 0) return unexpected(errno_text("socket"));
  auto channel = std::make_unique<Channel>(io_, fd, ifindex, family);
  auto check = [&](Status<std::string> s) -> bool { return static_cast<bool>(s); };
  Status<std::string> status = set_option(fd, SOL_SOCKET, SO_BINDTODEVICE, name->c_str(),
                                          static_cast<socklen_t>(name->size()), "SO_BINDTODEVICE");
  if (v4) {
    ip_mreqn mreq{};
    mreq.imr_ifindex = ifindex;
    for (auto step :
         {set_int(fd, IPPROTO_IP, IP_HDRINCL, 1, "IP_HDRINCL"),
          set_int(fd, IPPROTO_IP, IP_MULTICAST_LOOP, 0, "IP_MULTICAST_LOOP"),
          set_int(fd, IPPROTO_IP, IP_MULTICAST_TTL, wire::kVrrpTtl, "IP_MULTICAST_TTL"),
          set_option(fd, IPPROTO_IP, IP_MULTICAST_IF, &mreq, sizeof mreq, "IP_MULTICAST_IF")})
      if (status && !check(step)) status = step;
  } else {
    for (auto step :
         {set_int(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1, "IPV6_RECVHOPLIMIT"),
          set_int(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1, "IPV6_RECVPKTINFO"),
          set_int(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0, "IPV6_MULTICAST_LOOP"),
          set_int(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, wire::kVrrpTtl, "IPV6_MULTICAST_HOPS"),
          set_int(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, wire::kVrrpTtl, "IPV6_UNICAST_HOPS"),
          set_int(fd, IPPROTO_IPV6, IPV6_TCLASS, wire::kTosNetworkControl, "IPV6_TCLASS"),
          set_int(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, ifindex, "IPV6_MULTICAST_IF")})
      if (status && !check(step)) status = step;
  }
  if (!status) return unexpected(status.error());
  channel->discard_input();
  Channel* raw = channel.get();
  channels_.emplace(key, std::move(channel));
  return raw;
}

Status<std::string> KernelNetwork::listen(int ifindex, Family family,
                                          const std::optional<IpAddress>& group) {
  auto ch = channel(ifindex, family);
  if (!ch) return unexpected(ch.error());
  Channel* c = *ch;
  if (group && !c->joined.contains(*group)) {
    Status<std::string> joined = Ok();
    if (family == Family::kIpv4) {
      ip_mreqn mreq{};
      mreq.imr_multiaddr = to_in4(*group);
      mreq.imr_ifindex = ifindex;
      joined = set_option(c->fd(), IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof mreq,
                          "IP_ADD_MEMBERSHIP");
    } else {
      ipv6_mreq mreq{};
      mreq.ipv6mr_multiaddr = to_in6(*group);
      mreq.ipv6mr_interface = static_cast<unsigned>(ifindex);
      joined =
          set_option(c->fd(), IPPROTO_IPV6, IPV6_JOIN_GROUP, &mreq, sizeof mreq, "IPV6_JOIN_GROUP");
    }
    if (!joined) return joined;
    c->joined.insert(*group);
  }
  c->start_reading(alive_, &receiver_);
  return Ok();
}

Status<std::string> KernelNetwork::send_advert(int ifindex, const IpAddress& source,
                                               const IpAddress& destination, ByteSpan message) {
  auto ch = channel(ifindex, destination.family());
  if (!ch) return unexpected(ch.error());
  const int fd = (*ch)->fd();
  if (destination.is_v4()) {
    wire::Ipv4Header header;
    header.source = source;
    header.destination = destination;
    Bytes packet = wire::build_ipv4_packet(header, message);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_addr = to_in4(destination);
    if (::sendto(fd, packet.data(), packet.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to) <
        0)
      return unexpected(errno_text("sendto"));
    return Ok();
  }
  sockaddr_in6 to{};
  to.sin6_family = AF_INET6;
  to.sin6_addr = to_in6(destination);
  to.sin6_scope_id = static_cast<std::uint32_t>(ifindex);
  iovec iov{const_cast<std::uint8_t*>(message.data()), message.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(in6_pktinfo))] = {};
  msghdr msg{};
  msg.msg_name = &to;
  msg.msg_namelen = sizeof to;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = IPPROTO_IPV6;
  c->cmsg_type = IPV6_PKTINFO;
  c->cmsg_len = CMSG_LEN(sizeof(in6_pktinfo));
  in6_pktinfo info{};
  info.ipi6_addr = to_in6(source);
  info.ipi6_ifindex = static_cast<unsigned>(ifindex);
  std::memcpy(CMSG_DATA(c), &info, sizeof info);
  if (::sendmsg(fd, &msg, 0) < 0) return unexpected(errno_text("sendmsg"));
  return Ok();
}

Status<std::string> KernelNetwork::send_frame(int ifindex, ByteSpan frame) {
  if (!frames_.is_open()) return unexpected("no gratuitous ARP channel (open() failed)");
  return frames_.send_frame(ifindex, frame);
}

Status<std::string> KernelNetwork::add_address(const netlink::InterfaceAddress& address) {
  auto added = netlink::add_address(netlink_, address);
  if (added || added.error().already_exists()) return Ok();
  return unexpected(added.error().text());
}

Status<std::string> KernelNetwork::delete_address(const netlink::InterfaceAddress& address) {
  auto deleted = netlink::delete_address(netlink_, address);
  if (deleted || deleted.error().not_found()) return Ok();
  return unexpected(deleted.error().text());
}

Result<InterfaceInfo, std::string> KernelNetwork::create_vmac(const netlink::MacvlanSpec& spec) {
  if (auto old = netlink::get_link(netlink_, spec.name)) {
    log::info("Deleting old VMAC interface {}", spec.name);
    (void)netlink::delete_link(netlink_, old->ifindex);
  }
  auto created = netlink::create_macvlan(netlink_, spec);
  if (!created) return unexpected(created.error().text());
  if (spec.mac[3] == 0x02)  // IPv6 VMAC: no link-local address derived from the shared MAC
    (void)netlink::set_ipv6_addr_gen_mode(netlink_, created->ifindex, 1 /* NONE */);
  if (auto up = netlink::set_link_up(netlink_, created->ifindex, true); !up)
    return unexpected(up.error().text());
  InterfaceInfo info = info_of(*created);
  info.up = true;
  return info;
}

void KernelNetwork::close_sockets() {
  channels_.clear();
}

bool KernelNetwork::ipv6_forwarding(std::string_view name) {
  // An interface name never holds '/' (dev_valid_name), so the path cannot escape the directory.
  if (name.empty() || name.find('/') != std::string_view::npos) return false;
  std::ifstream file(fmt::format("/proc/sys/net/ipv6/conf/{}/forwarding", name));
  int value = 0;
  return file >> value && value != 0;
}

Status<std::string> KernelNetwork::delete_link(int ifindex) {
  channels_.erase(std::make_pair(ifindex, Family::kIpv4));
  channels_.erase(std::make_pair(ifindex, Family::kIpv6));
  auto deleted = netlink::delete_link(netlink_, ifindex);
  if (deleted || deleted.error().not_found()) return Ok();
  return unexpected(deleted.error().text());
}

}  // namespace vipd::vrrp
