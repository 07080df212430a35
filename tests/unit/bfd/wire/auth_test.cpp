// BFD authentication (RFC 5880 §6.7): signing and verifying against independently computed
// digests (fixtures.hpp), and the sequence number windows.
#include "bfd/wire/auth.hpp"

#include <gtest/gtest.h>

#include "fixtures.hpp"

namespace vipd::bfd::wire {
namespace {

Bytes text(std::string_view s) {
  return Bytes(s.begin(), s.end());
}

AuthKey key(AuthType type, std::string_view secret, std::uint8_t key_id = 1) {
  return AuthKey{type, key_id, text(secret)};
}

ControlPacket up_packet() {
  ControlPacket p;
  p.state = State::kUp;
  p.detect_mult = 3;
  p.my_discriminator = 0x5a1c0d01;
  p.your_discriminator = 0xb1d2;
  p.desired_min_tx_us = 300000;
  p.required_min_rx_us = 300000;
  p.required_min_echo_rx_us = 50000;
  return p;
}

Status<AuthError> verify_bytes(const Bytes& bytes, const AuthKey* k) {
  auto packet = decode(bytes);
  EXPECT_TRUE(packet.ok());
  return verify(bytes, *packet, k);
}

TEST(BfdAuth, SignsDigestsAsTheFixtures) {
  EXPECT_EQ(to_hex(sign(up_packet(), key(AuthType::kKeyedMd5, "vipd-md5-key"), 7)),
            to_hex(from_hex(fixtures::kKeyedMd5)));
  EXPECT_EQ(to_hex(sign(up_packet(), key(AuthType::kMeticulousKeyedMd5, "vipd-md5-key"), 0x1001)),
            to_hex(from_hex(fixtures::kMeticulousMd5)));
  EXPECT_EQ(to_hex(sign(up_packet(), key(AuthType::kKeyedSha1, "vipd-sha1-key"), 7)),
            to_hex(from_hex(fixtures::kKeyedSha1)));
  EXPECT_EQ(to_hex(sign(up_packet(), key(AuthType::kMeticulousKeyedSha1, "vipd-sha1-key"), 0x2002)),
            to_hex(from_hex(fixtures::kMeticulousSha1)));
}

TEST(BfdAuth, SignsSimplePassword) {
  ControlPacket p = up_packet();
  p.state = State::kDown;
  p.your_discriminator = 0;
  p.desired_min_tx_us = 1000000;
  EXPECT_EQ(to_hex(sign(p, key(AuthType::kSimplePassword, "secret"))),
            to_hex(from_hex(fixtures::kSimplePassword)));
}

TEST(BfdAuth, VerifiesEveryFixture) {
  const AuthKey md5 = key(AuthType::kKeyedMd5, "vipd-md5-key");
  const AuthKey md5m = key(AuthType::kMeticulousKeyedMd5, "vipd-md5-key");
  const AuthKey sha1 = key(AuthType::kKeyedSha1, "vipd-sha1-key");
  const AuthKey sha1m = key(AuthType::kMeticulousKeyedSha1, "vipd-sha1-key");
  const AuthKey simple = key(AuthType::kSimplePassword, "secret");
  EXPECT_TRUE(verify_bytes(from_hex(fixtures::kKeyedMd5), &md5).ok());
  EXPECT_TRUE(verify_bytes(from_hex(fixtures::kMeticulousMd5), &md5m).ok());
  EXPECT_TRUE(verify_bytes(from_hex(fixtures::kKeyedSha1), &sha1).ok());
  EXPECT_TRUE(verify_bytes(from_hex(fixtures::kMeticulousSha1), &sha1m).ok());
  EXPECT_TRUE(verify_bytes(from_hex(fixtures::kSimplePassword), &simple).ok());
  EXPECT_TRUE(verify_bytes(from_hex(fixtures::kFrrDown), nullptr).ok());
}

TEST(BfdAuth, RejectsWrongKeysAndTamperedPackets) {
  const AuthKey md5 = key(AuthType::kKeyedMd5, "vipd-md5-key");
  const AuthKey other = key(AuthType::kKeyedMd5, "another-key");
  EXPECT_EQ(verify_bytes(from_hex(fixtures::kKeyedMd5), &other).error(), AuthError::kBadDigest);
  Bytes tampered = from_hex(fixtures::kKeyedMd5);
  tampered[2] = 4;  // detect mult
  EXPECT_EQ(verify_bytes(tampered, &md5).error(), AuthError::kBadDigest);
  tampered = from_hex(fixtures::kKeyedSha1);
  tampered.back() ^= 1;
  const AuthKey sha1 = key(AuthType::kKeyedSha1, "vipd-sha1-key");
  EXPECT_EQ(verify_bytes(tampered, &sha1).error(), AuthError::kBadDigest);
  const AuthKey wrong_password = key(AuthType::kSimplePassword, "secre");
  EXPECT_EQ(verify_bytes(from_hex(fixtures::kSimplePassword), &wrong_password).error(),
            AuthError::kBadPassword);
}

TEST(BfdAuth, ChecksPresenceTypeAndKeyId) {
  const AuthKey md5 = key(AuthType::kKeyedMd5, "vipd-md5-key");
  EXPECT_EQ(verify_bytes(from_hex(fixtures::kFrrDown), &md5).error(), AuthError::kMissing);
  EXPECT_EQ(verify_bytes(from_hex(fixtures::kKeyedMd5), nullptr).error(), AuthError::kUnexpected);
  const AuthKey sha1 = key(AuthType::kKeyedSha1, "vipd-md5-key");
  EXPECT_EQ(verify_bytes(from_hex(fixtures::kKeyedMd5), &sha1).error(), AuthError::kTypeMismatch);
  const AuthKey md5_id2 = key(AuthType::kKeyedMd5, "vipd-md5-key", 2);
  EXPECT_EQ(verify_bytes(from_hex(fixtures::kKeyedMd5), &md5_id2).error(),
            AuthError::kKeyIdMismatch);
}

TEST(BfdAuth, SignedPacketsRoundTrip) {
  for (AuthType type : {AuthType::kKeyedMd5, AuthType::kMeticulousKeyedMd5, AuthType::kKeyedSha1,
                        AuthType::kMeticulousKeyedSha1, AuthType::kSimplePassword}) {
    const AuthKey k = key(type, "k");
    const Bytes bytes = sign(up_packet(), k, 42);
    auto packet = decode(bytes);
    ASSERT_TRUE(packet.ok()) << to_string(type);
    EXPECT_EQ(encode(*packet), bytes);
    EXPECT_TRUE(verify(bytes, *packet, &k).ok()) << to_string(type);
  }
}

TEST(BfdAuth, KeyLimits) {
  EXPECT_FALSE(valid_key(key(AuthType::kSimplePassword, "")));
  EXPECT_TRUE(valid_key(key(AuthType::kSimplePassword, std::string(16, 'x'))));
  EXPECT_FALSE(valid_key(key(AuthType::kSimplePassword, std::string(17, 'x'))));
  EXPECT_TRUE(valid_key(key(AuthType::kKeyedMd5, std::string(16, 'x'))));
  EXPECT_FALSE(valid_key(key(AuthType::kKeyedMd5, std::string(17, 'x'))));
  EXPECT_TRUE(valid_key(key(AuthType::kMeticulousKeyedSha1, std::string(20, 'x'))));
  EXPECT_FALSE(valid_key(key(AuthType::kKeyedSha1, std::string(21, 'x'))));
  EXPECT_FALSE(valid_key(key(AuthType::kReserved, "x")));
}

TEST(BfdAuthSequence, KeyedAcceptsRepeatsWithinThreeDetectMult) {
  ReceiveSequence seq;
  EXPECT_TRUE(seq.accept(100, false, 3));  // first: anything
  EXPECT_TRUE(seq.accept(100, false, 3));  // keyed: the same again is fine
  EXPECT_TRUE(seq.accept(109, false, 3));  // last + 3 * 3
  EXPECT_FALSE(seq.accept(119, false, 3));
  EXPECT_FALSE(seq.accept(108, false, 3));  // behind
  EXPECT_EQ(seq.last, 109u);
}

TEST(BfdAuthSequence, MeticulousNeedsAnIncrease) {
  ReceiveSequence seq;
  EXPECT_TRUE(seq.accept(0xfffffffe, true, 1));
  EXPECT_FALSE(seq.accept(0xfffffffe, true, 1));
  EXPECT_TRUE(seq.accept(1, true, 1));   // wraps modulo 2^32: +3
  EXPECT_FALSE(seq.accept(5, true, 1));  // +4 > 3 * 1
  seq.known = false;
  EXPECT_TRUE(seq.accept(5, true, 1));
}

TEST(BfdAuth, ErrorNames) {
  EXPECT_EQ(to_string(AuthError::kBadDigest), "bad-digest");
  EXPECT_EQ(to_string(AuthType::kMeticulousKeyedSha1), "meticulous-keyed-sha1");
}

}  // namespace
}  // namespace vipd::bfd::wire
