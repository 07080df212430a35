#include "bgp/route_policy.hpp"

namespace vipd::bgp {
namespace {

// The next hop of a path: IPv4 NEXT_HOP, or the MP_REACH_NLRI next hops (RFC 4760; the NLRI
// itself stays where it is).
struct NextHop {
  std::optional<IpAddress> v4;
  std::optional<IpAddress> global;
  std::optional<IpAddress> link_local;
};

NextHop next_hop_of(const wire::PathAttributes& a) {
  NextHop h{a.next_hop, {}, {}};
  if (a.mp_reach) {
    h.global = a.mp_reach->next_hop;
    h.link_local = a.mp_reach->link_local_next_hop;
  }
  return h;
}

void put_next_hop(wire::AfiSafi family, wire::PathAttributes& a, const NextHop& h) {
  if (family == wire::kIpv4Unicast) {
    a.next_hop = h.v4;
  } else if (a.mp_reach) {
    a.mp_reach->next_hop = h.global;
    a.mp_reach->link_local_next_hop = h.link_local;
  }
}

// Removes the AS export_path() put in front (RFC 4271 §5.1.2), so that the map sees the path as
// FRR's outbound maps do.
void unprepend(wire::AsPath& path) {
  if (path.segments.empty()) return;
  auto& first = path.segments.front();
  if (!first.asns.empty()) first.asns.erase(first.asns.begin());
  if (first.asns.empty()) path.segments.erase(path.segments.begin());
}

std::optional<IpAddress> own_address(wire::AfiSafi family, const rib::ExportTarget& to) {
  return family == wire::kIpv4Unicast ? to.local_v4 : to.local_v6;
}

}  // namespace

ImportOutcome apply_import_map(std::string_view map, const policy::Environment& env,
                               const Prefix& prefix, const wire::PathAttributes& received,
                               const IpAddress& neighbor, const std::optional<IpAddress>& local,
                               std::uint32_t default_local_pref) {
  // `neighbor A weight` came first (FRR's bgp_update()); `set weight` may replace it.
  const std::uint32_t weight = received.weight.value_or(0), untagged = 0;
  const policy::RouteView route(prefix, received, weight, untagged);
  policy::Context ctx;
  ctx.direction = policy::Direction::kIn;
  ctx.neighbor = neighbor;
  ctx.local_address = local;
  ctx.default_local_pref = default_local_pref;
  std::optional<policy::Route> changed;
  ImportOutcome outcome;
  outcome.permit = policy::apply(map, env, ctx, route, changed).permit;
  if (!outcome.permit || !changed) return outcome;
  // A learned route's default weight is 0: unset, so that equal routes share attributes.
  changed->attributes.weight =
      changed->weight ? std::optional<std::uint32_t>(changed->weight) : std::nullopt;
  outcome.changed = std::move(changed->attributes);
  return outcome;
}

bool apply_export_map(std::string_view map, const policy::Environment& env, wire::AfiSafi family,
                      const Prefix& prefix, const wire::PathAttributes& selected,
                      const rib::ExportPeer& from, const rib::ExportTarget& to,
                      const rib::ExportContext& ctx, wire::PathAttributes& exported) {
  // As export_path(): `attribute-unchanged as-path` leaves a non-empty path as it is.
  const bool prepended =
      to.peer.ebgp && !to.peer.rs_client &&
      !(to.options.as_path_unchanged && selected.as_path && !selected.as_path->empty());
  const bool reflected = !to.peer.ebgp && !from.ebgp && !from.local;
  // The view FRR's map gets: our AS not yet in front, the Loc-RIB next hop. `exported` is
  // read again only for a reflected path the map may not change, and for its next hop.
  const bool keep = reflected && !ctx.allow_outbound_policy;
  const NextHop exported_next_hop = next_hop_of(exported);
  policy::Route route{prefix, keep ? wire::PathAttributes(exported) : std::move(exported), 0, 0};
  if (prepended && route.attributes.as_path) unprepend(*route.attributes.as_path);
  const NextHop original = next_hop_of(selected);
  put_next_hop(family, route.attributes, original);

  policy::Context c;
  c.direction = policy::Direction::kOut;
  c.neighbor = to.peer.address;
  c.local_address = own_address(family, to);
  c.default_local_pref = ctx.default_local_pref;
  policy::Outcome outcome = policy::apply(map, env, c, route);
  if (!outcome.permit) return false;
  // RFC 4456 §10 spirit: reflected attributes are not modified, unless the user asks for it
  // (FRR's `bgp route-reflector allow-outbound-policy`).
  if (keep) return true;

  wire::PathAttributes& out = route.attributes;
  if (prepended) {
    if (!out.as_path) out.as_path.emplace();
    rib::prepend_as(*out.as_path, ctx.local_as);
  }
  // Next hop: the map's choice (`set ip next-hop A`), the Loc-RIB's (`unchanged`), ours
  // (`peer-address`), else what the export rules chose.
  if (outcome.next_hop_self) {
    if (auto own = own_address(family, to)) {
      if (family == wire::kIpv4Unicast) {
        out.next_hop = *own;
      } else if (out.mp_reach) {
        out.mp_reach->next_hop = *own;
        out.mp_reach->link_local_next_hop.reset();
      }
    }
  } else if (!outcome.next_hop_changed && !outcome.next_hop_unchanged) {
    put_next_hop(family, out, exported_next_hop);
  }
  // bgp_packet_attribute(): LOCAL_PREF goes to internal peers only (RFC 4271 §5.1.5).
  if (to.peer.ebgp) out.local_pref.reset();
  // bgp_packet_attribute(): what `set community` added is not sent either without
  // send-community.
  rib::strip_communities(out, to.options);
  out.weight.reset();
  exported = std::move(out);
  return true;
}

}  // namespace vipd::bgp
