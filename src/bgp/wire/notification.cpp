#include "bgp/wire/notification.hpp"

#include "bgp/wire/header.hpp"

namespace vipd::bgp::wire {

namespace {

bool carries_shutdown_communication(std::uint8_t code, std::uint8_t subcode) {
  // RFC 9003 §2: Administrative Shutdown and Administrative Reset.
  return code == error_code::kCease && (subcode == cease_subcode::kAdministrativeShutdown ||
                                        subcode == cease_subcode::kAdministrativeReset);
}

// Length of the UTF-8 sequence starting at s[i], or 0 if it is not a valid sequence.
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  std::size_t n;
  std::uint32_t cp;
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2;
    cp = c & 0x1f;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    cp = c & 0x0f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xc0) != 0x80) return 0;
    cp = cp << 6 | (b(i + k) & 0x3f);
  }
  // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are invalid (RFC 3629 §3).
  if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
      (cp >= 0xd800 && cp <= 0xdfff)) {
    return 0;
  }
  return n;
}

}  // namespace

bool is_valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    std::size_t n = utf8_sequence(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

Notification make_shutdown_notification(std::uint8_t subcode, std::string_view text) {
  std::string clean;
  for (std::size_t i = 0; i < text.size();) {
    std::size_t n = utf8_sequence(text, i);
    std::string_view piece = n ? text.substr(i, n) : std::string_view("?");
    // RFC 9003 §2: at most 255 octets; never cut inside a character.
    if (clean.size() + piece.size() > kMaxShutdownMessage) break;
    clean.append(piece);
    i += n ? n : 1;
  }
  Notification n;
  n.code = error_code::kCease;
  n.subcode = subcode;
  // Sized up front: push_back + insert trips a GCC 12 -Warray-bounds false positive at -O2.
  n.data.assign(1 + clean.size(), static_cast<std::uint8_t>(clean.size()));
  std::copy(clean.begin(), clean.end(), n.data.begin() + 1);
  if (carries_shutdown_communication(n.code, n.subcode)) n.shutdown_message = std::move(clean);
  return n;
}

Notification to_notification(const Error& e) {
  Notification n;
  n.code = e.code;
  n.subcode = e.subcode;
  n.data = e.data;
  return n;
}

Result<Notification, Error> decode_notification(ByteSpan body) {
  ByteReader r(body);
  Notification n;
  // RFC 4271 §4.5: Error code (1), Error subcode (1), Data (variable).
  n.code = r.u8();
  n.subcode = r.u8();
  if (!r.ok()) {
    return unexpected(make_error(error_code::kMessageHeader, header_subcode::kBadMessageLength,
                                 "NOTIFICATION shorter than 21 octets"));
  }
  ByteSpan data = r.rest();
  n.data.assign(data.begin(), data.end());
  if (carries_shutdown_communication(n.code, n.subcode) && !data.empty() &&
      data.size() == 1u + data[0]) {
    std::string text(data.begin() + 1, data.end());
    // RFC 9003 §4: an invalid length or invalid UTF-8 is only logged; we keep the raw data.
    if (is_valid_utf8(text)) n.shutdown_message = std::move(text);
  }
  return n;
}

Bytes encode_notification(const Notification& n) {
  ByteWriter w;
  begin_message(w, MessageType::kNotification);
  w.u8(n.code);
  w.u8(n.subcode);
  w.bytes(n.data);
  finish_message(w);
  return w.take();
}

Bytes encode_keepalive() {
  ByteWriter w;
  begin_message(w, MessageType::kKeepalive);
  finish_message(w);
  return w.take();
}

Result<RouteRefresh, Error> decode_route_refresh(ByteSpan body, ByteSpan whole_message) {
  if (body.size() != 4) {
    // RFC 7313 §5: Invalid Message Length, data = the complete ROUTE-REFRESH message.
    return unexpected(make_error(
        error_code::kRouteRefreshMessage, route_refresh_subcode::kInvalidMessageLength,
        "ROUTE-REFRESH length is not 23", Bytes(whole_message.begin(), whole_message.end())));
  }
  ByteReader r(body);
  RouteRefresh rr;
  rr.afi_safi.afi = static_cast<Afi>(r.u16());
  rr.subtype = r.u8();
  rr.afi_safi.safi = static_cast<Safi>(r.u8());
  return rr;
}

Bytes encode_route_refresh(const RouteRefresh& rr) {
  ByteWriter w;
  begin_message(w, MessageType::kRouteRefresh);
  w.u16(static_cast<std::uint16_t>(rr.afi_safi.afi));
  w.u8(rr.subtype);
  w.u8(static_cast<std::uint8_t>(rr.afi_safi.safi));
  finish_message(w);
  return w.take();
}

}  // namespace vipd::bgp::wire
