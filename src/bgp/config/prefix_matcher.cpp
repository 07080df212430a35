#include "bgp/config/prefix_matcher.hpp"

#include <algorithm>

namespace vipd::bgp::config {
namespace {

constexpr std::size_t kLengths = 129;

std::size_t family_slot(Family f) {
  return f == Family::kIpv4 ? 0 : 1;
}

std::uint8_t full_length(Family f) {
  return f == Family::kIpv4 ? 32 : 128;
}

}  // namespace

PrefixMatcher::PrefixMatcher(const PrefixList& list)
    : ranges_(2 * kLengths), empty_list_(list.entries.empty()) {
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

bool PrefixMatcher::permits(const Prefix& prefix) const {
  if (empty_list_) return true;
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
