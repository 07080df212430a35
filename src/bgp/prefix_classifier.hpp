// The prefix classes of one route map (policy::PrefixClasses) under one policy snapshot, shared
// by the import of every neighbor that applies the map inbound and the Adj-RIB-Out of every
// neighbor that applies it outbound: each of them asks the class of the same prefix in turn
// (the speaker hands a batch of changes to the neighbors slice by slice), so the answers of the
// last few thousand prefixes are remembered rather than worked out again per neighbor.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "bgp/config/model.hpp"
#include "bgp/policy/evaluate.hpp"

namespace vipd::bgp {

class PrefixClassifier {
 public:
  // nullptr when the map cannot be classified (more than PrefixClasses::kMaxClauses clauses
  // that read the prefix): it then runs for every prefix.
  static std::shared_ptr<PrefixClassifier> make(std::shared_ptr<const config::BgpConfig> policy,
                                                const std::string& map);
  std::uint64_t classify(const Prefix& prefix);

 private:
  PrefixClassifier(std::shared_ptr<const config::BgpConfig> policy, policy::Environment env,
                   policy::PrefixClasses classes)
      : policy_(std::move(policy)), env_(std::move(env)), classes_(std::move(classes)) {}

  // Direct-mapped, 2 MiB: the prefixes of the UPDATEs read since the last batch of changes
  // was handed to the neighbors (the import asked first) and the slice of changes they are
  // looking at; an entry is replaced by the next prefix that maps to its slot.
  static constexpr std::size_t kMemo = 65536;
  // A prefix as words, compared without a byte-wise compare of addresses; tag 0: empty.
  struct Bits {
    std::uint64_t high = 0;
    std::uint64_t low = 0;
    std::uint64_t tag = 0;  // family and length
    static Bits of(const Prefix& prefix);
    bool operator==(const Bits&) const = default;
  };
  struct Entry {
    Bits prefix;
    std::uint64_t prefix_class = 0;
  };

  std::shared_ptr<const config::BgpConfig> policy_;  // what env_ and classes_ refer to
  policy::Environment env_;
  policy::PrefixClasses classes_;
  std::unique_ptr<std::array<Entry, kMemo>> memo_ = std::make_unique<std::array<Entry, kMemo>>();
};

}  // namespace vipd::bgp
