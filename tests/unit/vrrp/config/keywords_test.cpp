// Every keyword group: global_defs, vrrp_instance, virtual addresses, vrrp_script,
// vrrp_sync_group.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_util.hpp"

namespace vipd::vrrp::config {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using namespace test;

TEST(GlobalDefs, VrrpSettings) {
  auto c = parsed_ok(
      "global_defs {\n"
      "  router_id R1\n"
      "  vrrp_version 3\n"
      "  vrrp_garp_master_delay 10\n"
      "  vrrp_garp_master_repeat 3\n"
      "  vrrp_garp_master_refresh 60\n"
      "  vrrp_garp_master_refresh_repeat 2\n"
      "  vrrp_garp_interval 0.001\n"
      "  vrrp_gna_interval 0.000001\n"
      "  vrrp_lower_prio_no_advert\n"
      "  vrrp_higher_prio_send_advert on\n"
      "  vrrp_check_unicast_src\n"
      "  vrrp_skip_check_adv_addr\n"
      "  vrrp_strict\n"
      "  vrrp_mcast_group4 224.0.0.19\n"
      "  vrrp_mcast_group6 ff02::13\n"
      "  default_interface eth9\n"
      "  dynamic_interfaces allow_if_changes\n"
      "  vrrp_startup_delay 2.5\n"
      "  enable_script_security\n"
      "  script_user keepalived_script nogroup\n"
      "}\n");
  const GlobalDefs& g = c.global_defs;
  EXPECT_EQ(g.router_id, "R1");
  EXPECT_EQ(g.vrrp_version, 3);
  EXPECT_EQ(g.vrrp_garp_master_delay, Seconds(10));
  EXPECT_EQ(g.vrrp_garp_master_repeat, 3u);
  EXPECT_EQ(g.vrrp_garp_master_refresh, Seconds(60));
  EXPECT_EQ(g.vrrp_garp_master_refresh_repeat, 2u);
  // Unset lower-priority GARP settings follow the master ones (keepalived vrrp_complete_init).
  EXPECT_EQ(g.vrrp_garp_lower_prio_delay, Seconds(10));
  EXPECT_EQ(g.vrrp_garp_lower_prio_repeat, 3u);
  EXPECT_EQ(g.vrrp_garp_interval, Microseconds(1000));
  EXPECT_EQ(g.vrrp_gna_interval, Microseconds(1));
  EXPECT_TRUE(g.vrrp_lower_prio_no_advert);
  EXPECT_TRUE(g.vrrp_higher_prio_send_advert);
  EXPECT_TRUE(g.vrrp_check_unicast_src);
  EXPECT_TRUE(g.vrrp_skip_check_adv_addr);
  EXPECT_TRUE(g.vrrp_strict);
  EXPECT_EQ(g.vrrp_mcast_group4, ip("224.0.0.19"));
  EXPECT_EQ(g.vrrp_mcast_group6, ip("ff02::13"));
  EXPECT_EQ(g.default_interface, "eth9");
  EXPECT_TRUE(g.dynamic_interfaces);
  EXPECT_EQ(g.vrrp_startup_delay, Microseconds(2'500'000));
  EXPECT_TRUE(g.enable_script_security);
  EXPECT_EQ(g.script_user, "keepalived_script");
  EXPECT_EQ(g.script_group, "nogroup");
}

TEST(GlobalDefs, Defaults) {
  GlobalDefs g = parsed_ok("global_defs {\n}\n").global_defs;
  EXPECT_EQ(g.router_id, "");
  EXPECT_EQ(g.vrrp_version, 2);
  EXPECT_EQ(g.vrrp_garp_master_delay, Seconds(5));
  EXPECT_EQ(g.vrrp_garp_master_repeat, 5u);
  EXPECT_EQ(g.vrrp_garp_master_refresh, Seconds(0));
  EXPECT_EQ(g.vrrp_garp_master_refresh_repeat, 1u);
  EXPECT_EQ(g.vrrp_garp_lower_prio_delay, Seconds(5));
  EXPECT_EQ(g.vrrp_garp_lower_prio_repeat, 5u);
  EXPECT_EQ(g.vrrp_mcast_group4, ip("224.0.0.18"));
  EXPECT_EQ(g.vrrp_mcast_group6, ip("ff02::12"));
  EXPECT_EQ(g.smtp_connect_timeout, Seconds(30));
  EXPECT_EQ(g.smtp_server_port, 25);
  EXPECT_FALSE(g.vrrp_strict);
  EXPECT_EQ(g, GlobalDefs{});
}

TEST(GlobalDefs, MailSettingsAreKept) {
  auto p = parse(
      "global_defs {\n"
      "  notification_email {\n"
      "    a@example.com\n"
      "    b@example.com c@example.com\n"
      "  }\n"
      "  notification_email_from keepalived@example.com\n"
      "  smtp_server 192.0.2.25 2525\n"
      "  smtp_helo_name router1\n"
      "  smtp_connect_timeout 10\n"
      "  smtp_alert\n"
      "  smtp_alert_vrrp off\n"
      "}\n");
  ASSERT_TRUE(p.result.ok()) << p.result.error().to_string();
  EXPECT_THAT(p.warnings, IsEmpty());  // keepalived accepts these silently
  const GlobalDefs& g = p.result->global_defs;
  EXPECT_THAT(g.notification_email, ElementsAre("a@example.com", "b@example.com", "c@example.com"));
  EXPECT_EQ(g.notification_email_from, "keepalived@example.com");
  EXPECT_EQ(g.smtp_server, "192.0.2.25");
  EXPECT_EQ(g.smtp_server_port, 2525);
  EXPECT_EQ(g.smtp_helo_name, "router1");
  EXPECT_EQ(g.smtp_connect_timeout, Seconds(10));
  EXPECT_TRUE(g.smtp_alert);
  EXPECT_EQ(g.smtp_alert_vrrp, false);
}

TEST(GlobalDefs, KeywordsWithoutEffectLoadWithAWarning) {
  auto p = parse(
      "global_defs {\n"
      "  vrrp_no_swap\n"
      "  vrrp_iptables\n"
      "  lvs_sync_daemon eth0 VI_1\n"
      "}\n");
  ASSERT_TRUE(p.result.ok()) << p.result.error().to_string();
  EXPECT_THAT(
      p.warnings,
      ElementsAre("k.conf:2: 'vrrp_no_swap' is accepted for compatibility and has no "
                  "effect in vipd",
                  "k.conf:3: vipd installs no firewall rules; 'vrrp_iptables' has no effect",
                  "k.conf:4: 'lvs_sync_daemon' is accepted for compatibility and has no "
                  "effect in vipd"));
  EXPECT_THAT(p.result->global_defs.other,
              ElementsAre(OtherSetting{"vrrp_no_swap", {}}, OtherSetting{"vrrp_iptables", {}},
                          OtherSetting{"lvs_sync_daemon", {"eth0", "VI_1"}}));
}

TEST(GlobalDefs, KeepalivedCorrectionsAreWarnings) {
  // The messages are those of `keepalived -t` 2.2.7 for the same lines.
  auto p = parse(
      "global_defs {\n"
      "  vrrp_version 4\n"
      "  vrrp_garp_master_repeat 0\n"
      "  vrrp_mcast_group4 10.0.0.1\n"
      "  vrrp_mcast_group6 ff05::12\n"
      "  smtp_connect_timeout 0\n"
      "  vrrp_strict off\n"
      "  vrrp_garp_interval 2\n"
      "}\n");
  ASSERT_TRUE(p.result.ok()) << p.result.error().to_string();
  EXPECT_THAT(
      p.warnings,
      ElementsAre("k.conf:2: VRRP Error: Version must be either 2 or 3",
                  "k.conf:3: vrrp_garp_master_repeat must be greater than 0, setting to 1",
                  "k.conf:4: vrrp_mcast_group4 [10.0.0.1] is not multicast. Skipping",
                  "k.conf:5: vrrp_mcast_group6 [ff05::12] should be link-local multicast.",
                  "k.conf:6: smtp_connect_timeout must be greater than 0, setting to 1",
                  "k.conf:7: 'vrrp_strict' takes no value - 'off' is ignored and vrrp_strict is "
                  "on, as in keepalived",
                  "k.conf:8: The garp_interval is very large - 2 seconds"));
  const GlobalDefs& g = p.result->global_defs;
  EXPECT_EQ(g.vrrp_version, 2);
  EXPECT_EQ(g.vrrp_garp_master_repeat, 1u);
  EXPECT_EQ(g.vrrp_mcast_group4, ip("224.0.0.18"));
  EXPECT_EQ(g.vrrp_mcast_group6, ip("ff05::12"));
  EXPECT_EQ(g.smtp_connect_timeout, Seconds(1));
  EXPECT_TRUE(g.vrrp_strict);
  EXPECT_EQ(g.vrrp_garp_interval, Seconds(2));
}

TEST(GlobalDefs, GlobalValuesAreInstanceDefaults) {
  auto v = instance_of(
      "global_defs {\n vrrp_version 3\n vrrp_garp_master_delay 1\n vrrp_garp_master_repeat 2\n"
      " vrrp_garp_master_refresh 30\n vrrp_garp_master_refresh_repeat 4\n"
      " vrrp_garp_lower_prio_delay 7\n vrrp_garp_lower_prio_repeat 8\n"
      " vrrp_skip_check_adv_addr\n smtp_alert\n}\n" +
      instance(""));
  EXPECT_EQ(v.version, 3);
  EXPECT_EQ(v.garp_master_delay, Seconds(1));
  EXPECT_EQ(v.garp_master_repeat, 2u);
  EXPECT_EQ(v.garp_master_refresh, Seconds(30));
  EXPECT_EQ(v.garp_master_refresh_repeat, 4u);
  EXPECT_EQ(v.garp_lower_prio_delay, Seconds(7));
  EXPECT_EQ(v.garp_lower_prio_repeat, 8u);
  EXPECT_TRUE(v.skip_check_adv_addr);
  EXPECT_TRUE(v.smtp_alert);
}

TEST(Instance, CoreKeywords) {
  auto v =
      instance_of(instance(" state MASTER\n priority 150\n advert_int 3\n version 2\n nopreempt\n"
                           " preempt_delay 2.5\n dont_track_primary\n debug 2\n"
                           " authentication {\n  auth_type PASS\n  auth_pass s3cret\n }"));
  EXPECT_EQ(v.state, InitialState::kMaster);
  EXPECT_EQ(v.priority, 150);
  EXPECT_EQ(v.advert_int, Milliseconds(3000));
  EXPECT_EQ(v.version, 2);
  EXPECT_TRUE(v.dont_track_primary);
  EXPECT_EQ(v.debug, 2);
  EXPECT_EQ(v.auth_type, AuthType::kPass);
  EXPECT_EQ(v.auth_pass, "s3cret");
  EXPECT_EQ(instance_of(instance(" authentication {\n  auth_type AH\n  auth_pass k\n }")).auth_type,
            AuthType::kAh);
}

TEST(Instance, DefaultsOfKeepalived22) {
  auto v = instance_of(
      "vrrp_instance V {\n interface eth0\n virtual_router_id 1\n"
      " virtual_ipaddress {\n  10.0.0.1\n }\n}\n");
  EXPECT_EQ(v.state, InitialState::kBackup);
  EXPECT_EQ(v.priority, 100);
  EXPECT_EQ(v.advert_int, Milliseconds(1000));
  EXPECT_EQ(v.version, 2);
  EXPECT_FALSE(v.nopreempt);
  EXPECT_EQ(v.auth_type, AuthType::kNone);
  EXPECT_TRUE(v.accept);
  EXPECT_EQ(v.garp_master_delay, Seconds(5));
  EXPECT_EQ(v.garp_master_repeat, 5u);
  EXPECT_EQ(v.garp_master_refresh, Seconds(0));
  EXPECT_EQ(v.garp_master_refresh_repeat, 1u);
}

TEST(Instance, StateAndPriorityDeriveEachOther) {
  // keepalived 2.2: `state MASTER` without priority is the address owner (255), and priority
  // 255 without state starts as MASTER.
  EXPECT_EQ(instance_of(instance(" state MASTER")).priority, 255);
  EXPECT_EQ(instance_of(instance(" priority 255")).state, InitialState::kMaster);
  EXPECT_EQ(instance_of(instance(" priority 254")).state, InitialState::kBackup);
  auto backup = instance_of(instance(" state BACKUP\n priority 255"));
  EXPECT_EQ(backup.state, InitialState::kBackup);
  EXPECT_EQ(backup.priority, 255);
}

TEST(Instance, PreemptionAndModes) {
  auto v =
      instance_of(instance(" preempt_delay 1.5\n accept\n strict_mode off\n"
                           " skip_check_adv_addr on\n smtp_alert yes\n"
                           " lower_prio_no_advert\n higher_prio_send_advert true"));
  EXPECT_EQ(v.preempt_delay, Milliseconds(1500));
  EXPECT_TRUE(v.accept);
  EXPECT_FALSE(v.strict_mode);
  EXPECT_TRUE(v.skip_check_adv_addr);
  EXPECT_TRUE(v.smtp_alert);
  EXPECT_TRUE(v.lower_prio_no_advert);
  EXPECT_TRUE(v.higher_prio_send_advert);
  auto n = instance_of(instance(" nopreempt\n preempt\n no_accept"));
  EXPECT_FALSE(n.nopreempt);  // the last one wins
  EXPECT_FALSE(n.accept);
}

TEST(Instance, GarpTimers) {
  auto v =
      instance_of(instance(" garp_master_delay 1\n garp_master_repeat 2\n"
                           " garp_master_refresh 60\n garp_master_refresh_repeat 3\n"
                           " garp_lower_prio_delay 4\n garp_lower_prio_repeat 0"));
  EXPECT_EQ(v.garp_master_delay, Seconds(1));
  EXPECT_EQ(v.garp_master_repeat, 2u);
  EXPECT_EQ(v.garp_master_refresh, Seconds(60));
  EXPECT_EQ(v.garp_master_refresh_repeat, 3u);
  EXPECT_EQ(v.garp_lower_prio_delay, Seconds(4));
  EXPECT_EQ(v.garp_lower_prio_repeat, 0u);  // 0 is allowed here: no lower-priority GARPs
}

TEST(Instance, AdvertIntFractionsNeedVersion3) {
  auto v3 = instance_of(instance(" version 3\n advert_int 0.25"));
  EXPECT_EQ(v3.advert_int, Milliseconds(250));
  auto global_v3 = instance_of("global_defs {\n vrrp_version 3\n}\n" + instance(" advert_int 0.5"));
  EXPECT_EQ(global_v3.advert_int, Milliseconds(500));
  // keepalived 2.2.7 -t: "(VI_1) VRRPv2 advertisement interval 0.500000s must be an integer.
  // rounding" - half rounds up.
  auto p = parse(instance(" advert_int 0.5"));
  ASSERT_TRUE(p.result.ok());
  EXPECT_EQ(p.result->instances[0].advert_int, Milliseconds(1000));
  EXPECT_THAT(p.warnings, ElementsAre("k.conf:4: (VI_1) VRRPv2 advertisement interval 0.500000s "
                                      "must be an integer. rounding"));
  EXPECT_EQ(instance_of(instance(" advert_int 2.4")).advert_int, Milliseconds(2000));
  EXPECT_EQ(instance_of(instance(" advert_int 0.29\n version 3")).advert_int, Milliseconds(290));
}

TEST(Instance, Notify) {
  auto v =
      instance_of(instance(" notify_master \"/etc/keepalived/notify.sh MASTER\" root\n"
                           " notify_backup '/etc/keepalived/notify.sh BACKUP'\n"
                           " notify_fault /bin/fault.sh\n"
                           " notify_stop \"/bin/stop.sh 'two words'\" nobody nogroup\n"
                           " notify \"/usr/local/bin/keepalived-notify\"\n"
                           " notify_master_rx_lower_pri /bin/lower.sh"));
  EXPECT_EQ(v.notify.master, (ScriptCommand{{"/etc/keepalived/notify.sh", "MASTER"}, "root", ""}));
  EXPECT_EQ(v.notify.backup, (ScriptCommand{{"/etc/keepalived/notify.sh", "BACKUP"}, "", ""}));
  EXPECT_EQ(v.notify.fault, (ScriptCommand{{"/bin/fault.sh"}, "", ""}));
  EXPECT_EQ(v.notify.stop, (ScriptCommand{{"/bin/stop.sh", "two words"}, "nobody", "nogroup"}));
  EXPECT_EQ(v.notify.any, (ScriptCommand{{"/usr/local/bin/keepalived-notify"}, "", ""}));
  EXPECT_EQ(v.notify.master_rx_lower_pri, (ScriptCommand{{"/bin/lower.sh"}, "", ""}));
  EXPECT_EQ(v.notify.stop.to_string(), "/bin/stop.sh 'two words'");
}

TEST(Instance, NotifyGivenTwiceKeepsTheFirst) {
  auto p = parse(instance(" notify_master /bin/a\n notify_master /bin/b"));
  ASSERT_TRUE(p.result.ok());
  EXPECT_EQ(p.result->instances[0].notify.master.argv, std::vector<std::string>{"/bin/a"});
  // keepalived -t: "(V) notify_master script already specified - ignoring /bin/echo"
  EXPECT_THAT(p.warnings,
              ElementsAre("k.conf:5: (VI_1) notify_master script already specified - ignoring "
                          "/bin/b"));
}

TEST(Instance, VmacUnicastAndSourceAddress) {
  auto v =
      instance_of(instance(" use_vmac vrrp.51\n vmac_xmit_base\n unicast_src_ip 10.0.0.2\n"
                           " unicast_peer {\n  10.0.0.3\n  10.0.0.4 min_ttl 1 max_ttl 2\n }"));
  EXPECT_TRUE(v.use_vmac);
  EXPECT_EQ(v.vmac_name, "vrrp.51");
  EXPECT_TRUE(v.vmac_xmit_base);
  EXPECT_EQ(v.source_address, ip("10.0.0.2"));
  ASSERT_EQ(v.unicast_peer.size(), 2u);
  EXPECT_EQ(v.unicast_peer[0], (UnicastPeer{ip("10.0.0.3"), std::nullopt, std::nullopt}));
  EXPECT_EQ(v.unicast_peer[1], (UnicastPeer{ip("10.0.0.4"), 1, 2}));
  auto plain = instance_of(instance(" use_vmac\n mcast_src_ip 10.0.0.9"));
  EXPECT_TRUE(plain.use_vmac);
  EXPECT_EQ(plain.vmac_name, "");
  EXPECT_EQ(plain.source_address, ip("10.0.0.9"));
}

TEST(Instance, TrackInterfaceWithWeights) {
  auto v =
      instance_of(instance(" track_interface {\n  eth1\n  eth2 weight -20\n"
                           "  eth3 weight 10 reverse\n }"));
  EXPECT_THAT(v.track_interface,
              ElementsAre(TrackedInterface{"eth1", 0, false}, TrackedInterface{"eth2", -20, false},
                          TrackedInterface{"eth3", 10, true}));
}

TEST(Instance, KeywordsWithoutEffectAndUnsupported) {
  auto p = parse(instance(" promote_secondaries\n lvs_sync_daemon_interface eth0"));
  ASSERT_TRUE(p.result.ok());
  EXPECT_THAT(p.result->instances[0].other,
              ElementsAre(OtherSetting{"promote_secondaries", {}},
                          OtherSetting{"lvs_sync_daemon_interface", {"eth0"}}));
  EXPECT_THAT(p.warnings,
              ElementsAre("k.conf:4: (VI_1) 'promote_secondaries' is accepted for compatibility "
                          "and has no effect in vipd",
                          "k.conf:5: (VI_1) Specifying lvs_sync_daemon_interface against a vrrp "
                          "is deprecated; vipd runs no LVS sync daemon - ignoring"));
  EXPECT_THAT(warnings_of(instance(" track_file {\n  f1\n }")),
              ElementsAre("k.conf:4: 'track_file' is not implemented by vipd - ignoring it: "
                          "instance VI_1 runs without it"));
}

TEST(VirtualAddress, IpAddrSyntax) {
  auto v = instance_of(
      instance(" virtual_ipaddress_excluded {\n"
               "  10.1.0.1/24 brd + dev eth1 label eth1:vip scope link\n"
               "  10.1.0.2/24 broadcast 10.1.0.127 scope 200 no_track\n"
               "  10.1.0.3/24 brd -\n"
               "  2001:db8::1/64 dev eth1 -nodad noprefixroute home mngtmpaddr autojoin\n"
               "  10.1.0.4 peer 10.1.0.5 use_vmac\n"
               " }",
               "192.168.5.1"));
  ASSERT_EQ(v.virtual_ipaddress.size(), 1u);
  EXPECT_EQ(v.virtual_ipaddress[0].prefix_length, 32);  // keepalived's default /32
  const auto& e = v.virtual_ipaddress_excluded;
  ASSERT_EQ(e.size(), 5u);
  EXPECT_EQ(e[0].to_string(), "10.1.0.1/24 brd 10.1.0.255 dev eth1 scope link label eth1:vip");
  EXPECT_EQ(e[0].scope, 253);
  EXPECT_EQ(e[0].label, "eth1:vip");
  EXPECT_EQ(e[1].to_string(), "10.1.0.2/24 brd 10.1.0.127 scope site no_track");
  EXPECT_EQ(e[2].broadcast, ip("10.1.0.0"));
  EXPECT_EQ(e[3].to_string(),
            "2001:db8::1/64 dev eth1 home -nodad mngtmpaddr noprefixroute autojoin");
  EXPECT_EQ(e[3].prefix_length, 64);
  EXPECT_EQ(e[4].peer, ip("10.1.0.5"));
  EXPECT_TRUE(e[4].use_vmac);
}

TEST(VirtualAddress, Ipv6DefaultsTo128) {
  auto v = instance_of(instance(" version 3", "fe80::1\n  2001:db8::5"));
  ASSERT_EQ(v.virtual_ipaddress.size(), 2u);
  EXPECT_EQ(v.virtual_ipaddress[1].address, ip("2001:db8::5"));
  EXPECT_EQ(v.virtual_ipaddress[1].prefix_length, 128);
  EXPECT_EQ(v.family, Family::kIpv6);
}

TEST(VirtualAddress, UnknownOptionIsAnError) {
  // keepalived ignores it ("Unknown configuration entry 'lable' for ip address - ignoring"), so a
  // typo silently drops the label; vipd refuses the file.
  EXPECT_EQ(error_of(instance("", "10.0.0.1 lable x")),
            "k.conf:6: Unknown configuration entry 'lable' for ip address");
}

TEST(VrrpScript, AllKeywords) {
  auto c = parsed_ok(
      "vrrp_script chk_haproxy {\n"
      "  script \"/usr/bin/killall -0 'ha proxy'\"\n"
      "  interval 2\n"
      "  timeout 3\n"
      "  weight -20 reverse\n"
      "  rise 2\n"
      "  fall 3\n"
      "  user nobody nogroup\n"
      "  init_fail\n"
      "}\n"
      "vrrp_script plain {\n"
      "  script /bin/true\n"
      "}\n");
  ASSERT_EQ(c.scripts.size(), 2u);
  const VrrpScript& s = c.scripts[0];
  EXPECT_EQ(s.name, "chk_haproxy");
  EXPECT_EQ(s.script.argv, (std::vector<std::string>{"/usr/bin/killall", "-0", "ha proxy"}));
  EXPECT_EQ(s.interval, Seconds(2));
  EXPECT_EQ(s.timeout, Seconds(3));
  EXPECT_EQ(s.weight, -20);
  EXPECT_TRUE(s.weight_reverse);
  EXPECT_EQ(s.rise, 2u);
  EXPECT_EQ(s.fall, 3u);
  EXPECT_EQ(s.user, "nobody");
  EXPECT_EQ(s.group, "nogroup");
  EXPECT_TRUE(s.init_fail);
  // keepalived's VRRP_SCRIPT_DI/DT/DW defaults.
  const VrrpScript& d = c.scripts[1];
  EXPECT_EQ(d.interval, Seconds(1));
  EXPECT_FALSE(d.timeout);
  EXPECT_EQ(d.weight, 0);
  EXPECT_EQ(d.rise, 1u);
  EXPECT_EQ(d.fall, 1u);
  EXPECT_FALSE(d.init_fail);
}

TEST(VrrpScript, KeepalivedCorrections) {
  // Messages of keepalived -t 2.2.7 for the same lines.
  auto p = parse(
      "vrrp_script chk {\n"
      "  script /bin/echo extra args\n"
      "  interval 0\n"
      "  timeout 0\n"
      "  weight 300\n"
      "  fall 0\n"
      "  weight 10 foo\n"
      "}\n"
      "vrrp_script nos {\n"
      "  interval 2\n"
      "}\n");
  ASSERT_TRUE(p.result.ok()) << p.result.error().to_string();
  EXPECT_THAT(
      p.warnings,
      ElementsAre("k.conf:2: 'script' runs only '/bin/echo'; the words after it are "
                  "ignored (quote the whole command line)",
                  "k.conf:3: (chk): vrrp script interval must be greater than 0, setting "
                  "to 1",
                  "k.conf:4: (chk): vrrp script timeout must be greater than 0, setting to 1",
                  "k.conf:5: vrrp_script chk weight 300 must be in [-253, 253]",
                  "k.conf:6: (chk): vrrp script fall value '0' invalid, defaulting to 1",
                  "k.conf:7: vrrp_script chk unknown weight option foo",
                  "k.conf:9: No script set for vrrp_script nos - removing"));
  ASSERT_EQ(p.result->scripts.size(), 1u);
  const VrrpScript& s = p.result->scripts[0];
  EXPECT_EQ(s.script.argv, std::vector<std::string>{"/bin/echo"});
  EXPECT_EQ(s.interval, Seconds(1));
  EXPECT_EQ(s.timeout, Seconds(1));
  EXPECT_EQ(s.weight, 10);
  EXPECT_EQ(s.fall, 1u);
}

TEST(TrackScript, WeightsComeFromTheScriptUnlessGiven) {
  auto c = parsed_ok(
      "vrrp_script a {\n script /bin/a\n weight -10 reverse\n}\n"
      "vrrp_script b {\n script /bin/b\n weight 5\n}\n" +
      instance(" track_script {\n  a\n  b weight 20\n  a weight 7 noreverse\n }"));
  // The second `a` is a duplicate: keepalived ignores it with a warning.
  EXPECT_THAT(c.instances[0].track_script,
              ElementsAre(TrackedScript{"a", -10, true}, TrackedScript{"b", 20, false}));
}

TEST(TrackScript, KeepalivedCorrections) {
  auto p = parse("vrrp_script chk {\n script /bin/true\n}\n" +
                 instance(" track_script {\n  chk weight 300\n }"));
  ASSERT_TRUE(p.result.ok());
  EXPECT_THAT(p.warnings, ElementsAre("k.conf:8: (VI_1) weight 300 for chk must be between "
                                      "[-253..253] inclusive. Ignoring..."));
  EXPECT_EQ(p.result->instances[0].track_script[0].weight, 0);
  EXPECT_EQ(error_of("vrrp_script chk {\n script /bin/true\n}\n" +
                     instance(" track_script {\n  chk foo 10\n }")),
            "k.conf:8: (VI_1) unknown track_script chk option foo");
}

TEST(SyncGroup, AllKeywords) {
  std::string two = instance("") +
                    "vrrp_instance VI_2 {\n interface eth0\n virtual_router_id 52\n"
                    " virtual_ipaddress {\n  10.0.0.2\n }\n}\n";
  auto c = parsed_ok("vrrp_script chk {\n script /bin/true\n weight 10\n}\n" + two +
                     "vrrp_sync_group G1 {\n"
                     " group {\n  VI_1 VI_2\n }\n"
                     " notify_master \"/bin/echo master\"\n"
                     " notify_backup /bin/backup\n"
                     " notify_fault /bin/fault\n"
                     " notify_stop /bin/stop\n"
                     " notify /bin/notify\n"
                     " smtp_alert\n"
                     " sync_group_tracking_weight\n"
                     " track_interface {\n  eth5 weight 5\n }\n"
                     " track_script {\n  chk\n }\n"
                     "}\n");
  ASSERT_EQ(c.sync_groups.size(), 1u);
  const SyncGroup& g = c.sync_groups[0];
  EXPECT_EQ(g.name, "G1");
  EXPECT_THAT(g.group, ElementsAre("VI_1", "VI_2"));
  EXPECT_EQ(g.notify.master.argv, (std::vector<std::string>{"/bin/echo", "master"}));
  EXPECT_EQ(g.notify.backup.argv, std::vector<std::string>{"/bin/backup"});
  EXPECT_EQ(g.notify.fault.argv, std::vector<std::string>{"/bin/fault"});
  EXPECT_EQ(g.notify.stop.argv, std::vector<std::string>{"/bin/stop"});
  EXPECT_EQ(g.notify.any.argv, std::vector<std::string>{"/bin/notify"});
  EXPECT_TRUE(g.smtp_alert);
  EXPECT_TRUE(g.sync_group_tracking_weight);
  EXPECT_THAT(g.track_interface, ElementsAre(TrackedInterface{"eth5", 5, false}));
  EXPECT_THAT(g.track_script, ElementsAre(TrackedScript{"chk", 10, false}));
}

TEST(SyncGroup, KeepalivedWarnings) {
  // keepalived -t 2.2.7 on the same groups: "Sync group G1 has only 1 virtual router(s) - this
  // probably isn't what you want", "Sync group G3 has no virtual router(s). removing", ...
  auto p = parse(instance(" track_interface {\n  eth7 weight 10\n }") +
                 "vrrp_sync_group G1 {\n group {\n  VI_1\n }\n global_tracking\n}\n"
                 "vrrp_sync_group G3 {\n group {\n }\n}\n");
  ASSERT_TRUE(p.result.ok()) << p.result.error().to_string();
  EXPECT_THAT(p.warnings,
              ElementsAre("k.conf:15: (G1) global_tracking is deprecated. Use "
                          "track_interface/script/file on the sync group",
                          "k.conf:18: Warning - sync group G3 has empty group block",
                          "k.conf:11: Sync group G1 has only 1 virtual router(s) - this probably "
                          "isn't what you want",
                          "k.conf:17: Sync group G3 has no virtual router(s). removing"));
  ASSERT_EQ(p.result->sync_groups.size(), 1u);
  // global_tracking keeps the weights.
  EXPECT_EQ(p.result->instances[0].track_interface[0].weight, 10);
}

TEST(SyncGroup, MembersLoseTheirTrackingWeights) {
  auto p = parse("vrrp_script chk {\n script /bin/true\n weight 5\n}\n" +
                 instance(" track_interface {\n  eth7 weight 10\n }\n"
                          " track_script {\n  chk\n }") +
                 "vrrp_sync_group G1 {\n group {\n  VI_1\n }\n}\n");
  ASSERT_TRUE(p.result.ok()) << p.result.error().to_string();
  const VrrpInstance& v = p.result->instances[0];
  EXPECT_EQ(v.track_interface[0].weight, 0);
  EXPECT_EQ(v.track_script[0].weight, 0);
  EXPECT_THAT(p.warnings,
              ElementsAre("k.conf:18: Sync group G1 has only 1 virtual router(s) - this probably "
                          "isn't what you want",
                          "k.conf:5: (VI_1) ignoring eth7 tracked interface weight due to SYNC "
                          "group",
                          "k.conf:5: (VI_1) ignoring chk tracked script weight due to SYNC group"));
}

}  // namespace
}  // namespace vipd::vrrp::config
