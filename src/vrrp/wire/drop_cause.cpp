#include "vrrp/wire/drop_cause.hpp"

namespace vipd::vrrp::wire {

std::string_view to_string(DropCause cause) {
  switch (cause) {
    case DropCause::kTruncated:
      return "truncated";
    case DropCause::kBadIpHeader:
      return "bad-ip-header";
    case DropCause::kIpLengthMismatch:
      return "ip-length-mismatch";
    case DropCause::kNotVrrp:
      return "not-vrrp";
    case DropCause::kBadTtl:
      return "bad-ttl";
    case DropCause::kBadVersion:
      return "bad-version";
    case DropCause::kBadType:
      return "bad-type";
    case DropCause::kAddressCountMismatch:
      return "address-count-mismatch";
    case DropCause::kBadChecksum:
      return "bad-checksum";
    case DropCause::kVridMismatch:
      return "vrid-mismatch";
    case DropCause::kInvalidAuthType:
      return "invalid-auth-type";
    case DropCause::kAuthTypeMismatch:
      return "auth-type-mismatch";
    case DropCause::kBadAuth:
      return "bad-auth";
    case DropCause::kAdvertIntervalMismatch:
      return "advert-interval-mismatch";
    case DropCause::kBadAdvertInterval:
      return "bad-advert-interval";
    case DropCause::kAddressListMismatch:
      return "address-list-mismatch";
  }
  return "unknown";
}

}  // namespace vipd::vrrp::wire
