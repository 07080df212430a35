// The slot arithmetic of the open-addressing tables of the RIB (PrefixTable, the attribute
// store's index): linear probing over `capacity` slots, the home slot taken from a well-mixed
// 64-bit hash by multiply-shift (so any capacity works), and backward-shift deletion (no
// tombstones).
#pragma once

#include <cstddef>
#include <cstdint>

namespace vipd::bgp::rib::probing {

inline std::size_t home(std::uint64_t mixed_hash, std::size_t capacity) {
  return static_cast<std::size_t>((static_cast<unsigned __int128>(mixed_hash) * capacity) >> 64);
}

inline std::size_t next(std::size_t slot, std::size_t capacity) {
  return slot + 1 == capacity ? 0 : slot + 1;
}

// Deleting: when slot `hole` empties, the entry at `j` later in its probe run, whose home slot
// is `h`, stays where it is if `h` lies cyclically in (hole, j]; otherwise it moves into the
// hole.
inline bool stays(std::size_t h, std::size_t hole, std::size_t j) {
  return hole < j ? (h > hole && h <= j) : (h > hole || h <= j);
}

}  // namespace vipd::bgp::rib::probing
