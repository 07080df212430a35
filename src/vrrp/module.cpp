#include "vrrp/module.hpp"

#include <algorithm>

#include "common/log.hpp"

namespace vipd::vrrp {

VrrpModule::VrrpModule(event::Clock& clock, Network& network, ProcessRunner& processes)
    : clock_(clock), network_(network), processes_(processes) {
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

void VrrpModule::apply(const config::KeepalivedConfig& config) {
  const bool globals_changed = applied_ && !same_globals(running_.global_defs, config.global_defs);
  // Stop what is gone or changed, in configuration order.
  std::vector<std::unique_ptr<Instance>> kept;
  for (auto& instance : instances_) {
    const config::VrrpInstance* next = config.find_instance(instance->name());
    if (next && *next == instance->config() && !globals_changed) {
      kept.push_back(std::move(instance));
      continue;
    }
    log::info("({}) {} on reload", instance->name(),
              next ? "configuration changed, restarting" : "removed");
    instance->stop();
  }
  instances_ = std::move(kept);
  running_ = config;
  applied_ = true;
  sync_scripts(config);
  for (const auto& instance_config : config.instances) {
    if (!find(instance_config.name)) start_instance(instance_config);
  }
  // Configuration order, for show.
  std::vector<std::unique_ptr<Instance>> ordered;
  for (const auto& instance_config : config.instances) {
    auto it = std::find_if(instances_.begin(), instances_.end(),
                           [&](const auto& i) { return i && i->name() == instance_config.name; });
    if (it != instances_.end()) ordered.push_back(std::move(*it));
  }
  instances_ = std::move(ordered);
}

void VrrpModule::start_instance(const config::VrrpInstance& instance_config) {
  auto instance = std::make_unique<Instance>(InstanceEnvironment{clock_, network_, processes_},
                                             instance_config, running_.global_defs);
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
  if (auto started = instance->start(); !started) {
    log::error("{}", started.error());
    return;
  }
  instances_.push_back(std::move(instance));
}

void VrrpModule::sync_scripts(const config::KeepalivedConfig& config) {
  std::map<std::string, std::unique_ptr<ScriptTracker>, std::less<>> next;
  for (const auto& script : config.scripts) {
    const bool used = std::any_of(
        config.instances.begin(), config.instances.end(), [&](const config::VrrpInstance& i) {
          return std::any_of(i.track_script.begin(), i.track_script.end(),
                             [&](const auto& t) { return t.name == script.name; });
        });
    if (!used) {
      log::warning("Warning - script {} is not used", script.name);
      continue;
    }
    auto it = scripts_.find(script.name);
    if (it != scripts_.end() && it->second->script() == script) {
      next.emplace(script.name, std::move(it->second));
      continue;
    }
    auto tracker = std::make_unique<ScriptTracker>(
        clock_, processes_, script,
        [this](const std::string& name, bool good) { script_changed(name, good); });
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
  scripts_.clear();
  if (!done) {
    for (auto& instance : instances_) instance->stop();
    return;
  }
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

void VrrpModule::link_changed(const std::string& name, bool up) {
  const bool relevant = std::any_of(instances_.begin(), instances_.end(), [&](const auto& i) {
    const auto& tracked = i->config().track_interface;
    return i->config().interface == name ||
           std::any_of(tracked.begin(), tracked.end(),
                       [&](const auto& t) { return t.name == name; });
  });
  if (!relevant) return;
  log::info("Netlink reports {} {}", name, up ? "up" : "down");
  for (auto& instance : instances_) instance->link_changed(name, up);
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

const ScriptTracker* VrrpModule::script(std::string_view name) const {
  auto it = scripts_.find(name);
  return it == scripts_.end() ? nullptr : it->second.get();
}

}  // namespace vipd::vrrp
