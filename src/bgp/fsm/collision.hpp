// BGP connection collision detection, RFC 4271 §6.8, as a pure function.
//
// How the glue (src/bgp/peer) uses it, with one fsm::Session per TCP connection:
//
//  1. Each configured neighbor has a primary Session, started with ManualStart (or
//     ManualStartPassive). Its first TCP connection - the outgoing one completing
//     (TcpCrAcked) or an accepted one (TcpConnectionConfirmed) - is attached to it; in
//     Idle the glue refuses incoming connections (§8.2.2 Idle: "refuses all incoming BGP
//     connections").
//  2. A second connection to the same peer while the primary is in OpenSent or OpenConfirm
//     (or an outgoing attempt that completes after the primary took an incoming one) gets a
//     secondary Session on the same Config: handle(ManualStartPassive{}) then
//     handle(TcpConnectionConfirmed{}) (or TcpCrAcked{} if we initiated it), which sends our
//     OPEN on it. Both run until an OPEN arrives on either one.
//  3. When an OPEN arrives on a connection while the other is in OpenSent or OpenConfirm, the
//     peer's BGP Identifier is known (it is the same on both connections), so before feeding
//     BgpOpen the glue calls resolve_collision(). The loser gets OpenCollisionDump (it sends
//     Cease / Connection Collision Resolution and drops its connection); the winner gets the
//     BgpOpen (if the OPEN arrived on it). The glue then destroys the loser's Session (from
//     its event loop, not from inside that Session's action callback) and, if the loser was
//     the primary, promotes the winner to primary (Session::restore_stats() carries the
//     counters over). Automatic restarts follow Config::passive, so the promoted Session
//     behaves like the original one.
//  4. A connection that arrives while the primary is Established collides with it; the result
//     is always kCloseNew (CollisionDetectEstablishedState is FALSE): the glue closes the new
//     socket, optionally after sending Cease / Connection Collision Resolution on it.
//  5. A secondary Session that fails on its own (it goes to Active or Idle) is destroyed; only
//     the primary restarts automatically.
#pragma once

#include <cstdint>

#include "bgp/fsm/fsm.hpp"

namespace vipd::bgp::fsm {

// Who opened the TCP connection.
enum class Origin : std::uint8_t {
  kLocal,   // we connected out (the FSM saw TcpCrAcked)
  kRemote,  // we accepted it (the FSM saw TcpConnectionConfirmed)
};

struct ConnectionInfo {
  State state;
  Origin origin;
};

enum class CollisionDecision : std::uint8_t {
  kNoCollision,    // the existing FSM holds no connection that exchanged OPENs; just proceed
  kCloseExisting,  // signal OpenCollisionDump to the existing connection's FSM
  kCloseNew,       // signal OpenCollisionDump to the new connection's FSM (or close it)
};

// The origin whose connection survives: "the connection initiated by the BGP speaker with the
// higher-valued BGP Identifier" (§6.8, identifiers compared as host-order unsigned 32-bit
// integers). RFC 6286 §2.3: with equal identifiers (allowed between different ASes) the
// connection initiated by the speaker with the larger AS number survives.
Origin surviving_origin(std::uint32_t local_bgp_id, std::uint32_t remote_bgp_id,
                        std::uint32_t local_asn = 0, std::uint32_t remote_asn = 0);

// Decides between the existing connection's FSM and a new connection to the same peer.
// Existing Established -> kCloseNew; existing in Idle/Connect/Active -> kNoCollision;
// existing in OpenSent/OpenConfirm -> the one whose origin is surviving_origin() stays (if both
// have the same origin, which a correct glue never produces, the new one is closed).
CollisionDecision resolve_collision(std::uint32_t local_bgp_id, std::uint32_t remote_bgp_id,
                                    ConnectionInfo existing, ConnectionInfo newer,
                                    std::uint32_t local_asn = 0, std::uint32_t remote_asn = 0);

}  // namespace vipd::bgp::fsm
