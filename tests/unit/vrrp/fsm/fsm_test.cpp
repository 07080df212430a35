// The pure step() function: every transition of RFC 5798 §6.4 (and keepalived's FAULT/STOP),
// with the exact actions and keepalived 2.2.7 log wording.
#include "vrrp/fsm/fsm.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "test_util.hpp"

namespace vipd::vrrp::fsm {
namespace {

using namespace testing;

Strings actions_of(const InstanceState& state, const Event& event, const Config& config) {
  return names(step(state, event, config).actions);
}

TEST(Startup, BackupWithMasterDownInterval) {
  const Config c = seed_config(10);
  Transition t = step({}, Startup{}, c);
  EXPECT_EQ(t.state.state, State::kBackup);
  EXPECT_EQ(t.state.priority, 10);
  EXPECT_EQ(t.state.master_advert_interval, 1s);
  // RFC 3768 §6.1: 3 * 1 s + (256 - 10) / 256 s.
  EXPECT_EQ(names(t.actions),
            (Strings{"RemoveVips", "Log((VI_1) Entering BACKUP STATE (init))", "Notify(BACKUP, 10)",
                     "StartTimer(MasterDown, 3960937500ns)"}));
  EXPECT_EQ(std::get<StartTimer>(t.actions.back()).duration, 3s + 960937500ns);
}

TEST(Startup, AddressOwnerGoesStraightToMaster) {
  Config c = seed_config(255);
  c.initial_master = true;
  Transition t = step({}, Startup{}, c);
  EXPECT_EQ(t.state.state, State::kMaster);
  EXPECT_TRUE(t.state.vips_set);
  EXPECT_EQ(names(t.actions), enter_master("VI_1", 255, "1000ms"));
}

TEST(Startup, OwnerConfiguredAsBackupWaitsLikeABackup) {
  // keepalived: `state BACKUP` + priority 255 starts in BACKUP (its skew is 1/256 s).
  Transition t = step({}, Startup{}, seed_config(255));
  EXPECT_EQ(t.state.state, State::kBackup);
  EXPECT_EQ(names(t.actions).back(), "StartTimer(MasterDown, 3003906250ns)");
}

TEST(Startup, StateMasterBelowOwnerIsAnOrdinaryBackup) {
  // keepalived 2.2.7 `state MASTER` priority 100, alone on a veth: "Entering BACKUP STATE
  // (init)", first advert 3.6 s later (docs/vrrp.md). The initial state only matters for 255.
  Config c = seed_config(100);
  c.initial_master = true;
  Transition t = step({}, Startup{}, c);
  EXPECT_EQ(t.state.state, State::kBackup);
  EXPECT_EQ(names(t.actions),
            (Strings{"RemoveVips", "Log((VI_1) Entering BACKUP STATE (init))",
                     "Notify(BACKUP, 100)", "StartTimer(MasterDown, 3609375us)"}));
}

TEST(Startup, FaultBeforeStartupEntersFaultInit) {
  const Config c = seed_config(100);
  InstanceState s = run(c, {FaultRaised{}});
  EXPECT_EQ(s.state, State::kInitialize);
  EXPECT_EQ(s.faults, 1u);
  Transition t = step(s, Startup{}, c);
  EXPECT_EQ(t.state.state, State::kFault);
  EXPECT_EQ(names(t.actions),
            (Strings{"Log((VI_1) entering FAULT state)", "RemoveVips", "Notify(FAULT, 100)"}));
  t = step(t.state, FaultCleared{}, c);
  EXPECT_EQ(t.state.state, State::kBackup);
  EXPECT_EQ(names(t.actions), (Strings{"Log((VI_1) Entering BACKUP STATE)", "Notify(BACKUP, 100)",
                                       "StartTimer(MasterDown, 3609375us)"}));
}

TEST(Backup, HigherOrEqualAdvertResetsMasterDownTimer) {
  const Config c = seed_config(10);
  const InstanceState backup = run(c, {Startup{}});
  for (std::uint8_t priority : {10, 100, 255}) {
    Transition t = step(backup, AdvertReceived{priority, ip("192.168.5.2")}, c);
    EXPECT_EQ(t.state.state, State::kBackup);
    EXPECT_EQ(names(t.actions), Strings{"StartTimer(MasterDown, 3960937500ns)"});
    EXPECT_EQ(t.state.master_address, ip("192.168.5.2"));
    EXPECT_EQ(t.state.master_priority, priority);
  }
}

TEST(Backup, LowerAdvertIsDiscardedWhenPreempting) {
  const Config c = seed_config(100, "192.168.5.2");
  Transition t = step(run(c, {Startup{}}), AdvertReceived{10, ip("192.168.5.5")}, c);
  EXPECT_EQ(t.state.state, State::kBackup);
  // The Master_Down_Timer keeps running (no timer action): the backup takes over.
  EXPECT_EQ(
      names(t.actions),
      Strings{"Log((VI_1) received lower priority (10) advert from 192.168.5.5 - discarding)"});
}

TEST(Backup, NopreemptAcceptsLowerAdvert) {
  Config c = seed_config(100, "192.168.5.2");
  c.preempt = false;
  Transition t = step(run(c, {Startup{}}), AdvertReceived{10, ip("192.168.5.5")}, c);
  EXPECT_EQ(names(t.actions), Strings{"StartTimer(MasterDown, 3609375us)"});
}

TEST(Backup, PriorityZeroSetsMasterDownTimerToSkew) {
  const Config c = seed_config(10);
  Transition t = step(run(c, {Startup{}}), AdvertReceived{0, ip("192.168.5.2")}, c);
  EXPECT_EQ(t.state.state, State::kBackup);
  EXPECT_EQ(names(t.actions), (Strings{"LogDetail((VI_1) Backup received priority 0 advertisement)",
                                       "StartTimer(MasterDown, 960937500ns)"}));
}

TEST(Backup, MasterDownTimerExpiryTakesOver) {
  const Config c = seed_config(10);
  Transition t = step(run(c, {Startup{}}), MasterDownTimerExpired{}, c);
  EXPECT_EQ(t.state.state, State::kMaster);
  EXPECT_EQ(names(t.actions), concat({"LogDetail((VI_1) Receive advertisement timeout)"},
                                     enter_master("VI_1", 10, "1000ms")));
}

TEST(Backup, V3LearnsTheMastersInterval) {
  Config c = seed_config(100);
  c.version = wire::Version::kV3;
  Transition t = step(run(c, {Startup{}}), AdvertReceived{200, ip("192.168.5.2"), 50ms}, c);
  EXPECT_EQ(t.state.master_advert_interval, 50ms);
  // RFC 5798 §6.1: 3 * 50 ms + (256 - 100) * 50 ms / 256 = 150 ms + 30.46875 ms.
  EXPECT_EQ(
      names(t.actions),
      (Strings{"LogDetail((VI_1) advertisement interval updated from 1000ms to 50ms by master)",
               "StartTimer(MasterDown, 180468750ns)"}));
  // Taking over restores our own interval.
  t = step(t.state, MasterDownTimerExpired{}, c);
  EXPECT_EQ(t.state.master_advert_interval, 1s);
  EXPECT_EQ(names(t.actions)[1],
            "LogDetail((VI_1) changing advert interval from 50ms to locally configured 1000ms)");
}

TEST(Backup, V2NeverLearnsAnInterval) {
  const Config c = seed_config(100);
  Transition t = step(run(c, {Startup{}}), AdvertReceived{200, ip("192.168.5.2"), 50ms}, c);
  EXPECT_EQ(t.state.master_advert_interval, 1s);
  EXPECT_EQ(names(t.actions), Strings{"StartTimer(MasterDown, 3609375us)"});
}

TEST(Backup, PreemptDelayAcceptsLowerAdvertsUntilItExpires) {
  Config c = seed_config(100, "192.168.5.2");
  c.preempt_delay = 5s;
  InstanceState s = run(c, {Startup{}});
  Transition t = step(s, AdvertReceived{10, ip("192.168.5.5")}, c);
  EXPECT_EQ(names(t.actions), (Strings{"StartTimer(MasterDown, 3609375us)",
                                       "LogDetail((VI_1) start preempt delay (5.000000))",
                                       "StartTimer(PreemptDelay, 5000ms)"}));
  EXPECT_EQ(t.state.preempt_delay, PreemptDelay::kRunning);
  // A second lower advert only resets the Master_Down_Timer.
  t = step(t.state, AdvertReceived{10, ip("192.168.5.5")}, c);
  EXPECT_EQ(names(t.actions), Strings{"StartTimer(MasterDown, 3609375us)"});
  t = step(t.state, PreemptDelayExpired{}, c);
  EXPECT_TRUE(t.actions.empty());
  EXPECT_EQ(t.state.preempt_delay, PreemptDelay::kExpired);
  t = step(t.state, AdvertReceived{10, ip("192.168.5.5")}, c);
  EXPECT_EQ(
      names(t.actions),
      Strings{"Log((VI_1) received lower priority (10) advert from 192.168.5.5 - discarding)"});
}

TEST(Backup, HigherAdvertStopsPreemptDelay) {
  Config c = seed_config(100, "192.168.5.2");
  c.preempt_delay = 5s;
  InstanceState s = run(c, {Startup{}, AdvertReceived{10, ip("192.168.5.5")}});
  Transition t = step(s, AdvertReceived{150, ip("192.168.5.7")}, c);
  EXPECT_EQ(names(t.actions),
            (Strings{"StartTimer(MasterDown, 3609375us)", "LogDetail((VI_1) stop preempt delay)",
                     "StopTimer(PreemptDelay)"}));
  EXPECT_EQ(t.state.preempt_delay, PreemptDelay::kIdle);
  // An expired delay is forgotten the same way (no timer to stop).
  s = run(c, {AdvertReceived{10, ip("192.168.5.5")}, PreemptDelayExpired{}}, s);
  t = step(s, AdvertReceived{150, ip("192.168.5.7")}, c);
  EXPECT_EQ(names(t.actions),
            (Strings{"StartTimer(MasterDown, 3609375us)", "LogDetail((VI_1) stop preempt delay)"}));
}

TEST(Master, AdverTimerSendsAndRestarts) {
  const Config c = seed_config(10);
  const InstanceState master = run(c, {Startup{}, MasterDownTimerExpired{}});
  EXPECT_EQ(actions_of(master, AdverTimerExpired{}, c),
            (Strings{"SendAdvert(10)", "StartTimer(Adver, 1000ms)"}));
}

TEST(Master, HigherPriorityAdvertMakesItBackup) {
  // /work/shared/seed/keepalived-failback.log.
  const Config c = seed_config(10);
  const InstanceState master = run(c, {Startup{}, MasterDownTimerExpired{}});
  Transition t = step(master, AdvertReceived{100, ip("192.168.5.2")}, c);
  EXPECT_EQ(t.state.state, State::kBackup);
  EXPECT_FALSE(t.state.vips_set);
  EXPECT_EQ(
      names(t.actions),
      concat(concat({"Log((VI_1) Master received advert from 192.168.5.2 with higher priority "
                     "100, ours 10)"},
                    master_stops()),
             {"Log((VI_1) Entering BACKUP STATE)", "RemoveVips", "Notify(BACKUP, 10)",
              "StartTimer(MasterDown, 3960937500ns)"}));
}

TEST(Master, WithAdvertOnYieldItSendsOneAdvertBeforeItYields) {
  // L2 mode: the higher master hears a lower-priority advert and re-announces (gratuitous ARP).
  Config c = seed_config(10);
  c.advert_on_yield = true;
  const InstanceState master = run(c, {Startup{}, MasterDownTimerExpired{}});
  Transition t = step(master, AdvertReceived{100, ip("192.168.5.2")}, c);
  EXPECT_EQ(t.state.state, State::kBackup);
  const Strings a = names(t.actions);
  // One advert of its own priority, sent while still master (before it leaves the state).
  EXPECT_EQ(std::count(a.begin(), a.end(), "SendAdvert(10)"), 1);
  const auto sent = std::find(a.begin(), a.end(), "SendAdvert(10)");
  const auto backup = std::find(a.begin(), a.end(), "Log((VI_1) Entering BACKUP STATE)");
  ASSERT_NE(backup, a.end());
  EXPECT_LT(sent, backup);
  // Without the option (keepalived, RFC 5798 §6.4.3) it yields silently.
  c.advert_on_yield = false;
  const Strings plain = names(step(master, AdvertReceived{100, ip("192.168.5.2")}, c).actions);
  EXPECT_EQ(std::count(plain.begin(), plain.end(), "SendAdvert(10)"), 0);
}

TEST(Master, SamePriorityHigherAddressWins) {
  // /work/shared/seed/keepalived-failover.log: 192.168.5.2 and 192.168.5.5 both at 10.
  const Config c = seed_config(10, "192.168.5.2");
  const InstanceState master = run(c, {Startup{}, MasterDownTimerExpired{}});
  Transition t = step(master, AdvertReceived{10, ip("192.168.5.5")}, c);
  EXPECT_EQ(t.state.state, State::kBackup);
  EXPECT_EQ(
      names(t.actions).front(),
      "Log((VI_1) Master received advert from 192.168.5.5 with same priority 10 but higher IP "
      "address than ours)");
  EXPECT_EQ(names(t.actions)[6], "Log((VI_1) Entering BACKUP STATE)");
}

TEST(Master, LowerPriorityAdvertForcesNewElection) {
  const Config c = seed_config(100, "192.168.5.2");
  const InstanceState master = run(c, {Startup{}, MasterDownTimerExpired{}});
  Transition t = step(master, AdvertReceived{10, ip("192.168.5.5")}, c);
  EXPECT_EQ(t.state.state, State::kMaster);
  EXPECT_EQ(
      names(t.actions),
      (Strings{"Log((VI_1) Received advert from 192.168.5.5 with lower priority 10, ours 100, "
               "forcing new election)",
               "SendAdvert(100)", "Announce(5)", "StartTimer(LowerPrioGarp, 5000ms)",
               "NotifyMasterRxLowerPriority", "StartTimer(Adver, 1000ms)"}));
  // Same priority, lower address: the same.
  t = step(master, AdvertReceived{100, ip("192.168.5.1")}, c);
  EXPECT_EQ(t.state.state, State::kMaster);
  EXPECT_EQ(names(t.actions)[1], "SendAdvert(100)");
  EXPECT_EQ(actions_of(t.state, LowerPrioGarpExpired{}, c), Strings{"Announce(5)"});
}

// With first_garp_hold the takeover burst waits, so that a backup that timed out together with
// a higher-addressed one yields before it announced anything.
TEST(Master, FirstBurstHeldThenSent) {
  Config c = seed_config(10, "192.168.5.3");
  c.first_garp_hold = 10ms;
  const Transition entered = step(run(c, {Startup{}}), MasterDownTimerExpired{}, c);
  const Strings actions = names(entered.actions);
  EXPECT_EQ(std::count(actions.begin(), actions.end(), "Announce(5)"), 0);
  EXPECT_NE(std::find(actions.begin(), actions.end(), "StartTimer(FirstGarp, 10ms)"),
            actions.end());
  EXPECT_EQ(actions_of(entered.state, FirstGarpExpired{}, c), Strings{"Announce(5)"});
  // The colliding winner's advert comes first: back to Backup, the burst never goes out.
  const Transition yielded = step(entered.state, AdvertReceived{10, ip("192.168.5.5")}, c);
  EXPECT_EQ(yielded.state.state, State::kBackup);
  const Strings stops = names(yielded.actions);
  EXPECT_NE(std::find(stops.begin(), stops.end(), "StopTimer(FirstGarp)"), stops.end());
  EXPECT_TRUE(step(yielded.state, FirstGarpExpired{}, c).actions.empty());
}

// keepalived schedules one delayed burst per lower-priority advert; vipd per answered one, and
// it answers at most one per advert interval (issue 15, D8: forged adverts must not be
// amplified into adverts, ARP bursts, log lines and notify scripts).
TEST(Master, EachForcedElectionOwesOneDelayedBurst) {
  const Config c = seed_config(100, "192.168.5.2");
  InstanceState state = run(c, {Startup{}, MasterDownTimerExpired{}});
  state = step(state, AdvertReceived{10, ip("192.168.5.5")}, c).state;
  // A second one in the same advert interval gets no answer at all: no advert, no burst, no log
  // line, no notify, and the timers are left alone (a stream of them must not postpone either
  // the delayed burst or the periodic advert).
  const Transition second = step(state, AdvertReceived{10, ip("192.168.5.6")}, c);
  EXPECT_TRUE(second.actions.empty());
  EXPECT_EQ(second.state.lower_prio_bursts_owed, 1u);
  // The periodic advert opens the next interval: the next lower advert is answered again.
  state = step(second.state, AdverTimerExpired{}, c).state;
  const Transition third = step(state, AdvertReceived{10, ip("192.168.5.6")}, c);
  EXPECT_EQ(names(third.actions)[1], "SendAdvert(100)");
  EXPECT_EQ(std::count_if(third.actions.begin(), third.actions.end(),
                          [](const Action& a) {
                            const auto* s = std::get_if<StartTimer>(&a);
                            return s != nullptr && s->which != TimerKind::kAdver;
                          }),
            0);
  state = third.state;
  EXPECT_EQ(state.lower_prio_bursts_owed, 2u);
  Transition fired = step(state, LowerPrioGarpExpired{}, c);
  EXPECT_EQ(names(fired.actions), Strings{"Announce(10)"});
  EXPECT_EQ(fired.state.lower_prio_bursts_owed, 0u);
  EXPECT_TRUE(step(fired.state, LowerPrioGarpExpired{}, c).actions.empty());
  // A flood over many intervals is capped.
  for (int i = 0; i < 20; ++i) {
    state = step(state, AdverTimerExpired{}, c).state;
    state = step(state, AdvertReceived{10, ip("192.168.5.9")}, c).state;
  }
  EXPECT_EQ(state.lower_prio_bursts_owed, kMaxElectionBursts);
  // Leaving Master forgets them.
  state = step(state, AdvertReceived{200, ip("192.168.5.7")}, c).state;
  EXPECT_EQ(state.state, State::kBackup);
  EXPECT_EQ(state.lower_prio_bursts_owed, 0u);
  EXPECT_FALSE(state.lower_prio_answered);
}

TEST(Master, LowerPriorityWithoutGarps) {
  Config c = seed_config(100, "192.168.5.2");
  c.garp_lower_prio_repeat = 0;
  const InstanceState master = run(c, {Startup{}, MasterDownTimerExpired{}});
  EXPECT_EQ(names(step(master, AdvertReceived{10, ip("192.168.5.5")}, c).actions).size(), 4u);
}

TEST(Master, PriorityZeroIsAnsweredAtOnce) {
  const Config c = seed_config(100, "192.168.5.2");
  const InstanceState master = run(c, {Startup{}, MasterDownTimerExpired{}});
  Transition t = step(master, AdvertReceived{0, ip("192.168.5.5")}, c);
  EXPECT_EQ(t.state.state, State::kMaster);
  EXPECT_EQ(names(t.actions),
            (Strings{"SendAdvert(100)", "LogDetail((VI_1) Master received priority 0 message)",
                     "StartTimer(Adver, 1000ms)"}));
  // A second one in the same advert interval (a forged stream) is not answered and leaves the
  // Adver_Timer alone, so the periodic advert still goes out (issue 15, D8).
  const Transition again = step(t.state, AdvertReceived{0, ip("192.168.5.6")}, c);
  EXPECT_TRUE(again.actions.empty());
  const Transition periodic = step(again.state, AdverTimerExpired{}, c);
  EXPECT_EQ(names(periodic.actions).front(), "SendAdvert(100)");
  EXPECT_EQ(names(step(periodic.state, AdvertReceived{0, ip("192.168.5.6")}, c).actions).front(),
            "SendAdvert(100)");
}

TEST(Master, OwnAddressWithEqualPriorityIsAWarning) {
  const Config c = seed_config(100, "192.168.5.2");
  const InstanceState master = run(c, {Startup{}, MasterDownTimerExpired{}});
  EXPECT_EQ(actions_of(master, AdvertReceived{100, ip("192.168.5.2")}, c),
            (Strings{"Log((VI_1) WARNING - equal priority advert received from remote host with "
                     "our IP address.)",
                     "StartTimer(Adver, 1000ms)"}));
}

TEST(Master, TwoAddressOwnersDemoteTheLowerAddress) {
  Config c = seed_config(255, "192.168.5.2");
  c.initial_master = true;
  const InstanceState master = run(c, {Startup{}});
  Transition t = step(master, AdvertReceived{255, ip("192.168.5.5")}, c);
  EXPECT_EQ(t.state.state, State::kBackup);
  EXPECT_EQ(t.state.priority, 254);
  EXPECT_EQ(t.state.base_priority, 254);
  const Strings a = names(t.actions);
  EXPECT_EQ(a[0],
            "Log((VI_1) CONFIGURATION ERROR: local instance and a remote instance are both "
            "configured as address owner, please fix - reducing local priority)");
  EXPECT_EQ(a[1],
            "Log((VI_1) Master received advert from 192.168.5.5 with higher priority 255, "
            "ours 254)");
  // keepalived demotes whichever owner hears the other, whatever the addresses: both drop to
  // 254 and the address tie-break settles it from there.
  Config other = c;
  other.primary_address = ip("192.168.5.5");
  t = step(run(other, {Startup{}}), AdvertReceived{255, ip("192.168.5.2")}, other);
  EXPECT_EQ(t.state.state, State::kBackup);
  EXPECT_EQ(t.state.priority, 254);
  // A demoted owner follows PriorityChanged like any other instance.
  EXPECT_EQ(step(t.state, PriorityChanged{100}, other).state.priority, 100);
}

TEST(Fault, MasterSendsPriorityZeroAndReleasesVips) {
  const Config c = seed_config(100);
  const InstanceState master = run(c, {Startup{}, MasterDownTimerExpired{}});
  Transition t = step(master, FaultRaised{}, c);
  EXPECT_EQ(t.state.state, State::kFault);
  EXPECT_EQ(names(t.actions), concat(concat({"Log((VI_1) Entering FAULT STATE)"}, master_stops()),
                                     {"SendAdvert(0)", "RemoveVips", "Notify(FAULT, 100)"}));
  // A second tracked object failing changes nothing; both must recover.
  t = step(t.state, FaultRaised{}, c);
  EXPECT_TRUE(t.actions.empty());
  EXPECT_EQ(t.state.faults, 2u);
  t = step(t.state, FaultCleared{}, c);
  EXPECT_TRUE(t.actions.empty());
  EXPECT_EQ(t.state.state, State::kFault);
  t = step(t.state, FaultCleared{}, c);
  EXPECT_EQ(t.state.state, State::kBackup);
  EXPECT_EQ(names(t.actions), (Strings{"Log((VI_1) Entering BACKUP STATE)", "Notify(BACKUP, 100)",
                                       "StartTimer(MasterDown, 3609375us)"}));
  // A clear without a fault is ignored.
  EXPECT_TRUE(step(t.state, FaultCleared{}, c).actions.empty());
}

TEST(Fault, BackupStopsItsTimers) {
  Config c = seed_config(100);
  c.preempt_delay = 5s;
  const InstanceState backup = run(c, {Startup{}});
  EXPECT_EQ(actions_of(backup, FaultRaised{}, c),
            (Strings{"Log((VI_1) Entering FAULT STATE)", "StopTimer(MasterDown)",
                     "StopTimer(PreemptDelay)", "Notify(FAULT, 100)"}));
}

TEST(Fault, OwnerRecoversStraightToMaster) {
  Config c = seed_config(255);
  c.initial_master = true;
  const InstanceState fault = run(c, {Startup{}, FaultRaised{}});
  Transition t = step(fault, FaultCleared{}, c);
  EXPECT_EQ(t.state.state, State::kMaster);
  EXPECT_EQ(names(t.actions), enter_master("VI_1", 255, "1000ms"));
}

TEST(Fault, EventsAreIgnoredInFault) {
  const Config c = seed_config(100);
  const InstanceState fault = run(c, {Startup{}, FaultRaised{}});
  for (const Event& e :
       std::vector<Event>{AdvertReceived{200, ip("192.168.5.2")}, MasterDownTimerExpired{},
                          AdverTimerExpired{}, PreemptDelayExpired{}, GarpDelayExpired{}}) {
    Transition t = step(fault, e, c);
    EXPECT_TRUE(t.actions.empty()) << event_name(e);
    EXPECT_EQ(t.state, fault) << event_name(e);
  }
}

TEST(Shutdown, MasterSendsPriorityZero) {
  const Config c = seed_config(100);
  const InstanceState master = run(c, {Startup{}, MasterDownTimerExpired{}});
  Transition t = step(master, Shutdown{}, c);
  EXPECT_EQ(t.state.state, State::kStop);
  EXPECT_EQ(names(t.actions),
            concat(master_stops(), {"SendAdvert(0)", "LogDetail((VI_1) sent 0 priority)",
                                    "RemoveVips", "Notify(STOP, 100)"}));
}

TEST(Shutdown, BackupOnlyNotifies) {
  const Config c = seed_config(100);
  EXPECT_EQ(actions_of(run(c, {Startup{}}), Shutdown{}, c),
            (Strings{"StopTimer(MasterDown)", "StopTimer(PreemptDelay)", "Notify(STOP, 100)"}));
}

TEST(Shutdown, StopIgnoresEventsUntilRestarted) {
  const Config c = seed_config(100);
  const InstanceState stopped = run(c, {Startup{}, Shutdown{}});
  for (const Event& e :
       std::vector<Event>{Shutdown{}, AdvertReceived{200, ip("192.168.5.2")},
                          MasterDownTimerExpired{}, PriorityChanged{50}, FaultCleared{}}) {
    EXPECT_TRUE(step(stopped, e, c).actions.empty()) << event_name(e);
  }
  Transition t = step(stopped, Startup{}, c);
  EXPECT_EQ(t.state.state, State::kBackup);
  EXPECT_EQ(names(t.actions)[1], "Log((VI_1) Entering BACKUP STATE (init))");
}

// A stopping master keeps its VIPs until the successor's first advert (Config::stop_handover):
// the backup takes over only after its Skew_Time, and the address must not go dark meanwhile.
TEST(Shutdown, MasterHandsOverToTheNextMasterAdvert) {
  Config c = seed_config(100);
  c.stop_handover = 1100ms;
  const InstanceState master = run(c, {Startup{}, MasterDownTimerExpired{}});
  Transition t = step(master, Shutdown{}, c);
  EXPECT_EQ(t.state.state, State::kStop);
  EXPECT_TRUE(t.state.vips_set);
  EXPECT_EQ(names(t.actions),
            concat(master_stops(), {"SendAdvert(0)", "LogDetail((VI_1) sent 0 priority)",
                                    "StartTimer(Handover, 1100ms)", "Notify(STOP, 100)"}));
  // Another stopping router's priority 0 is no successor.
  EXPECT_TRUE(step(t.state, AdvertReceived{0, ip("192.168.5.3")}, c).actions.empty());
  t = step(t.state, AdvertReceived{10, ip("192.168.5.5")}, c);
  EXPECT_FALSE(t.state.vips_set);
  EXPECT_EQ(names(t.actions),
            (Strings{"StopTimer(Handover)",
                     "LogDetail((VI_1) releasing the virtual addresses (new master 192.168.5.5))",
                     "RemoveVips"}));
  // With a grace period the release waits for the successor's (held) gratuitous ARPs.
  c.handover_grace = 20ms;
  const InstanceState stopping = run(c, {Startup{}, MasterDownTimerExpired{}, Shutdown{}});
  Transition graced = step(stopping, AdvertReceived{10, ip("192.168.5.5")}, c);
  EXPECT_TRUE(graced.state.vips_set);
  EXPECT_EQ(names(graced.actions), Strings{"StartTimer(Handover, 20ms)"});
  EXPECT_TRUE(step(graced.state, AdvertReceived{10, ip("192.168.5.5")}, c).actions.empty());
  graced = step(graced.state, HandoverExpired{}, c);
  EXPECT_FALSE(graced.state.vips_set);
  EXPECT_EQ(names(graced.actions)[1],
            "LogDetail((VI_1) releasing the virtual addresses (new master 192.168.5.5))");
  // Released: nothing more to do.
  EXPECT_TRUE(step(t.state, HandoverExpired{}, c).actions.empty());
  EXPECT_TRUE(step(t.state, AdvertReceived{10, ip("192.168.5.5")}, c).actions.empty());
}

TEST(Shutdown, HandoverEndsWithoutSuccessor) {
  Config c = seed_config(100);
  c.stop_handover = 1100ms;
  const InstanceState stopping = run(c, {Startup{}, MasterDownTimerExpired{}, Shutdown{}});
  Transition t = step(stopping, HandoverExpired{}, c);
  EXPECT_FALSE(t.state.vips_set);
  EXPECT_EQ(names(t.actions).back(), "RemoveVips");
  // A restart while still holding them cancels the wait (startup removes the VIPs itself).
  t = step(stopping, Startup{}, c);
  EXPECT_EQ(names(t.actions).front(), "StopTimer(Handover)");
  EXPECT_EQ(t.state.state, State::kBackup);
  EXPECT_FALSE(t.state.vips_set);
}

TEST(Shutdown, BackupHasNothingToHandOver) {
  Config c = seed_config(100);
  c.stop_handover = 1100ms;
  const Transition t = step(run(c, {Startup{}}), Shutdown{}, c);
  EXPECT_FALSE(t.state.vips_set);
  EXPECT_EQ(names(t.actions),
            (Strings{"StopTimer(MasterDown)", "StopTimer(PreemptDelay)", "Notify(STOP, 100)"}));
}

TEST(Priority, ChangeInBackupShiftsTheMasterDownTimer) {
  const Config c = seed_config(100);
  Transition t = step(run(c, {Startup{}}), PriorityChanged{90}, c);
  EXPECT_EQ(t.state.priority, 90);
  // Skew grows by 10/256 s.
  EXPECT_EQ(names(t.actions), (Strings{"Log((VI_1) Changing effective priority from 100 to 90)",
                                       "ShiftTimer(MasterDown, 39062500ns)"}));
  EXPECT_EQ(t.state.master_down_duration, 3s + 648437500ns);
}

TEST(Priority, ClampedAndOwnerUnchanged) {
  const Config c = seed_config(100);
  const InstanceState backup = run(c, {Startup{}});
  EXPECT_EQ(step(backup, PriorityChanged{300}, c).state.priority, 254);
  EXPECT_EQ(step(backup, PriorityChanged{-20}, c).state.priority, 1);
  EXPECT_TRUE(step(backup, PriorityChanged{100}, c).actions.empty());
  Config owner = seed_config(255);
  owner.initial_master = true;
  EXPECT_TRUE(step(run(owner, {Startup{}}), PriorityChanged{10}, owner).actions.empty());
}

TEST(Priority, MasterAdvertisesTheNewPriority) {
  const Config c = seed_config(100);
  InstanceState master = run(c, {Startup{}, MasterDownTimerExpired{}});
  Transition t = step(master, PriorityChanged{50}, c);
  EXPECT_EQ(names(t.actions), Strings{"Log((VI_1) Changing effective priority from 100 to 50)"});
  EXPECT_EQ(actions_of(t.state, AdverTimerExpired{}, c),
            (Strings{"SendAdvert(50)", "StartTimer(Adver, 1000ms)"}));
}

TEST(Garp, RefreshAndSecondBurst) {
  Config c = seed_config(100);
  c.garp_master_refresh = 60s;
  c.garp_master_refresh_repeat = 2;
  Transition t = step(run(c, {Startup{}}), MasterDownTimerExpired{}, c);
  const Strings a = names(t.actions);
  EXPECT_NE(std::find(a.begin(), a.end(), "StartTimer(GarpRefresh, 60000ms)"), a.end());
  EXPECT_EQ(actions_of(t.state, GarpRefreshExpired{}, c),
            (Strings{"Announce(2)", "StartTimer(GarpRefresh, 60000ms)"}));
  EXPECT_EQ(actions_of(t.state, GarpDelayExpired{}, c), Strings{"Announce(5)"});
  c.garp_master_repeat = 0;
  const Strings none = names(step(run(c, {Startup{}}), MasterDownTimerExpired{}, c).actions);
  EXPECT_EQ(std::count_if(none.begin(), none.end(),
                          [](const std::string& s) { return s.starts_with("Announce"); }),
            0);
}

TEST(Timers, SkewAndMasterDownInterval) {
  using wire::Version;
  EXPECT_EQ(skew_time(Version::kV2, 10, 1s), 960937500ns);
  EXPECT_EQ(skew_time(Version::kV2, 10, 5s), 960937500ns);  // v2 ignores the interval
  EXPECT_EQ(skew_time(Version::kV2, 255, 1s), 3906250ns);
  EXPECT_EQ(skew_time(Version::kV3, 100, 1s), 609375000ns);
  EXPECT_EQ(skew_time(Version::kV3, 200, 50ms), 10937500ns);
  Config c = seed_config(150);
  c.version = Version::kV3;
  EXPECT_EQ(master_down_interval(c, 150, 50ms), 150ms + 20703125ns);
  c.down_timer_adverts = 5;
  EXPECT_EQ(master_down_interval(c, 150, 50ms), 250ms + 20703125ns);
}

TEST(Names, StatesTimersEvents) {
  EXPECT_EQ(to_string(State::kInitialize), "INIT");
  EXPECT_EQ(to_string(State::kMaster), "MASTER");
  EXPECT_EQ(to_string(State::kStop), "STOP");
  EXPECT_EQ(to_string(TimerKind::kLowerPrioGarp), "LowerPrioGarp");
  EXPECT_EQ(to_string(TimerKind::kFirstGarp), "FirstGarp");
  EXPECT_EQ(to_string(TimerKind::kHandover), "Handover");
  EXPECT_EQ(event_name(FaultCleared{}), "FaultCleared");
  EXPECT_EQ(event_name(Startup{}), "Startup");
  wire::Advert advert;
  advert.version = wire::Version::kV3;
  advert.priority = 7;
  advert.max_advert_interval_cs = 5;
  const AdvertReceived r = advert_received(advert, ip("10.0.0.1"));
  EXPECT_EQ(r.priority, 7);
  EXPECT_EQ(r.max_advert_interval, 50ms);
  EXPECT_EQ(r.source, ip("10.0.0.1"));
}

}  // namespace
}  // namespace vipd::vrrp::fsm
