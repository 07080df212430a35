#include "bgp/prefix_classifier.hpp"

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

std::size_t PrefixClassifier::slot(const Prefix& prefix) {
  // The first eight octets hold every IPv4 prefix and the routed part of nearly every IPv6 one.
  std::uint64_t bits = 0;
  const auto& octets = prefix.address().octets();
  for (std::size_t i = 0; i < 8; ++i) bits = bits << 8 | octets[i];
  bits ^= std::uint64_t{prefix.length()} << 1;
  return static_cast<std::size_t>((bits * 0x9e3779b97f4a7c15ULL) >> 52) % kMemo;
}

std::uint64_t PrefixClassifier::classify(const Prefix& prefix) {
  if (classes_.clauses() == 0) return 0;
  Entry& e = (*memo_)[slot(prefix)];
  if (e.used && e.prefix == prefix) return e.prefix_class;
  e.prefix = prefix;
  e.prefix_class = classes_.classify(env_, prefix);
  e.used = true;
  return e.prefix_class;
}

}  // namespace vipd::bgp
