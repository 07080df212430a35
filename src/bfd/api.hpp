// What the other modules of the daemon may ask of BFD (DESIGN principle 8: a module uses
// another only through its published interface). The load balancer asks for sessions to its
// BGPPeers that name a MetalLB BFDProfile, as BgpApi::set_neighbors gives them BGP sessions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bfd/fsm/fsm.hpp"
#include "bfd/session.hpp"

namespace vipd::bfd {

// One session a source wants, with its profile resolved (FRR `profile`, MetalLB BFDProfile).
struct SessionRequest {
  PeerKey peer;
  fsm::Timers timers;      // FRR's defaults: 300 ms, 300 ms, 3
  bool passive = false;    // passive-mode / passiveMode
  bool echo_mode = false;  // echo-mode / echoMode (single hop only)
  // FRR `echo transmit-interval` / `echo receive-interval` (0: disabled), MetalLB echoInterval
  // (both); FRR's defaults.
  fsm::Microseconds echo_transmit_interval = std::chrono::milliseconds(50);
  fsm::Microseconds echo_receive_interval = std::chrono::milliseconds(50);
  std::uint8_t minimum_ttl = kDefaultMinimumTtl;  // minimum-ttl / minimumTtl, multihop only
  bool shutdown = false;                          // FRR `shutdown` in the peer block
  // The session watches a BGP neighbor: its Up -> Down takes the BGP session down (RFC 5882
  // §4.3, Cease/BFD Down of RFC 9384).
  bool bgp_client = false;
  std::string profile;  // the profile's name, for `show bfd peers`
  bool operator==(const SessionRequest&) const = default;
};

class BfdApi {
 public:
  virtual ~BfdApi() = default;
  // Makes `requests` the sessions of `source` (a module's name), replacing what it asked for
  // before; an empty list removes them. A session several sources ask for runs once, with the
  // settings of the source that asked first (bgpd.conf before the load balancer).
  virtual void set_sessions(const std::string& source, std::vector<SessionRequest> requests) = 0;
  // The session's state as FRR prints it ("Up", "Down", "Init", "AdminDown"); empty: none.
  virtual std::string session_state(const PeerKey& /*peer*/) const { return {}; }
};

}  // namespace vipd::bfd
