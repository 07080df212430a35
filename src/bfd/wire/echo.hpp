// The BFD Echo packet as FRR bfdd sends it (bfdd/bfd.h struct bfd_echo_pkt). RFC 5880 §6.4
// leaves the payload to the sender ("the contents of the Echo packet [...] are a local matter"),
// since only the sender reads it once the peer's forwarding plane has looped it back; vipd uses
// FRR's layout so that an FRR peer and vipd look the same on the wire (RFC 5881 §4: UDP
// destination port 3785):
//
//   octet 0      version (1)
//   octet 1      length (24)
//   octets 2-3   reserved (0)
//   octets 4-7   the sender's My Discriminator (finds the session when the echo returns)
//   octets 8-15  send time, seconds (the sender's monotonic clock)
//   octets 16-23 send time, microseconds within the second
//
// Pure: no sockets, no clock.
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

#include "common/bytes.hpp"
#include "common/result.hpp"

namespace vipd::bfd::wire {

inline constexpr std::uint8_t kEchoVersion = 1;
inline constexpr std::size_t kEchoSize = 24;

struct EchoPacket {
  std::uint32_t my_discriminator = 0;
  // The sender's clock when it was sent, for the round-trip time (FRR's RTT min/avg/max).
  std::chrono::microseconds sent{0};
  bool operator==(const EchoPacket&) const = default;
};

enum class EchoDecodeError : std::uint8_t {
  kTruncated,            // fewer than 24 octets (FRR: "small echo packet")
  kBadVersion,           // not version 1
  kZeroMyDiscriminator,  // FRR: "invalid echo packet discriminator (zero)"
};
std::string_view to_string(EchoDecodeError error);

Bytes encode(const EchoPacket& packet);
Result<EchoPacket, EchoDecodeError> decode_echo(ByteSpan datagram);

}  // namespace vipd::bfd::wire
