// BGP message framing (RFC 4271 §4.1): 16-octet all-ones marker, 2-octet length, 1-octet type.
#pragma once

#include <cstddef>
#include <cstdint>

#include "bgp/wire/constants.hpp"
#include "bgp/wire/error.hpp"
#include "common/bytes.hpp"
#include "common/result.hpp"

namespace vipd::bgp::wire {

struct Header {
  std::uint16_t length = 0;  // whole message, header included
  MessageType type = MessageType::kKeepalive;
  bool operator==(const Header&) const = default;
};

// Validates the first 19 octets of a message (RFC 4271 §6.1). `max_message_size` is 4096, or
// 65535 once extended messages are negotiated (use max_message_size(Options)); OPEN and
// KEEPALIVE stay limited to 4096 regardless (RFC 8654 §4). Errors:
//  - marker not all ones: Message Header Error / Connection Not Synchronized;
//  - length < 19, > the maximum, or below the type's minimum (OPEN 29, UPDATE 23,
//    NOTIFICATION 21, ROUTE-REFRESH 23, KEEPALIVE exactly 19): Bad Message Length, data = the
//    2-octet length field;
//  - unknown type: Bad Message Type, data = the type octet.
// A span shorter than 19 octets is reported as Bad Message Length (the caller should wait for
// more bytes instead).
Result<Header, Error> decode_header(ByteSpan first19, std::size_t max_message_size);

// Writes marker, a length placeholder and the type; returns nothing but leaves the writer
// positioned for the body. finish_message() fills the length in.
void begin_message(ByteWriter& w, MessageType type);
void finish_message(ByteWriter& w);

}  // namespace vipd::bgp::wire
