#include "vrrp/fsm/sync_group.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace vipd::vrrp::fsm {

namespace {

// A member is held in FAULT while another member has a fault of its own.
void hold_orders(const std::vector<SyncMember>& members, std::vector<SyncOrder>& orders) {
  for (std::size_t i = 0; i < members.size(); ++i) {
    bool other_fault = false;
    for (std::size_t j = 0; j < members.size(); ++j)
      if (j != i && members[j].own_fault) other_fault = true;
    if (other_fault != members[i].held) orders.push_back({i, SyncHold{other_fault}});
  }
}

std::string syncing(std::string_view group, State state) {
  return fmt::format("VRRP_Group({}) Syncing instances to {} state", group, to_string(state));
}

}  // namespace

SyncMember SyncMember::of(std::string name, const InstanceState& state, const Config& config) {
  SyncMember m;
  m.name = std::move(name);
  m.state = state.state;
  m.own_fault = state.faults > 0;
  m.held = state.sync_fault;
  m.wants_master = state.wants_master;
  m.owner_master = config.initial_master && config.priority == kPriorityOwner;
  return m;
}

SyncDecision sync_group_start(std::string_view group, const std::vector<SyncMember>& members) {
  SyncDecision d;
  d.notify = true;
  const auto faulty =
      std::find_if(members.begin(), members.end(), [](const SyncMember& m) { return m.own_fault; });
  if (faulty != members.end()) {
    // keepalived 2.2.7 at startup (vrrp_sync_set_group / the tracking init) names the member.
    d.state = State::kFault;
    d.logs.push_back(fmt::format("VRRP_Group({}): Syncing {} to FAULT state", group, faulty->name));
  } else if (!members.empty() && std::all_of(members.begin(), members.end(),
                                             [](const SyncMember& m) { return m.owner_master; })) {
    d.state = State::kMaster;
  } else {
    d.state = State::kBackup;
  }
  hold_orders(members, d.orders);
  return d;
}

SyncDecision sync_group_step(std::string_view group, State group_state,
                             const std::vector<SyncMember>& members, std::size_t changed,
                             State from, State to) {
  SyncDecision d;
  d.state = group_state;
  const SyncMember& c = members[changed];
  if (to != from && to != group_state) {
    // keepalived's vrrp_sync_fault / vrrp_sync_backup / vrrp_sync_master.
    switch (to) {
      case State::kFault:
        d.state = State::kFault;
        d.logs.push_back(syncing(group, State::kFault));
        break;  // the others are held (below)
      case State::kBackup:
        d.state = State::kBackup;
        d.logs.push_back(syncing(group, State::kBackup));
        for (std::size_t i = 0; i < members.size(); ++i)
          if (i != changed && members[i].state == State::kMaster)
            d.orders.push_back({i, SyncForce{State::kBackup}});
        break;  // members held in FAULT are released (below)
      case State::kMaster:
        d.state = State::kMaster;
        d.logs.push_back(syncing(group, State::kMaster));
        for (std::size_t i = 0; i < members.size(); ++i)
          if (i != changed && members[i].state == State::kBackup)
            d.orders.push_back({i, SyncForce{State::kMaster}});
        break;
      default:
        break;  // INIT and STOP do not move the group
    }
    d.notify = d.state != group_state;
  }
  hold_orders(members, d.orders);
  // keepalived's vrrp_sync_can_goto_master(): only when everyone wants to (or the group is
  // master already).
  if (c.state == State::kBackup && c.wants_master) {
    bool everyone = d.state == State::kMaster;
    if (!everyone) {
      everyone = true;
      for (std::size_t i = 0; i < members.size(); ++i) {
        if (i == changed) continue;
        const SyncMember& m = members[i];
        if (m.state != State::kMaster && !(m.state == State::kBackup && m.wants_master))
          everyone = false;
      }
    }
    if (everyone) d.orders.push_back({changed, SyncForce{State::kMaster}});
  }
  return d;
}

SyncGroup::SyncGroup(std::string name, std::vector<std::pair<std::string, VirtualRouter*>> members,
                     SyncGroupSink& sink)
    : name_(std::move(name)), members_(std::move(members)), sink_(sink) {
  for (std::size_t i = 0; i < members_.size(); ++i) {
    members_[i].second->set_observer(
        [this, i](const InstanceState& before, const InstanceState& after) {
          observe(i, before, after);
        });
  }
}

SyncGroup::~SyncGroup() {
  for (auto& [name, router] : members_) router->set_observer({});
}

std::vector<SyncMember> SyncGroup::snapshot() const {
  std::vector<SyncMember> out;
  out.reserve(members_.size());
  for (const auto& [name, router] : members_)
    out.push_back(SyncMember::of(name, router->fsm_state(), router->config()));
  return out;
}

void SyncGroup::start() {
  SyncDecision d = sync_group_start(name_, snapshot());
  d.notify = false;  // started() notifies
  busy_ = true;
  apply(d);
  drain();
}

void SyncGroup::started() {
  if (!stopped_) sink_.notify(state_);
}

void SyncGroup::resume(State state) {
  state_ = state;
}

void SyncGroup::stop() {
  if (stopped_) return;
  stopped_ = true;
  sink_.notify(State::kStop);
}

void SyncGroup::observe(std::size_t member, const InstanceState& before,
                        const InstanceState& after) {
  if (stopped_) return;
  pending_.push_back({member, before.state, after.state});
  if (busy_) return;  // an order fed back into a member: handled after the current change
  busy_ = true;
  drain();
}

void SyncGroup::drain() {
  while (!pending_.empty() && !stopped_) {
    const Change change = pending_.front();
    pending_.pop_front();
    apply(sync_group_step(name_, state_, snapshot(), change.member, change.from, change.to));
  }
  pending_.clear();
  busy_ = false;
}

void SyncGroup::apply(const SyncDecision& decision) {
  state_ = decision.state;
  for (const std::string& line : decision.logs) sink_.log(line);
  for (const SyncOrder& order : decision.orders) members_[order.member].second->handle(order.event);
  if (decision.notify) sink_.notify(state_);
}

}  // namespace vipd::vrrp::fsm
