// L2 mode's placement (lb/l2/placement.hpp): spread, what moves when a node dies, joins or
// leaves, when a Service comes or goes, and the virtual routers' VRIDs and priorities.
#include "lb/l2/placement.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>

namespace vipd::lb::l2 {
namespace {

std::vector<std::string> nodes(std::size_t n) {
  std::vector<std::string> out;
  for (std::size_t i = 1; i <= n; ++i) out.push_back("k3s-node-" + std::to_string(i));
  return out;
}

// `count` Services with the seed's pool addresses (192.168.20.1-250), all on `members`.
std::vector<PlacementInput> services(std::size_t count, const std::vector<std::string>& members,
                                     std::size_t first = 1) {
  std::vector<PlacementInput> out;
  for (std::size_t i = first; i < first + count; ++i)
    out.push_back({"192.168.20." + std::to_string(i), members});
  return out;
}

std::map<std::string, std::size_t> owned(const std::map<std::string, std::optional<std::string>>& o,
                                         const std::vector<std::string>& alive) {
  std::map<std::string, std::size_t> count;
  for (const auto& n : alive) count[n] = 0;
  for (const auto& [service, owner] : o)
    if (owner) ++count[*owner];
  return count;
}

std::size_t spread(const std::map<std::string, std::size_t>& count) {
  auto [lo, hi] = std::minmax_element(
      count.begin(), count.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
  return hi->second - lo->second;
}

std::vector<std::string> without(std::vector<std::string> list, const std::string& gone) {
  std::erase(list, gone);
  return list;
}

TEST(L2Placement, TheSeedsPoolSpreadsWithinOneOverSixNodes) {
  const auto six = nodes(6);
  const auto in = services(250, six);
  const Placement placement = place(in);
  ASSERT_EQ(placement.size(), 250u);
  const RouterPlan plan = plan_routers(in, placement, VridRange{});
  auto count = owned(owners(plan), six);
  for (const auto& [node, n] : count) EXPECT_TRUE(n == 41 || n == 42) << node << " " << n;
  EXPECT_TRUE(plan.unplaced.empty());
}

TEST(L2Placement, SpreadWithinOneAndOneNodeDownMovesOnlyItsServices) {
  for (std::size_t n = 2; n <= 12; ++n) {
    const auto all = nodes(n);
    for (std::size_t s : {1u, 2u, 7u, 50u, 97u, 250u, 300u}) {
      const auto in = services(s, all);
      const RouterPlan plan = plan_routers(in, place(in), VridRange{});
      ASSERT_TRUE(plan.unplaced.empty()) << n << " nodes";
      const auto up = owners(plan);
      EXPECT_LE(spread(owned(up, all)), 1u) << n << " nodes, " << s << " services";
      for (const auto& dead : all) {
        const std::vector<std::string> down{dead};
        const auto after = owners(plan, down);
        for (const auto& [service, owner] : up) {
          ASSERT_TRUE(after.at(service)) << service;
          if (*owner != dead) {
            EXPECT_EQ(after.at(service), owner) << service << " moved";
          }
        }
        // The successors are water-filled: the survivors stay within one of each other.
        EXPECT_LE(spread(owned(after, without(all, dead))), 1u)
            << n << " nodes, " << s << " services, " << dead << " down";
      }
    }
  }
}

TEST(L2Placement, TwoNodesDownMoveOnlyTheirServicesToLiveNodes) {
  const auto all = nodes(5);
  const auto in = services(120, all);
  const RouterPlan plan = plan_routers(in, place(in), VridRange{});
  const auto up = owners(plan);
  const std::vector<std::string> down{"k3s-node-2", "k3s-node-4"};
  const auto after = owners(plan, down);
  for (const auto& [service, owner] : up) {
    ASSERT_TRUE(after.at(service));
    EXPECT_EQ(std::count(down.begin(), down.end(), *after.at(service)), 0);
    if (std::count(down.begin(), down.end(), *owner) == 0) {
      EXPECT_EQ(after.at(service), owner);
    }
  }
}

TEST(L2Placement, AServiceAddedOrRemovedMovesNoOther) {
  const auto all = nodes(6);
  auto in = services(100, all);
  const Placement before = place(in);
  // Added: every earlier Service keeps its primary.
  auto more = in;
  more.push_back({"192.168.20.200", all});
  const Placement added = place(more, before);
  for (const auto& [key, a] : before) EXPECT_EQ(added.at(key).primary, a.primary) << key;
  // ... and its successor, so its virtual router (and VRID) stays: no instance restarts.
  for (const auto& [key, a] : before) EXPECT_EQ(added.at(key), a) << key;
  // Five Services on six nodes, then a sixth (the seed's L2 Services, one at a time).
  const Placement five = place(services(5, all));
  const Placement six = place(services(6, all), five);
  for (const auto& [key, a] : five) EXPECT_EQ(six.at(key), a) << key;
  // Removed: likewise.
  auto fewer = in;
  fewer.erase(fewer.begin() + 10);
  const Placement removed = place(fewer, before);
  for (const auto& [key, a] : removed) EXPECT_EQ(a.primary, before.at(key).primary) << key;
  // Without the previous placement an addition may move others: the reason to keep it.
  EXPECT_LE(spread(owned(owners(plan_routers(more, added, VridRange{})), all)), 1u);
}

TEST(L2Placement, ANodeThatJoinsTakesOnlyWhatTheSpreadNeedsAndOneThatLeavesOnlyItsOwn) {
  const auto five = nodes(5);
  const auto six = nodes(6);
  const Placement before = place(services(100, five));
  const Placement joined = place(services(100, six), before);
  std::size_t moved = 0;
  for (const auto& [key, a] : joined) {
    if (a.primary == before.at(key).primary) continue;
    ++moved;
    EXPECT_EQ(a.primary, "k3s-node-6") << key << " moved between old nodes";
  }
  EXPECT_EQ(moved, 16u);  // 100 over 6: 16 or 17 each; the newcomer takes the least it can
  std::map<std::string, std::size_t> count;
  for (const auto& [key, a] : joined) ++count[a.primary];
  EXPECT_LE(spread(count), 1u);
  // A node leaves the members (relabelled, excluded): only its Services move.
  const auto left_members = without(six, "k3s-node-3");
  const Placement left = place(services(100, left_members), joined);
  for (const auto& [key, a] : left) {
    if (joined.at(key).primary != "k3s-node-3") {
      EXPECT_EQ(a.primary, joined.at(key).primary) << key;
    }
    EXPECT_NE(a.primary, "k3s-node-3");
    EXPECT_NE(a.successor, "k3s-node-3");
  }
}

TEST(L2Placement, InputOrderDoesNotMatter) {
  auto in = services(80, nodes(4));
  const Placement sorted = place(in);
  std::mt19937 shuffle(7);
  for (int i = 0; i < 5; ++i) {
    std::shuffle(in.begin(), in.end(), shuffle);
    for (auto& s : in) std::shuffle(s.members.begin(), s.members.end(), shuffle);
    EXPECT_EQ(place(in), sorted);
  }
}

TEST(L2Placement, MembersLimitWhereAServiceGoes) {
  const auto all = nodes(3);
  std::vector<PlacementInput> in{{"192.168.20.1", {"k3s-node-2"}},
                                 {"192.168.20.2", {"k3s-node-1", "k3s-node-3"}},
                                 {"192.168.20.3", {}}};
  const Placement p = place(in);
  ASSERT_EQ(p.size(), 2u);  // no members: not placed
  EXPECT_EQ(p.at("192.168.20.1"), (Assignment{"k3s-node-2", ""}));
  EXPECT_NE(p.at("192.168.20.2").primary, "k3s-node-2");
  EXPECT_NE(p.at("192.168.20.2").successor, "k3s-node-2");
  const RouterPlan plan = plan_routers(in, p, VridRange{});
  // A router whose Services some node may not own does not include that node.
  for (const auto& r : plan.routers) {
    for (const auto& [node, priority] : r.priorities) {
      for (const auto& key : r.services) {
        const auto& members = std::find_if(in.begin(), in.end(), [&](const auto& s) {
                                return s.key == key;
                              })->members;
        EXPECT_NE(std::find(members.begin(), members.end(), node), members.end())
            << node << " in the router of " << key;
      }
    }
  }
  EXPECT_FALSE(owners(plan, std::vector<std::string>{"k3s-node-2"}).at("192.168.20.1"));
}

TEST(L2Placement, VirtualRoutersHaveDistinctVridsInRangeAndOrderedPriorities) {
  const auto all = nodes(6);
  auto in = services(250, all);
  const Placement placement = place(in);
  const RouterPlan plan = plan_routers(in, placement, VridRange{});
  std::set<int> vrids;
  std::size_t placed = 0;
  for (const auto& r : plan.routers) {
    EXPECT_GE(r.vrid, 100);
    EXPECT_LE(r.vrid, 254);
    EXPECT_TRUE(vrids.insert(r.vrid).second) << "VRID " << int(r.vrid) << " twice";
    ASSERT_EQ(r.priorities.size(), all.size());
    EXPECT_EQ(r.priorities[0], (std::pair<std::string, std::uint8_t>{r.primary, 250}));
    EXPECT_EQ(r.priorities[1], (std::pair<std::string, std::uint8_t>{r.successor, 200}));
    for (std::size_t i = 1; i < r.priorities.size(); ++i) {
      EXPECT_LT(r.priorities[i].second, r.priorities[i - 1].second);
      EXPECT_GT(r.priorities[i].second, 0);
    }
    placed += r.services.size();
  }
  EXPECT_EQ(placed, 250u);
  EXPECT_LE(plan.routers.size(), 30u);  // 6 x 5 ordered pairs at most
  // A Service added: the routers already in use keep their VRIDs.
  in.push_back({"192.168.20.251", all});
  const RouterPlan more = plan_routers(in, place(in, placement), VridRange{});
  for (const auto& r : plan.routers) {
    auto same = std::find_if(more.routers.begin(), more.routers.end(), [&](const auto& m) {
      return m.primary == r.primary && m.successor == r.successor;
    });
    ASSERT_NE(same, more.routers.end());
    EXPECT_EQ(same->vrid, r.vrid);
  }
}

TEST(L2Placement, ARangeTooSmallLeavesServicesUnplacedAndSaysWhich) {
  const auto all = nodes(4);
  const auto in = services(40, all);
  const RouterPlan plan = plan_routers(in, place(in), VridRange{200, 203});
  EXPECT_EQ(plan.routers.size(), 4u);
  EXPECT_FALSE(plan.unplaced.empty());
  std::size_t placed = plan.unplaced.size();
  for (const auto& r : plan.routers) placed += r.services.size();
  EXPECT_EQ(placed, 40u);
  for (const auto& r : plan.routers) EXPECT_TRUE(r.vrid >= 200 && r.vrid <= 203);
}

TEST(L2Placement, StableHashIsFnv1a) {
  // The same everywhere (every node must compute the same plan): FNV-1a 64's published values.
  EXPECT_EQ(stable_hash(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(stable_hash("a"), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(stable_hash("foobar"), 0x85944171f73967e8ULL);
}

}  // namespace
}  // namespace vipd::lb::l2
