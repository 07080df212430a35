// The BFD module on a SimClock with fake networks: sessions from bgpd.conf (FRR's bfd node and
// `neighbor A bfd`) and from BfdApi, the BGP integration (Cease/BFD Down at the moment BFD goes
// Down; the peer's AdminDown ignored), and `show bfd peers [counters] [json]`.
#include "bfd/module.hpp"
#include "metrics/families.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "bgp/config/parser.hpp"
#include "bgp/wire/constants.hpp"
#include "control/cli.hpp"
#include "fake_network.hpp"

namespace vipd::bfd {
namespace {

using namespace std::chrono_literals;
using testing::FakeNetwork;
using wire::State;

const IpAddress kRouter = *IpAddress::parse("192.168.12.1");
const IpAddress kNode = *IpAddress::parse("192.168.12.11");

// Records what BFD asks of BGP.
class RecordingBgp final : public bgp::BgpApi {
 public:
  explicit RecordingBgp(event::Clock& clock) : clock_(clock) {}
  Status<std::string> set_neighbors(const std::string&, bgp::ModuleNeighbors) override {
    return Ok();
  }
  void originate(const std::string&, bgp::OriginatedRoute) override {}
  void withdraw_originated(const std::string&, const Prefix&) override {}
  void withdraw_source(const std::string&) override {}
  bool neighbor_down(const IpAddress& address, std::uint8_t subcode,
                     const std::string& reason) override {
    downs.push_back({clock_.now(), address, subcode, reason});
    return true;
  }
  struct Down {
    event::TimePoint at;
    IpAddress address;
    std::uint8_t subcode;
    std::string reason;
  };
  std::vector<Down> downs;

 private:
  event::Clock& clock_;
};

std::string write_temp(const std::string& name, const std::string& text) {
  auto path = std::filesystem::temp_directory_path() /
              ("vipd-bfd-" + std::to_string(::getpid()) + "-" + name);
  std::ofstream(path) << text;
  return path.string();
}

TEST(BfdRequests, FromBgpdConf) {
  auto config = bgp::config::parse_config(
      "router bgp 64512\n"
      " neighbor 192.168.12.11 remote-as 64513\n"
      " neighbor 192.168.12.11 bfd\n"
      " neighbor 192.168.12.12 remote-as 64513\n"
      " neighbor 192.168.12.12 bfd profile fast\n"
      " neighbor 192.168.12.13 remote-as 64513\n"
      "bfd\n"
      " profile fast\n  transmit-interval 50\n  receive-interval 60\n  detect-multiplier 4\n"
      " peer 192.168.12.11\n  receive-interval 100\n"
      " peer 10.0.0.9 multihop local-address 10.0.0.1\n  profile fast\n  minimum-ttl 250\n",
      "bgpd.conf");
  ASSERT_TRUE(config) << config.error().message;
  const auto requests = requests_of(*config);
  ASSERT_EQ(requests.size(), 3u);
  // The peer block of .11 is its neighbor's session.
  EXPECT_EQ(requests[0].peer.peer, kNode);
  EXPECT_TRUE(requests[0].bgp_client);
  EXPECT_EQ(requests[0].timers.required_min_rx, 100ms);
  EXPECT_EQ(requests[0].timers.desired_min_tx, 300ms);
  // A multihop peer with no neighbor: a session that tells BGP nothing.
  EXPECT_TRUE(requests[1].peer.multihop);
  EXPECT_FALSE(requests[1].bgp_client);
  EXPECT_EQ(requests[1].minimum_ttl, 250);
  EXPECT_EQ(requests[1].timers.desired_min_tx, 50ms);
  // .12: the neighbor's profile.
  EXPECT_EQ(requests[2].peer.peer, *IpAddress::parse("192.168.12.12"));
  EXPECT_EQ(requests[2].timers, (fsm::Timers{50ms, 60ms, 4}));
  EXPECT_EQ(requests[2].profile, "fast");
  EXPECT_TRUE(requests[2].bgp_client);
}

class ModulePair : public ::testing::Test {
 protected:
  ModulePair() : bgp(clock) {}

  // The router reads bgpd.conf; the node's session comes from BfdApi (as the load balancer's).
  void start(const std::string& router_conf, SessionRequest node_request) {
    BfdModuleOptions router_options;
    router_options.config_file = write_temp("router.conf", router_conf);
    router_options.bgp = &bgp;
    router_options.make_network = [this] {
      auto network = std::make_unique<FakeNetwork>(clock, kRouter);
      router_net = network.get();
      return network;
    };
    BfdModuleOptions node_options;
    node_options.make_network = [this] {
      auto network = std::make_unique<FakeNetwork>(clock, kNode);
      node_net = network.get();
      return network;
    };
    router = std::make_unique<BfdModule>(io, clock, router_options);
    node = std::make_unique<BfdModule>(io, clock, node_options);
    ASSERT_TRUE(router->load().empty());
    ASSERT_TRUE(node->load().empty());
    ASSERT_TRUE(router->start());
    ASSERT_TRUE(node->start());
    router_net->connect(*node_net);
    node->set_sessions("lb", {std::move(node_request)});
    std::filesystem::remove(router_options.config_file);
  }

  Session* router_session() {
    return const_cast<SessionTable*>(router->sessions())->find(PeerKey{kNode, {}, {}, false});
  }
  Session* node_session() {
    return const_cast<SessionTable*>(node->sessions())->find(PeerKey{kRouter, {}, {}, false});
  }

  std::string run(BfdModule& module, const std::string& line) {
    control::CommandTree tree;
    module.install_commands(tree);
    control::Session session;
    auto result = tree.execute(session, line);
    EXPECT_TRUE(result.ok) << result.output;
    return result.output;
  }

  asio::io_context io;
  event::SimClock clock;
  RecordingBgp bgp;
  FakeNetwork* router_net = nullptr;
  FakeNetwork* node_net = nullptr;
  std::unique_ptr<BfdModule> router;
  std::unique_ptr<BfdModule> node;
};

const char* kRouterConf =
    "router bgp 64512\n"
    " neighbor 192.168.12.11 remote-as 64513\n"
    " neighbor 192.168.12.11 bfd profile fast\n"
    "bfd\n"
    " profile fast\n  transmit-interval 50\n  receive-interval 50\n";

SessionRequest node_request(fsm::Microseconds interval = 50ms) {
  SessionRequest request;
  request.peer.peer = kRouter;
  request.timers = {interval, interval, 3};
  request.bgp_client = true;
  return request;
}

TEST_F(ModulePair, LinkCutTakesTheBgpNeighborDownAtTheMomentBfdGoesDown) {
  start(kRouterConf, node_request());
  clock.advance(5s);
  Session* session = router_session();
  ASSERT_NE(session, nullptr);
  ASSERT_EQ(session->state().state, State::kUp);
  ASSERT_EQ(node_session()->state().state, State::kUp);
  EXPECT_EQ(fsm::detection_time(session->state()), 150ms);
  EXPECT_TRUE(bgp.downs.empty());

  router_net->cut();
  const event::TimePoint cut = clock.now();
  clock.advance(1s);
  ASSERT_EQ(session->state().state, State::kDown);
  ASSERT_EQ(bgp.downs.size(), 1u);
  EXPECT_EQ(bgp.downs[0].address, kNode);
  EXPECT_EQ(bgp.downs[0].subcode, bgp::wire::cease_subcode::kBfdDown);
  EXPECT_EQ(bgp.downs[0].reason, "BFD Down: control detection time expired");
  // Same loop iteration: the BGP neighbor went down at the instant BFD declared it Down.
  EXPECT_EQ(bgp.downs[0].at, *session->last_change());
  EXPECT_LE(bgp.downs[0].at - cut, 150ms);
}

TEST_F(ModulePair, PeersAdminDownKeepsBgp) {
  start(kRouterConf, node_request());
  clock.advance(5s);
  SessionRequest shut = node_request();
  shut.shutdown = true;
  node->set_sessions("lb", {shut});
  clock.advance(2s);
  EXPECT_EQ(router_session()->state().state, State::kDown);
  EXPECT_EQ(node_session()->state().state, State::kAdminDown);
  EXPECT_TRUE(bgp.downs.empty());
  // `no shutdown`: Up again.
  node->set_sessions("lb", {node_request()});
  clock.advance(5s);
  EXPECT_EQ(router_session()->state().state, State::kUp);
}

TEST_F(ModulePair, TimersChangeLiveAndSessionsGoAway) {
  start(kRouterConf, node_request(300ms));
  clock.advance(5s);
  ASSERT_EQ(router_session()->state().state, State::kUp);
  // The node asked for 300 ms: the router's detection time follows the node's transmit rate.
  EXPECT_EQ(fsm::detection_time(router_session()->state()), 900ms);
  node->set_sessions("lb", {node_request(50ms)});
  clock.advance(3s);
  EXPECT_EQ(fsm::detection_time(router_session()->state()), 150ms);
  EXPECT_EQ(router_session()->counters().session_down, 0u);
  node->set_sessions("lb", {});
  EXPECT_EQ(node_session(), nullptr);
  clock.advance(3s);
  EXPECT_EQ(router_session()->state().state, State::kDown);
  EXPECT_EQ(bgp.downs.size(), 1u);
}

TEST_F(ModulePair, ShowBfdPeersInFrrShape) {
  start(kRouterConf, node_request());
  clock.advance(5s);
  clock.advance(62s);
  const std::string text = run(*router, "show bfd peers");
  EXPECT_NE(text.find("BFD Peers:\n\tpeer 192.168.12.11 vrf default\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\t\tStatus: up\n\t\tUptime: 1 minute(s), "), std::string::npos) << text;
  EXPECT_NE(text.find("\t\t\tReceive interval: 50ms\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\t\tProfile: fast\n"), std::string::npos) << text;

  auto json = nlohmann::json::parse(run(*router, "show bfd peers json"));
  ASSERT_EQ(json.size(), 1u);
  const auto& peer = json[0];
  EXPECT_EQ(peer["peer"], "192.168.12.11");
  EXPECT_EQ(peer["vrf"], "default");
  EXPECT_EQ(peer["status"], "up");
  EXPECT_GE(peer["uptime"].get<int>(), 62);
  EXPECT_EQ(peer["diagnostic"], "ok");
  EXPECT_EQ(peer["remote-diagnostic"], "ok");
  EXPECT_EQ(peer["receive-interval"], 50);
  EXPECT_EQ(peer["transmit-interval"], 50);
  EXPECT_EQ(peer["detect-multiplier"], 3);
  EXPECT_EQ(peer["remote-receive-interval"], 50);
  EXPECT_EQ(peer["remote-detect-multiplier"], 3);
  EXPECT_EQ(peer["id"], router_session()->local_discriminator());
  EXPECT_EQ(peer["remote-id"], node_session()->local_discriminator());

  auto counters = nlohmann::json::parse(run(*router, "show bfd peers counters json"));
  EXPECT_GT(counters[0]["control-packet-input"].get<int>(), 1000);
  EXPECT_EQ(counters[0]["session-up"], 1);
  EXPECT_EQ(counters[0]["session-down"], 0);
  EXPECT_NE(run(*router, "show bfd peers counters").find("\t\tSession up events: 1\n"),
            std::string::npos);
}

// /metrics (src/bfd/metrics.cpp): MetalLB's FRR-mode families keyed by the peer's address, and
// vipd's own with the whole session key.
TEST_F(ModulePair, MetricsCarryMetalLbFamiliesOfTheSessions) {
  start(kRouterConf, node_request());
  clock.advance(5s);
  const metrics::Labels peer{{"peer", "192.168.12.11"}, {"vrf", "default"}};
  metrics::Families up;
  router->collect_metrics(up);
  EXPECT_EQ(up.value("metallb_bfd_session_up", peer), 1);
  EXPECT_EQ(up.value("metallb_bfd_session_up_events", peer), 1);
  EXPECT_EQ(up.value("metallb_bfd_session_down_events", peer), 0);
  const Counters& c = router_session()->counters();
  EXPECT_EQ(up.value("metallb_bfd_control_packet_input", peer),
            static_cast<double>(c.control_packets_in));
  EXPECT_EQ(up.value("metallb_bfd_control_packet_output", peer),
            static_cast<double>(c.control_packets_out));
  EXPECT_GT(c.control_packets_out, 0u);
  EXPECT_EQ(up.find("metallb_bfd_session_up")->type, prometheus::MetricType::Gauge);
  EXPECT_EQ(up.find("metallb_bfd_control_packet_input")->type, prometheus::MetricType::Counter);
  EXPECT_EQ(
      up.value(
          "vipd_bfd_session_state",
          {{"peer", "192.168.12.11"}, {"local", ""}, {"interface", ""}, {"multihop", "false"}}),
      3);

  router_net->cut();
  clock.advance(1s);
  metrics::Families down;
  router->collect_metrics(down);
  EXPECT_EQ(down.value("metallb_bfd_session_up", peer), 0);
  EXPECT_EQ(down.value("metallb_bfd_session_down_events", peer), 1);
  // The state changes reported to BGP (FRR's "zebra notifications").
  const auto notified = router->client_notifications(PeerKey{kNode, {}, {}, false});
  EXPECT_GT(notified, 0u);
  EXPECT_EQ(down.value("metallb_bfd_zebra_notifications", peer), static_cast<double>(notified));
}

}  // namespace
}  // namespace vipd::bfd
