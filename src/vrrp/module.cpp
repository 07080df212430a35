#include "vrrp/module.hpp"

#include <algorithm>
#include <set>

#include "common/log.hpp"

namespace vipd::vrrp {

VrrpModule::VrrpModule(event::Clock& clock, Network& network, ProcessRunner& processes,
                       const ScriptHost* scripts)
    : clock_(clock),
      network_(network),
      processes_(processes),
      scripts_host_(scripts != nullptr ? *scripts : system_scripts_) {
  network_.set_receiver([this](const ReceivedPacket& packet) { packet_received(packet); });
}

VrrpModule::~VrrpModule() {
  network_.set_receiver({});
}

bool VrrpModule::same_globals(const config::GlobalDefs& a, const config::GlobalDefs& b) {
  // What an instance reads from global_defs besides its own (already merged) values.
  return a.vrrp_mcast_group4 == b.vrrp_mcast_group4 && a.vrrp_mcast_group6 == b.vrrp_mcast_group6 &&
         a.vrrp_skip_check_adv_addr == b.vrrp_skip_check_adv_addr &&
         a.vrrp_garp_interval == b.vrrp_garp_interval && a.vrrp_gna_interval == b.vrrp_gna_interval;
}

// The group's log lines and notify scripts: notify_master/backup/fault/stop, and `notify` with
// keepalived's arguments GROUP NAME STATE 0.
class VrrpModule::GroupNotifier final : public fsm::SyncGroupSink {
 public:
  GroupNotifier(ProcessRunner& processes, std::string name, NotifyScripts scripts)
      : processes_(processes), name_(std::move(name)), scripts_(std::move(scripts)) {}
  void log(std::string_view text) override { log::info("{}", text); }
  void notify(fsm::State state) override {
    const NotifyScripts& n = scripts_;
    switch (state) {
      case fsm::State::kMaster:
        run(n.master, {});
        break;
      case fsm::State::kBackup:
        run(n.backup, {});
        break;
      case fsm::State::kFault:
        run(n.fault, {});
        break;
      case fsm::State::kStop:
        run(n.stop, {});
        break;
      case fsm::State::kInitialize:
        return;
    }
    run(n.any, {"GROUP", name_, std::string(fsm::to_string(state)), "0"});
  }

 private:
  void run(const std::optional<Script>& command, std::vector<std::string> extra) {
    if (!command || command->argv.empty()) return;
    std::vector<std::string> argv = command->argv;
    argv.insert(argv.end(), extra.begin(), extra.end());
    processes_.run(
        argv, std::nullopt,
        [name = name_, argv0 = argv[0]](const ProcessExit& exit) {
          if (!exit.started)
            log::warning("VRRP_Group({}) cannot run notify script {}: {}", name, argv0, exit.error);
        },
        command->run_as);
  }

  ProcessRunner& processes_;
  std::string name_;
  NotifyScripts scripts_;
};

VrrpModule::Group::Group() = default;
VrrpModule::Group::~Group() = default;

const config::SyncGroup* VrrpModule::group_of(const config::KeepalivedConfig& config,
                                              std::string_view instance) {
  for (const auto& group : config.sync_groups)
    if (std::find(group.group.begin(), group.group.end(), instance) != group.group.end())
      return &group;
  return nullptr;
}

config::VrrpInstance VrrpModule::effective(const config::KeepalivedConfig& config,
                                           const config::VrrpInstance& instance) const {
  config::VrrpInstance out = instance;
  // keepalived removes the track_script entries of a disabled (insecure, missing) script.
  auto disabled = [&](const config::TrackedScript& t) { return plan_.disabled.count(t.name) > 0; };
  out.track_script.erase(std::remove_if(out.track_script.begin(), out.track_script.end(), disabled),
                         out.track_script.end());
  const config::SyncGroup* group = group_of(config, instance.name);
  if (group == nullptr) return out;
  // keepalived: what the group tracks, every member tracks; without sync_group_tracking_weight a
  // failure faults the group (weight 0), as for the members' own entries.
  for (config::TrackedInterface t : group->track_interface) {
    auto& list = out.track_interface;
    if (std::any_of(list.begin(), list.end(), [&](const auto& o) { return o.name == t.name; }))
      continue;
    if (!group->sync_group_tracking_weight) t.weight = 0;
    list.push_back(t);
  }
  for (config::TrackedScript t : group->track_script) {
    auto& list = out.track_script;
    if (std::any_of(list.begin(), list.end(), [&](const auto& o) { return o.name == t.name; }))
      continue;
    if (!group->sync_group_tracking_weight) t.weight = 0;
    if (!disabled(t)) list.push_back(t);
  }
  return out;
}

NotifyScripts VrrpModule::planned(const std::map<std::string, NotifyScripts, std::less<>>& all,
                                  const std::string& name) {
  auto it = all.find(name);
  return it == all.end() ? NotifyScripts{} : it->second;
}

void VrrpModule::apply(const config::KeepalivedConfig& config) {
  const bool globals_changed = applied_ && !same_globals(running_.global_defs, config.global_defs);
  // Who runs which script, and which may not run at all (keepalived checks while loading).
  plan_ = plan_scripts(config, scripts_host_);
  for (const auto& line : plan_.logs) log::warning("{}", line);
  // Which instances restart: a changed block (with its group's tracking) or group membership,
  // and every member of a sync group that is new, changed or has a restarting member.
  std::set<std::string, std::less<>> restart;
  std::vector<std::pair<Instance*, config::VrrpInstance>> retune;
  for (auto& instance : instances_) {
    const config::VrrpInstance* next = config.find_instance(instance->name());
    const config::SyncGroup* old_group = group_of(running_, instance->name());
    const config::SyncGroup* new_group = group_of(config, instance->name());
    if (!next || globals_changed ||
        (old_group ? old_group->name : "") != (new_group ? new_group->name : "")) {
      restart.insert(instance->name());
      continue;
    }
    config::VrrpInstance wanted = effective(config, *next);
    if (wanted == instance->config()) continue;
    if (Instance::retunable(instance->config(), wanted))
      retune.emplace_back(instance.get(), std::move(wanted));
    else
      restart.insert(instance->name());
  }
  std::map<std::string, fsm::State, std::less<>> kept_groups;
  for (const auto& group : config.sync_groups) {
    const auto old = std::find_if(groups_.begin(), groups_.end(),
                                  [&](const auto& g) { return g->config.name == group.name; });
    bool renew = old == groups_.end() || !((*old)->config == group);
    for (const auto& member : group.group)
      if (restart.count(member) || !find(member)) renew = true;
    if (renew) {
      for (const auto& member : group.group)
        if (find(member)) restart.insert(member);
    } else {
      kept_groups[group.name] = (*old)->driver->state();
    }
  }
  // Groups are rebuilt below; their drivers must not outlive the instances they follow.
  groups_.clear();
  // Stop what is gone or changed, in configuration order.
  std::vector<std::unique_ptr<Instance>> kept;
  for (auto& instance : instances_) {
    if (!restart.count(instance->name())) {
      kept.push_back(std::move(instance));
      continue;
    }
    const bool still = config.find_instance(instance->name()) != nullptr;
    log::info("({}) {} on reload", instance->name(),
              still ? "configuration changed, restarting" : "removed");
    instance->stop();
  }
  instances_ = std::move(kept);
  // keepalived keeps an instance's state across a reload; so does vipd when only timers,
  // priority, preemption, GARP settings, scripts or VIPs changed (no advert gap, no failover).
  for (auto& [instance, wanted] : retune) {
    if (!find(instance->name())) continue;  // restarted with its sync group after all
    log::info("({}) configuration changed, applied without a restart", instance->name());
    instance->retune(std::move(wanted));
  }
  running_ = config;
  applied_ = true;
  for (auto& instance : instances_)
    instance->set_notify_scripts(planned(plan_.instances, instance->name()));
  sync_scripts(config);
  // New instances: prepared first (interfaces, faults), then the sync groups decide their
  // initial state, then the state machines start (keepalived's order of log lines).
  std::vector<Instance*> fresh;
  for (const auto& instance_config : config.instances) {
    if (find(instance_config.name)) continue;
    if (Instance* prepared = prepare_instance(instance_config)) fresh.push_back(prepared);
  }
  std::vector<fsm::SyncGroup*> fresh_groups;
  for (const auto& group_config : running_.sync_groups) {
    auto group = std::make_unique<Group>();
    group->config = group_config;
    group->notifier = std::make_unique<GroupNotifier>(processes_, group_config.name,
                                                      planned(plan_.groups, group_config.name));
    std::vector<std::pair<std::string, fsm::VirtualRouter*>> members;
    for (const auto& name : group_config.group)
      if (Instance* member = find(name); member && member->mutable_router())
        members.emplace_back(name, member->mutable_router());
    if (members.empty()) continue;
    group->driver =
        std::make_unique<fsm::SyncGroup>(group_config.name, std::move(members), *group->notifier);
    if (auto it = kept_groups.find(group_config.name); it != kept_groups.end()) {
      group->driver->resume(it->second);
    } else {
      group->driver->start();
      fresh_groups.push_back(group->driver.get());
    }
    groups_.push_back(std::move(group));
  }
  for (Instance* instance : fresh) instance->run();
  for (fsm::SyncGroup* group : fresh_groups) group->started();
  // Configuration order, for show.
  std::vector<std::unique_ptr<Instance>> ordered;
  for (const auto& instance_config : config.instances) {
    auto it = std::find_if(instances_.begin(), instances_.end(),
                           [&](const auto& i) { return i && i->name() == instance_config.name; });
    if (it != instances_.end()) ordered.push_back(std::move(*it));
  }
  instances_ = std::move(ordered);
}

Instance* VrrpModule::prepare_instance(const config::VrrpInstance& base) {
  const config::VrrpInstance instance_config = effective(running_, base);
  auto instance = std::make_unique<Instance>(InstanceEnvironment{clock_, network_, processes_},
                                             instance_config, running_.global_defs);
  if (const config::SyncGroup* group = group_of(running_, base.name))
    instance->set_sync_group(group->name);
  instance->set_notify_scripts(planned(plan_.instances, base.name));
  // Tracked objects known before the start: failed scripts (init_fail or a running tracker's
  // result) and interfaces already down.
  for (const auto& t : instance_config.track_script) {
    auto it = scripts_.find(t.name);
    if (it != scripts_.end() && it->second->status() != ScriptTracker::Status::kInit)
      instance->script_changed(t.name, it->second->good());
  }
  for (const auto& t : instance_config.track_interface) {
    if (t.name == instance_config.interface) continue;
    if (auto info = network_.find_interface(t.name); !info || !info->up)
      instance->link_changed(t.name, false);
    else
      instance->link_changed(t.name, true);
  }
  if (auto prepared = instance->prepare(); !prepared) {
    log::error("{}", prepared.error());
    return nullptr;
  }
  instances_.push_back(std::move(instance));
  return instances_.back().get();
}

void VrrpModule::sync_scripts(const config::KeepalivedConfig& config) {
  std::map<std::string, std::unique_ptr<ScriptTracker>, std::less<>> next;
  for (const auto& script : config.scripts) {
    const auto tracks = [&](const auto& list) {
      return std::any_of(list.begin(), list.end(),
                         [&](const auto& t) { return t.name == script.name; });
    };
    if (plan_.disabled.count(script.name)) continue;  // logged by the plan
    const bool used =
        std::any_of(config.instances.begin(), config.instances.end(),
                    [&](const config::VrrpInstance& i) { return tracks(i.track_script); }) ||
        std::any_of(config.sync_groups.begin(), config.sync_groups.end(),
                    [&](const config::SyncGroup& g) { return tracks(g.track_script); });
    if (!used) {
      log::warning("Warning - script {} is not used", script.name);
      continue;
    }
    std::optional<Script> command;
    if (auto planned = plan_.scripts.find(script.name); planned != plan_.scripts.end())
      command = planned->second;
    auto it = scripts_.find(script.name);
    if (it != scripts_.end() && it->second->script() == script &&
        it->second->command() == command) {
      next.emplace(script.name, std::move(it->second));
      continue;
    }
    auto tracker = std::make_unique<ScriptTracker>(
        clock_, processes_, script,
        [this](const std::string& name, bool good) { script_changed(name, good); }, command);
    next.emplace(script.name, std::move(tracker));
  }
  for (auto& [name, tracker] : next)
    if (tracker->runs() == 0) tracker->start();
  scripts_ = std::move(next);
}

void VrrpModule::script_changed(const std::string& name, bool good) {
  for (auto& instance : instances_) instance->script_changed(name, good);
}

void VrrpModule::stop(std::function<void()> done) {
  if (!done) {
    for (auto& instance : instances_) instance->stop();
  } else {
    // `done` once every instance has handed over; run from the loop, not from inside an
    // instance's receive path.
    auto pending = std::make_shared<std::size_t>(instances_.size() + 1);
    auto one_done = [this, pending, done = std::move(done)] {
      if (--*pending > 0) return;
      stop_timer_ = clock_.make_timer();
      stop_timer_->arm(event::Duration::zero(), done);
    };
    for (auto& instance : instances_) instance->stop(one_done);
    one_done();
  }
  // keepalived runs the groups' notify scripts for STOP after the instances'.
  for (auto& group : groups_) group->driver->stop();
  scripts_.clear();
}

void VrrpModule::packet_received(const ReceivedPacket& packet) {
  std::vector<Instance*> on_socket;
  for (auto& instance : instances_) {
    if (instance->listening() && instance->receive_ifindex() == packet.ifindex &&
        instance->family() == packet.family)
      on_socket.push_back(instance.get());
  }
  if (on_socket.empty()) return;
  // The VRID is octet 1 of the VRRP message (after the IPv4 header for IPv4).
  std::optional<std::uint8_t> vrid;
  std::size_t offset = 0;
  if (packet.family == Family::kIpv4 && !packet.data.empty())
    offset = static_cast<std::size_t>(packet.data[0] & 0x0f) * 4;
  if (packet.data.size() > offset + 1) vrid = packet.data[offset + 1];
  for (Instance* instance : on_socket) {
    if (vrid && instance->config().virtual_router_id == *vrid) return instance->receive(packet);
  }
  for (Instance* instance : on_socket) instance->receive(packet);
}

bool VrrpModule::relevant(const std::string& link) const {
  return std::any_of(instances_.begin(), instances_.end(), [&](const auto& i) {
    const auto& tracked = i->config().track_interface;
    return i->config().interface == link ||
           std::any_of(tracked.begin(), tracked.end(),
                       [&](const auto& t) { return t.name == link; });
  });
}

void VrrpModule::link_changed(const std::string& name, bool up) {
  if (!relevant(name)) return;
  log::info("Netlink reports {} {}", name, up ? "up" : "down");
  for (auto& instance : instances_) instance->link_changed(name, up);
}

void VrrpModule::link_added(const std::string& name, bool up) {
  if (!relevant(name)) return;
  log::info("Interface {} added", name);
  if (up) link_changed(name, up);
}

void VrrpModule::link_removed(const std::string& name) {
  if (!relevant(name)) return;
  log::info("Interface {} deleted", name);
  for (auto& instance : instances_)
    if (instance->config().interface == name) instance->interface_removed();
}

Instance* VrrpModule::find(std::string_view name) {
  for (auto& instance : instances_)
    if (instance->name() == name) return instance.get();
  return nullptr;
}

const Instance* VrrpModule::find(std::string_view name) const {
  for (const auto& instance : instances_)
    if (instance->name() == name) return instance.get();
  return nullptr;
}

std::vector<const Instance*> VrrpModule::instances() const {
  std::vector<const Instance*> out;
  for (const auto& instance : instances_) out.push_back(instance.get());
  return out;
}

const fsm::SyncGroup* VrrpModule::sync_group(std::string_view name) const {
  for (const auto& group : groups_)
    if (group->config.name == name) return group->driver.get();
  return nullptr;
}

const ScriptTracker* VrrpModule::script(std::string_view name) const {
  auto it = scripts_.find(name);
  return it == scripts_.end() ? nullptr : it->second.get();
}

}  // namespace vipd::vrrp
