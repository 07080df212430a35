// BGP-4 protocol numbers: message types, NOTIFICATION codes/subcodes, path attribute type codes,
// capability codes and address families. Values are the IANA registry values; each group cites
// the RFC that defines it.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>

namespace vipd::bgp::wire {

// RFC 4271 §4.1: 16-octet marker + 2-octet length + 1-octet type.
inline constexpr std::size_t kHeaderSize = 19;
inline constexpr std::size_t kMarkerSize = 16;
// RFC 4271 §4.1: maximum message size without RFC 8654 extended messages.
inline constexpr std::size_t kMaxMessageSize = 4096;
// RFC 8654 §4: maximum message size once the extended message capability is negotiated.
inline constexpr std::size_t kMaxExtendedMessageSize = 65535;
inline constexpr std::uint8_t kBgpVersion = 4;
// RFC 6793 §9: the 2-octet placeholder for a 4-octet AS number.
inline constexpr std::uint32_t kAsTrans = 23456;

// RFC 4271 §4.1, RFC 2918 §3 (ROUTE-REFRESH).
enum class MessageType : std::uint8_t {
  kOpen = 1,
  kUpdate = 2,
  kNotification = 3,
  kKeepalive = 4,
  kRouteRefresh = 5,
};

// RFC 4271 §4.5 error codes (+ RFC 7313 §5 for ROUTE-REFRESH Message Error).
namespace error_code {
inline constexpr std::uint8_t kMessageHeader = 1;
inline constexpr std::uint8_t kOpenMessage = 2;
inline constexpr std::uint8_t kUpdateMessage = 3;
inline constexpr std::uint8_t kHoldTimerExpired = 4;
inline constexpr std::uint8_t kFsm = 5;
inline constexpr std::uint8_t kCease = 6;
inline constexpr std::uint8_t kRouteRefreshMessage = 7;
}  // namespace error_code

// RFC 4271 §6.1.
namespace header_subcode {
inline constexpr std::uint8_t kConnectionNotSynchronized = 1;
inline constexpr std::uint8_t kBadMessageLength = 2;
inline constexpr std::uint8_t kBadMessageType = 3;
}  // namespace header_subcode

// RFC 4271 §6.2, RFC 5492 §5 (Unsupported Capability), RFC 9234 (Role Mismatch).
namespace open_subcode {
inline constexpr std::uint8_t kUnspecific = 0;
inline constexpr std::uint8_t kUnsupportedVersionNumber = 1;
inline constexpr std::uint8_t kBadPeerAs = 2;
inline constexpr std::uint8_t kBadBgpIdentifier = 3;
inline constexpr std::uint8_t kUnsupportedOptionalParameter = 4;
inline constexpr std::uint8_t kAuthenticationFailure = 5;  // deprecated by RFC 4271
inline constexpr std::uint8_t kUnacceptableHoldTime = 6;
inline constexpr std::uint8_t kUnsupportedCapability = 7;
inline constexpr std::uint8_t kRoleMismatch = 11;
}  // namespace open_subcode

// RFC 4271 §6.3.
namespace update_subcode {
inline constexpr std::uint8_t kUnspecific = 0;
inline constexpr std::uint8_t kMalformedAttributeList = 1;
inline constexpr std::uint8_t kUnrecognizedWellKnownAttribute = 2;
inline constexpr std::uint8_t kMissingWellKnownAttribute = 3;
inline constexpr std::uint8_t kAttributeFlagsError = 4;
inline constexpr std::uint8_t kAttributeLengthError = 5;
inline constexpr std::uint8_t kInvalidOriginAttribute = 6;
inline constexpr std::uint8_t kAsRoutingLoop = 7;  // deprecated by RFC 4271
inline constexpr std::uint8_t kInvalidNextHopAttribute = 8;
inline constexpr std::uint8_t kOptionalAttributeError = 9;
inline constexpr std::uint8_t kInvalidNetworkField = 10;
inline constexpr std::uint8_t kMalformedAsPath = 11;
}  // namespace update_subcode

// RFC 6608 §4.
namespace fsm_subcode {
inline constexpr std::uint8_t kUnspecified = 0;
inline constexpr std::uint8_t kUnexpectedInOpenSent = 1;
inline constexpr std::uint8_t kUnexpectedInOpenConfirm = 2;
inline constexpr std::uint8_t kUnexpectedInEstablished = 3;
}  // namespace fsm_subcode

// RFC 4486 §4, RFC 8538 §5 (Hard Reset), RFC 9384 (BFD Down).
namespace cease_subcode {
inline constexpr std::uint8_t kUnspecific = 0;
inline constexpr std::uint8_t kMaxPrefixes = 1;
inline constexpr std::uint8_t kAdministrativeShutdown = 2;
inline constexpr std::uint8_t kPeerDeconfigured = 3;
inline constexpr std::uint8_t kAdministrativeReset = 4;
inline constexpr std::uint8_t kConnectionRejected = 5;
inline constexpr std::uint8_t kOtherConfigurationChange = 6;
inline constexpr std::uint8_t kConnectionCollisionResolution = 7;
inline constexpr std::uint8_t kOutOfResources = 8;
inline constexpr std::uint8_t kHardReset = 9;
inline constexpr std::uint8_t kBfdDown = 10;
}  // namespace cease_subcode

// RFC 7313 §5.
namespace route_refresh_subcode {
inline constexpr std::uint8_t kInvalidMessageLength = 1;
}  // namespace route_refresh_subcode

// RFC 4271 §4.3 attribute flag bits (high nibble; the low nibble is unused and ignored).
namespace attr_flag {
inline constexpr std::uint8_t kOptional = 0x80;
inline constexpr std::uint8_t kTransitive = 0x40;
inline constexpr std::uint8_t kPartial = 0x20;
inline constexpr std::uint8_t kExtendedLength = 0x10;
}  // namespace attr_flag

// Path attribute type codes (IANA "BGP Path Attributes").
namespace attr_type {
inline constexpr std::uint8_t kOrigin = 1;             // RFC 4271 §5.1.1
inline constexpr std::uint8_t kAsPath = 2;             // RFC 4271 §5.1.2
inline constexpr std::uint8_t kNextHop = 3;            // RFC 4271 §5.1.3
inline constexpr std::uint8_t kMultiExitDisc = 4;      // RFC 4271 §5.1.4
inline constexpr std::uint8_t kLocalPref = 5;          // RFC 4271 §5.1.5
inline constexpr std::uint8_t kAtomicAggregate = 6;    // RFC 4271 §5.1.6
inline constexpr std::uint8_t kAggregator = 7;         // RFC 4271 §5.1.7
inline constexpr std::uint8_t kCommunities = 8;        // RFC 1997
inline constexpr std::uint8_t kOriginatorId = 9;       // RFC 4456 §8
inline constexpr std::uint8_t kClusterList = 10;       // RFC 4456 §8
inline constexpr std::uint8_t kMpReachNlri = 14;       // RFC 4760 §3
inline constexpr std::uint8_t kMpUnreachNlri = 15;     // RFC 4760 §4
inline constexpr std::uint8_t kAs4Path = 17;           // RFC 6793 §3
inline constexpr std::uint8_t kAs4Aggregator = 18;     // RFC 6793 §3
inline constexpr std::uint8_t kLargeCommunities = 32;  // RFC 8092 §3
}  // namespace attr_type

// Capability codes (IANA "Capability Codes").
namespace capability_code {
inline constexpr std::uint8_t kMultiprotocol = 1;        // RFC 4760 §8
inline constexpr std::uint8_t kRouteRefresh = 2;         // RFC 2918 §2
inline constexpr std::uint8_t kExtendedMessage = 6;      // RFC 8654 §3
inline constexpr std::uint8_t kGracefulRestart = 64;     // RFC 4724 §3
inline constexpr std::uint8_t kFourOctetAs = 65;         // RFC 6793 §3
inline constexpr std::uint8_t kRouteRefreshCisco = 128;  // pre-standard Cisco route refresh
}  // namespace capability_code

// RFC 5492 §4: OPEN optional parameter type carrying capabilities.
inline constexpr std::uint8_t kOptParamCapabilities = 2;
// RFC 9072 §2: Non-Ext OP Type value that marks the extended optional parameters format.
inline constexpr std::uint8_t kOptParamExtendedMarker = 255;

// Address Family Identifier (IANA); other values are carried as-is.
enum class Afi : std::uint16_t { kIpv4 = 1, kIpv6 = 2 };
// Subsequent Address Family Identifier (IANA); other values are carried as-is.
enum class Safi : std::uint8_t { kUnicast = 1, kMulticast = 2 };

struct AfiSafi {
  Afi afi = Afi::kIpv4;
  Safi safi = Safi::kUnicast;
  auto operator<=>(const AfiSafi&) const = default;
  bool operator==(const AfiSafi&) const = default;
};
inline constexpr AfiSafi kIpv4Unicast{Afi::kIpv4, Safi::kUnicast};
inline constexpr AfiSafi kIpv6Unicast{Afi::kIpv6, Safi::kUnicast};

}  // namespace vipd::bgp::wire
