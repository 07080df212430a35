// The Speaker feeds the Loc-RIB from its neighbors: equal paths from several peers are all used
// with `maximum-paths` (ECMP), and a peer that goes away leaves the selection.
#include "common/json.hpp"
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

// Issue 15: `show ip bgp json` is produced piece by piece, and the pieces make exactly the text
// the whole document gave (json_text(): nlohmann's pretty print, keys sorted as strings), on a
// table of a few thousand routes with one and two paths, IPv4 prefixes whose text order differs
// from their address order (10.10.x before 10.2.x).
TEST_F(SpeakerTest, ShowIpBgpJsonIsStreamedAsTheWholeDocument) {
  const std::string a = "127.0.0.2";
  std::string networks;
  for (int i = 0; i < 3000; ++i)
    networks += fmt::format(" network 10.{}.{}.0/24\n", i / 256, i % 256);
  apply(router_bgp(neighbor_lines(a, free_port()) + " no bgp network import-check\n" + networks));
  auto ca = establish(a, peer_open(65001, 0x0a000002));
  ASSERT_TRUE(ca);
  std::vector<Prefix> learned;
  for (int i = 0; i < 500; ++i)
    learned.push_back(pfx(fmt::format("10.{}.{}.0/24", i / 256, i % 256)));
  for (int i = 0; i < 500; ++i)
    learned.push_back(pfx(fmt::format("172.16.{}.{}/32", i / 256, i % 256)));
  for (std::size_t i = 0; i < learned.size(); i += 250)
    ASSERT_TRUE(
        ca->send(announce_via("192.0.2.1", {learned.begin() + i, learned.begin() + i + 250})));
  ASSERT_TRUE(wait_until([&] { return show("show ip bgp json")["routes"].size() == 3500; }, 5s));

  control::Session session;
  auto result = tree_.execute_streamed(session, "show ip bgp json");
  ASSERT_TRUE(result.ok);
  ASSERT_TRUE(result.stream);
  std::string text = result.output;
  std::size_t pieces = 1, largest = 0;
  for (;;) {
    std::string piece;
    bool more = result.stream(piece);
    largest = std::max(largest, piece.size());
    text += piece;
    if (!more) break;
    ++pieces;
  }
  EXPECT_GT(pieces, 50u);
  EXPECT_LT(largest, 64u * 1024);  // a piece is a bounded number of routes, not the table
  const auto document = nlohmann::json::parse(text);
  EXPECT_EQ(text, json_text(document));
  EXPECT_EQ(document["routes"].size(), 3500u);
  EXPECT_EQ(document["routes"]["10.0.1.0/24"].size(), 2u);
  EXPECT_EQ(document["localAS"], 65000);
  // The drained form (execute(), what in-process callers get) is the same text.
  EXPECT_EQ(show_text("show ip bgp json"), text);
}

// A route withdrawn while the answer is being sent is left out; the answer stays one valid
// document.
TEST_F(SpeakerTest, ShowIpBgpJsonSkipsRoutesWithdrawnWhileStreaming) {
  const std::string a = "127.0.0.2";
  apply(router_bgp(neighbor_lines(a, free_port())));
  auto ca = establish(a, peer_open(65001, 0x0a000002));
  ASSERT_TRUE(ca);
  std::vector<Prefix> learned;
  for (int i = 0; i < 1000; ++i)
    learned.push_back(pfx(fmt::format("10.1.{}.{}/32", i / 256, i % 256)));
  for (std::size_t i = 0; i < learned.size(); i += 250)
    ASSERT_TRUE(
        ca->send(announce_via("192.0.2.1", {learned.begin() + i, learned.begin() + i + 250})));
  ASSERT_TRUE(wait_until([&] { return show("show ip bgp json")["routes"].size() == 1000; }, 5s));
  control::Session session;
  auto result = tree_.execute_streamed(session, "show ip bgp json");
  ASSERT_TRUE(result.stream);
  std::string text = result.output;
  ASSERT_TRUE(result.stream(text));
  ASSERT_TRUE(ca->send(withdraw_v4({pfx("10.1.3.200/32")})));  // last in text order
  ASSERT_TRUE(wait_until(
      [&] { return !show("show ip bgp json")["routes"].contains("10.1.3.200/32"); }, 5s));
  while (result.stream(text)) {
  }
  const auto document = nlohmann::json::parse(text);
  EXPECT_EQ(text, json_text(document));
  EXPECT_EQ(document["routes"].size(), 999u);
}

}  // namespace
}  // namespace vipd::bgp::testing
