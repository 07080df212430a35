#include "bgp/default_originate.hpp"

namespace vipd::bgp {

wire::PathAttributes default_route_attributes(std::uint32_t local_pref) {
  wire::PathAttributes a;
  a.origin = wire::Origin::kIgp;
  a.as_path.emplace();
  a.med = 0;  // subgroup_default_originate() sets it
  a.local_pref = local_pref;
  return a;
}

ConditionalDefault::ConditionalDefault(wire::AfiSafi family, std::string map,
                                       std::shared_ptr<const config::BgpConfig> policy,
                                       std::uint32_t local_pref, SourceOf source_of)
    : family_(family),
      map_(std::move(map)),
      policy_(std::move(policy)),
      local_pref_(local_pref),
      source_of_(std::move(source_of)) {}

void ConditionalDefault::rebuild(const rib::LocRib& rib) {
  matched_.clear();
  order_.clear();
  rib.for_each(family_, [&](const Prefix& prefix, const rib::PathList&) {
    auto selected = rib.selected(family_, prefix);
    if (!selected.empty()) evaluate(prefix, &selected.front());
  });
}

void ConditionalDefault::update(const rib::Change& change) {
  if (change.family != family_) return;
  evaluate(change.prefix, change.removed || change.paths.empty() ? nullptr : &change.paths[0]);
}

void ConditionalDefault::evaluate(const Prefix& prefix, const rib::SelectedPath* best) {
  if (auto it = matched_.find(prefix); it != matched_.end()) {
    order_.erase({it->second.seq, prefix});
    matched_.erase(it);
  }
  if (!best || !best->attrs) return;
  const wire::PathAttributes& a = *best->attrs;
  policy::Route match{prefix, a, a.weight.value_or(0), 0};
  policy::Route route{rib::default_prefix(family_), default_route_attributes(local_pref_), 0, 0};
  policy::Context ctx;
  // FRR's route_match_peer() looks at the matched path's neighbor; our own routes are what
  // `match peer local` matches.
  auto source = source_of_ ? source_of_(best->peer) : std::nullopt;
  ctx.direction = source ? policy::Direction::kIn : policy::Direction::kLocal;
  ctx.neighbor = source;
  ctx.default_local_pref = local_pref_;
  const policy::Outcome outcome =
      policy::apply(map_, policy_->policy_environment(), ctx, match, route);
  if (!outcome.permit) return;
  // subgroup_announce_reset_nhop(): the next hop is ours whatever the sets said.
  route.attributes.next_hop.reset();
  route.attributes.mp_reach.reset();
  route.attributes.weight.reset();
  order_.emplace(outcome.seq, prefix);
  matched_.emplace(prefix, Matched{outcome.seq, std::move(route.attributes)});
}

std::optional<wire::PathAttributes> ConditionalDefault::attributes() const {
  if (order_.empty()) return std::nullopt;
  return matched_.at(order_.begin()->second).attributes;
}

}  // namespace vipd::bgp
