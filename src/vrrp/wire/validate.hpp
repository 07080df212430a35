// Receive-side checks of RFC 5798 §7.1 / RFC 3768 §7.1 against one instance's configuration,
// after decoding. Each check returns the DropCause the instance counts.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "common/bytes.hpp"
#include "common/ip.hpp"
#include "common/result.hpp"
#include "vrrp/wire/advert.hpp"
#include "vrrp/wire/drop_cause.hpp"

namespace vipd::vrrp::wire {

struct Expectations {
  std::uint8_t vrid = 0;
  Version version = Version::kV2;
  // VRRPv2 only (RFC 3768 §7.1): the auth type and, for kAuthSimple, the password octets.
  std::uint8_t auth_type = kAuthNone;
  AuthData auth_data{};
  // VRRPv2 only (RFC 3768 §7.1): "MUST verify that the Adver Interval in the packet is the same
  // as the locally configured for this virtual router". VRRPv3 learns the master's instead.
  std::uint8_t advert_interval_s = 1;
  // RFC 5798 §7.1 "MAY verify that the IP address(es) ... are valid": keepalived compares the
  // count and every configured VIP unless `skip_check_adv_addr` (then leave this empty).
  std::optional<std::vector<IpAddress>> addresses;
  ChecksumMode checksum_mode = ChecksumMode::kStandard;
};

// Checks a decoded advert against the instance, in keepalived's order: VRID, version, (v2) auth
// type valid, auth type equal, password, Adver Int; (v3) Max Adver Int non-zero; then the
// address count and list. nullopt: accept.
std::optional<DropCause> validate_advert(const Advert& advert, const Expectations& expect);

// A received advert and what the instance needs from its IP header.
struct ReceivedAdvert {
  Advert advert;
  IpAddress source;       // the sender's primary address (RFC 5798 §6.4.3 tie-break)
  IpAddress destination;  // 224.0.0.18 / ff02::12, or ours for unicast
  std::uint8_t ttl = 0;   // TTL or Hop Limit
};

// The whole IPv4 receive path: parse_ipv4_packet, protocol 112 (an IPsec AH packet, protocol
// 51, is kAuthTypeMismatch: vipd does not speak AH), TTL 255, decode_advert, validate_advert.
Result<ReceivedAdvert, DropCause> receive_ipv4(ByteSpan packet, const Expectations& expect);

// The IPv6 receive path: a raw IPv6 socket delivers only the VRRP message; the addresses come
// from recvmsg (source) and IPV6_PKTINFO (destination), the hop limit from IPV6_HOPLIMIT.
Result<ReceivedAdvert, DropCause> receive_ipv6(ByteSpan message, const IpAddress& source,
                                               const IpAddress& destination, std::uint8_t hop_limit,
                                               const Expectations& expect);

}  // namespace vipd::vrrp::wire
