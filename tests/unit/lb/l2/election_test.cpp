// L2 mode's election on a simulated LAN (SimClock): the virtual routers of a placement
// (plan_routers), each node running every router it belongs to with its planned priority as a
// VRRPv3 router at 20 ms adverts (vrrp/fsm), as the daemons do. Who is master when all are up,
// after a node dies, and after a partition of the LAN heals.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "../../vrrp/fsm/sim_util.hpp"
#include "lb/l2/placement.hpp"

namespace vipd::lb::l2 {
namespace {

using namespace std::chrono_literals;
using vrrp::fsm::State;
using Lan = vrrp::fsm::testing::Lan;

constexpr auto kAdvert = 20ms;

// Every virtual router of a plan on its own simulated LAN (a VRID is a LAN of its own for VRRP).
struct Cluster {
  explicit Cluster(const RouterPlan& plan) {
    for (const auto& router : plan.routers) {
      auto& lan = *lans.emplace_back(std::make_unique<Lan>(clock));
      auto& nodes = members.emplace_back();
      for (std::size_t i = 0; i < router.priorities.size(); ++i) {
        const auto& [node, priority] = router.priorities[i];
        vrrp::fsm::Config c;
        c.name = "lb-eth0-" + std::to_string(router.vrid);
        c.version = vrrp::wire::Version::kV3;
        c.priority = priority;
        c.advert_interval = kAdvert;
        c.advert_on_yield = true;  // as lb/announce_l2.cpp sets it
        c.primary_address = IpAddress::v4(0x0a000000u + static_cast<std::uint32_t>(i + 1));
        nodes[node] = &lan.add(c);
      }
    }
  }
  void start() {
    for (auto& nodes : members)
      for (auto& [name, node] : nodes) node->router->start();
  }
  // A node dies: it sends nothing and hears nothing on any LAN.
  void kill(const std::string& name) {
    for (auto& nodes : members)
      if (auto it = nodes.find(name); it != nodes.end()) it->second->connected = false;
    dead.insert(name);
  }
  void split(const std::set<std::string>& half) {
    for (auto& nodes : members)
      for (auto& [name, node] : nodes) node->segment = half.contains(name) ? 1 : 0;
  }
  // The live masters of router `r` (a dead node, hearing nothing, makes itself master: it does
  // not count).
  std::set<std::string> masters(std::size_t r) const {
    std::set<std::string> out;
    for (const auto& [name, node] : members[r])
      if (!dead.contains(name) && node->router->state() == State::kMaster) out.insert(name);
    return out;
  }
  // Changes of state of the live nodes in router `r`.
  std::size_t transitions(std::size_t r) const {
    std::size_t n = 0;
    for (const auto& [name, node] : members[r])
      if (!dead.contains(name)) n += node->router->stats().transitions;
    return n;
  }

  event::SimClock clock;
  std::vector<std::unique_ptr<Lan>> lans;
  std::vector<std::map<std::string, Lan::Node*>> members;  // per router, by node
  std::set<std::string> dead;
};

std::vector<std::string> six_nodes() {
  std::vector<std::string> out;
  for (int i = 1; i <= 6; ++i) out.push_back("k3s-node-" + std::to_string(i));
  return out;
}

RouterPlan seed_plan(std::vector<PlacementInput>& in) {
  for (int i = 1; i <= 12; ++i) in.push_back({"192.168.20." + std::to_string(i), six_nodes()});
  return plan_routers(in, place(in), VridRange{});
}

TEST(L2Election, EveryRouterElectsItsPlannedOwner) {
  std::vector<PlacementInput> in;
  const RouterPlan plan = seed_plan(in);
  Cluster cluster(plan);
  cluster.start();
  cluster.clock.advance(1s);
  for (std::size_t r = 0; r < plan.routers.size(); ++r)
    EXPECT_EQ(cluster.masters(r), std::set<std::string>{plan.routers[r].primary})
        << "VRID " << int(plan.routers[r].vrid);
}

TEST(L2Election, ADeadNodesRoutersMoveToTheirSuccessorsWithinTheMasterDownIntervalAndNoOtherMoves) {
  std::vector<PlacementInput> in;
  const RouterPlan plan = seed_plan(in);
  Cluster cluster(plan);
  cluster.start();
  cluster.clock.advance(1s);
  const std::string victim = plan.routers[0].primary;
  cluster.kill(victim);
  std::vector<std::size_t> before;  // of the live nodes
  for (std::size_t r = 0; r < plan.routers.size(); ++r) before.push_back(cluster.transitions(r));
  // RFC 5798 §6.1: Master_Down_Interval = 3 x 20 ms + Skew_Time ((256 - 200) x 20 / 256 ms for
  // the successor, 4.4 ms): 64.4 ms.
  cluster.clock.advance(65ms);
  for (std::size_t r = 0; r < plan.routers.size(); ++r) {
    const auto& router = plan.routers[r];
    if (router.primary == victim) {
      EXPECT_EQ(cluster.masters(r), std::set<std::string>{router.successor})
          << "VRID " << int(router.vrid);
    } else {
      EXPECT_EQ(cluster.masters(r), std::set<std::string>{router.primary});
      EXPECT_EQ(cluster.transitions(r), before[r]) << "VRID " << int(router.vrid) << " moved";
    }
  }
  // The dead node's Services are spread over the others (its successors differ).
  std::set<std::string> takers;
  for (const auto& router : plan.routers)
    if (router.primary == victim) takers.insert(router.successor);
  EXPECT_GE(takers.size(), 2u);
}

TEST(L2Election, AfterAPartitionHealsEachRouterHasOneMasterWithinOneAdvertInterval) {
  std::vector<PlacementInput> in;
  const RouterPlan plan = seed_plan(in);
  Cluster cluster(plan);
  cluster.start();
  cluster.clock.advance(1s);
  cluster.split({"k3s-node-1", "k3s-node-2", "k3s-node-3"});
  cluster.clock.advance(200ms);
  // Split: each half elects its own master of every router (both answer, each on its half).
  for (std::size_t r = 0; r < plan.routers.size(); ++r)
    EXPECT_EQ(cluster.masters(r).size(), 2u) << "VRID " << int(plan.routers[r].vrid);
  const auto healed_at = cluster.clock.now();
  cluster.split({});
  // Healed: the lower-priority master yields at the first advert of the higher one, which
  // comes within one advert interval (RFC 5798 §6.4.3).
  cluster.clock.advance(kAdvert + 1ms);
  for (std::size_t r = 0; r < plan.routers.size(); ++r) {
    const auto& owner = *cluster.members[r].at(plan.routers[r].primary);
    EXPECT_EQ(cluster.masters(r), std::set<std::string>{plan.routers[r].primary})
        << "VRID " << int(plan.routers[r].vrid);
    // ... and, whichever of the two heard the other first, the owner re-announced its
    // addresses (advert_on_yield): the other half's clients move to it at once.
    bool announced = false;
    for (auto at : owner.sink->times_of("Announce("))
      announced = announced || at >= healed_at - cluster.lans[r]->start();
    EXPECT_TRUE(announced) << "VRID " << int(plan.routers[r].vrid);
  }
}

}  // namespace
}  // namespace vipd::lb::l2
