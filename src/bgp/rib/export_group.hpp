// The outbound evaluation of an update group: neighbors whose export rules and outbound policy
// give every path the same result, but for the receiver-identity rules (split horizon, RFC 4456
// §8's originator check) each member applies for itself (FRR's update groups, bgp_updgrp.c; see
// docs/architecture.md). A route server's clients share one group when they share a policy, so
// the export rules and the outbound route map run once per path for all of them rather than
// once per client, and the cost of a change no longer grows with the neighbors' number but with
// the groups'.
//
// The group knows nothing of its members: each AdjRibOut asks it, and keeps its own flow
// control, pending marks, table walks and UPDATE packing (the encoding is per member, as
// members' connections drain at their own pace; FRR shares encoded packets, and holds fast
// members back to the slowest).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

#include "bgp/rib/attribute_store.hpp"
#include "bgp/rib/export.hpp"
#include "bgp/rib/export_verdicts.hpp"
#include "bgp/rib/loc_rib.hpp"
#include "bgp/rib/prefix_table.hpp"

namespace vipd::bgp::rib {

struct AdjRibOutSetup {
  ExportTarget target;
  ExportContext context;
  // Outbound per-prefix policy (`neighbor A prefix-list NAME out`, RFC 8212): true to send.
  // Empty: everything is permitted.
  std::function<bool(wire::AfiSafi, const Prefix&)> permit;
  // Outbound per-path policy after the export rules (`neighbor A route-map NAME out`): may change
  // `exported`, what export_path() made for the Loc-RIB path `selected` from `from`; false:
  // nothing is sent. Empty: none.
  using Shape =
      std::function<bool(wire::AfiSafi, const Prefix&, const wire::PathAttributes& selected,
                         const ExportPeer& from, wire::PathAttributes& exported)>;
  Shape shape;
  // What of the prefix `shape` reads (policy::PrefixClasses::classify()): shape answers alike
  // for two prefixes of one family and class given the same path and source, so its result is
  // cached per (attribute set, source, class). Empty: shape runs for every prefix.
  std::function<std::uint64_t(wire::AfiSafi, const Prefix&)> shape_class;
  std::vector<wire::AfiSafi> families;  // negotiated (RFC 4760)
};

// The export facts of the neighbor a Loc-RIB path came from; nullptr if it is gone.
using SourceLookup = std::function<const ExportPeer*(PeerId, wire::AfiSafi)>;

// `setup`'s outbound map on `out`, the export rules' result for the Loc-RIB path `selected`
// from `from`: `out` when the map leaves it as it is, else the interned result; empty when the
// map denies.
AttrRef apply_outbound_map(AttributeStore& store, const AdjRibOutSetup& setup, wire::AfiSafi family,
                           const Prefix& prefix, const wire::PathAttributes& selected,
                           const ExportPeer& from, const AttrRef& out);

// A receiver no neighbor is: the target of a group's setup, so that the receiver-identity rules
// never fire in the group (each member applies them, export_excluded()).
inline constexpr PeerId kGroupTarget = 0xFFFF;

class ExportGroup {
 public:
  // `setup`'s target is the group's: kGroupTarget, or one neighbor's when the policy reads who
  // the receiver is (then the group has that neighbor alone).
  ExportGroup(AdjRibOutSetup setup, AttributeStore& store);
  ~ExportGroup();
  ExportGroup(const ExportGroup&) = delete;
  ExportGroup& operator=(const ExportGroup&) = delete;

  const AdjRibOutSetup& setup() const { return setup_; }

  // What a member is sent for `path` from the learned (not originated) source `from`, the
  // prefix filter passed and the receiver-identity rules left to the member: the interned
  // export attributes, or an empty AttrRef when nothing is sent.
  AttrRef exported(wire::AfiSafi family, const Prefix& prefix, const SelectedPath& path,
                   const ExportPeer& from);
  // Whether exported() is something (no attributes built when the verdict is known).
  bool was_exported(wire::AfiSafi family, const Prefix& prefix, const SelectedPath& path,
                    const ExportPeer& from);

  // The answers for one change of a slice of Loc-RIB changes, kept while the members take the
  // slice in turn (Speaker::publish()): the second member of a group asks a table lookup.
  struct Answers {
    std::int8_t before = -1;  // was_exported(previous_best): -1 not asked yet
    bool after_known = false;
    AttrRef after;  // exported(paths.front())
  };
  Answers& answers(std::span<const Change> slice, std::size_t index);

  // The batch of changes is done: the per-batch caches go.
  void end_batch();
  // The export facts of the sources changed: what was cached from them is forgotten.
  void sources_changed();
  // Keeps the outbound map's verdicts in `shared`, the table of the speaker's groups
  // (export_verdicts.hpp), rather than in a table of its own.
  void share_verdicts(std::shared_ptr<ExportVerdicts> shared);

 private:
  // An export result per batch: of the export rules alone (`shaped` false), or after a map
  // that cannot be kept in the verdict table, for prefixes of class `prefix_class`.
  struct CacheKey {
    std::uint64_t attrs;  // AttrRef::serial() of the Loc-RIB path's attributes
    PeerId source;
    wire::AfiSafi family;
    std::uint64_t prefix_class;
    bool shaped;
    bool operator==(const CacheKey&) const = default;
  };
  struct CacheHash {
    std::size_t operator()(const CacheKey& k) const {
      std::uint64_t h = k.attrs * 0x9e3779b97f4a7c15ULL;
      h ^= (std::uint64_t{k.source} << 32) ^ (static_cast<std::uint64_t>(k.family.afi) << 24) ^
           (k.prefix_class * 0xbf58476d1ce4e5b9ULL) ^ std::uint64_t{k.shaped};
      return static_cast<std::size_t>(h ^ (h >> 29));
    }
  };
  static std::size_t index(wire::AfiSafi family) { return family == wire::kIpv4Unicast ? 0 : 1; }

  // exported() with the outbound map, given the path's key in the verdict table (verdict_key()).
  AttrRef exported(wire::AfiSafi family, const Prefix& prefix, const SelectedPath& path,
                   const ExportPeer& from, const std::optional<ExportVerdicts::Key>& kept);
  // The export rules' result (cached per batch), no outbound map.
  AttrRef export_rules(wire::AfiSafi family, const SelectedPath& path, const ExportPeer& from);
  // The verdict table's key for `path`, for a setup whose map can be kept there; nullopt
  // without a slot.
  std::optional<ExportVerdicts::Key> verdict_key(wire::AfiSafi family, const Prefix& prefix,
                                                 const SelectedPath& path) const;
  void clear_cache();
  void forget_verdicts();

  AdjRibOutSetup setup_;
  AttributeStore& store_;
  std::unordered_map<CacheKey, AttrRef, CacheHash> cache_;  // per batch of changes
  // The verdicts of setup_'s map, in a table shared with the speaker's other groups
  // (share_verdicts()) or this group's own.
  std::shared_ptr<ExportVerdicts> verdicts_ = std::make_shared<ExportVerdicts>();
  std::optional<unsigned> slot_ = verdicts_->join();
  // What the map made of the paths it changed (most pass a route server's map unchanged, and
  // those are sent as the export rules made them: no copy is kept).
  PrefixTable<ExportVerdicts::Key, AttrRef> mapped_;
  // The slice the answers are for, by address and size (valid until end_batch()).
  const Change* slice_ = nullptr;
  std::size_t slice_size_ = 0;
  std::vector<Answers> answers_;
};

}  // namespace vipd::bgp::rib
