// BGP capabilities (RFC 5492), carried in OPEN optional parameter type 2.
#pragma once

#include <cstdint>
#include <optional>
#include <variant>
#include <vector>

#include "bgp/wire/constants.hpp"
#include "bgp/wire/error.hpp"
#include "common/bytes.hpp"
#include "common/result.hpp"

namespace vipd::bgp::wire {

// RFC 4760 §8: one capability per AFI/SAFI the speaker supports.
struct MultiprotocolCapability {
  AfiSafi afi_safi;
  bool operator==(const MultiprotocolCapability&) const = default;
};

// RFC 2918 §2 (code 2); `cisco` marks the pre-standard code 128, which some peers still send.
struct RouteRefreshCapability {
  bool cisco = false;
  bool operator==(const RouteRefreshCapability&) const = default;
};

// RFC 6793 §3: the speaker's real (4-octet) AS number.
struct FourOctetAsCapability {
  std::uint32_t asn = 0;
  bool operator==(const FourOctetAsCapability&) const = default;
};

// RFC 8654 §3: empty value.
struct ExtendedMessageCapability {
  bool operator==(const ExtendedMessageCapability&) const = default;
};

// RFC 4724 §3. The RFC 8538 N bit is kept because peers set it; other reserved bits are
// dropped on decode and sent as zero.
struct GracefulRestartCapability {
  struct Family {
    AfiSafi afi_safi;
    bool forwarding_state = false;  // F bit: forwarding state preserved across the restart
    bool operator==(const Family&) const = default;
  };
  bool restart_state = false;      // R bit: the sender has restarted
  bool notification = false;       // N bit (RFC 8538 §2)
  std::uint16_t restart_time = 0;  // seconds, 12 bits
  std::vector<Family> families;
  bool operator==(const GracefulRestartCapability&) const = default;
};

// Any capability this codec does not interpret, kept for re-encoding and display.
struct UnknownCapability {
  std::uint8_t code = 0;
  Bytes value;
  bool operator==(const UnknownCapability&) const = default;
};

using Capability =
    std::variant<MultiprotocolCapability, RouteRefreshCapability, FourOctetAsCapability,
                 ExtendedMessageCapability, GracefulRestartCapability, UnknownCapability>;

// The capability code this value is sent with.
std::uint8_t capability_code_of(const Capability& c);

// Decodes the capabilities in one optional parameter value (a sequence of code/length/value).
// A malformed list or a known capability with a bad length is OPEN Message Error / Unspecific
// (RFC 5492 does not name a subcode; FRR uses Unspecific as well).
Result<std::vector<Capability>, Error> decode_capabilities(ByteSpan value);

// Appends code, length and value. The value of an UnknownCapability or GracefulRestart must fit
// in 255 octets (at most 63 families).
void encode_capability(ByteWriter& w, const Capability& c);

}  // namespace vipd::bgp::wire
