// The text forms of policy values as FRR reads and writes them: communities, large
// communities, AS paths (the strings the regular expressions of expanded lists and as-path
// access lists run on), `set metric +N`, and the policy sections of `show running-config`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bgp/policy/policy.hpp"

namespace vipd::bgp::policy {

// RFC 1997 / RFC 7999 / RFC 8326 well-known communities FRR names (bgpd/bgp_community.h).
namespace community {
inline constexpr std::uint32_t kGracefulShutdown = 0xFFFF0000;  // RFC 8326
inline constexpr std::uint32_t kAcceptOwn = 0xFFFF0001;         // RFC 7611
inline constexpr std::uint32_t kLlgrStale = 0xFFFF0006;         // RFC 9494
inline constexpr std::uint32_t kNoLlgr = 0xFFFF0007;
inline constexpr std::uint32_t kBlackhole = 0xFFFF029A;  // RFC 7999
inline constexpr std::uint32_t kNoExport = 0xFFFFFF01;
inline constexpr std::uint32_t kNoAdvertise = 0xFFFFFF02;
inline constexpr std::uint32_t kLocalAs = 0xFFFFFF03;  // NO_EXPORT_SUBCONFED
inline constexpr std::uint32_t kNoPeer = 0xFFFFFF04;   // RFC 3765
}  // namespace community

// community_str2com(): space-separated `AA:NN` values (each half 0-65535) and the well-known
// names FRR knows (`no-export`, `no-advertise`, `local-AS`, `no-peer`, `blackhole`,
// `graceful-shutdown`, `accept-own`, `llgr-stale`, `no-llgr`, ...), sorted and without
// duplicates. nullopt when any word is not one of these.
std::optional<std::vector<std::uint32_t>> parse_communities(std::string_view text);
// community_str(): the well-known name or `AA:NN`, space-separated.
std::string community_to_string(std::uint32_t value);
std::string communities_to_string(const std::vector<std::uint32_t>& values);

// `GA:LD1:LD2` values (RFC 8092), each a 32-bit number; sorted, unique.
std::optional<std::vector<wire::LargeCommunity>> parse_large_communities(std::string_view text);
std::string large_community_to_string(const wire::LargeCommunity& value);
std::string large_communities_to_string(const std::vector<wire::LargeCommunity>& values);

// aspath_make_str_count(): sequences as `1 2 3`, sets `{1,2}`, confederation sequences `(1 2)`
// and sets `[1,2]`, segments separated by one space; "" for an empty path.
std::string as_path_to_string(const wire::AsPath& path);

// route_value_compile(): `N`, `+N`, `-N` with N in 0-4294967295.
std::optional<std::pair<Adjust, std::uint32_t>> parse_adjust(std::string_view text);
std::optional<std::uint32_t> parse_u32(std::string_view text);

// The clause as FRR writes it, without the leading space: "match community 1 exact-match",
// "set metric +10", ...
std::string to_string(const Match& match);
std::string to_string(const Set& set);
const char* origin_name(wire::Origin origin);

// `show running-config` sections in FRR's forms (all with explicit `seq`), each followed by
// `!` when not empty: access lists (filter_cli.c's access_list_show), as-path lists
// (config_write_as_list()), community lists (community_list_config_write(): numbered lists
// first), route maps (route_map_instance_show() and friends).
std::string render_access_lists(const PolicyConfig& policy);
std::string render_bgp_lists(const PolicyConfig& policy);
std::string render_route_maps(const PolicyConfig& policy);

}  // namespace vipd::bgp::policy
