// Durations, base64, names, address ranges, communities and selector overlap, read as
// Kubernetes and MetalLB read them.
#include <gtest/gtest.h>

#include "lb/crd/ranges.hpp"
#include "lb/crd/validate.hpp"
#include "lb/crd/values.hpp"

#include "test_util.hpp"

namespace vipd::lb::crd {
namespace {

using std::chrono::milliseconds;
using Op = LabelSelectorRequirement::Operator;
using test::ip;

TEST(Duration, GoSyntax) {
  EXPECT_EQ(*parse_duration("90s"), milliseconds(90000));
  EXPECT_EQ(*parse_duration("1m30s"), milliseconds(90000));
  EXPECT_EQ(*parse_duration("500ms"), milliseconds(500));
  EXPECT_EQ(*parse_duration("1h"), milliseconds(3600000));
  EXPECT_EQ(*parse_duration("1.5s"), milliseconds(1500));
  EXPECT_EQ(*parse_duration("0"), milliseconds(0));
  EXPECT_EQ(*parse_duration("-3s"), milliseconds(-3000));
  EXPECT_EQ(*parse_duration("2500us"), milliseconds(2));
}

TEST(Duration, Errors) {
  EXPECT_EQ(parse_duration("90").error(), "invalid duration \"90\": missing unit (e.g. \"90s\")");
  EXPECT_EQ(parse_duration("5d").error(),
            "invalid duration \"5d\": unknown unit \"d\" (ns, us, ms, s, m, h)");
  EXPECT_EQ(parse_duration("").error(), "invalid duration \"\"");
  EXPECT_EQ(parse_duration("s").error(), "invalid duration \"s\"");
  EXPECT_EQ(parse_duration("99999999999h").error(), "invalid duration \"99999999999h\": too long");
}

TEST(Base64, StandardWithPadding) {
  EXPECT_EQ(*decode_base64("czNjcjN0"), "s3cr3t");
  EXPECT_EQ(*decode_base64("YQ=="), "a");
  EXPECT_EQ(*decode_base64("YWI=\n"), "ab");
  EXPECT_FALSE(decode_base64("YQ"));
  EXPECT_FALSE(decode_base64("Y===="));
  EXPECT_FALSE(decode_base64("YQ==YQ=="));
  EXPECT_FALSE(decode_base64("a!b="));
}

TEST(Names, KubernetesRules) {
  EXPECT_FALSE(check_object_name("first-pool.v2"));
  EXPECT_TRUE(check_object_name("First"));
  EXPECT_TRUE(check_object_name("-a"));
  EXPECT_FALSE(check_namespace_name("metallb-system"));
  EXPECT_TRUE(check_namespace_name("a.b"));
  EXPECT_FALSE(check_label_key("kubernetes.io/hostname"));
  EXPECT_FALSE(check_label_key("node-role.kubernetes.io/control-plane"));
  EXPECT_TRUE(check_label_key("Bad_Prefix/x"));
  EXPECT_TRUE(check_label_key(""));
  EXPECT_FALSE(check_label_value(""));
  EXPECT_TRUE(check_label_value("-x"));
  EXPECT_FALSE(check_interface_name("bond0.100"));
  EXPECT_TRUE(check_interface_name("a-very-long-interface"));
  EXPECT_TRUE(check_interface_name("eth/0"));
}

TEST(AddressRange, CidrIsTheWholeNetwork) {
  const auto r = parse_address_range("10.47.40.1/24");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->first, ip("10.47.40.0"));
  EXPECT_EQ(r->last, ip("10.47.40.255"));
  const auto v6 = parse_address_range("2001:db8::5/126");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->first, ip("2001:db8::4"));
  EXPECT_EQ(v6->last, ip("2001:db8::7"));
  const auto all = parse_address_range("::/0");
  ASSERT_TRUE(all);
  EXPECT_EQ(all->last, ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
}

TEST(AddressRange, RangesAndRefusals) {
  const auto r = parse_address_range(" 10.0.0.1 - 10.0.0.9 ");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->first, ip("10.0.0.1"));
  EXPECT_EQ(r->last, ip("10.0.0.9"));
  EXPECT_TRUE(parse_address_range("10.0.0.1-10.0.0.1"));
  EXPECT_FALSE(parse_address_range("10.0.0.1"));  // MetalLB: net.ParseCIDR needs "/len"
  EXPECT_FALSE(parse_address_range("10.0.0.9-10.0.0.1"));
  EXPECT_FALSE(parse_address_range("10.0.0.1-::1"));
  EXPECT_FALSE(parse_address_range("10.0.0.0/33"));
  EXPECT_FALSE(parse_address_range("010.0.0.0/8"));
}

TEST(AddressRange, SummarizeAsMetalLbDoes) {
  const AddressRange r{ip("192.168.10.0"), ip("192.168.10.99")};
  const auto prefixes = summarize(r);
  ASSERT_EQ(prefixes.size(), 3u);
  EXPECT_EQ(prefixes[0].to_string(), "192.168.10.0/26");
  EXPECT_EQ(prefixes[1].to_string(), "192.168.10.64/27");
  EXPECT_EQ(prefixes[2].to_string(), "192.168.10.96/30");
  EXPECT_EQ(widest_prefix_length(r), 26);
  EXPECT_EQ(widest_prefix_length({ip("0.0.0.0"), ip("255.255.255.255")}), 0);
  EXPECT_EQ(widest_prefix_length({ip("::"), ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")}), 0);
  EXPECT_EQ(widest_prefix_length({ip("2001:db8::1"), ip("2001:db8::1")}), 128);
}

TEST(Community, StandardAndLarge) {
  EXPECT_EQ(*parse_standard_community("65535:65282"), 0xFFFFFF02u);
  EXPECT_FALSE(parse_standard_community("65536:1"));
  EXPECT_FALSE(parse_standard_community("1:2:3"));
  EXPECT_FALSE(parse_standard_community("+1:2"));
  const auto large = parse_large_community("large:4294967295:1:2");
  ASSERT_TRUE(large);
  EXPECT_EQ(large->global_admin, 4294967295u);
  EXPECT_EQ(large->local_data1, 1u);
  EXPECT_EQ(large->local_data2, 2u);
  EXPECT_FALSE(parse_large_community("big:1:2:3"));
  EXPECT_FALSE(parse_large_community("large:1:2:4294967296"));
}

TEST(SelectorOverlap, ProvablyDisjointOnly) {
  const LabelSelector rack1{{{"rack", "r1"}}, {}};
  const LabelSelector rack2{{{"rack", "r2"}}, {}};
  EXPECT_FALSE(selectors_may_overlap({rack1}, {rack2}));
  EXPECT_TRUE(selectors_may_overlap({rack1}, {}));
  EXPECT_TRUE(selectors_may_overlap({rack1}, {rack1, rack2}));
  const LabelSelector other_key{{{"zone", "z"}}, {}};
  EXPECT_TRUE(selectors_may_overlap({rack1}, {other_key}));
  const LabelSelector no_rack{{}, {{"rack", Op::kDoesNotExist, {}}}};
  EXPECT_FALSE(selectors_may_overlap({rack1}, {no_rack}));
  const LabelSelector not_r1{{}, {{"rack", Op::kNotIn, {"r1"}}}};
  EXPECT_FALSE(selectors_may_overlap({rack1}, {not_r1}));
  EXPECT_TRUE(selectors_may_overlap({rack2}, {not_r1}));
  const LabelSelector in_r1_r3{{}, {{"rack", Op::kIn, {"r1", "r3"}}}};
  EXPECT_TRUE(selectors_may_overlap({rack1}, {in_r1_r3}));
  EXPECT_FALSE(selectors_may_overlap({rack2}, {in_r1_r3}));
}

TEST(Timers, MetalLbDefaults) {
  BgpPeer peer;
  EXPECT_EQ(peer.effective_hold_time(), milliseconds(90000));
  EXPECT_EQ(peer.effective_keepalive_time(), milliseconds(30000));
  peer.hold_time = milliseconds(9000);
  EXPECT_EQ(peer.effective_keepalive_time(), milliseconds(3000));
  peer.hold_time.reset();
  peer.keepalive_time = milliseconds(10000);
  EXPECT_EQ(peer.effective_hold_time(), milliseconds(30000));
}

}  // namespace
}  // namespace vipd::lb::crd
