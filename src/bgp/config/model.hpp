// The configuration of bgpd as plain values: what a quagga/FRR `bgpd.conf` says, after parsing.
// Everything is comparable so that reloads can be diffed (diff.hpp) and parse/render round trips
// tested. Unset optional values mean "the daemon's default", which keeps write-back faithful: a
// value the user never wrote is never written back.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "bgp/policy/evaluate.hpp"
#include "bgp/policy/policy.hpp"
#include "common/ip.hpp"

namespace vipd::bgp::config {

// The address families vipd routes. The index is used for per-AF arrays; a later SAFI (labeled
// unicast, EVPN) is added here and every per-AF array grows with it.
enum class AddressFamily : std::uint8_t { kIpv4Unicast = 0, kIpv6Unicast = 1 };
inline constexpr std::size_t kAddressFamilyCount = 2;
inline constexpr std::array<AddressFamily, kAddressFamilyCount> kAddressFamilies{
    AddressFamily::kIpv4Unicast, AddressFamily::kIpv6Unicast};

constexpr std::size_t index(AddressFamily af) {
  return static_cast<std::size_t>(af);
}
// "ipv4 unicast" / "ipv6 unicast", as in `address-family ipv4 unicast`.
const char* to_string(AddressFamily af);
AddressFamily family_of(const Prefix& prefix);

// `log file PATH [LEVEL]`, `log stdout [LEVEL]`, `log syslog [LEVEL]`; the level is the quagga
// keyword ("debugging", "informational", ...) or empty for the default.
struct LogDestination {
  std::string path;  // only for `log file`
  std::string level;
  bool operator==(const LogDestination&) const = default;
};

struct LogConfig {
  std::optional<LogDestination> file;
  std::optional<LogDestination> stdout_;
  std::optional<LogDestination> syslog;
  bool operator==(const LogConfig&) const = default;
};

// `line vty` block of quagga/FRR-written files. vipd has no telnet vty (vipctl talks over a unix
// socket): `exec-timeout` applies to control socket clients (as vtysh's to vty sessions); the
// rest is kept only to be written back unchanged.
struct VtyConfig {
  bool present = false;
  std::optional<std::pair<std::uint32_t, std::uint32_t>> exec_timeout;  // minutes, seconds
  std::string access_class;
  std::string ipv6_access_class;
  bool no_login = false;
  bool operator==(const VtyConfig&) const = default;
};

struct Timers {
  std::uint16_t keepalive = 0;
  std::uint16_t hold = 0;
  bool operator==(const Timers&) const = default;
};

// The values FRR's `frr defaults traditional|datacenter` profile gives (bgpd/bgp_vty.c,
// FRR_CFG_DEFAULT_* of FRR 8.4); defaults_profile.cpp. Member initializers: traditional.
struct ProfileDefaults {
  Timers timers{60, 180};             // BGP_KEEPALIVE, BGP_HOLDTIME
  std::uint16_t connect_retry = 120;  // BGP_CONNECT_RETRY
  bool log_neighbor_changes = false;  // BGP_LOG_NEIGHBOR_CHANGES
  bool deterministic_med = false;     // BGP_DETERMINISTIC_MED
  bool operator==(const ProfileDefaults&) const = default;
};

// `neighbor A remote-as <ASN|internal|external>`.
struct RemoteAs {
  // kUnspecified: a peer group without `remote-as`, or a member of one that has none yet (FRR
  // accepts `neighbor A peer-group G` first and `neighbor A remote-as N` after); such a
  // neighbor has no session until it gets one.
  enum class Kind : std::uint8_t { kNumber, kInternal, kExternal, kUnspecified };
  Kind kind = Kind::kNumber;
  std::uint32_t asn = 0;  // only for kNumber
  std::string to_string() const;
  bool operator==(const RemoteAs&) const = default;
};

// `neighbor A maximum-prefix N [THRESHOLD] [warning-only|restart MINUTES]`.
struct MaximumPrefix {
  std::uint32_t limit = 0;
  std::optional<std::uint8_t> threshold;         // percent for the warning; FRR's default 75
  bool warning_only = false;                     // log instead of closing the session
  std::optional<std::uint16_t> restart_minutes;  // reconnect after this long
  bool operator==(const MaximumPrefix&) const = default;
};

// Options of one neighbor in one address family.
struct NeighborAfConfig {
  bool active = false;  // effective activation (FRR keeps it per peer, not as a default)
  bool next_hop_self = false;
  bool route_reflector_client = false;  // RFC 4456
  bool route_server_client = false;     // RFC 7947
  std::string prefix_list_in;           // names of `ip prefix-list`s; empty: none
  std::string prefix_list_out;
  std::string route_map_in;  // `neighbor A route-map NAME in|out`; empty: none
  std::string route_map_out;
  std::optional<MaximumPrefix> maximum_prefix;
  // Options of commands_neighbor_options.cpp (FRR's bgp_config_write_peer_af() flags).
  // `neighbor A soft-reconfiguration inbound`: vipd always keeps the Adj-RIB-In; the flag
  // enables `show ip bgp neighbors A received-routes` as in FRR.
  bool soft_reconfiguration = false;
  // `neighbor A send-community [standard|extended|large|both|all]`: FRR 8.4 sends all three
  // kinds by default (peer_new()); `no …` stops a kind.
  bool send_community = true;
  bool send_extended_community = true;
  bool send_large_community = true;
  std::optional<std::uint16_t> weight;  // `neighbor A weight N` (0-65535)
  // `neighbor A remove-private-AS [all] [replace-AS]` (eBGP only, FRR's
  // bgp_peer_remove_private_as()).
  bool remove_private_as = false;
  bool remove_private_as_all = false;
  bool remove_private_as_replace = false;
  bool as_override = false;  // `neighbor A as-override`
  // `neighbor A attribute-unchanged [as-path] [next-hop] [med]` (no keyword: all three).
  bool as_path_unchanged = false;
  bool next_hop_unchanged = false;
  bool med_unchanged = false;
  // `neighbor A allowas-in [1-10|origin]`: our AS may appear that many times (FRR default 3),
  // or (origin) only as the originating AS.
  std::optional<std::uint8_t> allowas_in;
  bool allowas_in_origin = false;
  // `neighbor A default-originate [route-map NAME]` (FRR's subgroup_default_originate()): a
  // default route (0.0.0.0/0, ::/0) originated for this neighbor alone, whatever the Loc-RIB
  // holds; with a map, only while the map matches a route of the Loc-RIB, whose `set` clauses
  // shape it (docs/config-bgp.md).
  bool default_originate = false;
  std::string default_originate_map;  // empty: unconditional
  bool operator==(const NeighborAfConfig&) const = default;
  // The options that change what is sent to the neighbor (its Adj-RIB-Out).
  bool same_export(const NeighborAfConfig& o) const {
    return next_hop_self == o.next_hop_self && route_reflector_client == o.route_reflector_client &&
           route_server_client == o.route_server_client && prefix_list_out == o.prefix_list_out &&
           route_map_out == o.route_map_out && same_export_options(o);
  }
  bool same_export_options(const NeighborAfConfig& o) const {
    return send_community == o.send_community &&
           send_extended_community == o.send_extended_community &&
           send_large_community == o.send_large_community &&
           remove_private_as == o.remove_private_as &&
           remove_private_as_all == o.remove_private_as_all &&
           remove_private_as_replace == o.remove_private_as_replace &&
           as_override == o.as_override && as_path_unchanged == o.as_path_unchanged &&
           next_hop_unchanged == o.next_hop_unchanged && med_unchanged == o.med_unchanged &&
           default_originate == o.default_originate &&
           default_originate_map == o.default_originate_map;
  }
};

// One line of `ip prefix-list NAME seq N <permit|deny> <PREFIX [ge N] [le N]|any>`.
struct PrefixListEntry {
  std::uint32_t seq = 0;
  bool permit = true;
  bool any = false;  // `any`: every prefix of the family
  Prefix prefix;
  std::optional<std::uint8_t> ge;
  std::optional<std::uint8_t> le;
  bool operator==(const PrefixListEntry&) const = default;
  bool matches(const Prefix& p) const;
};

// `ip prefix-list` (IPv4) or `ipv6 prefix-list`: entries ordered by seq, first match decides,
// no match denies (FRR lib/plist.c; an empty list permits everything, as FRR's does).
struct PrefixList {
  AddressFamily af = AddressFamily::kIpv4Unicast;
  std::string name;
  std::string description;
  std::vector<PrefixListEntry> entries;  // sorted by seq
  bool operator==(const PrefixList&) const = default;
  bool permits(const Prefix& p) const;
};

// A line vipd accepts but has no use for (`service advanced-vty`, `dump bgp ...`, `agentx`):
// kept verbatim, written back, and logged once at notice level when loaded. `key` is what a
// later line of the same setting replaces and its `no` form removes ("log facility").
struct KeptLine {
  std::string key;
  std::string text;
  bool operator==(const KeptLine&) const = default;
};

struct NeighborConfig {
  IpAddress address;
  RemoteAs remote_as;
  std::string description;  // verbatim words joined by one space, quotes included
  std::string password;     // TCP MD5 (RFC 2385)
  std::optional<Timers> timers;
  std::optional<std::uint16_t> connect_retry;  // `timers connect N`
  std::string update_source;                   // address or interface name; empty: unset
  // `neighbor A interface IFNAME`: the session's socket is bound to the interface
  // (SO_BINDTODEVICE), as FRR's bgp_bind() does; per peer, not inherited.
  std::string interface;
  bool passive = false;
  bool shutdown = false;
  std::string shutdown_message;  // RFC 9003 shutdown communication
  std::optional<std::uint8_t> ebgp_multihop;
  std::optional<std::uint16_t> port;
  // FRR `neighbor A bfd [profile NAME]`: a BFD session to the neighbor, whose Down takes the
  // BGP session down (RFC 5882 §4.3, Cease/BFD Down of RFC 9384).
  bool bfd = false;
  std::string bfd_profile;  // empty: the `bfd` node's `peer` for the address, or defaults
  std::array<NeighborAfConfig, kAddressFamilyCount> af{};
  // Peer groups (FRR): the group this neighbor is a member of (empty: none). A member's fields
  // above are its EFFECTIVE configuration (what the speaker and diff use): the group's options
  // copied in, except those in `overrides`, the option keys the member set itself (FRR's
  // flags_override; option_key() spells them).
  std::string peer_group;
  std::set<std::string> overrides;
  // Options of commands_neighbor_options.cpp, in FRR's bgp_config_write_peer_global().
  // `neighbor A advertisement-interval N` (RFC 4271 §9.2.1.1 MRAI, seconds; FRR 8.4's default
  // 0): accepted and written back; vipd sends changes at once (docs/config-bgp.md).
  std::optional<std::uint16_t> advertisement_interval;
  // `neighbor A disable-connected-check`: a single-hop eBGP neighbor's next hops need not be on
  // a connected network.
  bool disable_connected_check = false;
  // `neighbor A enforce-first-as` (RFC 4271 §6.3): accepted and written back; vipd's peer
  // layer checks the first AS of every eBGP route already (wire/validate.cpp, treat-as-withdraw
  // as FRR 8.4's bgp_attr_aspath_check()), with or without it.
  bool enforce_first_as = false;
  // `neighbor A graceful-restart|graceful-restart-helper|graceful-restart-disable` (the keyword;
  // empty: unset): accepted and written back; vipd does not implement graceful restart
  // (RFC 4724) and advertises no such capability (docs/config-bgp.md).
  std::string graceful_restart;

  NeighborAfConfig& in(AddressFamily f) { return af[index(f)]; }
  const NeighborAfConfig& in(AddressFamily f) const { return af[index(f)]; }
  bool operator==(const NeighborConfig&) const = default;
};

// `redistribute TYPE [metric N] [route-map NAME]` (FRR's struct bgp_redist); TYPE is a name of
// bgp/redistribution.hpp's route_types().
struct Redistribution {
  std::string type;
  std::optional<std::uint32_t> metric;  // the MED of its routes; unset: the route's metric
  std::string route_map;                // empty: none
  bool operator==(const Redistribution&) const = default;
};

// The override key of a neighbor option: its keyword ("timers", "prefix-list in"), preceded by
// the address family for per-family options ("ipv6 unicast prefix-list in").
std::string option_key(std::string_view keyword, std::optional<AddressFamily> af = std::nullopt);

// `neighbor NAME peer-group` (FRR's struct peer_group): `conf` is the group's own options, as
// `neighbor NAME <option>` set them (its `address` is unused; `remote_as` kUnspecified until
// `neighbor NAME remote-as`).
struct PeerGroup {
  std::string name;
  NeighborConfig conf;
  bool operator==(const PeerGroup&) const = default;
};

// `bgp listen range PREFIX peer-group NAME`: connections from unconfigured addresses in the
// range become dynamic neighbors of the group (FRR's dynamic neighbors).
struct ListenRange {
  Prefix range;
  std::string group;
  bool operator==(const ListenRange&) const = default;
};
inline constexpr std::uint16_t kListenLimitDefault =
    100;  // FRR's BGP_DYNAMIC_NEIGHBORS_LIMIT_DEFAULT

// Per address family settings of the instance.
struct AfConfig {
  std::vector<Prefix> networks;  // in config order
  std::optional<std::uint16_t> maximum_paths;
  std::optional<std::uint16_t> maximum_paths_ibgp;
  // One per type, in FRR's type order (route_types()), as FRR keeps and writes them.
  std::vector<Redistribution> redistribute;
  // `network P route-map NAME`: the networks that have a map, with its name.
  std::map<Prefix, std::string> network_route_maps;
  // `table-map NAME`: the map that decides which best paths go to the kernel; empty: none.
  std::string table_map;
  bool operator==(const AfConfig&) const = default;
};

struct RouterBgp {
  std::uint32_t asn = 0;
  std::optional<IpAddress> router_id;
  std::optional<Timers> timers;
  bool log_neighbor_changes = false;
  bool default_ipv4_unicast = true;  // `no bgp default ipv4-unicast` clears it
  // Best-path options (RFC 4271 §9.1.2.2 (c) and FRR's multipath rules).
  bool always_compare_med = false;  // `bgp always-compare-med`
  // `bgp route-reflector allow-outbound-policy`: an outbound route map's `set` clauses also
  // change reflected iBGP paths (by default they only get the map's verdict).
  bool allow_outbound_policy = false;
  bool deterministic_med = false;       // `bgp deterministic-med`
  bool multipath_relax = false;         // `bgp bestpath as-path multipath-relax`
  std::optional<IpAddress> cluster_id;  // `bgp cluster-id` (RFC 4456 §7); default router-id
  // `bgp ebgp-requires-policy` (RFC 8212): eBGP neighbors without an inbound (outbound) prefix
  // list accept (send) nothing. Off by default, unlike FRR, so quagga files keep working.
  bool ebgp_requires_policy = false;
  std::vector<NeighborConfig> neighbors;  // in config order
  std::array<AfConfig, kAddressFamilyCount> af{};
  // `[no] bgp network import-check`: a `network` is announced only while the kernel has a
  // route for exactly its prefix. Unset: FRR 8.4's default, on (docs/config-bgp.md).
  std::optional<bool> network_import_check;

  // Peer groups (sorted by name, as FRR keeps them) and dynamic neighbor ranges.
  std::vector<PeerGroup> peer_groups;
  std::vector<ListenRange> listen_ranges;     // in config order
  std::optional<std::uint16_t> listen_limit;  // `bgp listen limit`; default kListenLimitDefault
  // Router-level lines kept without effect (`bgp graceful-restart ...`), in FRR's order.
  std::vector<KeptLine> kept;

  AfConfig& in(AddressFamily f) { return af[index(f)]; }
  const AfConfig& in(AddressFamily f) const { return af[index(f)]; }
  PeerGroup* find_group(std::string_view name);
  const PeerGroup* find_group(std::string_view name) const;
  // The listen range holding `address` (the first of the config order), or nullptr.
  const ListenRange* listen_range_of(const IpAddress& address) const;
  // The effective configuration of a dynamic neighbor of `group` at `address` (FRR's
  // peer_create_bind_dynamic_neighbor()): the group's options, its remote-as and activation.
  NeighborConfig dynamic_neighbor(const PeerGroup& group, const IpAddress& address) const;
  NeighborConfig* find(const IpAddress& address);
  const NeighborConfig* find(const IpAddress& address) const;
  // FRR semantics: a new IPv4 neighbor is active in IPv4 unicast unless `no bgp default
  // ipv4-unicast`; everything else must be activated explicitly.
  bool active_by_default(const IpAddress& neighbor, AddressFamily f) const;
  // The `frr defaults` profile's values when the instance was created (FRR's bgp_create() takes
  // DFLT_BGP_* then): what unset timers mean, and what `timers bgp` equal to them stores.
  ProfileDefaults defaults;
  bool operator==(const RouterBgp&) const = default;
};

// The settings a BFD `profile` and a BFD `peer` share (FRR bfdd's bfd node). Unset: FRR's
// defaults (300 ms, 300 ms, 3; active; echo off; minimum TTL 254 for multihop).
struct BfdSettings {
  std::optional<std::uint8_t> detect_multiplier;      // 2-255
  std::optional<std::uint32_t> receive_interval_ms;   // 10-60000
  std::optional<std::uint32_t> transmit_interval_ms;  // 10-60000
  bool passive_mode = false;
  bool echo_mode = false;
  // `echo transmit-interval 10-60000` (default 50) and `echo receive-interval 10-60000|disabled`
  // (default 50; 0 is `disabled`), ms; FRR's older `echo-interval N` sets both. Single hop only.
  std::optional<std::uint32_t> echo_transmit_interval_ms;
  std::optional<std::uint32_t> echo_receive_interval_ms;
  std::optional<std::uint8_t> minimum_ttl;  // 1-254, multihop only (RFC 5883 §2)
  bool shutdown = false;
  bool operator==(const BfdSettings&) const = default;
};

// `profile NAME` in the `bfd` node.
struct BfdProfile {
  std::string name;
  BfdSettings settings;
  bool operator==(const BfdProfile&) const = default;
};

// `peer A [multihop] [local-address B] [interface IF]` in the `bfd` node.
struct BfdPeer {
  IpAddress address;
  bool multihop = false;
  std::optional<IpAddress> local_address;
  std::string interface;
  std::string profile;  // `profile NAME` inside the peer block; its own lines override it
  BfdSettings settings;
  // The `peer ...` line that opens the block (also the block's identity).
  std::string key() const;
  bool operator==(const BfdPeer&) const = default;
};

// FRR's `bfd` node (bfdd's, which FRR's integrated config writes beside bgpd's lines).
struct BfdConfig {
  bool present = false;              // a `bfd` line was read (rendered even when empty)
  std::vector<BfdProfile> profiles;  // in creation order
  std::vector<BfdPeer> peers;        // in creation order
  const BfdProfile* find_profile(std::string_view name) const;
  bool operator==(const BfdConfig&) const = default;
};

// zebra's `interface NAME` block of an integrated frr.conf. vipd does not manage interfaces
// (docs/config-bgp.md, "zebra's lines"): the lines are kept and written back.
struct InterfaceBlock {
  std::string name;
  std::vector<std::string> lines;  // as given, without indentation, in order
  bool operator==(const InterfaceBlock&) const = default;
};

// `debug bgp TOPIC [FILTER]`: FRR's topics by their config text ("updates in", "neighbor-events",
// "bestpath"); the filters are the peers or prefixes it is limited to (empty: all).
using DebugTopics = std::map<std::string, std::vector<std::string>>;

struct FrrLines {
  std::string version;   // `frr version X`; empty: not given
  std::string defaults;  // `frr defaults P`; empty: not given (traditional)
  std::vector<KeptLine> kept;
  DebugTopics debug;
  // `[no] ip forwarding`, `[no] ipv6 forwarding`: unset leaves the kernel's setting alone.
  std::optional<bool> ip_forwarding;
  std::optional<bool> ipv6_forwarding;
  std::vector<InterfaceBlock> interfaces;  // in creation order
  bool operator==(const FrrLines&) const = default;
};

// The profile defaults of `frr defaults NAME` ("" or "traditional", "datacenter").
ProfileDefaults profile_defaults(std::string_view profile);

struct BgpConfig {
  std::string hostname;
  std::string password;         // quagga vty `password`, kept for write-back only
  std::string enable_password;  // `enable password`, likewise
  LogConfig log;
  VtyConfig vty;
  // FRR's global `bgp no-rib`: best paths are not installed in the kernel (route servers,
  // tests).
  bool no_rib = false;
  std::vector<PrefixList> prefix_lists;  // in creation order
  // Route maps, access lists, community and AS-path lists (bgp/policy).
  policy::PolicyConfig policy;
  std::optional<RouterBgp> bgp;
  BfdConfig bfd;
  // The lines around BGP of an integrated frr.conf (commands_global.cpp, commands_debug.cpp,
  // commands_zebra.cpp): kept to be written back, and applied where vipd has a use for them.
  FrrLines frr;
  bool operator==(const BgpConfig&) const = default;
  PrefixList* find_prefix_list(AddressFamily af, std::string_view name);
  const PrefixList* find_prefix_list(AddressFamily af, std::string_view name) const;
  // What route maps of this configuration evaluate against: its policy lists and prefix lists
  // (policy_environment.cpp). Refers to this configuration: valid while it lives unchanged.
  policy::Environment policy_environment() const;
};

// Elements examined by the lookups of this file and of the parser's indexes, on this thread.
// Tests count them to check that loading N lines costs O(N) (issue 15) without timing anything.
std::uint64_t& lookup_steps();

}  // namespace vipd::bgp::config
