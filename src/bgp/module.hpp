// The BGP module of the daemon (module/module.hpp): the quagga/FRR `bgpd.conf` given with
// --bgp-config, the speaker that runs it, the configuration commands of `configure terminal`
// (which edit a candidate the speaker then applies) and `write memory` into that file.
#pragma once

#include <asio/io_context.hpp>
#include <memory>
#include <string>

#include "bgp/config/model.hpp"
#include "bgp/peer/asio_transport.hpp"
#include "bgp/speaker.hpp"
#include "event/clock.hpp"
#include "module/module.hpp"

namespace vipd::bgp {

struct BgpModuleOptions {
  std::string config_file;  // bgpd.conf
  SpeakerOptions speaker;
  // Makes the kernel FIB (Speaker::set_kernel_fib); none: best paths are not installed.
  Speaker::FibFactory kernel_fib;
  // The daemon's view of links and addresses (router-id, local facts of sessions); it outlives
  // the module. nullptr: none (tests).
  netlink::InterfaceView* interfaces = nullptr;
};

class BgpModule final : public module::Module {
 public:
  BgpModule(asio::io_context& io, event::Clock& clock, BgpModuleOptions options);
  ~BgpModule() override;

  std::string_view name() const override { return "bgp"; }
  std::vector<std::string> config_files() const override { return {options_.config_file}; }
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

  Speaker& speaker() { return speaker_; }
  // The hostname of the running configuration (`hostname` in bgpd.conf or `configure
  // terminal`); empty when none is set.
  const std::string& hostname() const { return candidate_.hostname; }

 private:
  // Commands in the shell edit candidate_; once the command is done, the speaker makes it the
  // running configuration (only what changed is touched).
  void schedule_sync();

  asio::io_context& io_;
  BgpModuleOptions options_;
  peer::AsioTransport transport_;  // TCP for the sessions (before the speaker, which uses it)
  Speaker speaker_;
  config::BgpConfig loaded_;     // the file as last loaded
  config::BgpConfig candidate_;  // what the shell edits
  bool sync_pending_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace vipd::bgp
