// Peer groups and dynamic neighbor ranges: each command, each inheritance and override rule,
// rendering as FRR 8.4 writes it (checked against FRR 8.4.4's `show running-config` for the same
// input), and a realistic file that round-trips.
#include <gtest/gtest.h>

#include "bgp/config/commands.hpp"
#include "bgp/config/diff.hpp"
#include "bgp/config/parser.hpp"
#include "bgp/config/render.hpp"

namespace vipd::bgp::config {
namespace {

class PeerGroupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    install_config_commands(tree, [this]() -> BgpConfig& { return config; });
    run("configure terminal");
    run("router bgp 65000");
  }
  void run(std::string_view line) {
    auto r = tree.execute(session, line);
    EXPECT_TRUE(r.ok) << line << ": " << r.output;
  }
  std::string fail(std::string_view line) {
    auto r = tree.execute(session, line);
    EXPECT_FALSE(r.ok) << line;
    return r.output;
  }
  const NeighborConfig& neighbor(std::string_view address) {
    static const NeighborConfig kMissing;
    const auto* n = config.bgp->find(*IpAddress::parse(address));
    EXPECT_TRUE(n) << address;
    return n ? *n : kMissing;
  }
  bool has(std::string_view address) { return config.bgp->find(*IpAddress::parse(address)); }
  const PeerGroup& group(std::string_view name) {
    const auto* g = config.bgp->find_group(name);
    EXPECT_TRUE(g) << name;
    static const PeerGroup kMissing;
    return g ? *g : kMissing;
  }
  // The `router bgp` block of the rendered configuration.
  std::string router_block() {
    std::string text = render_config(config);
    auto begin = text.find("router bgp");
    return text.substr(begin, text.find("exit\n!", begin) + 5 - begin);
  }

  control::CommandTree tree;
  control::Session session;
  BgpConfig config;
};

constexpr auto kV4 = AddressFamily::kIpv4Unicast;
constexpr auto kV6 = AddressFamily::kIpv6Unicast;

TEST_F(PeerGroupTest, CreateGroupIsIdempotentAndActiveAsTheDefault) {
  run("neighbor G peer-group");
  run("neighbor G peer-group");
  ASSERT_EQ(config.bgp->peer_groups.size(), 1u);
  EXPECT_EQ(group("G").conf.remote_as.kind, RemoteAs::Kind::kUnspecified);
  EXPECT_TRUE(group("G").conf.in(kV4).active);
  run("no bgp default ipv4-unicast");
  run("neighbor H peer-group");
  EXPECT_FALSE(group("H").conf.in(kV4).active);
  EXPECT_EQ(fail("neighbor 10.0.0.1 peer-group"), "% Name conflict with peer-group");
}

TEST_F(PeerGroupTest, BindCreatesTheMemberWithTheGroupsRemoteAsAndOptions) {
  run("neighbor G peer-group");
  run("neighbor G remote-as 65001");
  run("neighbor G timers 5 15");
  run("neighbor G passive");
  run("neighbor 10.0.0.1 peer-group G");
  const auto& n = neighbor("10.0.0.1");
  EXPECT_EQ(n.peer_group, "G");
  EXPECT_EQ(n.remote_as.asn, 65001u);
  EXPECT_EQ(n.timers, (Timers{5, 15}));
  EXPECT_TRUE(n.passive);
  EXPECT_TRUE(n.overrides.empty());
  EXPECT_TRUE(n.in(kV4).active);
}

TEST_F(PeerGroupTest, BindingAnUnknownGroupFails) {
  EXPECT_EQ(fail("neighbor 10.0.0.1 peer-group NOPE"), "% Configure the peer-group first");
  EXPECT_FALSE(has("10.0.0.1"));
}

TEST_F(PeerGroupTest, GroupOptionReachesMembersThatDoNotOverrideIt) {
  run("neighbor G peer-group");
  run("neighbor G remote-as external");
  run("neighbor 10.0.0.1 peer-group G");
  run("neighbor 10.0.0.2 peer-group G");
  run("neighbor 10.0.0.2 timers 7 21");
  run("neighbor G timers 5 15");
  EXPECT_EQ(neighbor("10.0.0.1").timers, (Timers{5, 15}));
  EXPECT_EQ(neighbor("10.0.0.2").timers, (Timers{7, 21}));
  EXPECT_EQ(neighbor("10.0.0.2").overrides, (std::set<std::string>{"timers"}));
  run("no neighbor G timers");
  EXPECT_FALSE(neighbor("10.0.0.1").timers);
  EXPECT_EQ(neighbor("10.0.0.2").timers, (Timers{7, 21}));
}

TEST_F(PeerGroupTest, MembersNoFormInheritsTheGroupsValueAgain) {
  // FRR's peer_flag_modify(): unsetting on a member clears the override and inherits.
  run("neighbor G peer-group");
  run("neighbor G remote-as 65001");
  run("neighbor G passive");
  run("neighbor G timers 5 15");
  run("neighbor 10.0.0.1 peer-group G");
  run("neighbor 10.0.0.1 timers 7 21");
  run("no neighbor 10.0.0.1 passive");
  run("no neighbor 10.0.0.1 timers");
  EXPECT_TRUE(neighbor("10.0.0.1").passive);
  EXPECT_EQ(neighbor("10.0.0.1").timers, (Timers{5, 15}));
  EXPECT_TRUE(neighbor("10.0.0.1").overrides.empty());
}

TEST_F(PeerGroupTest, OptionsSetBeforeBindingStayTheNeighborsOwn) {
  // Quagga's order: remote-as and options first, then the group.
  run("neighbor G peer-group");
  run("neighbor G timers 5 15");
  run("neighbor G update-source lo");
  run("neighbor 10.0.0.9 remote-as 65009");
  run("neighbor 10.0.0.9 timers 1 3");
  run("neighbor 10.0.0.9 peer-group G");
  const auto& n = neighbor("10.0.0.9");
  EXPECT_EQ(n.remote_as.asn, 65009u);
  EXPECT_EQ(n.timers, (Timers{1, 3}));
  EXPECT_EQ(n.update_source, "lo");
  EXPECT_EQ(n.overrides, (std::set<std::string>{"timers"}));
}

TEST_F(PeerGroupTest, PerFamilyOptionsInheritAndOverridePerFamilyAndDirection) {
  run("neighbor G peer-group");
  run("neighbor G remote-as 65001");
  run("neighbor 10.0.0.1 peer-group G");
  run("address-family ipv4 unicast");
  run("neighbor G prefix-list PL in");
  run("neighbor G prefix-list OUT out");
  run("neighbor 10.0.0.1 prefix-list PL2 in");
  run("neighbor G route-map RM in");
  run("neighbor G next-hop-self");
  run("neighbor G maximum-prefix 100");
  run("exit-address-family");
  run("address-family ipv6 unicast");
  run("neighbor G activate");
  run("neighbor G route-map RM6 out");
  const auto& n = neighbor("10.0.0.1");
  EXPECT_EQ(n.in(kV4).prefix_list_in, "PL2");
  EXPECT_EQ(n.in(kV4).prefix_list_out, "OUT");
  EXPECT_EQ(n.in(kV4).route_map_in, "RM");
  EXPECT_TRUE(n.in(kV4).next_hop_self);
  EXPECT_EQ(n.in(kV4).maximum_prefix->limit, 100u);
  EXPECT_TRUE(n.in(kV6).active);
  EXPECT_EQ(n.in(kV6).route_map_out, "RM6");
  EXPECT_EQ(n.overrides, (std::set<std::string>{"ipv4 unicast prefix-list in"}));
}

TEST_F(PeerGroupTest, GroupActivationAppliesToEveryMember) {
  run("neighbor G peer-group");
  run("neighbor G remote-as 65001");
  run("neighbor 10.0.0.1 peer-group G");
  run("neighbor 10.0.0.2 peer-group G");
  run("address-family ipv4 unicast");
  run("no neighbor 10.0.0.2 activate");
  EXPECT_FALSE(neighbor("10.0.0.2").in(kV4).active);
  EXPECT_TRUE(neighbor("10.0.0.1").in(kV4).active);
  run("no neighbor G activate");
  EXPECT_FALSE(neighbor("10.0.0.1").in(kV4).active);
  run("neighbor G activate");
  EXPECT_TRUE(neighbor("10.0.0.2").in(kV4).active);
}

TEST_F(PeerGroupTest, DescriptionAndPortAreNotInherited) {
  // Per peer in FRR (peer_description_set(), peer_port_set()).
  run("neighbor G peer-group");
  run("neighbor G remote-as 65001");
  run("neighbor G description the group");
  run("neighbor G port 1179");
  run("neighbor 10.0.0.1 peer-group G");
  EXPECT_EQ(neighbor("10.0.0.1").description, "");
  EXPECT_FALSE(neighbor("10.0.0.1").port);
  run("neighbor 10.0.0.1 description one");
  EXPECT_EQ(neighbor("10.0.0.1").description, "one");
}

TEST_F(PeerGroupTest, RemoteAsConflicts) {
  run("neighbor G peer-group");
  run("neighbor G remote-as 65001");
  run("neighbor 10.0.0.1 peer-group G");
  // FRR 8.4 refuses even the same AS.
  EXPECT_EQ(fail("neighbor 10.0.0.1 remote-as 65001"),
            "% Peer-group member cannot override remote-as of peer-group");
  // A neighbor with its own AS joining a group with one takes the group's.
  run("neighbor 10.0.0.2 remote-as 65002");
  run("neighbor 10.0.0.2 peer-group G");
  EXPECT_EQ(neighbor("10.0.0.2").remote_as.asn, 65001u);
  // The group's AS changes every member's.
  run("neighbor G remote-as external");
  EXPECT_EQ(neighbor("10.0.0.1").remote_as.kind, RemoteAs::Kind::kExternal);
  EXPECT_EQ(fail("neighbor NOPE remote-as 1"), "% Create the peer-group or interface first");
}

TEST_F(PeerGroupTest, GroupWithoutRemoteAsNeedsMembersOfOneKind) {
  run("neighbor H peer-group");
  run("neighbor 10.0.0.5 remote-as 65005");
  run("neighbor 10.0.0.5 peer-group H");
  run("neighbor 10.0.0.6 remote-as 65006");
  run("neighbor 10.0.0.6 peer-group H");
  run("neighbor 10.0.0.4 remote-as 65000");
  EXPECT_EQ(fail("neighbor 10.0.0.4 peer-group H"),
            "% Peer-group members must be all internal or all external");
  EXPECT_TRUE(neighbor("10.0.0.4").peer_group.empty());
  // FRR 8.4 accepts the member first and its remote-as after.
  run("neighbor 10.0.0.3 peer-group H");
  EXPECT_EQ(neighbor("10.0.0.3").remote_as.kind, RemoteAs::Kind::kUnspecified);
  run("neighbor 10.0.0.3 remote-as 65003");
  EXPECT_EQ(neighbor("10.0.0.3").remote_as.asn, 65003u);
}

TEST_F(PeerGroupTest, RebindingToAnotherGroupIsRefused) {
  run("neighbor G peer-group");
  run("neighbor G remote-as 65001");
  run("neighbor K peer-group");
  run("neighbor K remote-as 65001");
  run("neighbor 10.0.0.1 peer-group G");
  run("neighbor 10.0.0.1 peer-group G");
  EXPECT_EQ(fail("neighbor 10.0.0.1 peer-group K"),
            "% Cannot change the peer-group. Deconfigure first");
}

TEST_F(PeerGroupTest, UnbindDeletesTheNeighborAndDeletingTheGroupItsMembers) {
  run("neighbor G peer-group");
  run("neighbor G remote-as 65001");
  run("neighbor 10.0.0.1 peer-group G");
  run("neighbor 10.0.0.2 peer-group G");
  run("neighbor 10.0.0.7 remote-as 65007");
  run("no neighbor 10.0.0.1 peer-group G");
  EXPECT_FALSE(has("10.0.0.1"));
  run("no neighbor G peer-group");
  EXPECT_FALSE(has("10.0.0.2"));
  EXPECT_TRUE(has("10.0.0.7"));
  EXPECT_TRUE(config.bgp->peer_groups.empty());
  EXPECT_EQ(fail("no neighbor G peer-group"), "% Create the peer-group first");
}

TEST_F(PeerGroupTest, NoGroupRemoteAsDeletesTheMembersThatHadIt) {
  run("neighbor G peer-group");
  run("neighbor G remote-as 65001");
  run("neighbor 10.0.0.1 peer-group G");
  run("no neighbor G remote-as 65001");
  EXPECT_FALSE(has("10.0.0.1"));
  EXPECT_EQ(group("G").conf.remote_as.kind, RemoteAs::Kind::kUnspecified);
  run("neighbor G remote-as 65001");
  run("neighbor 10.0.0.1 peer-group G");
  run("no neighbor G");
  EXPECT_FALSE(has("10.0.0.1"));
  EXPECT_FALSE(config.bgp->find_group("G"));
}

TEST_F(PeerGroupTest, OptionOnUnknownNameFails) {
  EXPECT_EQ(fail("neighbor NOPE timers 1 3"), "% Specify remote-as or peer-group commands first");
}

TEST_F(PeerGroupTest, ListenRangeCommands) {
  run("neighbor H peer-group");
  EXPECT_EQ(fail("bgp listen range 10.1.0.0/16 peer-group H"),
            "% Specify remote-as or peer-group remote AS first");
  run("neighbor H remote-as internal");
  EXPECT_EQ(fail("bgp listen range 10.1.0.0/16 peer-group NOPE"),
            "% Configure the peer-group first");
  run("bgp listen range 10.1.2.3/16 peer-group H");  // host bits cleared, as FRR's apply_mask
  run("bgp listen range 10.1.0.0/16 peer-group H");
  ASSERT_EQ(config.bgp->listen_ranges.size(), 1u);
  EXPECT_EQ(config.bgp->listen_ranges[0].range, *Prefix::parse("10.1.0.0/16"));
  run("neighbor K peer-group");
  run("neighbor K remote-as 65001");
  EXPECT_EQ(fail("bgp listen range 10.1.0.0/16 peer-group K"),
            "% Same listen range is attached to peer-group H");
  EXPECT_EQ(fail("bgp listen range 10.1.128.0/17 peer-group K"),
            "% Listen range overlaps with existing listen range");
  EXPECT_EQ(fail("bgp listen range fe80::/64 peer-group K"),
            "% Malformed listen range (link-local address)");
  run("bgp listen range fd00::/64 peer-group K");
  EXPECT_EQ(fail("no neighbor H peer-group"),
            "%Peer-group H is attached to 1 listen-range(s), delete them first");
  EXPECT_EQ(fail("no bgp listen range 10.9.0.0/16 peer-group H"),
            "% Range specified cannot be deleted because it is not part of current config.");
  EXPECT_EQ(fail("no bgp listen range 10.1.0.0/16 peer-group NOPE"), "% Peer-group does not exist");
  run("no bgp listen range 10.1.0.0/16 peer-group H");
  run("no neighbor H peer-group");
  EXPECT_EQ(config.bgp->listen_range_of(*IpAddress::parse("fd00::5"))->group, "K");
  EXPECT_FALSE(config.bgp->listen_range_of(*IpAddress::parse("10.1.0.5")));
}

TEST_F(PeerGroupTest, ListenLimit) {
  run("bgp listen limit 20");
  EXPECT_EQ(config.bgp->listen_limit, 20);
  run("bgp listen limit 100");  // the default: not written back (FRR)
  EXPECT_FALSE(config.bgp->listen_limit);
  run("bgp listen limit 5");
  run("no bgp listen limit");
  EXPECT_FALSE(config.bgp->listen_limit);
  fail("bgp listen limit 0");
}

TEST_F(PeerGroupTest, DynamicNeighborTakesTheGroupsOptions) {
  run("neighbor G peer-group");
  run("neighbor G remote-as internal");
  run("neighbor G description not copied");
  run("neighbor G timers 5 15");
  run("address-family ipv4 unicast");
  run("neighbor G route-map RM in");
  const auto n = config.bgp->dynamic_neighbor(group("G"), *IpAddress::parse("10.1.0.7"));
  EXPECT_EQ(n.address, *IpAddress::parse("10.1.0.7"));
  EXPECT_EQ(n.remote_as.kind, RemoteAs::Kind::kInternal);
  EXPECT_EQ(n.timers, (Timers{5, 15}));
  EXPECT_EQ(n.description, "");
  EXPECT_EQ(n.in(kV4).route_map_in, "RM");
  EXPECT_TRUE(n.in(kV4).active);
  EXPECT_EQ(n.peer_group, "G");
}

// The same input as given to FRR 8.4.4 (bgpd -f, then `show running-config`): its output.
TEST_F(PeerGroupTest, RendersAsFrr) {
  for (const char* line : {
           "bgp router-id 1.1.1.1",
           "neighbor H peer-group",
           "neighbor 10.0.0.3 peer-group H",
           "neighbor 10.0.0.3 remote-as 65003",
           "neighbor G peer-group",
           "neighbor G remote-as external",
           "neighbor G timers 5 15",
           "neighbor G passive",
           "neighbor G ebgp-multihop 3",
           "neighbor 10.0.0.1 peer-group G",
           "neighbor 10.0.0.1 timers 5 15",
           "neighbor 10.0.0.1 passive",
           "neighbor 10.0.0.2 peer-group G",
           "neighbor 10.0.0.2 ebgp-multihop 5",
           "no neighbor 10.0.0.2 passive",
           "neighbor 10.0.0.7 remote-as 65007",
           "bgp listen limit 20",
           "bgp listen range 10.9.0.0/16 peer-group G",
           "bgp listen range fd00::/64 peer-group G",
           "address-family ipv4 unicast",
           "neighbor G prefix-list PL in",
           "no neighbor 10.0.0.2 activate",
           "exit-address-family",
           "address-family ipv6 unicast",
           "neighbor G activate",
           "neighbor G route-map RM out",
       })
    run(line);
  EXPECT_EQ(router_block(),
            "router bgp 65000\n"
            " bgp router-id 1.1.1.1\n"
            " neighbor G peer-group\n"
            " neighbor G remote-as external\n"
            " neighbor G passive\n"
            " neighbor G ebgp-multihop 3\n"
            " neighbor G timers 5 15\n"
            " neighbor H peer-group\n"
            " neighbor 10.0.0.3 remote-as 65003\n"
            " neighbor 10.0.0.3 peer-group H\n"
            " neighbor 10.0.0.1 peer-group G\n"
            " neighbor 10.0.0.1 passive\n"
            " neighbor 10.0.0.1 timers 5 15\n"
            " neighbor 10.0.0.2 peer-group G\n"
            " neighbor 10.0.0.2 ebgp-multihop 5\n"
            " neighbor 10.0.0.7 remote-as 65007\n"
            " bgp listen limit 20\n"
            " bgp listen range 10.9.0.0/16 peer-group G\n"
            " bgp listen range fd00::/64 peer-group G\n"
            " !\n"
            " address-family ipv4 unicast\n"
            "  neighbor G prefix-list PL in\n"
            "  no neighbor 10.0.0.2 activate\n"
            " exit-address-family\n"
            " !\n"
            " address-family ipv6 unicast\n"
            "  neighbor G activate\n"
            "  neighbor G route-map RM out\n"
            " exit-address-family\n"
            "exit\n");
}

// The options of commands_neighbor_options.cpp inherit as the others: a member without its own
// value takes the group's, one with its own keeps it and writes only that line (FRR 8.4's
// peergroup_af_flag_check()); send-community is inverted (`no` is the override).
TEST_F(PeerGroupTest, NeighborOptionsInheritAndOverride) {
  for (const char* line : {
           "neighbor G peer-group",
           "neighbor G remote-as external",
           "neighbor 10.0.0.1 peer-group G",
           "neighbor 10.0.0.2 peer-group G",
           "neighbor G soft-reconfiguration inbound",
           "neighbor G send-community both",
           "no neighbor G send-community large",
           "neighbor G weight 100",
           "neighbor G allowas-in 2",
           "neighbor G advertisement-interval 5",
           "neighbor 10.0.0.2 weight 200",
           "no neighbor 10.0.0.2 send-community",
           "neighbor 10.0.0.2 disable-connected-check",
       })
    run(line);
  const auto& a = neighbor("10.0.0.1").in(kV4);
  EXPECT_TRUE(a.soft_reconfiguration);
  EXPECT_TRUE(a.send_community);
  EXPECT_FALSE(a.send_large_community);
  EXPECT_EQ(a.weight, 100);
  EXPECT_EQ(a.allowas_in, 2);
  EXPECT_EQ(neighbor("10.0.0.1").advertisement_interval, 5);
  const auto& b = neighbor("10.0.0.2").in(kV4);
  EXPECT_TRUE(b.soft_reconfiguration);
  EXPECT_FALSE(b.send_community);
  EXPECT_EQ(b.weight, 200);
  // A later group change reaches the member that inherits only.
  run("neighbor G weight 50");
  EXPECT_EQ(neighbor("10.0.0.1").in(kV4).weight, 50);
  EXPECT_EQ(neighbor("10.0.0.2").in(kV4).weight, 200);
  EXPECT_EQ(router_block(),
            "router bgp 65000\n"
            " neighbor G peer-group\n"
            " neighbor G remote-as external\n"
            " neighbor G advertisement-interval 5\n"
            " neighbor 10.0.0.1 peer-group G\n"
            " neighbor 10.0.0.2 peer-group G\n"
            " neighbor 10.0.0.2 disable-connected-check\n"
            " !\n"
            " address-family ipv4 unicast\n"
            "  no neighbor G send-community large\n"
            "  neighbor G soft-reconfiguration inbound\n"
            "  neighbor G allowas-in 2\n"
            "  neighbor G weight 50\n"
            "  no neighbor 10.0.0.2 send-community\n"
            "  neighbor 10.0.0.2 weight 200\n"
            " exit-address-family\n"
            "exit\n");
  // The member's `no weight` and (inverted) `send-community` give it the group's values back.
  run("no neighbor 10.0.0.2 weight");
  run("neighbor 10.0.0.2 send-community");
  EXPECT_EQ(neighbor("10.0.0.2").in(kV4).weight, 50);
  EXPECT_TRUE(neighbor("10.0.0.2").in(kV4).send_community);
  EXPECT_FALSE(neighbor("10.0.0.2").in(kV4).send_large_community);
  EXPECT_FALSE(neighbor("10.0.0.2").overrides.contains(option_key("weight", kV4)));
  EXPECT_EQ(router_block().find("10.0.0.2 send-community"), std::string::npos);
}

TEST_F(PeerGroupTest, DefaultOriginateInheritsAndOverrides) {
  for (const char* line : {
           "neighbor K8S peer-group",
           "neighbor K8S remote-as external",
           "neighbor 10.0.0.1 peer-group K8S",
           "neighbor 10.0.0.2 peer-group K8S",
           "neighbor 10.0.0.3 peer-group K8S",
           "address-family ipv4 unicast",
           "neighbor K8S default-originate",
           "neighbor 10.0.0.2 default-originate route-map UPLINK",
           "no neighbor 10.0.0.3 default-originate",
       })
    run(line);
  EXPECT_TRUE(neighbor("10.0.0.1").in(kV4).default_originate);
  EXPECT_EQ(neighbor("10.0.0.2").in(kV4).default_originate_map, "UPLINK");
  // A member's `no` gives it the group's value back (FRR's peer_default_originate_unset()).
  EXPECT_TRUE(neighbor("10.0.0.3").in(kV4).default_originate);
  EXPECT_FALSE(neighbor("10.0.0.1").in(kV6).default_originate);
  // A later group change reaches the members that inherit only.
  run("neighbor K8S default-originate route-map GROUP");
  EXPECT_EQ(neighbor("10.0.0.1").in(kV4).default_originate_map, "GROUP");
  EXPECT_EQ(neighbor("10.0.0.2").in(kV4).default_originate_map, "UPLINK");
  EXPECT_NE(router_block().find("  neighbor K8S default-originate route-map GROUP\n"
                                "  neighbor 10.0.0.2 default-originate route-map UPLINK\n"),
            std::string::npos)
      << router_block();
  EXPECT_EQ(router_block().find("10.0.0.1 default-originate"), std::string::npos);
  run("no neighbor K8S default-originate");
  EXPECT_FALSE(neighbor("10.0.0.1").in(kV4).default_originate);
  EXPECT_TRUE(neighbor("10.0.0.2").in(kV4).default_originate);
}

// A route server's file as users write them: groups per role, members with their own
// overrides, a listen range. Load, render, load the rendering: the same configuration, and a
// reload of it changes nothing.
TEST(PeerGroupFile, RealisticConfigRoundTrips) {
  const char* text =
      "hostname rs1\n"
      "!\n"
      "router bgp 64512\n"
      " bgp router-id 192.0.2.1\n"
      " no bgp default ipv4-unicast\n"
      " neighbor UPSTREAM peer-group\n"
      " neighbor UPSTREAM remote-as external\n"
      " neighbor UPSTREAM description transit\n"
      " neighbor UPSTREAM timers 10 30\n"
      " neighbor UPSTREAM password s3cret\n"
      " neighbor IBGP peer-group\n"
      " neighbor IBGP remote-as internal\n"
      " neighbor IBGP update-source lo\n"
      " neighbor K3S peer-group\n"
      " neighbor K3S remote-as 64513\n"
      " neighbor K3S passive\n"
      " neighbor 198.51.100.1 peer-group UPSTREAM\n"
      " neighbor 198.51.100.1 description transit A\n"
      " neighbor 198.51.100.2 peer-group UPSTREAM\n"
      " neighbor 198.51.100.2 timers 3 9\n"
      " neighbor 192.0.2.2 peer-group IBGP\n"
      " neighbor 192.0.2.3 peer-group IBGP\n"
      " neighbor 2001:db8::2 peer-group IBGP\n"
      " bgp listen limit 500\n"
      " bgp listen range 10.42.0.0/16 peer-group K3S\n"
      " !\n"
      " address-family ipv4 unicast\n"
      "  neighbor UPSTREAM activate\n"
      "  neighbor UPSTREAM prefix-list from-transit in\n"
      "  neighbor UPSTREAM route-map to-transit out\n"
      "  neighbor 198.51.100.2 prefix-list from-transit-b in\n"
      "  neighbor IBGP activate\n"
      "  neighbor IBGP next-hop-self\n"
      "  neighbor IBGP route-reflector-client\n"
      "  neighbor 192.0.2.3 route-map rr-in in\n"
      "  neighbor K3S activate\n"
      "  neighbor K3S maximum-prefix 1000 warning-only\n"
      " exit-address-family\n"
      " !\n"
      " address-family ipv6 unicast\n"
      "  neighbor IBGP activate\n"
      "  no neighbor 192.0.2.2 activate\n"
      " exit-address-family\n"
      "exit\n"
      "!\n";
  auto first = parse_config(text, "rs.conf");
  ASSERT_TRUE(first) << first.error().to_string();
  const std::string rendered = render_config(*first);
  auto second = parse_config(rendered, "rendered.conf");
  ASSERT_TRUE(second) << second.error().to_string() << "\n" << rendered;
  EXPECT_EQ(*first, *second) << rendered;
  EXPECT_EQ(render_config(*second), rendered);
  EXPECT_TRUE(diff(*first, *second).empty());
  const auto& b = *first->bgp;
  const auto* a2 = b.find(*IpAddress::parse("198.51.100.2"));
  EXPECT_EQ(a2->password, "s3cret");
  EXPECT_EQ(a2->timers, (Timers{3, 9}));
  EXPECT_EQ(a2->in(kV4).prefix_list_in, "from-transit-b");
  EXPECT_EQ(a2->in(kV4).route_map_out, "to-transit");
  const auto* i6 = b.find(*IpAddress::parse("2001:db8::2"));
  EXPECT_TRUE(i6->in(kV6).active);
  EXPECT_TRUE(i6->in(kV4).active);
  EXPECT_FALSE(b.find(*IpAddress::parse("192.0.2.2"))->in(kV6).active);
}

TEST(PeerGroupFile, ErrorsNameTheFileAndLine) {
  auto r = parse_config("router bgp 1\n neighbor 10.0.0.1 peer-group G\n", "bgpd.conf");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().to_string(), "bgpd.conf:2: Configure the peer-group first");
}

TEST(PeerGroupFile, GroupChangeIsAChangeOfItsMembersInTheDiff) {
  auto before = parse_config(
      "router bgp 1\n neighbor G peer-group\n neighbor G remote-as 2\n"
      " neighbor 10.0.0.1 peer-group G\n neighbor 10.0.0.2 peer-group G\n"
      " neighbor 10.0.0.2 password own\n",
      "a");
  auto after = parse_config(
      "router bgp 1\n neighbor G peer-group\n neighbor G remote-as 2\n"
      " neighbor G password new\n neighbor 10.0.0.1 peer-group G\n"
      " neighbor 10.0.0.2 peer-group G\n neighbor 10.0.0.2 password own\n",
      "b");
  ASSERT_TRUE(before && after);
  auto d = diff(*before, *after);
  ASSERT_EQ(d.neighbors_changed.size(), 1u);
  EXPECT_EQ(d.neighbors_changed[0].address, *IpAddress::parse("10.0.0.1"));
  EXPECT_TRUE(d.neighbors_changed[0].reset);
}

}  // namespace
}  // namespace vipd::bgp::config
