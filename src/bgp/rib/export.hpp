// The export rules: what a neighbor is sent for a Loc-RIB best path (RFC 4271 §9.1.3 Phase 3 and
// §5.1, RFC 4456 for route reflection, RFC 7947 for route servers, RFC 1997 well-known
// communities). Pure functions: no tables, no sockets. Per-prefix policy (prefix lists, RFC 8212)
// is the caller's; these rules depend only on the attributes and the two peers.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "bgp/rib/decision.hpp"
#include "bgp/wire/attributes.hpp"
#include "common/ip.hpp"

namespace vipd::bgp::rib {

// RFC 1997 §2 well-known communities.
namespace community {
inline constexpr std::uint32_t kNoExport = 0xFFFFFF01;
inline constexpr std::uint32_t kNoAdvertise = 0xFFFFFF02;
inline constexpr std::uint32_t kNoExportSubconfed = 0xFFFFFF03;
}  // namespace community

// A neighbor as the export rules see it, as the source of a path or as its receiver.
class OriginPolicy;

struct ExportPeer {
  PeerId id = 0;
  bool ebgp = true;
  bool local = false;           // a pseudo-peer of originated routes (`network`, other modules)
  bool rr_client = false;       // `neighbor A route-reflector-client` (RFC 4456)
  bool rs_client = false;       // `neighbor A route-server-client` (RFC 7947)
  std::uint32_t router_id = 0;  // BGP Identifier, host order
  IpAddress address;            // the neighbor's address (none for local pseudo-peers)
  std::uint32_t as = 0;         // the neighbor's AS (as-override, remove-private-AS)
  // Routes another module of the daemon originates (Speaker::originate): which neighbors get
  // them, with which communities. Only on local pseudo-peers; nullptr: sent as they are.
  const OriginPolicy* origin = nullptr;
  bool operator==(const ExportPeer&) const = default;
};

// `neighbor A send-community …`, `remove-private-AS …`, `as-override`, `attribute-unchanged …`.
struct ExportOptions {
  bool send_community = true;  // FRR 8.4 sends the three kinds by default
  bool send_extended_community = true;
  bool send_large_community = true;
  bool remove_private_as = false;
  bool remove_private_as_all = false;
  bool remove_private_as_replace = false;
  bool as_override = false;
  bool as_path_unchanged = false;
  bool next_hop_unchanged = false;
  bool med_unchanged = false;
  bool operator==(const ExportOptions&) const = default;
};

// RFC 6996 / FRR's BGP_AS_IS_PRIVATE(): 64512-65535 and 4200000000-4294967294.
bool is_private_as(std::uint32_t asn);
// FRR's bgp_peer_remove_private_as() and bgp_peer_as_override() on the path before our AS is
// prepended, towards an eBGP neighbor of AS `peer_as`.
void apply_as_path_options(wire::AsPath& path, const ExportOptions& o, std::uint32_t local_as,
                           std::uint32_t peer_as);
// FRR's bgp_packet_attribute(): the kinds of communities the neighbor is not to get are not
// sent (after the outbound route map). Extended communities are RFC 4360's type 16 and RFC
// 5701's type 25, carried as unknown attributes.
void strip_communities(wire::PathAttributes& attrs, const ExportOptions& o);

// The receiving neighbor: its role plus what we need to rewrite the next hop.
struct ExportTarget {
  ExportPeer peer;
  bool next_hop_self = false;  // `neighbor A next-hop-self`
  // Our end of the session and, for the other family, an address of ours to use as next hop
  // (nullopt: none known; an IPv4-mapped IPv6 address is used for IPv6 routes, as FRR does).
  std::optional<IpAddress> local_v4;
  std::optional<IpAddress> local_v6;
  // Subnets of our interfaces that the neighbor's address is in (RFC 4271 §5.1.3: a next hop
  // on such a subnet may be passed on unchanged to an eBGP neighbor, "third-party" next hop).
  std::vector<Prefix> shared_subnets;
  // Per-neighbor options of FRR's subgroup_announce_check() and bgp_packet_attribute()
  // (commands_neighbor_options.cpp); the defaults change nothing.
  ExportOptions options;
  bool operator==(const ExportTarget&) const = default;
};

// Per prefix and per receiving neighbor, the attributes of an originated route (communities,
// local preference), or that the neighbor is not sent it at all: the outbound policy a module
// states for its own routes (MetalLB's BGPAdvertisement `peers`, `communities`, `localPref`).
class OriginPolicy {
 public:
  virtual ~OriginPolicy() = default;
  // Adjusts `attributes` (the Loc-RIB path's) for `to`; false: `to` is not sent the route.
  virtual bool shape(wire::AfiSafi family, const Prefix& prefix, const ExportTarget& to,
                     wire::PathAttributes& attributes) const = 0;
};

struct ExportContext {
  std::uint32_t local_as = 0;
  std::uint32_t cluster_id = 0;            // RFC 4456 §7; the router-id unless configured
  std::uint32_t default_local_pref = 100;  // `bgp default local-preference`
  // `bgp route-reflector allow-outbound-policy`: outbound maps may change reflected paths.
  bool allow_outbound_policy = false;
  bool operator==(const ExportContext&) const = default;
};

// Why a path is not sent; kSent when it is.
enum class ExportVerdict : std::uint8_t {
  kSent,
  kSplitHorizon,      // the neighbor the path came from
  kNoAdvertise,       // RFC 1997 NO_ADVERTISE
  kNoExport,          // RFC 1997 NO_EXPORT / NO_EXPORT_SUBCONFED towards eBGP
  kIbgpToIbgp,        // RFC 4271 §9.2: iBGP-learned, neither end a route-reflector client
  kOriginatorIsPeer,  // RFC 4456 §8: the neighbor originated it into the cluster
};
const char* verdict_name(ExportVerdict verdict);

struct ExportResult {
  ExportVerdict verdict = ExportVerdict::kSent;
  wire::PathAttributes attributes;  // meaningful when verdict == kSent
};

// Whether a path learned from `from` is sent to `to` at all (the first half of export_path(),
// without building attributes).
ExportVerdict export_verdict(const wire::PathAttributes& attrs, const ExportPeer& from,
                             const ExportTarget& to);

// The part of export_verdict() that depends on who the receiver is rather than what it is:
// the path back to the neighbor it came from, and RFC 4456 §8's reflected path back to its
// originator. An update group (export_group.hpp) leaves these to each member.
bool export_excluded(const wire::PathAttributes& attrs, const ExportPeer& from,
                     const ExportTarget& to);

// The attributes `to` is sent for a path learned from `from` in `family` (IPv4 or IPv6 unicast):
// IPv4 routes carry NEXT_HOP, IPv6 routes an MP_REACH_NLRI with the next hop and no NLRI (the
// caller adds the prefixes when it packs UPDATEs).
ExportResult export_path(wire::AfiSafi family, const wire::PathAttributes& attrs,
                         const ExportPeer& from, const ExportTarget& to, const ExportContext& ctx);

// RFC 4271 §5.1.2: `asn` put in front of the path (a new AS_SEQUENCE segment when the first one
// is not a sequence or is full).
void prepend_as(wire::AsPath& path, std::uint32_t asn);

}  // namespace vipd::bgp::rib
