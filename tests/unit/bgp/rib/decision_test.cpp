#include "bgp/rib/decision.hpp"

#include <gtest/gtest.h>

#include "rib_test_util.hpp"

namespace vipd::bgp::rib {
namespace {

using test::ebgp_route;
using test::ibgp_route;
using test::Route;
using test::sequence;
using test::v4;

// `a` wins over `b` at `step`, in both argument orders.
void expect_wins(const Route& a, const Route& b, Step step, const DecisionOptions& o = {}) {
  Verdict ab = compare(a.candidate(), b.candidate(), o);
  Verdict ba = compare(b.candidate(), a.candidate(), o);
  EXPECT_LT(ab.order, 0) << step_name(ab.step);
  EXPECT_EQ(ab.step, step) << step_name(ab.step);
  EXPECT_GT(ba.order, 0) << step_name(ba.step);
  EXPECT_EQ(ba.step, step) << step_name(ba.step);
}

// Each tie-break test gives the loser an advantage at a later step, so only the step under test
// can make the winner win.

TEST(Decision, LocalPrefHigherWins) {
  Route a = ibgp_route(65009, "10.0.0.9");
  Route b = ibgp_route(65009, "10.0.0.1");
  a.attrs.local_pref = 200;
  b.attrs.local_pref = 150;
  a.attrs.as_path = sequence({65009, 65010});  // longer AS_PATH, later step
  expect_wins(a, b, Step::kLocalPref);
}

TEST(Decision, LocalPrefMissingIsTheDefaultAndIgnoredFromEbgp) {
  Route a = ibgp_route(65009, "10.0.0.9");  // no LOCAL_PREF: 100
  Route b = ibgp_route(65009, "10.0.0.1");
  b.attrs.local_pref = 99;
  expect_wins(a, b, Step::kLocalPref);
  // RFC 4271 §5.1.5: LOCAL_PREF from an eBGP peer is ignored; the route gets the default.
  Route e = ebgp_route(65009, "10.0.0.9");
  e.attrs.local_pref = 500;
  b.attrs.local_pref = 101;
  expect_wins(b, e, Step::kLocalPref);
  DecisionOptions o;
  o.default_local_pref = 102;
  expect_wins(e, b, Step::kLocalPref, o);
}

TEST(Decision, ShorterAsPathWins) {
  Route a = ebgp_route(65009, "10.0.0.9");
  Route b = ebgp_route(65009, "10.0.0.1");
  b.attrs.as_path = sequence({65009, 65010});
  a.attrs.origin = wire::Origin::kIncomplete;  // worse ORIGIN, later step
  expect_wins(a, b, Step::kAsPathLength);
}

TEST(Decision, AsSetCountsOneAndConfederationSegmentsNothing) {
  Route a = ebgp_route(65009, "10.0.0.9");
  Route b = ebgp_route(65009, "10.0.0.1");
  // a: 65009 {1 2 3} (65001 65002) = length 2; b: 65009 65010 65011 = length 3.
  a.attrs.as_path->segments.push_back({wire::SegmentType::kAsSet, {1, 2, 3}});
  a.attrs.as_path->segments.push_back({wire::SegmentType::kConfedSequence, {65001, 65002}});
  b.attrs.as_path = sequence({65009, 65010, 65011});
  expect_wins(a, b, Step::kAsPathLength);
}

TEST(Decision, LowerOriginWins) {
  Route a = ebgp_route(65009, "10.0.0.9");
  Route b = ebgp_route(65009, "10.0.0.1");
  a.attrs.origin = wire::Origin::kEgp;
  b.attrs.origin = wire::Origin::kIncomplete;
  a.attrs.med = 50;  // worse MED (same neighbor AS), later step
  b.attrs.med = 10;
  expect_wins(a, b, Step::kOrigin);
}

TEST(Decision, LowerMedWinsWithinTheSameNeighborAs) {
  Route a = ibgp_route(65009, "10.0.0.9");  // iBGP: worse peer type, later step
  Route b = ebgp_route(65009, "10.0.0.1");
  a.attrs.med = 10;
  b.attrs.med = 20;
  expect_wins(a, b, Step::kMed);
}

TEST(Decision, MissingMedIsZero) {
  Route a = ebgp_route(65009, "10.0.0.9");
  Route b = ebgp_route(65009, "10.0.0.1");
  b.attrs.med = 1;
  expect_wins(a, b, Step::kMed);
}

TEST(Decision, MedIgnoredBetweenNeighborAsesUnlessAlwaysCompare) {
  Route a = ebgp_route(65009, "10.0.0.9");
  Route b = ebgp_route(65010, "10.0.0.1");
  a.attrs.med = 10;
  b.attrs.med = 20;
  // Different neighbor AS: MED is skipped; the lower router-id decides for b.
  expect_wins(b, a, Step::kRouterId);
  DecisionOptions o;
  o.always_compare_med = true;
  expect_wins(a, b, Step::kMed, o);
}

TEST(Decision, MedNeighborAsIsTheFirstAsOfThePath) {
  // Both learned over iBGP from different peers, but first AS 65009 in both: MED compares.
  Route a = ibgp_route(65009, "10.0.0.9");
  Route b = ibgp_route(65009, "10.0.0.1");
  a.attrs.med = 1;
  b.attrs.med = 2;
  expect_wins(a, b, Step::kMed);
  EXPECT_EQ(neighbor_as(a.attrs), 65009u);
  wire::PathAttributes empty;
  EXPECT_EQ(neighbor_as(empty), 0u);
  wire::PathAttributes set;
  set.as_path = wire::AsPath{{{wire::SegmentType::kAsSet, {1, 2}}}};
  EXPECT_EQ(neighbor_as(set), std::nullopt);
  wire::PathAttributes confed;
  confed.as_path = wire::AsPath{{{wire::SegmentType::kConfedSequence, {65001}},
                                 {wire::SegmentType::kAsSequence, {65009, 1}}}};
  EXPECT_EQ(neighbor_as(confed), 65009u);
}

TEST(Decision, EbgpWinsOverIbgp) {
  Route a = ebgp_route(65009, "10.0.0.9");
  Route b = ibgp_route(65009, "10.0.0.1");
  a.igp_cost = 100;  // worse IGP cost, later step
  expect_wins(a, b, Step::kPeerType);
}

TEST(Decision, LowerIgpCostWins) {
  Route a = ibgp_route(65009, "10.0.0.9");
  Route b = ibgp_route(65009, "10.0.0.1");  // lower router-id, later step
  a.igp_cost = 5;
  b.igp_cost = 10;
  expect_wins(a, b, Step::kIgpCost);
}

TEST(Decision, LowerRouterIdWins) {
  Route a = ebgp_route(65009, "10.0.0.9");
  Route b = ebgp_route(65009, "10.0.0.1");
  a.peer.router_id = 1;
  b.peer.router_id = 2;
  a.attrs.cluster_list = std::vector<std::uint32_t>{7, 8};  // longer, later step
  expect_wins(a, b, Step::kRouterId);
}

TEST(Decision, OriginatorIdStandsInForTheRouterId) {
  Route a = ibgp_route(65009, "10.0.0.9");
  Route b = ibgp_route(65009, "10.0.0.1");
  a.peer.router_id = 9;
  b.peer.router_id = 1;
  a.attrs.originator_id = 2;  // RFC 4456 §9
  b.attrs.originator_id = 3;
  expect_wins(a, b, Step::kRouterId);
}

TEST(Decision, ShorterClusterListWins) {
  Route a = ibgp_route(65009, "10.0.0.9");
  Route b = ibgp_route(65009, "10.0.0.1");  // lower address, later step
  a.attrs.originator_id = 5;
  b.attrs.originator_id = 5;
  a.attrs.cluster_list = std::vector<std::uint32_t>{1};
  b.attrs.cluster_list = std::vector<std::uint32_t>{1, 2};
  expect_wins(a, b, Step::kClusterListLength);
}

TEST(Decision, LowerNeighborAddressWins) {
  Route a = ibgp_route(65009, "10.0.0.1");
  Route b = ibgp_route(65009, "10.0.0.9");
  a.attrs.originator_id = 5;
  b.attrs.originator_id = 5;
  a.id = 7;  // higher peer id, vipd's last resort
  b.id = 1;
  expect_wins(a, b, Step::kNeighborAddress);
}

TEST(Decision, LoopDetection) {
  auto a = test::attributes({65009, 65000, 65010}, "10.0.0.1");
  EXPECT_TRUE(has_as_loop(a, 65000));
  EXPECT_FALSE(has_as_loop(a, 65001));
  EXPECT_FALSE(has_as_loop(a, 0));
  a.as_path->segments.push_back({wire::SegmentType::kAsSet, {65001}});
  EXPECT_TRUE(has_as_loop(a, 65001));
  auto b = test::attributes({23456}, "10.0.0.1");
  b.as4_path = sequence({65000, 400000});  // RFC 6793: the real path of a 2-octet peer
  EXPECT_TRUE(has_as_loop(b, 400000));
}

TEST(Decision, NextHopPerFamily) {
  auto a = test::attributes({65009}, "10.0.0.1");
  EXPECT_EQ(next_hop_of(a, wire::kIpv4Unicast), v4("10.0.0.1"));
  EXPECT_EQ(next_hop_of(a, wire::kIpv6Unicast), std::nullopt);
  a.mp_reach = wire::MpReach{wire::kIpv6Unicast, IpAddress::parse("2001:db8::1"), {}, {}, {}, {}};
  EXPECT_EQ(next_hop_of(a, wire::kIpv6Unicast), IpAddress::parse("2001:db8::1"));
  EXPECT_EQ(next_hop_of(a, wire::kIpv4Unicast), v4("10.0.0.1"));
}

std::vector<Candidate> candidates(const std::vector<Route>& routes) {
  std::vector<Candidate> out;
  for (const auto& r : routes) out.push_back(r.candidate());
  return out;
}

// The six k3s nodes of the seed: AS 65009, 192.168.1.51 .. .56.
std::vector<Route> six_nodes() {
  std::vector<Route> routes;
  for (int i = 6; i >= 1; --i) {  // newest first: .56 first
    std::string address = "192.168.1.5" + std::to_string(i);
    routes.push_back(ebgp_route(65009, address.c_str(), static_cast<PeerId>(i)));
  }
  return routes;
}

TEST(Multipath, SixEqualEbgpPathsWithMaximumPathsEight) {
  auto routes = six_nodes();
  DecisionOptions o;
  o.maximum_paths = 8;
  Selection s = select(candidates(routes), o);
  ASSERT_TRUE(s.best);
  EXPECT_EQ(routes[*s.best].peer.address, v4("192.168.1.51"));  // lowest router-id
  EXPECT_EQ(s.reason, Step::kRouterId);
  ASSERT_EQ(s.multipath.size(), 6u);
  EXPECT_EQ(s.multipath.front(), *s.best);
  // The others by next hop.
  for (std::size_t k = 1; k < 6; ++k)
    EXPECT_EQ(routes[s.multipath[k]].candidate().next_hop,
              v4(("192.168.1.5" + std::to_string(k + 1)).c_str()));
}

TEST(Multipath, MaximumPathsOneIsOnlyTheBest) {
  auto routes = six_nodes();
  Selection s = select(candidates(routes), DecisionOptions{});
  ASSERT_TRUE(s.best);
  EXPECT_EQ(s.multipath, std::vector<std::size_t>{*s.best});
}

TEST(Multipath, CappedAtMaximumPaths) {
  auto routes = six_nodes();
  DecisionOptions o;
  o.maximum_paths = 4;
  Selection s = select(candidates(routes), o);
  ASSERT_EQ(s.multipath.size(), 4u);
  EXPECT_EQ(routes[s.multipath[0]].peer.address, v4("192.168.1.51"));
  EXPECT_EQ(routes[s.multipath[3]].peer.address, v4("192.168.1.54"));
}

TEST(Multipath, DifferentNeighborAsNeedsMultipathRelax) {
  std::vector<Route> routes{ebgp_route(65009, "192.168.1.51", 1),
                            ebgp_route(65010, "192.168.1.52", 2),
                            ebgp_route(65009, "192.168.1.53", 3)};
  DecisionOptions o;
  o.maximum_paths = 8;
  Selection s = select(candidates(routes), o);
  EXPECT_EQ(s.multipath, (std::vector<std::size_t>{0, 2}));
  o.multipath_relax = true;
  s = select(candidates(routes), o);
  EXPECT_EQ(s.multipath, (std::vector<std::size_t>{0, 1, 2}));
  // Relax still needs equal AS_PATH lengths (an earlier step).
  routes[1].attrs.as_path = sequence({65010, 65011});
  s = select(candidates(routes), o);
  EXPECT_EQ(s.multipath, (std::vector<std::size_t>{0, 2}));
}

TEST(Multipath, EbgpAndIbgpNeverMix) {
  std::vector<Route> routes{ibgp_route(65009, "192.168.1.50", 1),
                            ebgp_route(65009, "192.168.1.51", 2),
                            ebgp_route(65009, "192.168.1.52", 3)};
  DecisionOptions o;
  o.maximum_paths = 8;
  o.maximum_paths_ibgp = 8;
  Selection s = select(candidates(routes), o);
  EXPECT_EQ(s.best, 1u);
  EXPECT_EQ(s.multipath, (std::vector<std::size_t>{1, 2}));
  // With only iBGP paths, `maximum-paths ibgp` applies; identical AS_PATHs are required.
  std::vector<Route> internal{ibgp_route(65009, "10.0.0.1", 1), ibgp_route(65009, "10.0.0.2", 2),
                              ibgp_route(65010, "10.0.0.3", 3)};
  s = select(candidates(internal), o);
  EXPECT_EQ(s.multipath, (std::vector<std::size_t>{0, 1}));
  o.maximum_paths_ibgp = 1;
  s = select(candidates(internal), o);
  EXPECT_EQ(s.multipath, (std::vector<std::size_t>{0}));
}

TEST(Multipath, UnequalIgpCostIsNotMultipath) {
  auto routes = six_nodes();
  routes[0].igp_cost = 1;  // .56
  DecisionOptions o;
  o.maximum_paths = 8;
  Selection s = select(candidates(routes), o);
  EXPECT_EQ(s.multipath.size(), 5u);
  for (std::size_t i : s.multipath) EXPECT_NE(i, 0u);
}

TEST(Multipath, RepeatedNextHopIsSkipped) {
  std::vector<Route> routes{ebgp_route(65009, "192.168.1.51", 1),
                            ebgp_route(65009, "192.168.1.52", 2),
                            ebgp_route(65009, "192.168.1.53", 3)};
  routes[2].attrs.next_hop = v4("192.168.1.52");
  DecisionOptions o;
  o.maximum_paths = 8;
  Selection s = select(candidates(routes), o);
  EXPECT_EQ(s.multipath, (std::vector<std::size_t>{0, 1}));
}

// A: AS 1 MED 200 router-id 1; B: AS 2 MED 100 router-id 2; C: AS 1 MED 100 router-id 3.
std::vector<Route> med_triangle() {
  std::vector<Route> r{ebgp_route(1, "10.0.0.1", 1), ebgp_route(2, "10.0.0.2", 2),
                       ebgp_route(1, "10.0.0.3", 3)};
  r[0].attrs.med = 200;
  r[1].attrs.med = 100;
  r[2].attrs.med = 100;
  return r;
}

TEST(Decision, WithoutDeterministicMedTheOrderMatters) {
  auto r = med_triangle();
  // A, B, C: A beats B (router-id), C beats A (MED): C.
  Selection s = select(candidates(r), DecisionOptions{});
  EXPECT_EQ(s.best, 2u);
  EXPECT_EQ(s.reason, Step::kMed);
  // C, B, A: B beats C (router-id), A beats B (router-id): A.
  std::vector<Route> reversed{r[2], r[1], r[0]};
  s = select(candidates(reversed), DecisionOptions{});
  EXPECT_EQ(reversed[*s.best].id, 1u);
}

TEST(Decision, DeterministicMedGroupsByNeighborAs) {
  auto r = med_triangle();
  DecisionOptions o;
  o.deterministic_med = true;
  // AS 1: C wins on MED; then C against B: B on router-id. In either order.
  Selection s = select(candidates(r), o);
  EXPECT_EQ(r[*s.best].id, 2u);
  std::vector<Route> reversed{r[2], r[1], r[0]};
  s = select(candidates(reversed), o);
  EXPECT_EQ(reversed[*s.best].id, 2u);
  EXPECT_EQ(s.reason, Step::kRouterId);
}

TEST(Decision, NoCandidatesNoBest) {
  Selection s = select({}, DecisionOptions{});
  EXPECT_FALSE(s.best);
  EXPECT_TRUE(s.multipath.empty());
}

}  // namespace
}  // namespace vipd::bgp::rib
