#include "bgp/wire/open.hpp"

#include <gtest/gtest.h>

#include "bgp/wire/header.hpp"

#include "wire_test_util.hpp"

namespace vipd::bgp::wire {
namespace {

using namespace testing;

// OPEN as FRR sends it: AS 65000, hold 180, id 192.168.0.1, MP v4+v6, route refresh (both
// codes), 4-octet AS, extended message, graceful restart (R, 120 s, IPv4 unicast F bit) and an
// unknown ADD-PATH capability (69).
const std::string kOpenHex = std::string(kMarker) +
                             "0045 01 04 fde8 00b4 c0a80001 28"
                             "02 26"
                             "01 04 0001 00 01"
                             "01 04 0002 00 01"
                             "02 00"
                             "80 00"
                             "41 04 0000fde8"
                             "06 00"
                             "40 06 8078 0001 01 80"
                             "45 04 0001 01 01";

TEST(Open, DecodesFixture) {
  Bytes msg = from_hex(kOpenHex);
  auto open = decode_open(body_of(msg));
  ASSERT_TRUE(open.ok()) << open.error().reason;
  EXPECT_EQ(open->version, 4);
  EXPECT_EQ(open->my_as, 65000);
  EXPECT_EQ(open->hold_time, 180);
  EXPECT_EQ(open->bgp_identifier, 0xc0a80001u);
  ASSERT_EQ(open->capabilities.size(), 8u);
  EXPECT_EQ(std::get<MultiprotocolCapability>(open->capabilities[0]).afi_safi, kIpv4Unicast);
  EXPECT_EQ(std::get<MultiprotocolCapability>(open->capabilities[1]).afi_safi, kIpv6Unicast);
  EXPECT_FALSE(std::get<RouteRefreshCapability>(open->capabilities[2]).cisco);
  EXPECT_TRUE(std::get<RouteRefreshCapability>(open->capabilities[3]).cisco);
  EXPECT_EQ(std::get<FourOctetAsCapability>(open->capabilities[4]).asn, 65000u);
  EXPECT_TRUE(std::holds_alternative<ExtendedMessageCapability>(open->capabilities[5]));
  const auto& gr = std::get<GracefulRestartCapability>(open->capabilities[6]);
  EXPECT_TRUE(gr.restart_state);
  EXPECT_FALSE(gr.notification);
  EXPECT_EQ(gr.restart_time, 120);
  ASSERT_EQ(gr.families.size(), 1u);
  EXPECT_EQ(gr.families[0].afi_safi, kIpv4Unicast);
  EXPECT_TRUE(gr.families[0].forwarding_state);
  const auto& unknown = std::get<UnknownCapability>(open->capabilities[7]);
  EXPECT_EQ(unknown.code, 69);
  EXPECT_EQ(to_hex(unknown.value), "00010101");

  EXPECT_EQ(open->real_as(), 65000u);
  EXPECT_TRUE(open->supports_route_refresh());
  EXPECT_TRUE(open->supports_extended_message());
  EXPECT_EQ(open->multiprotocol(), (std::vector<AfiSafi>{kIpv4Unicast, kIpv6Unicast}));
  ASSERT_NE(open->graceful_restart(), nullptr);
}

TEST(Open, EncodesFixtureByteForByte) {
  Bytes msg = from_hex(kOpenHex);
  auto open = decode_open(body_of(msg));
  ASSERT_TRUE(open.ok());
  EXPECT_EQ(to_hex(encode_open(*open)), to_hex(msg));
}

TEST(Open, MinimalOpenWithoutParameters) {
  Bytes msg = from_hex(std::string(kMarker) + "001d 01 04 0064 005a 0a000001 00");
  auto open = decode_open(body_of(msg));
  ASSERT_TRUE(open.ok());
  EXPECT_TRUE(open->capabilities.empty());
  EXPECT_EQ(open->real_as(), 100u);
  EXPECT_EQ(encode_open(*open), msg);
}

TEST(Open, MakeOpenUsesAsTransForFourOctetAs) {
  Open open = make_open(4200000001u, 90, 0x01020304, {MultiprotocolCapability{kIpv4Unicast}});
  EXPECT_EQ(open.my_as, kAsTrans);
  EXPECT_EQ(open.real_as(), 4200000001u);
  Bytes msg = encode_open(open);
  EXPECT_EQ(msg,
            from_hex(std::string(kMarker) +
                     "002b 01 04 5ba0 005a 01020304 0e 02 0c 01 04 0001 00 01 41 04 fa56ea01"));
  auto back = decode_open(body_of(msg));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, open);
  EXPECT_EQ(make_open(65001, 90, 1, {}).my_as, 65001);
}

TEST(Open, GracefulRestartRoundTrip) {
  GracefulRestartCapability gr;
  gr.restart_state = false;
  gr.notification = true;
  gr.restart_time = 4095;
  gr.families = {{kIpv4Unicast, true}, {kIpv6Unicast, false}};
  Open open = make_open(65000, 180, 1, {gr});
  Bytes msg = encode_open(open);
  auto back = decode_open(body_of(msg));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back->graceful_restart(), gr);
  // 4fff = N bit + 4095 seconds; families with and without the F bit.
  EXPECT_NE(to_hex(msg).find("400a4fff0001018000020100"), std::string::npos);
}

TEST(Open, UnknownCapabilityAndParameterReEncode) {
  Open open;
  open.my_as = 1;
  open.hold_time = 3;
  open.bgp_identifier = 7;
  open.capabilities = {UnknownCapability{73, from_hex("0568656c6c6f")}};
  open.other_parameters = {OptionalParameter{1, from_hex("aabb")}};
  Bytes msg = encode_open(open);
  auto back = decode_open(body_of(msg));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, open);
}

TEST(Open, ExtendedOptionalParametersRfc9072) {
  // 70 unknown capabilities of 4 octets = 420 octets: too long for the 1-octet length.
  Open open;
  open.my_as = 65000;
  open.hold_time = 180;
  open.bgp_identifier = 9;
  for (int i = 0; i < 70; ++i) open.capabilities.push_back(UnknownCapability{200, {1, 2}});
  Bytes msg = encode_open(open);
  // Opt Parm Len 255, Non-Ext OP Type 255, Extended length = type 1 + length 2 + 280.
  EXPECT_EQ(msg[28], 255);
  EXPECT_EQ(msg[29], 255);
  EXPECT_EQ(msg[30] << 8 | msg[31], 3 + 280);
  auto back = decode_open(body_of(msg));
  ASSERT_TRUE(back.ok()) << back.error().reason;
  EXPECT_EQ(*back, open);
}

TEST(Open, DecodesHandWrittenRfc9072Form) {
  // Extended format with one capability parameter holding MP IPv4 unicast.
  Bytes body = from_hex("04 fde8 00b4 c0a80001 ff ff 0009 02 0006 01 04 0001 00 01");
  auto open = decode_open(body);
  ASSERT_TRUE(open.ok()) << open.error().reason;
  EXPECT_EQ(open->multiprotocol(), std::vector<AfiSafi>{kIpv4Unicast});
}

void expect_open_error(const std::string& body_hex, std::uint8_t subcode,
                       const std::string& data_hex = "") {
  auto r = decode_open(from_hex(body_hex));
  ASSERT_FALSE(r.ok()) << body_hex;
  EXPECT_EQ(r.error().code, error_code::kOpenMessage);
  EXPECT_EQ(r.error().subcode, subcode) << r.error().reason;
  EXPECT_EQ(to_hex(r.error().data), data_hex);
}

TEST(Open, MalformedInputs) {
  // Version 3: Unsupported Version Number, data = our version.
  expect_open_error("03 fde8 00b4 c0a80001 00", open_subcode::kUnsupportedVersionNumber, "0004");
  // Opt Parm Len larger / smaller than what is left.
  expect_open_error("04 fde8 00b4 c0a80001 04 0202", open_subcode::kUnspecific);
  expect_open_error("04 fde8 00b4 c0a80001 00 0200", open_subcode::kUnspecific);
  // Parameter length overruns.
  expect_open_error("04 fde8 00b4 c0a80001 02 0205", open_subcode::kUnspecific);
  // Capability overruns its parameter.
  expect_open_error("04 fde8 00b4 c0a80001 04 0202 4104", open_subcode::kUnspecific);
  // Known capabilities with wrong lengths.
  expect_open_error("04 fde8 00b4 c0a80001 05 0203 010100", open_subcode::kUnspecific);
  expect_open_error("04 fde8 00b4 c0a80001 05 0203 020100", open_subcode::kUnspecific);
  expect_open_error("04 fde8 00b4 c0a80001 05 0203 060100", open_subcode::kUnspecific);
  expect_open_error("04 fde8 00b4 c0a80001 07 0205 4103 000000", open_subcode::kUnspecific);
  expect_open_error("04 fde8 00b4 c0a80001 07 0205 4003 000000", open_subcode::kUnspecific);
  expect_open_error("04 fde8 00b4 c0a80001 05 0203 400100", open_subcode::kUnspecific);
  // RFC 9072 extended length that does not match.
  expect_open_error("04 fde8 00b4 c0a80001 ff ff 0005 02 0000", open_subcode::kUnspecific);
  expect_open_error("04 fde8 00b4 c0a80001 ff ff 0003 02 0005", open_subcode::kUnspecific);
  // Truncated fixed part.
  expect_open_error("04 fde8 00b4 c0a8", open_subcode::kUnspecific);
}

}  // namespace
}  // namespace vipd::bgp::wire
