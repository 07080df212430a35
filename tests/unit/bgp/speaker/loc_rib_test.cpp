// The Speaker feeds the Loc-RIB from its neighbors: equal paths from several peers are all used
// with `maximum-paths` (ECMP), and a peer that goes away leaves the selection.
#include "harness.hpp"

namespace vipd::bgp::testing {
namespace {

std::string neighbor_lines(const std::string& a, std::uint16_t closed_port) {
  std::string out;
  for (const char* line : {"remote-as 65001", "timers 1 3", "timers connect 1"})
    out += " neighbor " + a + " " + line + "\n";
  return out + " neighbor " + a + " port " + std::to_string(closed_port) + "\n";
}

wire::Message announce_via(const std::string& next_hop, std::vector<Prefix> prefixes) {
  wire::Update u;
  u.attributes = path(65001);
  u.attributes.next_hop = ip(next_hop);
  u.nlri = std::move(prefixes);
  return u;
}

TEST_F(SpeakerTest, EqualPathsFromSeveralPeersAreAllSelectedWithMaximumPaths) {
  const std::string a = "127.0.0.2", b = "127.0.0.3";
  std::uint16_t closed = free_port();
  apply(router_bgp(neighbor_lines(a, closed) + neighbor_lines(b, closed) + " maximum-paths 8\n"));
  auto ca = establish(a, peer_open(65001, 0x0a000002));
  auto cb = establish(b, peer_open(65001, 0x0a000003));
  ASSERT_TRUE(ca && cb);
  ASSERT_TRUE(ca->send(announce_via("192.0.2.1", {pfx("10.47.40.0/32")})));
  ASSERT_TRUE(cb->send(announce_via("192.0.2.2", {pfx("10.47.40.0/32")})));
  auto paths = [&] { return show("show ip bgp json")["routes"]["10.47.40.0/32"]; };
  ASSERT_TRUE(wait_until([&] { return paths().size() == 2; }, 3s)) << paths().dump();
  int best = 0, multipath = 0;
  for (const auto& p : paths()) {
    best += p.value("bestpath", false);
    multipath += p.value("multipath", false);
  }
  EXPECT_EQ(best, 1);
  EXPECT_EQ(multipath, 2);
  std::string text = show_text("show ip bgp");
  EXPECT_NE(text.find("*> 10.47.40.0/32"), std::string::npos) << text;
  EXPECT_NE(text.find("*=                  192.0.2."), std::string::npos) << text;

  // RFC 4271 §8.2.2: the session going down removes exactly that peer's path.
  ca->close();
  ASSERT_TRUE(wait_until([&] { return paths().size() == 1; }, 5s)) << paths().dump();
  EXPECT_EQ(paths()[0]["peerId"], b);
  EXPECT_TRUE(paths()[0].value("bestpath", false));
}

TEST_F(SpeakerTest, WithoutMaximumPathsOnlyTheBestPathIsUsed) {
  const std::string a = "127.0.0.2", b = "127.0.0.3";
  std::uint16_t closed = free_port();
  apply(router_bgp(neighbor_lines(a, closed) + neighbor_lines(b, closed)));
  auto ca = establish(a, peer_open(65001, 0x0a000002));
  auto cb = establish(b, peer_open(65001, 0x0a000003));
  ASSERT_TRUE(ca && cb);
  ASSERT_TRUE(ca->send(announce_via("192.0.2.1", {pfx("10.47.40.1/32")})));
  ASSERT_TRUE(cb->send(announce_via("192.0.2.2", {pfx("10.47.40.1/32")})));
  auto paths = [&] { return show("show ip bgp json")["routes"]["10.47.40.1/32"]; };
  ASSERT_TRUE(wait_until([&] { return paths().size() == 2; }, 3s)) << paths().dump();
  int multipath = 0;
  for (const auto& p : paths()) multipath += p.value("multipath", false);
  EXPECT_LE(multipath, 1);  // quagga behaviour: one `*>`, the other `*`
  EXPECT_NE(show_text("show ip bgp").find("*  "), std::string::npos);
}

}  // namespace
}  // namespace vipd::bgp::testing
