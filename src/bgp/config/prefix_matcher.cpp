#include "bgp/config/prefix_matcher.hpp"

#include <algorithm>
#include <array>
#include <cstring>

namespace vipd::bgp::config {
namespace {

constexpr std::size_t kLengths = 129;

std::size_t family_slot(Family f) {
  return f == Family::kIpv4 ? 0 : 1;
}

std::uint8_t full_length(Family f) {
  return f == Family::kIpv4 ? 32 : 128;
}

// An address's 16 octets as two words in memory order (an IPv4 address's last 12 are masked
// off by mask_words()).
void address_words(const IpAddress& address, std::uint64_t (&words)[2]) {
  std::memcpy(words, address.octets().data(), 16);
}

void mask_words(std::uint8_t length, std::uint64_t (&words)[2]) {
  std::array<std::uint8_t, 16> bytes{};
  for (std::size_t i = 0; i < length / 8u; ++i) bytes[i] = 0xff;
  if (length % 8 != 0) bytes[length / 8] = static_cast<std::uint8_t>(0xff << (8 - length % 8));
  std::memcpy(words, bytes.data(), 16);
}

}  // namespace

PrefixMatcher::PrefixMatcher(const PrefixList& list) : empty_list_(list.entries.empty()) {
  if (!list.entries.empty() && list.entries.size() <= kScanned) {
    for (const auto& e : list.entries) {
      // PrefixListEntry::matches(): the entry's prefix covers the route's (so at least its
      // length), and the length is within ge/le, or exactly the entry's without them.
      Scanned c{};
      c.permit = e.permit;
      if (e.any) {
        c.family = kAnyFamily;
        c.max_length = 128;
      } else {
        const std::uint8_t len = e.prefix.length();
        c.family = static_cast<std::uint8_t>(family_slot(e.prefix.family()));
        c.min_length = std::max(len, e.ge.value_or(len));
        c.max_length = e.ge || e.le ? e.le.value_or(full_length(e.prefix.family())) : len;
        address_words(e.prefix.address(), c.address);
        mask_words(len, c.mask);
        c.address[0] &= c.mask[0];
        c.address[1] &= c.mask[1];
      }
      scanned_.push_back(c);
    }
    return;
  }
  ranges_.resize(2 * kLengths);
  entries_.reserve(list.entries.size());
  for (const auto& e : list.entries) {
    if (e.any) {
      if (!has_any_ || e.seq < any_seq_) {
        has_any_ = true;
        any_seq_ = e.seq;
        any_permit_ = e.permit;
      }
      continue;
    }
    const std::uint8_t len = e.prefix.length();
    // PrefixListEntry::matches(): without ge/le only the exact length; `ge` alone reaches up to
    // the family's full length.
    Entry c{e.prefix, e.seq, len, len, e.permit};
    if (e.ge || e.le) {
      c.min_length = e.ge.value_or(len);
      c.max_length = e.le.value_or(full_length(e.prefix.family()));
    }
    entries_.push_back(c);
  }
  auto key = [](const Entry& e) {
    return std::tuple(family_slot(e.prefix.family()), e.prefix.length(), e.prefix.address(), e.seq);
  };
  std::sort(entries_.begin(), entries_.end(),
            [&](const Entry& a, const Entry& b) { return key(a) < key(b); });
  for (std::uint32_t i = 0; i < entries_.size();) {
    const Entry& first = entries_[i];
    std::size_t slot = family_slot(first.prefix.family()) * kLengths + first.prefix.length();
    std::uint32_t j = i;
    while (j < entries_.size() &&
           family_slot(entries_[j].prefix.family()) * kLengths + entries_[j].prefix.length() ==
               slot)
      ++j;
    ranges_[slot] = Range{i, j};
    i = j;
  }
}

bool PrefixMatcher::scan(const Prefix& prefix) const {
  std::uint64_t words[2];
  address_words(prefix.address(), words);
  const auto family = static_cast<std::uint8_t>(family_slot(prefix.family()));
  const std::uint8_t length = prefix.length();
  for (const Scanned& e : scanned_) {
    if (e.family != family && e.family != kAnyFamily) continue;
    if (length < e.min_length || length > e.max_length) continue;
    if ((((words[0] ^ e.address[0]) & e.mask[0]) | ((words[1] ^ e.address[1]) & e.mask[1])) != 0)
      continue;
    return e.permit;
  }
  return false;
}

bool PrefixMatcher::permits(const Prefix& prefix) const {
  if (empty_list_) return true;
  if (!scanned_.empty()) return scan(prefix);
  bool found = has_any_;
  std::uint32_t best_seq = any_seq_;
  bool best_permit = any_permit_;
  const std::size_t base = family_slot(prefix.family()) * kLengths;
  const std::uint8_t length = prefix.length();
  for (std::uint8_t l = 0; l <= length; ++l) {
    const Range r = ranges_[base + l];
    if (r.begin == r.end) continue;
    const Prefix covering(prefix.address(), l);
    auto first = entries_.begin() + r.begin, last = entries_.begin() + r.end;
    auto it = std::lower_bound(first, last, covering, [](const Entry& e, const Prefix& p) {
      return e.prefix.address() < p.address();
    });
    // Entries of one prefix are in seq order: the first that matches is the lowest.
    for (; it != last && it->prefix == covering; ++it) {
      if (found && it->seq >= best_seq) break;
      if (length < it->min_length || length > it->max_length) continue;
      found = true;
      best_seq = it->seq;
      best_permit = it->permit;
      break;
    }
  }
  return found && best_permit;
}

}  // namespace vipd::bgp::config
