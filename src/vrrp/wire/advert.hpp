// VRRP advertisements, pure encode/decode:
//  - VRRPv2, RFC 3768 §5: auth type + Adver Int in seconds, 8 octets of authentication data;
//  - VRRPv3, RFC 5798 §5.2: 4 reserved bits + 12-bit Max Adver Int in centiseconds.
// Both run over IPv4 and IPv6 as IP protocol 112. The buffer here is the VRRP message only (the
// IP payload); ipv4.hpp parses the IPv4 header a raw socket delivers in front of it.
//
// keepalived compatibility (docs/vrrp.md):
//  - VRRPv2 over IPv6 (not in any RFC) carries no authentication data, and its checksum is the
//    kernel's IPV6_CHECKSUM one, i.e. with the IPv6 pseudo-header, like VRRPv3.
//  - VRRPv3 over IPv4 includes the IPv4 pseudo-header in the checksum (RFC 5798 §5.2.8 as
//    keepalived and Wireshark read it); ChecksumMode::kV3WithoutPseudoHeader is keepalived
//    2.2.8's `v3_checksum_as_v2` (Cisco's reading, RFC 9568 §5.2.8).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <string_view>
#include <vector>

#include "common/bytes.hpp"
#include "common/ip.hpp"
#include "common/result.hpp"
#include "vrrp/wire/drop_cause.hpp"

namespace vipd::vrrp::wire {

inline constexpr std::uint8_t kIpProtoVrrp = 112;  // RFC 5798 §5.1.1.4
inline constexpr std::uint8_t kVrrpTtl = 255;      // RFC 5798 §5.1.1.3
inline constexpr std::uint8_t kTypeAdvertisement = 1;
inline constexpr std::size_t kHeaderSize = 8;
inline constexpr std::size_t kAuthDataSize = 8;  // RFC 3768 §5.3.10
inline constexpr std::uint16_t kMaxAdvertIntervalCs = 0x0fff;
inline constexpr std::size_t kMaxAddresses = 255;  // Count IPvX Addr is one octet

// RFC 3768 §5.3.6 (RFC 2338 §5.3.6 defined 1 and 2; keepalived still speaks 1 as "PASS").
inline constexpr std::uint8_t kAuthNone = 0;
inline constexpr std::uint8_t kAuthSimple = 1;
inline constexpr std::uint8_t kAuthIpsecAh = 2;

enum class Version : std::uint8_t { kV2 = 2, kV3 = 3 };

using AuthData = std::array<std::uint8_t, kAuthDataSize>;

// keepalived's `auth_pass`: the first 8 octets of the password, zero padded (longer ones are
// truncated with a config warning).
AuthData auth_data_from_password(std::string_view password);

struct Advert {
  Version version = Version::kV3;
  Family family = Family::kIpv4;
  std::uint8_t vrid = 0;
  std::uint8_t priority = 0;  // 0: the master stops (RFC 5798 §5.2.4); 255: address owner
  // VRRPv2 only.
  std::uint8_t auth_type = kAuthNone;
  std::uint8_t advert_interval_s = 0;
  AuthData auth_data{};  // VRRPv2 over IPv4 only; zero otherwise
  // VRRPv3 only: 12 bits (the 4 reserved bits are sent as zero and ignored, RFC 5798 §5.2.6).
  std::uint16_t max_advert_interval_cs = 0;
  // Addresses of the family; at most 255 are encoded.
  std::vector<IpAddress> addresses;

  // The interval the advert announces (v2 seconds, v3 centiseconds).
  std::chrono::milliseconds advert_interval() const;
  bool operator==(const Advert&) const = default;
};

// The IP source and destination the checksum's pseudo-header covers (RFC 5798 §5.2.8). They
// also give the message's address family.
struct PseudoHeader {
  IpAddress source;
  IpAddress destination;
};

enum class ChecksumMode : std::uint8_t {
  kStandard,               // v2 over IPv4: message only; v3 and anything over IPv6: pseudo-header
  kV3WithoutPseudoHeader,  // keepalived `v3_checksum_as_v2`: v3 over IPv4 as v2 (message only)
};

// Encodes the message with its checksum. `pseudo` must be of advert.family.
Bytes encode_advert(const Advert& advert, const PseudoHeader& pseudo,
                    ChecksumMode mode = ChecksumMode::kStandard);

// Decodes one VRRP message (exactly the IP payload) of pseudo.source's family. Checks, in order:
// fixed header present (kTruncated), version 2 or 3 (kBadVersion), type 1 (kBadType), length
// equals header + Count IPvX Addr addresses (+ v2/IPv4 auth data) (kAddressCountMismatch),
// checksum (kBadChecksum). Never reads past `message`.
Result<Advert, DropCause> decode_advert(ByteSpan message, const PseudoHeader& pseudo,
                                        ChecksumMode mode = ChecksumMode::kStandard);

// The length a message with `count` addresses has (v2 over IPv4 adds the auth data).
std::size_t advert_size(Version version, Family family, std::size_t count);

}  // namespace vipd::vrrp::wire
