#include "bgp/wire/as4.hpp"

#include <algorithm>

namespace vipd::bgp::wire {

namespace {

bool is_confed(SegmentType t) {
  return t == SegmentType::kConfedSequence || t == SegmentType::kConfedSet;
}

void append_segment(AsPath& path, AsSegment seg) {
  if (seg.asns.empty()) return;
  // Adjacent AS_SEQUENCEs are one sequence.
  if (!path.segments.empty() && path.segments.back().type == SegmentType::kAsSequence &&
      seg.type == SegmentType::kAsSequence) {
    auto& back = path.segments.back().asns;
    back.insert(back.end(), seg.asns.begin(), seg.asns.end());
    return;
  }
  path.segments.push_back(std::move(seg));
}

bool mappable(std::uint32_t asn) {
  return asn <= 0xffff;
}

}  // namespace

AsPath merge_as4_path(const AsPath& as_path, const AsPath& as4_path) {
  std::size_t len = as_path.length();
  std::size_t len4 = as4_path.length();
  // RFC 6793 §4.2.3: fewer ASes in AS_PATH than in AS4_PATH: ignore AS4_PATH.
  if (len < len4) return as_path;
  std::size_t take = len - len4;
  AsPath out;
  for (const auto& seg : as_path.segments) {
    if (take == 0 && !is_confed(seg.type)) break;
    if (is_confed(seg.type)) {
      // Confederation segments count 0 and stay in front (RFC 6793 §4.2.3, RFC 5065 §5.3).
      if (take == 0 && !out.segments.empty()) break;
      out.segments.push_back(seg);
      continue;
    }
    if (seg.type == SegmentType::kAsSet) {
      out.segments.push_back(seg);
      --take;
      continue;
    }
    std::size_t n = std::min(take, seg.asns.size());
    append_segment(out, {SegmentType::kAsSequence,
                         std::vector<std::uint32_t>(seg.asns.begin(), seg.asns.begin() + n)});
    take -= n;
  }
  for (const auto& seg : as4_path.segments) append_segment(out, seg);
  return out;
}

PathAttributes reconstruct_as4(const PathAttributes& attrs) {
  PathAttributes out = attrs;
  out.as4_path.reset();
  out.as4_aggregator.reset();
  // RFC 6793 §4.2.3: AGGREGATOR not carrying AS_TRANS: AS4_AGGREGATOR and AS4_PATH ignored.
  if (attrs.aggregator && attrs.aggregator->asn != kAsTrans) return out;
  if (attrs.aggregator && attrs.as4_aggregator) out.aggregator = attrs.as4_aggregator;
  if (attrs.as_path && attrs.as4_path)
    out.as_path = merge_as4_path(*attrs.as_path, *attrs.as4_path);
  return out;
}

PathAttributes prepare_for_two_octet_peer(const PathAttributes& attrs) {
  PathAttributes out = attrs;
  out.as4_path.reset();
  out.as4_aggregator.reset();
  if (attrs.as_path) {
    bool all_mappable = std::all_of(
        attrs.as_path->segments.begin(), attrs.as_path->segments.end(),
        [](const AsSegment& s) { return std::all_of(s.asns.begin(), s.asns.end(), mappable); });
    if (!all_mappable) {
      AsPath as4;
      // RFC 6793 §4.2.2: AS4_PATH never carries confederation segments.
      for (const auto& seg : attrs.as_path->segments)
        if (!is_confed(seg.type)) as4.segments.push_back(seg);
      out.as4_path = std::move(as4);
      for (auto& seg : out.as_path->segments)
        for (auto& asn : seg.asns)
          if (!mappable(asn)) asn = kAsTrans;
    }
  }
  if (attrs.aggregator && !mappable(attrs.aggregator->asn)) {
    out.as4_aggregator = attrs.aggregator;
    out.aggregator->asn = kAsTrans;
  }
  return out;
}

}  // namespace vipd::bgp::wire
