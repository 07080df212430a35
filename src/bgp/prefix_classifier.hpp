// The prefix classes of one route map (policy::PrefixClasses) under one policy snapshot, shared
// by the import of every neighbor that applies the map inbound and the Adj-RIB-Out of every
// neighbor that applies it outbound: each of them asks the class of the same prefix in turn
// (the speaker hands a batch of changes to the neighbors slice by slice). The clauses are bound
// to their lists once; when a list is long enough to be searched, the answers of the last few
// thousand prefixes are remembered rather than worked out again per neighbor.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "bgp/config/model.hpp"
#include "bgp/config/prefix_matcher.hpp"
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
  // One clause of policy::PrefixClasses bound to the list it names, with the answers of
  // BgpConfig::policy_environment() and the evaluator: a list that does not exist matches
  // nothing, an empty prefix list everything, a prefix list or access list only prefixes of
  // its family.
  struct Clause {
    enum class Kind : std::uint8_t { kNone, kAll, kPrefixList, kAccessList };
    Kind kind = Kind::kNone;
    Family family = Family::kIpv4;
    std::optional<config::PrefixMatcher> prefix_list;
    const policy::AccessList* access_list = nullptr;
    bool matches(const Prefix& prefix) const;
  };
  static Clause bind(const config::BgpConfig& config, const policy::Match& match);

  explicit PrefixClassifier(std::shared_ptr<const config::BgpConfig> policy)
      : policy_(std::move(policy)) {}
  std::uint64_t evaluate(const Prefix& prefix) const;

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

  std::shared_ptr<const config::BgpConfig> policy_;  // what clauses_ refer to
  std::vector<Clause> clauses_;
  // Only when answering costs more than a look in the memo: a list searched by length
  // (PrefixMatcher) or an access list.
  std::unique_ptr<std::array<Entry, kMemo>> memo_;
};

}  // namespace vipd::bgp
