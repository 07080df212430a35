// Test doubles for the load-balancer module: a cluster source whose state the test sets, and a
// BGP module that records what it is asked.
#pragma once

#include "lb/l2_runner.hpp"

#include <map>
#include <string>
#include <vector>

#include "bgp/api.hpp"
#include "lb/cluster/source.hpp"

namespace vipd::lb::test {

class FakeSource final : public cluster::ClusterSource {
 public:
  std::vector<std::string> start(Listener listener) override {
    listener_ = std::move(listener);
    started = true;
    // A real source's first listener call comes from its loop once the state is whole; these
    // tests have no loop: it comes at once.
    if (start_errors.empty() && !defer_first_call) changed();
    return start_errors;
  }
  void stop() override { started = false; }
  const cluster::ClusterState& state() const override { return state_; }
  bool acquire_leadership(std::function<void(bool)> on_change) override {
    on_leadership_ = std::move(on_change);
    return leader;
  }
  void write_ingress(const cluster::ObjectKey& service,
                     const std::vector<IpAddress>& ips) override {
    writes.emplace_back(service, ips);
    auto it = state_.services.find(service);
    if (it != state_.services.end()) it->second.ingress = ips;
  }
  void write_l2_status(const cluster::ServiceL2Status& status) override {
    l2()[{status.service, status.node}] = status;
  }
  void remove_l2_status(const cluster::ObjectKey& service, const std::string& node) override {
    l2().erase({service, node});
  }
  void clear_l2_statuses(const std::string& node) override {
    std::erase_if(l2(), [&](const auto& entry) { return entry.first.second == node; });
  }
  void record_event(const cluster::ObjectKey& service, const std::string& reason,
                    const std::string& message, bool) override {
    events.push_back(service.to_string() + " " + reason + " " + message);
  }

  void write_bgp_status(const cluster::ServiceBGPStatus& status) override {
    bgp_statuses[{status.service, status.node}] = status;
  }
  void remove_bgp_status(const cluster::ObjectKey& service, const std::string& node) override {
    bgp_statuses.erase({service, node});
  }
  void clear_bgp_statuses(const std::string& node) override {
    ++bgp_status_clears;
    std::erase_if(bgp_statuses, [&](const auto& entry) { return entry.first.second == node; });
  }
  void write_session_status(const cluster::BgpSessionStatus& status) override {
    session_statuses[status.peer] = status;
    ++session_status_writes;
  }
  void remove_session_status(const std::string&, const std::string& peer) override {
    session_statuses.erase(peer);
  }
  void write_pool_status(const cluster::PoolStatus& status) override {
    pool_statuses[status.pool] = status;
    ++pool_status_writes;
  }
  const ResourceDocuments* resources() const override {
    return carries_resources ? &documents : nullptr;
  }
  // The events with `reason` (each "NS/NAME REASON MESSAGE").
  std::vector<std::string> events_of(const std::string& reason) const {
    std::vector<std::string> out;
    for (const auto& e : events)
      if (e.find(" " + reason + " ") != std::string::npos) out.push_back(e);
    return out;
  }

  std::map<std::pair<cluster::ObjectKey, std::string>, cluster::ServiceBGPStatus> bgp_statuses;
  int bgp_status_clears = 0;
  std::map<std::string, cluster::BgpSessionStatus> session_statuses;
  int session_status_writes = 0;
  std::map<std::string, cluster::PoolStatus> pool_statuses;
  int pool_status_writes = 0;
  // The MetalLB resources as the API source carries them (when carries_resources).
  bool carries_resources = false;
  ResourceDocuments documents;

  using L2Statuses = std::map<std::pair<cluster::ObjectKey, std::string>, cluster::ServiceL2Status>;
  L2Statuses l2_statuses;
  // Where the ServiceL2Status objects go instead, when set: they outlive the source (the module
  // destroys it on stop).
  L2Statuses* l2_statuses_out = nullptr;
  L2Statuses& l2() { return l2_statuses_out ? *l2_statuses_out : l2_statuses; }

  // The test changes the cluster, then tells the module as a source would.
  cluster::ClusterState& edit() { return state_; }
  void changed() {
    if (listener_) listener_(state_);
  }
  void set_leader(bool l) {
    leader = l;
    if (on_leadership_) on_leadership_(l);
  }

  bool started = false;
  bool defer_first_call = false;  // the test calls changed() for the first state
  bool leader = true;
  std::vector<std::string> start_errors;
  std::vector<std::pair<cluster::ObjectKey, std::vector<IpAddress>>> writes;
  std::vector<std::string> events;

 private:
  cluster::ClusterState state_;
  Listener listener_;
  std::function<void(bool)> on_leadership_;
};

class FakeBgp final : public bgp::BgpApi {
 public:
  Status<std::string> set_neighbors(const std::string& source,
                                    bgp::ModuleNeighbors brought) override {
    if (!refuse.empty()) return unexpected(refuse);
    neighbors[source] = std::move(brought);
    return Ok{};
  }
  void originate(const std::string& source, bgp::OriginatedRoute route) override {
    ++originations;
    routes[source][route.prefix] = std::move(route);
  }
  void withdraw_originated(const std::string& source, const Prefix& prefix) override {
    ++withdrawals;
    routes[source].erase(prefix);
  }
  void withdraw_source(const std::string& source) override { routes.erase(source); }
  bool neighbor_down(const IpAddress&, std::uint8_t, const std::string&) override { return false; }
  std::string neighbor_state(const IpAddress& address) const override {
    auto it = states.find(address);
    return it == states.end() ? std::string() : it->second;
  }
  std::map<IpAddress, std::string> states;  // neighbor_state's answers

  std::string refuse;
  std::map<std::string, bgp::ModuleNeighbors> neighbors;
  std::map<std::string, std::map<Prefix, bgp::OriginatedRoute>> routes;
  int originations = 0;
  int withdrawals = 0;
};

class FakeBfd final : public bfd::BfdApi {
 public:
  void set_sessions(const std::string& source, std::vector<bfd::SessionRequest> r) override {
    requests[source] = std::move(r);
  }
  std::string session_state(const bfd::PeerKey& peer) const override {
    auto it = states.find(peer.peer);
    return it == states.end() ? std::string() : it->second;
  }
  std::map<std::string, std::vector<bfd::SessionRequest>> requests;
  std::map<IpAddress, std::string> states;
};

// Records what the module asks of L2 mode's virtual routers.
class FakeL2Runner final : public L2Runner {
 public:
  Status<std::string> start(std::function<void()> changed, Ownership ownership) override {
    changed_ = std::move(changed);
    ownership_ = std::move(ownership);
    ++starts;
    if (!fail_start.empty()) return unexpected(fail_start);
    return Ok();
  }
  void apply(const vrrp::config::KeepalivedConfig& config) override { applied.push_back(config); }
  void stop(std::function<void()> done) override {
    ++stops;
    if (done) done();
  }
  std::vector<NodeInterface> interfaces() const override { return node_interfaces; }
  const vrrp::VrrpModule* vrrp() const override { return nullptr; }
  // This node's virtual router for `ip` became master (or left it).
  void own(const IpAddress& ip, bool owned, const std::string& interface = "eth0") {
    if (ownership_) ownership_(ip, interface, owned);
  }
  // The node's interfaces changed (as the daemon's interface view reports).
  void interfaces_changed() {
    if (changed_) changed_();
  }

  std::vector<NodeInterface> node_interfaces{{"eth0", {*Prefix::parse("192.168.20.0/24")}}};
  std::vector<vrrp::config::KeepalivedConfig> applied;
  std::string fail_start;
  int starts = 0;
  int stops = 0;

 private:
  std::function<void()> changed_;
  Ownership ownership_;
};

}  // namespace vipd::lb::test
