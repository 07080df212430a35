// Counts the distinct IPv4 prefixes a sink currently holds. Prefixes up to /24 (all of an
// Internet table but a few) are bits in a 4 MiB bitmap indexed by (length, network bits), so
// an announce or withdraw is one bit test-and-set; longer ones go to a hash set.
#pragma once

#include <cstddef>
#include <cstdint>
#include <unordered_set>
#include <vector>

#include "common/ip.hpp"

namespace vipd::bench {

class PrefixCounter {
 public:
  PrefixCounter();

  // Announce: counted once however often it is re-announced (implicit withdraw, RFC 4271 §3.1).
  void add(const Prefix& prefix);
  // Withdraw of a prefix not held is ignored.
  void remove(const Prefix& prefix);
  std::size_t count() const { return count_; }

 private:
  // Bit index of a prefix of length <= 24: 2^len - 1 + network >> (32 - len).
  static std::size_t bit_of(std::uint32_t network, std::uint8_t length);
  static std::uint64_t long_key(const Prefix& prefix);

  std::vector<std::uint64_t> bits_;
  std::unordered_set<std::uint64_t> longer_;
  std::size_t count_ = 0;
};

}  // namespace vipd::bench
