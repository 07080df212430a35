// `neighbor A default-originate [route-map NAME]` (FRR 8.4's subgroup_default_originate(),
// bgpd/bgp_updgrp_adv.c): a default route originated for one neighbor, whatever the Loc-RIB
// holds. The neighbor's Adj-RIB-Out carries it in place of the Loc-RIB's default
// (AdjRibOut::set_default_route()); this file makes its attributes and, for the conditional
// form, follows which routes of the Loc-RIB the map matches.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "bgp/config/model.hpp"
#include "bgp/rib/adj_rib_out.hpp"
#include "bgp/rib/loc_rib.hpp"
#include "bgp/wire/attributes.hpp"

namespace vipd::bgp {

// The Loc-RIB-like path of the originated default, before the export rules: ORIGIN IGP, an
// empty AS_PATH, MED 0 and LOCAL_PREF `local_pref` as FRR's bgp_attr_default_set() and
// subgroup_default_originate() make it, and no next hop: the export rules put ours, as for a
// `network` route, and prepend our AS towards eBGP neighbors (RFC 4271 §5.1.2, §5.1.3).
wire::PathAttributes default_route_attributes(std::uint32_t local_pref);

// The conditional form: the default exists while `map` permits at least one best path of the
// Loc-RIB, and the `set` clauses of the entry that permits it shape it (FRR applies the map with
// the Loc-RIB route as match object and the default as set object). The matching routes are
// kept from the Loc-RIB's changes, so that a change costs one evaluation of the map per changed
// prefix instead of a table scan (FRR scans the table 5 s after a change).
class ConditionalDefault {
 public:
  // The neighbor a path came from, for `match peer` (nullopt: one of our own routes, which
  // `match peer local` matches).
  using SourceOf = std::function<std::optional<IpAddress>(rib::PeerId)>;

  ConditionalDefault(wire::AfiSafi family, std::string map,
                     std::shared_ptr<const config::BgpConfig> policy, std::uint32_t local_pref,
                     SourceOf source_of);

  // Every best path of the family, evaluated afresh.
  void rebuild(const rib::LocRib& rib);
  // One prefix's selection changed (a Change of the Loc-RIB, any family).
  void update(const rib::Change& change);
  // The default's attributes while a route matches, nullopt while none does. Of several
  // matches, the one of the lowest-numbered entry wins (FRR's `pref`), then the lowest prefix.
  std::optional<wire::PathAttributes> attributes() const;
  std::size_t matches() const { return matched_.size(); }

 private:
  void evaluate(const Prefix& prefix, const rib::SelectedPath* best);

  struct Matched {
    std::uint32_t seq = 0;
    wire::PathAttributes attributes;  // the default, shaped by the entry's sets
  };
  wire::AfiSafi family_;
  std::string map_;
  std::shared_ptr<const config::BgpConfig> policy_;
  std::uint32_t local_pref_;
  SourceOf source_of_;
  std::map<Prefix, Matched> matched_;
  std::set<std::pair<std::uint32_t, Prefix>> order_;  // (seq, prefix) of matched_: the winner
};

}  // namespace vipd::bgp
