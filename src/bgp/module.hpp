// The BGP module of the daemon (module/module.hpp): the quagga/FRR `bgpd.conf` given with
// --bgp-config, the speaker that runs it, the configuration commands of `configure terminal`
// (which edit a candidate the speaker then applies) and `write memory` into that file.
#pragma once

#include <asio/io_context.hpp>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "bgp/api.hpp"
#include "bgp/config/model.hpp"
#include "bgp/peer/asio_transport.hpp"
#include "bgp/speaker.hpp"
#include "event/clock.hpp"
#include "module/module.hpp"

namespace vipd::bgp {

struct BgpModuleOptions {
  // bgpd.conf; empty: none (a Kubernetes node, whose neighbors the load balancer brings).
  std::string config_file;
  SpeakerOptions speaker;
  // Makes the kernel FIB (Speaker::set_kernel_fib); none: best paths are not installed.
  Speaker::FibFactory kernel_fib;
  // The daemon's view of links and addresses (router-id, local facts of sessions); it outlives
  // the module. nullptr: none (tests).
  netlink::InterfaceView* interfaces = nullptr;
  // Writes a sysctl ("net/ipv4/ip_forward", "1") for zebra's `ip forwarding` and `ipv6
  // forwarding` lines; none: those lines are kept but not applied (tests, --check).
  std::function<Status<std::string>(const std::string& name, const std::string& value)>
      write_sysctl;
};

// Also the BGP interface of the daemon's other modules (api.hpp): their neighbors are merged
// into the configuration the speaker runs (effective()), their routes originated.
class BgpModule final : public module::Module, public BgpApi {
 public:
  BgpModule(asio::io_context& io, event::Clock& clock, BgpModuleOptions options);
  ~BgpModule() override;

  std::string_view name() const override { return "bgp"; }
  std::vector<std::string> config_files() const override;
  std::vector<std::string> load() override;
  void daemon_settings(module::DaemonSettings& settings) const override;
  void install_commands(control::CommandTree& tree) override;
  Status<std::string> start() override;
  void reload() override;
  void stop(std::function<void()> done) override;
  void stop_now() override {}
  std::string running_config() const override;
  void running_config_json(nlohmann::json& document) const override;
  nlohmann::json status() const override;
  std::string summary() const override;
  std::optional<Status<std::string>> save_config() override;
  void collect_metrics(metrics::Families& families) const override;  // metrics.cpp

  // BgpApi.
  Status<std::string> set_neighbors(const std::string& source, ModuleNeighbors neighbors) override;
  void originate(const std::string& source, OriginatedRoute route) override;
  void withdraw_originated(const std::string& source, const Prefix& prefix) override;
  void withdraw_source(const std::string& source) override;
  bool neighbor_down(const IpAddress& address, std::uint8_t cease_subcode,
                     const std::string& reason) override;
  std::string neighbor_state(const IpAddress& address) const override;

  Speaker& speaker() { return speaker_; }
  // The hostname of the running configuration (`hostname` in bgpd.conf or `configure
  // terminal`); empty when none is set.
  const std::string& hostname() const { return candidate_.hostname; }

 private:
  // Commands in the shell edit candidate_; once the command is done, the speaker makes it the
  // running configuration (only what changed is touched).
  void schedule_sync();
  // What the speaker runs: the file's configuration (candidate_) with the other modules'
  // neighbors merged in. Errors when a module's local AS disagrees with bgpd.conf's.
  Result<config::BgpConfig, std::string> effective(
      const config::BgpConfig& file, const std::map<std::string, ModuleNeighbors>& modules) const;
  // Applies effective(candidate_, module_neighbors_).
  Status<std::string> apply();

  asio::io_context& io_;
  BgpModuleOptions options_;
  peer::AsioTransport transport_;  // TCP for the sessions (before the speaker, which uses it)
  Speaker speaker_;
  config::BgpConfig loaded_;        // the file as last loaded
  config::BgpConfig candidate_;     // what the shell edits
  config::BgpConfig running_file_;  // the part of the speaker's configuration that is the file's
  std::map<std::string, ModuleNeighbors> module_neighbors_;  // by source module
  bool sync_pending_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  // SIGHUP reads and parses bgpd.conf on this thread (a 1M-line file takes seconds; the loop
  // must keep sending keepalives meanwhile), then applies the result on the loop. One at a
  // time: a SIGHUP during a reload runs one more once it is done.
  std::thread reload_worker_;
  bool reload_again_ = false;
  bool stopped_ = false;
  struct Reloaded;  // module.cpp: what the worker hands the loop
  void finish_reload(Reloaded reloaded);
  // The lines around BGP of the live configuration (debug topics, forwarding sysctls), and a
  // notice for each kept line not reported before (once per process).
  void apply_frr_lines();
  std::vector<std::string> notices_;  // of the last load(): "FILE:LINE: ..." for start()
  std::set<std::string> noticed_;     // kept lines already reported
  std::optional<bool> ip_forwarding_applied_;
  std::optional<bool> ipv6_forwarding_applied_;
};

}  // namespace vipd::bgp
