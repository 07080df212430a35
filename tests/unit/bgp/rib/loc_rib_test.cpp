#include "bgp/rib/loc_rib.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "common/log_topics.hpp"
#include "rib_test_util.hpp"

namespace vipd::bgp::rib {
namespace {

using test::P;

using test::attributes;
using test::peer_at;
using test::v4;

std::string node(int i) {
  return "192.168.1.5" + std::to_string(i);
}

// The seed's router: six k3s nodes (AS 65009) as peers 1..6, local AS 65000.
class LocRibTest : public ::testing::Test {
 protected:
  explicit LocRibTest(std::uint16_t maximum_paths = 8) : rib_(options(maximum_paths), resolver()) {
    for (int i = 1; i <= 6; ++i)
      rib_.set_peer(static_cast<PeerId>(i), peer_at(node(i).c_str(), 65009));
  }
  static DecisionOptions options(std::uint16_t maximum_paths) {
    DecisionOptions o;
    o.local_as = 65000;
    o.maximum_paths = maximum_paths;
    return o;
  }
  LocRib::NextHopResolver resolver() {
    return [this](const IpAddress& a, bool) -> std::optional<std::uint32_t> {
      if (unreachable_.count(a.to_string())) return std::nullopt;
      auto it = costs_.find(a.to_string());
      return it == costs_.end() ? 0 : it->second;
    };
  }
  // Peer i announces `prefix` with next hop itself.
  void announce(int i, const char* prefix, std::optional<std::uint32_t> med = std::nullopt) {
    auto a = attributes({65009}, node(i).c_str());
    a.med = med;
    ASSERT_TRUE(rib_.update(wire::kIpv4Unicast, P(prefix), static_cast<PeerId>(i),
                            store_.intern(std::move(a))));
  }
  // The peers of a selection, best first.
  static std::vector<PeerId> peers(const SelectedPaths& paths) {
    std::vector<PeerId> out;
    for (const auto& p : paths) out.push_back(p.peer);
    return out;
  }

  AttributeStore store_;
  std::set<std::string> unreachable_;
  std::map<std::string, std::uint32_t> costs_;
  LocRib rib_;
};

// One path inline, more in one contiguous array, best first either way; equal by contents.
TEST(SelectedPaths, OneInlineThenContiguous) {
  AttributeStore store;
  auto a = store.intern(wire::PathAttributes{});
  SelectedPaths paths;
  EXPECT_TRUE(paths.empty());
  EXPECT_EQ(paths.begin(), paths.end());
  paths.push_back({1, a});
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_EQ(paths.front().peer, 1u);
  SelectedPaths copy = paths;
  EXPECT_TRUE(copy == paths);
  paths.push_back({2, a});
  paths.push_back({3, a});
  ASSERT_EQ(paths.size(), 3u);
  EXPECT_EQ(paths[0].peer, 1u);
  EXPECT_EQ(paths.data() + 2, &paths[2]);
  std::vector<PeerId> order;
  for (const auto& p : paths) order.push_back(p.peer);
  EXPECT_EQ(order, (std::vector<PeerId>{1, 2, 3}));
  EXPECT_FALSE(copy == paths);
  paths.clear();
  EXPECT_TRUE(paths.empty());
  paths.push_back({1, a});
  EXPECT_TRUE(copy == paths);
}

TEST_F(LocRibTest, SixNodesGiveSixPathsAndOneChangeEach) {
  for (int i = 6; i >= 1; --i) announce(i, "10.47.40.1/32");
  auto changes = rib_.drain_changes();
  ASSERT_EQ(changes.size(), 6u);
  // .56 first, then each lower router-id takes over as best and the set grows.
  EXPECT_EQ(peers(changes[0].paths), (std::vector<PeerId>{6}));
  EXPECT_EQ(peers(changes[1].paths), (std::vector<PeerId>{5, 6}));
  EXPECT_EQ(peers(changes[5].paths), (std::vector<PeerId>{1, 6, 5, 4, 3, 2}));
  for (const auto& c : changes) {
    EXPECT_EQ(c.prefix, P("10.47.40.1/32"));
    EXPECT_EQ(c.family, wire::kIpv4Unicast);
    EXPECT_FALSE(c.removed);
  }
  EXPECT_EQ(rib_.pending_changes(), 0u);
  const PathList* list = rib_.find(wire::kIpv4Unicast, P("10.47.40.1/32"));
  ASSERT_NE(list, nullptr);
  int best = 0, multipath = 0;
  for (const auto& p : list->paths()) {
    best += p.best();
    multipath += p.multipath();
  }
  EXPECT_EQ(best, 1);
  EXPECT_EQ(multipath, 6);
  EXPECT_EQ(rib_.prefix_count(wire::kIpv4Unicast), 1u);
  EXPECT_EQ(rib_.path_count(wire::kIpv4Unicast), 6u);
  EXPECT_EQ(store_.size(), 6u);  // six next hops: six attribute sets
}

TEST_F(LocRibTest, MaximumPathsOneUsesOnePath) {
  rib_.set_options(options(1));
  for (int i = 1; i <= 6; ++i) announce(i, "10.47.40.1/32");
  auto changes = rib_.drain_changes();
  // Peer 1 (lowest router-id) is best from the start; later paths change nothing.
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(peers(changes[0].paths), (std::vector<PeerId>{1}));
  // Raising maximum-paths re-runs the decision.
  rib_.set_options(options(8));
  changes = rib_.drain_changes();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].paths.size(), 6u);
}

TEST_F(LocRibTest, WithdrawOfTheBestPromotesTheNext) {
  rib_.set_options(options(1));
  announce(1, "10.47.40.2/32");
  announce(2, "10.47.40.2/32");
  rib_.drain_changes();
  EXPECT_TRUE(rib_.withdraw(wire::kIpv4Unicast, P("10.47.40.2/32"), 1));
  auto changes = rib_.drain_changes();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(peers(changes[0].paths), (std::vector<PeerId>{2}));
  EXPECT_FALSE(rib_.withdraw(wire::kIpv4Unicast, P("10.47.40.2/32"), 1));
  EXPECT_TRUE(rib_.withdraw(wire::kIpv4Unicast, P("10.47.40.2/32"), 2));
  changes = rib_.drain_changes();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_TRUE(changes[0].removed);
  EXPECT_TRUE(changes[0].paths.empty());
  EXPECT_EQ(rib_.find(wire::kIpv4Unicast, P("10.47.40.2/32")), nullptr);
  EXPECT_EQ(rib_.path_count(wire::kIpv4Unicast), 0u);
  ASSERT_TRUE(changes[0].previous_best);
  EXPECT_EQ(changes[0].previous_best->peer, 2);
  changes.clear();               // the change held the previous best path's attributes
  EXPECT_EQ(store_.size(), 0u);  // the Loc-RIB held the other references
}

TEST_F(LocRibTest, OnlySelectedPathsCauseChanges) {
  rib_.set_options(options(1));
  announce(1, "10.47.40.3/32");
  announce(2, "10.47.40.3/32");
  rib_.drain_changes();
  announce(2, "10.47.40.3/32", 7);  // a path that is not used: nothing to tell
  announce(1, "10.47.40.3/32");     // the same route again: nothing either
  EXPECT_EQ(rib_.pending_changes(), 0u);
  announce(1, "10.47.40.3/32", 5);  // the best path's attributes change: it stays best
  auto changes = rib_.drain_changes();
  ASSERT_EQ(changes.size(), 1u);
  ASSERT_EQ(peers(changes[0].paths), (std::vector<PeerId>{1}));
  EXPECT_EQ(changes[0].paths[0].attrs->med, 5u);
  announce(1, "10.47.40.3/32", 9);  // now MED 7 of peer 2 wins (same neighbor AS)
  changes = rib_.drain_changes();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(peers(changes[0].paths), (std::vector<PeerId>{2}));
  EXPECT_EQ(rib_.find(wire::kIpv4Unicast, P("10.47.40.3/32"))->reason(), Step::kMed);
  changes.clear();
  EXPECT_EQ(store_.size(), 2u);  // replaced attribute sets were released
}

TEST_F(LocRibTest, UnreachableNextHopIsNoCandidate) {
  unreachable_.insert(node(1));
  announce(1, "10.47.40.4/32");
  EXPECT_EQ(rib_.pending_changes(), 0u);  // kept, but not usable
  EXPECT_EQ(rib_.path_count(wire::kIpv4Unicast), 1u);
  EXPECT_FALSE(rib_.find(wire::kIpv4Unicast, P("10.47.40.4/32"))->paths()[0].valid());
  announce(2, "10.47.40.4/32");
  auto changes = rib_.drain_changes();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(peers(changes[0].paths), (std::vector<PeerId>{2}));
  // The next hop becomes reachable: both paths are used.
  unreachable_.clear();
  rib_.revalidate();
  changes = rib_.drain_changes();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(peers(changes[0].paths), (std::vector<PeerId>{1, 2}));
  // Peer 2's next hop gets an IGP cost: it leaves the multipath set.
  costs_[node(2)] = 10;
  rib_.revalidate();
  changes = rib_.drain_changes();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(peers(changes[0].paths), (std::vector<PeerId>{1}));
}

TEST_F(LocRibTest, AsPathLoopIsNoCandidate) {
  auto looped = attributes({65009, 65000}, node(1).c_str());
  ASSERT_TRUE(rib_.update(wire::kIpv4Unicast, P("10.47.40.5/32"), 1, store_.intern(looped)));
  EXPECT_EQ(rib_.pending_changes(), 0u);
  EXPECT_TRUE(rib_.selected(wire::kIpv4Unicast, P("10.47.40.5/32")).empty());
  // Another local AS: the path no longer loops.
  auto o = rib_.options();
  o.local_as = 65001;
  rib_.set_options(o);
  EXPECT_EQ(peers(rib_.selected(wire::kIpv4Unicast, P("10.47.40.5/32"))), (std::vector<PeerId>{1}));
  EXPECT_EQ(rib_.drain_changes().size(), 1u);
}

TEST_F(LocRibTest, WithdrawPeerRemovesEveryPath) {
  for (int i = 1; i <= 3; ++i) {
    announce(i, "10.47.40.1/32");
    announce(i, "10.47.40.6/32");
  }
  announce(1, "10.47.40.7/32");
  rib_.drain_changes();
  EXPECT_EQ(rib_.withdraw_peer(1), 3u);
  auto changes = rib_.drain_changes();
  ASSERT_EQ(changes.size(), 3u);
  std::map<Prefix, std::vector<PeerId>> by_prefix;
  for (const auto& c : changes) by_prefix[c.prefix] = peers(c.paths);
  EXPECT_EQ(by_prefix[P("10.47.40.1/32")], (std::vector<PeerId>{2, 3}));
  EXPECT_EQ(by_prefix[P("10.47.40.6/32")], (std::vector<PeerId>{2, 3}));
  EXPECT_TRUE(by_prefix[P("10.47.40.7/32")].empty());
  EXPECT_EQ(rib_.prefix_count(wire::kIpv4Unicast), 2u);
  EXPECT_EQ(rib_.path_count(wire::kIpv4Unicast), 4u);
}

TEST_F(LocRibTest, PeerFactsChangeReruns) {
  rib_.set_options(options(1));
  announce(1, "10.47.40.1/32");
  announce(2, "10.47.40.1/32");
  rib_.drain_changes();
  auto info = *rib_.peer(1);
  info.router_id = v4("192.168.1.99").v4_host_order();  // reconnected with another router-id
  rib_.set_peer(1, info);
  auto changes = rib_.drain_changes();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(peers(changes[0].paths), (std::vector<PeerId>{2}));
}

TEST_F(LocRibTest, Ipv6UsesTheMpReachNextHop) {
  wire::PathAttributes a = attributes({65009}, node(1).c_str());
  a.next_hop.reset();
  a.mp_reach = wire::MpReach{wire::kIpv6Unicast, IpAddress::parse("2001:db8::51"), {}, {}, {}, {}};
  unreachable_.insert("2001:db8::51");
  ASSERT_TRUE(rib_.update(wire::kIpv6Unicast, P("2001:db8:47::/64"), 1, store_.intern(a)));
  EXPECT_EQ(rib_.pending_changes(), 0u);
  unreachable_.clear();
  rib_.revalidate();
  auto changes = rib_.drain_changes();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].family, wire::kIpv6Unicast);
  EXPECT_EQ(changes[0].prefix, P("2001:db8:47::/64"));
  EXPECT_EQ(rib_.prefix_count(wire::kIpv6Unicast), 1u);
  EXPECT_EQ(rib_.prefix_count(wire::kIpv4Unicast), 0u);
  int seen = 0;
  rib_.for_each(wire::kIpv6Unicast, [&](const Prefix& p, const PathList& l) {
    EXPECT_EQ(p, P("2001:db8:47::/64"));
    EXPECT_EQ(l.size(), 1u);
    ++seen;
  });
  EXPECT_EQ(seen, 1);
}

// maximum-paths is per address family (FRR): IPv4's 8 here, IPv6's own value.
TEST_F(LocRibTest, MaximumPathsPerFamily) {
  auto announce_v6 = [&](int i) {
    auto a = attributes({65009}, node(i).c_str());
    a.mp_reach = wire::MpReach{wire::kIpv6Unicast,
                               IpAddress::parse("2001:db8::" + std::to_string(50 + i)),
                               {},
                               {},
                               {},
                               {}};
    ASSERT_TRUE(rib_.update(wire::kIpv6Unicast, P("2001:db8:47::/64"), static_cast<PeerId>(i),
                            store_.intern(std::move(a))));
  };
  auto selected = [&](wire::AfiSafi family, const Prefix& prefix) {
    std::size_t n = 0;
    rib_.for_each(family, [&](const Prefix& p, const PathList& l) {
      if (p != prefix) return;
      for (const Path& path : l.paths()) n += path.multipath() || path.best() ? 1 : 0;
    });
    return n;
  };
  for (int i = 1; i <= 6; ++i) {
    announce(i, "10.47.40.1/32");
    announce_v6(i);
  }
  EXPECT_EQ(selected(wire::kIpv4Unicast, P("10.47.40.1/32")), 6u);
  EXPECT_EQ(selected(wire::kIpv6Unicast, P("2001:db8:47::/64")), 1u);  // IPv6 left at 1
  DecisionOptions o = rib_.options();
  o.maximum_paths_v6 = 4;
  rib_.set_options(o);
  EXPECT_EQ(selected(wire::kIpv6Unicast, P("2001:db8:47::/64")), 4u);
  EXPECT_EQ(selected(wire::kIpv4Unicast, P("10.47.40.1/32")), 6u);
}

TEST_F(LocRibTest, RejectsUnknownPeersAndFamilies) {
  auto a = store_.intern(attributes({65009}, node(1).c_str()));
  EXPECT_FALSE(rib_.update(wire::kIpv4Unicast, P("10.0.0.0/8"), 42, a));
  EXPECT_FALSE(rib_.update(wire::AfiSafi{wire::Afi::kIpv4, wire::Safi{2}}, P("10.0.0.0/8"), 1, a));
  EXPECT_FALSE(rib_.update(wire::kIpv6Unicast, P("10.0.0.0/8"), 1, a));  // family mismatch
  EXPECT_FALSE(rib_.update(wire::kIpv4Unicast, P("10.0.0.0/8"), 1, AttrRef{}));
  EXPECT_FALSE(rib_.withdraw(wire::kIpv4Unicast, P("10.0.0.0/8"), 1));
  EXPECT_EQ(rib_.prefix_count(wire::kIpv4Unicast), 0u);
  EXPECT_EQ(rib_.pending_changes(), 0u);
}

}  // namespace
}  // namespace vipd::bgp::rib

namespace vipd::bgp::rib {
namespace {

using test::P;

// `debug bgp bestpath PREFIX`: FRR's "After path selection" line for that prefix only, at debug
// level whatever the log level.
TEST_F(LocRibTest, BestpathDebugLineForTheConfiguredPrefix) {
  std::vector<std::string> lines;
  log::set_sink([&](log::Level level, std::string_view line) {
    if (level == log::Level::kDebug) lines.emplace_back(line);
  });
  log::set_level(log::Level::kWarning);
  log::set_topic(log::Topic::kBgpBestpath, true, {"10.0.0.0/24"});
  announce(1, "10.0.0.0/24");
  announce(2, "10.1.0.0/24");
  log::clear_topics();
  log::set_level(log::Level::kInfo);
  log::set_sink(nullptr);
  EXPECT_EQ(lines, std::vector<std::string>{
                       "10.0.0.0/24: After path selection, newbest is 192.168.1.51 oldbest was "
                       "NONE"});
}

}  // namespace
}  // namespace vipd::bgp::rib
