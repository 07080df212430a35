#include "prefix_counter.hpp"

namespace vipd::bench {

namespace {
constexpr std::uint8_t kBitmapMaxLength = 24;
// 2^0 + 2^1 + ... + 2^24 bits.
constexpr std::size_t kBitmapBits = (std::size_t{1} << (kBitmapMaxLength + 1)) - 1;
}  // namespace

PrefixCounter::PrefixCounter() : bits_((kBitmapBits + 63) / 64, 0) {}

std::size_t PrefixCounter::bit_of(std::uint32_t network, std::uint8_t length) {
  const std::size_t row = (std::size_t{1} << length) - 1;
  return length == 0 ? 0 : row + (network >> (32 - length));
}

std::uint64_t PrefixCounter::long_key(const Prefix& prefix) {
  return (std::uint64_t{prefix.address().v4_host_order()} << 8) | prefix.length();
}

void PrefixCounter::add(const Prefix& prefix) {
  if (prefix.length() > kBitmapMaxLength) {
    if (longer_.insert(long_key(prefix)).second) ++count_;
    return;
  }
  const std::size_t bit = bit_of(prefix.address().v4_host_order(), prefix.length());
  std::uint64_t& word = bits_[bit / 64];
  const std::uint64_t mask = std::uint64_t{1} << (bit % 64);
  if ((word & mask) == 0) {
    word |= mask;
    ++count_;
  }
}

void PrefixCounter::remove(const Prefix& prefix) {
  if (prefix.length() > kBitmapMaxLength) {
    if (longer_.erase(long_key(prefix)) != 0) --count_;
    return;
  }
  const std::size_t bit = bit_of(prefix.address().v4_host_order(), prefix.length());
  std::uint64_t& word = bits_[bit / 64];
  const std::uint64_t mask = std::uint64_t{1} << (bit % 64);
  if ((word & mask) != 0) {
    word &= ~mask;
    --count_;
  }
}

}  // namespace vipd::bench
