#include "bgp/wire/error.hpp"

#include <fmt/format.h>

namespace vipd::bgp::wire {

Error make_error(std::uint8_t code, std::uint8_t subcode, std::string reason, Bytes data) {
  return Error{code, subcode, std::move(data), std::move(reason)};
}

std::string error_code_name(std::uint8_t code) {
  // RFC 4271 §4.5; RFC 7313 §5 for code 7. Wording follows FRR's bgpd.
  switch (code) {
    case error_code::kMessageHeader:
      return "Message Header Error";
    case error_code::kOpenMessage:
      return "OPEN Message Error";
    case error_code::kUpdateMessage:
      return "UPDATE Message Error";
    case error_code::kHoldTimerExpired:
      return "HOLD Timer Expired";
    case error_code::kFsm:
      return "Finite State Machine Error";
    case error_code::kCease:
      return "Cease";
    case error_code::kRouteRefreshMessage:
      return "ROUTE-REFRESH Message Error";
    default:
      return fmt::format("Unknown error code ({})", code);
  }
}

namespace {

const char* header_name(std::uint8_t s) {
  switch (s) {
    case header_subcode::kConnectionNotSynchronized:
      return "Connection Not Synchronized";
    case header_subcode::kBadMessageLength:
      return "Bad Message Length";
    case header_subcode::kBadMessageType:
      return "Bad Message Type";
    default:
      return nullptr;
  }
}

const char* open_name(std::uint8_t s) {
  switch (s) {
    case open_subcode::kUnspecific:
      return "Unspecific";
    case open_subcode::kUnsupportedVersionNumber:
      return "Unsupported Version Number";
    case open_subcode::kBadPeerAs:
      return "Bad Peer AS";
    case open_subcode::kBadBgpIdentifier:
      return "Bad BGP Identifier";
    case open_subcode::kUnsupportedOptionalParameter:
      return "Unsupported Optional Parameter";
    case open_subcode::kAuthenticationFailure:
      return "Authentication Failure";
    case open_subcode::kUnacceptableHoldTime:
      return "Unacceptable Hold Time";
    case open_subcode::kUnsupportedCapability:
      return "Unsupported Capability";
    case open_subcode::kRoleMismatch:
      return "Role Mismatch";
    default:
      return nullptr;
  }
}

const char* update_name(std::uint8_t s) {
  switch (s) {
    case update_subcode::kUnspecific:
      return "Unspecific";
    case update_subcode::kMalformedAttributeList:
      return "Malformed Attribute List";
    case update_subcode::kUnrecognizedWellKnownAttribute:
      return "Unrecognized Well-known Attribute";
    case update_subcode::kMissingWellKnownAttribute:
      return "Missing Well-known Attribute";
    case update_subcode::kAttributeFlagsError:
      return "Attribute Flags Error";
    case update_subcode::kAttributeLengthError:
      return "Attribute Length Error";
    case update_subcode::kInvalidOriginAttribute:
      return "Invalid ORIGIN Attribute";
    case update_subcode::kAsRoutingLoop:
      return "AS Routing Loop";
    case update_subcode::kInvalidNextHopAttribute:
      return "Invalid NEXT_HOP Attribute";
    case update_subcode::kOptionalAttributeError:
      return "Optional Attribute Error";
    case update_subcode::kInvalidNetworkField:
      return "Invalid Network Field";
    case update_subcode::kMalformedAsPath:
      return "Malformed AS_PATH";
    default:
      return nullptr;
  }
}

const char* fsm_name(std::uint8_t s) {
  switch (s) {
    case fsm_subcode::kUnspecified:
      return "Unspecified Error";
    case fsm_subcode::kUnexpectedInOpenSent:
      return "Receive Unexpected Message in OpenSent State";
    case fsm_subcode::kUnexpectedInOpenConfirm:
      return "Receive Unexpected Message in OpenConfirm State";
    case fsm_subcode::kUnexpectedInEstablished:
      return "Receive Unexpected Message in Established State";
    default:
      return nullptr;
  }
}

const char* cease_name(std::uint8_t s) {
  switch (s) {
    case cease_subcode::kUnspecific:
      return "Unspecific";
    case cease_subcode::kMaxPrefixes:
      return "Maximum Number of Prefixes Reached";
    case cease_subcode::kAdministrativeShutdown:
      return "Administrative Shutdown";
    case cease_subcode::kPeerDeconfigured:
      return "Peer De-configured";
    case cease_subcode::kAdministrativeReset:
      return "Administrative Reset";
    case cease_subcode::kConnectionRejected:
      return "Connection Rejected";
    case cease_subcode::kOtherConfigurationChange:
      return "Other Configuration Change";
    case cease_subcode::kConnectionCollisionResolution:
      return "Connection Collision Resolution";
    case cease_subcode::kOutOfResources:
      return "Out of Resources";
    case cease_subcode::kHardReset:
      return "Hard Reset";
    case cease_subcode::kBfdDown:
      return "BFD Down";
    default:
      return nullptr;
  }
}

}  // namespace

std::string error_subcode_name(std::uint8_t code, std::uint8_t subcode) {
  const char* name = nullptr;
  switch (code) {
    case error_code::kMessageHeader:
      name = header_name(subcode);
      break;
    case error_code::kOpenMessage:
      name = open_name(subcode);
      break;
    case error_code::kUpdateMessage:
      name = update_name(subcode);
      break;
    // RFC 4271 §6.5: Hold Timer Expired has no subcodes.
    case error_code::kHoldTimerExpired:
      name = subcode == 0 ? "Unspecific" : nullptr;
      break;
    case error_code::kFsm:
      name = fsm_name(subcode);
      break;
    case error_code::kCease:
      name = cease_name(subcode);
      break;
    case error_code::kRouteRefreshMessage:
      name = subcode == route_refresh_subcode::kInvalidMessageLength ? "Invalid Message Length"
                                                                     : nullptr;
      break;
    default:
      break;
  }
  if (name) return name;
  return fmt::format("Unknown ({})", subcode);
}

std::string notification_name(std::uint8_t code, std::uint8_t subcode) {
  return error_code_name(code) + "/" + error_subcode_name(code, subcode);
}

}  // namespace vipd::bgp::wire
