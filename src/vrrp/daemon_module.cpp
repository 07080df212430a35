#include "vrrp/daemon_module.hpp"

#include <fstream>
#include <iterator>

#include "common/log.hpp"
#include "vrrp/config/json.hpp"
#include "vrrp/config/parser.hpp"

namespace vipd::vrrp {

VrrpDaemonModule::VrrpDaemonModule(asio::io_context& io, event::Clock& clock,
                                   netlink::InterfaceView& interfaces, std::string config_file)
    : config_file_(std::move(config_file)),
      service_(std::make_unique<VrrpService>(io, clock, interfaces)) {}

VrrpDaemonModule::~VrrpDaemonModule() = default;

std::vector<std::string> VrrpDaemonModule::load() {
  std::vector<config::ConfigWarning> warnings;
  auto loaded = config::load_keepalived_config(config_file_, &warnings);
  if (!loaded) return {loaded.error().to_string()};
  loaded_ = std::move(*loaded);
  warnings_.clear();
  for (const auto& w : warnings) warnings_.push_back(w.to_string());
  std::ifstream in(config_file_);
  text_.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return {};
}

void VrrpDaemonModule::install_commands(control::CommandTree& tree) {
  service_->module().install_commands(tree);
}

Status<std::string> VrrpDaemonModule::start() {
  for (const auto& warning : warnings_) log::warning("{}", warning);
  if (auto started = service_->start(loaded_); !started)
    return unexpected("VRRP: " + started.error());
  return Ok{};
}

void VrrpDaemonModule::reload() {
  if (auto errors = load(); !errors.empty()) {
    log::error("reload failed, keeping the running VRRP configuration: {}", errors.front());
    return;
  }
  for (const auto& warning : warnings_) log::warning("{}", warning);
  service_->reload(loaded_);
  log::notice("configuration reloaded from {}", config_file_);
}

void VrrpDaemonModule::stop(std::function<void()> done) {
  // RFC 5798 §6.4.3: masters send priority 0, then hand their VIPs over to the backup that
  // takes over (VrrpService::stop); VMACs are removed.
  service_->stop(std::move(done));
}

void VrrpDaemonModule::stop_now() {
  service_->stop();
}

std::string VrrpDaemonModule::running_config() const {
  // The VRRP part as keepalived.conf, the file as it was last loaded.
  return fmt::format("!\n! keepalived.conf {}\n!\n{}", config_file_, text_);
}

void VrrpDaemonModule::running_config_json(nlohmann::json& document) const {
  document["vrrp"] = config::to_json(service_->module().running());
}

nlohmann::json VrrpDaemonModule::status() const {
  nlohmann::json j;
  j["configFile"] = config_file_;
  nlohmann::json states = nlohmann::json::object();
  for (const Instance* instance : service_->module().instances())
    states[instance->name()] = std::string(fsm::to_string(instance->state()));
  j["instances"] = std::move(states);
  return j;
}

std::string VrrpDaemonModule::summary() const {
  return fmt::format("VRRP with {} instances from {}", service_->module().instances().size(),
                     config_file_);
}

}  // namespace vipd::vrrp
