// Address arithmetic for pools: an address as a 128-bit integer of its family, so ranges can be
// walked, sized and compared without enumerating them (an IPv6 pool is often a /64).
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/ip.hpp"

namespace vipd::lb::address_math {

// g++ and clang provide it; -std=c++20 without GNU extensions still accepts it.
__extension__ using Uint128 = unsigned __int128;

inline constexpr Uint128 kUint128Max = ~Uint128{0};

// The address as a number of its family (IPv4: 0..2^32-1, IPv6: 0..2^128-1).
Uint128 to_integer(const IpAddress& address);
// The inverse; an IPv4 value keeps only its low 32 bits.
IpAddress from_integer(Family family, Uint128 value);

// The highest address of a family, as a number.
Uint128 max_integer(Family family);

// last - first + 1, saturated at kUint128Max (only ::/0 overflows). first <= last, same family.
Uint128 range_size(const IpAddress& first, const IpAddress& last);
std::uint64_t saturate_to_uint64(Uint128 value);

bool range_contains(const IpAddress& first, const IpAddress& last, const IpAddress& address);

// MetalLB's ipConfusesBuggyFirmwares: an IPv4 address ending in .0 or .255, which smurf
// protection on some consumer routers drops. Never true for IPv6.
bool confuses_buggy_firmware(const IpAddress& address);
bool confuses_buggy_firmware(Family family, Uint128 value);
// How many such addresses [first, last] holds (0 for IPv6).
std::uint64_t count_buggy_firmware_addresses(const IpAddress& first, const IpAddress& last);

struct Uint128Hash {
  std::size_t operator()(Uint128 value) const noexcept {
    auto high = static_cast<std::uint64_t>(value >> 64);
    auto low = static_cast<std::uint64_t>(value);
    return static_cast<std::size_t>(low ^ (high * 0x9e3779b97f4a7c15ULL));
  }
};

}  // namespace vipd::lb::address_math
