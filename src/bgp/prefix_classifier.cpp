#include "bgp/prefix_classifier.hpp"

#include <cstring>

namespace vipd::bgp {

std::shared_ptr<PrefixClassifier> PrefixClassifier::make(
    std::shared_ptr<const config::BgpConfig> policy, const std::string& map) {
  if (!policy) return nullptr;
  auto classes = policy::PrefixClasses::of(map, policy->policy_environment());
  if (!classes) return nullptr;
  std::shared_ptr<PrefixClassifier> classifier(new PrefixClassifier(policy));
  bool searched = false;
  for (const policy::Match* m : classes->clauses()) {
    Clause c = bind(*policy, *m);
    searched |= c.kind == Clause::Kind::kAccessList ||
                (c.kind == Clause::Kind::kPrefixList && !c.prefix_list->scans());
    classifier->clauses_.push_back(std::move(c));
  }
  if (searched) classifier->memo_ = std::make_unique<std::array<Entry, kMemo>>();
  return classifier;
}

PrefixClassifier::Clause PrefixClassifier::bind(const config::BgpConfig& config,
                                                const policy::Match& match) {
  Clause c;
  switch (match.kind) {
    case policy::MatchKind::kIpAddressPrefixList:
    case policy::MatchKind::kIpv6AddressPrefixList: {
      c.family =
          match.kind == policy::MatchKind::kIpAddressPrefixList ? Family::kIpv4 : Family::kIpv6;
      const config::PrefixList* list =
          config.find_prefix_list(c.family == Family::kIpv4 ? config::AddressFamily::kIpv4Unicast
                                                            : config::AddressFamily::kIpv6Unicast,
                                  match.name);
      if (!list) break;  // route_match_address_prefix_list(): RMAP_NOMATCH
      // prefix_list_apply(): an empty list permits every prefix, of either family.
      if (list->entries.empty()) {
        c.kind = Clause::Kind::kAll;
        break;
      }
      c.kind = Clause::Kind::kPrefixList;
      c.prefix_list.emplace(*list);
      break;
    }
    case policy::MatchKind::kIpAddressAccessList:
    case policy::MatchKind::kIpv6AddressAccessList:
      c.family =
          match.kind == policy::MatchKind::kIpAddressAccessList ? Family::kIpv4 : Family::kIpv6;
      c.access_list = config.policy.find_access_list(c.family, match.name);
      if (c.access_list) c.kind = Clause::Kind::kAccessList;
      break;
    default:
      break;
  }
  return c;
}

bool PrefixClassifier::Clause::matches(const Prefix& prefix) const {
  switch (kind) {
    case Kind::kNone:
      return false;
    case Kind::kAll:
      return true;
    case Kind::kPrefixList:
      return prefix.family() == family && prefix_list->permits(prefix);
    case Kind::kAccessList:
      return prefix.family() == family && access_list->permits(prefix);
  }
  return false;
}

std::uint64_t PrefixClassifier::evaluate(const Prefix& prefix) const {
  std::uint64_t bits = 0;
  for (std::size_t i = 0; i < clauses_.size(); ++i)
    if (clauses_[i].matches(prefix)) bits |= std::uint64_t{1} << i;
  return bits;
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
  if (!memo_) return evaluate(prefix);
  const Bits bits = Bits::of(prefix);
  const std::uint64_t hash =
      (bits.high ^ bits.low * 0xbf58476d1ce4e5b9ULL ^ bits.tag) * 0x9e3779b97f4a7c15ULL;
  Entry& e = (*memo_)[static_cast<std::size_t>(hash >> 50) % kMemo];
  if (e.prefix == bits) return e.prefix_class;
  e.prefix = bits;
  e.prefix_class = evaluate(prefix);
  return e.prefix_class;
}

}  // namespace vipd::bgp
