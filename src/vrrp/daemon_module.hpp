// The VRRP module of the daemon (module/module.hpp): the keepalived.conf given with
// --vrrp-config, run by a VrrpService on the daemon's loop. keepalived.conf stays the user's
// file: vipd never writes it (`write memory` saves only bgpd.conf), and `show running-config`
// shows it as last loaded.
#pragma once

#include <asio/io_context.hpp>
#include <memory>
#include <string>

#include "event/clock.hpp"
#include "module/module.hpp"
#include "vrrp/config/model.hpp"
#include "vrrp/service.hpp"

namespace vipd::vrrp {

class VrrpDaemonModule final : public module::Module {
 public:
  // `interfaces`: the daemon's view of links (it outlives the module).
  VrrpDaemonModule(asio::io_context& io, event::Clock& clock, netlink::InterfaceView& interfaces,
                   std::string config_file);
  ~VrrpDaemonModule() override;

  std::string_view name() const override { return "vrrp"; }
  std::vector<std::string> config_files() const override { return {config_file_}; }
  std::vector<std::string> load() override;
  std::vector<std::string> warnings() const override { return warnings_; }
  void install_commands(control::CommandTree& tree) override;
  Status<std::string> start() override;
  void reload() override;
  void stop(std::function<void()> done) override;
  void stop_now() override;
  std::string running_config() const override;
  void running_config_json(nlohmann::json& document) const override;
  nlohmann::json status() const override;
  std::string summary() const override;
  void collect_metrics(metrics::Families& families) const override;  // daemon_metrics.cpp

  VrrpService& service() { return *service_; }

 private:
  // load(), refusing an empty file when `reloading`.
  std::vector<std::string> load_file(bool reloading);
  std::string config_file_;
  std::unique_ptr<VrrpService> service_;
  config::KeepalivedConfig loaded_;
  std::vector<std::string> warnings_;
  std::string text_;  // the file as last loaded, for `show running-config`
};

}  // namespace vipd::vrrp
