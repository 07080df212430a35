// Why a received VRRP packet was dropped. The instance counts drops per cause and logs once per
// cause, so every check in the receive path (ipv4.hpp, advert.hpp, validate.hpp) reports the
// precise one.
#pragma once

#include <cstdint>
#include <string_view>

namespace vipd::vrrp::wire {

enum class DropCause : std::uint8_t {
  kTruncated,               // shorter than the fixed IPv4 or VRRP header
  kBadIpHeader,             // IPv4 version/IHL/header checksum wrong, or a fragment
  kIpLengthMismatch,        // IPv4 Total Length differs from what was received
  kNotVrrp,                 // IP protocol is not 112
  kBadTtl,                  // RFC 5798 §7.1 / RFC 3768 §7.1: TTL or Hop Limit is not 255
  kBadVersion,              // version not 2 or 3, or not the instance's version
  kBadType,                 // RFC 5798 §5.2.2: type is not 1 (ADVERTISEMENT)
  kAddressCountMismatch,    // the message length does not match Count IPvX Addr
  kBadChecksum,             // RFC 5798 §5.2.8 / RFC 3768 §5.3.8
  kVridMismatch,            // not our Virtual Rtr ID
  kInvalidAuthType,         // RFC 3768 §5.3.6: v2 auth type other than 0, 1, 2
  kAuthTypeMismatch,        // RFC 3768 §7.1: v2 auth type differs from ours (or IPsec AH)
  kBadAuth,                 // v2 simple text password differs from ours
  kAdvertIntervalMismatch,  // RFC 3768 §7.1: v2 Adver Int differs from ours
  kBadAdvertInterval,       // v3 Max Adver Int of 0
  kAddressListMismatch,     // RFC 5798 §7.1 (MAY): the addresses differ from our VIPs
};
inline constexpr std::size_t kDropCauseCount = 16;

// Short, stable names for counters and `show` output ("bad-checksum").
std::string_view to_string(DropCause cause);

}  // namespace vipd::vrrp::wire
