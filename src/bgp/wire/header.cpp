#include "bgp/wire/header.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace vipd::bgp::wire {

namespace {

Error bad_length(std::uint16_t length, std::string why) {
  // RFC 4271 §6.1: the Data field contains the erroneous Length field.
  return make_error(error_code::kMessageHeader, header_subcode::kBadMessageLength,
                    fmt::format("bad message length {}: {}", length, why), be16_bytes(length));
}

}  // namespace

Result<Header, Error> decode_header(ByteSpan first19, std::size_t max_size) {
  if (first19.size() < kHeaderSize) {
    return unexpected(make_error(error_code::kMessageHeader, header_subcode::kBadMessageLength,
                                 "truncated message header"));
  }
  ByteReader r(first19);
  ByteSpan marker = r.bytes(kMarkerSize);
  // RFC 4271 §6.1: marker must be all ones, else Connection Not Synchronized.
  if (!std::all_of(marker.begin(), marker.end(), [](std::uint8_t b) { return b == 0xff; })) {
    return unexpected(make_error(error_code::kMessageHeader,
                                 header_subcode::kConnectionNotSynchronized,
                                 "message header marker is not all ones"));
  }
  std::uint16_t length = r.u16();
  std::uint8_t type = r.u8();
  if (length < kHeaderSize) return unexpected(bad_length(length, "shorter than the header"));
  if (length > max_size) return unexpected(bad_length(length, "longer than the maximum"));

  std::size_t min = 0;
  std::size_t max = max_size;
  switch (static_cast<MessageType>(type)) {
    case MessageType::kOpen:
      min = 29;                              // RFC 4271 §4.2
      max = std::min(max, kMaxMessageSize);  // RFC 8654 §4: OPEN is never extended
      break;
    case MessageType::kUpdate:
      min = 23;
      break;  // RFC 4271 §4.3
    case MessageType::kNotification:
      min = 21;
      break;  // RFC 4271 §4.5
    case MessageType::kKeepalive:
      min = kHeaderSize;  // RFC 4271 §4.4: exactly the header
      max = kHeaderSize;
      break;
    case MessageType::kRouteRefresh:
      min = 23;
      break;  // RFC 2918 §3
    default:
      // RFC 4271 §6.1: Bad Message Type, data = the erroneous type field.
      return unexpected(make_error(error_code::kMessageHeader, header_subcode::kBadMessageType,
                                   fmt::format("unknown message type {}", type), Bytes{type}));
  }
  if (length < min) return unexpected(bad_length(length, "below the minimum for its type"));
  if (length > max) return unexpected(bad_length(length, "above the maximum for its type"));
  return Header{length, static_cast<MessageType>(type)};
}

void begin_message(ByteWriter& w, MessageType type) {
  for (std::size_t i = 0; i < kMarkerSize; ++i) w.u8(0xff);
  w.u16(0);
  w.u8(static_cast<std::uint8_t>(type));
}

void finish_message(ByteWriter& w) {
  w.patch_u16(kMarkerSize, static_cast<std::uint16_t>(w.size()));
}

}  // namespace vipd::bgp::wire
