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

// The options of commands_neighbor_options.cpp that differ from FRR's defaults.
void add_af_options(nlohmann::json& o, const NeighborAfConfig& a) {
  if (a.soft_reconfiguration) o["softReconfigurationInbound"] = true;
  o["sendCommunity"] = {{"standard", a.send_community},
                        {"extended", a.send_extended_community},
                        {"large", a.send_large_community}};
  if (a.weight) o["weight"] = *a.weight;
  if (a.remove_private_as)
    o["removePrivateAs"] = {{"all", a.remove_private_as_all},
                            {"replaceAs", a.remove_private_as_replace}};
  if (a.as_override) o["asOverride"] = true;
  if (a.as_path_unchanged || a.next_hop_unchanged || a.med_unchanged)
    o["attributeUnchanged"] = {{"asPath", a.as_path_unchanged},
                               {"nextHop", a.next_hop_unchanged},
                               {"med", a.med_unchanged}};
  if (a.allowas_in_origin)
    o["allowasIn"] = "origin";
  else if (a.allowas_in)
    o["allowasIn"] = *a.allowas_in;
  if (a.default_originate)
    o["defaultOriginate"] = a.default_originate_map.empty()
                                ? nlohmann::json::object()
                                : nlohmann::json{{"routeMap", a.default_originate_map}};
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
  if (!n.interface.empty()) j["interface"] = n.interface;
  if (!n.graceful_restart.empty()) j["gracefulRestart"] = n.graceful_restart;
  j["passive"] = n.passive;
  j["shutdown"] = n.shutdown;
  if (!n.shutdown_message.empty()) j["shutdownMessage"] = n.shutdown_message;
  if (n.ebgp_multihop) j["ebgpMultihop"] = *n.ebgp_multihop;
  if (n.port) j["port"] = *n.port;
  if (n.bfd)
    j["bfd"] = n.bfd_profile.empty() ? nlohmann::json::object()
                                     : nlohmann::json{{"profile", n.bfd_profile}};
  nlohmann::json afs = nlohmann::json::object();
  for (auto af : kAddressFamilies) {
    const NeighborAfConfig& a = n.in(af);
    if (!a.active) continue;
    nlohmann::json o = {{"active", true}};
    if (a.next_hop_self) o["nextHopSelf"] = true;
    if (a.route_reflector_client) o["routeReflectorClient"] = true;
    if (a.route_server_client) o["routeServerClient"] = true;
    if (!a.prefix_list_in.empty()) o["prefixListIn"] = a.prefix_list_in;
    if (!a.prefix_list_out.empty()) o["prefixListOut"] = a.prefix_list_out;
    if (const auto& m = a.maximum_prefix) {
      nlohmann::json mp = {{"limit", m->limit}, {"warningOnly", m->warning_only}};
      if (m->threshold) mp["threshold"] = *m->threshold;
      if (m->restart_minutes) mp["restartMinutes"] = *m->restart_minutes;
      o["maximumPrefix"] = mp;
    }
    add_af_options(o, a);
    afs[af == AddressFamily::kIpv4Unicast ? "ipv4Unicast" : "ipv6Unicast"] = o;
  }
  j["addressFamilies"] = afs;
  if (!n.peer_group.empty()) j["peerGroup"] = n.peer_group;
  if (n.advertisement_interval) j["advertisementInterval"] = *n.advertisement_interval;
  if (n.disable_connected_check) j["disableConnectedCheck"] = true;
  if (n.enforce_first_as) j["enforceFirstAs"] = true;
  return j;
}

// `network P route-map`, `redistribute`, `table-map` of one address family.
void add_origination_json(nlohmann::json& a, const AfConfig& c) {
  if (!c.network_route_maps.empty()) {
    nlohmann::json maps = nlohmann::json::object();
    for (const auto& [prefix, map] : c.network_route_maps) maps[prefix.to_string()] = map;
    a["networkRouteMaps"] = maps;
  }
  a["redistribute"] = nlohmann::json::array();
  for (const auto& r : c.redistribute) {
    nlohmann::json j{{"type", r.type}};
    if (r.metric) j["metric"] = *r.metric;
    if (!r.route_map.empty()) j["routeMap"] = r.route_map;
    a["redistribute"].push_back(j);
  }
  if (!c.table_map.empty()) a["tableMap"] = c.table_map;
}

// Peer groups and listen ranges (FRR's `show bgp peer-group json` names: dynamicNeighLimit,
// listen ranges by prefix).
void add_peer_groups(nlohmann::json& j, const RouterBgp& bgp) {
  if (!bgp.peer_groups.empty()) {
    nlohmann::json groups = nlohmann::json::object();
    for (const auto& g : bgp.peer_groups) {
      nlohmann::json o = neighbor_json(g.conf);
      o.erase("address");
      if (g.conf.remote_as.kind == RemoteAs::Kind::kUnspecified) o.erase("remoteAs");
      groups[g.name] = o;
    }
    j["peerGroups"] = groups;
  }
  if (bgp.listen_limit) j["dynamicNeighLimit"] = *bgp.listen_limit;
  if (!bgp.listen_ranges.empty()) {
    nlohmann::json ranges = nlohmann::json::object();
    for (const auto& r : bgp.listen_ranges) ranges[r.range.to_string()] = {{"peerGroup", r.group}};
    j["dynamicNeighListen"] = ranges;
  }
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
  j["routeReflectorAllowOutboundPolicy"] = bgp.allow_outbound_policy;
  j["deterministicMed"] = bgp.deterministic_med;
  j["multipathRelax"] = bgp.multipath_relax;
  j["ebgpRequiresPolicy"] = bgp.ebgp_requires_policy;
  if (bgp.cluster_id) j["clusterId"] = bgp.cluster_id->to_string();
  if (bgp.network_import_check) j["networkImportCheck"] = *bgp.network_import_check;
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
    add_origination_json(a, c);
    afs[af == AddressFamily::kIpv4Unicast ? "ipv4Unicast" : "ipv6Unicast"] = a;
  }
  j["addressFamilies"] = afs;
  add_peer_groups(j, bgp);
  return j;
}

nlohmann::json bfd_settings_json(const BfdSettings& b) {
  nlohmann::json j = nlohmann::json::object();
  if (b.detect_multiplier) j["detectMultiplier"] = *b.detect_multiplier;
  if (b.receive_interval_ms) j["receiveInterval"] = *b.receive_interval_ms;
  if (b.transmit_interval_ms) j["transmitInterval"] = *b.transmit_interval_ms;
  if (b.minimum_ttl) j["minimumTtl"] = *b.minimum_ttl;
  if (b.echo_transmit_interval_ms) j["echoTransmitInterval"] = *b.echo_transmit_interval_ms;
  if (b.echo_receive_interval_ms) j["echoReceiveInterval"] = *b.echo_receive_interval_ms;
  j["passiveMode"] = b.passive_mode;
  j["echoMode"] = b.echo_mode;
  j["shutdown"] = b.shutdown;
  return j;
}

nlohmann::json bfd_json(const BfdConfig& bfd) {
  nlohmann::json profiles = nlohmann::json::array();
  for (const auto& profile : bfd.profiles) {
    nlohmann::json j = bfd_settings_json(profile.settings);
    j["name"] = profile.name;
    profiles.push_back(std::move(j));
  }
  nlohmann::json peers = nlohmann::json::array();
  for (const auto& peer : bfd.peers) {
    nlohmann::json j = bfd_settings_json(peer.settings);
    j["peer"] = peer.address.to_string();
    j["multihop"] = peer.multihop;
    if (peer.local_address) j["localAddress"] = peer.local_address->to_string();
    if (!peer.interface.empty()) j["interface"] = peer.interface;
    if (!peer.profile.empty()) j["profile"] = peer.profile;
    peers.push_back(std::move(j));
  }
  return {{"profiles", profiles}, {"peers", peers}};
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
  nlohmann::json lists = nlohmann::json::array();
  for (const auto& l : config.prefix_lists) {
    nlohmann::json entries = nlohmann::json::array();
    for (const auto& e : l.entries) {
      nlohmann::json x = {{"seq", e.seq},
                          {"type", e.permit ? "permit" : "deny"},
                          {"prefix", e.any ? "any" : e.prefix.to_string()}};
      if (e.ge) x["ge"] = *e.ge;
      if (e.le) x["le"] = *e.le;
      entries.push_back(x);
    }
    lists.push_back({{"name", l.name},
                     {"addressFamily", l.af == AddressFamily::kIpv4Unicast ? "ipv4" : "ipv6"},
                     {"description", l.description},
                     {"entries", entries}});
  }
  j["prefixLists"] = lists;
  if (config.bfd.present) j["bfd"] = bfd_json(config.bfd);
  return j;
}

}  // namespace vipd::bgp::config
