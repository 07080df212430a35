// The lines around BGP of bgpd.conf / an integrated frr.conf: `frr defaults`, `debug bgp`,
// the kept lines (`service`, `log ...`, `dump bgp`), zebra's lines and the out-of-scope features.
// Each: parse, render, reload to an equal configuration, and the error text with file:line.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "bgp/config/frr_lines.hpp"
#include "bgp/config/parser.hpp"
#include "bgp/config/render.hpp"

namespace vipd::bgp::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

BgpConfig parsed(std::string_view text) {
  auto r = parse_config(text, "frr.conf");
  EXPECT_TRUE(r.ok()) << r.error().to_string();
  return r.ok() ? *r : BgpConfig{};
}

// Loads, renders, loads the rendering again: both configurations must be equal. Returns the
// rendering.
std::string round_trip(std::string_view text) {
  BgpConfig first = parsed(text);
  std::string rendered = render_config(first);
  BgpConfig second = parsed(rendered);
  EXPECT_EQ(first, second) << rendered;
  EXPECT_EQ(render_config(second), rendered);
  return rendered;
}

std::vector<std::string> errors_of(std::string_view text) {
  std::vector<std::string> out;
  for (const auto& e : check_config(text, "frr.conf")) out.push_back(e.to_string());
  return out;
}

std::vector<std::string> notices_of(std::string_view text) {
  std::vector<ConfigError> notices;
  EXPECT_TRUE(check_config(text, "frr.conf", &notices).empty());
  std::vector<std::string> out;
  for (const auto& n : notices) out.push_back(n.to_string());
  return out;
}

// --- frr version / frr defaults ---------------------------------------------------------------

TEST(FrrDefaults, DatacenterAppliesFrr84Defaults) {
  BgpConfig c =
      parsed("frr defaults datacenter\nrouter bgp 65000\n neighbor 10.0.0.1 remote-as 1\n");
  ASSERT_TRUE(c.bgp);
  EXPECT_EQ(c.bgp->defaults.timers, (Timers{3, 9}));
  EXPECT_EQ(c.bgp->defaults.connect_retry, 10);
  EXPECT_TRUE(c.bgp->log_neighbor_changes);
  EXPECT_TRUE(c.bgp->deterministic_med);
  EXPECT_FALSE(c.bgp->timers);  // unset: the profile's
}

TEST(FrrDefaults, TraditionalKeepsFrrsTraditionalDefaults) {
  BgpConfig c = parsed("frr defaults traditional\nrouter bgp 65000\n");
  EXPECT_EQ(c.bgp->defaults, ProfileDefaults{});
  EXPECT_EQ(c.bgp->defaults.timers, (Timers{60, 180}));
  EXPECT_EQ(c.bgp->defaults.connect_retry, 120);
  EXPECT_FALSE(c.bgp->log_neighbor_changes);
}

// FRR writes what differs from the profile's defaults, with `no` for what is off.
TEST(FrrDefaults, DatacenterRendersLikeFrr) {
  std::string out = round_trip(
      "frr version 8.4.4\nfrr defaults datacenter\nrouter bgp 65000\n"
      " bgp log-neighbor-changes\n timers bgp 3 9\n neighbor 10.0.0.1 remote-as 1\n");
  EXPECT_THAT(out, HasSubstr("frr version 8.4.4\nfrr defaults datacenter\n"));
  EXPECT_THAT(out, Not(HasSubstr("log-neighbor-changes")));
  EXPECT_THAT(out, Not(HasSubstr("timers")));
  EXPECT_THAT(out, Not(HasSubstr("deterministic-med")));

  out = round_trip(
      "frr defaults datacenter\nrouter bgp 65000\n no bgp log-neighbor-changes\n"
      " no bgp deterministic-med\n timers bgp 60 180\n neighbor 10.0.0.1 remote-as 1\n"
      " neighbor 10.0.0.1 timers connect 120\n");
  EXPECT_THAT(out, HasSubstr(" no bgp log-neighbor-changes\n"));
  EXPECT_THAT(out, HasSubstr(" no bgp deterministic-med\n"));
  EXPECT_THAT(out, HasSubstr(" timers bgp 60 180\n"));
  EXPECT_THAT(out, HasSubstr(" neighbor 10.0.0.1 timers connect 120\n"));
}

// A traditional file that writes FRR's default timers: FRR does not write them back.
TEST(FrrDefaults, ExplicitDefaultTimersAreNotKept) {
  BgpConfig c = parsed("router bgp 65000\n timers bgp 60 180\n");
  EXPECT_FALSE(c.bgp->timers);
  EXPECT_THAT(round_trip("router bgp 65000\n timers bgp 30 90\n"),
              HasSubstr(" timers bgp 30 90\n"));
}

// The profile chosen after the instance exists changes what is written, not the instance
// (FRR's DFLT_ at bgp_create() against SAVE_ at write).
TEST(FrrDefaults, ProfileAfterTheInstanceWritesTheDifferences) {
  BgpConfig c =
      parsed("router bgp 65000\n neighbor 10.0.0.1 remote-as 1\nfrr defaults datacenter\n");
  EXPECT_EQ(c.bgp->defaults, ProfileDefaults{});
  std::string out = render_config(c);
  EXPECT_THAT(out, HasSubstr(" no bgp log-neighbor-changes\n"));
  EXPECT_THAT(out, HasSubstr(" timers bgp 60 180\n"));
  EXPECT_THAT(out, HasSubstr(" neighbor 10.0.0.1 timers connect 120\n"));
}

TEST(FrrDefaults, UnknownProfileIsAnError) {
  EXPECT_THAT(errors_of("!\nfrr defaults cloudy\n"),
              ElementsAre("frr.conf:2: unknown defaults profile 'cloudy': FRR has 'traditional' "
                          "and 'datacenter'"));
}

TEST(FrrVersion, KeptAndWrittenBack) {
  BgpConfig c = parsed("frr version 7.5.1\n");
  EXPECT_EQ(c.frr.version, "7.5.1");
  EXPECT_THAT(round_trip("frr version 7.5.1\n"), HasSubstr("frr version 7.5.1\n"));
}

// --- debug bgp --------------------------------------------------------------------------------

TEST(DebugBgp, EachTopicParsesRendersAndReloads) {
  const char* lines[] = {
      "debug bgp as4",
      "debug bgp as4 segment",
      "debug bgp bestpath 10.0.0.0/24",
      "debug bgp keepalives",
      "debug bgp keepalives 192.0.2.1",
      "debug bgp neighbor-events",
      "debug bgp neighbor-events 192.0.2.1",
      "debug bgp nht",
      "debug bgp update-groups",
      "debug bgp updates prefix 10.0.0.0/24",
      "debug bgp updates in",
      "debug bgp updates in 192.0.2.1",
      "debug bgp updates out",
      "debug bgp zebra",
      "debug bgp zebra prefix 10.0.0.0/24",
      "debug bgp allow-martians",
      "debug bgp vpn leak-from-vrf",
      "debug bgp flowspec",
      "debug bgp labelpool",
      "debug bgp pbr",
      "debug bgp pbr error",
      "debug bgp graceful-restart",
      "debug bgp evpn mh es",
      "debug bgp bfd",
  };
  for (const char* line : lines) {
    SCOPED_TRACE(line);
    std::string out = round_trip(std::string(line) + "\n");
    EXPECT_THAT(out, HasSubstr(std::string(line) + "\n"));
    EXPECT_FALSE(parsed(std::string(line) + "\n").frr.debug.empty());
  }
}

TEST(DebugBgp, UpdatesWithoutDirectionIsBothAndNoFormsTurnOff) {
  BgpConfig c = parsed("debug bgp updates\n");
  EXPECT_EQ(c.frr.debug, (DebugTopics{{"updates in", {}}, {"updates out", {}}}));
  EXPECT_EQ(render_debug(c.frr.debug), "debug bgp updates in\ndebug bgp updates out\n");
  EXPECT_TRUE(parsed("debug bgp updates\nno debug bgp updates\n").frr.debug.empty());
  EXPECT_TRUE(parsed("debug bgp nht\ndebug bgp as4\nno debug bgp\n").frr.debug.empty());
  // The last peer filter removed turns the topic off, as in FRR.
  EXPECT_TRUE(parsed("debug bgp neighbor-events 192.0.2.1\nno debug bgp neighbor-events "
                     "192.0.2.1\n")
                  .frr.debug.empty());
  EXPECT_EQ(parsed("debug bgp keepalives 192.0.2.1\ndebug bgp keepalives 192.0.2.2\n"
                   "no debug bgp keepalives 192.0.2.1\n")
                .frr.debug,
            (DebugTopics{{"keepalives", {"192.0.2.2"}}}));
  // Host bits are cleared, as FRR's apply_mask().
  EXPECT_EQ(parsed("debug bgp bestpath 10.0.0.1/24\n").frr.debug,
            (DebugTopics{{"bestpath", {"10.0.0.0/24"}}}));
  EXPECT_THAT(errors_of("debug bgp bestpath\n"), ElementsAre(HasSubstr("frr.conf:1:")));
}

// FRR 8.4's show_debugging_bgp() layout.
TEST(DebugBgp, ShowDebuggingAsFrr) {
  BgpConfig c = parsed(
      "debug bgp updates in 192.0.2.1\ndebug bgp neighbor-events\ndebug bgp keepalives\n"
      "debug bgp bestpath 10.0.0.0/24\ndebug bgp nht\ndebug bgp updates out\n");
  EXPECT_EQ(show_debugging(c.frr.debug),
            "BGP debugging status:\n"
            "  BGP bestpath debugging is on for 10.0.0.0/24\n"
            "  BGP keepalives debugging is on\n"
            "  BGP neighbor-events debugging is on\n"
            "  BGP next-hop tracking debugging is on\n"
            "  BGP updates debugging is on (inbound) for 192.0.2.1\n"
            "  BGP updates debugging is on (outbound)\n");
  EXPECT_EQ(show_debugging({}), "BGP debugging status:\n");
}

// --- kept lines -------------------------------------------------------------------------------

TEST(KeptLines, EachIsWrittenBackAndNoticed) {
  const char* lines[] = {
      "log monitor",
      "log monitor debugging",
      "log facility local7",
      "log record-priority",
      "log timestamp precision 3",
      "service advanced-vty",
      "service integrated-vtysh-config",
      "service password-encryption",
      "service terminal-length 0",
      "dump bgp all /var/log/bgp-all.dump",
      "dump bgp updates-et /var/log/bgp-updates.dump 10m",
      "agentx",
      "ip nht resolve-via-default",
      "ipv6 nht resolve-via-default",
      "log commands",
      "domainname lab.example",
      "debug bfd peer",
      "debug bfd network",
      "debug zebra events",
      "debug zebra nht",
      "debug zebra rib detailed",
      "debug zebra kernel msgdump recv",
      "debug zebra packet send detail",
      "debug zebra evpn mh es",
  };
  for (const char* line : lines) {
    SCOPED_TRACE(line);
    std::string text = std::string("!\n") + line + "\n";
    EXPECT_THAT(round_trip(text), HasSubstr(std::string(line) + "\n"));
    EXPECT_THAT(notices_of(text),
                ElementsAre(HasSubstr(std::string("frr.conf:2: '") + line +
                                      "' has no effect in vipd; kept in the running "
                                      "configuration (")));
  }
}

TEST(KeptLines, LaterLineReplacesAndNoFormRemoves) {
  BgpConfig c = parsed("log timestamp precision 3\nlog timestamp precision 6\n");
  ASSERT_EQ(c.frr.kept.size(), 1u);
  EXPECT_EQ(c.frr.kept[0].text, "log timestamp precision 6");
  EXPECT_TRUE(parsed("service advanced-vty\nno service advanced-vty\n").frr.kept.empty());
  EXPECT_TRUE(parsed("dump bgp all /tmp/x\nno dump bgp all\n").frr.kept.empty());
}

// FRR 8.4's router-level graceful-restart lines: kept inside `router bgp`, written back in
// bgp_config_write()'s order whatever the file's, replaced by a later line of the same setting.
TEST(KeptLines, GracefulRestartKeptInsideRouterInFrrOrder) {
  const std::string text =
      "router bgp 65000\n"
      " bgp graceful-restart preserve-fw-state\n"
      " bgp graceful-restart\n"
      " bgp graceful-restart restart-time 90\n"
      " bgp graceful-restart stalepath-time 300\n"
      " bgp graceful-restart restart-time 120\n"
      " bgp graceful-restart rib-stale-time 400\n"
      " bgp graceful-restart select-defer-time 30\n"
      " bgp cluster-id 10.0.0.9\n";
  EXPECT_THAT(round_trip(text), HasSubstr("router bgp 65000\n"
                                          " bgp cluster-id 10.0.0.9\n"
                                          " bgp graceful-restart stalepath-time 300\n"
                                          " bgp graceful-restart restart-time 120\n"
                                          " bgp graceful-restart select-defer-time 30\n"
                                          " bgp graceful-restart\n"
                                          " bgp graceful-restart preserve-fw-state\n"
                                          " bgp graceful-restart rib-stale-time 400\n"));
  EXPECT_THAT(notices_of("router bgp 65000\n bgp graceful-restart\n"),
              ElementsAre(HasSubstr("frr.conf:2: 'bgp graceful-restart' has no effect in vipd; "
                                    "kept in the running configuration (vipd does not implement "
                                    "graceful restart (RFC 4724)")));
  BgpConfig removed = parsed(
      "router bgp 65000\n bgp graceful-restart\n bgp graceful-restart restart-time 90\n"
      " no bgp graceful-restart restart-time\n");
  ASSERT_EQ(removed.bgp->kept.size(), 1u);
  EXPECT_EQ(removed.bgp->kept[0].text, "bgp graceful-restart");
}

// --- zebra's lines ----------------------------------------------------------------------------

TEST(Zebra, ForwardingParsesAndRenders) {
  BgpConfig c = parsed("ip forwarding\nno ipv6 forwarding\n");
  EXPECT_EQ(c.frr.ip_forwarding, true);
  EXPECT_EQ(c.frr.ipv6_forwarding, false);
  std::string out = round_trip("ip forwarding\nno ipv6 forwarding\n");
  EXPECT_THAT(out, HasSubstr("ip forwarding\nno ipv6 forwarding\n"));
  EXPECT_FALSE(parsed("!\n").frr.ip_forwarding);
}

TEST(Zebra, InterfaceBlockIsKeptWithNotices) {
  const char* text =
      "interface eth0\n"
      " description uplink to spine\n"
      " ip address 10.0.0.1/31\n"
      " ipv6 address 2001:db8::1/64\n"
      " ipv6 nd ra-interval 10\n"
      " no ipv6 nd suppress-ra\n"
      " link-detect\n"
      " shutdown\n"
      "exit\n"
      "!\n"
      "router bgp 65000\n";
  BgpConfig c = parsed(text);
  ASSERT_EQ(c.frr.interfaces.size(), 1u);
  EXPECT_THAT(c.frr.interfaces[0].lines,
              ElementsAre("description uplink to spine", "ip address 10.0.0.1/31",
                          "ipv6 address 2001:db8::1/64", "ipv6 nd ra-interval 10",
                          "no ipv6 nd suppress-ra", "link-detect", "shutdown"));
  ASSERT_TRUE(c.bgp);  // the block ended where FRR's does
  std::string out = round_trip(text);
  EXPECT_THAT(out, HasSubstr("interface eth0\n description uplink to spine\n ip address "
                             "10.0.0.1/31\n"));
  auto notices = notices_of(text);
  ASSERT_EQ(notices.size(), 7u);
  EXPECT_EQ(notices[1],
            "frr.conf:3: 'ip address 10.0.0.1/31' on interface eth0 is kept in the running "
            "configuration but not applied: vipd does not configure interface addresses; the "
            "host's network configuration does");
}

TEST(Zebra, InterfaceNoFormsReplaceAndRemove) {
  BgpConfig c = parsed(
      "interface eth0\n ipv6 nd suppress-ra\n no ipv6 nd suppress-ra\n ip address 10.0.0.1/24\n"
      " no ip address 10.0.0.1/24\n description a\n description b\n no shutdown\n");
  EXPECT_THAT(c.frr.interfaces[0].lines, ElementsAre("no ipv6 nd suppress-ra", "description b"));
}

// --- out of scope -----------------------------------------------------------------------------

TEST(OutOfScope, EachFeatureHasOneErrorNamingIt) {
  struct Case {
    const char* text;
    const char* error;
  };
  const Case cases[] = {
      {"router bgp 65000\n address-family l2vpn evpn\n  neighbor 10.0.0.1 activate\n  "
       "advertise-all-vni\n exit-address-family\n",
       "frr.conf:2: vipd does not implement EVPN (address-family l2vpn evpn): this block is not "
       "loaded; run FRR for it"},
      {"router bgp 65000\n address-family ipv4 vpn\n  neighbor 10.0.0.1 activate\n "
       "exit-address-family\n",
       "frr.conf:2: vipd does not implement BGP/MPLS VPNs (address-family ipv4 vpn): this block "
       "is not loaded; run FRR for it"},
      {"router bgp 65000\n address-family ipv6 flowspec\n  neighbor 10.0.0.1 activate\n "
       "exit-address-family\n",
       "frr.conf:2: vipd does not implement Flowspec (address-family ipv6 flowspec): this block "
       "is not loaded; run FRR for it"},
      {"router bgp 65000\n address-family ipv4 labeled-unicast\n exit-address-family\n",
       "frr.conf:2: vipd does not implement labeled unicast (address-family ipv4 "
       "labeled-unicast): this block is not loaded; run FRR for it"},
      {"router bgp 65000\n address-family ipv6 multicast\n  network ff00::/8\n "
       "exit-address-family\n",
       "frr.conf:2: vipd does not implement multicast SAFI (address-family ipv6 multicast): this "
       "block is not loaded; run FRR for it"},
      {"router bgp 65000 vrf red\n neighbor 10.0.0.1 remote-as 1\n address-family ipv4 "
       "unicast\n  redistribute connected\n exit-address-family\nexit\n",
       "frr.conf:1: vipd does not implement BGP VRF and view instances: this block is not "
       "loaded; run FRR for it"},
      {"vrf red\n vni 100\nexit-vrf\n",
       "frr.conf:1: vipd does not implement VRFs (vrf blocks): this block is not loaded; run FRR "
       "for it"},
      {"rpki\n rpki polling_period 300\n rpki cache 10.0.0.1 3323 preference 1\nexit\n",
       "frr.conf:1: vipd does not implement RPKI origin validation (rpki): this block is not "
       "loaded; run FRR for it"},
      {"segment-routing\n srv6\n  locators\n  exit\n exit\nexit\n",
       "frr.conf:1: vipd does not implement segment routing (segment-routing): this block is not "
       "loaded; run FRR for it"},
      {"router ospf\n ospf router-id 10.0.0.1\n network 10.0.0.0/8 area 0\nexit\n",
       "frr.conf:1: 'router ospf' configures FRR's ospfd, which vipd does not replace: keep it in "
       "ospfd's own configuration file"},
      {"router isis CORE\n net 49.0001.0000.0000.0001.00\nexit\n",
       "frr.conf:1: 'router isis' configures FRR's isisd, which vipd does not replace: keep it in "
       "isisd's own configuration file"},
      {"router rip\n network 10.0.0.0/8\n",
       "frr.conf:1: 'router rip' configures FRR's ripd, which vipd does not replace: keep it in "
       "ripd's own configuration file"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    // One error for the whole block; what follows it loads.
    EXPECT_THAT(errors_of(std::string(c.text) + "!\nhostname after\n"), ElementsAre(c.error));
  }
}

// Single lines of features or daemons vipd does not have: one error naming them, never
// "Unknown command" (lines met in real frr.conf files).
TEST(OutOfScope, SingleLinesNameTheFeature) {
  struct Case {
    const char* text;
    const char* error;
  };
  const char* head = "router bgp 65000\n neighbor 10.0.0.1 remote-as 1\n";
  const Case cases[] = {
      {"route-map RPKI permit 10\n match rpki invalid\n",
       "frr.conf:2: vipd does not implement RPKI origin validation ('match rpki invalid')"},
      {"route-map LO permit 10\n match interface lo\n",
       "frr.conf:2: vipd does not implement 'match interface' (zebra's interface of a "
       "redistributed route): 'match interface lo'"},
      {"route-map RR permit 10\n set originator-id 127.0.0.1\n",
       "frr.conf:2: vipd does not implement 'set originator-id' (RFC 4456 ORIGINATOR_ID is set "
       "only by reflection): 'set originator-id 127.0.0.1'"},
      {"interface eth0\n ip router isis 1\n",
       "frr.conf:2: 'ip router isis 1' configures FRR's isisd, which vipd does not replace: keep "
       "it in isisd's own configuration file"},
      {"interface eth0\n isis passive\n",
       "frr.conf:2: 'isis passive' configures FRR's isisd, which vipd does not replace: keep it "
       "in isisd's own configuration file"},
      {"interface eth0\n ip ospf area 0\n",
       "frr.conf:2: 'ip ospf area 0' configures FRR's ospfd, which vipd does not replace: keep "
       "it in ospfd's own configuration file"},
      {"ip route 192.0.2.0/24 Null0\n",
       "frr.conf:1: 'ip route 192.0.2.0/24 Null0' is a static route of FRR's staticd, which vipd "
       "does not replace: keep it in staticd's configuration or the host's network "
       "configuration"},
      {"bgp multiple-instance\n",
       "frr.conf:1: 'bgp multiple-instance' (quagga) is not supported: vipd runs one BGP "
       "instance (one `router bgp`)"},
      {"router bgp 65000\n bgp confederation identifier 100\n",
       "frr.conf:2: vipd does not implement BGP confederations (RFC 5065): 'bgp confederation "
       "identifier 100'"},
      {"router bgp 65000\n network 192.0.2.0/24 backdoor\n",
       "frr.conf:2: vipd does not implement backdoor networks: 'network 192.0.2.0/24 backdoor'"},
      {"router bgp 65000\n no bgp client-to-client reflection\n",
       "frr.conf:2: 'no bgp client-to-client reflection' is not supported: vipd always reflects "
       "routes between its route-reflector clients"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    EXPECT_THAT(errors_of(c.text), ElementsAre(c.error));
  }
  const Case neighbor_cases[] = {
      {" neighbor 10.0.0.1 addpath-tx-bestpath-per-AS\n",
       "frr.conf:3: neighbor addpath-tx-bestpath-per-AS: vipd does not implement ADD-PATH (RFC "
       "7911)"},
      {" neighbor 10.0.0.1 capability orf prefix-list both\n",
       "frr.conf:3: neighbor capability orf is not supported by vipd (Outbound Route Filtering, "
       "RFC 5291)"},
      {" neighbor 10.0.0.1 filter-list DN42 in\n",
       "frr.conf:3: neighbor filter-list is not supported by vipd: use a route map with `match "
       "as-path LIST` (neighbor A route-map NAME in|out)"},
      {" neighbor 10.0.0.1 ttl-security hops 1\n",
       "frr.conf:3: neighbor ttl-security is not supported by vipd (GTSM, RFC 5082): use "
       "ebgp-multihop"},
  };
  for (const auto& c : neighbor_cases) {
    SCOPED_TRACE(c.text);
    EXPECT_THAT(errors_of(std::string(head) + c.text), ElementsAre(c.error));
  }
  // What vipd always does is accepted.
  EXPECT_TRUE(errors_of("router bgp 65000\n bgp client-to-client reflection\n"
                        " bgp enforce-first-as\n")
                  .empty());
}

// A file without indentation: the block's lines that fail right after the opener are skipped.
TEST(OutOfScope, UnindentedBlockCostsOneError) {
  EXPECT_THAT(errors_of("router ospf\nospf router-id 10.0.0.1\nnetwork 10.0.0.0/8 area 0\n"
                        "router bgp 65000\n"),
              ElementsAre(HasSubstr("frr.conf:1: 'router ospf'")));
  // The first error still stops parse_config().
  EXPECT_FALSE(parse_config("router ospf\n", "frr.conf").ok());
}

}  // namespace
}  // namespace vipd::bgp::config
