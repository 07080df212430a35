#include "bgp/wire/notification.hpp"

#include <gtest/gtest.h>

#include "bgp/wire/header.hpp"

#include "wire_test_util.hpp"

namespace vipd::bgp::wire {
namespace {

using namespace testing;

TEST(Notification, RoundTripWithData) {
  Bytes msg = from_hex(std::string(kMarker) + "0017 03 0202 fde8");
  auto n = decode_notification(body_of(msg));
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->code, error_code::kOpenMessage);
  EXPECT_EQ(n->subcode, open_subcode::kBadPeerAs);
  EXPECT_EQ(to_hex(n->data), "fde8");
  EXPECT_FALSE(n->shutdown_message);
  EXPECT_EQ(n->name(), "OPEN Message Error/Bad Peer AS");
  EXPECT_EQ(encode_notification(*n), msg);
}

TEST(Notification, HoldTimerExpiredWithoutData) {
  Bytes msg = from_hex(std::string(kMarker) + "0015 03 0400");
  auto n = decode_notification(body_of(msg));
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->name(), "HOLD Timer Expired/Unspecific");
  EXPECT_EQ(encode_notification(*n), msg);
}

TEST(Notification, Rfc9003ShutdownCommunicationDecode) {
  // Cease / Administrative Shutdown, "maintenance" (11 octets).
  Bytes msg = from_hex(std::string(kMarker) + "0021 03 0602 0b 6d61696e74656e616e6365");
  auto n = decode_notification(body_of(msg));
  ASSERT_TRUE(n.ok());
  ASSERT_TRUE(n->shutdown_message);
  EXPECT_EQ(*n->shutdown_message, "maintenance");
  EXPECT_EQ(encode_notification(*n), msg);
  // Administrative Reset carries one too; UTF-8 text.
  Bytes reset = from_hex(std::string(kMarker) + "0019 03 0604 03 e282ac");
  auto r = decode_notification(body_of(reset));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r->shutdown_message, "\xe2\x82\xac");
}

TEST(Notification, Rfc9003MalformedKeepsRawData) {
  // Length octet larger than the data.
  auto a = decode_notification(from_hex("0602 05 6869"));
  ASSERT_TRUE(a.ok());
  EXPECT_FALSE(a->shutdown_message);
  EXPECT_EQ(to_hex(a->data), "056869");
  // Trailing octets after the message.
  auto b = decode_notification(from_hex("0602 01 68 69"));
  ASSERT_TRUE(b.ok());
  EXPECT_FALSE(b->shutdown_message);
  // Invalid UTF-8 (lone continuation byte, overlong, surrogate).
  EXPECT_FALSE(decode_notification(from_hex("0602 01 80"))->shutdown_message);
  EXPECT_FALSE(decode_notification(from_hex("0602 02 c0af"))->shutdown_message);
  EXPECT_FALSE(decode_notification(from_hex("0604 03 eda080"))->shutdown_message);
  // Other Cease subcodes never carry one.
  EXPECT_FALSE(decode_notification(from_hex("0603 01 68"))->shutdown_message);
  // Empty data: no message.
  EXPECT_FALSE(decode_notification(from_hex("0602"))->shutdown_message);
  // Zero-length message is well-formed and empty.
  EXPECT_EQ(*decode_notification(from_hex("0602 00"))->shutdown_message, "");
}

TEST(Notification, MakeShutdownNotification) {
  Notification n = make_shutdown_notification(cease_subcode::kAdministrativeShutdown, "bye");
  EXPECT_EQ(to_hex(n.data), "03627965");
  EXPECT_EQ(*n.shutdown_message, "bye");
  auto back = decode_notification(body_of(encode_notification(n)));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, n);
}

TEST(Notification, MakeShutdownTruncatesAt255OctetsOnCharacterBoundary) {
  std::string text(254, 'a');
  text += "\xc3\xa9";  // 2-octet character would end at octet 256
  Notification n = make_shutdown_notification(cease_subcode::kAdministrativeReset, text);
  EXPECT_EQ(n.shutdown_message->size(), 254u);
  EXPECT_EQ(n.data[0], 254);
  Notification bad = make_shutdown_notification(cease_subcode::kAdministrativeReset,
                                                "a\xff"
                                                "b");
  EXPECT_EQ(*bad.shutdown_message, "a?b");
  std::string long_text(300, 'x');
  EXPECT_EQ(make_shutdown_notification(2, long_text).data.size(), 256u);
}

TEST(Notification, FromError) {
  Error e = make_error(error_code::kUpdateMessage, update_subcode::kMissingWellKnownAttribute,
                       "missing ORIGIN", Bytes{1});
  Notification n = to_notification(e);
  EXPECT_EQ(n.code, 3);
  EXPECT_EQ(n.subcode, 3);
  EXPECT_EQ(n.data, Bytes{1});
  EXPECT_EQ(n.name(), "UPDATE Message Error/Missing Well-known Attribute");
}

TEST(Notification, Names) {
  EXPECT_EQ(notification_name(1, 1), "Message Header Error/Connection Not Synchronized");
  EXPECT_EQ(notification_name(1, 2), "Message Header Error/Bad Message Length");
  EXPECT_EQ(notification_name(1, 3), "Message Header Error/Bad Message Type");
  EXPECT_EQ(notification_name(2, 1), "OPEN Message Error/Unsupported Version Number");
  EXPECT_EQ(notification_name(2, 3), "OPEN Message Error/Bad BGP Identifier");
  EXPECT_EQ(notification_name(2, 4), "OPEN Message Error/Unsupported Optional Parameter");
  EXPECT_EQ(notification_name(2, 6), "OPEN Message Error/Unacceptable Hold Time");
  EXPECT_EQ(notification_name(2, 7), "OPEN Message Error/Unsupported Capability");
  EXPECT_EQ(notification_name(3, 1), "UPDATE Message Error/Malformed Attribute List");
  EXPECT_EQ(notification_name(3, 11), "UPDATE Message Error/Malformed AS_PATH");
  EXPECT_EQ(notification_name(5, 1),
            "Finite State Machine Error/Receive Unexpected Message in OpenSent State");
  EXPECT_EQ(notification_name(5, 3),
            "Finite State Machine Error/Receive Unexpected Message in Established State");
  EXPECT_EQ(notification_name(6, 2), "Cease/Administrative Shutdown");
  EXPECT_EQ(notification_name(6, 7), "Cease/Connection Collision Resolution");
  EXPECT_EQ(notification_name(6, 9), "Cease/Hard Reset");
  EXPECT_EQ(notification_name(7, 1), "ROUTE-REFRESH Message Error/Invalid Message Length");
  EXPECT_EQ(notification_name(3, 42), "UPDATE Message Error/Unknown (42)");
  EXPECT_EQ(notification_name(99, 1), "Unknown error code (99)/Unknown (1)");
}

TEST(Keepalive, Encode) {
  EXPECT_EQ(to_hex(encode_keepalive()), std::string(kMarker) + "001304");
}

TEST(RouteRefresh, RoundTripAndSubtypes) {
  Bytes msg = from_hex(std::string(kMarker) + "0017 05 0002 00 01");
  auto rr = decode_route_refresh(body_of(msg), msg);
  ASSERT_TRUE(rr.ok());
  EXPECT_EQ(rr->afi_safi, kIpv6Unicast);
  EXPECT_EQ(rr->subtype, route_refresh_subtype::kRequest);
  EXPECT_EQ(encode_route_refresh(*rr), msg);
  RouteRefresh eorr{kIpv4Unicast, route_refresh_subtype::kEndOfRouteRefresh};
  Bytes m2 = encode_route_refresh(eorr);
  EXPECT_EQ(to_hex(m2), std::string(kMarker) + "00170500010201");
  EXPECT_EQ(*decode_route_refresh(body_of(m2), m2), eorr);
}

TEST(RouteRefresh, WrongLengthIsInvalidMessageLength) {
  Bytes msg = from_hex(std::string(kMarker) + "0018 05 0001 00 01 00");
  auto rr = decode_route_refresh(body_of(msg), msg);
  ASSERT_FALSE(rr.ok());
  EXPECT_EQ(rr.error().code, error_code::kRouteRefreshMessage);
  EXPECT_EQ(rr.error().subcode, route_refresh_subcode::kInvalidMessageLength);
  EXPECT_EQ(rr.error().data, msg);  // RFC 7313 §5: the complete message
}

}  // namespace
}  // namespace vipd::bgp::wire
