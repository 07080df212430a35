#include "bgp/prefix_classifier.hpp"

#include <cstring>

namespace vipd::bgp {

std::shared_ptr<PrefixClassifier> PrefixClassifier::make(
    std::shared_ptr<const config::BgpConfig> policy, const std::string& map) {
  if (!policy) return nullptr;
  policy::Environment env = policy->policy_environment();
  auto classes = policy::PrefixClasses::of(map, env);
  if (!classes) return nullptr;
  return std::shared_ptr<PrefixClassifier>(
      new PrefixClassifier(std::move(policy), std::move(env), std::move(*classes)));
}

PrefixClassifier::Bits PrefixClassifier::Bits::of(const Prefix& prefix) {
  Bits b;
  // Host order does not matter: the words are only compared and hashed.
  const auto& octets = prefix.address().octets();
  std::memcpy(&b.high, octets.data(), 8);
  std::memcpy(&b.low, octets.data() + 8, 8);
  b.tag = (static_cast<std::uint64_t>(prefix.family()) << 8) | prefix.length();
  return b;
}

std::uint64_t PrefixClassifier::classify(const Prefix& prefix) {
  if (classes_.clauses() == 0) return 0;
  const Bits bits = Bits::of(prefix);
  const std::uint64_t hash =
      (bits.high ^ bits.low * 0xbf58476d1ce4e5b9ULL ^ bits.tag) * 0x9e3779b97f4a7c15ULL;
  Entry& e = (*memo_)[static_cast<std::size_t>(hash >> 50) % kMemo];
  if (e.prefix == bits) return e.prefix_class;
  e.prefix = bits;
  e.prefix_class = classes_.classify(env_, prefix);
  return e.prefix_class;
}

}  // namespace vipd::bgp
