#include "lb/crd/parse_kinds.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <limits>

namespace vipd::lb::crd {
namespace {

using Field = ResourceReader::Field;
using Node = YAML::Node;
using Path = std::string;

constexpr std::int64_t kInt32Min = std::numeric_limits<std::int32_t>::min();
constexpr std::int64_t kInt32Max = std::numeric_limits<std::int32_t>::max();
constexpr std::int64_t kUint32Max = std::numeric_limits<std::uint32_t>::max();

Field string_field(std::string_view key, ResourceReader& r, std::string& out,
                   bool required = false) {
  return {key,
          [&r, &out](const Node& v, const Path& p) {
            if (auto s = r.read_string(v, p)) out = *s;
          },
          required};
}

Field bool_field(std::string_view key, ResourceReader& r, bool& out) {
  return {key, [&r, &out](const Node& v, const Path& p) {
            if (auto b = r.read_bool(v, p)) out = *b;
          }};
}

Field strings_field(std::string_view key, ResourceReader& r, std::vector<std::string>& out) {
  return {key, [&r, &out](const Node& v, const Path& p) { out = r.read_string_list(v, p); }};
}

Field selectors_field(std::string_view key, ResourceReader& r, std::vector<LabelSelector>& out,
                      bool legacy = false) {
  return {key, [&r, &out, legacy](const Node& v, const Path& p) {
            out = r.read_selectors(v, p, legacy);
          }};
}

Field uint32_field(std::string_view key, ResourceReader& r, std::optional<std::uint32_t>& out) {
  return {key, [&r, &out](const Node& v, const Path& p) {
            // BFDProfile's fields are int32 in the CRD schema (format: int32).
            if (auto n = r.read_integer(v, p, 0, kInt32Max)) out = static_cast<std::uint32_t>(*n);
          }};
}

Field asn_field(std::string_view key, ResourceReader& r, std::uint32_t& out, bool required) {
  return {key,
          [&r, &out](const Node& v, const Path& p) {
            if (auto n = r.read_integer(v, p, 0, kUint32Max)) out = static_cast<std::uint32_t>(*n);
          },
          required};
}

Field duration_field(std::string_view key, ResourceReader& r,
                     std::optional<std::chrono::milliseconds>& out) {
  return {key, [&r, &out](const Node& v, const Path& p) { out = r.read_duration(v, p); }};
}

Field address_field(std::string_view key, ResourceReader& r, std::optional<IpAddress>& out,
                    std::string_view what) {
  return {key,
          [&r, &out, what](const Node& v, const Path& p) { out = r.read_address(v, p, what); }};
}

}  // namespace

void read_pool_spec(ResourceReader& r, const Node& spec, IpAddressPool& pool) {
  const auto read_allocation = [&](const Node& v, const Path& p) {
    ServiceAllocation allocation;
    r.read_map(v, p,
               {{"priority",
                 [&](const Node& pv, const Path& pp) {
                   // An int with omitempty: 0 is the same as not set (lowest priority).
                   if (auto n = r.read_integer(pv, pp, kInt32Min, kInt32Max); n && *n != 0)
                     allocation.priority = static_cast<int>(*n);
                 }},
                strings_field("namespaces", r, allocation.namespaces),
                selectors_field("namespaceSelectors", r, allocation.namespace_selectors),
                selectors_field("serviceSelectors", r, allocation.service_selectors)});
    pool.service_allocation = std::move(allocation);
  };
  r.read_map(
      spec, "spec",
      {{"addresses",
        [&](const Node& v, const Path& p) { pool.addresses = r.read_string_list(v, p); }, true},
       bool_field("autoAssign", r, pool.auto_assign),
       bool_field("avoidBuggyIPs", r, pool.avoid_buggy_ips),
       {"serviceAllocation", read_allocation}});
}

void read_peer_spec(ResourceReader& r, const Node& spec, bool v1beta1, BgpPeer& peer) {
  std::optional<IpAddress> peer_address;
  bool has_address = false;
  std::optional<std::uint16_t> port;
  std::vector<Field> fields = {
      asn_field("myASN", r, peer.my_asn, true),
      asn_field("peerASN", r, peer.peer_asn, v1beta1),
      {"peerAddress",
       [&](const Node& v, const Path& p) {
         has_address = true;
         peer_address = r.read_address(v, p, "BGPPeer address");
       },
       v1beta1},
      address_field("sourceAddress", r, peer.source_address, "source address"),
      {"peerPort",
       [&](const Node& v, const Path& p) {
         // The CRD allows 0-16384 in v1beta1 and 1-16384 in v1beta2; validate.cpp says so.
         if (auto n = r.read_integer(v, p, 0, 65535)) port = static_cast<std::uint16_t>(*n);
       }},
      duration_field("holdTime", r, peer.hold_time),
      duration_field("keepaliveTime", r, peer.keepalive_time),
      address_field("routerID", r, peer.router_id, "router ID"),
      selectors_field("nodeSelectors", r, peer.node_selectors, v1beta1),
      string_field("password", r, peer.password),
      string_field("bfdProfile", r, peer.bfd_profile),
      bool_field("ebgpMultiHop", r, peer.ebgp_multihop),
  };
  if (!v1beta1) {
    fields.push_back(asn_field("localASN", r, peer.local_asn, false));
    fields.push_back(
        {"dynamicASN", [&](const Node& v, const Path& p) {
           const auto text = r.read_string(v, p);
           if (!text) return;
           if (*text == "internal") {
             peer.dynamic_asn = BgpPeer::DynamicAsn::kInternal;
           } else if (*text == "external") {
             peer.dynamic_asn = BgpPeer::DynamicAsn::kExternal;
           } else {
             r.error(v, p, fmt::format("invalid dynamicASN \"{}\" (internal or external)", *text));
           }
         }});
    fields.push_back(string_field("interface", r, peer.interface));
    fields.push_back(duration_field("connectTime", r, peer.connect_time));
    fields.push_back({"passwordSecret", [&](const Node& v, const Path& p) {
                        SecretReference ref;
                        r.read_map(v, p,
                                   {string_field("name", r, ref.name),
                                    string_field("namespace", r, ref.namespace_)});
                        // An empty reference is what the Go zero value looks like: not set.
                        if (!ref.name.empty() || !ref.namespace_.empty())
                          peer.password_secret = ref;
                      }});
    fields.push_back(bool_field("enableGracefulRestart", r, peer.enable_graceful_restart));
    fields.push_back(string_field("vrf", r, peer.vrf));
    fields.push_back({"disableMP", [&](const Node& v, const Path& p) {
                        if (auto b = r.read_bool(v, p)) peer.disable_mp = *b;
                        // MetalLB's webhook says so too; the session is multiprotocol anyway.
                        if (peer.disable_mp) {
                          r.warning(v, p,
                                    "disableMP is deprecated and has no effect (each session "
                                    "carries the families it is configured for)");
                        }
                      }});
    fields.push_back(bool_field("dualStackAddressFamily", r, peer.dual_stack_address_family));
  }
  r.read_map(spec, "spec", fields);
  if (spec.IsDefined() && !spec.IsNull() && !spec.IsMap()) return;  // reported
  if (peer_address) peer.peer_address = *peer_address;
  if (port) peer.peer_port = *port == 0 && v1beta1 ? 179 : *port;
  // Both versions need one of peerAddress and interface (config.go peerFromCR); the model
  // cannot hold "no address", so this is decided here.
  if (!v1beta1 && !has_address && peer.interface.empty()) {
    r.error(spec, "spec.peerAddress", "peer has no peerAddress or interface specified");
  }
  if (!v1beta1 && has_address && !peer.interface.empty()) {
    r.error(spec, "spec.interface", "peer has both peerAddress and interface specified");
  }
}

void read_bgp_advertisement_spec(ResourceReader& r, const Node& spec, BgpAdvertisement& ad) {
  const auto length_field = [&](std::string_view key, std::optional<std::uint8_t>& out,
                                int family_bits) -> Field {
    return {key, [&r, &out, family_bits](const Node& v, const Path& p) {
              const auto n = r.read_integer(v, p, kInt32Min, kInt32Max);
              if (!n) return;
              if (*n < 0 || *n > 255) {
                // Not representable; the same words validate.cpp uses for 33-255.
                r.error(
                    v, p,
                    fmt::format("invalid aggregation length {} for IPv{}: must be {}-{}", *n,
                                family_bits == 32 ? 4 : 6, family_bits == 32 ? 1 : 0, family_bits));
                return;
              }
              out = static_cast<std::uint8_t>(*n);
            }};
  };
  r.read_map(spec, "spec",
             {length_field("aggregationLength", ad.aggregation_length, 32),
              length_field("aggregationLengthV6", ad.aggregation_length_v6, 128),
              {"localPref",
               [&](const Node& v, const Path& p) {
                 // uint32 with omitempty: 0 is "not set" (no LOCAL_PREF of our own).
                 if (auto n = r.read_integer(v, p, 0, kUint32Max); n && *n != 0)
                   ad.local_pref = static_cast<std::uint32_t>(*n);
               }},
              strings_field("communities", r, ad.communities),
              strings_field("ipAddressPools", r, ad.ip_address_pools),
              selectors_field("ipAddressPoolSelectors", r, ad.ip_address_pool_selectors),
              selectors_field("nodeSelectors", r, ad.node_selectors),
              strings_field("peers", r, ad.peers),
              selectors_field("serviceSelectors", r, ad.service_selectors)});
}

void read_l2_advertisement_spec(ResourceReader& r, const Node& spec, L2Advertisement& ad) {
  const auto read_preferred = [&](const Node& v, const Path& p) {
    r.read_list(v, p, [&](const Node& item, const Path& item_path) {
      PreferredNodeSelector preferred;
      bool valid = true;
      r.read_map(item, item_path,
                 {{"weight",
                   [&](const Node& wv, const Path& wp) {
                     if (auto n = r.read_integer(wv, wp, kInt32Min, kInt32Max)) {
                       preferred.weight = static_cast<std::int32_t>(*n);
                     } else {
                       valid = false;
                     }
                   },
                   true},
                  {"preference",
                   [&](const Node& sv, const Path& sp) {
                     if (auto s = r.read_selector(sv, sp)) {
                       preferred.preference = std::move(*s);
                     } else {
                       valid = false;
                     }
                   },
                   true}});
      if (valid) ad.preferred_node_selectors.push_back(std::move(preferred));
    });
  };
  r.read_map(spec, "spec",
             {strings_field("ipAddressPools", r, ad.ip_address_pools),
              selectors_field("ipAddressPoolSelectors", r, ad.ip_address_pool_selectors),
              selectors_field("nodeSelectors", r, ad.node_selectors),
              strings_field("interfaces", r, ad.interfaces),
              selectors_field("serviceSelectors", r, ad.service_selectors),
              {"preferredNodeSelectors", read_preferred}});
}

void read_community_spec(ResourceReader& r, const Node& spec, Community& community) {
  r.read_map(spec, "spec", {{"communities", [&](const Node& v, const Path& p) {
                               r.read_list(v, p, [&](const Node& item, const Path& item_path) {
                                 CommunityAlias alias;
                                 r.read_map(item, item_path,
                                            {string_field("name", r, alias.name),
                                             string_field("value", r, alias.value)});
                                 community.communities.push_back(std::move(alias));
                               });
                             }}});
}

void read_bfd_profile_spec(ResourceReader& r, const Node& spec, BfdProfile& profile) {
  r.read_map(spec, "spec",
             {uint32_field("receiveInterval", r, profile.receive_interval),
              uint32_field("transmitInterval", r, profile.transmit_interval),
              uint32_field("detectMultiplier", r, profile.detect_multiplier),
              uint32_field("echoInterval", r, profile.echo_interval),
              bool_field("echoMode", r, profile.echo_mode),
              bool_field("passiveMode", r, profile.passive_mode),
              uint32_field("minimumTtl", r, profile.minimum_ttl)});
}

}  // namespace vipd::lb::crd
