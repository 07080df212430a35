// vrrp_sync_group: the members' events (SyncHold, SyncForce, wants_master), the pure group
// decisions, and SyncGroup over VirtualRouters on a simulated clock, against what keepalived
// 2.2.7 logged for the same drills in network namespaces (docs/vrrp.md, "Sync groups").
#include "vrrp/fsm/sync_group.hpp"

#include <gtest/gtest.h>

#include "sim_util.hpp"

namespace vipd::vrrp::fsm {
namespace {

using namespace testing;

Config member_config(const char* name, std::uint8_t priority = 100) {
  Config c = seed_config(priority);
  c.name = name;
  c.sync_group = true;
  return c;
}

// ---- The member's side (fsm.cpp) ----

TEST(SyncMember, MasterDownOnlyAsksToBecomeMaster) {
  const Config c = member_config("VI_1");
  InstanceState s = run(c, {Startup{}});
  Transition t = step(s, MasterDownTimerExpired{}, c);
  EXPECT_EQ(t.state.state, State::kBackup);
  EXPECT_TRUE(t.state.wants_master);
  EXPECT_EQ(names(t.actions), (Strings{"LogDetail((VI_1) Receive advertisement timeout)",
                                       "StartTimer(MasterDown, 3609375us)"}));
  // An accepted advert means someone else is master: no longer wanting.
  EXPECT_FALSE(step(t.state, AdvertReceived{200, ip("192.168.5.9")}, c).state.wants_master);
  // A lower one is discarded: still wanting.
  EXPECT_TRUE(step(t.state, AdvertReceived{50, ip("192.168.5.9")}, c).state.wants_master);
  // The group says go.
  t = step(t.state, SyncForce{State::kMaster}, c);
  EXPECT_EQ(t.state.state, State::kMaster);
  EXPECT_FALSE(t.state.wants_master);
  EXPECT_EQ(names(t.actions), enter_master("VI_1", 100, "1000ms"));
  // Without a group, the timer still makes a master at once.
  Config alone = c;
  alone.sync_group = false;
  EXPECT_EQ(step(run(alone, {Startup{}}), MasterDownTimerExpired{}, alone).state.state,
            State::kMaster);
}

TEST(SyncMember, ForcedBackupFromMaster) {
  const Config c = member_config("VI_2");
  const InstanceState master = run(c, {Startup{}, SyncForce{State::kMaster}});
  ASSERT_EQ(master.state, State::kMaster);
  Transition t = step(master, SyncForce{State::kBackup}, c);
  EXPECT_EQ(t.state.state, State::kBackup);
  EXPECT_EQ(names(t.actions),
            concat(master_stops(), {"Log((VI_2) Entering BACKUP STATE)", "RemoveVips",
                                    "Notify(BACKUP, 100)", "StartTimer(MasterDown, 3609375us)"}));
  // Forcing what it already is, or a state the group never forces, changes nothing.
  EXPECT_TRUE(step(t.state, SyncForce{State::kBackup}, c).actions.empty());
  EXPECT_TRUE(step(t.state, SyncForce{State::kFault}, c).actions.empty());
}

TEST(SyncMember, HeldInFaultUntilReleasedAndItsOwnFaultsCleared) {
  const Config c = member_config("VI_2");
  const InstanceState master = run(c, {Startup{}, SyncForce{State::kMaster}});
  Transition t = step(master, SyncHold{true}, c);
  EXPECT_EQ(t.state.state, State::kFault);
  EXPECT_TRUE(t.state.sync_fault);
  EXPECT_EQ(names(t.actions),
            concat({"Log((VI_2) Entering FAULT STATE)"},
                   concat(master_stops(), {"SendAdvert(0)", "RemoveVips", "Notify(FAULT, 100)"})));
  // A fault of its own meanwhile: the release does not end FAULT, the clearing does.
  InstanceState s = step(t.state, FaultRaised{}, c).state;
  t = step(s, SyncHold{false}, c);
  EXPECT_EQ(t.state.state, State::kFault);
  EXPECT_TRUE(t.actions.empty());
  t = step(t.state, FaultCleared{}, c);
  EXPECT_EQ(t.state.state, State::kBackup);
  // The other order: own fault cleared while held stays in FAULT until released.
  s = run(c, {FaultRaised{}, SyncHold{true}, FaultCleared{}}, master);
  EXPECT_EQ(s.state, State::kFault);
  t = step(s, SyncHold{false}, c);
  EXPECT_EQ(t.state.state, State::kBackup);
  EXPECT_EQ(names(t.actions), (Strings{"Log((VI_2) Entering BACKUP STATE)", "Notify(BACKUP, 100)",
                                       "StartTimer(MasterDown, 3609375us)"}));
}

TEST(SyncMember, HeldBeforeStartupStartsInFault) {
  const Config c = member_config("VI_2");
  const InstanceState s = run(c, {SyncHold{true}});
  EXPECT_EQ(s.state, State::kInitialize);
  Transition t = step(s, Startup{}, c);
  EXPECT_EQ(t.state.state, State::kFault);
  EXPECT_EQ(names(t.actions),
            (Strings{"Log((VI_2) entering FAULT state)", "RemoveVips", "Notify(FAULT, 100)"}));
}

// ---- The decisions (sync_group.cpp) ----

SyncMember member(const char* name, State state, bool own_fault = false, bool held = false,
                  bool wants_master = false) {
  SyncMember m;
  m.name = name;
  m.state = state;
  m.own_fault = own_fault;
  m.held = held;
  m.wants_master = wants_master;
  return m;
}

Strings orders_of(const SyncDecision& d) {
  Strings out;
  for (const SyncOrder& o : d.orders) {
    std::string what(event_name(o.event));
    if (const auto* hold = std::get_if<SyncHold>(&o.event)) what += hold->fault ? "(on)" : "(off)";
    if (const auto* force = std::get_if<SyncForce>(&o.event))
      what += "(" + std::string(to_string(force->target)) + ")";
    out.push_back(std::to_string(o.member) + " " + what);
  }
  return out;
}

TEST(SyncDecisions, StartInFaultNamesTheMemberAndHoldsTheOthers) {
  const SyncDecision d = sync_group_start(
      "G1", {member("VI_1", State::kInitialize), member("VI_2", State::kInitialize, true)});
  EXPECT_EQ(d.state, State::kFault);
  EXPECT_EQ(d.logs, Strings{"VRRP_Group(G1): Syncing VI_2 to FAULT state"});
  EXPECT_EQ(orders_of(d), Strings{"0 SyncHold(on)"});
  EXPECT_TRUE(d.notify);
  const SyncDecision clean = sync_group_start(
      "G1", {member("VI_1", State::kInitialize), member("VI_2", State::kInitialize)});
  EXPECT_EQ(clean.state, State::kBackup);
  EXPECT_TRUE(clean.logs.empty());
  EXPECT_TRUE(clean.orders.empty());
  SyncMember owner = member("VI_1", State::kInitialize);
  owner.owner_master = true;
  EXPECT_EQ(sync_group_start("G1", {owner, owner}).state, State::kMaster);
  EXPECT_EQ(sync_group_start("G1", {owner, member("VI_2", State::kInitialize)}).state,
            State::kBackup);
}

TEST(SyncDecisions, FaultBackupMaster) {
  // VI_1 faulted as master: the group goes to FAULT, VI_2 is held.
  SyncDecision d = sync_group_step(
      "G1", State::kMaster, {member("VI_1", State::kFault, true), member("VI_2", State::kMaster)},
      0, State::kMaster, State::kFault);
  EXPECT_EQ(d.state, State::kFault);
  EXPECT_EQ(d.logs, Strings{"VRRP_Group(G1) Syncing instances to FAULT state"});
  EXPECT_EQ(orders_of(d), Strings{"1 SyncHold(on)"});
  EXPECT_TRUE(d.notify);
  // VI_1 cleared and is BACKUP: VI_2 is released.
  d = sync_group_step("G1", State::kFault,
                      {member("VI_1", State::kBackup), member("VI_2", State::kFault, false, true)},
                      0, State::kFault, State::kBackup);
  EXPECT_EQ(d.state, State::kBackup);
  EXPECT_EQ(d.logs, Strings{"VRRP_Group(G1) Syncing instances to BACKUP state"});
  EXPECT_EQ(orders_of(d), Strings{"1 SyncHold(off)"});
  // VI_2 entering BACKUP as ordered: the group is BACKUP already, nothing more.
  d = sync_group_step("G1", State::kBackup,
                      {member("VI_1", State::kBackup), member("VI_2", State::kBackup)}, 1,
                      State::kFault, State::kBackup);
  EXPECT_TRUE(d.logs.empty());
  EXPECT_TRUE(d.orders.empty());
  EXPECT_FALSE(d.notify);
  // A master stepping down takes the other masters along.
  d = sync_group_step("G1", State::kMaster,
                      {member("VI_1", State::kBackup), member("VI_2", State::kMaster),
                       member("VI_3", State::kMaster)},
                      0, State::kMaster, State::kBackup);
  EXPECT_EQ(orders_of(d), (Strings{"1 SyncForce(BACKUP)", "2 SyncForce(BACKUP)"}));
}

TEST(SyncDecisions, MasterOnlyWhenEveryMemberWantsIt) {
  // VI_1's timer ran out, VI_2 still hears a master: wait.
  SyncDecision d = sync_group_step(
      "G1", State::kBackup,
      {member("VI_1", State::kBackup, false, false, true), member("VI_2", State::kBackup)}, 0,
      State::kBackup, State::kBackup);
  EXPECT_TRUE(d.orders.empty());
  EXPECT_TRUE(d.logs.empty());
  // Then VI_2's ran out too: VI_2 goes first.
  d = sync_group_step("G1", State::kBackup,
                      {member("VI_1", State::kBackup, false, false, true),
                       member("VI_2", State::kBackup, false, false, true)},
                      1, State::kBackup, State::kBackup);
  EXPECT_EQ(orders_of(d), Strings{"1 SyncForce(MASTER)"});
  // VI_2 is master: the group follows.
  d = sync_group_step(
      "G1", State::kBackup,
      {member("VI_1", State::kBackup, false, false, true), member("VI_2", State::kMaster)}, 1,
      State::kBackup, State::kMaster);
  EXPECT_EQ(d.state, State::kMaster);
  EXPECT_EQ(d.logs, Strings{"VRRP_Group(G1) Syncing instances to MASTER state"});
  EXPECT_EQ(orders_of(d), Strings{"0 SyncForce(MASTER)"});
  // A member in FAULT never wants to be master.
  d = sync_group_step(
      "G1", State::kBackup,
      {member("VI_1", State::kBackup, false, false, true), member("VI_2", State::kFault, true)}, 0,
      State::kBackup, State::kBackup);
  EXPECT_EQ(orders_of(d), Strings{"0 SyncHold(on)"});
}

// ---- SyncGroup over VirtualRouters ----

class RecordingGroupSink : public SyncGroupSink {
 public:
  explicit RecordingGroupSink(Strings& journal) : journal_(journal) {}
  void log(std::string_view text) override { journal_.emplace_back(text); }
  void notify(State state) override { notifies.emplace_back(to_string(state)); }
  Strings notifies;

 private:
  Strings& journal_;
};

// Router A with VI_1 (LAN 1) and VI_2 (LAN 2) in sync group G1; a peer B on LAN 1 only.
struct TwoLans {
  event::SimClock clock;
  Lan lan1{clock};
  Lan lan2{clock};
  Strings journal;
  RecordingGroupSink group_sink{journal};
  Lan::Node& vi1 = lan1.add(member_config("VI_1"));
  Lan::Node& vi2 = lan2.add(member_config("VI_2"));
  SyncGroup group{"G1", {{"VI_1", vi1.router.get()}, {"VI_2", vi2.router.get()}}, group_sink};

  TwoLans() {
    vi1.sink->journal = &journal;
    vi2.sink->journal = &journal;
  }
  void start() {
    group.start();
    vi1.router->start();
    vi2.router->start();
    group.started();
  }
  Strings take() { return std::exchange(journal, {}); }
};

TEST(SyncGroupDrill, KeepalivedSingleRouterDrill) {
  // keepalived 2.2.7, both members alone on their links (docs/vrrp.md, "Sync groups"): start,
  // both time out, eth0 (VI_1) down and up again, both time out again.
  TwoLans t;
  t.start();
  EXPECT_EQ(t.take(), (Strings{"(VI_1) Entering BACKUP STATE (init)",
                               "(VI_2) Entering BACKUP STATE (init)"}));
  EXPECT_EQ(t.group_sink.notifies, Strings{"BACKUP"});
  t.clock.advance(3609375us);
  EXPECT_EQ(t.take(), (Strings{"(VI_2) Entering MASTER STATE",
                               "VRRP_Group(G1) Syncing instances to MASTER state",
                               "(VI_1) Entering MASTER STATE"}));
  EXPECT_EQ(t.vi1.sink->times_of("LogDetail((VI_1) Receive advertisement timeout)").size(), 1u);
  EXPECT_EQ(t.group.state(), State::kMaster);

  t.vi1.router->fault();
  EXPECT_EQ(t.take(), (Strings{"(VI_1) Entering FAULT STATE",
                               "VRRP_Group(G1) Syncing instances to FAULT state",
                               "(VI_2) Entering FAULT STATE"}));
  EXPECT_EQ(t.vi2.router->state(), State::kFault);
  EXPECT_EQ(t.group.state(), State::kFault);
  t.clock.advance(3s);
  EXPECT_TRUE(t.take().empty());
  t.vi1.router->fault_cleared();
  EXPECT_EQ(t.take(), (Strings{"(VI_1) Entering BACKUP STATE",
                               "VRRP_Group(G1) Syncing instances to BACKUP state",
                               "(VI_2) Entering BACKUP STATE"}));
  t.clock.advance(3609375us);
  EXPECT_EQ(t.take(), (Strings{"(VI_2) Entering MASTER STATE",
                               "VRRP_Group(G1) Syncing instances to MASTER state",
                               "(VI_1) Entering MASTER STATE"}));
  EXPECT_EQ(t.group_sink.notifies, (Strings{"BACKUP", "MASTER", "FAULT", "BACKUP", "MASTER"}));
  t.group.stop();
  EXPECT_EQ(t.group_sink.notifies.back(), "STOP");
}

TEST(SyncGroupDrill, HigherPriorityPeerOnOneLinkTakesTheGroupToBackup) {
  // keepalived 2.2.7: B (VI_1 only, priority 200) starts; A's VI_1 steps down and VI_2 follows,
  // and VI_2 stays backup (although nobody else speaks on its link) while VI_1 hears B. B
  // stops: both become master again.
  TwoLans t;
  t.start();
  t.clock.advance(3609375us);
  ASSERT_EQ(t.vi2.router->state(), State::kMaster);
  t.take();
  Config b = seed_config(200, "192.168.5.9");
  Lan::Node& peer = t.lan1.add(b);
  peer.router->start();
  t.clock.advance(4s);  // B's first advert after its Master_Down (3.2 s)
  EXPECT_EQ(t.take(), (Strings{"(VI_1) Master received advert from 192.168.5.9 with higher "
                               "priority 200, ours 100",
                               "(VI_1) Entering BACKUP STATE",
                               "VRRP_Group(G1) Syncing instances to BACKUP state",
                               "(VI_2) Entering BACKUP STATE"}));
  t.clock.advance(20s);
  EXPECT_EQ(t.vi1.router->state(), State::kBackup);
  EXPECT_EQ(t.vi2.router->state(), State::kBackup);
  EXPECT_TRUE(t.vi2.router->fsm_state().wants_master);
  EXPECT_FALSE(t.vi1.router->fsm_state().wants_master);
  EXPECT_TRUE(t.take().empty());
  peer.router->stop();  // priority 0: VI_1 takes over after Skew_Time, VI_2 with it
  t.clock.advance(1s);
  EXPECT_EQ(t.take(), (Strings{"(VI_1) Entering MASTER STATE",
                               "VRRP_Group(G1) Syncing instances to MASTER state",
                               "(VI_2) Entering MASTER STATE"}));
  EXPECT_EQ(t.group_sink.notifies, (Strings{"BACKUP", "MASTER", "BACKUP", "MASTER"}));
}

TEST(SyncGroupDrill, StartsInFaultWhenAMemberIsDown) {
  // keepalived 2.2.7 with eth1 (VI_2) down at start: "VRRP_Group(G1): Syncing VI_2 to FAULT
  // state", both "entering FAULT state"; eth1 up: VI_2 BACKUP, the group follows.
  TwoLans t;
  t.vi2.router->fault();
  t.start();
  EXPECT_EQ(t.take(), (Strings{"VRRP_Group(G1): Syncing VI_2 to FAULT state",
                               "(VI_1) entering FAULT state", "(VI_2) entering FAULT state"}));
  EXPECT_EQ(t.group_sink.notifies, Strings{"FAULT"});
  t.clock.advance(10s);
  EXPECT_TRUE(t.take().empty());
  t.vi2.router->fault_cleared();
  EXPECT_EQ(t.take(), (Strings{"(VI_2) Entering BACKUP STATE",
                               "VRRP_Group(G1) Syncing instances to BACKUP state",
                               "(VI_1) Entering BACKUP STATE"}));
  EXPECT_EQ(t.group_sink.notifies, (Strings{"FAULT", "BACKUP"}));
}

TEST(SyncGroupDrill, BothMembersFaultedLeaveFaultWhenTheLastClears) {
  TwoLans t;
  t.start();
  t.clock.advance(3609375us);
  t.vi1.router->fault();
  t.vi2.router->fault();  // VI_2 already held: no new line
  t.take();
  t.vi1.router->fault_cleared();
  EXPECT_EQ(t.vi1.router->state(), State::kFault);
  EXPECT_EQ(t.vi2.router->state(), State::kFault);
  EXPECT_TRUE(t.take().empty());
  t.vi2.router->fault_cleared();
  EXPECT_EQ(t.take(), (Strings{"(VI_2) Entering BACKUP STATE",
                               "VRRP_Group(G1) Syncing instances to BACKUP state",
                               "(VI_1) Entering BACKUP STATE"}));
}

}  // namespace
}  // namespace vipd::vrrp::fsm
