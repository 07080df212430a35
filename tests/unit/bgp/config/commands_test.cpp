#include "bgp/config/commands.hpp"

#include <gtest/gtest.h>

namespace vipd::bgp::config {
namespace {

using control::Completion;
using control::Session;

class CommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    install_config_commands(tree, [this]() -> BgpConfig& { return config; });
  }

  // Runs `line` and expects it to succeed.
  void run(std::string_view line) {
    auto r = tree.execute(session, line);
    EXPECT_TRUE(r.ok) << line << ": " << r.output;
  }
  std::string fail(std::string_view line) {
    auto r = tree.execute(session, line);
    EXPECT_FALSE(r.ok) << line;
    return r.output;
  }
  void enter_router() {
    run("configure terminal");
    run("router bgp 65000");
  }
  const NeighborConfig& neighbor(std::string_view address) {
    static const NeighborConfig kMissing;
    const auto* n = config.bgp ? config.bgp->find(*IpAddress::parse(address)) : nullptr;
    EXPECT_TRUE(n) << address;
    return n ? *n : kMissing;
  }

  control::CommandTree tree;
  Session session;
  BgpConfig config;
};

std::vector<std::string> tokens(const std::vector<Completion>& cs) {
  std::vector<std::string> out;
  for (const auto& c : cs) out.push_back(c.token);
  return out;
}

TEST_F(CommandsTest, InteractiveFlowMutatesTheTarget) {
  EXPECT_EQ(tree.prompt_suffix(session), "");
  run("configure terminal");
  EXPECT_EQ(tree.prompt_suffix(session), "(config)");
  run("router bgp 65000");
  EXPECT_EQ(tree.prompt_suffix(session), "(config-router)");
  ASSERT_TRUE(config.bgp);
  EXPECT_EQ(config.bgp->asn, 65000u);
  run("neighbor 10.0.0.1 remote-as 65001");
  ASSERT_EQ(config.bgp->neighbors.size(), 1u);
  EXPECT_EQ(neighbor("10.0.0.1").remote_as.asn, 65001u);
  run("no neighbor 10.0.0.1");
  EXPECT_TRUE(config.bgp->neighbors.empty());
  run("end");
  EXPECT_EQ(session.node(), "exec");
  EXPECT_EQ(tree.prompt_suffix(session), "");
}

TEST_F(CommandsTest, ExitLeavesOneLevel) {
  enter_router();
  run("address-family ipv6 unicast");
  EXPECT_EQ(session.node(), "config-router-af");
  run("exit-address-family");
  EXPECT_EQ(session.node(), "config-router");
  run("address-family ipv4");
  run("exit");
  EXPECT_EQ(session.node(), "config-router");
  run("exit");
  EXPECT_EQ(session.node(), "config");
  run("exit");
  EXPECT_EQ(session.node(), "exec");
  run("conf t");
  run("line vty");
  EXPECT_EQ(tree.prompt_suffix(session), "(config-line)");
  run("end");
  EXPECT_EQ(session.node(), "exec");
}

TEST_F(CommandsTest, RouterBgpErrors) {
  enter_router();
  run("exit");
  EXPECT_EQ(fail("router bgp 65001"), "% BGP is already running; AS is 65000");
  run("router bgp 65000");  // re-entering the same instance is fine
  run("exit");
  EXPECT_EQ(fail("no router bgp 65001"), "% Can't find BGP instance");
  run("no router bgp");
  EXPECT_FALSE(config.bgp);
  EXPECT_EQ(fail("no router bgp"), "% No BGP process is configured");
}

TEST_F(CommandsTest, InstanceRemovedUnderAnotherSession) {
  enter_router();
  Session other;
  tree.execute(other, "configure terminal");
  EXPECT_TRUE(tree.execute(other, "no router bgp 65000").ok);
  EXPECT_EQ(fail("neighbor 10.0.0.1 remote-as 1"), "% No BGP process is configured");
  EXPECT_TRUE(tree.execute(other, "router bgp 65001").ok);
  EXPECT_EQ(fail("bgp router-id 1.1.1.1"),
            "% BGP instance 65000 is no longer configured; AS is 65001");
}

TEST_F(CommandsTest, EveryNeighborOptionAndItsNoForm) {
  enter_router();
  run("neighbor 10.0.0.1 remote-as internal");
  EXPECT_EQ(neighbor("10.0.0.1").remote_as.kind, RemoteAs::Kind::kInternal);
  run("neighbor 10.0.0.1 remote-as external");
  EXPECT_EQ(neighbor("10.0.0.1").remote_as.kind, RemoteAs::Kind::kExternal);
  run("neighbor 10.0.0.1 description  uplink   to  ISP ");
  run("neighbor 10.0.0.1 password s3cret");
  run("neighbor 10.0.0.1 timers 10 30");
  run("neighbor 10.0.0.1 timers connect 5");
  run("neighbor 10.0.0.1 update-source eth0");
  run("neighbor 10.0.0.1 passive");
  run("neighbor 10.0.0.1 shutdown message going down for maintenance");
  run("neighbor 10.0.0.1 ebgp-multihop");
  run("neighbor 10.0.0.1 port 1179");
  const auto& n = neighbor("10.0.0.1");
  EXPECT_EQ(n.description, "uplink to ISP");
  EXPECT_EQ(n.password, "s3cret");
  EXPECT_EQ(n.timers, (Timers{10, 30}));
  EXPECT_EQ(n.connect_retry, 5);
  EXPECT_EQ(n.update_source, "eth0");
  EXPECT_TRUE(n.passive);
  EXPECT_TRUE(n.shutdown);
  EXPECT_EQ(n.shutdown_message, "going down for maintenance");
  EXPECT_EQ(n.ebgp_multihop, 255);
  EXPECT_EQ(n.port, 1179);
  run("neighbor 10.0.0.1 ebgp-multihop 3");
  EXPECT_EQ(n.ebgp_multihop, 3);
  run("neighbor 10.0.0.1 update-source 10.0.0.254");
  EXPECT_EQ(n.update_source, "10.0.0.254");

  run("no neighbor 10.0.0.1 description");
  run("no neighbor 10.0.0.1 password");
  run("no neighbor 10.0.0.1 timers");
  run("no neighbor 10.0.0.1 timers connect");
  run("no neighbor 10.0.0.1 update-source");
  run("no neighbor 10.0.0.1 passive");
  run("no neighbor 10.0.0.1 shutdown");
  run("no neighbor 10.0.0.1 ebgp-multihop");
  run("no neighbor 10.0.0.1 port");
  NeighborConfig expected;
  expected.address = *IpAddress::parse("10.0.0.1");
  expected.remote_as.kind = RemoteAs::Kind::kExternal;
  expected.in(AddressFamily::kIpv4Unicast).active = true;
  EXPECT_EQ(neighbor("10.0.0.1"), expected);

  run("no neighbor 10.0.0.1 remote-as external");
  EXPECT_TRUE(config.bgp->neighbors.empty());
  run("no neighbor 10.0.0.9");  // like FRR, removing an unknown neighbor is not an error
}

TEST_F(CommandsTest, NeighborOptionErrors) {
  enter_router();
  EXPECT_EQ(fail("neighbor 10.0.0.1 description x"),
            "% Specify remote-as or peer-group commands first");
  EXPECT_EQ(fail("neighbor 10.0.0.1 passive"), "% Specify remote-as or peer-group commands first");
  run("neighbor 10.0.0.1 remote-as 65001");
  EXPECT_EQ(fail("neighbor 10.0.0.1 timers 10 2"),
            "% hold time value must be either 0 or greater than 3");
  run("neighbor 10.0.0.1 timers 0 0");
  EXPECT_NE(fail("neighbor 10.0.0.1 ebgp-multihop 256").find("Invalid input at '256'"),
            std::string::npos);
  EXPECT_NE(fail("neighbor 10.0.0.1 port 65536").find("Invalid input"), std::string::npos);
  EXPECT_EQ(fail("neighbor 10.0.0.1 p 1"), "% Ambiguous command: neighbor 10.0.0.1 p 1");
  EXPECT_EQ(fail("neighbor 10.0.0.1 shutdown message " + std::string(256, 'x')),
            "% Shutdown message is longer than 255 octets");
}

TEST_F(CommandsTest, ActivationFollowsFrrDefaults) {
  enter_router();
  run("neighbor 10.0.0.1 remote-as 65001");
  run("neighbor 2001:db8::1 remote-as 65001");
  EXPECT_TRUE(neighbor("10.0.0.1").in(AddressFamily::kIpv4Unicast).active);
  EXPECT_FALSE(neighbor("2001:db8::1").in(AddressFamily::kIpv4Unicast).active);
  EXPECT_FALSE(neighbor("2001:db8::1").in(AddressFamily::kIpv6Unicast).active);
  run("address-family ipv6 unicast");
  run("neighbor 2001:db8::1 activate");
  EXPECT_TRUE(neighbor("2001:db8::1").in(AddressFamily::kIpv6Unicast).active);
  run("exit-address-family");
  run("no neighbor 10.0.0.1 activate");  // router level means IPv4 unicast
  EXPECT_FALSE(neighbor("10.0.0.1").in(AddressFamily::kIpv4Unicast).active);
  run("no bgp default ipv4-unicast");
  EXPECT_FALSE(config.bgp->default_ipv4_unicast);
  run("neighbor 10.0.0.2 remote-as 65001");
  EXPECT_FALSE(neighbor("10.0.0.2").in(AddressFamily::kIpv4Unicast).active);
  run("address-family ipv4 unicast");
  run("neighbor 10.0.0.2 activate");
  EXPECT_TRUE(neighbor("10.0.0.2").in(AddressFamily::kIpv4Unicast).active);
  EXPECT_FALSE(neighbor("10.0.0.2").in(AddressFamily::kIpv6Unicast).active);
}

TEST_F(CommandsTest, NetworksAndMaximumPathsPerFamily) {
  enter_router();
  run("network 10.0.0.0/8");
  run("maximum-paths 8");
  run("address-family ipv6 unicast");
  run("network 2001:db8::/32");
  run("maximum-paths ibgp 4");
  run("exit-address-family");
  const auto& v4 = config.bgp->in(AddressFamily::kIpv4Unicast);
  const auto& v6 = config.bgp->in(AddressFamily::kIpv6Unicast);
  EXPECT_EQ(v4.networks, std::vector<Prefix>{*Prefix::parse("10.0.0.0/8")});
  EXPECT_EQ(v6.networks, std::vector<Prefix>{*Prefix::parse("2001:db8::/32")});
  EXPECT_EQ(v4.maximum_paths, 8);
  EXPECT_FALSE(v4.maximum_paths_ibgp);
  EXPECT_EQ(v6.maximum_paths_ibgp, 4);
  run("network 10.0.0.0/8");  // again: no duplicate
  EXPECT_EQ(v4.networks.size(), 1u);
  EXPECT_EQ(fail("network 192.168.1.1/24"), "% Inconsistent address and mask");
  EXPECT_EQ(fail("no network 192.168.0.0/16"), "% Can't find static route specified");
  run("no network 10.0.0.0/8");
  EXPECT_TRUE(v4.networks.empty());
  run("no maximum-paths 8");
  EXPECT_FALSE(v4.maximum_paths);
  run("address-family ipv6");
  run("no network 2001:db8::/32");
  run("no maximum-paths ibgp");
  EXPECT_EQ(v6, AfConfig{});
  EXPECT_NE(fail("maximum-paths 0").find("Invalid input at '0'"), std::string::npos);
}

TEST_F(CommandsTest, GlobalSettingsAndTheirNoForms) {
  run("configure terminal");
  run("hostname r1");
  run("password zebra");
  run("enable password secret");
  run("log file /tmp/bgpd.log debugging");
  run("log stdout warnings");
  run("log syslog");
  EXPECT_EQ(config.hostname, "r1");
  EXPECT_EQ(config.log.file, (LogDestination{"/tmp/bgpd.log", "debugging"}));
  EXPECT_EQ(config.log.stdout_, (LogDestination{"", "warnings"}));
  EXPECT_EQ(config.log.syslog, LogDestination{});
  EXPECT_NE(fail("log stdout chatty").find("Invalid input at 'chatty'"), std::string::npos);
  run("router bgp 1");
  run("bgp router-id 1.2.3.4");
  run("bgp log-neighbor-changes");
  run("timers bgp 3 9");
  EXPECT_EQ(config.bgp->timers, (Timers{3, 9}));
  run("no timers bgp 3 9");
  run("no bgp router-id");
  run("no bgp log-neighbor-changes");
  run("no bgp default ipv4-unicast");
  run("bgp default ipv4-unicast");
  RouterBgp expected;
  expected.asn = 1;
  EXPECT_EQ(*config.bgp, expected);
  // Top-level commands work from inside router bgp, leaving it (config-file semantics).
  run("no hostname");
  run("no password");
  run("no enable password");
  run("no log file");
  run("no log stdout");
  run("no log syslog");
  EXPECT_EQ(session.node(), "config");
  BgpConfig only_bgp;
  only_bgp.bgp = expected;
  EXPECT_EQ(config, only_bgp);
}

TEST_F(CommandsTest, CompletionListsNeighborOptionsWithHelp) {
  enter_router();
  auto options = tree.complete(session, "neighbor 10.0.0.1 ");
  EXPECT_EQ(tokens(options), (std::vector<std::string>{"activate",
                                                       "addpath-rx-paths-limit",
                                                       "addpath-tx-all-paths",
                                                       "addpath-tx-bestpath-per-AS",
                                                       "advertisement-interval",
                                                       "allowas-in",
                                                       "as-override",
                                                       "attribute-unchanged",
                                                       "bfd",
                                                       "capability",
                                                       "default-originate",
                                                       "description",
                                                       "disable-connected-check",
                                                       "ebgp-multihop",
                                                       "enforce-first-as",
                                                       "enforce-multihop",
                                                       "filter-list",
                                                       "graceful-restart",
                                                       "graceful-restart-disable",
                                                       "graceful-restart-helper",
                                                       "interface",
                                                       "local-as",
                                                       "maximum-prefix",
                                                       "next-hop-self",
                                                       "passive",
                                                       "password",
                                                       "peer-group",
                                                       "port",
                                                       "prefix-list",
                                                       "remote-as",
                                                       "remove-private-AS",
                                                       "route-map",
                                                       "route-reflector-client",
                                                       "route-server-client",
                                                       "send-community",
                                                       "shutdown",
                                                       "soft-reconfiguration",
                                                       "timers",
                                                       "ttl-security",
                                                       "update-source",
                                                       "weight"}));
  for (const auto& c : options) EXPECT_FALSE(c.help.empty()) << c.token;
  EXPECT_EQ(tokens(tree.complete(session, "neighbor 10.0.0.1 remote-as ")),
            (std::vector<std::string>{"(1-4294967295)", "external", "internal"}));
  EXPECT_EQ(tokens(tree.complete(session, "neighbor 10.0.0.1 p")),
            (std::vector<std::string>{"passive", "password", "peer-group", "port", "prefix-list"}));
  EXPECT_EQ(tokens(tree.complete(session, "neighbor 10.0.0.1 ebgp-multihop ")),
            (std::vector<std::string>{"(1-255)", "<cr>"}));
  // Like vtysh, `?` offers the commands of the current node only (execution falls back outward).
  EXPECT_TRUE(tree.complete(session, "router").empty());
  run("exit");
  auto top = tree.complete(session, "router");
  ASSERT_EQ(top.size(), 1u);
  EXPECT_EQ(top[0].help, "Enable a routing process");
  Session exec;
  EXPECT_EQ(tokens(tree.complete(exec, "conf")), std::vector<std::string>{"configure"});
}

TEST_F(CommandsTest, InstallingTwiceKeepsExistingNodes) {
  control::CommandTree shared;
  shared.add_node("config", "config");
  BgpConfig other;
  install_config_commands(shared, [&other]() -> BgpConfig& { return other; });
  EXPECT_TRUE(shared.has_node("config-router"));
  EXPECT_TRUE(shared.has_node("config-router-af"));
  EXPECT_TRUE(shared.has_node("config-line"));
}

}  // namespace
}  // namespace vipd::bgp::config
