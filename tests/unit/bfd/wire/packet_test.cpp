// BFD Control packet codec (RFC 5880 §4.1-§4.4, §6.8.6) against FRR and BIRD shaped fixtures.
#include "bfd/wire/packet.hpp"

#include <gtest/gtest.h>

#include "fixtures.hpp"

namespace vipd::bfd::wire {
namespace {

ControlPacket decode_ok(const Bytes& bytes) {
  auto packet = decode(bytes);
  EXPECT_TRUE(packet.ok()) << (packet.ok() ? "" : to_string(packet.error()));
  return packet.ok() ? *packet : ControlPacket{};
}

DecodeError decode_error(const Bytes& bytes) {
  auto packet = decode(bytes);
  EXPECT_FALSE(packet.ok());
  return packet.ok() ? DecodeError::kTruncated : packet.error();
}

// Round trip: the octets vipd would send are the octets the peer sent.
void expect_round_trip(const char* hex) {
  const Bytes bytes = from_hex(hex);
  const ControlPacket packet = decode_ok(bytes);
  EXPECT_EQ(to_hex(encode(packet)), to_hex(bytes));
  EXPECT_EQ(packet.size(), bytes.size());
}

TEST(BfdPacket, DecodesFrrDown) {
  const ControlPacket p = decode_ok(from_hex(fixtures::kFrrDown));
  EXPECT_EQ(p.diag, Diagnostic::kNone);
  EXPECT_EQ(p.state, State::kDown);
  EXPECT_FALSE(p.poll || p.final || p.control_plane_independent || p.demand);
  EXPECT_EQ(p.detect_mult, 3);
  EXPECT_EQ(p.my_discriminator, 0x5a1c0d01u);
  EXPECT_EQ(p.your_discriminator, 0u);
  EXPECT_EQ(p.desired_min_tx_us, 1000000u);
  EXPECT_EQ(p.required_min_rx_us, 300000u);
  EXPECT_EQ(p.required_min_echo_rx_us, 50000u);
  EXPECT_FALSE(p.auth.has_value());
}

TEST(BfdPacket, DecodesFrrUpWithPoll) {
  const ControlPacket p = decode_ok(from_hex(fixtures::kFrrUpPoll));
  EXPECT_EQ(p.state, State::kUp);
  EXPECT_TRUE(p.poll);
  EXPECT_FALSE(p.final);
  EXPECT_EQ(p.your_discriminator, 0xb1d2u);
  EXPECT_EQ(p.desired_min_tx_us, 300000u);
}

TEST(BfdPacket, DecodesAdminDownAndDiagnostics) {
  const ControlPacket admin = decode_ok(from_hex(fixtures::kFrrAdminDown));
  EXPECT_EQ(admin.state, State::kAdminDown);
  EXPECT_EQ(admin.diag, Diagnostic::kAdministrativelyDown);
  const ControlPacket expired = decode_ok(from_hex(fixtures::kFrrDownDetectExpired));
  EXPECT_EQ(expired.diag, Diagnostic::kControlDetectionTimeExpired);
}

TEST(BfdPacket, DecodesBirdInitAndFinal) {
  const ControlPacket init = decode_ok(from_hex(fixtures::kBirdInit));
  EXPECT_EQ(init.state, State::kInit);
  EXPECT_EQ(init.detect_mult, 5);
  EXPECT_EQ(init.required_min_rx_us, 10000u);
  EXPECT_EQ(init.required_min_echo_rx_us, 0u);
  const ControlPacket final = decode_ok(from_hex(fixtures::kBirdUpFinal));
  EXPECT_EQ(final.state, State::kUp);
  EXPECT_TRUE(final.final);
  EXPECT_FALSE(final.poll);
  EXPECT_EQ(final.desired_min_tx_us, 100000u);
}

TEST(BfdPacket, RoundTripsEveryFixture) {
  for (const char* hex :
       {fixtures::kFrrDown, fixtures::kFrrUpPoll, fixtures::kFrrAdminDown,
        fixtures::kFrrDownDetectExpired, fixtures::kBirdInit, fixtures::kBirdUpFinal,
        fixtures::kSimplePassword, fixtures::kKeyedMd5, fixtures::kMeticulousMd5,
        fixtures::kKeyedSha1, fixtures::kMeticulousSha1}) {
    SCOPED_TRACE(hex);
    expect_round_trip(hex);
  }
}

TEST(BfdPacket, DecodesSimplePassword) {
  const ControlPacket p = decode_ok(from_hex(fixtures::kSimplePassword));
  ASSERT_TRUE(p.auth.has_value());
  EXPECT_EQ(p.auth->type, AuthType::kSimplePassword);
  EXPECT_EQ(p.auth->key_id, 1);
  EXPECT_EQ(std::string(p.auth->password.begin(), p.auth->password.end()), "secret");
  EXPECT_EQ(p.size(), 33u);
}

TEST(BfdPacket, DecodesKeyedDigestSections) {
  const ControlPacket md5 = decode_ok(from_hex(fixtures::kKeyedMd5));
  ASSERT_TRUE(md5.auth.has_value());
  EXPECT_EQ(md5.auth->type, AuthType::kKeyedMd5);
  EXPECT_EQ(md5.auth->sequence, 7u);
  EXPECT_EQ(md5.auth->digest[0], 0x05);
  EXPECT_EQ(md5.auth->digest[16], 0);  // only 16 octets for MD5
  const ControlPacket meticulous = decode_ok(from_hex(fixtures::kMeticulousSha1));
  ASSERT_TRUE(meticulous.auth.has_value());
  EXPECT_EQ(meticulous.auth->type, AuthType::kMeticulousKeyedSha1);
  EXPECT_EQ(meticulous.auth->sequence, 0x2002u);
  EXPECT_EQ(meticulous.auth->digest[19], 0xbb);
}

TEST(BfdPacket, EncodesEveryFlagAndDiagnostic) {
  ControlPacket p;
  p.state = State::kUp;
  p.poll = true;
  p.control_plane_independent = true;
  p.demand = true;
  p.detect_mult = 1;
  p.my_discriminator = 1;
  p.your_discriminator = 2;
  for (std::uint8_t diag = 0; diag <= kMaxDiagnostic; ++diag) {
    p.diag = static_cast<Diagnostic>(diag);
    const Bytes bytes = encode(p);
    EXPECT_EQ(bytes[0], 0x20 | diag);
    EXPECT_EQ(bytes[1], 0xc0 | 0x20 | 0x08 | 0x02);
    EXPECT_EQ(decode_ok(bytes), p);
  }
  p.poll = false;
  p.final = true;
  EXPECT_EQ(encode(p)[1], 0xc0 | 0x10 | 0x08 | 0x02);
}

TEST(BfdPacket, DiagnosticNamesAreFrrs) {
  EXPECT_EQ(to_string(Diagnostic::kNone), "ok");
  EXPECT_EQ(to_string(Diagnostic::kControlDetectionTimeExpired), "control detection time expired");
  EXPECT_EQ(to_string(Diagnostic::kEchoFunctionFailed), "echo function failed");
  EXPECT_EQ(to_string(Diagnostic::kNeighborSignaledSessionDown), "neighbor signaled session down");
  EXPECT_EQ(to_string(Diagnostic::kForwardingPlaneReset), "forwarding plane reset");
  EXPECT_EQ(to_string(Diagnostic::kPathDown), "path down");
  EXPECT_EQ(to_string(Diagnostic::kConcatenatedPathDown), "concatenated path down");
  EXPECT_EQ(to_string(Diagnostic::kAdministrativelyDown), "administratively down");
  EXPECT_EQ(to_string(Diagnostic::kReverseConcatenatedPathDown), "reverse concatenated path down");
  EXPECT_EQ(to_string(static_cast<Diagnostic>(9)), "unknown");
  EXPECT_EQ(to_string(State::kAdminDown), "AdminDown");
  EXPECT_EQ(to_string(State::kInit), "Init");
}

TEST(BfdPacket, IgnoresOctetsAfterLength) {
  Bytes bytes = from_hex(fixtures::kFrrDown);
  bytes.push_back(0xee);
  bytes.push_back(0xff);
  EXPECT_EQ(decode_ok(bytes), decode_ok(from_hex(fixtures::kFrrDown)));
}

// ---- §6.8.6 reception checks, one by one ----

TEST(BfdPacketErrors, Truncated) {
  Bytes bytes = from_hex(fixtures::kFrrDown);
  for (std::size_t n = 0; n < kMandatorySize; ++n) {
    EXPECT_EQ(decode_error(Bytes(bytes.begin(), bytes.begin() + n)), DecodeError::kTruncated);
  }
}

TEST(BfdPacketErrors, Version) {
  Bytes bytes = from_hex(fixtures::kFrrDown);
  for (std::uint8_t version : {0, 2, 7}) {
    bytes[0] = static_cast<std::uint8_t>(version << 5);
    EXPECT_EQ(decode_error(bytes), DecodeError::kBadVersion);
  }
}

TEST(BfdPacketErrors, LengthBelowMinimum) {
  Bytes bytes = from_hex(fixtures::kFrrDown);
  bytes[3] = 23;
  EXPECT_EQ(decode_error(bytes), DecodeError::kBadLength);
  bytes[3] = 0;
  EXPECT_EQ(decode_error(bytes), DecodeError::kBadLength);
  // A bit set: 26 at least.
  bytes = from_hex(fixtures::kSimplePassword);
  bytes[3] = 25;
  EXPECT_EQ(decode_error(bytes), DecodeError::kBadLength);
  bytes[3] = 24;
  EXPECT_EQ(decode_error(bytes), DecodeError::kBadLength);
}

TEST(BfdPacketErrors, LengthBeyondDatagram) {
  Bytes bytes = from_hex(fixtures::kFrrDown);
  bytes[3] = 25;
  EXPECT_EQ(decode_error(bytes), DecodeError::kLengthExceedsDatagram);
  bytes = from_hex(fixtures::kKeyedSha1);
  bytes.pop_back();
  EXPECT_EQ(decode_error(bytes), DecodeError::kLengthExceedsDatagram);
}

TEST(BfdPacketErrors, DetectMultZero) {
  Bytes bytes = from_hex(fixtures::kFrrDown);
  bytes[2] = 0;
  EXPECT_EQ(decode_error(bytes), DecodeError::kZeroDetectMult);
}

TEST(BfdPacketErrors, Multipoint) {
  Bytes bytes = from_hex(fixtures::kFrrDown);
  bytes[1] |= 0x01;
  EXPECT_EQ(decode_error(bytes), DecodeError::kMultipoint);
}

TEST(BfdPacketErrors, MyDiscriminatorZero) {
  Bytes bytes = from_hex(fixtures::kFrrDown);
  bytes[4] = bytes[5] = bytes[6] = bytes[7] = 0;
  EXPECT_EQ(decode_error(bytes), DecodeError::kZeroMyDiscriminator);
}

TEST(BfdPacketErrors, YourDiscriminatorZeroOnlyInDownAndAdminDown) {
  Bytes bytes = from_hex(fixtures::kFrrUpPoll);
  bytes[8] = bytes[9] = bytes[10] = bytes[11] = 0;
  EXPECT_EQ(decode_error(bytes), DecodeError::kZeroYourDiscriminator);  // Up
  bytes[1] = 0x80;                                                      // Init
  EXPECT_EQ(decode_error(bytes), DecodeError::kZeroYourDiscriminator);
  bytes[1] = 0x40;  // Down
  EXPECT_TRUE(decode(bytes).ok());
  bytes[1] = 0x00;  // AdminDown
  EXPECT_TRUE(decode(bytes).ok());
}

TEST(BfdPacketErrors, AuthType) {
  Bytes bytes = from_hex(fixtures::kSimplePassword);
  for (std::uint8_t type : {0, 6, 255}) {
    bytes[24] = type;
    EXPECT_EQ(decode_error(bytes), DecodeError::kBadAuthType);
  }
}

TEST(BfdPacketErrors, AuthLengthWrongForType) {
  Bytes bytes = from_hex(fixtures::kKeyedMd5);
  bytes[25] = 28;  // SHA1's length on an MD5 section
  EXPECT_EQ(decode_error(bytes), DecodeError::kBadAuthLength);
  bytes = from_hex(fixtures::kKeyedSha1);
  bytes[25] = 24;
  EXPECT_EQ(decode_error(bytes), DecodeError::kBadAuthLength);
  bytes = from_hex(fixtures::kSimplePassword);
  bytes[25] = 3;  // empty password
  EXPECT_EQ(decode_error(bytes), DecodeError::kBadAuthLength);
  bytes[25] = 20;  // 17-octet password
  EXPECT_EQ(decode_error(bytes), DecodeError::kBadAuthLength);
}

TEST(BfdPacketErrors, AuthSectionMustEndAtLength) {
  Bytes bytes = from_hex(fixtures::kSimplePassword);
  bytes[25] = 8;  // claims a 5-octet password in a 6-octet section
  EXPECT_EQ(decode_error(bytes), DecodeError::kAuthLengthMismatch);
  bytes = from_hex(fixtures::kSimplePassword);
  bytes[25] = 10;  // claims 7 octets, Length holds 6
  EXPECT_EQ(decode_error(bytes), DecodeError::kAuthLengthMismatch);
  // Length covers only Auth Type and Auth Len.
  bytes = from_hex(fixtures::kSimplePassword);
  bytes[3] = 26;
  EXPECT_EQ(decode_error(bytes), DecodeError::kAuthLengthMismatch);
}

TEST(BfdPacketErrors, ChecksRunInTheRfcOrder) {
  // Version is checked before everything else, detect mult before discriminators.
  Bytes bytes = from_hex(fixtures::kFrrDown);
  bytes[0] = 0x40;
  bytes[2] = 0;
  EXPECT_EQ(decode_error(bytes), DecodeError::kBadVersion);
  bytes[0] = 0x20;
  bytes[4] = bytes[5] = bytes[6] = bytes[7] = 0;
  EXPECT_EQ(decode_error(bytes), DecodeError::kZeroDetectMult);
}

TEST(BfdPacketErrors, EveryErrorHasAName) {
  for (std::size_t i = 0; i < kDecodeErrorCount; ++i) {
    EXPECT_NE(to_string(static_cast<DecodeError>(i)), "?");
  }
}

}  // namespace
}  // namespace vipd::bfd::wire
