#include "feed.hpp"

#include <algorithm>
#include <array>
#include <numeric>
#include <random>
#include <set>
#include <unordered_set>

#include <fmt/format.h>

#include "bgp/wire/message.hpp"
#include "bgp/wire/update.hpp"
#include "bgp/wire/validate.hpp"

namespace vipd::bench {

namespace wire = bgp::wire;

namespace {

// std::mt19937_64 is specified bit for bit; the <random> distributions are not, so draws are
// made here by hand to keep the feed identical across standard libraries.
class Random {
 public:
  explicit Random(std::uint64_t seed) : engine_(seed) {}
  std::uint64_t next() { return engine_(); }
  // Uniform in [0, n).
  std::uint64_t below(std::uint64_t n) { return next() % n; }
  // Uniform in [0, 1).
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  // Index i with probability weights[i] / sum(weights).
  template <std::size_t N>
  std::size_t pick(const std::array<unsigned, N>& weights) {
    unsigned total = std::accumulate(weights.begin(), weights.end(), 0u);
    auto r = static_cast<unsigned>(below(total));
    for (std::size_t i = 0; i < N; ++i) {
      if (r < weights[i]) return i;
      r -= weights[i];
    }
    return N - 1;
  }

 private:
  std::mt19937_64 engine_;
};

bool is_excluded_space(std::uint32_t address) {
  const std::uint32_t first = address >> 24;
  if (first == 0 || first == 10 || first == 127 || first >= 224) return true;
  if ((address & 0xffff0000u) == 0xa9fe0000u) return true;  // 169.254/16
  if ((address & 0xfff00000u) == 0xac100000u) return true;  // 172.16/12
  if ((address & 0xffff0000u) == 0xc0a80000u) return true;  // 192.168/16
  return false;
}

std::uint8_t draw_prefix_length(Random& rng) {
  // 60% /24, 13% /23, 12% /22, 15% /16-/21 (weighted towards the longer ones).
  static constexpr std::array<unsigned, 9> kWeights{60, 13, 12, 5, 4, 3, 1, 1, 1};
  static constexpr std::array<std::uint8_t, 9> kLengths{24, 23, 22, 21, 20, 19, 18, 17, 16};
  return kLengths[rng.pick(kWeights)];
}

std::vector<Prefix> generate_prefixes(Random& rng, std::size_t count) {
  std::vector<Prefix> prefixes;
  prefixes.reserve(count);
  std::unordered_set<std::uint64_t> seen;
  seen.reserve(count * 2);
  while (prefixes.size() < count) {
    const std::uint8_t length = draw_prefix_length(rng);
    const std::uint32_t mask = ~std::uint32_t{0} << (32 - length);
    const std::uint32_t address = static_cast<std::uint32_t>(rng.next()) & mask;
    if (is_excluded_space(address)) continue;
    if (!seen.insert((std::uint64_t{address} << 8) | length).second) continue;
    prefixes.emplace_back(IpAddress::v4(address), length);
  }
  return prefixes;
}

// Public AS numbers only: 1-64495 without AS_TRANS (RFC 6793), and 4-octet 131072-399999.
std::uint32_t draw_public_as(Random& rng) {
  while (true) {
    std::uint32_t asn = rng.below(4) == 0 ? static_cast<std::uint32_t>(131072 + rng.below(268928))
                                          : static_cast<std::uint32_t>(1 + rng.below(64495));
    if (asn != wire::kAsTrans) return asn;
  }
}

wire::AsPath draw_as_path(Random& rng, std::uint32_t feeder_as,
                          const std::vector<std::uint32_t>& transit_ases) {
  // Lengths 1-8 with a mode around 3-4, as in public table dumps.
  static constexpr std::array<unsigned, 8> kLengthWeights{3, 12, 25, 25, 17, 10, 5, 3};
  const std::size_t length = 1 + rng.pick(kLengthWeights);
  std::vector<std::uint32_t> asns{feeder_as};
  if (length > 1) {
    // Transit ASes are drawn with a skew (a few big carriers appear in most paths).
    while (asns.size() + 1 < length) {
      const double u = rng.unit();
      asns.push_back(transit_ases[static_cast<std::size_t>(u * u * transit_ases.size())]);
    }
    const std::uint32_t origin_as = draw_public_as(rng);
    asns.push_back(origin_as);
    // Origin prepending on ~10% of paths, within the length cap.
    if (rng.below(10) == 0 && asns.size() < 8) asns.push_back(origin_as);
  }
  return wire::AsPath{{wire::AsSegment{wire::SegmentType::kAsSequence, std::move(asns)}}};
}

wire::PathAttributes draw_attributes(Random& rng, wire::AsPath path, const IpAddress& next_hop) {
  wire::PathAttributes a;
  a.origin = rng.below(100) < 88 ? wire::Origin::kIgp : wire::Origin::kIncomplete;
  a.as_path = std::move(path);
  a.next_hop = next_hop;
  if (rng.below(100) < 30) a.med = static_cast<std::uint32_t>(rng.below(1000));
  static constexpr std::array<unsigned, 5> kCommunityCountWeights{40, 25, 15, 12, 8};
  const std::size_t communities = rng.pick(kCommunityCountWeights);
  if (communities > 0) {
    std::set<std::uint32_t> values;
    const auto& asns = a.as_path->segments.front().asns;
    while (values.size() < communities) {
      // ASN:value with a 2-octet ASN from the path (or any public one); never 0xFFFF:xxxx,
      // the RFC 1997 well-known range (NO_EXPORT etc. would stop propagation).
      std::uint32_t high = asns[rng.below(asns.size())];
      if (high > 64495) high = static_cast<std::uint32_t>(1 + rng.below(64495));
      values.insert((high << 16) | static_cast<std::uint32_t>(rng.below(65536)));
    }
    a.communities = std::vector<std::uint32_t>(values.begin(), values.end());
  }
  return a;
}

std::vector<wire::PathAttributes> generate_attribute_sets(Random& rng, std::size_t count,
                                                          std::uint32_t feeder_as,
                                                          const IpAddress& next_hop) {
  std::vector<std::uint32_t> transit_ases(2000);
  for (auto& asn : transit_ases) asn = draw_public_as(rng);
  std::vector<wire::PathAttributes> sets;
  sets.reserve(count);
  std::set<std::vector<std::uint32_t>> paths;
  while (sets.size() < count) {
    wire::AsPath path = draw_as_path(rng, feeder_as, transit_ases);
    // Every set has a distinct AS path.
    if (!paths.insert(path.segments.front().asns).second) continue;
    sets.push_back(draw_attributes(rng, std::move(path), next_hop));
  }
  return sets;
}

std::size_t nlri_size(const Prefix& p) {
  return 1 + (p.length() + 7u) / 8u;
}

void append_message(EncodedStream& stream, const Bytes& message) {
  stream.bytes.insert(stream.bytes.end(), message.begin(), message.end());
  stream.message_ends.push_back(stream.bytes.size());
}

}  // namespace

Feed generate_feed(const FeedParameters& parameters) {
  Random rng(parameters.seed);
  Feed feed;
  const std::size_t set_count = parameters.attribute_sets != 0
                                    ? parameters.attribute_sets
                                    : std::max<std::size_t>(1, parameters.prefixes / 20);
  feed.attribute_sets =
      generate_attribute_sets(rng, set_count, parameters.feeder_as, parameters.next_hop);
  feed.prefixes = generate_prefixes(rng, parameters.prefixes);
  feed.set_of_prefix.reserve(feed.prefixes.size());
  // Skewed use: P(set < k) = sqrt(k / sets), so low-numbered sets carry many prefixes and the
  // tail a few each (every set still gets ~10 on average at P / 20 sets).
  for (std::size_t i = 0; i < feed.prefixes.size(); ++i) {
    const double u = rng.unit();
    feed.set_of_prefix.push_back(static_cast<std::uint32_t>(u * u * set_count));
  }
  return feed;
}

namespace {

// Appends UPDATEs carrying `prefixes` in `field` (NLRI or Withdrawn Routes) of `update`, as many
// per message as fit in the maximum message size.
void append_packed(EncodedStream& stream, wire::Update update,
                   std::vector<Prefix> wire::Update::*field, const std::vector<Prefix>& prefixes,
                   const wire::Options& options) {
  const std::size_t max_size = wire::max_message_size(options);
  std::vector<Prefix>& packed = update.*field;
  packed.clear();
  const std::size_t empty_size = wire::encode_update(update, options).size();
  std::size_t size = empty_size;
  for (const Prefix& p : prefixes) {
    if (size + nlri_size(p) > max_size) {
      append_message(stream, wire::encode_update(update, options));
      packed.clear();
      size = empty_size;
    }
    packed.push_back(p);
    size += nlri_size(p);
    ++stream.prefixes;
  }
  if (!packed.empty()) append_message(stream, wire::encode_update(update, options));
}

}  // namespace

EncodedStream encode_announcements(const Feed& feed, const wire::Options& options) {
  std::vector<std::vector<Prefix>> by_set(feed.attribute_sets.size());
  for (std::size_t i = 0; i < feed.prefixes.size(); ++i) {
    by_set[feed.set_of_prefix[i]].push_back(feed.prefixes[i]);
  }
  // Interleave big and small groups instead of sending the biggest first.
  std::vector<std::size_t> order(by_set.size());
  std::iota(order.begin(), order.end(), 0);
  Random rng(feed.attribute_sets.size());
  for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng.below(i)]);

  EncodedStream stream;
  for (std::size_t set : order) {
    std::vector<Prefix>& prefixes = by_set[set];
    std::sort(prefixes.begin(), prefixes.end());
    wire::Update update;
    update.attributes = feed.attribute_sets[set];
    append_packed(stream, std::move(update), &wire::Update::nlri, prefixes, options);
  }
  append_message(stream, wire::encode_update(wire::make_end_of_rib(wire::kIpv4Unicast), options));
  return stream;
}

EncodedStream encode_withdrawals(const Feed& feed, const wire::Options& options) {
  std::vector<Prefix> prefixes = feed.prefixes;
  std::sort(prefixes.begin(), prefixes.end());
  EncodedStream stream;
  append_packed(stream, wire::Update{}, &wire::Update::withdrawn, prefixes, options);
  return stream;
}

Result<std::size_t, std::string> verify_stream(const EncodedStream& stream,
                                               const wire::Options& options) {
  std::size_t prefixes = 0;
  std::size_t start = 0;
  wire::ValidationContext context;
  context.four_octet_as = options.four_octet_as;
  for (std::size_t end : stream.message_ends) {
    ByteSpan message(stream.bytes.data() + start, end - start);
    auto decoded = wire::decode_message(message, options);
    if (!decoded) {
      return unexpected(fmt::format("message at {}: {}", start, decoded.error().reason));
    }
    const auto* update = std::get_if<wire::Update>(&*decoded);
    if (update == nullptr) return unexpected(fmt::format("message at {} is no UPDATE", start));
    auto verdict = wire::validate_update(*update, context);
    if (verdict.action != wire::UpdateAction::kAccept) {
      return unexpected(fmt::format("UPDATE at {}: {}", start, verdict.reason));
    }
    prefixes += update->nlri.size() + update->withdrawn.size();
    start = end;
  }
  return prefixes;
}

}  // namespace vipd::bench
