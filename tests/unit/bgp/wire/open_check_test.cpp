#include "bgp/wire/open_check.hpp"

#include <gtest/gtest.h>

namespace vipd::bgp::wire {
namespace {

Open peer_open(std::uint32_t asn = 65001, std::uint16_t hold = 90, std::uint32_t id = 0x0a000002,
               std::vector<Capability> caps = {MultiprotocolCapability{kIpv4Unicast}}) {
  return make_open(asn, hold, id, std::move(caps));
}

OpenExpectations expect_for(std::optional<std::uint32_t> remote_as = 65001) {
  OpenExpectations e;
  e.local_as = 65000;
  e.local_bgp_identifier = 0x0a000001;
  e.remote_as = remote_as;
  return e;
}

void expect_error(const std::optional<Error>& e, std::uint8_t subcode, const std::string& data) {
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, error_code::kOpenMessage);
  EXPECT_EQ(e->subcode, subcode) << e->reason;
  EXPECT_EQ(to_hex(e->data), data);
}

TEST(CheckOpen, AcceptsGoodOpen) {
  EXPECT_FALSE(check_open(peer_open(), expect_for()));
  EXPECT_FALSE(check_open(peer_open(), expect_for(std::nullopt)));
  EXPECT_FALSE(check_open(peer_open(4200000001u), expect_for(4200000001u)));
}

TEST(CheckOpen, UnsupportedVersion) {
  Open o = peer_open();
  o.version = 3;
  expect_error(check_open(o, expect_for()), open_subcode::kUnsupportedVersionNumber, "0004");
}

TEST(CheckOpen, BadPeerAs) {
  expect_error(check_open(peer_open(65002), expect_for()), open_subcode::kBadPeerAs, "0000fdea");
  // Real AS from the 4-octet capability.
  expect_error(check_open(peer_open(4200000001u), expect_for(23456)), open_subcode::kBadPeerAs,
               "fa56ea01");
  // Without the capability the 2-octet field is used (and sent back).
  Open old;
  old.my_as = 65002;
  old.hold_time = 90;
  old.bgp_identifier = 2;
  expect_error(check_open(old, expect_for()), open_subcode::kBadPeerAs, "fdea");
  old.my_as = 65001;
  EXPECT_FALSE(check_open(old, expect_for()));
  // AS_TRANS without the capability, AS 0, and a capability disagreeing with My AS.
  old.my_as = kAsTrans;
  expect_error(check_open(old, expect_for(std::nullopt)), open_subcode::kBadPeerAs, "5ba0");
  old.my_as = 0;
  expect_error(check_open(old, expect_for(std::nullopt)), open_subcode::kBadPeerAs, "0000");
  Open mismatch = peer_open(65001);
  mismatch.my_as = 65003;
  expect_error(check_open(mismatch, expect_for(std::nullopt)), open_subcode::kBadPeerAs,
               "0000fde9");
}

TEST(CheckOpen, BadBgpIdentifier) {
  expect_error(check_open(peer_open(65001, 90, 0), expect_for()), open_subcode::kBadBgpIdentifier,
               "00000000");
  // RFC 6286: the same identifier is only a problem on iBGP.
  EXPECT_FALSE(check_open(peer_open(65001, 90, 0x0a000001), expect_for()));
  expect_error(check_open(peer_open(65000, 90, 0x0a000001), expect_for(65000)),
               open_subcode::kBadBgpIdentifier, "0a000001");
}

TEST(CheckOpen, UnacceptableHoldTime) {
  expect_error(check_open(peer_open(65001, 1), expect_for()), open_subcode::kUnacceptableHoldTime,
               "");
  expect_error(check_open(peer_open(65001, 2), expect_for()), open_subcode::kUnacceptableHoldTime,
               "");
  EXPECT_FALSE(check_open(peer_open(65001, 0), expect_for()));
  EXPECT_FALSE(check_open(peer_open(65001, 3), expect_for()));
}

TEST(CheckOpen, UnsupportedOptionalParameter) {
  Open o = peer_open();
  o.other_parameters.push_back({1, {0}});
  expect_error(check_open(o, expect_for()), open_subcode::kUnsupportedOptionalParameter, "");
}

TEST(CheckOpen, UnsupportedCapabilityOnlyWhenRequired) {
  OpenExpectations e = expect_for();
  e.required_capabilities = {MultiprotocolCapability{kIpv6Unicast}, RouteRefreshCapability{}};
  Open o = peer_open(65001, 90, 2,
                     {MultiprotocolCapability{kIpv4Unicast}, RouteRefreshCapability{true}});
  // RFC 5492 §3: data lists the missing capability (MP IPv6 unicast).
  expect_error(check_open(o, e), open_subcode::kUnsupportedCapability, "010400020001");
  e.required_capabilities = {RouteRefreshCapability{}, ExtendedMessageCapability{}};
  expect_error(check_open(o, e), open_subcode::kUnsupportedCapability, "0600");
  e.required_capabilities = {RouteRefreshCapability{}};
  EXPECT_FALSE(check_open(o, e));
}

TEST(Negotiate, TimersAndFamilies) {
  Open local =
      make_open(65000, 180, 1,
                {MultiprotocolCapability{kIpv4Unicast}, MultiprotocolCapability{kIpv6Unicast},
                 RouteRefreshCapability{}, ExtendedMessageCapability{}});
  Open remote = make_open(4200000001u, 90, 2,
                          {MultiprotocolCapability{kIpv6Unicast}, RouteRefreshCapability{true}});
  Negotiated n = negotiate(local, remote);
  EXPECT_EQ(n.peer_as, 4200000001u);
  EXPECT_EQ(n.peer_bgp_identifier, 2u);
  EXPECT_FALSE(n.ibgp);
  EXPECT_TRUE(n.four_octet_as);
  EXPECT_EQ(n.hold_time, 90);
  EXPECT_EQ(n.keepalive_time, 30);
  EXPECT_EQ(n.afi_safis, std::vector<AfiSafi>{kIpv6Unicast});
  EXPECT_TRUE(n.route_refresh);
  EXPECT_FALSE(n.extended_message);
  EXPECT_TRUE(n.extended_message_receive);  // we advertised it: the peer may send them
  EXPECT_FALSE(n.extended_message_send);
  EXPECT_EQ(n.receive_options(), (Options{true, true}));
  EXPECT_EQ(n.send_options(), (Options{true, false}));
  EXPECT_FALSE(n.peer_graceful_restart);
  EXPECT_EQ(n.options(), (Options{true, false}));
  EXPECT_EQ(negotiate(local, remote, 10).keepalive_time, 10);
  EXPECT_EQ(negotiate(local, remote, 60).keepalive_time, 30);
  EXPECT_EQ(negotiate(local, remote, 0).keepalive_time, 30);
}

TEST(Negotiate, ZeroHoldTimeDisablesKeepalives) {
  Open local = make_open(65000, 0, 1, {});
  Open remote = make_open(65000, 90, 2, {});
  Negotiated n = negotiate(local, remote, 10);
  EXPECT_EQ(n.hold_time, 0);
  EXPECT_EQ(n.keepalive_time, 0);
  EXPECT_TRUE(n.ibgp);
}

TEST(Negotiate, NoMultiprotocolMeansIpv4UnicastOnly) {
  Open local = make_open(
      65000, 90, 1, {MultiprotocolCapability{kIpv4Unicast}, MultiprotocolCapability{kIpv6Unicast}});
  Open remote;  // an old speaker: no capabilities at all
  remote.my_as = 65001;
  remote.hold_time = 90;
  remote.bgp_identifier = 2;
  Negotiated n = negotiate(local, remote);
  EXPECT_EQ(n.afi_safis, std::vector<AfiSafi>{kIpv4Unicast});
  EXPECT_FALSE(n.four_octet_as);
  EXPECT_FALSE(n.route_refresh);
  EXPECT_EQ(n.peer_as, 65001u);
}

TEST(Negotiate, ExtendedMessageAndGracefulRestart) {
  GracefulRestartCapability gr{true, false, 120, {{kIpv4Unicast, true}}};
  Open local = make_open(65000, 90, 1, {ExtendedMessageCapability{}});
  Open remote = make_open(65001, 90, 2, {ExtendedMessageCapability{}, gr});
  Negotiated n = negotiate(local, remote);
  EXPECT_TRUE(n.extended_message);
  EXPECT_EQ(n.peer_graceful_restart, gr);
  EXPECT_EQ(n.options().extended_message, true);
}

}  // namespace
}  // namespace vipd::bgp::wire
