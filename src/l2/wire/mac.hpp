// A 48-bit Ethernet (EUI-48) address.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vipd::l2::wire {

struct MacAddress {
  std::array<std::uint8_t, 6> octets{};

  static constexpr MacAddress broadcast() { return {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}}; }
  // "02:00:5e:00:01:33" (colons or dashes, either case); nullopt on anything else.
  static std::optional<MacAddress> parse(std::string_view text);
  // RFC 2464 §7: the Ethernet address of an IPv6 multicast group is 33:33 + its low 32 bits.
  static MacAddress ipv6_multicast(const std::array<std::uint8_t, 16>& group);

  std::string to_string() const;  // lower case, colon separated
  bool is_broadcast() const { return *this == broadcast(); }
  bool is_multicast() const { return (octets[0] & 0x01) != 0; }

  auto operator<=>(const MacAddress&) const = default;
  bool operator==(const MacAddress&) const = default;
};

}  // namespace vipd::l2::wire
