// What the other modules of the daemon may ask of BGP (DESIGN principle 8: a module uses
// another only through its published interface, never through its tables). The load balancer
// originates its Service IPs here; BFD reports dead neighbors here. The daemon's composition
// (apps/vipd/modules.cpp) hands the BGP module's speaker to them as this interface.
#pragma once

#include <cstdint>
#include <string>

#include "bgp/origination.hpp"
#include "common/ip.hpp"

namespace vipd::bgp {

class BgpApi {
 public:
  virtual ~BgpApi() = default;
  // Originates `route.prefix` under `source` (a module's name), replacing what that source
  // originated for the prefix; no advertisement withdraws it (origination.hpp).
  virtual void originate(const std::string& source, OriginatedRoute route) = 0;
  virtual void withdraw_originated(const std::string& source, const Prefix& prefix) = 0;
  // Every route of `source` (its module stops).
  virtual void withdraw_source(const std::string& source) = 0;
  // The neighbor at `address` is dead: its session goes down now with Cease/`cease_subcode`
  // (wire::cease_subcode::kBfdDown for BFD, RFC 9384). False: no such neighbor or session.
  virtual bool neighbor_down(const IpAddress& address, std::uint8_t cease_subcode,
                             const std::string& reason) = 0;
};

}  // namespace vipd::bgp
