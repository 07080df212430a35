// The kernel side of bfd::Network on the daemon's io_context.
//
// Receiving: one UDP socket per family and kind, opened with the first session that needs it:
// single hop on port 3784 (RFC 5881 §4) and multihop on 4784 (RFC 5883 §5), bound to the
// wildcard address, with IP_RECVTTL / IPV6_RECVHOPLIMIT (the TTL checks of RFC 5881 §5 and
// RFC 5883 §2 are SessionTable's) and IP_PKTINFO / IPV6_RECVPKTINFO for the local address and
// the interface (§6.8.6 lookup without a discriminator).
//
// Sending: one socket per session, bound to the session's local address (if any) and a source
// port in 49152-65535 that the session keeps for its lifetime (RFC 5881 §4, RFC 5883 §5), TTL /
// Hop Limit 255 (RFC 5881 §5; RFC 5883 §2 does not require it, FRR sends 255), bound to the
// session's interface (SO_BINDTODEVICE) when it names one.
//
// Echo (RFC 5880 §6.4, RFC 5881 §4, UDP port 3785), single hop only, as FRR bfdd does it:
//  - IPv4: our echo is an IPv4/UDP datagram from and to our own address on the session's
//    interface, handed to the peer's link-layer address (from the kernel's ARP table) through a
//    packet socket; the peer's kernel forwards it back (it needs IPv4 forwarding on), and the
//    same packet socket, filtered to UDP port 3785, catches it with TTL 254. The peer's echoes
//    to us are forwarded back by our kernel: vipd does nothing for them.
//  - IPv6: a UDP socket on port 3785 sends our echoes to the peer (Hop Limit 255), whose BFD
//    daemon sends them back (Hop Limit 254); it also sends the peer's echoes back
//    (SessionTable decides which).
#pragma once

#include <array>
#include <asio/io_context.hpp>
#include <chrono>
#include <map>
#include <memory>

#include "bfd/session.hpp"

namespace vipd::bfd {

class UdpNetwork final : public Network {
 public:
  // `single_hop_port` and `multihop_port` are for tests (unprivileged ports, several daemons on
  // one host); the daemon uses 3784 and 4784.
  explicit UdpNetwork(asio::io_context& io, std::uint16_t single_hop_port = wire::kSingleHopPort,
                      std::uint16_t multihop_port = wire::kMultihopPort,
                      std::uint16_t echo_port = wire::kEchoPort);
  ~UdpNetwork() override;
  UdpNetwork(const UdpNetwork&) = delete;
  UdpNetwork& operator=(const UdpNetwork&) = delete;

  void set_receiver(Receiver receiver) override { receiver_ = std::move(receiver); }
  Status<std::string> open(const PeerKey& peer) override;
  void close(const PeerKey& peer) override;
  Status<std::string> send(const PeerKey& peer, ByteSpan payload) override;
  Status<std::string> send_echo(const EchoRoute& route, ByteSpan payload) override;
  void reflect_echo(const Datagram& datagram) override;

  // Closes every socket (the module stops).
  void close_all();

 private:
  class Socket;
  Status<std::string> open_receiver(Family family, bool multihop);
  Status<std::string> open_echo_ipv6();
  Status<std::string> open_echo_ipv4();
  Status<std::string> send_echo_ipv4(const EchoRoute& route, ByteSpan payload);
  Status<std::string> send_echo_ipv6(const EchoRoute& route, ByteSpan payload);
  void deliver(Datagram& datagram);

  // The peer's link-layer address on the session's interface (FRR: bfd_peer_mac_set, from the
  // ARP table), looked up again after a second.
  struct Neighbor {
    int ifindex = 0;
    std::array<std::uint8_t, 6> mac{};
    std::chrono::steady_clock::time_point looked_up;
  };

  asio::io_context& io_;
  std::uint16_t single_hop_port_;
  std::uint16_t multihop_port_;
  std::uint16_t echo_port_;
  Receiver receiver_;
  std::unique_ptr<Socket> echo4_;  // packet socket (IPv4 echoes)
  std::unique_ptr<Socket> echo6_;  // UDP port 3785 (IPv6 echoes)
  std::map<PeerKey, Neighbor> neighbors_;
  std::uint16_t echo_id_ = 0;
  std::map<std::pair<Family, bool>, std::unique_ptr<Socket>> receivers_;
  std::map<PeerKey, std::unique_ptr<Socket>> senders_;
  std::uint16_t next_source_port_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace vipd::bfd
