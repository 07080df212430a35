#include "lb/announce.hpp"

#include <fmt/format.h>
#include <algorithm>

#include "lb/allocator/allocator.hpp"

namespace vipd::lb {
namespace {

using bgp::config::AddressFamily;

bool contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::uint16_t seconds(std::chrono::milliseconds ms) {
  auto s = std::chrono::duration_cast<std::chrono::seconds>(ms).count();
  return static_cast<std::uint16_t>(std::clamp<long long>(s, 0, 65535));
}

}  // namespace

std::string node_excluded_reason(const cluster::ClusterState& state, const std::string& node,
                                 const Labels& labels) {
  if (labels.contains(kExcludeLabel)) return "nodeExcluded";
  auto it = state.nodes.find(node);
  if (it == state.nodes.end()) return {};
  if (it->second.network_unavailable) return "nodeNetworkUnavailable";
  if (!it->second.ready) return "nodeNotReady";
  return {};
}

Labels node_labels(const cluster::ClusterState& state, const std::string& node) {
  auto it = state.nodes.find(node);
  if (it != state.nodes.end()) return it->second.labels;
  return Labels{{"kubernetes.io/hostname", node}};
}

bgp::config::NeighborConfig neighbor_of(const crd::BgpPeer& peer) {
  bgp::config::NeighborConfig n;
  n.address = peer.peer_address;
  switch (peer.dynamic_asn) {
    case crd::BgpPeer::DynamicAsn::kNone:
      n.remote_as.asn = peer.peer_asn;
      break;
    case crd::BgpPeer::DynamicAsn::kInternal:
      n.remote_as.kind = bgp::config::RemoteAs::Kind::kInternal;
      break;
    case crd::BgpPeer::DynamicAsn::kExternal:
      n.remote_as.kind = bgp::config::RemoteAs::Kind::kExternal;
      break;
  }
  n.description = "BGPPeer " + peer.meta.name;
  n.password = peer.effective_password();
  if (peer.hold_time || peer.keepalive_time)
    n.timers = bgp::config::Timers{seconds(peer.effective_keepalive_time()),
                                   seconds(peer.effective_hold_time())};
  // Without connectTime, a failed connection is retried after 1 s, as MetalLB's native speaker
  // first retries (its backoff starts at 1 s); FRR's 120 s default, which MetalLB's FRR mode
  // inherits, would leave a node without its session for two minutes when it starts before
  // its router, or when the router's VIP moves.
  n.connect_retry = peer.connect_time ? std::max<std::uint16_t>(1, seconds(*peer.connect_time))
                                      : kDefaultConnectRetrySeconds;
  if (peer.source_address) n.update_source = peer.source_address->to_string();
  if (peer.ebgp_multihop) n.ebgp_multihop = 255;  // FRR's `ebgp-multihop` without a count
  if (peer.peer_port != 179) n.port = peer.peer_port;
  // The peer's own family carries its routes; with dualStackAddressFamily (MetalLB's FRR mode)
  // the other family's Service addresses go over the same session too.
  const AddressFamily own =
      peer.peer_address.is_v4() ? AddressFamily::kIpv4Unicast : AddressFamily::kIpv6Unicast;
  for (AddressFamily af : bgp::config::kAddressFamilies) {
    auto& conf = n.in(af);
    conf.active = af == own || peer.dual_stack_address_family;
    conf.prefix_list_in = kDenyAllPrefixList;
  }
  return n;
}

bfd::SessionRequest bfd_session_of(const crd::BgpPeer& peer, const crd::BfdProfile& profile) {
  using std::chrono::milliseconds;
  bfd::SessionRequest request;
  request.peer.peer = peer.peer_address;
  // MetalLB's FRR template writes `peer A multihop local-address B` for an ebgpMultiHop peer
  // with a sourceAddress (RFC 5883 sessions need both addresses), single hop otherwise.
  if (peer.ebgp_multihop && peer.source_address) {
    request.peer.multihop = true;
    request.peer.local = peer.source_address;
  }
  if (profile.receive_interval)
    request.timers.required_min_rx = milliseconds(*profile.receive_interval);
  if (profile.transmit_interval)
    request.timers.desired_min_tx = milliseconds(*profile.transmit_interval);
  if (profile.detect_multiplier)
    request.timers.detect_mult = static_cast<std::uint8_t>(*profile.detect_multiplier);
  if (profile.minimum_ttl) request.minimum_ttl = static_cast<std::uint8_t>(*profile.minimum_ttl);
  request.passive = profile.passive_mode;
  request.echo_mode = profile.echo_mode;
  // MetalLB's FRR template writes `echo-interval N`: both echo intervals.
  if (profile.echo_interval) {
    request.echo_transmit_interval = request.echo_receive_interval =
        milliseconds(*profile.echo_interval);
  }
  request.bgp_client = true;
  request.profile = profile.meta.name;
  return request;
}

BgpPlan plan_bgp(const crd::LbConfig& config, const cluster::ClusterState& state,
                 const std::string& node, const std::optional<std::string>& load_balancer_class) {
  BgpPlan plan;
  const Labels labels = node_labels(state, node);

  // This node's BGPPeers (nodeSelectors), one BGP instance: one myASN for all of them.
  for (const auto& peer : config.peers) {
    if (!any_selector_matches(peer.node_selectors, labels)) continue;
    if (plan.neighbors.neighbors.empty()) {
      plan.neighbors.asn = peer.my_asn;
      plan.neighbors.router_id = peer.router_id;
    } else if (peer.my_asn != plan.neighbors.asn) {
      plan.errors.push_back(fmt::format(
          "BGPPeer/{}: myASN {} differs from {} of the node's other peers; vipd runs one BGP "
          "instance per node",
          peer.meta.name, peer.my_asn, plan.neighbors.asn));
      continue;
    }
    plan.peers.emplace(peer.meta.name, peer.peer_address);
    plan.neighbors.neighbors.push_back(neighbor_of(peer));
    // Validation refuses a bfdProfile that names no BFDProfile.
    if (const crd::BfdProfile* profile = config.find_bfd_profile(peer.bfd_profile);
        profile && !peer.bfd_profile.empty()) {
      plan.neighbors.neighbors.back().bfd = true;
      plan.neighbors.neighbors.back().bfd_profile = peer.bfd_profile;
      plan.bfd_sessions.push_back(bfd_session_of(peer, *profile));
    }
  }
  if (!plan.neighbors.neighbors.empty()) {
    for (AddressFamily af : bgp::config::kAddressFamilies) {
      bgp::config::PrefixList deny_all;
      deny_all.af = af;
      deny_all.name = kDenyAllPrefixList;
      bgp::config::PrefixListEntry entry;
      entry.seq = 5;
      entry.permit = false;
      entry.any = true;
      deny_all.entries.push_back(entry);
      plan.neighbors.prefix_lists.push_back(std::move(deny_all));
    }
  }
  plan.node_excluded = node_excluded_reason(state, node, labels);
  const cluster::SliceIndex slices(state);

  for (const auto& [key, service] : state.services) {
    if (!allocator::serves(service, load_balancer_class)) continue;
    for (const auto& ip : service.ingress) {
      ServiceAnnouncement a;
      a.service = key;
      a.ip = ip;
      const crd::IpAddressPool* pool = allocator::pool_containing(config.pools, ip);
      if (pool) a.pool = pool->meta.name;
      if (!pool) {
        a.withdrawn_reason = "noPool";
      } else if (!plan.node_excluded.empty()) {
        a.withdrawn_reason = plan.node_excluded;
      } else if (service.external_traffic_policy_local && !slices.has_serving_endpoint(key, node)) {
        a.withdrawn_reason = "noLocalEndpoints";
      } else if (!service.external_traffic_policy_local && !slices.has_serving_endpoint(key, {})) {
        a.withdrawn_reason = "noEndpoints";
      }
      bool selected = false;
      if (a.announced()) {
        for (const auto& adv : config.bgp_advertisements) {
          if (!selects_pool(adv, *pool) || !any_selector_matches(adv.node_selectors, labels))
            continue;
          selected = true;
          bgp::Advertisement out;
          for (const auto& [name, address] : plan.peers)
            if (adv.peers.empty() || contains(adv.peers, name)) {
              out.neighbors.push_back(address);
              if (!contains(a.peers, name)) a.peers.push_back(name);
            }
          // Named peers none of which this node has: nothing to send.
          if (out.neighbors.empty()) continue;
          out.communities = adv.standard_communities;
          out.large_communities = adv.large_communities;
          out.local_preference = adv.local_pref;
          const std::uint8_t length = ip.is_v4() ? adv.aggregation_length.value_or(32)
                                                 : adv.aggregation_length_v6.value_or(128);
          const Prefix prefix(ip, length);
          if (std::find(a.prefixes.begin(), a.prefixes.end(), prefix) == a.prefixes.end())
            a.prefixes.push_back(prefix);
          auto& route = plan.routes[prefix];
          route.prefix = prefix;
          if (std::find(route.advertisements.begin(), route.advertisements.end(), out) ==
              route.advertisements.end())
            route.advertisements.push_back(std::move(out));
        }
        if (!selected)
          a.withdrawn_reason = "notOwner";
        else if (a.prefixes.empty())
          a.withdrawn_reason = "noPeers";
      }
      plan.services.push_back(std::move(a));
    }
  }
  return plan;
}

}  // namespace vipd::lb
