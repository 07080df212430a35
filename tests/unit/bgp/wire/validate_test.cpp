#include "bgp/wire/validate.hpp"

#include <gtest/gtest.h>

#include "wire_test_util.hpp"

namespace vipd::bgp::wire {
namespace {

using namespace testing;

constexpr const char* kOrigin = "40 01 01 00 ";
constexpr const char* kPath = "40 02 04 02 01 fde8 ";  // 2-octet AS_SEQUENCE 65000
constexpr const char* kNextHop = "40 03 04 c0000201 ";
constexpr const char* kNlri = "18 0a0100";

struct Case {
  Options options{false, false};
  ValidationContext ctx;
};

UpdateVerdict verdict(const std::string& attrs, const std::string& nlri = kNlri, Case c = Case{}) {
  Bytes msg = update_message("", attrs, nlri);
  auto u = decode_update(body_of(msg), c.options);
  EXPECT_TRUE(u.ok());
  if (!u.ok()) return verdict_for_decode_error(u.error());
  return validate_update(*u, c.ctx);
}

Case ibgp() {
  Case c;
  c.ctx.ibgp = true;
  return c;
}

Case four_octet() {
  Case c;
  c.options.four_octet_as = true;
  c.ctx.four_octet_as = true;
  return c;
}

Case with_v6() {
  Case c = four_octet();
  c.ctx.afi_safis = {kIpv4Unicast, kIpv6Unicast};
  return c;
}

void expect(const UpdateVerdict& v, UpdateAction action, std::uint8_t subcode,
            std::vector<std::uint8_t> discard = {}) {
  EXPECT_EQ(v.action, action) << action_name(v.action) << ": " << v.reason;
  if (action != UpdateAction::kAccept) {
    ASSERT_TRUE(v.error);
    EXPECT_EQ(v.error->code, error_code::kUpdateMessage);
    EXPECT_EQ(v.error->subcode, subcode) << v.reason;
  }
  EXPECT_EQ(v.discard, discard);
}

const std::string kBase = std::string(kOrigin) + kPath + kNextHop;

TEST(Validate, CleanUpdateIsAccepted) {
  auto v = verdict(kBase);
  expect(v, UpdateAction::kAccept, 0);
  EXPECT_FALSE(v.error);
  EXPECT_TRUE(v.reason.empty());
}

TEST(Validate, WithdrawOnlyNeedsNoAttributes) {
  Bytes msg = update_message("18 0a0100", "", "");
  auto u = decode_update(body_of(msg), Options{});
  ASSERT_TRUE(u.ok());
  expect(validate_update(*u, {}), UpdateAction::kAccept, 0);
}

// RFC 7606 §7.1.
TEST(Validate, Origin) {
  expect(verdict(std::string("40 01 02 0000 ") + kPath + kNextHop), UpdateAction::kTreatAsWithdraw,
         update_subcode::kAttributeLengthError);
  auto v = verdict(std::string("40 01 01 03 ") + kPath + kNextHop);
  expect(v, UpdateAction::kTreatAsWithdraw, update_subcode::kInvalidOriginAttribute);
  EXPECT_EQ(to_hex(v.error->data), "40010103");  // RFC 4271 §6.3: data = the attribute
}

// RFC 7606 §3 (c): wrong Optional/Transitive bits.
TEST(Validate, AttributeFlags) {
  auto v = verdict(std::string("c0 01 01 00 ") + kPath + kNextHop);
  expect(v, UpdateAction::kTreatAsWithdraw, update_subcode::kAttributeFlagsError);
  EXPECT_EQ(to_hex(v.error->data), "c0010100");
  expect(verdict(kBase + "40 04 04 00000001"), UpdateAction::kTreatAsWithdraw,
         update_subcode::kAttributeFlagsError);
  expect(verdict(kBase + "80 08 04 00000001"), UpdateAction::kTreatAsWithdraw,
         update_subcode::kAttributeFlagsError);
  // Partial and Extended Length bits do not matter.
  expect(verdict(kBase + "f0 08 0004 00000001"), UpdateAction::kAccept, 0);
}

// RFC 7606 §7.2.
TEST(Validate, AsPath) {
  for (const char* bad : {"40 02 04 05 01 fde8 ",  // unknown segment type
                          "40 02 02 02 00 ",       // empty segment
                          "40 02 04 02 02 fde8 ",  // segment overruns the attribute
                          "40 02 01 02 "}) {       // truncated segment header
    auto v = verdict(std::string(kOrigin) + bad + kNextHop);
    expect(v, UpdateAction::kTreatAsWithdraw, update_subcode::kMalformedAsPath);
    EXPECT_TRUE(v.error->data.empty());
  }
}

TEST(Validate, ConfederationSegmentsOnlyFromConfederationPeers) {
  std::string attrs = std::string(kOrigin) + "40 02 08 03 01 fc00 02 01 fde8 " + kNextHop;
  expect(verdict(attrs), UpdateAction::kTreatAsWithdraw, update_subcode::kMalformedAsPath);
  Case c;
  c.ctx.confederation_peer = true;
  expect(verdict(attrs, kNlri, c), UpdateAction::kAccept, 0);
}

TEST(Validate, EnforceFirstAs) {
  Case c;
  c.ctx.enforce_first_as = 65000;
  expect(verdict(kBase, kNlri, c), UpdateAction::kAccept, 0);
  c.ctx.enforce_first_as = 65001;
  expect(verdict(kBase, kNlri, c), UpdateAction::kTreatAsWithdraw,
         update_subcode::kMalformedAsPath);
  c.ctx.enforce_first_as = 65000;
  expect(verdict(std::string(kOrigin) + "40 02 00 " + kNextHop, kNlri, c),
         UpdateAction::kTreatAsWithdraw, update_subcode::kMalformedAsPath);
}

// RFC 7606 §7.3, RFC 4271 §6.3.
TEST(Validate, NextHop) {
  expect(verdict(std::string(kOrigin) + kPath + "40 03 05 c000020100"),
         UpdateAction::kTreatAsWithdraw, update_subcode::kAttributeLengthError);
  for (const char* nh : {"00000000", "e0000001", "ffffffff", "f0000001"}) {
    expect(verdict(std::string(kOrigin) + kPath + "40 03 04 " + nh), UpdateAction::kTreatAsWithdraw,
           update_subcode::kInvalidNextHopAttribute);
  }
}

// RFC 7606 §7.4.
TEST(Validate, Med) {
  expect(verdict(kBase + "80 04 03 000001"), UpdateAction::kTreatAsWithdraw,
         update_subcode::kAttributeLengthError);
}

// RFC 7606 §7.5.
TEST(Validate, LocalPref) {
  expect(verdict(kBase + "40 05 02 0001", kNlri, ibgp()), UpdateAction::kTreatAsWithdraw,
         update_subcode::kAttributeLengthError);
  // From an external peer LOCAL_PREF is discarded, well-formed or not.
  expect(verdict(kBase + "40 05 02 0001"), UpdateAction::kAttributeDiscard,
         update_subcode::kAttributeLengthError, {attr_type::kLocalPref});
  expect(verdict(kBase + "40 05 04 00000064"), UpdateAction::kAttributeDiscard,
         update_subcode::kUnspecific, {attr_type::kLocalPref});
  expect(verdict(kBase + "40 05 04 00000064", kNlri, ibgp()), UpdateAction::kAccept, 0);
}

// RFC 7606 §7.6, §7.7.
TEST(Validate, AtomicAggregateAndAggregatorAreDiscarded) {
  expect(verdict(kBase + "40 06 01 00"), UpdateAction::kAttributeDiscard,
         update_subcode::kAttributeLengthError, {attr_type::kAtomicAggregate});
  expect(verdict(kBase + "c0 07 08 0000fde8 c0000201"), UpdateAction::kAttributeDiscard,
         update_subcode::kAttributeLengthError, {attr_type::kAggregator});
  Case c = four_octet();
  std::string base4 = std::string(kOrigin) + "40 02 06 02 01 0000fde8 " + kNextHop;
  expect(verdict(base4 + "c0 07 06 fde8 c0000201", kNlri, c), UpdateAction::kAttributeDiscard,
         update_subcode::kAttributeLengthError, {attr_type::kAggregator});
  expect(verdict(base4 + "c0 07 08 0000fde8 c0000201", kNlri, c), UpdateAction::kAccept, 0);
  // Bad flags on AGGREGATOR follow §7.7 too.
  expect(verdict(kBase + "40 07 06 fde8 c0000201"), UpdateAction::kAttributeDiscard,
         update_subcode::kAttributeFlagsError, {attr_type::kAggregator});
}

// RFC 7606 §7.8, RFC 8092 §5.
TEST(Validate, Communities) {
  expect(verdict(kBase + "c0 08 03 000001"), UpdateAction::kTreatAsWithdraw,
         update_subcode::kOptionalAttributeError);
  expect(verdict(kBase + "c0 08 00"), UpdateAction::kTreatAsWithdraw,
         update_subcode::kOptionalAttributeError);
  expect(verdict(kBase + "c0 20 0b 0000000100000002000000"), UpdateAction::kTreatAsWithdraw,
         update_subcode::kOptionalAttributeError);
  expect(verdict(kBase + "c0 20 00"), UpdateAction::kTreatAsWithdraw,
         update_subcode::kOptionalAttributeError);
}

// RFC 7606 §7.9, §7.10.
TEST(Validate, OriginatorIdAndClusterList) {
  expect(verdict(kBase + "80 09 05 0a00000100", kNlri, ibgp()), UpdateAction::kTreatAsWithdraw,
         update_subcode::kAttributeLengthError);
  expect(verdict(kBase + "80 0a 06 0a0000010a00", kNlri, ibgp()), UpdateAction::kTreatAsWithdraw,
         update_subcode::kOptionalAttributeError);
  expect(verdict(kBase + "80 09 04 0a000001 80 0a 04 0a000002", kNlri, ibgp()),
         UpdateAction::kAccept, 0);
  expect(verdict(kBase + "80 09 04 0a000001 80 0a 04 0a000002"), UpdateAction::kAttributeDiscard,
         update_subcode::kUnspecific, {attr_type::kOriginatorId, attr_type::kClusterList});
  expect(verdict(kBase + "80 0a 06 0a0000010a00"), UpdateAction::kAttributeDiscard,
         update_subcode::kOptionalAttributeError, {attr_type::kClusterList});
}

// RFC 7606 §7.11.
TEST(Validate, MpReachAndUnreachMalformedIsSessionReset) {
  std::string v6 = std::string(kOrigin) + "40 02 06 02 01 0000fde8 ";
  for (const char* bad : {
           "80 0e 0a 0002 01 05 0000000000 00",  // IPv6 next hop length 5
           "80 0e 04 0002 01 10",                // truncated
           "80 0e 1a 0002 01 10 20010db8000000000000000000000001 00 81 20010db8",  // /129
           "80 0e 1a 0002 01 10 20010db8000000000000000000000001 00 40 20010db8",  // overrun
           "80 0e 0a 0001 01 05 c000020100 00",  // IPv4 next hop length 5
           "80 0f 02 0002",                      // truncated MP_UNREACH
           "80 0f 06 0002 01 30 2001",           // MP_UNREACH prefix overrun
           "c0 0e 05 0002 01 00 00",             // wrong flags
       }) {
    auto v = verdict(v6 + bad, "", with_v6());
    expect(v, UpdateAction::kSessionReset,
           std::string(bad).substr(0, 2) == "c0" ? update_subcode::kAttributeFlagsError
                                                 : update_subcode::kOptionalAttributeError);
  }
}

TEST(Validate, MpReachWithoutNextHopAttributeIsFine) {
  std::string attrs = std::string(kOrigin) + "40 02 06 02 01 0000fde8 " +
                      "80 0e 1a 0002 01 10 20010db8000000000000000000000001 00 20 20010db8";
  expect(verdict(attrs, "", with_v6()), UpdateAction::kAccept, 0);
  // ... but ORIGIN is still mandatory for MP_REACH NLRI.
  auto v = verdict(
      "40 02 06 02 01 0000fde8 80 0e 1a 0002 01 10 "
      "20010db8000000000000000000000001 00 20 20010db8",
      "", with_v6());
  expect(v, UpdateAction::kTreatAsWithdraw, update_subcode::kMissingWellKnownAttribute);
  // An AFI/SAFI that was not negotiated is ignored (RFC 4760 §6).
  expect(verdict(attrs, "", four_octet()), UpdateAction::kAttributeDiscard,
         update_subcode::kOptionalAttributeError, {attr_type::kMpReachNlri});
}

// RFC 7606 §3 (g).
TEST(Validate, Duplicates) {
  std::string mp = "80 0f 03 0002 01 ";
  expect(verdict(std::string(kOrigin) + mp + mp, "", with_v6()), UpdateAction::kSessionReset,
         update_subcode::kMalformedAttributeList);
  // Any other duplicate: the first occurrence wins, no error.
  Bytes msg = update_message("", kBase + "40 01 01 02", kNlri);
  auto u = decode_update(body_of(msg), Options{});
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->attributes.origin, Origin::kIgp);
  expect(validate_update(*u, {}), UpdateAction::kAccept, 0);
}

// RFC 7606 §3 (d).
TEST(Validate, MissingWellKnownAttributes) {
  auto v = verdict(std::string(kPath) + kNextHop);
  expect(v, UpdateAction::kTreatAsWithdraw, update_subcode::kMissingWellKnownAttribute);
  EXPECT_EQ(v.error->data, Bytes{attr_type::kOrigin});
  v = verdict(std::string(kOrigin) + kNextHop);
  EXPECT_EQ(v.error->data, Bytes{attr_type::kAsPath});
  v = verdict(std::string(kOrigin) + kPath);
  expect(v, UpdateAction::kTreatAsWithdraw, update_subcode::kMissingWellKnownAttribute);
  EXPECT_EQ(v.error->data, Bytes{attr_type::kNextHop});
  // No NLRI: nothing is mandatory.
  expect(verdict(std::string(kPath), ""), UpdateAction::kAccept, 0);
}

// RFC 4271 §6.3.
TEST(Validate, UnrecognizedWellKnownIsSessionReset) {
  auto v = verdict(kBase + "40 63 01 00");
  expect(v, UpdateAction::kSessionReset, update_subcode::kUnrecognizedWellKnownAttribute);
  EXPECT_EQ(to_hex(v.error->data), "40630100");
}

// RFC 7606 §4.
TEST(Validate, AttributeOverrunIsTreatAsWithdraw) {
  expect(verdict(kBase + "c0 08 08 00000001"), UpdateAction::kTreatAsWithdraw,
         update_subcode::kMalformedAttributeList);
  expect(verdict(kBase + "c0"), UpdateAction::kTreatAsWithdraw,
         update_subcode::kMalformedAttributeList);
  expect(verdict(kBase + "d0 08 00"), UpdateAction::kTreatAsWithdraw,
         update_subcode::kMalformedAttributeList);
}

// RFC 6793 §6, §4.1.
TEST(Validate, As4Attributes) {
  expect(verdict(kBase + "c0 11 05 02 01 000186"), UpdateAction::kAttributeDiscard,
         update_subcode::kOptionalAttributeError, {attr_type::kAs4Path});
  expect(verdict(kBase + "c0 11 06 03 01 000186a0"), UpdateAction::kAttributeDiscard,
         update_subcode::kOptionalAttributeError, {attr_type::kAs4Path});
  expect(verdict(kBase + "c0 12 06 0001 c0000201"), UpdateAction::kAttributeDiscard,
         update_subcode::kAttributeLengthError, {attr_type::kAs4Aggregator});
  expect(verdict(kBase + "c0 11 06 02 01 000186a0 c0 12 08 000186a0 c0000201"),
         UpdateAction::kAccept, 0);
  std::string base4 = std::string(kOrigin) + "40 02 06 02 01 0000fde8 " + kNextHop;
  expect(verdict(base4 + "c0 11 06 02 01 000186a0 c0 12 08 000186a0 c0000201", kNlri, four_octet()),
         UpdateAction::kAttributeDiscard, update_subcode::kUnspecific,
         {attr_type::kAs4Path, attr_type::kAs4Aggregator});
}

// RFC 7606 §3 (h): the strongest approach wins, every finding is reported.
TEST(Validate, StrongestActionWins) {
  auto v = verdict(std::string("40 01 01 07 ") + kPath + kNextHop + "40 06 01 00");
  expect(v, UpdateAction::kTreatAsWithdraw, update_subcode::kInvalidOriginAttribute,
         {attr_type::kAtomicAggregate});
  EXPECT_NE(v.reason.find("ATOMIC_AGGREGATE"), std::string::npos);
  v = verdict(std::string("40 01 01 07 ") + kPath + kNextHop + "80 0f 02 0002", kNlri, with_v6());
  EXPECT_EQ(v.action, UpdateAction::kSessionReset);
  EXPECT_EQ(v.error->subcode, update_subcode::kOptionalAttributeError);
}

TEST(Validate, DecodeErrorsAreSessionReset) {
  auto u = decode_update(from_hex("0005 0a 0000"), Options{});
  ASSERT_FALSE(u.ok());
  auto v = verdict_for_decode_error(u.error());
  EXPECT_EQ(v.action, UpdateAction::kSessionReset);
  EXPECT_EQ(v.error->subcode, update_subcode::kMalformedAttributeList);
}

TEST(Validate, ApplyDiscards) {
  Bytes msg = update_message("", kBase + "40 05 04 00000064 40 06 01 00", kNlri);
  auto u = decode_update(body_of(msg), Options{});
  ASSERT_TRUE(u.ok());
  auto v = validate_update(*u, {});
  apply_discards(*u, v);
  EXPECT_FALSE(u->attributes.local_pref);
  EXPECT_TRUE(u->attributes.origin);
}

}  // namespace
}  // namespace vipd::bgp::wire
