// VrrpModule: every vrrp_instance and vrrp_script of one keepalived.conf, on one event loop.
// apply() starts a configuration and, on later calls (SIGHUP), reloads it keeping the instances
// and scripts whose configuration did not change running untouched (no state change, no
// advert gap); changed instances take what they can in place (Instance::retunable: priority,
// timers, VIPs, ...) or are stopped (as on shutdown) and started anew, removed ones stopped,
// new ones started. Packets and link events come in from the outside (kernel_network
// and the netlink link monitor in service.hpp, or a test) and are routed to the instances.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "event/clock.hpp"
#include "netlink/link_message.hpp"
#include "vrrp/config/model.hpp"
#include "vrrp/fsm/sync_group.hpp"
#include "vrrp/instance.hpp"
#include "vrrp/network.hpp"
#include "vrrp/process.hpp"
#include "vrrp/script.hpp"
#include "vrrp/script_security.hpp"

namespace vipd::control {
class CommandTree;
}

namespace vipd::vrrp {

class VrrpModule {
 public:
  // `scripts`: users and files for script_user / enable_script_security (script_security.hpp);
  // nullptr: the system's.
  VrrpModule(event::Clock& clock, Network& network, ProcessRunner& processes,
             const ScriptHost* scripts = nullptr);
  ~VrrpModule();
  VrrpModule(const VrrpModule&) = delete;
  VrrpModule& operator=(const VrrpModule&) = delete;

  // Starts or reloads. Instances that cannot start (no such interface, ...) are logged and
  // left out; the rest runs.
  void apply(const config::KeepalivedConfig& config);
  // Clean stop of every instance (RFC 5798 §6.4.3: priority 0 from masters), VIPs removed,
  // VMACs deleted, notify_stop run. With `done`, masters hand over (Instance::stop) and `done`
  // runs from the loop when all have.
  void stop(std::function<void()> done = {});

  // A packet of a VRRP socket: given to the instance of its interface and family with the
  // advert's VRID, or, when none has it, to every instance of that socket (they count it as
  // vrid-mismatch, or under the check that failed first).
  void packet_received(const ReceivedPacket& packet);
  // A link went up or down (netlink monitor).
  void link_changed(const std::string& name, bool up);
  // A link was created or deleted (netlink monitor): instances whose interface it is (re)open
  // their socket on it once it is up, or wait in FAULT for it to come back.
  void link_added(const std::string& name, bool up);
  void link_removed(const std::string& name);

  Instance* find(std::string_view name);
  const Instance* find(std::string_view name) const;
  // In configuration order.
  std::vector<const Instance*> instances() const;
  const ScriptTracker* script(std::string_view name) const;
  // A vrrp_sync_group's driver (nullptr: no such group running).
  const fsm::SyncGroup* sync_group(std::string_view name) const;
  const config::KeepalivedConfig& running() const { return running_; }
  event::Clock& clock() const { return clock_; }

  // `show vrrp [NAME] [json]`, `vrrp NAME priority P`, `no vrrp NAME priority` (show.cpp).
  void install_commands(control::CommandTree& tree);

 private:
  class GroupNotifier;
  struct Group {
    config::SyncGroup config;
    std::unique_ptr<GroupNotifier> notifier;
    std::unique_ptr<fsm::SyncGroup> driver;
    Group();
    ~Group();
  };

  // What an instance runs with: its block, plus the track_interface/track_script of its sync
  // group (keepalived applies those to every member).
  // Track scripts disabled by the script plan are left out.
  config::VrrpInstance effective(const config::KeepalivedConfig& config,
                                 const config::VrrpInstance& instance) const;
  static const config::SyncGroup* group_of(const config::KeepalivedConfig& config,
                                           std::string_view instance);
  static NotifyScripts planned(const std::map<std::string, NotifyScripts, std::less<>>& all,
                               const std::string& name);
  // Creates and prepares the instance (its state machine not started); nullptr when it cannot.
  Instance* prepare_instance(const config::VrrpInstance& config);
  void sync_scripts(const config::KeepalivedConfig& config);
  void script_changed(const std::string& name, bool good);
  static bool same_globals(const config::GlobalDefs& a, const config::GlobalDefs& b);
  bool relevant(const std::string& link) const;

  event::Clock& clock_;
  Network& network_;
  ProcessRunner& processes_;
  SystemScriptHost system_scripts_;
  const ScriptHost& scripts_host_;
  ScriptPlan plan_;
  config::KeepalivedConfig running_;
  bool applied_ = false;
  std::vector<std::unique_ptr<Instance>> instances_;
  std::map<std::string, std::unique_ptr<ScriptTracker>, std::less<>> scripts_;
  std::unique_ptr<event::Timer> stop_timer_;    // runs stop()'s `done`
  std::vector<std::unique_ptr<Group>> groups_;  // after instances_: destroyed first
};

}  // namespace vipd::vrrp
