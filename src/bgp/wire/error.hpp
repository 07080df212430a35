// Typed decode/check errors and the per-session options every codec call takes.
#pragma once

#include <cstdint>
#include <string>

#include "bgp/wire/constants.hpp"
#include "common/bytes.hpp"

namespace vipd::bgp::wire {

// A protocol error, ready to become a NOTIFICATION (RFC 4271 §4.5, §6): code, subcode and the
// data field the RFC prescribes for this error, plus a human reason for logs.
struct Error {
  std::uint8_t code = 0;
  std::uint8_t subcode = 0;
  Bytes data;
  std::string reason;

  bool operator==(const Error&) const = default;
};

Error make_error(std::uint8_t code, std::uint8_t subcode, std::string reason, Bytes data = {});

// "OPEN Message Error/Bad Peer AS" (FRR's wording). Unknown values are shown as numbers, e.g.
// "UPDATE Message Error/Unknown (42)", so the function is total.
std::string error_code_name(std::uint8_t code);
std::string error_subcode_name(std::uint8_t code, std::uint8_t subcode);
std::string notification_name(std::uint8_t code, std::uint8_t subcode);

// Facts negotiated for one session that change how messages are encoded and decoded.
struct Options {
  // RFC 6793 §4.1: both sides advertised the 4-octet AS capability; AS_PATH and AGGREGATOR carry
  // 4-octet AS numbers.
  bool four_octet_as = false;
  // RFC 8654 §4: UPDATE, NOTIFICATION and ROUTE-REFRESH may be up to 65535 octets. For decoding
  // set it when we advertised the capability, for encoding when the peer did
  // (Negotiated::receive_options() / send_options()).
  bool extended_message = false;

  bool operator==(const Options&) const = default;
};

// Largest message size accepted for this session (RFC 4271 §4.1, RFC 8654 §4).
inline std::size_t max_message_size(const Options& o) {
  return o.extended_message ? kMaxExtendedMessageSize : kMaxMessageSize;
}

}  // namespace vipd::bgp::wire
