// `show running-config json`: the same content as render_config(), keyed in FRR's camelCase.
#include "bgp/config/render.hpp"

namespace vipd::bgp::config {
namespace {

nlohmann::json destination(const LogDestination& d, bool with_path) {
  nlohmann::json j = nlohmann::json::object();
  if (with_path) j["path"] = d.path;
  if (!d.level.empty()) j["level"] = d.level;
  return j;
}

nlohmann::json neighbor_json(const NeighborConfig& n) {
  nlohmann::json j;
  j["address"] = n.address.to_string();
  if (n.remote_as.kind == RemoteAs::Kind::kNumber) {
    j["remoteAs"] = n.remote_as.asn;
  } else {
    j["remoteAs"] = n.remote_as.to_string();
  }
  if (!n.description.empty()) j["description"] = n.description;
  // Secrets stay out of machine output (monitoring scrapes it); the text config keeps them.
  if (!n.password.empty()) j["passwordSet"] = true;
  if (n.timers) j["timers"] = {{"keepalive", n.timers->keepalive}, {"holdTime", n.timers->hold}};
  if (n.connect_retry) j["connectRetryTimer"] = *n.connect_retry;
  if (!n.update_source.empty()) j["updateSource"] = n.update_source;
  j["passive"] = n.passive;
  j["shutdown"] = n.shutdown;
  if (!n.shutdown_message.empty()) j["shutdownMessage"] = n.shutdown_message;
  if (n.ebgp_multihop) j["ebgpMultihop"] = *n.ebgp_multihop;
  if (n.port) j["port"] = *n.port;
  nlohmann::json afs = nlohmann::json::object();
  for (auto af : kAddressFamilies)
    if (n.in(af).active)
      afs[af == AddressFamily::kIpv4Unicast ? "ipv4Unicast" : "ipv6Unicast"] = {{"active", true}};
  j["addressFamilies"] = afs;
  return j;
}

nlohmann::json router_json(const RouterBgp& bgp) {
  nlohmann::json j;
  j["as"] = bgp.asn;
  if (bgp.router_id) j["routerId"] = bgp.router_id->to_string();
  if (bgp.timers)
    j["timers"] = {{"keepalive", bgp.timers->keepalive}, {"holdTime", bgp.timers->hold}};
  j["logNeighborChanges"] = bgp.log_neighbor_changes;
  j["defaultIpv4Unicast"] = bgp.default_ipv4_unicast;
  j["alwaysCompareMed"] = bgp.always_compare_med;
  j["deterministicMed"] = bgp.deterministic_med;
  j["multipathRelax"] = bgp.multipath_relax;
  j["neighbors"] = nlohmann::json::array();
  for (const auto& n : bgp.neighbors) j["neighbors"].push_back(neighbor_json(n));
  nlohmann::json afs = nlohmann::json::object();
  for (auto af : kAddressFamilies) {
    const AfConfig& c = bgp.in(af);
    nlohmann::json a;
    a["networks"] = nlohmann::json::array();
    for (const auto& p : c.networks) a["networks"].push_back(p.to_string());
    if (c.maximum_paths) a["maximumPaths"] = *c.maximum_paths;
    if (c.maximum_paths_ibgp) a["maximumPathsIbgp"] = *c.maximum_paths_ibgp;
    afs[af == AddressFamily::kIpv4Unicast ? "ipv4Unicast" : "ipv6Unicast"] = a;
  }
  j["addressFamilies"] = afs;
  return j;
}

}  // namespace

nlohmann::json to_json(const BgpConfig& config) {
  nlohmann::json j = nlohmann::json::object();
  if (!config.hostname.empty()) j["hostname"] = config.hostname;
  if (!config.password.empty()) j["passwordSet"] = true;
  if (!config.enable_password.empty()) j["enablePasswordSet"] = true;
  j["noRib"] = config.no_rib;
  nlohmann::json log = nlohmann::json::object();
  if (config.log.file) log["file"] = destination(*config.log.file, true);
  if (config.log.stdout_) log["stdout"] = destination(*config.log.stdout_, false);
  if (config.log.syslog) log["syslog"] = destination(*config.log.syslog, false);
  j["log"] = log;
  j["routerBgp"] = config.bgp ? router_json(*config.bgp) : nlohmann::json(nullptr);
  return j;
}

}  // namespace vipd::bgp::config
