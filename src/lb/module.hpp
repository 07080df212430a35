// The load-balancer module of the daemon (module/module.hpp): MetalLB's controller and speaker
// (BGP mode) in one. It reads the MetalLB resources of --lb-config, learns the cluster from a
// source (--k8s-dir now, the Kubernetes API later: cluster/source.hpp), and
//  - as the controller (--lb-controller, while it holds the source's leadership) decides every
//    LoadBalancer Service's addresses (allocator/) and records them in the Service's status;
//  - as the speaker of this node (--node-name) makes its BGPPeers neighbors of the BGP module
//    and originates the assigned addresses there as its BGPAdvertisements say (announce.hpp).
// Everything runs on the daemon's event loop; each cluster change is one pass of both.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "bfd/api.hpp"
#include "bgp/api.hpp"
#include "event/clock.hpp"
#include "lb/allocator/allocator.hpp"
#include "lb/announce.hpp"
#include "lb/announce_l2.hpp"
#include "lb/cluster/source.hpp"
#include "lb/crd/resources.hpp"
#include "lb/l2_runner.hpp"
#include "module/module.hpp"

namespace vipd::lb {

struct LbModuleOptions {
  std::vector<std::string> config_paths;  // --lb-config: files or directories
  std::string node_name;                  // --node-name (the daemon defaults it to the hostname)
  bool controller = false;                // --lb-controller
  // false (--lb-controller-only): assign only; announce nothing, publish no speaker status.
  bool speaker = true;
  allocator::Options allocation;
  // Makes the cluster source at start(); the daemon's makes a DirSource on --k8s-dir.
  std::function<std::unique_ptr<cluster::ClusterSource>()> make_source;
  std::string source_description;  // "--k8s-dir /path", for status and logs
  // BGPPeers with a bfdProfile get BFD sessions here (the BFD module outlives this module);
  // nullptr: no BFD.
  bfd::BfdApi* bfd = nullptr;
  // L2 mode (L2Advertisements): makes the runner of its virtual routers the first time an
  // L2Advertisement is loaded; unset: L2Advertisements are reported as not announced.
  std::function<std::unique_ptr<L2Runner>()> make_l2;
  L2Options l2;
  // Polls the BGP sessions for their BGPSessionStatus objects this often (MetalLB's status
  // design polls too); nullptr clock: only on cluster changes.
  event::Clock* clock = nullptr;
  std::chrono::seconds session_status_interval{5};
};

class LbModule final : public module::Module {
 public:
  // `bgp`: the BGP module's interface (it outlives this module: it is stopped after it).
  LbModule(bgp::BgpApi& bgp, LbModuleOptions options);
  ~LbModule() override;

  std::string_view name() const override { return "lb"; }
  std::vector<std::string> config_files() const override { return options_.config_paths; }
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
  void collect_metrics(metrics::Families& families) const override;  // metrics.cpp
  std::string not_ready() const override;                            // metrics.cpp

  // Makes `config` the loaded resources, as load() does after reading them (tests, and a
  // later source of resources that are not files).
  void set_loaded(crd::LbConfig config) { loaded_ = std::move(config); }

  // For the show commands and tests.
  const crd::LbConfig& config() const { return running_; }
  const BgpPlan& plan() const { return plan_; }
  const L2Plan& l2_plan() const { return l2_plan_; }
  const L2Runner* l2_runner() const { return l2_.get(); }
  // The Service IPs this node answers ARP/NDP for now, with the interface.
  const std::map<IpAddress, std::string>& l2_owned() const { return l2_owned_; }
  const allocator::Result& allocation() const { return allocation_; }
  bool leader() const { return leader_; }
  const cluster::ClusterState* cluster() const { return source_ ? &source_->state() : nullptr; }
  const LbModuleOptions& options() const { return options_; }

 private:
  // One pass over the current cluster state: assign (controller), then announce.
  void converge();
  void assign(const cluster::ClusterState& state);
  void announce(const cluster::ClusterState& state);
  void announce_l2(const cluster::ClusterState& state);
  // This node's ServiceL2Status objects: one per Service with an address it answers for.
  void sync_l2_status();
  // The MetalLB resources from the source when it carries them (the API): false while none
  // has validated yet (then nothing is assigned or announced).
  bool sync_resources();
  // ServiceBGPStatus per Service this node announces over BGP, BGPSessionStatus per session.
  void sync_bgp_status();
  void sync_session_status();
  // The controller's IPAddressPool status counts.
  void sync_pool_status();
  // MetalLB's nodeAssigned Event when this node starts announcing a Service.
  void note_announced(const cluster::ObjectKey& service, const std::string& protocol,
                      bool announced);

  bgp::BgpApi& bgp_;
  LbModuleOptions options_;
  crd::LbConfig loaded_;
  crd::LbConfig running_;
  std::vector<std::string> warnings_;
  std::unique_ptr<cluster::ClusterSource> source_;
  std::unique_ptr<cluster::ClusterSource> stopped_source_;  // stop() waits on it
  bool leader_ = false;
  bool source_ready_ = false;  // the source's listener has run: its state is whole
  bool converging_ = false;
  bool converge_again_ = false;
  allocator::Result allocation_;
  BgpPlan plan_;
  std::map<Prefix, bgp::OriginatedRoute> originated_;
  std::map<cluster::ObjectKey, std::string> failed_;  // Services whose allocation failed: why
  std::string neighbors_error_;  // why the BGP module refused the BGPPeers; empty: it did not
  std::unique_ptr<L2Runner> l2_;
  L2Plan l2_plan_;
  std::string l2_error_;  // why L2 mode could not start (logged once); retried on each pass
  std::map<IpAddress, std::string> l2_owned_;  // Service IPs this node answers for: interface
  std::map<cluster::ObjectKey, cluster::ServiceL2Status> l2_status_;  // as written
  std::uint64_t resources_generation_ = 0;
  bool resources_ready_ = false;
  std::map<cluster::ObjectKey, cluster::ServiceBGPStatus> bgp_status_;  // as written
  bool bgp_status_cleared_ = false;
  std::map<std::string, cluster::BgpSessionStatus> session_status_;     // by BGPPeer name
  std::map<std::string, cluster::PoolStatus> pool_status_;              // by pool name
  std::set<std::pair<cluster::ObjectKey, std::string>> node_assigned_;  // (Service, protocol)
  std::unique_ptr<event::Timer> session_timer_;
  std::uint64_t cluster_updates_ = 0;  // cluster states the source gave (metrics, readiness)
  bool config_stale_ = false;          // the last reload failed (metrics)
};

}  // namespace vipd::lb
