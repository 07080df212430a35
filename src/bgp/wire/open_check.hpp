// Checks on a received OPEN (RFC 4271 §6.2, RFC 6286, RFC 5492, RFC 6793) and negotiation of
// the session parameters from both OPENs. Pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "bgp/wire/capability.hpp"
#include "bgp/wire/error.hpp"
#include "bgp/wire/open.hpp"

namespace vipd::bgp::wire {

struct OpenExpectations {
  std::uint32_t local_as = 0;
  std::uint32_t local_bgp_identifier = 0;  // host order
  // The configured remote AS; nullopt accepts any AS (e.g. a dynamic neighbor range that
  // checks the AS elsewhere).
  std::optional<std::uint32_t> remote_as;
  // Capabilities the peer must advertise (RFC 5492 §3). A MultiprotocolCapability must match
  // its AFI/SAFI; any other capability matches by code.
  std::vector<Capability> required_capabilities;
};

// RFC 4271 §6.2 in order: version, peer AS, BGP Identifier, hold time, optional parameters,
// then required capabilities. nullopt when the OPEN is acceptable.
//  - Unsupported Version Number: data = our version (2 octets).
//  - Bad Peer AS: data = the peer's AS as received (2 octets, or 4 from the capability).
//  - Bad BGP Identifier: data = the received identifier (4 octets).
//  - Unacceptable Hold Time: 1 or 2 seconds.
//  - Unsupported Optional Parameter: a parameter other than capabilities.
//  - Unsupported Capability: data = the missing required capabilities, encoded (RFC 5492 §3).
std::optional<Error> check_open(const Open& received, const OpenExpectations& expect);

struct Negotiated {
  std::uint32_t peer_as = 0;
  std::uint32_t peer_bgp_identifier = 0;
  bool ibgp = false;
  bool four_octet_as = false;   // both sides advertised it (RFC 6793 §4.1)
  std::uint16_t hold_time = 0;  // RFC 4271 §4.2: the smaller of the two; 0 disables
  std::uint16_t keepalive_time = 0;
  std::vector<AfiSafi> afi_safis;  // sorted
  bool route_refresh = false;      // the peer accepts ROUTE-REFRESH from us (RFC 2918 §4)
  bool extended_message = false;   // both sides advertised it (RFC 8654 §3)
  // RFC 8654 §4-§6: we may receive extended messages once we advertised the capability, and
  // may send them once the peer advertised it.
  bool extended_message_receive = false;
  bool extended_message_send = false;
  std::optional<GracefulRestartCapability> peer_graceful_restart;

  // Options for decoding what the peer sends, and for encoding what we send.
  Options receive_options() const { return Options{four_octet_as, extended_message_receive}; }
  Options send_options() const { return Options{four_octet_as, extended_message_send}; }
  // Both directions with the conservative (both sides) extended message setting.
  Options options() const { return Options{four_octet_as, extended_message}; }
  bool operator==(const Negotiated&) const = default;
};

// `configured_keepalive` is the locally configured keepalive interval: the keepalive time is
// hold/3 (RFC 4271 §10), or the configured value when it is smaller and not 0.
Negotiated negotiate(const Open& local, const Open& remote,
                     std::optional<std::uint16_t> configured_keepalive = std::nullopt);

}  // namespace vipd::bgp::wire
