// MetalLB's custom resources (metallb.io/v1beta1 and v1beta2) as plain values, as MetalLB's own
// API types and docs define them (api/v1beta1, api/v1beta2 in metallb/metallb). parse.hpp reads
// them from YAML; validate.hpp enforces the rules MetalLB's webhooks and controller enforce.
// Field names follow the YAML keys; unset optional fields mean MetalLB's default.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bgp/wire/attributes.hpp"
#include "common/ip.hpp"
#include "lb/labels.hpp"

namespace vipd::lb::crd {

// Where a resource was read: its file and the line of its `kind:` (for FILE:LINE errors).
struct SourceLocation {
  std::string file;
  int line = 0;
  // The line of each field read, by path ("spec.addresses[1]", "spec.peerASN"), so that
  // validation can point at the field it rejects rather than at the resource.
  std::map<std::string, int> field_lines;
  bool operator==(const SourceLocation&) const = default;
  std::string to_string() const;  // "FILE:LINE"
  // "FILE:LINE" of `field` if it was read, else of the nearest enclosing field that was, else
  // of the resource.
  std::string at(std::string_view field) const;
};

struct ObjectMeta {
  std::string name;
  std::string namespace_;  // empty: not given (MetalLB reads its own namespace)
  Labels labels;
  Labels annotations;
  SourceLocation where;
  bool operator==(const ObjectMeta&) const = default;
};

// An inclusive range of addresses of one family. A CIDR "10.47.40.1/24" is read as MetalLB
// reads it (net.ParseCIDR): the whole network 10.47.40.0-10.47.40.255, host bits ignored.
struct AddressRange {
  IpAddress first;
  IpAddress last;
  bool operator==(const AddressRange&) const = default;
  bool contains(const IpAddress& a) const;
  Family family() const { return first.family(); }
};

struct ServiceAllocation {
  std::optional<int> priority;  // lower is tried first; unset after every set one
  std::vector<std::string> namespaces;
  std::vector<LabelSelector> namespace_selectors;
  std::vector<LabelSelector> service_selectors;
  bool operator==(const ServiceAllocation&) const = default;
};

struct IpAddressPool {
  ObjectMeta meta;
  std::vector<std::string> addresses;  // as written
  std::vector<AddressRange> ranges;    // addresses, parsed (one per entry)
  bool auto_assign = true;
  // .0 and .255 of every /24 are never given (old Windows/consumer gear drops them).
  bool avoid_buggy_ips = false;
  std::optional<ServiceAllocation> service_allocation;
  bool operator==(const IpAddressPool&) const = default;
};

struct SecretReference {
  std::string name;
  std::string namespace_;
  bool operator==(const SecretReference&) const = default;
};

// BGPPeer, v1beta2 (v1beta1 reads into the same shape: its nodeSelectors have the same keys).
struct BgpPeer {
  enum class DynamicAsn { kNone, kInternal, kExternal };
  ObjectMeta meta;
  std::string api_version;  // "metallb.io/v1beta2" or "metallb.io/v1beta1"
  std::uint32_t my_asn = 0;
  std::uint32_t peer_asn = 0;   // 0 with dynamic_asn set
  std::uint32_t local_asn = 0;  // v1beta2 localASN (local-as); refused: vipd has no local-as
  DynamicAsn dynamic_asn = DynamicAsn::kNone;
  IpAddress peer_address;
  std::optional<IpAddress> source_address;
  std::uint16_t peer_port = 179;
  std::optional<std::chrono::milliseconds> hold_time;       // default 90 s
  std::optional<std::chrono::milliseconds> keepalive_time;  // default hold / 3
  std::optional<std::chrono::milliseconds> connect_time;
  std::optional<IpAddress> router_id;
  std::vector<LabelSelector> node_selectors;  // empty: every node
  std::string password;
  std::optional<SecretReference> password_secret;
  std::string password_from_secret;  // resolved from the Secret by validation
  std::string bfd_profile;
  bool enable_graceful_restart = false;
  bool ebgp_multihop = false;
  std::string vrf;          // refused: vipd has no VRFs
  bool disable_mp = false;  // deprecated by MetalLB, no effect (a warning)
  bool dual_stack_address_family = false;
  std::string interface;  // BGP unnumbered; refused for now
  bool operator==(const BgpPeer&) const = default;
  // MetalLB's timer defaults (config.go parseTimers): neither set: 90 s and 30 s; one set: the
  // other is derived (keepalive = hold / 3, hold = keepalive * 3).
  std::chrono::milliseconds effective_hold_time() const;
  std::chrono::milliseconds effective_keepalive_time() const;
  // The password to use: password, or the one read from passwordSecret.
  const std::string& effective_password() const {
    return password.empty() ? password_from_secret : password;
  }
};

struct BgpAdvertisement {
  ObjectMeta meta;
  std::optional<std::uint8_t> aggregation_length;     // IPv4, default 32
  std::optional<std::uint8_t> aggregation_length_v6;  // default 128
  std::optional<std::uint32_t> local_pref;            // iBGP only
  std::vector<std::string> communities;  // as written: "65535:65282", alias, "large:..."
  std::vector<std::string> ip_address_pools;
  std::vector<LabelSelector> ip_address_pool_selectors;
  std::vector<LabelSelector> node_selectors;
  std::vector<std::string> peers;  // BGPPeer names; empty: every peer
  // Only Services matching one of these; empty: every Service of the selected pools. Needs the
  // default aggregation lengths (MetalLB's rule).
  std::vector<LabelSelector> service_selectors;
  // `communities` resolved by validation (aliases looked up in the Community resources).
  std::vector<std::uint32_t> standard_communities;
  std::vector<bgp::wire::LargeCommunity> large_communities;
  bool operator==(const BgpAdvertisement&) const = default;
};

struct CommunityAlias {
  std::string name;
  std::string value;
  bool operator==(const CommunityAlias&) const = default;
};

struct Community {
  ObjectMeta meta;
  std::vector<CommunityAlias> communities;
  bool operator==(const Community&) const = default;
};

// BFDProfile; times in milliseconds. Unset: MetalLB's (FRR's) defaults, see validate.hpp.
struct BfdProfile {
  ObjectMeta meta;
  std::optional<std::uint32_t> receive_interval;   // 10-60000, default 300
  std::optional<std::uint32_t> transmit_interval;  // 10-60000, default 300
  std::optional<std::uint32_t> detect_multiplier;  // 2-255, default 3
  std::optional<std::uint32_t> echo_interval;      // 10-60000, default 50
  bool echo_mode = false;
  bool passive_mode = false;
  std::optional<std::uint32_t> minimum_ttl;  // 1-254, default 254
  bool operator==(const BfdProfile&) const = default;
};

// L2Advertisement.preferredNodeSelectors entry: nodes matching `preference` score `weight`
// (1-100) in the choice of the announcing node.
struct PreferredNodeSelector {
  std::int32_t weight = 0;
  LabelSelector preference;
  bool operator==(const PreferredNodeSelector&) const = default;
};

struct L2Advertisement {
  ObjectMeta meta;
  std::vector<std::string> ip_address_pools;
  std::vector<LabelSelector> ip_address_pool_selectors;
  std::vector<LabelSelector> node_selectors;
  std::vector<std::string> interfaces;
  std::vector<LabelSelector> service_selectors;
  std::vector<PreferredNodeSelector> preferred_node_selectors;
  bool operator==(const L2Advertisement&) const = default;
};

// A `v1/Secret` of type kubernetes.io/basic-auth, for BGPPeer.passwordSecret.
struct Secret {
  ObjectMeta meta;
  std::string type;
  std::string password;       // data.password (base64-decoded) or stringData.password
  bool has_password = false;  // the key is there (an empty password is still a password)
  bool operator==(const Secret&) const = default;
};

// Everything read from --lb-config, in the order read.
struct LbConfig {
  std::vector<IpAddressPool> pools;
  std::vector<BgpPeer> peers;
  std::vector<BgpAdvertisement> bgp_advertisements;
  std::vector<L2Advertisement> l2_advertisements;
  std::vector<Community> communities;
  std::vector<BfdProfile> bfd_profiles;
  std::vector<Secret> secrets;
  bool operator==(const LbConfig&) const = default;

  const IpAddressPool* find_pool(std::string_view name) const;
  const BgpPeer* find_peer(std::string_view name) const;
  const BfdProfile* find_bfd_profile(std::string_view name) const;
};

}  // namespace vipd::lb::crd
