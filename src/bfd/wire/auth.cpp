#include "bfd/wire/auth.hpp"

#include <nettle/md5.h>
#include <nettle/memops.h>
#include <nettle/sha1.h>

#include <algorithm>
#include <cassert>

namespace vipd::bfd::wire {

namespace {

// Offset of the digest in the packet: mandatory section, then Auth Type, Auth Len, Auth Key ID,
// Reserved and the 4-octet sequence number (§4.3, §4.4).
constexpr std::size_t kDigestOffset = kMandatorySize + 8;

std::size_t key_size(AuthType type) {
  return is_md5(type) ? kMd5DigestSize : kSha1DigestSize;
}

// §6.7.3/§6.7.4: the digest over the packet whose digest field holds the zero-padded key.
// `packet` is modified in place: its digest field ends up holding the digest.
void compute_digest(Bytes& packet, AuthType type, ByteSpan secret) {
  const std::size_t size = key_size(type);
  assert(packet.size() == kDigestOffset + size && secret.size() <= size);
  std::uint8_t* field = packet.data() + kDigestOffset;
  std::fill(field, field + size, 0);
  std::copy(secret.begin(), secret.end(), field);
  if (is_md5(type)) {
    md5_ctx ctx;
    md5_init(&ctx);
    md5_update(&ctx, packet.size(), packet.data());
    md5_digest(&ctx, MD5_DIGEST_SIZE, field);
  } else {
    sha1_ctx ctx;
    sha1_init(&ctx);
    sha1_update(&ctx, packet.size(), packet.data());
    sha1_digest(&ctx, SHA1_DIGEST_SIZE, field);
  }
}

}  // namespace

bool valid_key(const AuthKey& key) {
  switch (key.type) {
    case AuthType::kSimplePassword:
      return !key.secret.empty() && key.secret.size() <= kMaxSimplePasswordSize;
    case AuthType::kKeyedMd5:
    case AuthType::kMeticulousKeyedMd5:
    case AuthType::kKeyedSha1:
    case AuthType::kMeticulousKeyedSha1:
      return key.secret.size() <= key_size(key.type);
    case AuthType::kReserved:
      break;
  }
  return false;
}

Bytes sign(ControlPacket packet, const AuthKey& key, std::uint32_t sequence) {
  assert(valid_key(key));
  Authentication auth;
  auth.type = key.type;
  auth.key_id = key.key_id;
  if (key.type == AuthType::kSimplePassword) {
    auth.password = key.secret;  // §6.7.2
    packet.auth = std::move(auth);
    return encode(packet);
  }
  auth.sequence = sequence;
  packet.auth = std::move(auth);
  Bytes out = encode(packet);
  compute_digest(out, key.type, key.secret);
  return out;
}

std::string_view to_string(AuthError error) {
  switch (error) {
    case AuthError::kMissing:
      return "auth-missing";
    case AuthError::kUnexpected:
      return "auth-unexpected";
    case AuthError::kTypeMismatch:
      return "auth-type-mismatch";
    case AuthError::kKeyIdMismatch:
      return "auth-key-id-mismatch";
    case AuthError::kBadPassword:
      return "bad-password";
    case AuthError::kBadDigest:
      return "bad-digest";
    case AuthError::kBadSequence:
      return "bad-sequence";
  }
  return "?";
}

Status<AuthError> verify(ByteSpan datagram, const ControlPacket& packet, const AuthKey* key) {
  // §6.8.6: "If the A bit is set and no authentication is in use ... discard"; "If the A bit is
  // clear and authentication is in use ... discard".
  if (!packet.auth) {
    if (key != nullptr) return unexpected(AuthError::kMissing);
    return Ok{};
  }
  if (key == nullptr) return unexpected(AuthError::kUnexpected);
  const Authentication& auth = *packet.auth;
  if (auth.type != key->type) return unexpected(AuthError::kTypeMismatch);
  if (auth.key_id != key->key_id) return unexpected(AuthError::kKeyIdMismatch);
  if (auth.type == AuthType::kSimplePassword) {
    // §6.7.2: the password must match bfd.AuthKey exactly (length included).
    if (auth.password != key->secret) return unexpected(AuthError::kBadPassword);
    return Ok{};
  }
  // decode() guaranteed Length = 24 + Auth Len <= datagram size.
  const std::size_t length = packet.size();
  assert(datagram.size() >= length && length == kDigestOffset + key_size(auth.type));
  Bytes copy(datagram.begin(), datagram.begin() + static_cast<std::ptrdiff_t>(length));
  compute_digest(copy, auth.type, key->secret);
  const std::size_t size = key_size(auth.type);
  if (!nettle_memeql_sec(copy.data() + kDigestOffset, datagram.data() + kDigestOffset, size)) {
    return unexpected(AuthError::kBadDigest);
  }
  return Ok{};
}

bool ReceiveSequence::accept(std::uint32_t sequence, bool meticulous, std::uint8_t detect_mult) {
  if (known) {
    // Unsigned arithmetic wraps modulo 2^32, as the RFC's windows do.
    const std::uint32_t ahead = sequence - last;
    const std::uint32_t window = 3u * detect_mult;
    if (ahead > window || (meticulous && ahead == 0)) return false;
  }
  known = true;
  last = sequence;
  return true;
}

}  // namespace vipd::bfd::wire
