// The BFD Control packet of RFC 5880 §4.1 with its optional authentication section (§4.2-§4.4),
// pure encode/decode: no sockets, clock or globals. The buffer is the UDP payload (RFC 5881 §4:
// destination port 3784 single hop, RFC 5883 §5: 4784 multihop).
//
// decode() applies the reception checks of RFC 5880 §6.8.6 that concern the packet alone, in the
// RFC's order, and then checks the authentication section's own format (§4.2-§4.4). The checks
// that need a session (discriminator lookup, Auth Type in use, digest and sequence number,
// §6.7) belong to the session code (auth.hpp verifies digests and passwords).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "common/bytes.hpp"
#include "common/result.hpp"

namespace vipd::bfd::wire {

inline constexpr std::uint8_t kVersion = 1;                // RFC 5880 §4.1 Vers
inline constexpr std::size_t kMandatorySize = 24;          // RFC 5880 §4.1
inline constexpr std::uint16_t kSingleHopPort = 3784;      // RFC 5881 §4
inline constexpr std::uint16_t kEchoPort = 3785;           // RFC 5881 §4
inline constexpr std::uint16_t kMultihopPort = 4784;       // RFC 5883 §5
inline constexpr std::size_t kMaxSimplePasswordSize = 16;  // RFC 5880 §4.2
inline constexpr std::size_t kMd5DigestSize = 16;          // RFC 5880 §4.3
inline constexpr std::size_t kSha1DigestSize = 20;         // RFC 5880 §4.4
inline constexpr std::size_t kMd5AuthSize = 24;            // RFC 5880 §4.3 Auth Len
inline constexpr std::size_t kSha1AuthSize = 28;           // RFC 5880 §4.4 Auth Len

// RFC 5880 §4.1 Diag (5 bits). Values 9-31 are reserved but decode as they come.
enum class Diagnostic : std::uint8_t {
  kNone = 0,
  kControlDetectionTimeExpired = 1,
  kEchoFunctionFailed = 2,
  kNeighborSignaledSessionDown = 3,
  kForwardingPlaneReset = 4,
  kPathDown = 5,
  kConcatenatedPathDown = 6,
  kAdministrativelyDown = 7,
  kReverseConcatenatedPathDown = 8,
};
inline constexpr std::uint8_t kMaxDiagnostic = 31;
// FRR bfdd's wording (`show bfd peers`: "Diagnostics: control detection time expired"; "ok" for
// 0, "unknown" for reserved values).
std::string_view to_string(Diagnostic diag);

// RFC 5880 §4.1 Sta.
enum class State : std::uint8_t { kAdminDown = 0, kDown = 1, kInit = 2, kUp = 3 };
// The RFC's names: "AdminDown", "Down", "Init", "Up".
std::string_view to_string(State state);

// RFC 5880 §4.1 Auth Type (§4.2-§4.4).
enum class AuthType : std::uint8_t {
  kReserved = 0,
  kSimplePassword = 1,
  kKeyedMd5 = 2,
  kMeticulousKeyedMd5 = 3,
  kKeyedSha1 = 4,
  kMeticulousKeyedSha1 = 5,
};
std::string_view to_string(AuthType type);
bool is_md5(AuthType type);
bool is_sha1(AuthType type);
bool is_meticulous(AuthType type);

// The authentication section (present iff the A bit is set).
struct Authentication {
  AuthType type = AuthType::kSimplePassword;
  std::uint8_t key_id = 0;
  // kSimplePassword: the password, 1-16 octets (§4.2).
  Bytes password;
  // Keyed MD5/SHA1 (§4.3, §4.4): the sequence number and the digest (16 octets used for MD5,
  // 20 for SHA1; the rest stays zero). The reserved octet is sent as zero and ignored.
  std::uint32_t sequence = 0;
  std::array<std::uint8_t, kSha1DigestSize> digest{};

  // The Auth Len this section encodes to.
  std::size_t size() const;
  bool operator==(const Authentication&) const = default;
};

struct ControlPacket {
  Diagnostic diag = Diagnostic::kNone;
  State state = State::kDown;
  bool poll = false;                       // P
  bool final = false;                      // F
  bool control_plane_independent = false;  // C
  bool demand = false;                     // D
  // M is always zero: decode rejects it (§6.8.6) and encode never sets it.
  std::uint8_t detect_mult = 0;
  std::uint32_t my_discriminator = 0;
  std::uint32_t your_discriminator = 0;
  // Microseconds, as on the wire (§4.1).
  std::uint32_t desired_min_tx_us = 0;
  std::uint32_t required_min_rx_us = 0;
  std::uint32_t required_min_echo_rx_us = 0;
  std::optional<Authentication> auth;  // A bit

  // The Length field this packet encodes to.
  std::size_t size() const;
  bool operator==(const ControlPacket&) const = default;
};

enum class DecodeError : std::uint8_t {
  kTruncated,              // fewer than 24 octets: no complete mandatory section
  kBadVersion,             // §6.8.6: version is not 1
  kBadLength,              // §6.8.6: Length < 24, or < 26 with the A bit set
  kLengthExceedsDatagram,  // §6.8.6: Length greater than the UDP payload
  kZeroDetectMult,         // §6.8.6: Detect Mult is zero
  kMultipoint,             // §6.8.6: the M bit is set
  kZeroMyDiscriminator,    // §6.8.6: My Discriminator is zero
  kZeroYourDiscriminator,  // §6.8.6: Your Discriminator zero in state Init or Up
  kBadAuthType,            // §4.1: Auth Type 0 (reserved) or above 5
  kBadAuthLength,          // §4.2-§4.4: Auth Len wrong for the type (simple: 4..19, MD5: 24,
                           // SHA1: 28)
  kAuthLengthMismatch,     // the authentication section does not end where Length ends
};
inline constexpr std::size_t kDecodeErrorCount = 11;
// Short, stable names for counters and logs ("zero-detect-mult").
std::string_view to_string(DecodeError error);

// Encodes the packet as given (an auth section's digest is copied, not computed: see
// auth.hpp sign()). Length is size(). Requires a simple password of 1-16 octets.
Bytes encode(const ControlPacket& packet);

// Decodes one datagram (the UDP payload). Octets after Length are ignored (§6.8.6 only requires
// Length <= the payload). Never reads past `datagram`.
Result<ControlPacket, DecodeError> decode(ByteSpan datagram);

}  // namespace vipd::bfd::wire
