#include "bgp/wire/header.hpp"

#include <gtest/gtest.h>

#include "wire_test_util.hpp"

namespace vipd::bgp::wire {
namespace {

using namespace testing;

Bytes header(const std::string& length_and_type) {
  return from_hex(kMarker + length_and_type);
}

void expect_error(const Result<Header, Error>& r, std::uint8_t code, std::uint8_t subcode,
                  const std::string& data_hex) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, code);
  EXPECT_EQ(r.error().subcode, subcode);
  EXPECT_EQ(to_hex(r.error().data), data_hex);
}

TEST(Header, DecodesEachType) {
  EXPECT_EQ(decode_header(header("001d01"), 4096)->type, MessageType::kOpen);
  EXPECT_EQ(decode_header(header("001702"), 4096)->type, MessageType::kUpdate);
  EXPECT_EQ(decode_header(header("001503"), 4096)->type, MessageType::kNotification);
  EXPECT_EQ(decode_header(header("001304"), 4096)->type, MessageType::kKeepalive);
  EXPECT_EQ(decode_header(header("001705"), 4096)->type, MessageType::kRouteRefresh);
  EXPECT_EQ(decode_header(header("100002"), 4096)->length, 4096);
}

TEST(Header, BadMarkerIsConnectionNotSynchronized) {
  Bytes h = header("001304");
  h[3] = 0xfe;
  expect_error(decode_header(h, 4096), error_code::kMessageHeader,
               header_subcode::kConnectionNotSynchronized, "");
}

TEST(Header, LengthBelowHeaderOrAboveMaximum) {
  expect_error(decode_header(header("001204"), 4096), 1, 2, "0012");
  expect_error(decode_header(header("100102"), 4096), 1, 2, "1001");
  expect_error(decode_header(header("ffff02"), 4096), 1, 2, "ffff");
}

TEST(Header, PerTypeMinimumLengths) {
  expect_error(decode_header(header("001c01"), 4096), 1, 2, "001c");  // OPEN < 29
  expect_error(decode_header(header("001602"), 4096), 1, 2, "0016");  // UPDATE < 23
  expect_error(decode_header(header("001403"), 4096), 1, 2, "0014");  // NOTIFICATION < 21
  expect_error(decode_header(header("001404"), 4096), 1, 2, "0014");  // KEEPALIVE != 19
  expect_error(decode_header(header("001605"), 4096), 1, 2, "0016");  // ROUTE-REFRESH < 23
}

TEST(Header, UnknownTypeIsBadMessageType) {
  expect_error(decode_header(header("001306"), 4096), 1, 3, "06");
  expect_error(decode_header(header("001300"), 4096), 1, 3, "00");
}

TEST(Header, ExtendedMessageRaisesLimitExceptOpenAndKeepalive) {
  // RFC 8654 §4.
  EXPECT_TRUE(decode_header(header("ffff02"), 65535).ok());
  EXPECT_TRUE(decode_header(header("ffff03"), 65535).ok());
  EXPECT_TRUE(decode_header(header("200005"), 65535).ok());
  expect_error(decode_header(header("100101"), 65535), 1, 2, "1001");
  expect_error(decode_header(header("001404"), 65535), 1, 2, "0014");
}

TEST(Header, TruncatedSpan) {
  EXPECT_FALSE(decode_header(from_hex("ffff"), 4096).ok());
}

TEST(Header, BeginFinishWritesLength) {
  ByteWriter w;
  begin_message(w, MessageType::kKeepalive);
  finish_message(w);
  EXPECT_EQ(to_hex(w.data()), std::string(kMarker) + "001304");
}

}  // namespace
}  // namespace vipd::bgp::wire
