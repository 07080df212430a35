#include "bfd/wire/packet.hpp"

#include <algorithm>
#include <cassert>

namespace vipd::bfd::wire {

namespace {

// RFC 5880 §4.1, second octet: Sta(2) P F C A D M.
constexpr std::uint8_t kFlagPoll = 0x20;
constexpr std::uint8_t kFlagFinal = 0x10;
constexpr std::uint8_t kFlagControlPlaneIndependent = 0x08;
constexpr std::uint8_t kFlagAuth = 0x04;
constexpr std::uint8_t kFlagDemand = 0x02;
constexpr std::uint8_t kFlagMultipoint = 0x01;

constexpr std::size_t kMinAuthLength = 2;     // §6.8.6: 26 = 24 + Auth Type + Auth Len
constexpr std::size_t kSimpleHeaderSize = 3;  // §4.2: Auth Type, Auth Len, Auth Key ID

std::size_t digest_size(AuthType type) {
  return is_md5(type) ? kMd5DigestSize : kSha1DigestSize;
}

Result<Authentication, DecodeError> decode_auth(ByteSpan section) {
  ByteReader in(section);
  const std::uint8_t type = in.u8();
  const std::uint8_t length = in.u8();
  if (type == 0 || type > static_cast<std::uint8_t>(AuthType::kMeticulousKeyedSha1)) {
    return unexpected(DecodeError::kBadAuthType);
  }
  Authentication auth;
  auth.type = static_cast<AuthType>(type);
  if (auth.type == AuthType::kSimplePassword) {
    // §4.2: Auth Len = 3 + password length, password 1-16 octets.
    if (length < kSimpleHeaderSize + 1 || length > kSimpleHeaderSize + kMaxSimplePasswordSize) {
      return unexpected(DecodeError::kBadAuthLength);
    }
  } else if (length != (is_md5(auth.type) ? kMd5AuthSize : kSha1AuthSize)) {
    return unexpected(DecodeError::kBadAuthLength);  // §4.3: 24, §4.4: 28
  }
  if (length != section.size()) return unexpected(DecodeError::kAuthLengthMismatch);
  auth.key_id = in.u8();
  if (auth.type == AuthType::kSimplePassword) {
    const ByteSpan password = in.rest();
    auth.password.assign(password.begin(), password.end());
  } else {
    in.skip(1);  // §4.3/§4.4 Reserved: "ignored on receipt"
    auth.sequence = in.u32();
    const ByteSpan digest = in.bytes(digest_size(auth.type));
    std::copy(digest.begin(), digest.end(), auth.digest.begin());
  }
  assert(in.ok());
  return auth;
}

}  // namespace

std::string_view to_string(Diagnostic diag) {
  switch (diag) {
    case Diagnostic::kNone:
      return "ok";
    case Diagnostic::kControlDetectionTimeExpired:
      return "control detection time expired";
    case Diagnostic::kEchoFunctionFailed:
      return "echo function failed";
    case Diagnostic::kNeighborSignaledSessionDown:
      return "neighbor signaled session down";
    case Diagnostic::kForwardingPlaneReset:
      return "forwarding plane reset";
    case Diagnostic::kPathDown:
      return "path down";
    case Diagnostic::kConcatenatedPathDown:
      return "concatenated path down";
    case Diagnostic::kAdministrativelyDown:
      return "administratively down";
    case Diagnostic::kReverseConcatenatedPathDown:
      return "reverse concatenated path down";
  }
  return "unknown";
}

std::string_view to_string(State state) {
  switch (state) {
    case State::kAdminDown:
      return "AdminDown";
    case State::kDown:
      return "Down";
    case State::kInit:
      return "Init";
    case State::kUp:
      return "Up";
  }
  return "?";
}

std::string_view to_string(AuthType type) {
  switch (type) {
    case AuthType::kReserved:
      return "reserved";
    case AuthType::kSimplePassword:
      return "simple-password";
    case AuthType::kKeyedMd5:
      return "keyed-md5";
    case AuthType::kMeticulousKeyedMd5:
      return "meticulous-keyed-md5";
    case AuthType::kKeyedSha1:
      return "keyed-sha1";
    case AuthType::kMeticulousKeyedSha1:
      return "meticulous-keyed-sha1";
  }
  return "unknown";
}

bool is_md5(AuthType type) {
  return type == AuthType::kKeyedMd5 || type == AuthType::kMeticulousKeyedMd5;
}
bool is_sha1(AuthType type) {
  return type == AuthType::kKeyedSha1 || type == AuthType::kMeticulousKeyedSha1;
}
bool is_meticulous(AuthType type) {
  return type == AuthType::kMeticulousKeyedMd5 || type == AuthType::kMeticulousKeyedSha1;
}

std::string_view to_string(DecodeError error) {
  switch (error) {
    case DecodeError::kTruncated:
      return "truncated";
    case DecodeError::kBadVersion:
      return "bad-version";
    case DecodeError::kBadLength:
      return "bad-length";
    case DecodeError::kLengthExceedsDatagram:
      return "length-exceeds-datagram";
    case DecodeError::kZeroDetectMult:
      return "zero-detect-mult";
    case DecodeError::kMultipoint:
      return "multipoint";
    case DecodeError::kZeroMyDiscriminator:
      return "zero-my-discriminator";
    case DecodeError::kZeroYourDiscriminator:
      return "zero-your-discriminator";
    case DecodeError::kBadAuthType:
      return "bad-auth-type";
    case DecodeError::kBadAuthLength:
      return "bad-auth-length";
    case DecodeError::kAuthLengthMismatch:
      return "auth-length-mismatch";
  }
  return "?";
}

std::size_t Authentication::size() const {
  if (type == AuthType::kSimplePassword) return kSimpleHeaderSize + password.size();
  return is_md5(type) ? kMd5AuthSize : kSha1AuthSize;
}

std::size_t ControlPacket::size() const {
  return kMandatorySize + (auth ? auth->size() : 0);
}

Bytes encode(const ControlPacket& packet) {
  assert(
      !packet.auth || packet.auth->type != AuthType::kSimplePassword ||
      (!packet.auth->password.empty() && packet.auth->password.size() <= kMaxSimplePasswordSize));
  ByteWriter out;
  // §4.1: Vers(3) Diag(5).
  out.u8(static_cast<std::uint8_t>(kVersion << 5 |
                                   (static_cast<std::uint8_t>(packet.diag) & kMaxDiagnostic)));
  std::uint8_t flags = static_cast<std::uint8_t>(static_cast<std::uint8_t>(packet.state) << 6);
  if (packet.poll) flags |= kFlagPoll;
  if (packet.final) flags |= kFlagFinal;
  if (packet.control_plane_independent) flags |= kFlagControlPlaneIndependent;
  if (packet.auth) flags |= kFlagAuth;
  if (packet.demand) flags |= kFlagDemand;
  out.u8(flags);
  out.u8(packet.detect_mult);
  out.u8(static_cast<std::uint8_t>(packet.size()));
  out.u32(packet.my_discriminator);
  out.u32(packet.your_discriminator);
  out.u32(packet.desired_min_tx_us);
  out.u32(packet.required_min_rx_us);
  out.u32(packet.required_min_echo_rx_us);
  if (const auto& auth = packet.auth) {
    out.u8(static_cast<std::uint8_t>(auth->type));
    out.u8(static_cast<std::uint8_t>(auth->size()));
    out.u8(auth->key_id);
    if (auth->type == AuthType::kSimplePassword) {
      out.bytes(auth->password);
    } else {
      out.u8(0);  // §4.3/§4.4 Reserved
      out.u32(auth->sequence);
      out.bytes(ByteSpan(auth->digest.data(), digest_size(auth->type)));
    }
  }
  return out.take();
}

Result<ControlPacket, DecodeError> decode(ByteSpan datagram) {
  if (datagram.size() < kMandatorySize) return unexpected(DecodeError::kTruncated);
  ByteReader in(datagram);
  const std::uint8_t version_diag = in.u8();
  const std::uint8_t flags = in.u8();
  ControlPacket packet;
  packet.detect_mult = in.u8();
  const std::size_t length = in.u8();
  packet.my_discriminator = in.u32();
  packet.your_discriminator = in.u32();
  packet.desired_min_tx_us = in.u32();
  packet.required_min_rx_us = in.u32();
  packet.required_min_echo_rx_us = in.u32();

  // RFC 5880 §6.8.6, the checks on the packet itself, in the RFC's order.
  if ((version_diag >> 5) != kVersion) return unexpected(DecodeError::kBadVersion);
  const bool has_auth = (flags & kFlagAuth) != 0;
  if (length < kMandatorySize + (has_auth ? kMinAuthLength : 0)) {
    return unexpected(DecodeError::kBadLength);
  }
  if (length > datagram.size()) return unexpected(DecodeError::kLengthExceedsDatagram);
  if (packet.detect_mult == 0) return unexpected(DecodeError::kZeroDetectMult);
  if (flags & kFlagMultipoint) return unexpected(DecodeError::kMultipoint);
  if (packet.my_discriminator == 0) return unexpected(DecodeError::kZeroMyDiscriminator);
  packet.state = static_cast<State>(flags >> 6);
  if (packet.your_discriminator == 0 && packet.state != State::kDown &&
      packet.state != State::kAdminDown) {
    return unexpected(DecodeError::kZeroYourDiscriminator);
  }

  packet.diag = static_cast<Diagnostic>(version_diag & kMaxDiagnostic);
  packet.poll = (flags & kFlagPoll) != 0;
  packet.final = (flags & kFlagFinal) != 0;
  packet.control_plane_independent = (flags & kFlagControlPlaneIndependent) != 0;
  packet.demand = (flags & kFlagDemand) != 0;
  if (has_auth) {
    auto auth = decode_auth(datagram.subspan(kMandatorySize, length - kMandatorySize));
    if (!auth) return unexpected(auth.error());
    packet.auth = std::move(*auth);
  }
  return packet;
}

}  // namespace vipd::bfd::wire
