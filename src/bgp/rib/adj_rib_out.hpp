// Adj-RIB-Out (RFC 4271 §3.2, §9.1.3) of one neighbor. It is computed, not stored: what the
// neighbor holds is, per prefix, the export of the Loc-RIB best path (export.hpp) through the
// neighbor's outbound policy. Storing it would cost a table per neighbor (FRR keeps one; BIRD
// does not unless `export table` is set); computing it costs one export evaluation per distinct
// attribute set and source per batch of changes, which a cache makes cheap, and that evaluation
// is shared by the neighbors of one update group (export_group.hpp). Changes become packed
// UPDATEs (update_packer.hpp) handed to a sink: the neighbor's TCP stream.
//
// Flow control (issue 15, D1): UPDATEs are generated only while the connection takes them
// (set_flow()). While it does not, a changed prefix is only marked pending, once however often it
// changes, with whether the neighbor holds a route for it; and a table walk (session start,
// ROUTE-REFRESH) keeps its place. pump() continues both when the connection has drained, from
// the Loc-RIB as it is then: a neighbor that stops reading costs at most one mark per prefix and
// one walk per family, never a queue of UPDATEs (FRR and BIRD work the same way).
#pragma once

#include <array>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "bgp/rib/attribute_store.hpp"
#include "bgp/rib/export.hpp"
#include "bgp/rib/export_group.hpp"
#include "bgp/rib/export_verdicts.hpp"
#include "bgp/rib/loc_rib.hpp"
#include "bgp/rib/prefix_table.hpp"
#include "bgp/rib/update_packer.hpp"

namespace vipd::bgp::rib {

// 0.0.0.0/0 or ::/0, the prefix of `neighbor A default-originate` (set_default_route()).
Prefix default_prefix(wire::AfiSafi family);

class AdjRibOut {
 public:
  using SourceLookup = rib::SourceLookup;

  // Whether the connection takes more UPDATEs now; the End-of-RIB marker of a family.
  using Ready = std::function<bool()>;
  using EndOfRib = std::function<void(wire::AfiSafi)>;

  // `oversize`: a prefix withdrawn because its UPDATE does not fit (UpdatePacker::announce()).
  // `group`: the update group whose evaluation this neighbor shares (export_group.hpp); none:
  // one of its own, made from `setup`.
  AdjRibOut(AdjRibOutSetup setup, wire::Options options, AttributeStore& store,
            SourceLookup sources, UpdatePacker::Sink sink, UpdatePacker::Oversize oversize = {},
            std::shared_ptr<ExportGroup> group = {});
  ~AdjRibOut();
  AdjRibOut(const AdjRibOut&) = delete;
  AdjRibOut& operator=(const AdjRibOut&) = delete;

  // `ready` false: hold back (see above) until pump(). `end_of_rib` runs when a walk of
  // announce_all() is complete (RFC 4724 §2). Without them everything is sent at once.
  void set_flow(Ready ready, EndOfRib end_of_rib);
  // The connection drained: sends the pending prefixes, then continues the table walks, while
  // it takes more.
  void pump(const LocRib& rib);

  // Loc-RIB changes (in order); sends what they change for this neighbor.
  void apply(std::span<const Change> changes);
  // apply() in slices: take() each slice in order, then finish() once. UPDATEs are packed
  // across slices as by one apply().
  void take(std::span<const Change> changes);
  void finish();
  // Sends the whole table of `family` (session start, RFC 4271 §9.1.3; ROUTE-REFRESH, RFC 2918
  // §4), grouping prefixes by attributes, then calls end_of_rib. A walk of the table that has to
  // wait for the connection keeps a list of the table's prefixes (8 octets per IPv4 prefix, 24
  // per IPv6) and its place. A second request while a walk waits to start costs nothing; one
  // while it is under way makes it start over once when it ends (coalesced however many come).
  void announce_all(const LocRib& rib, wire::AfiSafi family);
  // Replaces the setup (policy or role change, FRR's automatic soft-out) and the update group
  // (none: one of its own): withdraws what the old setup sent and the new one does not,
  // announces what is new or different.
  void resync(const LocRib& rib, AdjRibOutSetup next, std::shared_ptr<ExportGroup> group = {});

  // `neighbor A default-originate` (FRR's subgroup_default_originate()): `attributes`, the
  // Loc-RIB-like path of a default route originated for this neighbor alone, replaces what the
  // Loc-RIB selects for 0.0.0.0/0 (::/0) in `family` and goes out without the outbound policy
  // (FRR sends it with bgp_packet_attribute() alone); the export rules still make its next hop,
  // AS_PATH and LOCAL_PREF. Empty: no such route, the Loc-RIB's default goes out again where
  // the policy permits it. Sends what changes; before the first table walk it only records it
  // (the walk sends it).
  void set_default_route(const LocRib& rib, wire::AfiSafi family, AttrRef attributes);
  const AttrRef& default_route(wire::AfiSafi family) const { return default_route_[index(family)]; }

  // The export facts of the sources (SourceLookup's answers) changed: what was cached from them
  // is forgotten.
  void sources_changed();
  // Keeps the outbound map's verdicts of the neighbor's group in `shared`, the table of the
  // speaker's groups (export_verdicts.hpp), rather than in a table of its own.
  void share_verdicts(std::shared_ptr<ExportVerdicts> shared);

  const AdjRibOutSetup& setup() const { return setup_; }
  // What the neighbor is sent for `prefix` from the Loc-RIB as it is (`show ip bgp neighbors A
  // advertised-routes`): the export of the best path, or an empty AttrRef when nothing is.
  AttrRef current(const LocRib& rib, wire::AfiSafi family, const Prefix& prefix);
  bool carries(wire::AfiSafi family) const;
  // Prefixes currently advertised (FRR's PfxSnt), messages sent.
  std::size_t advertised() const { return advertised_; }
  std::size_t messages() const { return packer_.messages(); }
  // Prefixes waiting for the connection, and whether a table walk of `family` is under way.
  std::size_t pending() const { return pending_v4_.table.size() + pending_v6_.table.size(); }
  bool walking(wire::AfiSafi family) const { return walks_[index(family)].active; }

 private:
  // Prefixes to send when the connection drains, each with whether the neighbor holds a route
  // for it now (a withdrawal is due if the Loc-RIB has none then).
  template <typename Key>
  struct Pending {
    PrefixTable<Key, bool> table;
    std::size_t cursor = 0;  // of the sweep in pump()
  };
  // A walk of the table of one family: its prefixes when it started, and how far it got.
  struct Walk {
    bool active = false;
    bool again = false;    // requested again while under way: start over when done
    bool counted = false;  // the first walk (session start) counts what it announces
    bool started = false;  // there was a walk before
    std::vector<V4Key> v4;
    std::vector<V6Key> v6;
    std::size_t next = 0;
    std::size_t size() const { return v4.size() + v6.size(); }
  };
  // Prefixes of one family grouped by export attributes, so that UPDATEs are full; bounded so
  // that the bytes one batch adds to the connection stay small next to the output limits.
  struct Batch {
    static constexpr std::size_t kMaxPrefixes = 4096;
    static constexpr std::size_t kMaxGroups = 16;
    std::vector<Prefix> withdrawals;
    std::vector<std::pair<AttrRef, std::vector<Prefix>>> groups;
    std::size_t prefixes = 0;
    bool full() const { return prefixes >= kMaxPrefixes || groups.size() >= kMaxGroups; }
    void announce(const AttrRef& attrs, const Prefix& prefix);
    void withdraw(const Prefix& prefix) {
      ++prefixes;
      withdrawals.push_back(prefix);
    }
  };
  static std::size_t index(wire::AfiSafi family) { return family == wire::kIpv4Unicast ? 0 : 1; }

  bool ready();
  // Whether `prefix` is the default route this neighbor gets originated (set_default_route()).
  bool overridden(wire::AfiSafi family, const Prefix& prefix) const {
    return prefix.length() == 0 && default_route_[index(family)];
  }
  // The originated default as `setup` exports it (empty when the export rules refuse it).
  AttrRef export_default(const AdjRibOutSetup& setup, wire::AfiSafi family);
  // What the neighbor is sent for `prefix` now: the originated default, or the export of the
  // Loc-RIB's best path (empty: nothing).
  AttrRef export_now(const LocRib& rib, wire::AfiSafi family, const Prefix& prefix);
  bool is_pending(const Prefix& prefix) const;
  void add_pending(const Prefix& prefix, bool before);
  // One batch of pending prefixes of a family; false when there are none.
  template <typename Key>
  bool drain_pending(const LocRib& rib, Pending<Key>& pending, wire::AfiSafi family);
  // One batch of a walk; false when there is none.
  bool step_walk(const LocRib& rib, wire::AfiSafi family);
  void start_walk(const LocRib& rib, wire::AfiSafi family);
  void emit(wire::AfiSafi family, Batch& batch);

  // What this neighbor is sent for `path` under `setup` and its group `group`: the interned
  // export attributes, or an empty AttrRef when nothing is sent. `answers`: the group's
  // answers for the change being taken (ExportGroup::answers()).
  AttrRef exported(const AdjRibOutSetup& setup, ExportGroup& group, wire::AfiSafi family,
                   const Prefix& prefix, const SelectedPath& path,
                   ExportGroup::Answers* answers = nullptr);
  // Whether the neighbor was sent something for `path` (no attributes built). True for a source
  // that is gone: a withdrawal for a route the neighbor never got is harmless (RFC 4271 §9.1.3
  // lets it ignore it); a missed one is not.
  bool was_exported(const AdjRibOutSetup& setup, ExportGroup& group, wire::AfiSafi family,
                    const Prefix& prefix, const SelectedPath& path,
                    ExportGroup::Answers* answers = nullptr);
  // A route another module originates (`from.origin`): its attributes depend on the prefix
  // and on who the receiver is, so it is exported per neighbor, never cached; there are few.
  AttrRef export_originated(const AdjRibOutSetup& setup, wire::AfiSafi family, const Prefix& prefix,
                            const SelectedPath& path, const ExportPeer& from);
  // `unchanged`: the new export is known to equal the old one (same path, same attributes).
  void send(wire::AfiSafi family, const Prefix& prefix, bool before, const AttrRef& after,
            bool unchanged);

  AdjRibOutSetup setup_;
  AttributeStore& store_;
  SourceLookup sources_;
  UpdatePacker packer_;
  std::shared_ptr<ExportGroup> group_;
  std::size_t advertised_ = 0;
  Ready ready_;
  EndOfRib end_of_rib_;
  bool ready_known_ = false;  // ready_ said yes and nothing was sent since
  bool pumping_ = false;
  Pending<V4Key> pending_v4_;
  Pending<V6Key> pending_v6_;
  std::array<Walk, 2> walks_;  // IPv4, IPv6 unicast
  // The originated defaults (IPv4, IPv6) and their export under setup_.
  std::array<AttrRef, 2> default_route_;
  std::array<AttrRef, 2> default_export_;
};

}  // namespace vipd::bgp::rib
