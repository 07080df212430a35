// The receive path and RFC 5798 §7.1 / RFC 3768 §7.1 checks, one drop cause at a time.
#include "vrrp/wire/validate.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "fixtures.hpp"
#include "test_util.hpp"
#include "vrrp/wire/ipv4.hpp"

namespace vipd::vrrp::wire {
namespace {

using testing::ip;
using testing::kMulticastV4;
using testing::vrrp_part;

// The seed keepalived.conf as an instance expects it.
Expectations seed() {
  Expectations e;
  e.vrid = 51;
  e.version = Version::kV2;
  e.auth_type = kAuthSimple;
  e.auth_data = auth_data_from_password("1111");
  e.advert_interval_s = 1;
  e.addresses = std::vector<IpAddress>{ip("192.168.5.1")};
  return e;
}

Bytes with_ip(const Bytes& vrrp_message, std::uint8_t ttl = 255, std::uint8_t protocol = 112) {
  Ipv4Header h;
  h.ttl = ttl;
  h.protocol = protocol;
  h.source = ip("192.168.5.2");
  h.destination = ip("224.0.0.18");
  return build_ipv4_packet(h, vrrp_message);
}

DropCause cause_of(const Bytes& packet, const Expectations& e) {
  auto r = receive_ipv4(packet, e);
  EXPECT_FALSE(r.ok());
  return r.ok() ? DropCause::kTruncated : r.error();
}

Advert seed_advert() {
  return *decode_advert(vrrp_part(fixtures::kV2Pass), kMulticastV4);
}

TEST(ReceiveIpv4, AcceptsKeepalivedAdvertForTheSeedConfig) {
  auto r = receive_ipv4(from_hex(fixtures::kV2Pass), seed());
  ASSERT_TRUE(r.ok()) << to_string(r.error());
  EXPECT_EQ(r->source, ip("192.168.5.2"));
  EXPECT_EQ(r->destination, ip("224.0.0.18"));
  EXPECT_EQ(r->ttl, 255);
  EXPECT_EQ(r->advert.priority, 100);
  auto backup = receive_ipv4(from_hex(fixtures::kV2PassPriority10), seed());
  ASSERT_TRUE(backup.ok());
  EXPECT_EQ(backup->source, ip("192.168.5.5"));
  EXPECT_EQ(backup->advert.priority, 10);
}

TEST(ReceiveIpv4, IpLayerCauses) {
  const Bytes message = vrrp_part(fixtures::kV2Pass);
  EXPECT_EQ(cause_of(with_ip(message, 254), seed()), DropCause::kBadTtl);
  EXPECT_EQ(cause_of(with_ip(message, 1), seed()), DropCause::kBadTtl);
  EXPECT_EQ(cause_of(with_ip(message, 255, 51), seed()), DropCause::kAuthTypeMismatch);
  EXPECT_EQ(cause_of(with_ip(message, 255, 17), seed()), DropCause::kNotVrrp);
  EXPECT_EQ(cause_of(Bytes(message.begin(), message.begin() + 10), seed()), DropCause::kTruncated);
  Bytes trailing = from_hex(fixtures::kV2Pass);
  trailing.push_back(0);
  EXPECT_EQ(cause_of(trailing, seed()), DropCause::kIpLengthMismatch);
  Bytes corrupt = from_hex(fixtures::kV2Pass);
  corrupt[25] ^= 1;  // inside the VRRP message
  EXPECT_EQ(cause_of(corrupt, seed()), DropCause::kBadChecksum);
  EXPECT_TRUE(receive_ipv4(with_ip(message), seed()).ok());
}

TEST(ValidateAdvert, InstanceCauses) {
  const Bytes packet = from_hex(fixtures::kV2Pass);
  Expectations e = seed();
  e.vrid = 52;
  EXPECT_EQ(cause_of(packet, e), DropCause::kVridMismatch);
  e = seed();
  e.version = Version::kV3;
  EXPECT_EQ(cause_of(packet, e), DropCause::kBadVersion);
  e = seed();
  e.auth_type = kAuthNone;
  EXPECT_EQ(cause_of(packet, e), DropCause::kAuthTypeMismatch);
  e = seed();
  e.auth_data = auth_data_from_password("2222");
  EXPECT_EQ(cause_of(packet, e), DropCause::kBadAuth);
  e = seed();
  e.advert_interval_s = 2;
  EXPECT_EQ(cause_of(packet, e), DropCause::kAdvertIntervalMismatch);
  e = seed();
  e.addresses = std::vector<IpAddress>{ip("192.168.5.9")};
  EXPECT_EQ(cause_of(packet, e), DropCause::kAddressListMismatch);
  e.addresses = std::vector<IpAddress>{ip("192.168.5.1"), ip("192.168.5.9")};
  EXPECT_EQ(cause_of(packet, e), DropCause::kAddressListMismatch);
  e.addresses.reset();  // skip_check_adv_addr
  EXPECT_TRUE(receive_ipv4(packet, e).ok());
}

TEST(ValidateAdvert, AuthTypeOutOfRangeIsInvalid) {
  Advert a = seed_advert();
  a.auth_type = 3;
  EXPECT_EQ(validate_advert(a, seed()), DropCause::kInvalidAuthType);
  EXPECT_EQ(cause_of(with_ip(encode_advert(a, kMulticastV4)), seed()), DropCause::kInvalidAuthType);
}

TEST(ValidateAdvert, PasswordIgnoredWithoutAuthentication) {
  Advert a = seed_advert();
  a.auth_type = kAuthNone;
  a.auth_data = auth_data_from_password("junk");
  Expectations e = seed();
  e.auth_type = kAuthNone;
  e.auth_data = {};
  EXPECT_EQ(validate_advert(a, e), std::nullopt);
}

TEST(ValidateAdvert, AddressOrderDoesNotMatter) {
  Advert a = *decode_advert(vrrp_part(fixtures::kV2NoAuthTwoVips), kMulticastV4);
  Expectations e;
  e.vrid = 7;
  e.advert_interval_s = 2;
  e.addresses = std::vector<IpAddress>{ip("192.168.5.10"), ip("192.168.5.1")};
  EXPECT_EQ(validate_advert(a, e), std::nullopt);
}

TEST(ValidateAdvert, V3LearnsAnyIntervalButZero) {
  Advert a = *decode_advert(vrrp_part(fixtures::kV3Ipv4), kMulticastV4);
  Expectations e;
  e.vrid = 52;
  e.version = Version::kV3;
  e.advert_interval_s = 7;  // not a v3 check
  EXPECT_EQ(validate_advert(a, e), std::nullopt);
  a.max_advert_interval_cs = 0;
  EXPECT_EQ(validate_advert(a, e), DropCause::kBadAdvertInterval);
}

TEST(ReceiveIpv4, ChecksumModeComesFromTheExpectations) {
  Advert a = *decode_advert(vrrp_part(fixtures::kV3Ipv4), kMulticastV4);
  const Bytes packet =
      with_ip(encode_advert(a, kMulticastV4, ChecksumMode::kV3WithoutPseudoHeader));
  Expectations e;
  e.vrid = 52;
  e.version = Version::kV3;
  EXPECT_EQ(cause_of(packet, e), DropCause::kBadChecksum);
  e.checksum_mode = ChecksumMode::kV3WithoutPseudoHeader;
  EXPECT_TRUE(receive_ipv4(packet, e).ok());
  EXPECT_EQ(cause_of(from_hex(fixtures::kV3Ipv4), e), DropCause::kBadChecksum);
}

TEST(ReceiveIpv6, KeepalivedAdvertAndHopLimit) {
  Expectations e;
  e.vrid = 53;
  e.version = Version::kV3;
  e.addresses = std::vector<IpAddress>{ip("2001:db8:5::1"), ip("fe80::1")};
  const Bytes message = from_hex(fixtures::kV3Ipv6);
  auto r = receive_ipv6(message, ip("fe80::ff:fe00:2"), ip("ff02::12"), 255, e);
  ASSERT_TRUE(r.ok()) << to_string(r.error());
  EXPECT_EQ(r->advert.priority, 255);
  EXPECT_EQ(r->source, ip("fe80::ff:fe00:2"));
  EXPECT_EQ(receive_ipv6(message, ip("fe80::ff:fe00:2"), ip("ff02::12"), 64, e).error(),
            DropCause::kBadTtl);
  EXPECT_EQ(receive_ipv6(message, ip("fe80::ff:fe00:2"), ip("ff02::1"), 255, e).error(),
            DropCause::kBadChecksum);
}

TEST(DropCause, NamesAreDistinct) {
  std::set<std::string> names;
  for (std::size_t i = 0; i < kDropCauseCount; ++i) {
    const std::string_view name = to_string(static_cast<DropCause>(i));
    EXPECT_NE(name, "unknown") << i;
    names.emplace(name);
  }
  EXPECT_EQ(names.size(), kDropCauseCount);
  EXPECT_EQ(to_string(static_cast<DropCause>(kDropCauseCount)), "unknown");
}

}  // namespace
}  // namespace vipd::vrrp::wire
