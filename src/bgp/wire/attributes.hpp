// UPDATE path attributes (RFC 4271 §4.3, §5), each as a typed field. Decoding never stops at
// the first bad attribute: problems are recorded (see AttributeProblem) and judged later by
// validate_update() (RFC 7606).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bgp/wire/constants.hpp"
#include "bgp/wire/error.hpp"
#include "common/boxed.hpp"
#include "common/bytes.hpp"
#include "common/ip.hpp"

namespace vipd::bgp::wire {

// RFC 4271 §5.1.1.
enum class Origin : std::uint8_t { kIgp = 0, kEgp = 1, kIncomplete = 2 };

// RFC 4271 §4.3 (AS_SET, AS_SEQUENCE), RFC 5065 §3 (confederation segments).
enum class SegmentType : std::uint8_t {
  kAsSet = 1,
  kAsSequence = 2,
  kConfedSequence = 3,
  kConfedSet = 4,
};

struct AsSegment {
  SegmentType type = SegmentType::kAsSequence;
  std::vector<std::uint32_t> asns;  // never empty on the wire (RFC 7606 §7.2)
  bool operator==(const AsSegment&) const = default;
};

struct AsPath {
  std::vector<AsSegment> segments;
  bool operator==(const AsPath&) const = default;
  // RFC 4271 §9.1.2.2 (a): AS_SET counts 1, confederation segments 0 (RFC 5065 §5.3).
  std::size_t length() const;
  bool has_confed_segments() const;
  bool empty() const { return segments.empty(); }
};

// RFC 4271 §5.1.7 AGGREGATOR / RFC 6793 AS4_AGGREGATOR.
struct Aggregator {
  std::uint32_t asn = 0;
  IpAddress address;  // IPv4
  bool operator==(const Aggregator&) const = default;
};

// RFC 8092 §3.
struct LargeCommunity {
  std::uint32_t global_admin = 0;
  std::uint32_t local_data1 = 0;
  std::uint32_t local_data2 = 0;
  auto operator<=>(const LargeCommunity&) const = default;
  bool operator==(const LargeCommunity&) const = default;
};

// RFC 4760 §3. For IPv4/IPv6 unicast the next hop(s) and NLRI are parsed; for any other
// AFI/SAFI they are carried opaque so the attribute can be shown and re-encoded.
struct MpReach {
  AfiSafi afi_safi;
  // Unicast families: the next hop, and for IPv6 the optional link-local second address
  // (RFC 2545 §3, next hop length 32).
  std::optional<IpAddress> next_hop;
  std::optional<IpAddress> link_local_next_hop;
  std::vector<Prefix> nlri;
  // Other families.
  Bytes opaque_next_hop;
  Bytes opaque_nlri;
  bool operator==(const MpReach&) const = default;
};

// RFC 4760 §4.
struct MpUnreach {
  AfiSafi afi_safi;
  std::vector<Prefix> withdrawn;  // unicast families
  Bytes opaque_withdrawn;         // other families
  bool operator==(const MpUnreach&) const = default;
};

// An attribute this codec does not interpret, with its flags (Extended Length removed: the
// encoder chooses it).
struct RawAttribute {
  std::uint8_t flags = 0;
  std::uint8_t type = 0;
  Bytes value;
  bool operator==(const RawAttribute&) const = default;
};

struct PathAttributes {
  std::optional<Origin> origin;
  std::optional<AsPath> as_path;
  std::optional<IpAddress> next_hop;  // IPv4 NEXT_HOP
  std::optional<std::uint32_t> med;
  std::optional<std::uint32_t> local_pref;
  bool atomic_aggregate = false;
  // The attributes most routes lack are Boxed (common/boxed.hpp): a pointer each instead of
  // their whole room inline, in every one of the interned sets (232 bytes a set instead of 496).
  Boxed<Aggregator> aggregator;
  std::optional<std::vector<std::uint32_t>> communities;  // RFC 1997
  std::optional<std::uint32_t> originator_id;             // RFC 4456
  Boxed<std::vector<std::uint32_t>> cluster_list;         // RFC 4456
  Boxed<MpReach> mp_reach;
  Boxed<MpUnreach> mp_unreach;
  Boxed<AsPath> as4_path;                                        // RFC 6793
  Boxed<Aggregator> as4_aggregator;                              // RFC 6793
  std::optional<std::vector<LargeCommunity>> large_communities;  // RFC 8092
  std::vector<RawAttribute> unknown;                             // sorted by type on encode
  // Not an attribute: FRR's attr->weight (`neighbor A weight`, `set weight`), local to this
  // router and never encoded; unset: the default (rib::weight_of()).
  std::optional<std::uint32_t> weight;

  bool operator==(const PathAttributes&) const = default;
  bool has(std::uint8_t type) const;
  // Removes the attribute of this type (attribute-discard, RFC 7606 §2).
  void discard(std::uint8_t type);
};

// What was wrong with one attribute as received. The attribute itself is left out of
// PathAttributes (except for duplicates, where the first occurrence is kept).
enum class ProblemKind : std::uint8_t {
  kFlags,                  // Optional/Transitive bits conflict with the type (RFC 7606 §3 (c))
  kMalformed,              // bad length or value (RFC 7606 §7.x)
  kOverrun,                // runs past the path attributes field (RFC 7606 §4)
  kDuplicate,              // second occurrence (RFC 7606 §3 (g))
  kUnrecognizedWellKnown,  // unknown type without the Optional bit (RFC 4271 §6.3)
};

struct AttributeProblem {
  std::uint8_t type = 0;
  std::uint8_t flags = 0;
  ProblemKind kind = ProblemKind::kMalformed;
  // RFC 4271 §6.3 subcode and data for a NOTIFICATION about this attribute.
  std::uint8_t subcode = update_subcode::kMalformedAttributeList;
  Bytes data;
  std::string reason;
  bool operator==(const AttributeProblem&) const = default;
};

// Standard flags for a known attribute type (Optional/Transitive as RFC 4271 §5 and the
// defining RFCs specify); nullopt for types this codec does not know.
std::optional<std::uint8_t> expected_flags(std::uint8_t type);
// "ORIGIN", "AS_PATH", ... or "type N".
std::string attribute_name(std::uint8_t type);

// Decodes the Path Attributes field. Never fails: problems are appended to `problems`.
PathAttributes decode_path_attributes(ByteSpan field, const Options& options,
                                      std::vector<AttributeProblem>& problems);
// Canonical encoding: attributes in type-code order, Extended Length only when the value is
// longer than 255 octets. AS numbers above 65535 become AS_TRANS when !options.four_octet_as
// (use prepare_for_two_octet_peer() from as4.hpp first to keep the real path in AS4_PATH).
void encode_path_attributes(ByteWriter& w, const PathAttributes& attrs, const Options& options);

// RFC 4271 §5 / §9.1.4: the form in which an unrecognized attribute is passed on. Optional
// transitive: kept with the Partial bit set. Optional non-transitive: nullopt (not passed on).
std::optional<RawAttribute> for_propagation(const RawAttribute& attr);
// Applies for_propagation() to every unknown attribute.
void prepare_unknown_for_propagation(PathAttributes& attrs);

// IPv4/IPv6 prefixes in the RFC 4271 §4.3 length+prefix form. nullopt if a length is too long
// for the family or a prefix overruns the field.
std::optional<std::vector<Prefix>> decode_prefixes(ByteSpan field, Family family);
void encode_prefixes(ByteWriter& w, const std::vector<Prefix>& prefixes);

}  // namespace vipd::bgp::wire
