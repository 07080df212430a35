// vrrp_sync_group in the module: members on their interfaces change state together, with
// keepalived 2.2.7's log lines and the group's notify scripts (GROUP NAME STATE 0), through
// link events, startup, reload and stop.
#include <gtest/gtest.h>

#include <algorithm>

#include "fakes.hpp"

namespace vipd::vrrp::testing {
namespace {

using namespace std::chrono_literals;

std::string group_config(const std::string& group_extra = "",
                         const std::string& instance_extra = "") {
  return "vrrp_sync_group G1 {\n group {\n  VI_1\n  VI_2\n }\n"
         " notify_master \"/etc/vipd/group.sh master\"\n"
         " notify_backup \"/etc/vipd/group.sh backup\"\n"
         " notify_fault \"/etc/vipd/group.sh fault\"\n"
         " notify /etc/vipd/group-any.sh\n" +
         group_extra + "}\n" + seed_instance(100, instance_extra, "VI_1", 51) +
         "vrrp_instance VI_2 {\n interface eth1\n virtual_router_id 52\n priority 100\n"
         " virtual_ipaddress {\n  10.9.1.100/24\n }\n" +
         instance_extra + "}\n";
}

// The lines in `lines` that contain one of `needles`, in order.
std::vector<std::string> lines_with(const LogCapture& logs,
                                    std::initializer_list<std::string_view> needles) {
  std::vector<std::string> out;
  for (const auto& line : logs.lines)
    for (auto needle : needles)
      if (line.find(needle) != std::string::npos) {
        out.push_back(line);
        break;
      }
  return out;
}

std::vector<std::string> state_lines(const LogCapture& logs) {
  return lines_with(logs, {"STATE", "state", "VRRP_Group"});
}

struct SyncHarness : Harness {
  SyncHarness() {
    InterfaceInfo eth1 = network.interfaces["eth0"];
    eth1.ifindex = 3;
    eth1.name = "eth1";
    eth1.ipv4 = ip("10.9.1.2");
    network.interfaces["eth1"] = eth1;
  }
  std::vector<std::string> group_notifies() const {
    std::vector<std::string> out;
    for (const auto& c : processes.commands())
      if (c.starts_with("/etc/vipd/group")) out.push_back(c);
    return out;
  }
};

TEST(SyncGroup, MembersBecomeMasterFaultAndBackupTogether) {
  LogCapture logs;
  SyncHarness h;
  h.module.apply(parse(group_config()));
  EXPECT_EQ(h.instance("VI_1").state(), fsm::State::kBackup);
  EXPECT_EQ(h.instance("VI_2").state(), fsm::State::kBackup);
  EXPECT_EQ(h.group_notifies(), (std::vector<std::string>{
                                    "/etc/vipd/group.sh backup",
                                    "/etc/vipd/group-any.sh GROUP G1 BACKUP 0",
                                }));
  h.clock.advance(4s);
  EXPECT_EQ(h.instance("VI_1").state(), fsm::State::kMaster);
  EXPECT_EQ(h.instance("VI_2").state(), fsm::State::kMaster);
  EXPECT_EQ(state_lines(logs), (std::vector<std::string>{
                                   "(VI_1) Entering BACKUP STATE (init)",
                                   "(VI_2) Entering BACKUP STATE (init)",
                                   "(VI_2) Entering MASTER STATE",
                                   "VRRP_Group(G1) Syncing instances to MASTER state",
                                   "(VI_1) Entering MASTER STATE",
                               }));
  EXPECT_EQ(h.network.installed.size(), 2u);
  logs.lines.clear();
  h.processes.runs.clear();

  h.module.link_changed("eth0", false);
  EXPECT_EQ(h.instance("VI_2").state(), fsm::State::kFault);
  EXPECT_TRUE(h.network.installed.empty());
  EXPECT_EQ(state_lines(logs), (std::vector<std::string>{
                                   "(VI_1) Entering FAULT STATE",
                                   "VRRP_Group(G1) Syncing instances to FAULT state",
                                   "(VI_2) Entering FAULT STATE",
                               }));
  EXPECT_EQ(h.group_notifies(), (std::vector<std::string>{
                                    "/etc/vipd/group.sh fault",
                                    "/etc/vipd/group-any.sh GROUP G1 FAULT 0",
                                }));
  logs.lines.clear();
  h.module.link_changed("eth0", true);
  EXPECT_EQ(state_lines(logs), (std::vector<std::string>{
                                   "(VI_1) Entering BACKUP STATE",
                                   "VRRP_Group(G1) Syncing instances to BACKUP state",
                                   "(VI_2) Entering BACKUP STATE",
                               }));
  h.clock.advance(4s);
  EXPECT_EQ(h.instance("VI_1").state(), fsm::State::kMaster);
  EXPECT_EQ(h.instance("VI_2").state(), fsm::State::kMaster);

  // A higher priority master on eth0 takes VI_2 to BACKUP too, and keeps it there.
  logs.lines.clear();
  PeerAdvert peer;
  peer.priority = 200;
  h.deliver(peer.packet());
  EXPECT_EQ(state_lines(logs), (std::vector<std::string>{
                                   "(VI_1) Entering BACKUP STATE",
                                   "VRRP_Group(G1) Syncing instances to BACKUP state",
                                   "(VI_2) Entering BACKUP STATE",
                               }));
  for (int i = 0; i < 10; ++i) {
    h.clock.advance(1s);
    h.deliver(peer.packet());
  }
  EXPECT_EQ(h.instance("VI_2").state(), fsm::State::kBackup);
  EXPECT_EQ(h.module.sync_group("G1")->state(), fsm::State::kBackup);

  h.processes.runs.clear();
  h.module.stop();
  EXPECT_EQ(h.group_notifies(), std::vector<std::string>{"/etc/vipd/group-any.sh GROUP G1 STOP 0"});
}

TEST(SyncGroup, StartsInFaultWhenAMemberInterfaceIsDown) {
  LogCapture logs;
  SyncHarness h;
  h.network.interfaces["eth1"].up = false;
  h.module.apply(parse(group_config() + seed_instance(100, "", "VI_3", 53)));
  // keepalived 2.2.7's order: every cause first, then the group, then each state line.
  EXPECT_EQ(state_lines(logs), (std::vector<std::string>{
                                   "(VI_2): entering FAULT state (interface eth1 down)",
                                   "VRRP_Group(G1): Syncing VI_2 to FAULT state",
                                   "(VI_1) entering FAULT state",
                                   "(VI_2) entering FAULT state",
                                   "(VI_3) Entering BACKUP STATE (init)",
                               }));
  EXPECT_EQ(h.group_notifies(), (std::vector<std::string>{
                                    "/etc/vipd/group.sh fault",
                                    "/etc/vipd/group-any.sh GROUP G1 FAULT 0",
                                }));
  h.clock.advance(10s);
  EXPECT_EQ(h.instance("VI_1").state(), fsm::State::kFault);
  EXPECT_EQ(h.instance("VI_3").state(), fsm::State::kMaster);
  logs.lines.clear();
  h.module.link_changed("eth1", true);
  EXPECT_EQ(state_lines(logs), (std::vector<std::string>{
                                   "(VI_2) Entering BACKUP STATE",
                                   "VRRP_Group(G1) Syncing instances to BACKUP state",
                                   "(VI_1) Entering BACKUP STATE",
                               }));
}

TEST(SyncGroup, MemberWaitingForItsInterface) {
  SyncHarness h;
  const InterfaceInfo eth1 = h.network.interfaces["eth1"];
  h.network.interfaces.erase("eth1");
  h.module.apply(parse(group_config()));
  EXPECT_EQ(h.instance("VI_1").state(), fsm::State::kFault);
  EXPECT_EQ(h.instance("VI_2").state(), fsm::State::kFault);
  h.network.interfaces["eth1"] = eth1;
  h.module.link_added("eth1", true);
  EXPECT_EQ(h.instance("VI_1").state(), fsm::State::kBackup);
  EXPECT_EQ(h.instance("VI_2").state(), fsm::State::kBackup);
  h.clock.advance(4s);
  EXPECT_EQ(h.instance("VI_1").state(), fsm::State::kMaster);
  EXPECT_EQ(h.instance("VI_2").state(), fsm::State::kMaster);
}

TEST(SyncGroup, GroupTrackingAppliesToEveryMember) {
  SyncHarness h;
  InterfaceInfo eth2 = h.network.interfaces["eth0"];
  eth2.ifindex = 4;
  eth2.name = "eth2";
  h.network.interfaces["eth2"] = eth2;
  h.module.apply(parse(group_config(" track_interface {\n  eth2 weight -20\n }\n")));
  h.clock.advance(4s);
  ASSERT_EQ(h.instance("VI_2").state(), fsm::State::kMaster);
  // Without sync_group_tracking_weight the weight is dropped: eth2 down faults the group.
  h.module.link_changed("eth2", false);
  EXPECT_EQ(h.instance("VI_1").state(), fsm::State::kFault);
  EXPECT_EQ(h.instance("VI_2").state(), fsm::State::kFault);
  h.module.link_changed("eth2", true);
  EXPECT_EQ(h.instance("VI_1").state(), fsm::State::kBackup);
  EXPECT_EQ(h.instance("VI_2").state(), fsm::State::kBackup);
}

TEST(SyncGroup, ReloadKeepsAnUnchangedGroupAndRestartsAChangedOne) {
  LogCapture logs;
  SyncHarness h;
  const std::string text = group_config();
  h.module.apply(parse(text));
  h.clock.advance(4s);
  const Instance* vi1 = &h.instance("VI_1");
  h.processes.runs.clear();
  h.module.apply(parse(text));
  EXPECT_EQ(&h.instance("VI_1"), vi1);
  EXPECT_EQ(h.instance("VI_2").state(), fsm::State::kMaster);
  EXPECT_EQ(h.module.sync_group("G1")->state(), fsm::State::kMaster);
  EXPECT_TRUE(h.group_notifies().empty());
  // The group still works after the reload.
  h.module.link_changed("eth1", false);
  EXPECT_EQ(h.instance("VI_1").state(), fsm::State::kFault);
  h.module.link_changed("eth1", true);
  // A changed group restarts its members (as a changed instance restarts).
  h.module.apply(parse(group_config(" notify_stop /etc/vipd/group-stop.sh\n")));
  EXPECT_EQ(logs.count("(VI_1) configuration changed, restarting on reload"), 1u);
  EXPECT_EQ(logs.count("(VI_2) configuration changed, restarting on reload"), 1u);
  EXPECT_EQ(h.instance("VI_1").state(), fsm::State::kBackup);
  // Leaving the group restarts the instance without it.
  h.module.apply(parse(seed_instance(100) +
                       "vrrp_instance VI_2 {\n interface eth1\n virtual_router_id 52\n"
                       " priority 100\n virtual_ipaddress {\n  10.9.1.100/24\n }\n}\n"));
  EXPECT_EQ(h.module.sync_group("G1"), nullptr);
  EXPECT_FALSE(h.instance("VI_1").router()->config().sync_group);
  h.clock.advance(4s);
  h.module.link_changed("eth1", false);
  EXPECT_EQ(h.instance("VI_1").state(), fsm::State::kMaster);
}

}  // namespace
}  // namespace vipd::vrrp::testing
