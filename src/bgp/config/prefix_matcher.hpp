// A prefix list compiled for lookups: what `neighbor A prefix-list NAME in|out` evaluates for
// every received or advertised prefix. PrefixList::permits() walks the entries in seq order,
// which is fine for a handful of lines but costs one step per entry for each prefix: an IXP
// route server's lists have 100k-1M lines (issue 15).
//
// The entries that can match a prefix P of length L are those whose prefix covers P: at most one
// address per (family, length <= L). Entries are sorted by (family, length, address); a lookup
// binary-searches each length that has entries, and the lowest seq among the entries that match
// decides (FRR lib/plist.c: first match in seq order; no match denies, an empty list permits).
// A short list (a route map's bogons or too-specific prefixes) is scanned in seq order instead,
// each entry a few word operations: cheaper than a search per length.
#pragma once

#include <cstdint>
#include <vector>

#include "bgp/config/model.hpp"

namespace vipd::bgp::config {

class PrefixMatcher {
 public:
  explicit PrefixMatcher(const PrefixList& list);

  // Same answer as list.permits(prefix).
  bool permits(const Prefix& prefix) const;
  // Whether permits() costs a short scan at most (an empty or short list), not a search.
  bool scans() const { return empty_list_ || !scanned_.empty(); }

 private:
  // Lists of up to kScanned entries are scanned.
  static constexpr std::size_t kScanned = 16;
  // One entry as masked words of the address (network order in memory: the mask is built the
  // same way, so no byte swapping).
  struct Scanned {
    std::uint64_t address[2];
    std::uint64_t mask[2];
    std::uint8_t family;  // 0 IPv4, 1 IPv6, kAnyFamily for `any`
    std::uint8_t min_length;
    std::uint8_t max_length;
    bool permit;
  };
  static constexpr std::uint8_t kAnyFamily = 2;
  bool scan(const Prefix& prefix) const;

  struct Entry {
    Prefix prefix;
    std::uint32_t seq;
    std::uint8_t min_length;  // ge, or the prefix's length
    std::uint8_t max_length;  // le, or the family's full length (or the prefix's without ge/le)
    bool permit;
  };
  // Lengths 0..128 of each family (index 0 IPv4, 1 IPv6): [begin, end) in entries_.
  struct Range {
    std::uint32_t begin = 0, end = 0;
  };
  std::vector<Entry> entries_;    // sorted by (family, length, address, seq)
  std::vector<Range> ranges_;     // 2 * 129 when searched (not scanned)
  std::vector<Scanned> scanned_;  // in seq order; used when the list has 1..kScanned entries
  bool empty_list_ = true;
  // The first `any` entry (lowest seq): it matches every prefix, so later entries never decide.
  bool has_any_ = false;
  std::uint32_t any_seq_ = 0;
  bool any_permit_ = false;
};

}  // namespace vipd::bgp::config
