#include "bgp/wire/attributes.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bitset>

namespace vipd::bgp::wire {

namespace {

constexpr std::uint8_t kWellKnown = attr_flag::kTransitive;
constexpr std::uint8_t kOptionalTransitive = attr_flag::kOptional | attr_flag::kTransitive;
constexpr std::uint8_t kOptionalNonTransitive = attr_flag::kOptional;
constexpr std::uint8_t kFlagMask = 0xe0;  // O, T, P; Extended Length is chosen by the encoder

IpAddress ipv4_from(ByteReader& r) {
  ByteSpan b = r.bytes(4);
  if (b.size() != 4) return IpAddress{};
  return IpAddress::v4({b[0], b[1], b[2], b[3]});
}

IpAddress ipv6_from(ByteReader& r) {
  ByteSpan b = r.bytes(16);
  std::array<std::uint8_t, 16> o{};
  if (b.size() == 16) std::copy(b.begin(), b.end(), o.begin());
  return IpAddress::v6(o);
}

void write_address(ByteWriter& w, const IpAddress& a) {
  w.bytes(ByteSpan(a.octets().data(), a.size()));
}

// A failed typed decode: the subcode and reason for the AttributeProblem.
struct Failure {
  std::uint8_t subcode;
  std::string reason;
};

std::optional<AsPath> decode_as_path(ByteSpan value, std::size_t as_size, std::string* why) {
  AsPath path;
  ByteReader r(value);
  while (!r.empty()) {
    // RFC 4271 §4.3: segment type (1), number of ASes (1), ASes.
    std::uint8_t type = r.u8();
    std::uint8_t count = r.u8();
    if (!r.ok()) {
      *why = "truncated segment header";
      return std::nullopt;
    }
    // RFC 7606 §7.2: unknown segment type, zero segment length or an overrun is malformed.
    if (type < 1 || type > 4) {
      *why = fmt::format("unknown segment type {}", type);
      return std::nullopt;
    }
    if (count == 0) {
      *why = "empty segment";
      return std::nullopt;
    }
    if (r.remaining() < count * as_size) {
      *why = "segment overruns the attribute";
      return std::nullopt;
    }
    AsSegment seg;
    seg.type = static_cast<SegmentType>(type);
    for (int i = 0; i < count; ++i) seg.asns.push_back(as_size == 4 ? r.u32() : r.u16());
    path.segments.push_back(std::move(seg));
  }
  return path;
}

void encode_as_path(ByteWriter& w, const AsPath& path, bool four_octet) {
  for (const auto& seg : path.segments) {
    // A segment holds at most 255 ASes; longer ones are split into consecutive segments of the
    // same type (RFC 4271 §9.2.2.1 does the same when prepending).
    for (std::size_t i = 0; i < seg.asns.size(); i += 255) {
      std::size_t n = std::min<std::size_t>(255, seg.asns.size() - i);
      w.u8(static_cast<std::uint8_t>(seg.type));
      w.u8(static_cast<std::uint8_t>(n));
      for (std::size_t k = i; k < i + n; ++k) {
        std::uint32_t asn = seg.asns[k];
        if (four_octet) {
          w.u32(asn);
        } else {
          // RFC 6793 §4.2.2: non-mappable AS numbers are sent as AS_TRANS.
          w.u16(static_cast<std::uint16_t>(asn > 0xffff ? kAsTrans : asn));
        }
      }
    }
  }
}

std::optional<Aggregator> decode_aggregator(ByteSpan value, std::size_t as_size) {
  if (value.size() != as_size + 4) return std::nullopt;
  ByteReader r(value);
  Aggregator a;
  a.asn = as_size == 4 ? r.u32() : r.u16();
  a.address = ipv4_from(r);
  return a;
}

std::optional<std::vector<std::uint32_t>> decode_u32_list(ByteSpan value) {
  // RFC 7606 §7.8 (COMMUNITIES), §7.10 (CLUSTER_LIST): a non-zero multiple of 4.
  if (value.empty() || value.size() % 4 != 0) return std::nullopt;
  ByteReader r(value);
  std::vector<std::uint32_t> out;
  while (!r.empty()) out.push_back(r.u32());
  return out;
}

bool is_unicast(AfiSafi as) {
  return as.safi == Safi::kUnicast && (as.afi == Afi::kIpv4 || as.afi == Afi::kIpv6);
}

Family family_of(Afi afi) {
  return afi == Afi::kIpv4 ? Family::kIpv4 : Family::kIpv6;
}

std::optional<MpReach> decode_mp_reach(ByteSpan value, std::string* why) {
  ByteReader r(value);
  MpReach mp;
  // RFC 4760 §3: AFI (2), SAFI (1), Length of Next Hop (1), Next Hop, Reserved (1), NLRI.
  mp.afi_safi.afi = static_cast<Afi>(r.u16());
  mp.afi_safi.safi = static_cast<Safi>(r.u8());
  std::uint8_t nh_len = r.u8();
  ByteReader nh = r.sub(nh_len);
  r.skip(1);  // Reserved (RFC 4760 §3: ignored on receipt)
  if (!r.ok()) {
    *why = "truncated MP_REACH_NLRI";
    return std::nullopt;
  }
  ByteSpan nlri = r.rest();
  if (!is_unicast(mp.afi_safi)) {
    ByteSpan nh_bytes = nh.rest();
    mp.opaque_next_hop.assign(nh_bytes.begin(), nh_bytes.end());
    mp.opaque_nlri.assign(nlri.begin(), nlri.end());
    return mp;
  }
  if (mp.afi_safi.afi == Afi::kIpv4) {
    if (nh_len != 4) {
      *why = fmt::format("IPv4 next hop length {}", nh_len);
      return std::nullopt;
    }
    mp.next_hop = ipv4_from(nh);
  } else {
    // RFC 2545 §3: 16 octets (global) or 32 (global + link-local).
    if (nh_len != 16 && nh_len != 32) {
      *why = fmt::format("IPv6 next hop length {}", nh_len);
      return std::nullopt;
    }
    mp.next_hop = ipv6_from(nh);
    if (nh_len == 32) mp.link_local_next_hop = ipv6_from(nh);
  }
  auto prefixes = decode_prefixes(nlri, family_of(mp.afi_safi.afi));
  if (!prefixes) {
    *why = "malformed NLRI";
    return std::nullopt;
  }
  mp.nlri = std::move(*prefixes);
  return mp;
}

std::optional<MpUnreach> decode_mp_unreach(ByteSpan value, std::string* why) {
  ByteReader r(value);
  MpUnreach mp;
  // RFC 4760 §4: AFI (2), SAFI (1), Withdrawn Routes.
  mp.afi_safi.afi = static_cast<Afi>(r.u16());
  mp.afi_safi.safi = static_cast<Safi>(r.u8());
  if (!r.ok()) {
    *why = "truncated MP_UNREACH_NLRI";
    return std::nullopt;
  }
  ByteSpan rest = r.rest();
  if (!is_unicast(mp.afi_safi)) {
    mp.opaque_withdrawn.assign(rest.begin(), rest.end());
    return mp;
  }
  auto prefixes = decode_prefixes(rest, family_of(mp.afi_safi.afi));
  if (!prefixes) {
    *why = "malformed withdrawn routes";
    return std::nullopt;
  }
  mp.withdrawn = std::move(*prefixes);
  return mp;
}

// Decodes one recognised attribute into `attrs`; a Failure when the value is malformed.
std::optional<Failure> decode_known(std::uint8_t type, ByteSpan value, const Options& options,
                                    PathAttributes& attrs) {
  using namespace update_subcode;
  const std::size_t as_size = options.four_octet_as ? 4 : 2;
  ByteReader r(value);
  auto length_error = [&](const char* expected) {
    return Failure{
        kAttributeLengthError,
        fmt::format("{} length {} (expected {})", attribute_name(type), value.size(), expected)};
  };
  std::string why;
  switch (type) {
    case attr_type::kOrigin:
      // RFC 4271 §6.3, RFC 7606 §7.1.
      if (value.size() != 1) return length_error("1");
      if (value[0] > 2) return Failure{kInvalidOriginAttribute, fmt::format("ORIGIN {}", value[0])};
      attrs.origin = static_cast<Origin>(value[0]);
      return std::nullopt;
    case attr_type::kAsPath:
      // RFC 7606 §7.2.
      if (auto p = decode_as_path(value, as_size, &why)) {
        attrs.as_path = std::move(*p);
        return std::nullopt;
      }
      return Failure{kMalformedAsPath, "AS_PATH: " + why};
    case attr_type::kNextHop:
      // RFC 7606 §7.3.
      if (value.size() != 4) return length_error("4");
      attrs.next_hop = ipv4_from(r);
      return std::nullopt;
    case attr_type::kMultiExitDisc:
      // RFC 7606 §7.4.
      if (value.size() != 4) return length_error("4");
      attrs.med = r.u32();
      return std::nullopt;
    case attr_type::kLocalPref:
      // RFC 7606 §7.5.
      if (value.size() != 4) return length_error("4");
      attrs.local_pref = r.u32();
      return std::nullopt;
    case attr_type::kAtomicAggregate:
      // RFC 7606 §7.6.
      if (!value.empty()) return length_error("0");
      attrs.atomic_aggregate = true;
      return std::nullopt;
    case attr_type::kAggregator:
      // RFC 7606 §7.7: 6 octets, or 8 when 4-octet AS is in use (RFC 6793 §4.1).
      if (auto a = decode_aggregator(value, as_size)) {
        attrs.aggregator = *a;
        return std::nullopt;
      }
      return length_error(as_size == 4 ? "8" : "6");
    case attr_type::kCommunities:
      if (auto c = decode_u32_list(value)) {
        attrs.communities = std::move(*c);
        return std::nullopt;
      }
      return Failure{kOptionalAttributeError, "COMMUNITIES length is not a non-zero multiple of 4"};
    case attr_type::kOriginatorId:
      // RFC 7606 §7.9.
      if (value.size() != 4) return length_error("4");
      attrs.originator_id = r.u32();
      return std::nullopt;
    case attr_type::kClusterList:
      if (auto c = decode_u32_list(value)) {
        attrs.cluster_list = std::move(*c);
        return std::nullopt;
      }
      return Failure{kOptionalAttributeError,
                     "CLUSTER_LIST length is not a non-zero multiple of 4"};
    case attr_type::kMpReachNlri:
      // RFC 7606 §7.11, RFC 4760 §7.
      if (auto mp = decode_mp_reach(value, &why)) {
        attrs.mp_reach = std::move(*mp);
        return std::nullopt;
      }
      return Failure{kOptionalAttributeError, "MP_REACH_NLRI: " + why};
    case attr_type::kMpUnreachNlri:
      if (auto mp = decode_mp_unreach(value, &why)) {
        attrs.mp_unreach = std::move(*mp);
        return std::nullopt;
      }
      return Failure{kOptionalAttributeError, "MP_UNREACH_NLRI: " + why};
    case attr_type::kAs4Path:
      // RFC 6793 §6: AS4_PATH always carries 4-octet AS numbers; confederation segments in it
      // are malformed too.
      if (auto p = decode_as_path(value, 4, &why)) {
        if (p->has_confed_segments()) {
          return Failure{kOptionalAttributeError, "AS4_PATH carries confederation segments"};
        }
        attrs.as4_path = std::move(*p);
        return std::nullopt;
      }
      return Failure{kOptionalAttributeError, "AS4_PATH: " + why};
    case attr_type::kAs4Aggregator:
      if (auto a = decode_aggregator(value, 4)) {
        attrs.as4_aggregator = *a;
        return std::nullopt;
      }
      return length_error("8");
    case attr_type::kLargeCommunities: {
      // RFC 8092 §5: a non-zero multiple of 12.
      if (value.empty() || value.size() % 12 != 0) {
        return Failure{kOptionalAttributeError,
                       "LARGE_COMMUNITIES length is not a non-zero multiple of 12"};
      }
      std::vector<LargeCommunity> out;
      while (!r.empty()) out.push_back({r.u32(), r.u32(), r.u32()});
      attrs.large_communities = std::move(out);
      return std::nullopt;
    }
    default:
      return Failure{kMalformedAttributeList, "not a known attribute"};
  }
}

}  // namespace

std::size_t AsPath::length() const {
  std::size_t n = 0;
  for (const auto& s : segments) {
    if (s.type == SegmentType::kAsSequence) n += s.asns.size();
    if (s.type == SegmentType::kAsSet) n += 1;
  }
  return n;
}

bool AsPath::has_confed_segments() const {
  return std::any_of(segments.begin(), segments.end(), [](const AsSegment& s) {
    return s.type == SegmentType::kConfedSequence || s.type == SegmentType::kConfedSet;
  });
}

bool PathAttributes::has(std::uint8_t type) const {
  switch (type) {
    case attr_type::kOrigin:
      return origin.has_value();
    case attr_type::kAsPath:
      return as_path.has_value();
    case attr_type::kNextHop:
      return next_hop.has_value();
    case attr_type::kMultiExitDisc:
      return med.has_value();
    case attr_type::kLocalPref:
      return local_pref.has_value();
    case attr_type::kAtomicAggregate:
      return atomic_aggregate;
    case attr_type::kAggregator:
      return aggregator.has_value();
    case attr_type::kCommunities:
      return communities.has_value();
    case attr_type::kOriginatorId:
      return originator_id.has_value();
    case attr_type::kClusterList:
      return cluster_list.has_value();
    case attr_type::kMpReachNlri:
      return mp_reach.has_value();
    case attr_type::kMpUnreachNlri:
      return mp_unreach.has_value();
    case attr_type::kAs4Path:
      return as4_path.has_value();
    case attr_type::kAs4Aggregator:
      return as4_aggregator.has_value();
    case attr_type::kLargeCommunities:
      return large_communities.has_value();
    default:
      return std::any_of(unknown.begin(), unknown.end(),
                         [type](const RawAttribute& a) { return a.type == type; });
  }
}

void PathAttributes::discard(std::uint8_t type) {
  switch (type) {
    case attr_type::kOrigin:
      origin.reset();
      break;
    case attr_type::kAsPath:
      as_path.reset();
      break;
    case attr_type::kNextHop:
      next_hop.reset();
      break;
    case attr_type::kMultiExitDisc:
      med.reset();
      break;
    case attr_type::kLocalPref:
      local_pref.reset();
      break;
    case attr_type::kAtomicAggregate:
      atomic_aggregate = false;
      break;
    case attr_type::kAggregator:
      aggregator.reset();
      break;
    case attr_type::kCommunities:
      communities.reset();
      break;
    case attr_type::kOriginatorId:
      originator_id.reset();
      break;
    case attr_type::kClusterList:
      cluster_list.reset();
      break;
    case attr_type::kMpReachNlri:
      mp_reach.reset();
      break;
    case attr_type::kMpUnreachNlri:
      mp_unreach.reset();
      break;
    case attr_type::kAs4Path:
      as4_path.reset();
      break;
    case attr_type::kAs4Aggregator:
      as4_aggregator.reset();
      break;
    case attr_type::kLargeCommunities:
      large_communities.reset();
      break;
    default:
      std::erase_if(unknown, [type](const RawAttribute& a) { return a.type == type; });
      break;
  }
}

std::optional<std::uint8_t> expected_flags(std::uint8_t type) {
  switch (type) {
    // RFC 4271 §5: well-known attributes are transitive.
    case attr_type::kOrigin:
    case attr_type::kAsPath:
    case attr_type::kNextHop:
    case attr_type::kLocalPref:
    case attr_type::kAtomicAggregate:
      return kWellKnown;
    // RFC 4271 §5.1.4 (MED), RFC 4456 §8, RFC 4760 §3-4: optional non-transitive.
    case attr_type::kMultiExitDisc:
    case attr_type::kOriginatorId:
    case attr_type::kClusterList:
    case attr_type::kMpReachNlri:
    case attr_type::kMpUnreachNlri:
      return kOptionalNonTransitive;
    // RFC 4271 §5.1.7, RFC 1997, RFC 6793 §3, RFC 8092 §3: optional transitive.
    case attr_type::kAggregator:
    case attr_type::kCommunities:
    case attr_type::kAs4Path:
    case attr_type::kAs4Aggregator:
    case attr_type::kLargeCommunities:
      return kOptionalTransitive;
    default:
      return std::nullopt;
  }
}

std::string attribute_name(std::uint8_t type) {
  switch (type) {
    case attr_type::kOrigin:
      return "ORIGIN";
    case attr_type::kAsPath:
      return "AS_PATH";
    case attr_type::kNextHop:
      return "NEXT_HOP";
    case attr_type::kMultiExitDisc:
      return "MULTI_EXIT_DISC";
    case attr_type::kLocalPref:
      return "LOCAL_PREF";
    case attr_type::kAtomicAggregate:
      return "ATOMIC_AGGREGATE";
    case attr_type::kAggregator:
      return "AGGREGATOR";
    case attr_type::kCommunities:
      return "COMMUNITIES";
    case attr_type::kOriginatorId:
      return "ORIGINATOR_ID";
    case attr_type::kClusterList:
      return "CLUSTER_LIST";
    case attr_type::kMpReachNlri:
      return "MP_REACH_NLRI";
    case attr_type::kMpUnreachNlri:
      return "MP_UNREACH_NLRI";
    case attr_type::kAs4Path:
      return "AS4_PATH";
    case attr_type::kAs4Aggregator:
      return "AS4_AGGREGATOR";
    case attr_type::kLargeCommunities:
      return "LARGE_COMMUNITIES";
    default:
      return fmt::format("type {}", type);
  }
}

PathAttributes decode_path_attributes(ByteSpan field, const Options& options,
                                      std::vector<AttributeProblem>& problems) {
  using namespace update_subcode;
  PathAttributes attrs;
  std::bitset<256> seen;
  ByteReader r(field);
  while (!r.empty()) {
    std::size_t start = r.position();
    // RFC 4271 §4.3: Attribute Flags (1), Type Code (1), Length (1, or 2 with Extended Length).
    std::uint8_t flags = r.u8();
    std::uint8_t type = r.u8();
    std::size_t len = (flags & attr_flag::kExtendedLength) ? r.u16() : r.u8();
    ByteSpan value = r.bytes(len);
    if (!r.ok()) {
      // RFC 7606 §4: the attribute runs past the field, or too few octets remain for an
      // attribute header. Treat-as-withdraw; the NLRI is still found through the Total Path
      // Attribute Length.
      problems.push_back(
          {type,
           flags,
           ProblemKind::kOverrun,
           kMalformedAttributeList,
           {},
           fmt::format("{} overruns the path attributes field", attribute_name(type))});
      break;
    }
    ByteSpan tlv = field.subspan(start, r.position() - start);
    Bytes data(tlv.begin(), tlv.end());
    if (seen[type]) {
      // RFC 7606 §3 (g): every occurrence after the first is discarded (a duplicate MP_REACH or
      // MP_UNREACH is judged by validate_update()).
      problems.push_back({type, flags, ProblemKind::kDuplicate, kMalformedAttributeList,
                          std::move(data), attribute_name(type) + " appears more than once"});
      continue;
    }
    seen[type] = true;
    auto expected = expected_flags(type);
    if (!expected) {
      if (!(flags & attr_flag::kOptional)) {
        // RFC 4271 §6.3: Unrecognized Well-known Attribute, data = the attribute.
        problems.push_back({type, flags, ProblemKind::kUnrecognizedWellKnown,
                            kUnrecognizedWellKnownAttribute, std::move(data),
                            fmt::format("unrecognized well-known attribute {}", type)});
        continue;
      }
      attrs.unknown.push_back(
          {static_cast<std::uint8_t>(flags & kFlagMask), type, Bytes(value.begin(), value.end())});
      continue;
    }
    // RFC 7606 §3 (c): only the Optional and Transitive bits are compared.
    if ((flags & 0xc0) != (*expected & 0xc0)) {
      problems.push_back({type, flags, ProblemKind::kFlags, kAttributeFlagsError, std::move(data),
                          fmt::format("{} with flags {:#04x}", attribute_name(type), flags)});
      continue;
    }
    if (auto failure = decode_known(type, value, options, attrs)) {
      // RFC 4271 §6.3: Malformed AS_PATH has no data; the others carry the attribute.
      if (failure->subcode == kMalformedAsPath) data.clear();
      problems.push_back({type, flags, ProblemKind::kMalformed, failure->subcode, std::move(data),
                          std::move(failure->reason)});
    }
  }
  // Canonical order, as the encoder writes them, so decode(encode(x)) == x.
  std::stable_sort(attrs.unknown.begin(), attrs.unknown.end(),
                   [](const RawAttribute& x, const RawAttribute& y) { return x.type < y.type; });
  return attrs;
}

void encode_path_attributes(ByteWriter& w, const PathAttributes& a, const Options& options) {
  // Written straight into `w` in ascending type code (RFC 4271 §5 recommends it), the
  // unrecognized attributes merged in by type: this runs for every UPDATE sent.
  std::vector<const RawAttribute*> unknown;
  unknown.reserve(a.unknown.size());
  for (const auto& u : a.unknown) unknown.push_back(&u);
  std::stable_sort(unknown.begin(), unknown.end(),
                   [](const RawAttribute* x, const RawAttribute* y) { return x->type < y->type; });
  std::size_t next_unknown = 0;
  // One attribute: flags, type, length, value. The length takes one octet, or two with the
  // Extended Length flag once the value is longer than 255 octets (§4.3).
  auto write = [&](std::uint8_t flags, std::uint8_t type, auto&& fill) {
    std::size_t flags_at = w.size();
    w.u8(flags);
    w.u8(type);
    std::size_t length_at = w.placeholder_u8();
    fill();
    std::size_t length = w.size() - length_at - 1;
    if (length > 255) {
      w.insert_zeros(length_at, 1);
      w.patch_u16(length_at, static_cast<std::uint16_t>(length));
      w.patch_u8(flags_at, static_cast<std::uint8_t>(flags | attr_flag::kExtendedLength));
    } else {
      w.patch_u8(length_at, static_cast<std::uint8_t>(length));
    }
  };
  auto unknown_before = [&](unsigned type) {
    for (; next_unknown < unknown.size() && unknown[next_unknown]->type < type; ++next_unknown) {
      const RawAttribute& u = *unknown[next_unknown];
      write(static_cast<std::uint8_t>(u.flags & kFlagMask), u.type, [&] { w.bytes(u.value); });
    }
  };
  auto add = [&](std::uint8_t type, auto&& fill) {
    unknown_before(type);
    write(*expected_flags(type), type, fill);
  };
  if (a.origin) add(attr_type::kOrigin, [&] { w.u8(static_cast<std::uint8_t>(*a.origin)); });
  if (a.as_path)
    add(attr_type::kAsPath, [&] { encode_as_path(w, *a.as_path, options.four_octet_as); });
  if (a.next_hop) add(attr_type::kNextHop, [&] { write_address(w, *a.next_hop); });
  if (a.med) add(attr_type::kMultiExitDisc, [&] { w.u32(*a.med); });
  if (a.local_pref) add(attr_type::kLocalPref, [&] { w.u32(*a.local_pref); });
  if (a.atomic_aggregate) add(attr_type::kAtomicAggregate, [] {});
  if (a.aggregator) {
    add(attr_type::kAggregator, [&] {
      if (options.four_octet_as) {
        w.u32(a.aggregator->asn);
      } else {
        // RFC 6793 §4.2.2: AS_TRANS for a non-mappable aggregator AS.
        w.u16(
            static_cast<std::uint16_t>(a.aggregator->asn > 0xffff ? kAsTrans : a.aggregator->asn));
      }
      write_address(w, a.aggregator->address);
    });
  }
  if (a.communities) {
    add(attr_type::kCommunities, [&] {
      for (auto c : *a.communities) w.u32(c);
    });
  }
  if (a.originator_id) add(attr_type::kOriginatorId, [&] { w.u32(*a.originator_id); });
  if (a.cluster_list) {
    add(attr_type::kClusterList, [&] {
      for (auto c : *a.cluster_list) w.u32(c);
    });
  }
  if (a.mp_reach) {
    add(attr_type::kMpReachNlri, [&] {
      const MpReach& mp = *a.mp_reach;
      w.u16(static_cast<std::uint16_t>(mp.afi_safi.afi));
      w.u8(static_cast<std::uint8_t>(mp.afi_safi.safi));
      if (is_unicast(mp.afi_safi)) {
        std::size_t len_at = w.placeholder_u8();
        std::size_t start = w.size();
        if (mp.next_hop) write_address(w, *mp.next_hop);
        if (mp.link_local_next_hop) write_address(w, *mp.link_local_next_hop);
        w.patch_u8(len_at, static_cast<std::uint8_t>(w.size() - start));
        w.u8(0);  // Reserved
        encode_prefixes(w, mp.nlri);
      } else {
        w.u8(static_cast<std::uint8_t>(mp.opaque_next_hop.size()));
        w.bytes(mp.opaque_next_hop);
        w.u8(0);
        w.bytes(mp.opaque_nlri);
      }
    });
  }
  if (a.mp_unreach) {
    add(attr_type::kMpUnreachNlri, [&] {
      const MpUnreach& mp = *a.mp_unreach;
      w.u16(static_cast<std::uint16_t>(mp.afi_safi.afi));
      w.u8(static_cast<std::uint8_t>(mp.afi_safi.safi));
      if (is_unicast(mp.afi_safi)) {
        encode_prefixes(w, mp.withdrawn);
      } else {
        w.bytes(mp.opaque_withdrawn);
      }
    });
  }
  if (a.as4_path) add(attr_type::kAs4Path, [&] { encode_as_path(w, *a.as4_path, true); });
  if (a.as4_aggregator) {
    add(attr_type::kAs4Aggregator, [&] {
      w.u32(a.as4_aggregator->asn);
      write_address(w, a.as4_aggregator->address);
    });
  }
  if (a.large_communities) {
    add(attr_type::kLargeCommunities, [&] {
      for (const auto& c : *a.large_communities) {
        w.u32(c.global_admin);
        w.u32(c.local_data1);
        w.u32(c.local_data2);
      }
    });
  }
  unknown_before(256);
}

std::optional<RawAttribute> for_propagation(const RawAttribute& attr) {
  // RFC 4271 §5: unrecognized optional non-transitive attributes are not passed on;
  // unrecognized optional transitive ones are, with the Partial bit set.
  if (!(attr.flags & attr_flag::kOptional) || !(attr.flags & attr_flag::kTransitive)) {
    return std::nullopt;
  }
  RawAttribute out = attr;
  out.flags |= attr_flag::kPartial;
  return out;
}

void prepare_unknown_for_propagation(PathAttributes& attrs) {
  std::vector<RawAttribute> kept;
  for (const auto& u : attrs.unknown)
    if (auto p = for_propagation(u)) kept.push_back(std::move(*p));
  attrs.unknown = std::move(kept);
}

std::optional<std::vector<Prefix>> decode_prefixes(ByteSpan field, Family family) {
  const std::size_t max_bits = family == Family::kIpv4 ? 32 : 128;
  std::vector<Prefix> out;
  // Counted first (a length octet each, then the octets it says): one allocation of the exact
  // size, not a growth series, for every UPDATE received.
  std::size_t count = 0;
  for (std::size_t at = 0; at < field.size(); at += 1 + (field[at] + 7u) / 8u) ++count;
  out.reserve(count);
  ByteReader r(field);
  while (!r.empty()) {
    // RFC 4271 §4.3: Length (1) in bits, then the minimum number of octets holding the prefix.
    std::uint8_t len = r.u8();
    if (len > max_bits) return std::nullopt;
    ByteSpan bytes = r.bytes((len + 7u) / 8u);
    if (!r.ok()) return std::nullopt;
    std::array<std::uint8_t, 16> o{};
    std::copy(bytes.begin(), bytes.end(), o.begin());
    IpAddress a =
        family == Family::kIpv4 ? IpAddress::v4({o[0], o[1], o[2], o[3]}) : IpAddress::v6(o);
    out.emplace_back(a, len);
  }
  return out;
}

void encode_prefixes(ByteWriter& w, const std::vector<Prefix>& prefixes) {
  for (const auto& p : prefixes) {
    w.u8(p.length());
    w.bytes(ByteSpan(p.address().octets().data(), (p.length() + 7u) / 8u));
  }
}

}  // namespace vipd::bgp::wire
