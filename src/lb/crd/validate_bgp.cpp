// BGPPeer, BFDProfile, Community and BGPAdvertisement rules (config.go peerFromCR, parseTimers,
// bfdProfileFromCR, communitiesFromCrs, bgpAdvertisementFromCR, validateBGPAdvPerPool;
// validation.go's FRR-mode rules for peers on one node; the CRDs' own bounds).
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "lb/crd/ranges.hpp"
#include "lb/crd/validate.hpp"
#include "lb/crd/validate_detail.hpp"
#include "lb/crd/values.hpp"

namespace vipd::lb::crd {
namespace {

constexpr std::string_view kPeer = "BGPPeer";
constexpr std::string_view kBfd = "BFDProfile";
constexpr std::string_view kCommunity = "Community";
constexpr std::string_view kBgpAd = "BGPAdvertisement";
constexpr std::string_view kBasicAuth = "kubernetes.io/basic-auth";

// "1m30s" for messages (Go's Duration.String() without the sub-second noise).
std::string duration_text(std::chrono::milliseconds d) {
  const auto ms = d.count();
  if (ms % 1000 != 0) return fmt::format("{}ms", ms);
  const auto s = ms / 1000;
  if (s >= 60 && s % 60 == 0) return fmt::format("{}m", s / 60);
  if (s >= 60) return fmt::format("{}m{}s", s / 60, s % 60);
  return fmt::format("{}s", s);
}

struct CommunityValue {
  std::optional<std::uint32_t> standard;
  std::optional<bgp::wire::LargeCommunity> large;
};

// community.New: "A:B" (16-bit halves) or "large:A:B:C" (32-bit each). nullopt: not a value;
// `looks_like_value` tells a bad value (2 or 4 fields) from a name (community.ErrInvalidFormat).
std::optional<CommunityValue> parse_community(std::string_view text, bool& looks_like_value) {
  const auto colons = std::count(text.begin(), text.end(), ':');
  looks_like_value = colons == 1 || colons == 3;
  if (auto standard = parse_standard_community(text)) return CommunityValue{standard, {}};
  if (auto large = parse_large_community(text)) return CommunityValue{{}, large};
  return std::nullopt;
}

std::string community_value_problem(std::string_view text) {
  return fmt::format(
      "invalid community value \"{}\": a standard community is A:B (0-65535 each), a large "
      "one large:A:B:C (0-4294967295 each)",
      text);
}

struct Alias {
  const Community* owner;
  std::size_t index;
  std::optional<CommunityValue> value;  // nullopt: invalid, already reported
};

std::map<std::string, Alias> community_aliases(const LbConfig& config) {
  std::map<std::string, Alias> aliases;
  for (const auto& community : config.communities) {
    for (std::size_t i = 0; i < community.communities.size(); ++i) {
      const auto& alias = community.communities[i];
      bool looks_like_value = false;
      aliases.emplace(alias.name,
                      Alias{&community, i, parse_community(alias.value, looks_like_value)});
    }
  }
  return aliases;
}

bool peers_may_share_node(const BgpPeer& a, const BgpPeer& b) {
  return selectors_may_overlap(a.node_selectors, b.node_selectors);
}

void check_timers(Reporter& report, const BgpPeer& peer) {
  if (!peer.hold_time && !peer.keepalive_time) return;
  const auto hold = peer.effective_hold_time();
  const auto keepalive = peer.effective_keepalive_time();
  // MetalLB rounds the hold time down to whole seconds before comparing with 3 s.
  const auto whole_seconds = hold.count() / 1000;
  if (whole_seconds != 0 && whole_seconds < 3) {
    if (peer.hold_time) {
      report.error(kPeer, peer.meta, "spec.holdTime",
                   fmt::format("invalid hold time \"{}\": must be 0 or >= 3s",
                               duration_text(*peer.hold_time)));
    } else {
      report.error(kPeer, peer.meta, "spec.keepaliveTime",
                   fmt::format("keepaliveTime \"{}\" without holdTime gives a hold time of {} "
                               "(3 x keepaliveTime): it must be 0 or >= 3s",
                               duration_text(keepalive), duration_text(hold)));
    }
  }
  if (keepalive > hold) {
    report.error(kPeer, peer.meta, "spec.keepaliveTime",
                 fmt::format("invalid keepaliveTime \"{}\": must be lower than holdTime \"{}\"",
                             duration_text(keepalive), duration_text(hold)));
  }
}

void resolve_password_secret(Reporter& report, const LbConfig& config, BgpPeer& peer) {
  peer.password_from_secret.clear();
  if (!peer.password_secret) return;
  const SecretReference& ref = *peer.password_secret;
  if (!peer.password.empty()) {
    report.error(kPeer, peer.meta, "spec.passwordSecret",
                 "can not have both password and passwordSecret set");
    return;
  }
  const auto found =
      std::find_if(config.secrets.begin(), config.secrets.end(), [&](const Secret& s) {
        return s.meta.name == ref.name && (ref.namespace_.empty() || s.meta.namespace_.empty() ||
                                           s.meta.namespace_ == ref.namespace_);
      });
  if (found == config.secrets.end()) {
    report.error(
        kPeer, peer.meta, "spec.passwordSecret",
        fmt::format("no Secret \"{}\"{} (the password must be in a {} Secret given "
                    "with the resources)",
                    ref.name, ref.namespace_.empty() ? "" : " in namespace " + ref.namespace_,
                    kBasicAuth));
    return;
  }
  if (found->type != kBasicAuth) {
    report.error(
        kPeer, peer.meta, "spec.passwordSecret",
        fmt::format("Secret \"{}\" ({}) is of type \"{}\", \"{}\" is expected", found->meta.name,
                    found->meta.where.to_string(), found->type, kBasicAuth));
    return;
  }
  if (!found->has_password) {
    report.error(kPeer, peer.meta, "spec.passwordSecret",
                 fmt::format("password not specified in the Secret \"{}\" ({})", found->meta.name,
                             found->meta.where.to_string()));
    return;
  }
  peer.password_from_secret = found->password;
}

void check_peer(Reporter& report, const LbConfig& config, BgpPeer& peer) {
  if (peer.my_asn == 0) report.error(kPeer, peer.meta, "spec.myASN", "missing local ASN (myASN)");
  if (peer.peer_asn == 0 && peer.dynamic_asn == BgpPeer::DynamicAsn::kNone) {
    report.error(kPeer, peer.meta, "spec.peerASN",
                 "missing peerASN and dynamicASN (one is needed)");
  }
  if (peer.peer_asn != 0 && peer.dynamic_asn != BgpPeer::DynamicAsn::kNone) {
    report.error(kPeer, peer.meta, "spec.dynamicASN", "both peerASN and dynamicASN specified");
  }
  if (peer.ebgp_multihop && peer.peer_asn == peer.my_asn) {
    report.error(kPeer, peer.meta, "spec.ebgpMultiHop",
                 "invalid ebgpMultiHop for an iBGP peer (peerASN equals myASN)");
  }
  check_timers(report, peer);
  if (peer.connect_time) {
    const auto ms = peer.connect_time->count();
    if (ms < 1000 || ms / 1000 > 65535) {
      report.error(kPeer, peer.meta, "spec.connectTime",
                   fmt::format("connect time \"{}\" should be between 1 seconds to 65535",
                               duration_text(*peer.connect_time)));
    } else if (ms % 1000 != 0) {
      report.error(kPeer, peer.meta, "spec.connectTime",
                   fmt::format("connect time \"{}\" should contain a whole number of seconds",
                               duration_text(*peer.connect_time)));
    }
  }
  if (peer.peer_port < 1 || peer.peer_port > 16384) {
    report.error(kPeer, peer.meta, "spec.peerPort",
                 fmt::format("peerPort {} is out of range (1-16384, as MetalLB's CRD allows)",
                             peer.peer_port));
  }
  if (peer.router_id && !peer.router_id->is_v4()) {
    report.error(kPeer, peer.meta, "spec.routerID",
                 fmt::format("invalid router ID \"{}\": a BGP identifier is an IPv4 address",
                             peer.router_id->to_string()));
  }
  check_selectors(report, kPeer, peer.meta, "spec.nodeSelectors", peer.node_selectors);
  resolve_password_secret(report, config, peer);
  if (!peer.bfd_profile.empty() && !config.find_bfd_profile(peer.bfd_profile)) {
    report.error(kPeer, peer.meta, "spec.bfdProfile",
                 fmt::format("peer {} referencing non existing bfd profile \"{}\"", peer.meta.name,
                             peer.bfd_profile));
  }
  if (!peer.vrf.empty()) {
    report.error(kPeer, peer.meta, "spec.vrf",
                 fmt::format("vrf \"{}\" is not supported: vipd has no VRFs", peer.vrf));
  }
  if (!peer.interface.empty()) {
    report.error(kPeer, peer.meta, "spec.interface",
                 fmt::format("interface \"{}\" (BGP unnumbered) is not supported by vipd yet: give "
                             "peerAddress",
                             peer.interface));
  }
  if (peer.local_asn != 0) {
    report.error(kPeer, peer.meta, "spec.localASN",
                 "localASN is not supported: vipd has no local-as (set myASN instead)");
  }
}

// vipd runs one BGP instance per node, as MetalLB's FRR mode does: peers that can select the
// same node must agree on myASN and routerID and must not repeat an address (validation.go
// peersCanRunOnSameNode). Without the cluster's nodes, "can select the same node" is decided
// from the selectors alone (selectors_may_overlap).
void check_peers_on_one_node(Reporter& report, const LbConfig& config) {
  for (std::size_t i = 0; i < config.peers.size(); ++i) {
    const BgpPeer& peer = config.peers[i];
    for (std::size_t j = 0; j < i; ++j) {
      const BgpPeer& other = config.peers[j];
      if (!peers_may_share_node(peer, other)) continue;
      const std::string other_text =
          fmt::format("BGPPeer \"{}\" ({})", other.meta.name, other.meta.where.to_string());
      if (peer.my_asn != other.my_asn) {
        report.error(kPeer, peer.meta, "spec.myASN",
                     fmt::format("myASN {} differs from myASN {} of {}, which can select the same "
                                 "nodes: vipd runs one BGP instance per node",
                                 peer.my_asn, other.my_asn, other_text));
      }
      if (peer.router_id != other.router_id) {
        const auto text = [](const std::optional<IpAddress>& id) {
          return id ? id->to_string() : std::string("(none)");
        };
        report.error(kPeer, peer.meta, "spec.routerID",
                     fmt::format("routerID {} differs from routerID {} of {}, which can select "
                                 "the same nodes: vipd runs one BGP instance per node",
                                 text(peer.router_id), text(other.router_id), other_text));
      }
      if (peer.interface.empty() && other.interface.empty() &&
          peer.peer_address == other.peer_address && peer.vrf == other.vrf) {
        report.error(kPeer, peer.meta, "spec.peerAddress",
                     fmt::format("peer {} already exists: {}, which can select the same nodes "
                                 "(one session per address on a node)",
                                 peer.peer_address.to_string(), other_text));
      }
    }
  }
}

void check_bfd_range(Reporter& report, const BfdProfile& profile, std::string_view field,
                     std::string_view what, const std::optional<std::uint32_t>& value,
                     std::uint32_t min, std::uint32_t max) {
  if (value && (*value < min || *value > max)) {
    report.error(
        kBfd, profile.meta, field,
        fmt::format("invalid {} value {}: must be in {}-{} range", what, *value, min, max));
  }
}

bool has_family(const IpAddressPool& pool, Family family) {
  return std::any_of(pool.ranges.begin(), pool.ranges.end(),
                     [&](const AddressRange& r) { return r.family() == family; });
}

int aggregation_v4(const BgpAdvertisement& ad) {
  return ad.aggregation_length.value_or(32);
}
int aggregation_v6(const BgpAdvertisement& ad) {
  return ad.aggregation_length_v6.value_or(128);
}

// config.go isAggrLengthDifferent: the two produce different prefixes for this pool.
bool aggregation_differs(const BgpAdvertisement& a, const BgpAdvertisement& b,
                         const IpAddressPool& pool) {
  const bool v4 = has_family(pool, Family::kIpv4), v6 = has_family(pool, Family::kIpv6);
  if (!v4 && !v6) return true;
  const bool v4_differs = aggregation_v4(a) != aggregation_v4(b);
  const bool v6_differs = aggregation_v6(a) != aggregation_v6(b);
  if (v4_differs && !v6) return true;
  if (v6_differs && !v4) return true;
  return v4_differs && v6_differs;
}

// config.go BGPAdvertisementsHaveCompatibleLocalPref, with "shares a node" decided from the
// node selectors.
bool local_prefs_compatible(const BgpAdvertisement& a, const BgpAdvertisement& b,
                            const IpAddressPool& pool) {
  if (a.local_pref.value_or(0) == b.local_pref.value_or(0)) return true;
  if (aggregation_differs(a, b, pool)) return true;
  if (!a.peers.empty() && !b.peers.empty()) {
    const bool common = std::any_of(a.peers.begin(), a.peers.end(), [&](const std::string& p) {
      return std::find(b.peers.begin(), b.peers.end(), p) != b.peers.end();
    });
    if (!common) return true;
  }
  return !selectors_may_overlap(a.node_selectors, b.node_selectors);
}

void resolve_communities(Reporter& report, const std::map<std::string, Alias>& aliases,
                         BgpAdvertisement& ad) {
  ad.standard_communities.clear();
  ad.large_communities.clear();
  for (std::size_t i = 0; i < ad.communities.size(); ++i) {
    const std::string& text = ad.communities[i];
    const std::string field = fmt::format("spec.communities[{}]", i);
    std::optional<CommunityValue> value;
    if (const auto alias = aliases.find(text); alias != aliases.end()) {
      if (!alias->second.value) continue;  // its Community resource is reported
      value = alias->second.value;
    } else {
      bool looks_like_value = false;
      value = parse_community(text, looks_like_value);
      if (!value) {
        report.error(kBgpAd, ad.meta, field,
                     looks_like_value
                         ? community_value_problem(text)
                         : fmt::format("unknown community \"{}\": neither a value (65535:65282, "
                                       "large:1:2:3) nor an alias of a Community resource",
                                       text));
        continue;
      }
    }
    if (value->standard && std::find(ad.standard_communities.begin(), ad.standard_communities.end(),
                                     *value->standard) == ad.standard_communities.end()) {
      ad.standard_communities.push_back(*value->standard);
    }
    if (value->large && std::find(ad.large_communities.begin(), ad.large_communities.end(),
                                  *value->large) == ad.large_communities.end()) {
      ad.large_communities.push_back(*value->large);
    }
  }
}

void check_aggregation(Reporter& report, const BgpAdvertisement& ad, const IpAddressPool& pool) {
  for (std::size_t i = 0; i < pool.ranges.size() && i < pool.addresses.size(); ++i) {
    const AddressRange& range = pool.ranges[i];
    const bool v4 = range.family() == Family::kIpv4;
    const int length = v4 ? aggregation_v4(ad) : aggregation_v6(ad);
    const int widest = widest_prefix_length(range);
    if (length < widest) {
      report.error(kBgpAd, ad.meta, v4 ? "spec.aggregationLength" : "spec.aggregationLengthV6",
                   fmt::format("invalid aggregation length {}: prefix {} of \"{}\" in pool \"{}\" "
                               "is more specific than the aggregation length",
                               length, widest, pool.addresses[i], pool.meta.name));
    }
  }
}

}  // namespace

void validate_bfd_profiles(const LbConfig& config, Reporter& report) {
  for (const auto& profile : config.bfd_profiles) {
    check_bfd_range(report, profile, "spec.receiveInterval", "receive interval",
                    profile.receive_interval, 10, 60000);
    check_bfd_range(report, profile, "spec.transmitInterval", "transmit interval",
                    profile.transmit_interval, 10, 60000);
    check_bfd_range(report, profile, "spec.detectMultiplier", "detect multiplier",
                    profile.detect_multiplier, 2, 255);
    check_bfd_range(report, profile, "spec.echoInterval", "echo interval", profile.echo_interval,
                    10, 60000);
    check_bfd_range(report, profile, "spec.minimumTtl", "minimum ttl", profile.minimum_ttl, 1, 254);
  }
}

void validate_communities(const LbConfig& config, Reporter& report) {
  std::map<std::string, std::pair<const Community*, std::size_t>> seen;
  for (const auto& community : config.communities) {
    for (std::size_t i = 0; i < community.communities.size(); ++i) {
      const CommunityAlias& alias = community.communities[i];
      const std::string field = fmt::format("spec.communities[{}]", i);
      if (alias.name.empty()) {
        report.error(kCommunity, community.meta, field + ".name", "an alias needs a name");
      }
      bool looks_like_value = false;
      if (!parse_community(alias.value, looks_like_value)) {
        report.error(kCommunity, community.meta, field + ".value",
                     fmt::format("parsing community \"{}\": {}", alias.name,
                                 community_value_problem(alias.value)));
      }
      const auto [found, inserted] = seen.emplace(alias.name, std::make_pair(&community, i));
      if (!inserted && !alias.name.empty()) {
        const auto& [owner, index] = found->second;
        report.error(kCommunity, community.meta, field + ".name",
                     fmt::format("duplicate definition of community \"{}\" (also in Community/{} "
                                 "at {})",
                                 alias.name, owner->meta.name,
                                 owner->meta.where.at(fmt::format("spec.communities[{}]", index))));
      }
    }
  }
}

void validate_peers(LbConfig& config, Reporter& report) {
  for (auto& peer : config.peers) check_peer(report, config, peer);
  check_peers_on_one_node(report, config);
}

void validate_bgp_advertisements(LbConfig& config, Reporter& report) {
  const auto aliases = community_aliases(config);
  for (std::size_t a = 0; a < config.bgp_advertisements.size(); ++a) {
    BgpAdvertisement& ad = config.bgp_advertisements[a];
    bool lengths_valid = true;
    if (ad.aggregation_length && (*ad.aggregation_length < 1 || *ad.aggregation_length > 32)) {
      report.error(kBgpAd, ad.meta, "spec.aggregationLength",
                   fmt::format("invalid aggregation length {} for IPv4: must be 1-32",
                               *ad.aggregation_length));
      lengths_valid = false;
    }
    if (ad.aggregation_length_v6 && *ad.aggregation_length_v6 > 128) {
      report.error(kBgpAd, ad.meta, "spec.aggregationLengthV6",
                   fmt::format("invalid aggregation length {} for IPv6: must be 0-128",
                               *ad.aggregation_length_v6));
      lengths_valid = false;
    }
    if (!ad.service_selectors.empty() && (aggregation_v4(ad) != 32 || aggregation_v6(ad) != 128)) {
      report.error(kBgpAd, ad.meta, "spec.serviceSelectors",
                   "serviceSelectors and aggregationLength are mutually exclusive, can only be "
                   "used together with default aggregationLength (32) and aggregationLengthV6 "
                   "(128)");
    }
    check_no_duplicates(report, kBgpAd, ad.meta, "spec.ipAddressPools", ad.ip_address_pools,
                        "ipAddressPools");
    check_no_duplicates(report, kBgpAd, ad.meta, "spec.communities", ad.communities, "community");
    check_no_duplicates(report, kBgpAd, ad.meta, "spec.peers", ad.peers, "peers");
    check_selectors(report, kBgpAd, ad.meta, "spec.ipAddressPoolSelectors",
                    ad.ip_address_pool_selectors);
    check_selectors(report, kBgpAd, ad.meta, "spec.nodeSelectors", ad.node_selectors);
    check_selectors(report, kBgpAd, ad.meta, "spec.serviceSelectors", ad.service_selectors);
    for (std::size_t i = 0; i < ad.ip_address_pools.size(); ++i) {
      if (!config.find_pool(ad.ip_address_pools[i])) {
        report.warning(kBgpAd, ad.meta, fmt::format("spec.ipAddressPools[{}]", i),
                       fmt::format("no IPAddressPool \"{}\" (ignored)", ad.ip_address_pools[i]));
      }
    }
    for (std::size_t i = 0; i < ad.peers.size(); ++i) {
      if (!config.find_peer(ad.peers[i])) {
        report.warning(kBgpAd, ad.meta, fmt::format("spec.peers[{}]", i),
                       fmt::format("no BGPPeer \"{}\" (nothing is announced to it)", ad.peers[i]));
      }
    }
    resolve_communities(report, aliases, ad);

    const auto pools = selected_pools(config, ad.ip_address_pools, ad.ip_address_pool_selectors);
    for (const IpAddressPool* pool : pools) {
      if (lengths_valid) check_aggregation(report, ad, *pool);
      // Which earlier advertisement of this pool disagrees on LOCAL_PREF, for the same
      // prefixes to the same peers from the same nodes (MetalLB skips those with selectors
      // of Services: which Services they take is not known here).
      if (ad.service_selectors.empty()) {
        for (std::size_t b = 0; b < a; ++b) {
          const BgpAdvertisement& earlier = config.bgp_advertisements[b];
          if (!earlier.service_selectors.empty()) continue;
          const auto earlier_pools =
              selected_pools(config, earlier.ip_address_pools, earlier.ip_address_pool_selectors);
          if (std::find(earlier_pools.begin(), earlier_pools.end(), pool) == earlier_pools.end())
            continue;
          if (local_prefs_compatible(ad, earlier, *pool)) continue;
          report.error(kBgpAd, ad.meta, "spec.localPref",
                       fmt::format("invalid local preference {}: BGPAdvertisement \"{}\" ({}) "
                                   "already sets local preference {} for pool \"{}\", with the "
                                   "same aggregation length, peers and nodes",
                                   ad.local_pref.value_or(0), earlier.meta.name,
                                   earlier.meta.where.to_string(), earlier.local_pref.value_or(0),
                                   pool->meta.name));
        }
      }
      // FRR cannot run BFD echo on an IPv6 session (validation.go validateConfig).
      if (!has_family(*pool, Family::kIpv6)) continue;
      for (const auto& peer : config.peers) {
        if (!ad.peers.empty() &&
            std::find(ad.peers.begin(), ad.peers.end(), peer.meta.name) == ad.peers.end())
          continue;
        const BfdProfile* profile = config.find_bfd_profile(peer.bfd_profile);
        if (profile && profile->echo_mode) {
          report.error(kBgpAd, ad.meta, ad.peers.empty() ? "spec" : "spec.peers",
                       fmt::format("pool {} has bgpadvertisement {} which references peer {} "
                                   "which has bfd echo enabled, which is not possible",
                                   pool->meta.name, ad.meta.name, peer.meta.name));
        }
      }
    }
  }
}

}  // namespace vipd::lb::crd
