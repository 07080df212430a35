#include "bgp/fsm/collision.hpp"

namespace vipd::bgp::fsm {

Origin surviving_origin(std::uint32_t local_bgp_id, std::uint32_t remote_bgp_id,
                        std::uint32_t local_asn, std::uint32_t remote_asn) {
  // RFC 4271 §6.8: "If the value of the local BGP Identifier is less than the remote one, the
  // local system closes the BGP connection that already exists ... and accepts the BGP
  // connection initiated by the remote system. Otherwise, the local system closes the newly
  // created BGP connection ... and continues to use the existing one" - i.e. the connection
  // initiated by the higher identifier survives.
  if (local_bgp_id != remote_bgp_id) {
    return local_bgp_id > remote_bgp_id ? Origin::kLocal : Origin::kRemote;
  }
  // RFC 6286 §2.3: equal identifiers, compare the AS numbers the same way.
  return local_asn > remote_asn ? Origin::kLocal : Origin::kRemote;
}

CollisionDecision resolve_collision(std::uint32_t local_bgp_id, std::uint32_t remote_bgp_id,
                                    ConnectionInfo existing, ConnectionInfo newer,
                                    std::uint32_t local_asn, std::uint32_t remote_asn) {
  switch (existing.state) {
    case State::kIdle:
    case State::kConnect:
    case State::kActive:
      return CollisionDecision::kNoCollision;
    case State::kEstablished:
      // §6.8: "collision with an existing BGP connection that is in the Established state
      // causes closing of the newly created connection" (CollisionDetectEstablishedState
      // FALSE, §8.1.1).
      return CollisionDecision::kCloseNew;
    case State::kOpenSent:
    case State::kOpenConfirm:
      break;
  }
  if (existing.origin == newer.origin) return CollisionDecision::kCloseNew;
  const Origin keep = surviving_origin(local_bgp_id, remote_bgp_id, local_asn, remote_asn);
  return existing.origin == keep ? CollisionDecision::kCloseNew : CollisionDecision::kCloseExisting;
}

}  // namespace vipd::bgp::fsm
