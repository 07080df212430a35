// keepalived's vrrp_sync_group: instances that change state together. The decisions are pure
// functions of the members' states (sync_group_start, sync_group_step) that return the group's
// log lines and the events to feed to members (SyncHold, SyncForce in fsm.hpp); SyncGroup runs
// them over the members' VirtualRouters. Behaviour as keepalived 2.2.7, checked in network
// namespaces (docs/vrrp.md, "Sync groups"):
//  - FAULT: a member with a fault of its own puts every other member into FAULT
//    ("VRRP_Group(G1) Syncing instances to FAULT state", then "(VI_2) Entering FAULT STATE").
//    The group leaves FAULT when no member has a fault left: the last one to clear enters BACKUP
//    and the others follow ("VRRP_Group(G1) Syncing instances to BACKUP state").
//  - MASTER: a backup whose Master_Down timer ran out only becomes master when every other
//    member wants to as well (its timer ran out too, and no advert was accepted since); then it
//    enters MASTER and the others follow ("Syncing instances to MASTER state").
//  - BACKUP: a master that steps down (higher priority advert) takes the other masters along.
//  - Group notify scripts (notify_master/backup/fault/stop, `notify GROUP NAME STATE 0`) run on
//    each change of the group's state, on start and on stop.
#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vrrp/fsm/fsm.hpp"
#include "vrrp/fsm/virtual_router.hpp"

namespace vipd::vrrp::fsm {

// What the group decisions read of one member.
struct SyncMember {
  std::string name;  // the vrrp_instance name
  State state = State::kInitialize;
  bool own_fault = false;     // InstanceState::faults > 0
  bool held = false;          // InstanceState::sync_fault
  bool wants_master = false;  // InstanceState::wants_master
  bool owner_master = false;  // priority 255 with initial state MASTER: starts as master

  static SyncMember of(std::string name, const InstanceState& state, const Config& config);
};

struct SyncOrder {
  std::size_t member = 0;  // index into the members
  Event event;
};

struct SyncDecision {
  State state = State::kBackup;   // the group's state afterwards (BACKUP, MASTER or FAULT)
  std::vector<std::string> logs;  // logged before the orders are carried out
  std::vector<SyncOrder> orders;  // in this order
  bool notify = false;            // the state changed: run the group's notify scripts
};

// Before the members start (their tracked faults already raised): FAULT when one has a fault
// ("VRRP_Group(G1): Syncing VI_1 to FAULT state", the others held), MASTER when every member is
// an owner starting as master, else BACKUP. Always notifies.
SyncDecision sync_group_start(std::string_view group, const std::vector<SyncMember>& members);

// Member `changed` went from `from` to `to` (equal when only its faults or wants_master
// changed); `members` are as they are now. `group_state` is the group's state before.
SyncDecision sync_group_step(std::string_view group, State group_state,
                             const std::vector<SyncMember>& members, std::size_t changed,
                             State from, State to);

class SyncGroupSink {
 public:
  virtual ~SyncGroupSink() = default;
  virtual void log(std::string_view text) = 0;
  // The group's notify_master/backup/fault/stop and `notify` scripts.
  virtual void notify(State state) = 0;
};

// Runs the decisions over the members' routers: observes each of them (VirtualRouter's
// observer), and feeds the orders back as events. Member routers must outlive the group.
class SyncGroup {
 public:
  SyncGroup(std::string name, std::vector<std::pair<std::string, VirtualRouter*>> members,
            SyncGroupSink& sink);
  ~SyncGroup();
  SyncGroup(const SyncGroup&) = delete;
  SyncGroup& operator=(const SyncGroup&) = delete;

  // Before the members' start(): the initial state, its log line and holds.
  void start();
  // After the members started: the initial state's notify scripts (keepalived runs them too).
  void started();
  // Shutdown: notify STOP (the members are stopped by their owners).
  void stop();
  // A group carried over a reload keeps its state without logs or notifications.
  void resume(State state);

  const std::string& name() const { return name_; }
  State state() const { return state_; }

 private:
  struct Change {
    std::size_t member;
    State from;
    State to;
  };
  std::vector<SyncMember> snapshot() const;
  void observe(std::size_t member, const InstanceState& before, const InstanceState& after);
  void drain();
  void apply(const SyncDecision& decision);

  std::string name_;
  std::vector<std::pair<std::string, VirtualRouter*>> members_;
  SyncGroupSink& sink_;
  State state_ = State::kBackup;
  bool stopped_ = false;
  bool busy_ = false;
  std::deque<Change> pending_;
};

}  // namespace vipd::vrrp::fsm
