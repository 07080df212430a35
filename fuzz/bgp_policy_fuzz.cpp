// libFuzzer target for the routing-policy lines of bgpd.conf (src/bgp/config/commands_routemap.cpp
// and the value parsers of src/bgp/policy/text.cpp): whatever parses must round-trip through
// `show running-config`, and every route map it defines must evaluate, twice with the same
// result, on a few fixed routes in each direction (regexes that libstdc++ cannot run, `call`
// loops, on-match chains).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "bgp/config/parser.hpp"
#include "bgp/config/render.hpp"
#include "bgp/policy/evaluate.hpp"

using namespace vipd;
using namespace vipd::bgp;

namespace {

std::vector<policy::Route> sample_routes() {
  std::vector<policy::Route> routes(3);
  routes[0].prefix = *Prefix::parse("10.1.0.0/16");
  routes[0].attributes.as_path = wire::AsPath{{{wire::SegmentType::kAsSequence, {65001, 65002}},
                                               {wire::SegmentType::kAsSet, {64512, 64513}}}};
  routes[0].attributes.next_hop = IpAddress::parse("192.0.2.1");
  routes[0].attributes.communities = {{0xFDE80001, 0xFFFFFF01}};
  routes[0].attributes.large_communities = {{{65000, 1, 1}}};
  routes[0].attributes.med = 10;
  routes[1].prefix = *Prefix::parse("2001:db8::/48");
  routes[1].attributes.mp_reach.emplace();
  routes[1].attributes.mp_reach->afi_safi = wire::kIpv6Unicast;
  routes[1].attributes.mp_reach->next_hop = IpAddress::parse("2001:db8::1");
  routes[2].prefix = *Prefix::parse("0.0.0.0/0");
  routes[2].tag = 7;
  return routes;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = config::parse_config(text, "fuzz.conf");
  if (!parsed) {
    if (parsed.error().line == 0) std::abort();
    return 0;
  }
  const std::string rendered = config::render_config(*parsed);
  auto again = config::parse_config(rendered, "fuzz.conf");
  if (!again || !(*again == *parsed)) __builtin_trap();
  static const auto routes = sample_routes();
  auto env = parsed->policy_environment();
  for (const auto& map : parsed->policy.route_maps) {
    for (auto direction :
         {policy::Direction::kIn, policy::Direction::kOut, policy::Direction::kLocal}) {
      policy::Context ctx;
      ctx.direction = direction;
      ctx.neighbor = IpAddress::parse("192.0.2.1");
      for (const auto& r : routes) {
        policy::Route first = r;
        policy::Route second = r;
        auto a = policy::apply(map, env, ctx, first);
        auto b = policy::apply(map, env, ctx, second);
        if (!(a == b) || !(first.attributes == second.attributes)) __builtin_trap();
      }
    }
  }
  return 0;
}
