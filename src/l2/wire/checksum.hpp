// The Internet checksum (RFC 1071) and the pseudo-headers that ICMPv6 (RFC 4443 §2.3, RFC 8200
// §8.1) and VRRPv3 (RFC 5798 §5.2.8) put in front of their messages when summing.
#pragma once

#include <cstdint>

#include "common/bytes.hpp"
#include "common/ip.hpp"

namespace vipd::l2::wire {

// Accumulates the 16-bit one's complement sum of big-endian words. Spans may have odd lengths:
// an odd trailing byte is carried over into the next span, as if the data were contiguous.
class InternetChecksum {
 public:
  void add(ByteSpan data);
  void add_u16(std::uint16_t value);
  void add_u32(std::uint32_t value);
  // RFC 8200 §8.1 / RFC 5798 §5.2.8: source, destination, upper-layer length and next header.
  // For IPv4 the RFC 768-style layout is used (src, dst, zero, protocol, 16-bit length).
  void add_pseudo_header(const IpAddress& source, const IpAddress& destination,
                         std::uint8_t protocol, std::uint32_t upper_layer_length);
  // The one's complement of the sum: the value to store in a checksum field that was zero while
  // summing. Summing a message that carries a correct checksum gives 0 here.
  std::uint16_t finish() const;

 private:
  std::uint32_t sum_ = 0;
  bool odd_ = false;  // a high byte is waiting for its low byte
  std::uint8_t pending_ = 0;
};

// Checksum of one contiguous buffer without a pseudo-header (IPv4 header, VRRPv2).
std::uint16_t internet_checksum(ByteSpan data);

}  // namespace vipd::l2::wire
