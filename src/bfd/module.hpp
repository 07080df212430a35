// The BFD module: runs the daemon's BFD sessions (session.hpp) and tells BGP when a neighbor
// dies (bgp::BgpApi::neighbor_down with Cease/BFD Down, RFC 9384).
//
// Sessions come from two sources:
//  - "bgpd.conf": FRR's `bfd` node (`profile NAME`, `peer A [multihop] [local-address B]
//    [interface IF]`) and `neighbor A bfd [profile NAME]` in `router bgp`;
//  - "lb": the load balancer's BGPPeers with a MetalLB BFDProfile, through BfdApi.
//
// BGP integration (RFC 5882 §4.3, as FRR bgpd does): a session that goes from Up to Down takes
// its BGP neighbor down at once, in the same loop iteration; Down because the peer signalled
// AdminDown does not (RFC 5882 §3.2). BGP never waits for BFD to come Up (FRR's default, no
// `check-control-plane-failure`).
#pragma once

#include <asio/io_context.hpp>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bfd/api.hpp"
#include "bfd/session.hpp"
#include "bgp/api.hpp"
#include "bgp/config/model.hpp"
#include "event/clock.hpp"
#include "module/module.hpp"

namespace vipd::bfd {

inline constexpr const char* kConfigSource = "bgpd.conf";

struct BfdModuleOptions {
  std::string config_file;     // bgpd.conf; empty: only other modules' sessions
  bgp::BgpApi* bgp = nullptr;  // told about dead neighbors; nullptr: nobody
  // The sockets; default: UdpNetwork on the io_context (tests pass a fake).
  std::function<std::unique_ptr<Network>()> make_network;
};

// The sessions bgpd.conf asks for: every `peer` block, and a single hop session for each
// `neighbor A bfd` that no peer block covers, with profiles resolved.
std::vector<SessionRequest> requests_of(const bgp::config::BgpConfig& config);

class BfdModule final : public module::Module, public BfdApi {
 public:
  BfdModule(asio::io_context& io, event::Clock& clock, BfdModuleOptions options);
  ~BfdModule() override;

  std::string_view name() const override { return "bfd"; }
  std::vector<std::string> config_files() const override;
  std::vector<std::string> load() override;
  void install_commands(control::CommandTree& tree) override;
  Status<std::string> start() override;
  void reload() override;
  void stop(std::function<void()> done) override;
  void stop_now() override;
  std::string running_config() const override { return {}; }  // bgpd.conf renders the bfd node
  void running_config_json(nlohmann::json&) const override {}
  nlohmann::json status() const override;
  std::string summary() const override;
  void collect_metrics(metrics::Families& families) const override;  // metrics.cpp

  void set_sessions(const std::string& source, std::vector<SessionRequest> requests) override;
  std::string session_state(const PeerKey& peer) const override;

  // For `show bfd peers` and tests.
  const SessionTable* sessions() const { return table_.get(); }
  const SessionRequest* request(const PeerKey& peer) const;
  std::uint64_t client_notifications(const PeerKey& peer) const;
  event::TimePoint now() const { return clock_.now(); }

 private:
  void apply();
  void on_state_changed(Session& session, const fsm::StateChanged& change);

  asio::io_context& io_;
  event::Clock& clock_;
  BfdModuleOptions options_;
  std::vector<SessionRequest> loaded_;  // from the last load()
  // What each source asked for, in the order sources first asked (bgpd.conf first).
  std::vector<std::pair<std::string, std::vector<SessionRequest>>> sources_;
  std::map<PeerKey, SessionRequest> running_;  // merged requests of the running sessions
  std::map<PeerKey, std::uint64_t> notifications_;
  std::unique_ptr<Network> network_;
  std::unique_ptr<SessionTable> table_;
};

}  // namespace vipd::bfd
