// UPDATE message (RFC 4271 §4.3).
#pragma once

#include <vector>

#include "bgp/wire/attributes.hpp"
#include "bgp/wire/error.hpp"
#include "common/bytes.hpp"
#include "common/ip.hpp"
#include "common/result.hpp"

namespace vipd::bgp::wire {

struct Update {
  std::vector<Prefix> withdrawn;  // IPv4 Withdrawn Routes
  PathAttributes attributes;
  std::vector<Prefix> nlri;  // IPv4 NLRI
  // Attribute-level findings of the decoder; empty for a clean UPDATE. Not encoded. Pass the
  // Update to validate_update() (validate.hpp) to learn what to do about them.
  std::vector<AttributeProblem> problems;

  bool operator==(const Update&) const = default;
  // RFC 4724 §2: an UPDATE with nothing in it is the IPv4 unicast End-of-RIB marker; one with
  // only an empty MP_UNREACH_NLRI is End-of-RIB for that AFI/SAFI.
  std::optional<AfiSafi> end_of_rib() const;
};

// An End-of-RIB marker for the family (RFC 4724 §2).
Update make_end_of_rib(AfiSafi afi_safi);

// Decodes an UPDATE body (after the header). Fails only when the message cannot be split into
// its three fields or a Withdrawn Routes / NLRI prefix cannot be parsed: these are session
// resets (RFC 7606 §5.3 and §4; RFC 4271 §6.3 Malformed Attribute List or Invalid Network
// Field). Attribute problems do not fail the decode; they are listed in Update::problems.
Result<Update, Error> decode_update(ByteSpan body, const Options& options);

// Whole message, header included. Attributes are written canonically (type-code order). The
// caller keeps the message within max_message_size(options).
Bytes encode_update(const Update& update, const Options& options);

}  // namespace vipd::bgp::wire
