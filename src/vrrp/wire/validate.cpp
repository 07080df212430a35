#include "vrrp/wire/validate.hpp"

#include <algorithm>

#include "vrrp/wire/ipv4.hpp"

namespace vipd::vrrp::wire {

namespace {

constexpr std::uint8_t kIpProtoAh = 51;

// RFC 3768 §7.1 authentication and interval checks.
std::optional<DropCause> validate_v2(const Advert& advert, const Expectations& expect) {
  if (advert.auth_type > kAuthIpsecAh) return DropCause::kInvalidAuthType;
  if (advert.auth_type != expect.auth_type) return DropCause::kAuthTypeMismatch;
  if (expect.auth_type == kAuthSimple && advert.auth_data != expect.auth_data) {
    return DropCause::kBadAuth;
  }
  // keepalived drops these "to prevent concurrent VRID running => multiple master in 1 VRID".
  if (advert.advert_interval_s != expect.advert_interval_s) {
    return DropCause::kAdvertIntervalMismatch;
  }
  return std::nullopt;
}

bool same_addresses(const std::vector<IpAddress>& received,
                    const std::vector<IpAddress>& configured) {
  // keepalived: the count must match and every configured VIP must be in the advert (any order).
  if (received.size() != configured.size()) return false;
  return std::all_of(configured.begin(), configured.end(), [&](const IpAddress& vip) {
    return std::find(received.begin(), received.end(), vip) != received.end();
  });
}

Result<ReceivedAdvert, DropCause> finish(ByteSpan message, const PseudoHeader& pseudo,
                                         std::uint8_t ttl, const Expectations& expect) {
  // RFC 5798 §7.1: "MUST verify that the IPv4 TTL / IPv6 Hop Limit is 255".
  if (ttl != kVrrpTtl) return unexpected(DropCause::kBadTtl);
  auto advert = decode_advert(message, pseudo, expect.checksum_mode);
  if (!advert) return unexpected(advert.error());
  if (auto cause = validate_advert(*advert, expect)) return unexpected(*cause);
  return ReceivedAdvert{std::move(advert).value(), pseudo.source, pseudo.destination, ttl};
}

}  // namespace

std::optional<DropCause> validate_advert(const Advert& advert, const Expectations& expect) {
  if (advert.vrid != expect.vrid) return DropCause::kVridMismatch;
  if (advert.version != expect.version) return DropCause::kBadVersion;
  if (advert.version == Version::kV2) {
    if (auto cause = validate_v2(advert, expect)) return cause;
  } else if (advert.max_advert_interval_cs == 0) {
    // An interval of 0 would make a backup's Master_Down_Interval just the skew time.
    return DropCause::kBadAdvertInterval;
  }
  if (expect.addresses && !same_addresses(advert.addresses, *expect.addresses)) {
    return DropCause::kAddressListMismatch;
  }
  return std::nullopt;
}

Result<ReceivedAdvert, DropCause> receive_ipv4(ByteSpan packet, const Expectations& expect) {
  auto ip = parse_ipv4_packet(packet);
  if (!ip) return unexpected(ip.error());
  if (ip->header.protocol == kIpProtoAh) return unexpected(DropCause::kAuthTypeMismatch);
  if (ip->header.protocol != kIpProtoVrrp) return unexpected(DropCause::kNotVrrp);
  return finish(ip->payload, {ip->header.source, ip->header.destination}, ip->header.ttl, expect);
}

Result<ReceivedAdvert, DropCause> receive_ipv6(ByteSpan message, const IpAddress& source,
                                               const IpAddress& destination, std::uint8_t hop_limit,
                                               const Expectations& expect) {
  return finish(message, {source, destination}, hop_limit, expect);
}

}  // namespace vipd::vrrp::wire
