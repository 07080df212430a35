#include "lb/module.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "common/log.hpp"
#include "lb/crd/load.hpp"

namespace vipd::lb {

LbModule::LbModule(bgp::BgpApi& bgp, LbModuleOptions options)
    : bgp_(bgp), options_(std::move(options)) {
  // One --lb-class for both halves, as MetalLB's controller and speaker take the same flag.
  options_.l2.load_balancer_class = options_.allocation.load_balancer_class;
}

LbModule::~LbModule() = default;

std::vector<std::string> LbModule::load() {
  auto result = crd::load_lb_config(options_.config_paths);
  if (!result.errors.empty()) return result.errors;
  loaded_ = std::move(result.config);
  warnings_ = std::move(result.warnings);
  return {};
}

Status<std::string> LbModule::start() {
  for (const auto& warning : warnings_) log::warning("lb: {}", warning);
  running_ = loaded_;
  if (!options_.make_source) return unexpected(std::string("lb: no cluster source given"));
  source_ = options_.make_source();
  if (!source_) return unexpected("lb: cannot reach " + options_.source_description);
  source_ready_ = false;
  auto errors = source_->start([this](const cluster::ClusterState&) {
    source_ready_ = true;
    ++cluster_updates_;
    converge();
  });
  if (options_.speaker && options_.clock && options_.session_status_interval.count() > 0) {
    session_timer_ = options_.clock->make_timer();
    auto tick = std::make_shared<std::function<void()>>();
    *tick = [this, tick] {
      sync_session_status();
      session_timer_->arm(options_.session_status_interval, *tick);
    };
    session_timer_->arm(options_.session_status_interval, *tick);
  }
  if (!errors.empty()) {
    source_.reset();
    return unexpected("lb: " + errors.front());
  }
  if (options_.controller) {
    leader_ = source_->acquire_leadership([this](bool leader) {
      if (leader == leader_) return;
      leader_ = leader;
      log::notice("lb: {} the controller", leader ? "now" : "no longer");
      if (leader) converge();
    });
    if (!leader_)
      log::notice("lb: another controller holds {}; standing by", options_.source_description);
  }
  converge();
  return Ok{};
}

void LbModule::reload() {
  auto result = crd::load_lb_config(options_.config_paths);
  if (!result.errors.empty()) {
    log::error("lb: reload failed, keeping the running MetalLB resources: {}",
               result.errors.front());
    for (std::size_t i = 1; i < result.errors.size(); ++i) log::error("lb: {}", result.errors[i]);
    config_stale_ = true;
    return;
  }
  config_stale_ = false;
  for (const auto& warning : result.warnings) log::warning("lb: {}", warning);
  loaded_ = std::move(result.config);
  warnings_ = std::move(result.warnings);
  running_ = loaded_;
  log::notice("lb: MetalLB resources reloaded");
  if (source_) converge();
}

void LbModule::stop(std::function<void()> done) {
  // The routes go first, then the neighbors (Cease/Peer De-configured), as a MetalLB speaker
  // that is deleted closes its sessions.
  bgp_.withdraw_source(kBgpSource);
  originated_.clear();
  (void)bgp_.set_neighbors(kBgpSource, {});
  if (options_.bfd) options_.bfd->set_sessions(kBgpSource, {});
  // This node announces nothing in L2 mode from here on.
  l2_owned_.clear();
  sync_l2_status();
  if (session_timer_) session_timer_->cancel();
  if (source_) {
    for (const auto& [key, status] : bgp_status_) source_->remove_bgp_status(key, status.node);
    for (const auto& [peer, status] : session_status_)
      source_->remove_session_status(status.node, peer);
  }
  bgp_status_.clear();
  session_status_.clear();
  leader_ = false;
  // Both at once, then `done`: L2 masters hand their Service IPs over (priority 0) and the
  // source tells the cluster it goes (a controller releases its Lease).
  auto remaining = std::make_shared<int>(1 + (l2_ ? 1 : 0));
  auto one_done = [remaining, done = std::move(done)] {
    if (--*remaining == 0 && done) done();
  };
  if (l2_) l2_->stop(one_done);
  if (source_) {
    // Kept until the module goes: the release completes on the source's own connections.
    stopped_source_ = std::move(source_);
    stopped_source_->stop_gracefully(one_done);
  } else {
    one_done();
  }
}

void LbModule::stop_now() {
  if (l2_) l2_->stop({});
  l2_.reset();
  stopped_source_.reset();
}

void LbModule::converge() {
  // A source may call back while we write statuses: finish this pass, then run once more.
  if (converging_) {
    converge_again_ = true;
    return;
  }
  converging_ = true;
  do {
    converge_again_ = false;
    // Nothing before the source's first whole state (a leadership change may come first):
    // an empty cluster or half the resources would release every address.
    if (!source_ || !source_ready_ || !sync_resources()) break;
    if (options_.controller && leader_) {
      assign(source_->state());
      sync_pool_status();
    }
    if (!options_.speaker) continue;
    announce(source_->state());
    announce_l2(source_->state());
    sync_bgp_status();
    sync_session_status();
  } while (converge_again_);
  converging_ = false;
}

void LbModule::assign(const cluster::ClusterState& state) {
  allocation_ = allocator::reconcile(running_.pools, state, options_.allocation);
  // Writes after the decisions: the state we were given changes under each write.
  std::vector<std::pair<cluster::ObjectKey, allocator::Decision>> changes;
  std::map<cluster::ObjectKey, std::string> failed;
  for (const auto& [key, decision] : allocation_.decisions) {
    auto it = state.services.find(key);
    const bool had = it != state.services.end() && !it->second.ingress.empty();
    const bool failed_anew = decision.kind == allocator::Decision::Kind::kFailed &&
                             !(failed_.contains(key) && failed_.at(key) == decision.message);
    if (decision.kind == allocator::Decision::Kind::kFailed) failed[key] = decision.message;
    if (decision.changed || failed_anew ||
        (decision.kind != allocator::Decision::Kind::kAssigned && had))
      changes.emplace_back(key, decision);
  }
  // A failure is reported once, not on every pass (MetalLB's event is per failed attempt,
  // and Kubernetes folds repeats into one Event with a count).
  failed_ = std::move(failed);
  for (const auto& [key, decision] : changes) {
    switch (decision.kind) {
      case allocator::Decision::Kind::kAssigned: {
        std::vector<std::string> ips;
        for (const auto& ip : decision.ips) ips.push_back(ip.to_string());
        std::string message = fmt::format("Assigned IP [\"{}\"]", fmt::join(ips, "\",\""));
        log::info("lb: {}: {} from pool {}", key.to_string(), message, decision.pool);
        source_->write_ingress(key, decision.ips);
        source_->record_event(key, "IPAllocated", message, false);
        break;
      }
      case allocator::Decision::Kind::kFailed:
        log::warning("lb: {}: allocation failed: {}", key.to_string(), decision.message);
        if (decision.changed) source_->write_ingress(key, decision.ips);
        source_->record_event(
            key, "AllocationFailed",
            fmt::format("Failed to allocate IP for \"{}\": {}", key.to_string(), decision.message),
            true);
        break;
      case allocator::Decision::Kind::kIgnored:
        log::info("lb: {}: not a load balancer of ours any more, addresses released",
                  key.to_string());
        source_->write_ingress(key, {});
        break;
    }
  }
}

void LbModule::announce(const cluster::ClusterState& state) {
  plan_ = plan_bgp(running_, state, options_.node_name, options_.allocation.load_balancer_class);
  for (const auto& e : plan_.errors) log::error("lb: {}", e);
  if (options_.bfd) options_.bfd->set_sessions(kBgpSource, plan_.bfd_sessions);
  if (auto set = bgp_.set_neighbors(kBgpSource, plan_.neighbors); !set) {
    if (neighbors_error_ != set.error()) log::error("lb: BGPPeers not applied: {}", set.error());
    neighbors_error_ = set.error();
  } else {
    neighbors_error_.clear();
  }
  // Only what changed reaches the BGP module (one UPDATE per changed prefix).
  for (auto it = originated_.begin(); it != originated_.end();) {
    if (!plan_.routes.contains(it->first)) {
      log::info("lb: withdrawing {}", it->first.to_string());
      bgp_.withdraw_originated(kBgpSource, it->first);
      it = originated_.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& [prefix, route] : plan_.routes) {
    auto it = originated_.find(prefix);
    if (it != originated_.end() && it->second == route) continue;
    if (it == originated_.end()) log::info("lb: announcing {}", prefix.to_string());
    bgp_.originate(kBgpSource, route);
    originated_[prefix] = route;
  }
}

void LbModule::announce_l2(const cluster::ClusterState& state) {
  if (running_.l2_advertisements.empty() && !l2_) return;
  if (!l2_) {
    std::unique_ptr<L2Runner> runner = options_.make_l2 ? options_.make_l2() : nullptr;
    auto ownership = [this](const IpAddress& ip, const std::string& interface, bool owned) {
      log::info("lb: L2: {} {} on {}", owned ? "answering for" : "no longer answering for",
                ip.to_string(), interface);
      if (owned)
        l2_owned_[ip] = interface;
      else
        l2_owned_.erase(ip);
      sync_l2_status();
    };
    auto started = runner ? runner->start([this] { converge(); }, ownership)
                          : Status<std::string>(unexpected(std::string("not built in")));
    if (!started) {
      if (l2_error_ != started.error())
        log::error("lb: L2 mode cannot start, L2Advertisements not announced: {}", started.error());
      l2_error_ = started.error();
      return;
    }
    l2_error_.clear();
    l2_ = std::move(runner);
    // What this node published before it last stopped (or died) no longer holds.
    source_->clear_l2_statuses(options_.node_name);
  }
  // From the cluster state alone, not from this node's previous plan: nodes that learnt the
  // same Services in different orders (batches of a watch, a restart) must still compute the
  // same virtual routers, or two of them answer for one address (docs/lb.md "L2 mode").
  L2Plan next = plan_l2(running_, state, options_.node_name, l2_->interfaces(), options_.l2);
  if (next.errors != l2_plan_.errors)
    for (const auto& e : next.errors) log::error("lb: L2: {}", e);
  const bool changed = !(next.vrrp == l2_plan_.vrrp);
  l2_plan_ = std::move(next);
  if (changed) l2_->apply(l2_plan_.vrrp);
  sync_l2_status();
}

bool LbModule::sync_resources() {
  const auto* resources = source_->resources();
  if (!resources) return true;
  if (resources->generation == resources_generation_) return resources_ready_;
  resources_generation_ = resources->generation;
  auto result = crd::load_lb_documents(resources->documents);
  if (!result.errors.empty()) {
    // As MetalLB: an invalid set of resources is not applied; the last valid one keeps running.
    log::error("lb: the metallb.io resources in {} do not validate{}: {}",
               options_.source_description,
               resources_ready_ ? ", keeping the running ones" : ", nothing is announced",
               result.errors.front());
    for (std::size_t i = 1; i < result.errors.size(); ++i) log::error("lb: {}", result.errors[i]);
    config_stale_ = resources_ready_;
    return resources_ready_;
  }
  config_stale_ = false;
  for (const auto& warning : result.warnings) log::warning("lb: {}", warning);
  if (!resources_ready_ || !(result.config == running_))
    log::notice(
        "lb: MetalLB resources from {}: {} pools, {} BGP peers, {} BGP and {} L2 "
        "advertisements",
        options_.source_description, result.config.pools.size(), result.config.peers.size(),
        result.config.bgp_advertisements.size(), result.config.l2_advertisements.size());
  loaded_ = result.config;
  running_ = std::move(result.config);
  warnings_ = std::move(result.warnings);
  resources_ready_ = true;
  return true;
}

void LbModule::note_announced(const cluster::ObjectKey& service, const std::string& protocol,
                              bool announced) {
  auto key = std::pair{service, protocol};
  if (!announced) {
    node_assigned_.erase(key);
    return;
  }
  if (!node_assigned_.insert(key).second || !source_) return;
  // MetalLB's speaker (speaker/main.go): Infof(svc, "nodeAssigned", ...).
  source_->record_event(
      service, "nodeAssigned",
      fmt::format("announcing from node \"{}\" with protocol \"{}\"", options_.node_name, protocol),
      false);
}

void LbModule::sync_bgp_status() {
  std::map<cluster::ObjectKey, cluster::ServiceBGPStatus> wanted;
  for (const auto& a : plan_.services) {
    if (!a.announced() || a.peers.empty()) continue;
    auto& status = wanted[a.service];
    status.service = a.service;
    status.node = options_.node_name;
    for (const auto& peer : a.peers)
      if (std::find(status.peers.begin(), status.peers.end(), peer) == status.peers.end())
        status.peers.push_back(peer);
    std::sort(status.peers.begin(), status.peers.end());
  }
  if (!source_) wanted.clear();
  for (const auto& [key, status] : bgp_status_)
    if (!wanted.contains(key)) note_announced(key, "bgp", false);
  for (const auto& [key, status] : wanted) note_announced(key, "bgp", true);
  if (!source_) {
    bgp_status_ = std::move(wanted);
    return;
  }
  if (!bgp_status_cleared_) {
    // What this node published before it last stopped (or died) no longer holds.
    source_->clear_bgp_statuses(options_.node_name);
    bgp_status_cleared_ = true;
  }
  for (const auto& [key, status] : bgp_status_)
    if (!wanted.contains(key)) source_->remove_bgp_status(key, status.node);
  for (const auto& [key, status] : wanted) {
    auto it = bgp_status_.find(key);
    if (it == bgp_status_.end() || !(it->second == status)) source_->write_bgp_status(status);
  }
  bgp_status_ = std::move(wanted);
}

void LbModule::sync_session_status() {
  if (!source_) return;
  std::map<std::string, cluster::BgpSessionStatus> wanted;
  for (const auto& [name, address] : plan_.peers) {
    auto& status = wanted[name];
    status.node = options_.node_name;
    status.peer = name;
    status.peer_address = address.to_string();
    status.bgp_status = bgp_.neighbor_state(address);
    if (status.bgp_status.empty()) status.bgp_status = "Idle";
    status.bfd_status = "N/A";
    for (const auto& session : plan_.bfd_sessions) {
      if (session.peer.peer != address || !options_.bfd) continue;
      auto state = options_.bfd->session_state(session.peer);
      status.bfd_status = state.empty() ? "Down" : state;
    }
  }
  for (const auto& [name, status] : session_status_)
    if (!wanted.contains(name)) source_->remove_session_status(status.node, name);
  for (const auto& [name, status] : wanted) {
    auto it = session_status_.find(name);
    if (it == session_status_.end() || !(it->second == status))
      source_->write_session_status(status);
  }
  session_status_ = std::move(wanted);
}

void LbModule::sync_pool_status() {
  std::map<std::string, cluster::PoolStatus> wanted;
  for (const auto& usage : allocation_.usage) {
    auto& status = wanted[usage.name];
    status.pool = usage.name;
    status.assigned_ipv4 = usage.ipv4_used;
    status.assigned_ipv6 = usage.ipv6_used;
    status.available_ipv4 = usage.ipv4_total - std::min(usage.ipv4_used, usage.ipv4_total);
    status.available_ipv6 = usage.ipv6_total - std::min(usage.ipv6_used, usage.ipv6_total);
  }
  for (const auto& [name, status] : wanted) {
    auto it = pool_status_.find(name);
    if (it == pool_status_.end() || !(it->second == status)) source_->write_pool_status(status);
  }
  pool_status_ = std::move(wanted);
}

void LbModule::sync_l2_status() {
  std::map<cluster::ObjectKey, cluster::ServiceL2Status> wanted;
  for (const auto& a : l2_plan_.services) {
    auto owned = l2_owned_.find(a.ip);
    if (owned == l2_owned_.end()) continue;
    auto& status = wanted[a.service];
    status.service = a.service;
    status.node = options_.node_name;
    if (std::find(status.interfaces.begin(), status.interfaces.end(), owned->second) ==
        status.interfaces.end())
      status.interfaces.push_back(owned->second);
  }
  if (!source_) wanted.clear();
  for (const auto& [key, status] : l2_status_)
    if (!wanted.contains(key)) note_announced(key, "layer2", false);
  for (const auto& [key, status] : wanted) note_announced(key, "layer2", true);
  for (const auto& [key, status] : l2_status_)
    if (!wanted.contains(key) && source_) source_->remove_l2_status(key, status.node);
  for (const auto& [key, status] : wanted) {
    auto it = l2_status_.find(key);
    if (it == l2_status_.end() || !(it->second == status)) source_->write_l2_status(status);
  }
  l2_status_ = std::move(wanted);
}

std::string LbModule::running_config() const {
  std::string out = "!\n! MetalLB resources";
  for (const auto& path : options_.config_paths) out += " " + path;
  out += "\n!\n";
  for (const auto& pool : running_.pools)
    out += fmt::format("! IPAddressPool {}: {}\n", pool.meta.name, fmt::join(pool.addresses, ", "));
  for (const auto& peer : running_.peers)
    out += fmt::format("! BGPPeer {}: myASN {} peerAddress {}\n", peer.meta.name, peer.my_asn,
                       peer.peer_address.to_string());
  for (const auto& adv : running_.bgp_advertisements)
    out += fmt::format("! BGPAdvertisement {}\n", adv.meta.name);
  for (const auto& adv : running_.l2_advertisements)
    out += fmt::format("! L2Advertisement {}\n", adv.meta.name);
  return out;
}

void LbModule::running_config_json(nlohmann::json& document) const {
  nlohmann::json lb;
  lb["configPaths"] = options_.config_paths;
  lb["nodeName"] = options_.node_name;
  lb["controller"] = options_.controller;
  nlohmann::json pools = nlohmann::json::array();
  for (const auto& pool : running_.pools)
    pools.push_back({{"name", pool.meta.name}, {"addresses", pool.addresses}});
  lb["ipAddressPools"] = std::move(pools);
  nlohmann::json peers = nlohmann::json::array();
  for (const auto& peer : running_.peers)
    peers.push_back({{"name", peer.meta.name},
                     {"myASN", peer.my_asn},
                     {"peerASN", peer.peer_asn},
                     {"peerAddress", peer.peer_address.to_string()}});
  lb["bgpPeers"] = std::move(peers);
  document["lb"] = std::move(lb);
}

nlohmann::json LbModule::status() const {
  nlohmann::json j;
  j["nodeName"] = options_.node_name;
  j["source"] = options_.source_description;
  j["controller"] = options_.controller;
  j["leader"] = leader_;
  j["pools"] = running_.pools.size();
  j["peers"] = plan_.peers.size();
  std::size_t services = 0, announced = 0;
  for (const auto& s : plan_.services) {
    ++services;
    announced += s.announced() ? 1 : 0;
  }
  j["serviceAddresses"] = services;
  j["announced"] = announced;
  j["prefixes"] = originated_.size();
  return j;
}

std::string LbModule::summary() const {
  return fmt::format("load balancer on node {} ({} pools, {} BGP peers{})", options_.node_name,
                     running_.pools.size(), running_.peers.size(),
                     options_.controller ? ", controller" : "");
}

}  // namespace vipd::lb
