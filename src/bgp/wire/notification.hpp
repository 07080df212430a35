// NOTIFICATION (RFC 4271 §4.5) with RFC 9003 shutdown communication, KEEPALIVE (RFC 4271 §4.4)
// and ROUTE-REFRESH (RFC 2918 §3, RFC 7313 §3).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "bgp/wire/constants.hpp"
#include "bgp/wire/error.hpp"
#include "common/bytes.hpp"
#include "common/result.hpp"

namespace vipd::bgp::wire {

struct Notification {
  std::uint8_t code = 0;
  std::uint8_t subcode = 0;
  // The Data field exactly as sent/received.
  Bytes data;
  // RFC 9003 §2: for Cease / Administrative Shutdown or Administrative Reset, the decoded
  // Shutdown Communication when `data` is a well-formed one (length octet + that many octets of
  // valid UTF-8, nothing after). Derived from `data` by decode; encode only writes `data`.
  std::optional<std::string> shutdown_message;

  bool operator==(const Notification&) const = default;
  // "Cease/Administrative Shutdown" etc.
  std::string name() const { return notification_name(code, subcode); }
};

// RFC 9003 §2: longest Shutdown Communication, in octets.
inline constexpr std::size_t kMaxShutdownMessage = 255;

// Cease with subcode 2 (Administrative Shutdown) or 4 (Administrative Reset) carrying `text`
// as an RFC 9003 Shutdown Communication. Text longer than 255 octets is cut at a UTF-8
// character boundary; invalid UTF-8 is replaced by '?' so the message is always well-formed.
Notification make_shutdown_notification(std::uint8_t cease_subcode, std::string_view text);

// The NOTIFICATION to send for an error (RFC 4271 §6).
Notification to_notification(const Error& e);

// True if `s` is valid UTF-8 (RFC 3629: no overlongs, no surrogates, at most U+10FFFF).
bool is_valid_utf8(std::string_view s);

// Body = the octets after the header. NOTIFICATION bodies are at least 2 octets (the header
// decoder enforces the 21-octet minimum); decode never fails on the Data field.
Result<Notification, Error> decode_notification(ByteSpan body);
Bytes encode_notification(const Notification& n);

// RFC 4271 §4.4: a KEEPALIVE is only the header.
struct Keepalive {
  bool operator==(const Keepalive&) const = default;
};
Bytes encode_keepalive();

// RFC 2918 §3: AFI (2), Reserved (1), SAFI (1). RFC 7313 §3 reuses the reserved octet as the
// message subtype (0 normal request, 1 BoRR, 2 EoRR); it is kept as-is.
struct RouteRefresh {
  AfiSafi afi_safi = kIpv4Unicast;
  std::uint8_t subtype = 0;
  bool operator==(const RouteRefresh&) const = default;
};
namespace route_refresh_subtype {
inline constexpr std::uint8_t kRequest = 0;
inline constexpr std::uint8_t kBeginningOfRouteRefresh = 1;  // RFC 7313 §3
inline constexpr std::uint8_t kEndOfRouteRefresh = 2;        // RFC 7313 §3
}  // namespace route_refresh_subtype

// A body other than 4 octets is ROUTE-REFRESH Message Error / Invalid Message Length with the
// complete message as data (RFC 7313 §5); `whole_message` supplies that data.
Result<RouteRefresh, Error> decode_route_refresh(ByteSpan body, ByteSpan whole_message);
Bytes encode_route_refresh(const RouteRefresh& rr);

}  // namespace vipd::bgp::wire
