// Sends whole Ethernet frames out of an interface over one AF_PACKET socket (packet(7)): the
// gratuitous ARPs (RFC 5227 §3) and unsolicited Neighbor Advertisements (RFC 4861 §7.2.6) that
// move an address to a new MAC, for VRRP's virtual IPs today and the L2 mode's service IPs.
// One socket serves every interface: the frame's destination and the interface index go in
// each sendto(), and the frame carries its own Ethernet header (SOCK_RAW). Needs CAP_NET_RAW.
#pragma once

#include <string>

#include "common/bytes.hpp"
#include "common/result.hpp"

namespace vipd::l2 {

class PacketSender {
 public:
  PacketSender() = default;
  ~PacketSender() { close(); }
  PacketSender(const PacketSender&) = delete;
  PacketSender& operator=(const PacketSender&) = delete;

  // Opens the socket (non-blocking, close-on-exec). Idempotent.
  Status<std::string> open();
  bool is_open() const { return fd_ >= 0; }
  // Sends `frame` (Ethernet header first: destination, source, EtherType) out of `ifindex` as
  // it is. Errors: not open, a frame shorter than an Ethernet header, or sendto()'s errno.
  Status<std::string> send_frame(int ifindex, ByteSpan frame);
  void close();

 private:
  int fd_ = -1;
};

}  // namespace vipd::l2
