// The lists a route map's match clauses name, from one configuration.
#include "bgp/config/model.hpp"

namespace vipd::bgp::config {

policy::Environment BgpConfig::policy_environment() const {
  policy::Environment env;
  env.policy = &policy;
  env.prefix_list = [this](Family family, std::string_view name,
                           const Prefix& p) -> std::optional<bool> {
    auto af = family == Family::kIpv4 ? AddressFamily::kIpv4Unicast : AddressFamily::kIpv6Unicast;
    const PrefixList* list = find_prefix_list(af, name);
    if (!list) return std::nullopt;  // route_match_address_prefix_list(): RMAP_NOMATCH
    // prefix_list_apply(): an empty list permits everything; otherwise a prefix of the other
    // family matches no entry (`any` of `ip prefix-list` is 0.0.0.0/0 le 32).
    if (list->entries.empty()) return true;
    if (p.family() != family) return false;
    return list->permits(p);
  };
  return env;
}

}  // namespace vipd::bgp::config
