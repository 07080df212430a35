// RFC 7606 revised error handling for UPDATE messages, as a pure pass over a decoded Update.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bgp/wire/constants.hpp"
#include "bgp/wire/error.hpp"
#include "bgp/wire/update.hpp"

namespace vipd::bgp::wire {

// RFC 7606 §2 approaches, weakest first; when several apply, the strongest wins (§3 (h)).
enum class UpdateAction : std::uint8_t {
  kAccept,
  kAttributeDiscard,  // drop the listed attributes, process the rest
  kTreatAsWithdraw,   // withdraw every prefix the UPDATE announces (NLRI and MP_REACH_NLRI)
  kSessionReset,      // send `error` as NOTIFICATION and close
};

const char* action_name(UpdateAction a);

struct ValidationContext {
  bool ibgp = false;  // RFC 7606 §7.5, §7.9, §7.10 discard LOCAL_PREF etc. from eBGP peers
  bool four_octet_as = false;  // AS4_PATH/AS4_AGGREGATOR from a 4-octet peer are discarded
  // Negotiated AFI/SAFIs; MP_REACH/MP_UNREACH for others are discarded (RFC 4760 §6).
  std::vector<AfiSafi> afi_safis{kIpv4Unicast};
  // Peer is a member of our confederation (RFC 5065): may send AS_CONFED segments.
  bool confederation_peer = false;
  // When set (eBGP), the first AS of AS_PATH must be this AS (RFC 4271 §6.3).
  std::optional<std::uint32_t> enforce_first_as;
};

struct UpdateVerdict {
  UpdateAction action = UpdateAction::kAccept;
  // Attribute type codes to drop before using the UPDATE (also with treat-as-withdraw).
  std::vector<std::uint8_t> discard;
  // For kSessionReset: the NOTIFICATION to send. For the other actions: the RFC 4271 §6.3
  // error that the old handling would have sent, for logging (RFC 7606 §2 asks to log).
  std::optional<Error> error;
  std::string reason;  // every finding, "; "-separated

  bool operator==(const UpdateVerdict&) const = default;
};

// Decides what to do with a decoded UPDATE (RFC 7606 §3-§7, RFC 6793 §6, RFC 8092 §5).
UpdateVerdict validate_update(const Update& update, const ValidationContext& ctx);

// The verdict for an UPDATE that decode_update() rejected: always a session reset.
UpdateVerdict verdict_for_decode_error(const Error& e);

// Applies verdict.discard to the attributes (attribute-discard, RFC 7606 §2).
void apply_discards(Update& update, const UpdateVerdict& verdict);

}  // namespace vipd::bgp::wire
