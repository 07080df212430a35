// OPEN message (RFC 4271 §4.2) with capabilities (RFC 5492) and extended optional parameters
// (RFC 9072).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "bgp/wire/capability.hpp"
#include "bgp/wire/error.hpp"
#include "common/bytes.hpp"
#include "common/result.hpp"

namespace vipd::bgp::wire {

// An optional parameter other than capabilities (RFC 4271 §4.2). Kept so check_open() can
// answer Unsupported Optional Parameter (RFC 4271 §6.2) and so the value can be shown.
struct OptionalParameter {
  std::uint8_t type = 0;
  Bytes value;
  bool operator==(const OptionalParameter&) const = default;
};

struct Open {
  std::uint8_t version = kBgpVersion;
  // The 2-octet My Autonomous System field exactly as on the wire: AS_TRANS when the real AS
  // needs 4 octets (RFC 6793 §4.1). Use make_open() to fill it, real_as() to read it back.
  std::uint16_t my_as = 0;
  std::uint16_t hold_time = 0;
  std::uint32_t bgp_identifier = 0;  // host order
  // All capabilities of all type-2 parameters, flattened, in wire order.
  std::vector<Capability> capabilities;
  std::vector<OptionalParameter> other_parameters;

  bool operator==(const Open&) const = default;

  // The sender's AS: the 4-octet AS capability if present (RFC 6793 §4.1), else My AS.
  std::uint32_t real_as() const;
  const FourOctetAsCapability* four_octet_as() const;
  const GracefulRestartCapability* graceful_restart() const;
  bool has_capability(std::uint8_t code) const;
  bool supports_route_refresh() const;  // code 2 or the Cisco code 128
  bool supports_extended_message() const;
  // AFI/SAFIs from multiprotocol capabilities, sorted, without duplicates.
  std::vector<AfiSafi> multiprotocol() const;
};

// Builds an OPEN for `asn`. When asn does not fit in 2 octets, My AS is AS_TRANS (RFC 6793 §4.1).
// A FourOctetAsCapability carrying asn is appended unless `capabilities` has one already (every
// NEW speaker sends it, RFC 6793 §3).
Open make_open(std::uint32_t asn, std::uint16_t hold_time, std::uint32_t bgp_identifier,
               std::vector<Capability> capabilities);

// Decodes an OPEN body (the octets after the 19-octet header). Errors are OPEN Message Error:
// Unsupported Version Number (data = our version, 2 octets) when the version is not 4, and
// Unspecific for optional parameters that are malformed or do not add up to the message.
// Semantic checks (AS, identifier, hold time) are in open_check.hpp.
Result<Open, Error> decode_open(ByteSpan body);

// Whole message, header included. Capabilities go in one optional parameter; when the
// parameters exceed 255 octets the RFC 9072 extended format is used.
Bytes encode_open(const Open& open);

}  // namespace vipd::bgp::wire
