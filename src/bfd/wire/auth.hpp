// BFD authentication (RFC 5880 §6.7): signing outgoing packets and checking received ones, pure.
// Digests come from GNU Nettle (Debian nettle-dev: MD5 and SHA1 without global state or
// allocation); nothing here hand-rolls a hash.
#pragma once

#include <cstdint>

#include "bfd/wire/packet.hpp"
#include "common/bytes.hpp"
#include "common/result.hpp"

namespace vipd::bfd::wire {

// What a session is configured with (RFC 5880 §6.8.1 bfd.AuthType, the key of bfd.AuthKeyID).
struct AuthKey {
  AuthType type = AuthType::kSimplePassword;
  std::uint8_t key_id = 0;
  // The password (simple: 1-16 octets) or the key (MD5: up to 16 octets, SHA1: up to 20;
  // shorter keys are zero padded, §6.7.3/§6.7.4).
  Bytes secret;
};

// Whether `key` can be used: a password of 1-16 octets, an MD5 key of at most 16, a SHA1 key
// of at most 20.
bool valid_key(const AuthKey& key);

// Encodes `packet` with an authentication section for `key` (which must be valid_key()):
// simple password §6.7.2; keyed MD5 §6.7.3 and keyed SHA1 §6.7.4 with `sequence` (the caller
// keeps bfd.XmitAuthSeq and increments it as the variant requires) and the digest computed over
// the whole packet with the zero-padded key in the digest field.
Bytes sign(ControlPacket packet, const AuthKey& key, std::uint32_t sequence = 0);

enum class AuthError : std::uint8_t {
  kMissing,        // §6.8.6: A bit clear while bfd.AuthType is not zero
  kUnexpected,     // §6.8.6: A bit set while no authentication is in use
  kTypeMismatch,   // §6.7.2-§6.7.4: Auth Type is not bfd.AuthType
  kKeyIdMismatch,  // §6.7.2-§6.7.4: Auth Key ID names no key we have
  kBadPassword,    // §6.7.2
  kBadDigest,      // §6.7.3/§6.7.4
  kBadSequence,    // §6.7.3/§6.7.4: sequence number outside the window
};
std::string_view to_string(AuthError error);

// Checks the authentication of a decoded packet against the session's key (nullptr: the session
// uses none). `datagram` is what decode() was given: digests cover the first Length octets.
// The sequence number is checked separately (ReceiveSequence) once this passed.
Status<AuthError> verify(ByteSpan datagram, const ControlPacket& packet, const AuthKey* key);

// RFC 5880 §6.7.3/§6.7.4 receive side of the sequence number: bfd.RcvAuthSeq and
// bfd.AuthSeqKnown. The session resets it (known = false) when no packet arrived for twice the
// Detection Time (§6.8.1 bfd.AuthSeqKnown).
struct ReceiveSequence {
  bool known = false;
  std::uint32_t last = 0;

  // Accepts `sequence` and records it, or rejects it (state unchanged): when known it must lie
  // in [last, last + 3 * detect_mult] for keyed variants and in (last, last + 3 * detect_mult]
  // for meticulous ones, modulo 2^32. `detect_mult` is bfd.DetectMult.
  bool accept(std::uint32_t sequence, bool meticulous, std::uint8_t detect_mult);
  bool operator==(const ReceiveSequence&) const = default;
};

}  // namespace vipd::bfd::wire
