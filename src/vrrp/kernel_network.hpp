// The kernel side of Network (network.hpp) on the daemon's io_context:
//  - one raw IPPROTO_VRRP (112) socket per interface and family, bound to the interface
//    (SO_BINDTODEVICE), joined to 224.0.0.18 / ff02::12 there, multicast loop off, TTL/hop limit
//    255. IPv4 sends with IP_HDRINCL (TOS 0xc0, the exact source the v3 checksum covers) and
//    receives the IP header; IPv6 receives the hop limit and destination as control messages
//    (IPV6_RECVHOPLIMIT, IPV6_RECVPKTINFO) and sends with IPV6_PKTINFO for the source;
//  - one AF_PACKET socket (l2::PacketSender) for gratuitous ARPs and unsolicited NAs
//    ("Registering gratuitous ARP shared channel", keepalived's line);
//  - rtnetlink (vipd_netlink_core) for interfaces, VIPs and VMAC macvlans.
#pragma once

#include <asio/io_context.hpp>
#include <map>
#include <memory>
#include <utility>

#include "l2/packet_socket.hpp"
#include "netlink/socket.hpp"
#include "vrrp/network.hpp"

namespace vipd::vrrp {

class KernelNetwork final : public Network {
 public:
  explicit KernelNetwork(asio::io_context& io);
  ~KernelNetwork() override;
  KernelNetwork(const KernelNetwork&) = delete;
  KernelNetwork& operator=(const KernelNetwork&) = delete;

  // Opens the rtnetlink socket and the AF_PACKET channel.
  Status<std::string> open();
  // Closes every VRRP socket (after the last advert on shutdown), so the loop can end.
  void close_sockets();

  std::optional<InterfaceInfo> find_interface(std::string_view name) override;
  Status<std::string> listen(int ifindex, Family family,
                             const std::optional<IpAddress>& group) override;
  void set_receiver(Receiver receiver) override { receiver_ = std::move(receiver); }
  Status<std::string> send_advert(int ifindex, const IpAddress& source,
                                  const IpAddress& destination, ByteSpan message) override;
  Status<std::string> send_frame(int ifindex, ByteSpan frame) override;
  Status<std::string> add_address(const netlink::InterfaceAddress& address) override;
  Status<std::string> delete_address(const netlink::InterfaceAddress& address) override;
  Result<InterfaceInfo, std::string> create_vmac(const netlink::MacvlanSpec& spec) override;
  Status<std::string> delete_link(int ifindex) override;
  bool ipv6_forwarding(std::string_view name) override;

 private:
  class Channel;
  Result<Channel*, std::string> channel(int ifindex, Family family);

  asio::io_context& io_;
  netlink::Socket netlink_;
  Receiver receiver_;
  std::map<std::pair<int, Family>, std::unique_ptr<Channel>> channels_;
  l2::PacketSender frames_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace vipd::vrrp
