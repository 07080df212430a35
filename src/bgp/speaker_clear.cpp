// `clear ip bgp` and `clear bgp` (FRR's clear_ip_bgp_all_cmd): a hard reset of the session
// (RFC 4486 Administrative Reset), or a soft one that keeps it up: `soft in` re-applies the
// inbound policy, `soft out` sends the Adj-RIB-Out again (FRR's peer_clear_soft()).
#include <fmt/format.h>

#include "bgp/propagation.hpp"
#include "bgp/speaker.hpp"
#include "bgp/wire/constants.hpp"
#include "common/log.hpp"

namespace vipd::bgp {

Speaker::SoftClear Speaker::clear_soft(const IpAddress& address, wire::AfiSafi family, bool in,
                                       bool out) {
  auto found = neighbors_.find(address);
  if (found == neighbors_.end()) return SoftClear::kNoSuchNeighbor;
  Neighbor& n = found->second;
  peer::Peer& p = *n.peer;
  if (family != wire::kIpv4Unicast && family != wire::kIpv6Unicast) return SoftClear::kSkipped;
  const std::size_t i = family_index(family);
  // An Adj-RIB-Out exists for the families the session negotiated, while it is established.
  if (!p.established() || !n.routing || !n.routing->out[i]) return SoftClear::kSkipped;
  const std::string who = address.to_string();
  if (out) {
    log::info("bgp: neighbor {}: clear soft out ({}), sending the table again", who,
              family_text(family));
    refresh_requested(p, family);
  }
  if (!in) return SoftClear::kDone;
  const ImportKey policy = n.routing->import_keys[i];
  if (policy.soft_reconfiguration) {
    log::info(
        "bgp: neighbor {}: clear soft in ({}), re-applying the inbound policy from the "
        "Adj-RIB-In",
        who, family_text(family));
    reimport(n, family, policy);
    publish();
    return SoftClear::kDone;
  }
  // Nothing kept: the neighbor sends its routes again (RFC 2918 §3), through the policy as it
  // is now, as FRR does without soft-reconfiguration inbound.
  if (!p.request_refresh(family)) return SoftClear::kCannotRefresh;
  log::info("bgp: neighbor {}: clear soft in ({}), ROUTE-REFRESH sent", who, family_text(family));
  return SoftClear::kDone;
}

void Speaker::install_clear_commands(control::CommandTree& tree) {
  tree.describe("soft", "Soft reconfig inbound and outbound updates");
  // FRR's form, without views, peer groups, AS numbers, `external`, `prefix-filter` (ORF),
  // `message-stats` and `capabilities`. `clear ip bgp` means IPv4 unicast and `clear bgp` every
  // family, unless one is named (FRR: AFI_IP for `ip`).
  tree.install(
      "exec",
      "clear <ip bgp|bgp [<ipv4|ipv6> [unicast]]> <*$all|A.B.C.D$peer|X:X::X:X$peer> "
      "[<soft [<in|out>]|in|out>]",
      "Reset BGP sessions", [this](const control::Invocation& inv, control::Session&) {
        std::optional<IpAddress> which;
        if (!inv.has("all")) which = IpAddress::parse(inv.get("peer"));
        if (which && !neighbors_.contains(*which))
          return control::CommandResult::failure("% No such neighbor " + inv.get("peer"));
        const bool in = inv.has("in"), out = inv.has("out"), soft = inv.has("soft");
        if (!soft && !in && !out) {
          // RFC 4486 Administrative Reset, then the session starts again (whatever family).
          for (auto& [address, n] : neighbors_) {
            if (which && *which != address) continue;
            n.peer->stop(wire::cease_subcode::kAdministrativeReset, "");
            n.peer->start();
          }
          return control::CommandResult::success();
        }
        std::vector<wire::AfiSafi> families;
        const bool named = inv.has("ipv4") || inv.has("ipv6");
        if (!inv.has("ipv6")) families.push_back(wire::kIpv4Unicast);
        if (!inv.has("ip") && !inv.has("ipv4")) families.push_back(wire::kIpv6Unicast);
        // FRR's bgp_clear_vty_error() texts; the others are still cleared.
        std::string errors;
        for (const auto& [address, n] : neighbors_) {
          if (which && *which != address) continue;
          bool refused = false;
          for (auto family : families) {
            if (!n.peer->settings().active_in(family)) {
              if (named && which)
                errors += fmt::format("% BGP: Enable {} address family for the neighbor {}\n",
                                      family_text(family), address.to_string());
              continue;
            }
            refused |=
                clear_soft(address, family, in || !out, out || !in) == SoftClear::kCannotRefresh;
          }
          if (refused)
            errors += fmt::format(
                "% BGP: Inbound soft reconfig for {} not possible as it\n      has neither "
                "refresh capability, nor inbound soft reconfig\n",
                address.to_string());
        }
        if (!errors.empty()) {
          errors.pop_back();
          return control::CommandResult::failure(errors);
        }
        return control::CommandResult::success();
      });
}

}  // namespace vipd::bgp
