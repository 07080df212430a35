#include "bfd/wire/echo.hpp"

namespace vipd::bfd::wire {

namespace {
constexpr std::int64_t kMicrosPerSecond = 1'000'000;
}

std::string_view to_string(EchoDecodeError error) {
  switch (error) {
    case EchoDecodeError::kTruncated:
      return "truncated";
    case EchoDecodeError::kBadVersion:
      return "bad-version";
    case EchoDecodeError::kZeroMyDiscriminator:
      return "zero-my-discriminator";
  }
  return "unknown";
}

Bytes encode(const EchoPacket& packet) {
  ByteWriter out;
  out.u8(kEchoVersion);
  out.u8(static_cast<std::uint8_t>(kEchoSize));
  out.u16(0);
  out.u32(packet.my_discriminator);
  const std::int64_t us = packet.sent.count() < 0 ? 0 : packet.sent.count();
  out.u64(static_cast<std::uint64_t>(us / kMicrosPerSecond));
  out.u64(static_cast<std::uint64_t>(us % kMicrosPerSecond));
  return out.take();
}

Result<EchoPacket, EchoDecodeError> decode_echo(ByteSpan datagram) {
  if (datagram.size() < kEchoSize) return unexpected(EchoDecodeError::kTruncated);
  ByteReader in(datagram);
  if (in.u8() != kEchoVersion) return unexpected(EchoDecodeError::kBadVersion);
  in.skip(3);  // length and reserved: FRR does not check them either
  EchoPacket packet;
  packet.my_discriminator = in.u32();
  if (packet.my_discriminator == 0) return unexpected(EchoDecodeError::kZeroMyDiscriminator);
  const std::uint64_t seconds = in.u64();
  const std::uint64_t micros = in.u64();
  // A sender's clock, not ours to trust beyond the round-trip time: clamp absurd values.
  if (seconds < static_cast<std::uint64_t>(INT64_MAX / kMicrosPerSecond) &&
      micros < static_cast<std::uint64_t>(kMicrosPerSecond))
    packet.sent = std::chrono::microseconds(static_cast<std::int64_t>(seconds) * kMicrosPerSecond +
                                            static_cast<std::int64_t>(micros));
  return packet;
}

}  // namespace vipd::bfd::wire
