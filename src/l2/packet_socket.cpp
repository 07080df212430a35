#include "l2/packet_socket.hpp"

#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>
#include <cerrno>
#include <cstring>

#include "common/errno_text.hpp"

namespace vipd::l2 {
Status<std::string> PacketSender::open() {
  if (fd_ >= 0) return Ok();
  // Protocol 0: the socket receives nothing (packet(7)); it only sends.
  fd_ = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd_ < 0) return unexpected(errno_text("socket(AF_PACKET)"));
  return Ok();
}

void PacketSender::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Status<std::string> PacketSender::send_frame(int ifindex, ByteSpan frame) {
  if (fd_ < 0) return unexpected(std::string("packet socket not open"));
  if (frame.size() < ETH_HLEN) return unexpected(std::string("frame too short"));
  sockaddr_ll to{};
  to.sll_family = AF_PACKET;
  to.sll_ifindex = ifindex;
  // The EtherType as the frame has it: already in network order.
  std::memcpy(&to.sll_protocol, frame.data() + 2 * ETH_ALEN, sizeof to.sll_protocol);
  to.sll_halen = ETH_ALEN;
  std::memcpy(to.sll_addr, frame.data(), ETH_ALEN);
  if (::sendto(fd_, frame.data(), frame.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to) < 0)
    return unexpected(errno_text("sendto"));
  return Ok();
}

}  // namespace vipd::l2
