// A module of vipd: one job of the daemon (BGP, VRRP, later BFD and the load balancer) with its
// own configuration, commands and state. BIRD's `struct protocol` and holo's protocol instances
// are the models: the daemon composes a list of modules from its command line and drives each
// through the same life cycle, so adding a module is one new entry in that list
// (apps/vipd/modules.cpp), not edits all over the daemon.
//
// Life cycle, driven by the daemon on its one event loop (DESIGN principle 4):
//   load()              read and validate the configuration; nothing applied, no socket opened,
//                       no kernel state touched (also all that `vipd --check` runs)
//   install_commands()  its `vipctl` commands, before the control socket serves
//   start()             apply the loaded configuration
//   reload()            SIGHUP: load again; on any error keep running what runs
//   stop(done)          clean stop, in the daemon's one stop order (docs/architecture.md)
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace vipd::control {
class CommandTree;
}
namespace vipd::metrics {
class Families;
}

namespace vipd::module {

// Daemon-wide settings. The daemon owns them (one owner); a module whose configuration file
// carries such lines (bgpd.conf's `hostname` and `log file`, as zebra and bgpd share them)
// reports them with daemon_settings(), and the command line wins over what modules report.
struct DaemonSettings {
  std::string hostname;  // for the shell's prompt; empty: the system's hostname
  std::string log_file;  // empty: syslog, or stderr in the foreground
  bool log_syslog = false;
  bool log_stdout = false;
  // vtysh's `exec-timeout` (bgpd.conf `line vty`): control clients idle this long are
  // disconnected; zero: never. Unset: the default of 10 minutes.
  std::optional<std::chrono::seconds> exec_timeout;
};

class Module {
 public:
  virtual ~Module() = default;

  // "bgp", "vrrp": for logs, `show modules` and the running configuration's JSON.
  virtual std::string_view name() const = 0;
  // The configuration files this module reads (for --check and the logs).
  virtual std::vector<std::string> config_files() const = 0;

  // Reads and validates the configuration files and keeps the result for start() and
  // reload(). Returns every error found as "FILE:LINE: message" (empty: loaded). Opens no
  // socket and touches no kernel state.
  virtual std::vector<std::string> load() = 0;
  // What the last load() warned about ("FILE:LINE: message"): logged, not fatal.
  virtual std::vector<std::string> warnings() const { return {}; }
  // The daemon-wide settings of the loaded configuration (see DaemonSettings).
  virtual void daemon_settings(DaemonSettings&) const {}

  // The module's `vipctl` commands (show, clear, configuration nodes).
  virtual void install_commands(control::CommandTree& tree) = 0;
  // Applies the loaded configuration. An error fails the daemon's start; the daemon then stops
  // the modules started before this one.
  virtual Status<std::string> start() = 0;
  // SIGHUP. A configuration that does not load or apply is logged and the running one kept.
  virtual void reload() = 0;
  // Clean stop; `done` runs (at once, or later from the loop) when the module has finished,
  // e.g. once a VRRP master has handed its addresses over.
  virtual void stop(std::function<void()> done) = 0;
  // A second stop signal while stop() has not finished: finish now.
  virtual void stop_now() = 0;

  // `show running-config`: this module's part, in its own file's syntax.
  virtual std::string running_config() const = 0;
  // `show running-config json`: adds this module's part to the document.
  virtual void running_config_json(nlohmann::json& document) const = 0;
  // `show modules json`: what the module runs now, in a few numbers.
  virtual nlohmann::json status() const = 0;
  // One phrase for the daemon's start line ("BGP AS 65000 with 6 neighbors").
  virtual std::string summary() const = 0;
  // `write memory`: saves the running configuration into the module's file. nullopt: vipd does
  // not write this module's file (keepalived.conf is the user's).
  virtual std::optional<Status<std::string>> save_config() { return std::nullopt; }

  // /metrics (metrics/families.hpp, docs/metrics.md): adds the module's metric families from
  // the state it holds now. Runs on the event loop, like everything else here; copies numbers
  // only (a scrape must not hold the loop). Each module has it in a metrics.cpp of its own.
  virtual void collect_metrics(metrics::Families&) const {}
  // /readyz: why the module cannot serve yet (the load balancer has not read the cluster);
  // empty: ready. Asked only once every module has started.
  virtual std::string not_ready() const { return {}; }
};

using ModuleList = std::vector<std::unique_ptr<Module>>;

}  // namespace vipd::module
