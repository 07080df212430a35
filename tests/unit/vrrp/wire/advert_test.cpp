// VRRPv2/v3 advert codec against keepalived 2.2.7 captures (fixtures.hpp).
#include "vrrp/wire/advert.hpp"

#include <gtest/gtest.h>

#include "fixtures.hpp"
#include "test_util.hpp"

namespace vipd::vrrp::wire {
namespace {

using namespace std::chrono_literals;
using testing::ip;
using testing::kMulticastV4;
using testing::kMulticastV6;
using testing::vrrp_part;

Advert decode_ok(const Bytes& message, const PseudoHeader& pseudo,
                 ChecksumMode mode = ChecksumMode::kStandard) {
  auto advert = decode_advert(message, pseudo, mode);
  EXPECT_TRUE(advert.ok()) << (advert.ok() ? "" : to_string(advert.error()));
  return advert.ok() ? *advert : Advert{};
}

TEST(AdvertV2, DecodesKeepalivedPassAdvert) {
  const Bytes message = vrrp_part(fixtures::kV2Pass);
  const Advert a = decode_ok(message, kMulticastV4);
  EXPECT_EQ(a.version, Version::kV2);
  EXPECT_EQ(a.family, Family::kIpv4);
  EXPECT_EQ(a.vrid, 51);
  EXPECT_EQ(a.priority, 100);
  EXPECT_EQ(a.auth_type, kAuthSimple);
  EXPECT_EQ(a.advert_interval_s, 1);
  EXPECT_EQ(a.advert_interval(), 1s);
  EXPECT_EQ(a.auth_data, auth_data_from_password("1111"));
  ASSERT_EQ(a.addresses.size(), 1u);
  EXPECT_EQ(a.addresses[0], ip("192.168.5.1"));
  // Byte-exact round trip: vipd sends what keepalived sends.
  EXPECT_EQ(to_hex(encode_advert(a, kMulticastV4)), to_hex(message));
}

TEST(AdvertV2, ShutdownAdvertHasPriorityZero) {
  const Advert a = decode_ok(vrrp_part(fixtures::kV2PassShutdown), kMulticastV4);
  EXPECT_EQ(a.priority, 0);
  Advert live = a;
  live.priority = 100;
  EXPECT_EQ(encode_advert(live, kMulticastV4), vrrp_part(fixtures::kV2Pass));
}

TEST(AdvertV2, NoAuthTwoVipsAndTwoSeconds) {
  const Bytes message = vrrp_part(fixtures::kV2NoAuthTwoVips);
  const Advert a = decode_ok(message, kMulticastV4);
  EXPECT_EQ(a.vrid, 7);
  EXPECT_EQ(a.priority, 255);
  EXPECT_EQ(a.auth_type, kAuthNone);
  EXPECT_EQ(a.advert_interval(), 2s);
  EXPECT_EQ(a.auth_data, AuthData{});
  EXPECT_EQ(a.addresses, (std::vector<IpAddress>{ip("192.168.5.1"), ip("192.168.5.10")}));
  EXPECT_EQ(encode_advert(a, kMulticastV4), message);
}

TEST(AdvertV2, PasswordIsTruncatedToEightOctetsLikeKeepalived) {
  EXPECT_EQ(to_hex(auth_data_from_password("secret-password")), "7365637265742d70");
  EXPECT_EQ(to_hex(auth_data_from_password("1111")), "3131313100000000");
  EXPECT_EQ(to_hex(auth_data_from_password("")), "0000000000000000");
  Advert a;
  a.version = Version::kV2;
  a.vrid = 51;
  a.priority = 200;
  a.auth_type = kAuthSimple;
  a.advert_interval_s = 1;
  a.auth_data = auth_data_from_password("secret-password");
  a.addresses = {ip("192.168.5.1")};
  EXPECT_EQ(to_hex(encode_advert(a, kMulticastV4)), to_hex(vrrp_part(fixtures::kV2LongPassword)));
}

TEST(AdvertV3, DecodesKeepalivedIpv4AdvertWithPseudoHeaderChecksum) {
  const Bytes message = vrrp_part(fixtures::kV3Ipv4);
  const Advert a = decode_ok(message, kMulticastV4);
  EXPECT_EQ(a.version, Version::kV3);
  EXPECT_EQ(a.vrid, 52);
  EXPECT_EQ(a.priority, 150);
  EXPECT_EQ(a.max_advert_interval_cs, 5);
  EXPECT_EQ(a.advert_interval(), 50ms);
  EXPECT_EQ(a.addresses, std::vector<IpAddress>{ip("192.168.5.1")});
  EXPECT_EQ(to_hex(encode_advert(a, kMulticastV4)), to_hex(message));
  // RFC 5798 §5.2.8: the pseudo-header is part of the sum, so another source breaks it.
  auto other = decode_advert(message, {ip("192.168.5.3"), ip("224.0.0.18")});
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error(), DropCause::kBadChecksum);
}

TEST(AdvertV3, ChecksumWithoutPseudoHeaderIsKeepalivedV3ChecksumAsV2) {
  Advert a = decode_ok(vrrp_part(fixtures::kV3Ipv4), kMulticastV4);
  const Bytes as_v2 = encode_advert(a, kMulticastV4, ChecksumMode::kV3WithoutPseudoHeader);
  // One's complement of 3134+9601+0005+c0a8+0501 (worked by hand): 731b.
  EXPECT_EQ(to_hex(as_v2), "313496010005731bc0a80501");
  EXPECT_EQ(decode_ok(as_v2, kMulticastV4, ChecksumMode::kV3WithoutPseudoHeader), a);
  // Either side rejects the other's checksum: the mode must match the peer's.
  EXPECT_EQ(decode_advert(as_v2, kMulticastV4).error(), DropCause::kBadChecksum);
  EXPECT_EQ(decode_advert(vrrp_part(fixtures::kV3Ipv4), kMulticastV4,
                          ChecksumMode::kV3WithoutPseudoHeader)
                .error(),
            DropCause::kBadChecksum);
  // The mode changes nothing for v2 (never a pseudo-header over IPv4).
  const Advert v2 = decode_ok(vrrp_part(fixtures::kV2Pass), kMulticastV4);
  EXPECT_EQ(encode_advert(v2, kMulticastV4, ChecksumMode::kV3WithoutPseudoHeader),
            vrrp_part(fixtures::kV2Pass));
}

TEST(AdvertV3, DecodesKeepalivedIpv6Advert) {
  const Bytes message = from_hex(fixtures::kV3Ipv6);
  const Advert a = decode_ok(message, kMulticastV6);
  EXPECT_EQ(a.family, Family::kIpv6);
  EXPECT_EQ(a.vrid, 53);
  EXPECT_EQ(a.priority, 255);
  EXPECT_EQ(a.advert_interval(), 1s);
  EXPECT_EQ(a.addresses, (std::vector<IpAddress>{ip("fe80::1"), ip("2001:db8:5::1")}));
  EXPECT_EQ(to_hex(encode_advert(a, kMulticastV6)), to_hex(message));
  // The mode is about IPv4 only: IPv6 always has the pseudo-header.
  EXPECT_EQ(encode_advert(a, kMulticastV6, ChecksumMode::kV3WithoutPseudoHeader), message);
  Advert stop = a;
  stop.priority = 0;
  EXPECT_EQ(to_hex(encode_advert(stop, kMulticastV6)), to_hex(from_hex(fixtures::kV3Ipv6Shutdown)));
}

TEST(AdvertV2, OverIpv6HasNoAuthDataAndAPseudoHeaderChecksum) {
  Advert a;
  a.version = Version::kV2;
  a.family = Family::kIpv6;
  a.vrid = 9;
  a.priority = 100;
  a.advert_interval_s = 1;
  a.addresses = {ip("2001:db8:5::1")};
  const Bytes message = encode_advert(a, kMulticastV6);
  EXPECT_EQ(message.size(), 8u + 16u);
  EXPECT_EQ(advert_size(Version::kV2, Family::kIpv6, 1), 24u);
  EXPECT_EQ(decode_ok(message, kMulticastV6), a);
  EXPECT_EQ(decode_advert(message, {ip("fe80::9"), ip("ff02::12")}).error(),
            DropCause::kBadChecksum);
}

TEST(AdvertDecode, TruncatedHeader) {
  const Bytes message = vrrp_part(fixtures::kV2Pass);
  for (std::size_t n = 0; n < kHeaderSize; ++n) {
    EXPECT_EQ(decode_advert(ByteSpan(message).subspan(0, n), kMulticastV4).error(),
              DropCause::kTruncated)
        << n;
  }
}

TEST(AdvertDecode, BadVersionAndType) {
  Bytes message = vrrp_part(fixtures::kV2Pass);
  for (std::uint8_t version_type : {0x01, 0x11, 0x41, 0xf1}) {
    message[0] = version_type;
    EXPECT_EQ(decode_advert(message, kMulticastV4).error(), DropCause::kBadVersion);
  }
  for (std::uint8_t version_type : {0x20, 0x22, 0x2f, 0x30, 0x32}) {
    message[0] = version_type;
    EXPECT_EQ(decode_advert(message, kMulticastV4).error(), DropCause::kBadType);
  }
}

TEST(AdvertDecode, LengthMustMatchAddressCount) {
  const Bytes message = vrrp_part(fixtures::kV2Pass);
  Bytes more = message;
  more[3] = 2;  // count says two addresses, the message holds one
  EXPECT_EQ(decode_advert(more, kMulticastV4).error(), DropCause::kAddressCountMismatch);
  Bytes none = message;
  none[3] = 0;
  EXPECT_EQ(decode_advert(none, kMulticastV4).error(), DropCause::kAddressCountMismatch);
  Bytes longer = message;
  longer.push_back(0);
  EXPECT_EQ(decode_advert(longer, kMulticastV4).error(), DropCause::kAddressCountMismatch);
  EXPECT_EQ(decode_advert(ByteSpan(message).first(message.size() - 1), kMulticastV4).error(),
            DropCause::kAddressCountMismatch);
  // A v2 advert without its auth data, as keepalived sends over IPv6, is short over IPv4.
  EXPECT_EQ(decode_advert(ByteSpan(message).first(12), kMulticastV4).error(),
            DropCause::kAddressCountMismatch);
  // The IPv6 fixture decoded as IPv4: 2 addresses of 4 octets expected.
  EXPECT_EQ(decode_advert(from_hex(fixtures::kV3Ipv6), kMulticastV4).error(),
            DropCause::kAddressCountMismatch);
}

TEST(AdvertDecode, BadChecksum) {
  for (std::size_t at : {1u, 2u, 6u, 7u, 9u, 15u}) {
    Bytes message = vrrp_part(fixtures::kV2Pass);
    message[at] ^= 0x40;
    EXPECT_EQ(decode_advert(message, kMulticastV4).error(), DropCause::kBadChecksum) << at;
  }
}

TEST(AdvertDecode, V3ReservedBitsAreIgnored) {
  Bytes message = vrrp_part(fixtures::kV3Ipv4);
  message[4] |= 0xa0;
  // Compensate the checksum for the added a000 (one's complement arithmetic).
  std::uint32_t checksum = static_cast<std::uint32_t>(message[6] << 8 | message[7]);
  checksum += 0xffff - 0xa000;
  checksum = (checksum & 0xffff) + (checksum >> 16);
  message[6] = static_cast<std::uint8_t>(checksum >> 8);
  message[7] = static_cast<std::uint8_t>(checksum);
  const Advert a = decode_ok(message, kMulticastV4);
  EXPECT_EQ(a.max_advert_interval_cs, 5);
  // And they are sent as zero.
  EXPECT_EQ(encode_advert(a, kMulticastV4), vrrp_part(fixtures::kV3Ipv4));
}

TEST(AdvertEncode, FieldLimits) {
  Advert a;
  a.version = Version::kV3;
  a.vrid = 1;
  a.priority = 1;
  a.max_advert_interval_cs = 0xf123;  // only 12 bits exist
  for (int i = 0; i < 300; ++i) a.addresses.push_back(IpAddress::v4(0x0a000000u + i));
  const Bytes message = encode_advert(a, kMulticastV4);
  EXPECT_EQ(message[3], 255);
  EXPECT_EQ(message.size(), advert_size(Version::kV3, Family::kIpv4, 255));
  const Advert back = decode_ok(message, kMulticastV4);
  EXPECT_EQ(back.max_advert_interval_cs, 0x123);
  EXPECT_EQ(back.addresses.size(), 255u);
  EXPECT_EQ(back.addresses.back(), IpAddress::v4(0x0a000000u + 254));
}

TEST(AdvertEncode, EmptyAddressListRoundTrips) {
  // keepalived 2.2.8 `no_virtual_ipaddress` sends v3 adverts without addresses.
  Advert a;
  a.vrid = 4;
  a.priority = 50;
  a.max_advert_interval_cs = 100;
  const Bytes message = encode_advert(a, kMulticastV4);
  EXPECT_EQ(message.size(), kHeaderSize);
  EXPECT_EQ(decode_ok(message, kMulticastV4), a);
}

}  // namespace
}  // namespace vipd::vrrp::wire
