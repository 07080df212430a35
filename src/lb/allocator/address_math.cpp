#include "lb/allocator/address_math.hpp"

namespace vipd::lb::address_math {

Uint128 to_integer(const IpAddress& address) {
  Uint128 value = 0;
  for (std::size_t i = 0; i < address.size(); ++i) value = value << 8 | address.octets()[i];
  return value;
}

IpAddress from_integer(Family family, Uint128 value) {
  if (family == Family::kIpv4) return IpAddress::v4(static_cast<std::uint32_t>(value));
  std::array<std::uint8_t, 16> octets{};
  for (int i = 15; i >= 0; --i) {
    octets[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(value);
    value >>= 8;
  }
  return IpAddress::v6(octets);
}

Uint128 max_integer(Family family) {
  return family == Family::kIpv4 ? Uint128{0xffffffffU} : kUint128Max;
}

Uint128 range_size(const IpAddress& first, const IpAddress& last) {
  Uint128 span = to_integer(last) - to_integer(first);
  return span == kUint128Max ? kUint128Max : span + 1;
}

std::uint64_t saturate_to_uint64(Uint128 value) {
  return value > Uint128{UINT64_MAX} ? UINT64_MAX : static_cast<std::uint64_t>(value);
}

bool range_contains(const IpAddress& first, const IpAddress& last, const IpAddress& address) {
  return address.family() == first.family() && first <= address && address <= last;
}

bool confuses_buggy_firmware(const IpAddress& address) {
  if (!address.is_v4()) return false;
  auto last_octet = address.octets()[3];
  return last_octet == 0 || last_octet == 255;
}

bool confuses_buggy_firmware(Family family, Uint128 value) {
  if (family != Family::kIpv4) return false;
  auto last_octet = static_cast<std::uint8_t>(value);
  return last_octet == 0 || last_octet == 255;
}

namespace {
// Numbers in [0, n] whose low octet is `octet`.
std::uint64_t count_with_last_octet_up_to(std::uint64_t n, std::uint64_t octet) {
  return n < octet ? 0 : (n - octet) / 256 + 1;
}
}  // namespace

std::uint64_t count_buggy_firmware_addresses(const IpAddress& first, const IpAddress& last) {
  if (!first.is_v4()) return 0;
  std::uint64_t low = first.v4_host_order(), high = last.v4_host_order();
  if (low > high) return 0;
  std::uint64_t count = 0;
  for (std::uint64_t octet : {0U, 255U}) {
    count += count_with_last_octet_up_to(high, octet);
    if (low > 0) count -= count_with_last_octet_up_to(low - 1, octet);
  }
  return count;
}

}  // namespace vipd::lb::address_math
