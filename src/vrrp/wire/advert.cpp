#include "vrrp/wire/advert.hpp"

#include <algorithm>

#include "l2/wire/checksum.hpp"

namespace vipd::vrrp::wire {

namespace {

bool has_auth_data(Version version, Family family) {
  // RFC 3768 §5.1: VRRPv2 is IPv4 only; keepalived's VRRPv2 over IPv6 leaves the field out.
  return version == Version::kV2 && family == Family::kIpv4;
}

bool uses_pseudo_header(Version version, Family family, ChecksumMode mode) {
  if (family == Family::kIpv6) return true;  // the kernel's IPV6_CHECKSUM, v2 and v3 alike
  return version == Version::kV3 && mode == ChecksumMode::kStandard;
}

std::uint16_t checksum_of(ByteSpan message, Version version, const PseudoHeader& pseudo,
                          ChecksumMode mode) {
  l2::wire::InternetChecksum sum;
  if (uses_pseudo_header(version, pseudo.source.family(), mode)) {
    sum.add_pseudo_header(pseudo.source, pseudo.destination, kIpProtoVrrp,
                          static_cast<std::uint32_t>(message.size()));
  }
  sum.add(message);
  return sum.finish();
}

IpAddress read_address(ByteReader& r, Family family) {
  ByteSpan b = r.bytes(family == Family::kIpv4 ? 4 : 16);
  if (family == Family::kIpv4) return IpAddress::v4({b[0], b[1], b[2], b[3]});
  std::array<std::uint8_t, 16> octets{};
  std::copy(b.begin(), b.end(), octets.begin());
  return IpAddress::v6(octets);
}

}  // namespace

AuthData auth_data_from_password(std::string_view password) {
  AuthData data{};
  std::copy_n(password.begin(), std::min(password.size(), data.size()), data.begin());
  return data;
}

std::chrono::milliseconds Advert::advert_interval() const {
  if (version == Version::kV2) return std::chrono::seconds(advert_interval_s);
  return std::chrono::milliseconds(10 * (max_advert_interval_cs & kMaxAdvertIntervalCs));
}

std::size_t advert_size(Version version, Family family, std::size_t count) {
  const std::size_t address_size = family == Family::kIpv4 ? 4 : 16;
  return kHeaderSize + count * address_size + (has_auth_data(version, family) ? kAuthDataSize : 0);
}

Bytes encode_advert(const Advert& advert, const PseudoHeader& pseudo, ChecksumMode mode) {
  const std::size_t count = std::min(advert.addresses.size(), kMaxAddresses);
  const std::size_t address_size = advert.family == Family::kIpv4 ? 4 : 16;
  ByteWriter w;
  // RFC 5798 §5.2.1-§5.2.5 / RFC 3768 §5.3.1-§5.3.5.
  w.u8(static_cast<std::uint8_t>(static_cast<std::uint8_t>(advert.version) << 4 |
                                 kTypeAdvertisement));
  w.u8(advert.vrid);
  w.u8(advert.priority);
  w.u8(static_cast<std::uint8_t>(count));
  if (advert.version == Version::kV2) {
    w.u8(advert.auth_type);          // RFC 3768 §5.3.6
    w.u8(advert.advert_interval_s);  // RFC 3768 §5.3.7
  } else {
    w.u16(advert.max_advert_interval_cs & kMaxAdvertIntervalCs);  // RFC 5798 §5.2.6, §5.2.7
  }
  w.u16(0);  // checksum, computed over the message with this field zero
  for (std::size_t i = 0; i < count; ++i) {
    w.bytes(ByteSpan(advert.addresses[i].octets().data(), address_size));
  }
  if (has_auth_data(advert.version, advert.family)) w.bytes(advert.auth_data);

  Bytes message = w.take();
  const std::uint16_t checksum = checksum_of(message, advert.version, pseudo, mode);
  message[6] = static_cast<std::uint8_t>(checksum >> 8);
  message[7] = static_cast<std::uint8_t>(checksum);
  return message;
}

Result<Advert, DropCause> decode_advert(ByteSpan message, const PseudoHeader& pseudo,
                                        ChecksumMode mode) {
  if (message.size() < kHeaderSize) return unexpected(DropCause::kTruncated);
  ByteReader r(message);
  Advert advert;
  advert.family = pseudo.source.family();
  const std::uint8_t version_type = r.u8();
  const std::uint8_t version = version_type >> 4;
  if (version != 2 && version != 3) return unexpected(DropCause::kBadVersion);
  advert.version = static_cast<Version>(version);
  // RFC 5798 §5.2.2: "A packet with unknown type MUST be discarded."
  if ((version_type & 0x0f) != kTypeAdvertisement) return unexpected(DropCause::kBadType);
  advert.vrid = r.u8();
  advert.priority = r.u8();
  const std::uint8_t count = r.u8();
  if (message.size() != advert_size(advert.version, advert.family, count)) {
    return unexpected(DropCause::kAddressCountMismatch);
  }
  if (checksum_of(message, advert.version, pseudo, mode) != 0) {
    return unexpected(DropCause::kBadChecksum);
  }
  if (advert.version == Version::kV2) {
    advert.auth_type = r.u8();
    advert.advert_interval_s = r.u8();
  } else {
    // RFC 5798 §5.2.6: the reserved bits "MUST be ignored on receipt".
    advert.max_advert_interval_cs = r.u16() & kMaxAdvertIntervalCs;
  }
  r.skip(2);  // checksum
  advert.addresses.reserve(count);
  for (std::size_t i = 0; i < count; ++i)
    advert.addresses.push_back(read_address(r, advert.family));
  if (has_auth_data(advert.version, advert.family)) {
    ByteSpan auth = r.bytes(kAuthDataSize);
    std::copy(auth.begin(), auth.end(), advert.auth_data.begin());
  }
  return advert;
}

}  // namespace vipd::vrrp::wire
