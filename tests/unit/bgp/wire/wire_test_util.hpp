// Helpers for hand-written BGP hex fixtures.
#pragma once

#include <string>

#include "bgp/wire/header.hpp"
#include "common/bytes.hpp"
#include "common/ip.hpp"

namespace vipd::bgp::wire::testing {

inline constexpr const char* kMarker = "ffffffffffffffffffffffffffffffff";

inline std::string hex2(std::size_t v, std::size_t octets) {
  std::string s;
  for (std::size_t i = octets; i-- > 0;) {
    s += "0123456789abcdef"[(v >> (i * 8 + 4)) & 0xf];
    s += "0123456789abcdef"[(v >> (i * 8)) & 0xf];
  }
  return s;
}

// Whole message from a type and a body (hex, spaces allowed): marker and length filled in.
inline Bytes message(MessageType type, const std::string& body_hex) {
  Bytes body = from_hex(body_hex);
  return from_hex(std::string(kMarker) + hex2(kHeaderSize + body.size(), 2) +
                  hex2(static_cast<std::size_t>(type), 1) + to_hex(body));
}

// UPDATE body from its three fields, lengths filled in.
inline std::string update_body(const std::string& withdrawn, const std::string& attrs,
                               const std::string& nlri) {
  Bytes w = from_hex(withdrawn);
  Bytes a = from_hex(attrs);
  return hex2(w.size(), 2) + to_hex(w) + hex2(a.size(), 2) + to_hex(a) + to_hex(from_hex(nlri));
}

inline Bytes update_message(const std::string& withdrawn, const std::string& attrs,
                            const std::string& nlri) {
  return message(MessageType::kUpdate, update_body(withdrawn, attrs, nlri));
}

inline IpAddress v4(const char* s) {
  return *IpAddress::parse(s);
}
inline Prefix pfx(const char* s) {
  return *Prefix::parse(s);
}

inline ByteSpan body_of(const Bytes& msg) {
  return ByteSpan(msg).subspan(kHeaderSize);
}

}  // namespace vipd::bgp::wire::testing
