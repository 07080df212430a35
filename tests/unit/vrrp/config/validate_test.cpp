// The checks after parsing, each with the message `keepalived -t` (2.2.7, Debian 12) prints for
// the same configuration, and keepalived's correction.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_util.hpp"

namespace vipd::vrrp::config {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using namespace test;

// The instance of `text` and the warnings it loads with.
std::pair<VrrpInstance, std::vector<std::string>> checked(const std::string& text) {
  auto p = parse(text);
  EXPECT_TRUE(p.result.ok()) << p.result.error().to_string();
  if (!p.result.ok() || p.result->instances.empty()) return {};
  return {p.result->instances[0], p.warnings};
}

TEST(Validate, PriorityOutOfRangeUsesTheDefault) {
  for (const char* value : {"0", "256", "-5"}) {
    auto [v, warnings] = checked(instance(std::string(" priority ") + value));
    EXPECT_EQ(v.priority, 100) << value;
    EXPECT_THAT(warnings, ElementsAre("k.conf:4: (VI_1) Priority not valid! must be between 1 & "
                                      "255. Using default 100"));
  }
  // An explicit (even corrected) priority is not derived from `state MASTER`.
  EXPECT_EQ(checked(instance(" state MASTER\n priority 0")).first.priority, 100);
}

TEST(Validate, AuthPassLongerThanEightOctetsIsTruncated) {
  auto [v, warnings] =
      checked(instance(" authentication {\n  auth_type PASS\n  auth_pass 123456789012\n }"));
  EXPECT_EQ(v.auth_pass, "12345678");
  EXPECT_THAT(warnings, ElementsAre("k.conf:6: Truncating auth_pass to 8 characters"));
}

TEST(Validate, AuthenticationThatKeepalivedDrops) {
  auto [v3, w3] =
      checked(instance(" version 3\n authentication {\n  auth_type PASS\n  auth_pass x\n }"));
  EXPECT_EQ(v3.auth_type, AuthType::kNone);
  EXPECT_EQ(v3.auth_pass, "");
  EXPECT_THAT(w3, ElementsAre("k.conf:1: (VI_1) VRRP version 3 does not support authentication. "
                              "Ignoring."));
  auto [nopass, w2] = checked(instance(" authentication {\n  auth_type PASS\n }"));
  EXPECT_EQ(nopass.auth_type, AuthType::kNone);
  EXPECT_THAT(w2, ElementsAre("k.conf:1: (VI_1) Authentication specified but no password given. "
                              "Ignoring"));
  auto [bad, wb] = checked(instance(" authentication {\n  auth_type FOO\n  auth_pass x\n }"));
  EXPECT_EQ(bad.auth_type, AuthType::kNone);
  EXPECT_THAT(wb, ElementsAre("k.conf:5: (VI_1) unknown authentication type 'FOO'"));
  auto [ah, wa] = checked(instance(
      " state MASTER\n priority 100\n authentication {\n  auth_type AH\n  auth_pass k\n }"));
  EXPECT_EQ(ah.auth_type, AuthType::kAh);
  EXPECT_EQ(ah.state, InitialState::kBackup);
  EXPECT_THAT(wa, ElementsAre("k.conf:1: (VI_1) Initial state master is incompatible with AH "
                              "authentication - clearing"));
}

TEST(Validate, Version2WithIpv6) {
  // keepalived 2.2.7 -t accepts `version 2` with IPv6 VIPs silently and sends VRRPv2 over IPv6
  // (no RFC defines it; docs/vrrp.md); vipd keeps it so that it talks to such peers.
  auto [v, warnings] = checked(instance(" version 2", "fe80::1"));
  EXPECT_EQ(v.version, 2);
  EXPECT_EQ(v.family, Family::kIpv6);
  EXPECT_THAT(warnings, IsEmpty());
  // Strict mode refuses it, with keepalived's message.
  auto [strict, ws] = checked(instance(" version 2\n strict_mode", "fe80::1"));
  EXPECT_EQ(strict.version, 3);
  EXPECT_THAT(ws, ElementsAre("k.conf:1: (VI_1) cannot use IPv6 with VRRP version 2; setting "
                              "version 3"));
  // After the VIPs the family is known: keepalived -t prints exactly this.
  auto [late, wl] = checked(
      "vrrp_instance X {\n interface eth0\n virtual_router_id 5\n"
      " virtual_ipaddress {\n  fe80::1\n }\n version 2\n}\n");
  EXPECT_EQ(late.version, 3);
  EXPECT_THAT(wl, ElementsAre("k.conf:7: (X) vrrp_version 2 conflicts with configured or "
                              "deduced version 0; ignoring."));
  // Without a version, IPv6 means v3 whatever global_defs says.
  EXPECT_EQ(checked("global_defs {\n vrrp_version 2\n}\n" + instance("", "fe80::1")).first.version,
            3);
  // AH cannot protect IPv6 adverts.
  auto [ah, wa] = checked(
      instance(" version 2\n authentication {\n  auth_type AH\n  auth_pass k\n }", "fe80::1"));
  EXPECT_EQ(ah.auth_type, AuthType::kNone);
  EXPECT_THAT(wa, ElementsAre("k.conf:1: (VI_1) Cannot use AH authentication with IPv6. "
                              "ignoring"));
}

TEST(Validate, AddressFamiliesDoNotMix) {
  auto [v, warnings] = checked(instance("", "10.0.0.1\n  2001:db8::1"));
  EXPECT_EQ(v.virtual_ipaddress.size(), 1u);
  EXPECT_THAT(warnings, ElementsAre("k.conf:7: (VI_1): address family must match VRRP instance "
                                    "[2001:db8::1] - ignoring"));
  // The excluded addresses may be of either family.
  auto [e, we] = checked(instance(" virtual_ipaddress_excluded {\n  2001:db8::1\n }"));
  EXPECT_EQ(e.virtual_ipaddress_excluded.size(), 1u);
  EXPECT_THAT(we, IsEmpty());
  // unicast_src_ip decides the family when it comes first.
  auto p = parse(instance(" unicast_src_ip 2001:db8::9"));
  ASSERT_FALSE(p.result.ok());
  EXPECT_EQ(p.result.error().to_string(),
            "k.conf:1: (VI_1) No VIP specified; at least one is "
            "required");
  EXPECT_THAT(p.warnings, ElementsAre("k.conf:6: (VI_1): address family must match VRRP "
                                      "instance [10.0.0.1] - ignoring"));
}

TEST(Validate, NoVirtualAddress) {
  auto p = parse("vrrp_instance X {\n interface eth0\n virtual_router_id 5\n}\n");
  ASSERT_TRUE(p.result.ok());
  EXPECT_THAT(p.warnings, ElementsAre("k.conf:1: (X) No VIP specified; at least one is sensible"));
  EXPECT_EQ(error_of("vrrp_instance X {\n interface eth0\n virtual_router_id 5\n version 3\n}\n"),
            "k.conf:1: (X) No VIP specified; at least one is required");
}

TEST(Validate, AdvertIntRanges) {
  struct Case {
    const char* body;
    int ms;
    const char* warning;  // "" for none
  };
  const Case cases[] = {
      {" version 3\n advert_int 0.005", 1000,
       "k.conf:5: (VI_1) Advert interval (0.005) not valid! Must be > 0 - ignoring"},
      {" advert_int 300", 1000,
       "k.conf:4: (VI_1) Advert interval (300) not valid! Must be > 0 - ignoring"},
      {" version 3\n advert_int 41", 40950,
       "k.conf:5: (VI_1) VRRPv3 advertisement interval 41.00s is out of range. Must be less than "
       "40.96s. Setting to 40.95s"},
      {" version 3\n advert_int 40.951", 40950,
       "k.conf:5: (VI_1) VRRPv3 advertisement interval 40.951000s must be in units of 10ms - "
       "rounding"},
      {" version 3\n advert_int 40.95", 40950, ""},
      {" version 3\n advert_int 1e-1", 100, ""},
  };
  for (const Case& c : cases) {
    auto [v, warnings] = checked(instance(c.body));
    EXPECT_EQ(v.advert_int, Milliseconds(c.ms)) << c.body;
    if (*c.warning == '\0')
      EXPECT_THAT(warnings, IsEmpty()) << c.body;
    else
      EXPECT_THAT(warnings, ElementsAre(c.warning)) << c.body;
  }
}

TEST(Validate, Preemption) {
  auto [owner, w1] = checked(instance(" priority 255\n nopreempt"));
  EXPECT_FALSE(owner.nopreempt);
  EXPECT_THAT(w1, ElementsAre("k.conf:1: (VI_1) nopreempt is incompatible with priority 255. "
                              "resetting nopreempt"));
  auto [master, w2] =
      checked(instance(" state MASTER\n priority 100\n nopreempt\n preempt_delay 10"));
  EXPECT_FALSE(master.nopreempt);
  EXPECT_EQ(master.preempt_delay, Milliseconds(0));
  EXPECT_THAT(w2, ElementsAre("k.conf:1: (VI_1) Warning - nopreempt will not work with initial "
                              "state MASTER - clearing",
                              "k.conf:1: (VI_1) Warning - preempt delay will not work with "
                              "initial state MASTER - clearing"));
  auto [both, w3] = checked(instance(" nopreempt\n preempt_delay 10"));
  EXPECT_TRUE(both.nopreempt);
  EXPECT_EQ(both.preempt_delay, Milliseconds(0));
  EXPECT_THAT(w3, ElementsAre("k.conf:1: (VI_1) preempt_delay is incompatible with nopreempt mode "
                              "- resetting"));
  auto [range, w4] = checked(instance(" preempt_delay 2000"));
  EXPECT_EQ(range.preempt_delay, Milliseconds(0));
  EXPECT_THAT(w4, ElementsAre("k.conf:4: (VI_1) Preempt_delay not valid! must be between 0-1000"));
}

TEST(Validate, StrictMode) {
  auto [v, warnings] = checked(instance(
      " strict_mode\n state MASTER\n priority 100\n preempt_delay 3\n"
      " garp_lower_prio_repeat 2\n authentication {\n  auth_type PASS\n  auth_pass x\n }"));
  EXPECT_TRUE(v.strict_mode);
  EXPECT_EQ(v.state, InitialState::kBackup);
  EXPECT_EQ(v.auth_type, AuthType::kNone);
  EXPECT_FALSE(v.accept);  // strict mode: RFC 5798 Accept_Mode default
  EXPECT_EQ(v.preempt_delay, Milliseconds(0));
  EXPECT_EQ(v.garp_lower_prio_repeat, 0u);
  EXPECT_EQ(v.garp_lower_prio_delay, Seconds(0));
  EXPECT_TRUE(v.lower_prio_no_advert);
  EXPECT_THAT(warnings,
              ElementsAre("k.conf:1: (VI_1) State MASTER must match being address owner",
                          "k.conf:1: (VI_1) Strict mode does not support authentication. Ignoring.",
                          "k.conf:1: (VI_1) preempt_delay is incompatible with strict mode - "
                          "resetting",
                          "k.conf:1: (VI_1) Strict mode requires no repeat garps. resetting"));
  // global vrrp_strict applies to every instance; accept mode is then reset for v2 non-owners.
  auto [g, wg] = checked("global_defs {\n vrrp_strict\n}\n" + instance(" accept"));
  EXPECT_TRUE(g.strict_mode);
  EXPECT_FALSE(g.accept);
  EXPECT_THAT(wg, ElementsAre("k.conf:4: (VI_1) warning - accept mode for VRRP version 2 does not "
                              "comply with RFC3768 - resetting"));
  auto [owner, wo] = checked("global_defs {\n vrrp_strict\n}\n" + instance(" priority 255"));
  EXPECT_EQ(owner.state, InitialState::kMaster);
  EXPECT_THAT(wo, IsEmpty());
}

TEST(Validate, StateKeywordQuirks) {
  auto [v, warnings] = checked(instance(" state MASTER\n state BACKUP"));
  EXPECT_EQ(v.state, InitialState::kMaster);
  EXPECT_THAT(warnings, ElementsAre("k.conf:5: (VI_1) state previously set as MASTER - ignoring "
                                    "BACKUP"));
  auto [lower, wl] = checked(instance(" state master"));
  EXPECT_EQ(lower.state, InitialState::kBackup);
  EXPECT_THAT(wl, ElementsAre("k.conf:4: (VI_1) unknown state 'master', defaulting to BACKUP"));
}

TEST(Validate, TrackingOwnInterfaceIsIgnored) {
  auto [v, warnings] = checked(instance(" track_interface {\n  eth0\n  eth1\n }"));
  EXPECT_THAT(v.track_interface, ElementsAre(TrackedInterface{"eth1", 0, false}));
  EXPECT_THAT(warnings,
              ElementsAre("k.conf:5: (VI_1) Ignoring track_interface eth0 since own interface"));
}

TEST(Validate, Ipv6FirstAddressShouldBeLinkLocal) {
  auto [v, warnings] = checked(instance("", "2001:db8::1\n  fe80::1"));
  EXPECT_EQ(v.virtual_ipaddress.size(), 2u);
  EXPECT_THAT(warnings,
              ElementsAre("k.conf:1: (VI_1) the first IPv6 VIP address must be link local"));
}

TEST(Validate, AtMost255AdvertisedAddresses) {
  std::string vips;
  for (int i = 0; i < 260; ++i)
    vips += "10.0." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1) + "\n";
  auto [v, warnings] = checked(instance("", vips));
  EXPECT_EQ(v.virtual_ipaddress.size(), 255u);
  EXPECT_EQ(v.virtual_ipaddress_excluded.size(), 5u);
  EXPECT_EQ(v.virtual_ipaddress_excluded[0].address, ip("10.0.1.6"));
  EXPECT_THAT(warnings, ElementsAre("k.conf:1: (VI_1) Number of VIPs (260) exceeds "
                                    "maximum/space available in packet (max 255 addresses) - "
                                    "excess moved to eVIPs"));
}

TEST(Validate, DefaultInterface) {
  auto c = parsed_ok(
      "global_defs {\n default_interface eth3\n}\n"
      "vrrp_instance X {\n virtual_router_id 5\n virtual_ipaddress {\n  10.0.0.1\n"
      " }\n}\n");
  EXPECT_EQ(c.instances[0].interface, "eth3");
}

TEST(Validate, DuplicateEntriesAreIgnored) {
  auto [v, warnings] =
      checked(instance(" unicast_peer {\n  10.0.0.7\n  10.0.0.7\n }", "10.0.0.1\n  10.0.0.1/24"));
  EXPECT_EQ(v.unicast_peer.size(), 1u);
  EXPECT_EQ(v.virtual_ipaddress.size(), 1u);
  EXPECT_THAT(warnings,
              ElementsAre("k.conf:6: (VI_1) unicast peer 10.0.0.7 is listed twice - ignoring this "
                          "line",
                          "k.conf:10: (VI_1) 10.0.0.1 is listed twice - ignoring this line"));
}

TEST(Validate, ScriptSecurityIsCheckedAtRunTime) {
  // keepalived's "SECURITY VIOLATION" line depends on the script files (" There are insecure
  // scripts."): the VRRP module logs it (script_security.hpp), not the parser.
  std::string notify = instance(" notify_master /bin/true");
  EXPECT_THAT(warnings_of(notify), IsEmpty());
  EXPECT_THAT(warnings_of("global_defs {\n enable_script_security\n}\n" + notify), IsEmpty());
}

}  // namespace
}  // namespace vipd::vrrp::config
