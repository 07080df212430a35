// The module: reload keeps unchanged instances running, and the vipctl commands.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "control/cli.hpp"
#include "control/server.hpp"
#include "fakes.hpp"
#include "vrrp/show.hpp"

namespace vipd::vrrp::testing {
namespace {

using namespace std::chrono_literals;

TEST(Module, ReloadKeepsUnchangedInstancesAndRestartsChangedOnes) {
  LogCapture logs;
  Harness h;
  h.module.apply(parse(seed_instance(100) + seed_instance(100, "", "VI_2", 52)));
  h.clock.advance(4s);
  const Instance* vi1 = &h.instance("VI_1");
  const Instance* vi2 = &h.instance("VI_2");
  ASSERT_EQ(vi1->state(), fsm::State::kMaster);
  ASSERT_EQ(vi2->state(), fsm::State::kMaster);
  const auto adverts = h.network.adverts.size();

  // VI_2: a change that needs a restart (what is tracked), VI_3 new.
  h.module.apply(parse(seed_instance(100) + seed_instance(90, " dont_track_primary\n", "VI_2", 52) +
                       seed_instance(100, "", "VI_3", 53)));
  EXPECT_EQ(&h.instance("VI_1"), vi1);
  EXPECT_EQ(vi1->state(), fsm::State::kMaster);
  (void)vi2;  // (a new instance may reuse its address)
  EXPECT_EQ(h.instance("VI_2").state(), fsm::State::kBackup);
  EXPECT_EQ(h.instance("VI_2").router()->stats().became_master, 0u);
  EXPECT_EQ(vi1->router()->stats().became_master, 1u);
  EXPECT_EQ(h.instance("VI_2").config().priority, 90);
  EXPECT_EQ(h.instance("VI_3").state(), fsm::State::kBackup);
  // The restarted VI_2 said goodbye as a master does (priority 0); VI_1 sent nothing extra.
  ASSERT_EQ(h.network.adverts.size(), adverts + 1);
  EXPECT_EQ(h.network.adverts.back().decoded().vrid, 52);
  EXPECT_EQ(h.network.adverts.back().decoded().priority, 0);
  EXPECT_EQ(logs.count("(VI_2) configuration changed, restarting on reload"), 1u);

  h.module.apply(parse(seed_instance(100)));
  EXPECT_EQ(h.module.instances().size(), 1u);
  EXPECT_EQ(&h.instance("VI_1"), vi1);
  EXPECT_EQ(logs.count("(VI_3) removed on reload"), 1u);
}

// keepalived keeps the state over a reload that changes the priority or the timers: so does
// vipd (no priority 0, no failover), and the next advert carries the new values.
TEST(Module, ReloadRetunesPriorityAndTimersInPlace) {
  LogCapture logs;
  Harness h;
  h.module.apply(parse(seed_instance(100)));
  h.clock.advance(4s);
  const Instance* vi1 = &h.instance("VI_1");
  ASSERT_EQ(vi1->state(), fsm::State::kMaster);
  h.module.apply(parse(seed_instance(150, " nopreempt\n garp_master_delay 2\n")));
  EXPECT_EQ(&h.instance("VI_1"), vi1);
  EXPECT_EQ(vi1->state(), fsm::State::kMaster);
  EXPECT_EQ(vi1->router()->stats().became_master, 1u);
  EXPECT_EQ(logs.count("(VI_1) configuration changed, applied without a restart"), 1u);
  EXPECT_EQ(logs.count("(VI_1) Changing effective priority from 100 to 150"), 1u);
  EXPECT_EQ(vi1->config().priority, 150);
  h.clock.advance(1s);
  for (int p : h.network.advert_priorities()) EXPECT_NE(p, 0);
  EXPECT_EQ(h.network.adverts.back().decoded().priority, 150);
  // To or from 255 (address owner) is a restart.
  h.module.apply(parse(seed_instance(255)));
  EXPECT_EQ(logs.count("(VI_1) configuration changed, restarting on reload"), 1u);
}

TEST(Module, RetunableFields) {
  auto base = parse(seed_instance(100)).instances.at(0);
  auto changed = base;
  changed.advert_int = config::Milliseconds(2000);
  changed.preempt_delay = config::Milliseconds(5000);
  EXPECT_TRUE(Instance::retunable(base, changed));
  changed.virtual_router_id = 52;
  EXPECT_FALSE(Instance::retunable(base, changed));
  // VIPs are added and removed in place (vip_reload_test.cpp), with other retunable changes.
  changed = base;
  changed.virtual_ipaddress.pop_back();
  changed.virtual_ipaddress_excluded.push_back(base.virtual_ipaddress.at(0));
  changed.priority = 90;
  EXPECT_TRUE(Instance::retunable(base, changed));
  changed.interface = "eth1";
  EXPECT_FALSE(Instance::retunable(base, changed));
}

// A changed VIP list is taken in place: the master stays master (no priority 0, no restart
// line), the other instance is not touched.
TEST(Module, ReloadChangesVipsWithoutARestart) {
  LogCapture logs;
  Harness h;
  const std::string vi2 = seed_instance(100, "", "VI_2", 52);
  h.module.apply(parse(seed_instance(100) + vi2));
  h.clock.advance(4s);
  const Instance* vi1 = &h.instance("VI_1");
  ASSERT_EQ(vi1->state(), fsm::State::kMaster);
  h.network.ops.clear();
  const auto adverts = h.network.adverts.size();

  h.module.apply(
      parse(seed_instance(100, " virtual_ipaddress_excluded {\n  192.168.6.1/32\n }\n") + vi2));
  EXPECT_EQ(&h.instance("VI_1"), vi1);
  EXPECT_EQ(vi1->state(), fsm::State::kMaster);
  EXPECT_EQ(h.instance("VI_2").state(), fsm::State::kMaster);
  EXPECT_EQ(vi1->router()->stats().became_master, 1u);
  EXPECT_EQ(logs.count("(VI_1) configuration changed, applied without a restart"), 1u);
  EXPECT_EQ(logs.count("restarting on reload"), 0u);
  EXPECT_EQ(h.network.ops, std::vector<std::string>{"add 192.168.6.1/32 ifindex 2"});
  EXPECT_EQ(h.network.adverts.size(), adverts);
  EXPECT_EQ(vi1->config().virtual_ipaddress_excluded.size(), 1u);
}

class Commands : public ::testing::Test {
 protected:
  void SetUp() override {
    control::install_shell_commands(tree);
    h.module.install_commands(tree);
    h.module.apply(parse(seed_instance(100)));
  }
  control::CommandResult run(const std::string& line) { return tree.execute(session, line); }

  LogCapture logs;
  Harness h;
  control::CommandTree tree;
  control::Session session;
};

TEST_F(Commands, ShowVrrpText) {
  h.clock.advance(4s);
  PeerAdvert bad;
  bad.ttl = 1;
  h.deliver(bad.packet());
  auto r = run("show vrrp");
  ASSERT_TRUE(r.ok) << r.output;
  const std::string& out = r.output;
  for (const char* line :
       {"------< VRRP Topology >------\n", " VRRP Instance = VI_1\n", "   State = MASTER\n",
        "   Interface = eth0\n", "   Using src_ip = 192.168.5.2\n",
        "   Multicast address 224.0.0.18\n", "   Virtual Router ID = 51\n", "   Priority = 100\n",
        "   Effective priority = 100\n", "   Advert interval = 1 sec\n",
        "   Master advert interval = 1000 milli-sec\n",
        "   Authentication type = SIMPLE_PASSWORD\n",
        "   Virtual IP (1):\n     192.168.5.1/16 dev eth0", "     Sent: 1\n", "     TTL: 1\n",
        "     bad-ttl: 1\n", "   Became master: 1\n"})
    EXPECT_NE(out.find(line), std::string::npos) << line << "\n" << out;
  // The password stays out of the output.
  EXPECT_EQ(out.find("1111"), std::string::npos);
}

TEST_F(Commands, ShowVrrpJsonAndPriorityCommand) {
  PeerAdvert peer;
  h.deliver(peer.packet());
  auto r = run("show vrrp VI_1 json");
  ASSERT_TRUE(r.ok) << r.output;
  auto j = nlohmann::json::parse(r.output);
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["name"], "VI_1");
  EXPECT_EQ(j[0]["state"], "BACKUP");
  EXPECT_EQ(j[0]["master"]["address"], "192.168.5.9");
  EXPECT_EQ(j[0]["master"]["priority"], 200);
  EXPECT_EQ(j[0]["priority"]["configured"], 100);
  EXPECT_EQ(j[0]["advert_interval_ms"], 1000);
  EXPECT_EQ(j[0]["vips"][0], "192.168.5.1/16 dev eth0");
  EXPECT_EQ(j[0]["counters"]["adverts_received"], 1);
  EXPECT_EQ(j[0]["counters"]["drops"]["bad-ttl"], 0);

  ASSERT_TRUE(run("vrrp VI_1 priority 250").ok);
  j = nlohmann::json::parse(run("show vrrp json").output);
  EXPECT_EQ(j[0]["priority"]["override"], 250);
  EXPECT_EQ(j[0]["priority"]["effective"], 250);
  EXPECT_EQ(j[0]["priority"]["total"], 250);
  // Preempts the 200 master after Master_Down_Interval (as keepalived would).
  h.clock.advance(4s);
  EXPECT_EQ(h.instance().state(), fsm::State::kMaster);
  ASSERT_TRUE(run("no vrrp VI_1 priority").ok);
  j = nlohmann::json::parse(run("show vrrp json").output);
  EXPECT_TRUE(j[0]["priority"]["override"].is_null());
  EXPECT_EQ(j[0]["priority"]["effective"], 100);
}

// FRR vrrpd's keys beside keepalived's, as Prometheus's frr_exporter reads them: the instance's
// family with its state and counters, the other family as FRR shows one with no address.
TEST_F(Commands, ShowVrrpJsonHasFrrKeys) {
  h.clock.advance(4s);
  auto j = nlohmann::json::parse(run("show vrrp json").output);
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["vrid"], 51);
  EXPECT_EQ(j[0]["interface"], "eth0");
  EXPECT_EQ(j[0]["preemptMode"], true);
  EXPECT_EQ(j[0]["advertisementInterval"], 1000);
  const auto& v4 = j[0]["v4"];
  EXPECT_EQ(v4["status"], "Master");
  EXPECT_EQ(v4["interface"], "eth0");
  EXPECT_EQ(v4["vmac"], "00:00:5e:00:01:33");
  EXPECT_EQ(v4["primaryAddress"], "192.168.5.2");
  EXPECT_EQ(v4["effectivePriority"], 100);
  EXPECT_EQ(v4["addresses"], nlohmann::json::parse(R"(["192.168.5.1"])"));
  EXPECT_EQ(v4["stats"]["adverTx"], j[0]["counters"]["adverts_sent"]);
  EXPECT_EQ(v4["stats"]["transitions"], 2);  // Initialize -> Backup -> Master
  EXPECT_TRUE(v4["stats"].contains("garpTx"));
  const auto& v6 = j[0]["v6"];
  EXPECT_EQ(v6["status"], "Initialize");
  EXPECT_EQ(v6["interface"], "");
  EXPECT_EQ(v6["vmac"], "00:00:5e:00:02:33");
  EXPECT_EQ(v6["stats"]["neighborAdverTx"], 0);
  EXPECT_EQ(v6["addresses"], nlohmann::json::array());
}

TEST_F(Commands, Errors) {
  EXPECT_FALSE(run("show vrrp VI_9").ok);
  EXPECT_FALSE(run("vrrp VI_9 priority 10").ok);
  EXPECT_FALSE(run("vrrp VI_1 priority 255").ok);
  EXPECT_FALSE(run("vrrp VI_1 priority 0").ok);
}

}  // namespace
}  // namespace vipd::vrrp::testing
