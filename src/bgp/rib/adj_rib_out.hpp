// Adj-RIB-Out (RFC 4271 §3.2, §9.1.3) of one neighbor. It is computed, not stored: what the
// neighbor holds is, per prefix, the export of the Loc-RIB best path (export.hpp) through the
// neighbor's outbound policy. Storing it would cost a table per neighbor (FRR keeps one; BIRD
// does not unless `export table` is set); computing it costs one export evaluation per distinct
// attribute set and source per batch of changes, which a cache makes cheap. Changes become
// packed UPDATEs (update_packer.hpp) handed to a sink: the neighbor's TCP stream.
#pragma once

#include <functional>
#include <span>
#include <unordered_map>
#include <vector>

#include "bgp/rib/attribute_store.hpp"
#include "bgp/rib/export.hpp"
#include "bgp/rib/loc_rib.hpp"
#include "bgp/rib/update_packer.hpp"

namespace vipd::bgp::rib {

struct AdjRibOutSetup {
  ExportTarget target;
  ExportContext context;
  // Outbound per-prefix policy (`neighbor A prefix-list NAME out`, RFC 8212): true to send.
  // Empty: everything is permitted.
  std::function<bool(wire::AfiSafi, const Prefix&)> permit;
  // Outbound per-path policy after the export rules (`neighbor A route-map NAME out`): may change
  // `exported`, what export_path() made for the Loc-RIB path `selected` from `from`; false:
  // nothing is sent. Its results depend on the prefix, so they are not cached. Empty: none.
  using Shape =
      std::function<bool(wire::AfiSafi, const Prefix&, const wire::PathAttributes& selected,
                         const ExportPeer& from, wire::PathAttributes& exported)>;
  Shape shape;
  std::vector<wire::AfiSafi> families;  // negotiated (RFC 4760)
};

class AdjRibOut {
 public:
  // The export facts of the neighbor a Loc-RIB path came from; nullptr if it is gone.
  using SourceLookup = std::function<const ExportPeer*(PeerId, wire::AfiSafi)>;

  // `oversize`: a prefix withdrawn because its UPDATE does not fit (UpdatePacker::announce()).
  AdjRibOut(AdjRibOutSetup setup, wire::Options options, AttributeStore& store,
            SourceLookup sources, UpdatePacker::Sink sink, UpdatePacker::Oversize oversize = {});

  // Loc-RIB changes (in order); sends what they change for this neighbor.
  void apply(std::span<const Change> changes);
  // apply() in slices: take() each slice in order, then finish() once. UPDATEs are packed
  // across slices as by one apply().
  void take(std::span<const Change> changes);
  void finish();
  // Sends the whole table of `family` (session start, RFC 4271 §9.1.3; ROUTE-REFRESH, RFC 2918
  // §4), grouping prefixes by attributes.
  void announce_all(const LocRib& rib, wire::AfiSafi family);
  // Replaces the setup (policy or role change, FRR's automatic soft-out): withdraws what the old
  // setup sent and the new one does not, announces what is new or different.
  void resync(const LocRib& rib, AdjRibOutSetup next);

  const AdjRibOutSetup& setup() const { return setup_; }
  bool carries(wire::AfiSafi family) const;
  // Prefixes currently advertised (FRR's PfxSnt), messages sent.
  std::size_t advertised() const { return advertised_; }
  std::size_t messages() const { return packer_.messages(); }

 private:
  struct CacheKey {
    const AdjRibOutSetup* setup;
    const wire::PathAttributes* attrs;
    PeerId source;
    wire::AfiSafi family;
    bool operator==(const CacheKey&) const = default;
  };
  struct CacheHash {
    std::size_t operator()(const CacheKey& k) const {
      return std::hash<const void*>()(k.attrs) ^ (std::size_t{k.source} << 1) ^
             (static_cast<std::size_t>(k.family.afi) << 20) ^ std::hash<const void*>()(k.setup);
    }
  };
  // What this neighbor is sent for `path`: the interned export attributes, or an empty AttrRef
  // when nothing is sent.
  AttrRef exported(const AdjRibOutSetup& setup, wire::AfiSafi family, const Prefix& prefix,
                   const SelectedPath& path);
  // Whether the neighbor was sent something for `path` (no attributes built). True for a source
  // that is gone: a withdrawal for a route the neighbor never got is harmless (RFC 4271 §9.1.3
  // lets it ignore it); a missed one is not.
  bool was_exported(const AdjRibOutSetup& setup, wire::AfiSafi family, const Prefix& prefix,
                    const SelectedPath& path) const;
  // `unchanged`: the new export is known to equal the old one (same path, same attributes).
  void send(wire::AfiSafi family, const Prefix& prefix, bool before, const AttrRef& after,
            bool unchanged);
  void clear_cache();

  AdjRibOutSetup setup_;
  AttributeStore& store_;
  SourceLookup sources_;
  UpdatePacker packer_;
  std::unordered_map<CacheKey, AttrRef, CacheHash> cache_;
  std::size_t advertised_ = 0;
};

}  // namespace vipd::bgp::rib
