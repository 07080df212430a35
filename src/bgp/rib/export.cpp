#include "bgp/rib/export.hpp"

#include <algorithm>

namespace vipd::bgp::rib {

const char* verdict_name(ExportVerdict verdict) {
  switch (verdict) {
    case ExportVerdict::kSent:
      return "sent";
    case ExportVerdict::kSplitHorizon:
      return "learned from this neighbor";
    case ExportVerdict::kNoAdvertise:
      return "community no-advertise";
    case ExportVerdict::kNoExport:
      return "community no-export";
    case ExportVerdict::kIbgpToIbgp:
      return "iBGP-learned, not a route-reflector client";
    case ExportVerdict::kOriginatorIsPeer:
      return "originator is the neighbor";
  }
  return "unknown";
}

void prepend_as(wire::AsPath& path, std::uint32_t asn) {
  // RFC 4271 §4.3: a segment holds at most 255 AS numbers.
  if (!path.segments.empty() && path.segments.front().type == wire::SegmentType::kAsSequence &&
      path.segments.front().asns.size() < 255) {
    auto& asns = path.segments.front().asns;
    asns.insert(asns.begin(), asn);
    return;
  }
  path.segments.insert(path.segments.begin(),
                       wire::AsSegment{wire::SegmentType::kAsSequence, {asn}});
}

bool is_private_as(std::uint32_t asn) {
  return (asn >= 64512 && asn <= 65535) || (asn >= 4200000000u && asn <= 4294967294u);
}

void apply_as_path_options(wire::AsPath& path, const ExportOptions& o, std::uint32_t local_as,
                           std::uint32_t peer_as) {
  if (o.remove_private_as) {
    bool all_private = !path.segments.empty();
    for (const auto& segment : path.segments)
      for (auto asn : segment.asns) all_private = all_private && is_private_as(asn);
    // Without `all` only a path made entirely of private ASes is changed. The neighbor's own
    // AS is kept, so that it still sees the loop (aspath_remove_private_asns()).
    if (o.remove_private_as_all || all_private) {
      for (auto& segment : path.segments) {
        if (o.remove_private_as_replace) {
          for (auto& asn : segment.asns)
            if (is_private_as(asn) && asn != peer_as) asn = local_as;
        } else {
          std::erase_if(segment.asns,
                        [&](std::uint32_t asn) { return is_private_as(asn) && asn != peer_as; });
        }
      }
      // RFC 7606 §7.2: no empty segment goes on the wire.
      std::erase_if(path.segments, [](const wire::AsSegment& s) { return s.asns.empty(); });
    }
  }
  if (o.as_override)
    for (auto& segment : path.segments)
      for (auto& asn : segment.asns)
        if (asn == peer_as) asn = local_as;
}

void strip_communities(wire::PathAttributes& attrs, const ExportOptions& o) {
  if (!o.send_community) attrs.communities.reset();
  if (!o.send_large_community) attrs.large_communities.reset();
  if (!o.send_extended_community)
    std::erase_if(attrs.unknown,
                  [](const wire::RawAttribute& r) { return r.type == 16 || r.type == 25; });
}

namespace {

// RFC 1997 well-known communities present on a path, found in one pass.
struct WellKnown {
  bool no_export = false;
  bool no_advertise = false;
};
WellKnown well_known(const wire::PathAttributes& attrs) {
  WellKnown w;
  if (!attrs.communities) return w;
  for (std::uint32_t c : *attrs.communities) {
    // No confederations: NO_EXPORT_SUBCONFED acts as NO_EXPORT (RFC 1997 §2).
    if (c == community::kNoExport || c == community::kNoExportSubconfed) w.no_export = true;
    if (c == community::kNoAdvertise) w.no_advertise = true;
  }
  return w;
}

// The address of ours that a neighbor should use as next hop for a route of `family`.
std::optional<IpAddress> own_next_hop(wire::AfiSafi family, const ExportTarget& to) {
  if (family == wire::kIpv4Unicast) return to.local_v4;
  if (to.local_v6) return to.local_v6;
  if (!to.local_v4) return std::nullopt;
  // RFC 4291 §2.5.5.2 IPv4-mapped address: what FRR sends for IPv6 routes over an IPv4 session
  // when it has no IPv6 address to offer.
  std::array<std::uint8_t, 16> mapped{};
  mapped[10] = mapped[11] = 0xff;
  std::copy_n(to.local_v4->octets().begin(), 4, mapped.begin() + 12);
  return IpAddress::v6(mapped);
}

std::optional<IpAddress> current_next_hop(wire::AfiSafi family, const wire::PathAttributes& a) {
  if (family == wire::kIpv4Unicast) return a.next_hop;
  if (a.mp_reach) return a.mp_reach->next_hop;
  return std::nullopt;
}

void set_next_hop(wire::AfiSafi family, wire::PathAttributes& a, const IpAddress& next_hop,
                  bool keep_link_local) {
  if (family == wire::kIpv4Unicast) {
    a.next_hop = next_hop;
    a.mp_reach.reset();
    return;
  }
  a.next_hop.reset();
  std::optional<IpAddress> link_local;
  if (keep_link_local && a.mp_reach) link_local = a.mp_reach->link_local_next_hop;
  wire::MpReach reach;
  reach.afi_safi = wire::kIpv6Unicast;
  reach.next_hop = next_hop;
  reach.link_local_next_hop = link_local;
  a.mp_reach = std::move(reach);
}

bool on_shared_subnet(const IpAddress& next_hop, const ExportTarget& to) {
  return std::any_of(to.shared_subnets.begin(), to.shared_subnets.end(),
                     [&](const Prefix& p) { return p.contains(next_hop); });
}

// RFC 4271 §5.1.3 towards an eBGP neighbor: our own address, except a next hop the neighbor can
// reach directly (third-party next hop; also for our own routes with a next hop, a redistributed
// kernel route's gateway, as FRR's bpacket_reformat_for_peer()), and never for a route server
// (RFC 7947 §2.3.1).
void rewrite_next_hop_ebgp(wire::AfiSafi family, wire::PathAttributes& a, const ExportTarget& to) {
  auto current = current_next_hop(family, a);
  bool unspecified = !current || current->is_unspecified();
  if (!unspecified && to.peer.rs_client) return set_next_hop(family, a, *current, true);
  if (!unspecified && !to.next_hop_self && on_shared_subnet(*current, to))
    return set_next_hop(family, a, *current, false);
  if (auto own = own_next_hop(family, to)) set_next_hop(family, a, *own, false);
}

// Towards an iBGP neighbor the next hop stays (RFC 4271 §5.1.3), unless `next-hop-self` (not for
// reflected routes, RFC 4456 §10, as FRR without `force`) or the route is our own.
void rewrite_next_hop_ibgp(wire::AfiSafi family, wire::PathAttributes& a, const ExportPeer& from,
                           const ExportTarget& to) {
  auto current = current_next_hop(family, a);
  bool unspecified = !current || current->is_unspecified();
  bool reflected = !from.ebgp && !from.local;
  if (unspecified || (to.next_hop_self && !reflected)) {
    if (auto own = own_next_hop(family, to)) return set_next_hop(family, a, *own, false);
  }
  if (current) set_next_hop(family, a, *current, true);
}

}  // namespace

namespace {

bool back_to_source(const ExportPeer& from, const ExportPeer& to) {
  return !from.local && from.id == to.id;
}

bool reflected(const ExportPeer& from, const ExportPeer& to) {
  return !to.ebgp && !from.ebgp && !from.local;
}

bool back_to_originator(const wire::PathAttributes& attrs, const ExportPeer& from,
                        const ExportPeer& to) {
  return attrs.originator_id.value_or(from.router_id) == to.router_id;
}

}  // namespace

ExportVerdict export_verdict(const wire::PathAttributes& attrs, const ExportPeer& from,
                             const ExportTarget& to) {
  const ExportPeer& peer = to.peer;
  if (back_to_source(from, peer)) return ExportVerdict::kSplitHorizon;
  WellKnown w = well_known(attrs);
  if (w.no_advertise) return ExportVerdict::kNoAdvertise;
  if (peer.ebgp && w.no_export) return ExportVerdict::kNoExport;
  bool reflect = reflected(from, peer);
  if (reflect && !from.rr_client && !peer.rr_client) return ExportVerdict::kIbgpToIbgp;
  if (reflect && back_to_originator(attrs, from, peer)) return ExportVerdict::kOriginatorIsPeer;
  return ExportVerdict::kSent;
}

bool export_excluded(const wire::PathAttributes& attrs, const ExportPeer& from,
                     const ExportTarget& to) {
  return back_to_source(from, to.peer) ||
         (reflected(from, to.peer) && back_to_originator(attrs, from, to.peer));
}

ExportResult export_path(wire::AfiSafi family, const wire::PathAttributes& attrs,
                         const ExportPeer& from, const ExportTarget& to, const ExportContext& ctx) {
  ExportResult r;
  r.verdict = export_verdict(attrs, from, to);
  if (r.verdict != ExportVerdict::kSent) return r;
  const ExportPeer& peer = to.peer;
  bool reflect = reflected(from, peer);
  wire::PathAttributes& a = r.attributes;
  a = attrs;
  a.mp_unreach.reset();
  a.as4_path.reset();  // the Loc-RIB holds merged paths (RFC 6793 §4.2.3); re-made per peer
  a.as4_aggregator.reset();
  // RFC 4271 §5 / §9.1.4: optional non-transitive unknowns stop here, transitive ones are
  // marked Partial.
  wire::prepare_unknown_for_propagation(a);
  a.weight.reset();  // local to this router
  const ExportOptions& o = to.options;
  if (peer.ebgp) {
    // RFC 4271 §5.1.5 LOCAL_PREF and RFC 4456 §8 ORIGINATOR_ID/CLUSTER_LIST stay in the AS.
    a.local_pref.reset();
    a.originator_id.reset();
    a.cluster_list.reset();
    // RFC 4271 §5.1.4: a MED received from a neighboring AS is not passed to another one; a
    // route server passes it unchanged (RFC 7947 §2.3.2); our own MED goes out (FRR), and so
    // does any with `attribute-unchanged med`.
    if (!from.local && !peer.rs_client && !o.med_unchanged) a.med.reset();
    if (a.as_path) apply_as_path_options(*a.as_path, o, ctx.local_as, peer.as);
    // RFC 4271 §5.1.2; a route server leaves the path alone (RFC 7947 §2.2.2), and so does
    // `attribute-unchanged as-path` unless the path is empty (bgp_packet_attribute()).
    bool unchanged = o.as_path_unchanged && a.as_path && !a.as_path->empty();
    if (!peer.rs_client && !unchanged) {
      if (!a.as_path) a.as_path.emplace();
      prepend_as(*a.as_path, ctx.local_as);
    }
    auto current = current_next_hop(family, a);
    // `attribute-unchanged next-hop`: a learned next hop goes out as it is.
    if (o.next_hop_unchanged && !from.local && current && !current->is_unspecified())
      set_next_hop(family, a, *current, true);
    else
      rewrite_next_hop_ebgp(family, a, to);
  } else {
    // RFC 4271 §5.1.5: LOCAL_PREF is always sent to internal peers.
    if (!a.local_pref) a.local_pref = ctx.default_local_pref;
    if (!a.as_path) a.as_path.emplace();
    if (reflect) {
      // RFC 4456 §8: the first reflector records the originator; each one adds its cluster.
      if (!a.originator_id) a.originator_id = from.router_id;
      if (!a.cluster_list) a.cluster_list.emplace();
      a.cluster_list->insert(a.cluster_list->begin(), ctx.cluster_id);
    }
    rewrite_next_hop_ibgp(family, a, from, to);
  }
  if (!a.origin) a.origin = wire::Origin::kIgp;
  strip_communities(a, o);
  return r;
}

}  // namespace vipd::bgp::rib
