#include "bgp/wire/message.hpp"

#include <gtest/gtest.h>

#include "wire_test_util.hpp"

namespace vipd::bgp::wire {
namespace {

using namespace testing;

const Options kPlain{};
const Options kExtended{true, true};

TEST(Message, DecodesEveryType) {
  struct {
    Bytes msg;
    MessageType type;
  } cases[] = {
      {message(MessageType::kOpen, "04 fde8 00b4 c0a80001 00"), MessageType::kOpen},
      {update_message("", "40 01 01 00", ""), MessageType::kUpdate},
      {message(MessageType::kNotification, "0602 00"), MessageType::kNotification},
      {message(MessageType::kKeepalive, ""), MessageType::kKeepalive},
      {message(MessageType::kRouteRefresh, "0001 00 01"), MessageType::kRouteRefresh},
  };
  for (const auto& c : cases) {
    auto m = decode_message(c.msg, kPlain);
    ASSERT_TRUE(m.ok()) << m.error().reason;
    EXPECT_EQ(message_type(*m), c.type);
    EXPECT_EQ(encode(*m, kPlain), c.msg);
  }
}

TEST(Message, LengthFieldMustMatchTheBuffer) {
  Bytes msg = message(MessageType::kKeepalive, "");
  msg.push_back(0);
  auto m = decode_message(msg, kPlain);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().subcode, header_subcode::kBadMessageLength);
  EXPECT_EQ(to_hex(m.error().data), "0013");
}

TEST(Message, HeaderAndBodyErrorsPropagate) {
  auto m = decode_message(message(MessageType::kOpen, "03 fde8 00b4 c0a80001 00"), kPlain);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code, error_code::kOpenMessage);
  auto t = decode_message(from_hex(std::string(kMarker) + "001309"), kPlain);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().subcode, header_subcode::kBadMessageType);
  auto rr = decode_message(message(MessageType::kRouteRefresh, "0001 00 01 00"), kPlain);
  ASSERT_FALSE(rr.ok());
  EXPECT_EQ(rr.error().code, error_code::kRouteRefreshMessage);
}

TEST(Message, ExtendedMessageUpdate) {
  // 2000 IPv4 /32 prefixes = 10000 octets of NLRI: only with RFC 8654.
  Update u;
  u.attributes.origin = Origin::kIgp;
  u.attributes.as_path = AsPath{};
  u.attributes.next_hop = *IpAddress::parse("192.0.2.1");
  for (std::uint32_t i = 0; i < 2000; ++i) u.nlri.emplace_back(IpAddress::v4(0x0a000000 + i), 32);
  Bytes msg = encode(Message{u}, kExtended);
  EXPECT_GT(msg.size(), 4096u);
  auto ok = decode_message(msg, kExtended);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(std::get<Update>(*ok), u);
  auto too_big = decode_message(msg, kPlain);
  ASSERT_FALSE(too_big.ok());
  EXPECT_EQ(too_big.error().subcode, header_subcode::kBadMessageLength);
}

TEST(Message, OptionsSelectAsWidth) {
  Update u;
  u.attributes.as_path = AsPath{{{SegmentType::kAsSequence, {4200000001u}}}};
  Bytes four = encode(Message{u}, Options{true, false});
  Bytes two = encode(Message{u}, Options{false, false});
  EXPECT_EQ(four.size(), two.size() + 2);
  EXPECT_EQ(std::get<Update>(*decode_message(four, Options{true, false})), u);
}

}  // namespace
}  // namespace vipd::bgp::wire
