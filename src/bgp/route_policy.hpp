// `neighbor A route-map NAME in|out` on the paths the Speaker imports and exports, with FRR's
// ordering: inbound maps run on the attributes as received (bgp_input_modifier()); outbound maps
// run after the export rules but see the path before our AS is prepended and before the next hop
// is rewritten, which happen afterwards (subgroup_announce_check() then bgp_packet_attribute()).
// Pure functions over the policy evaluator (bgp/policy/evaluate.hpp) and the export rules.
#pragma once

#include <optional>
#include <string_view>

#include "bgp/policy/evaluate.hpp"
#include "bgp/rib/export.hpp"

namespace vipd::bgp {

// What an inbound map made of a route: denied, permitted as received (`changed` empty), or
// permitted with the attributes in `changed`.
struct ImportOutcome {
  bool permit = false;
  std::optional<wire::PathAttributes> changed;
};

// Applies inbound map `map` to `prefix` received from `neighbor` with `received`. `local`: our
// address on the session.
ImportOutcome apply_import_map(std::string_view map, const policy::Environment& env,
                               const Prefix& prefix, const wire::PathAttributes& received,
                               const IpAddress& neighbor, const std::optional<IpAddress>& local,
                               std::uint32_t default_local_pref);

// Applies outbound map `map` to `exported`, what export_path() made for a path with Loc-RIB
// attributes `selected` learned from `from`, sent to `to`. False: the map denies, nothing is
// sent (and `exported` is left unspecified). A reflected iBGP path only gets the map's verdict: its
// attributes stay as reflected (FRR without `bgp route-reflector allow-outbound-policy`).
bool apply_export_map(std::string_view map, const policy::Environment& env, wire::AfiSafi family,
                      const Prefix& prefix, const wire::PathAttributes& selected,
                      const rib::ExportPeer& from, const rib::ExportTarget& to,
                      const rib::ExportContext& ctx, wire::PathAttributes& exported);

}  // namespace vipd::bgp
