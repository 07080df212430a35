// Loc-RIB (RFC 4271 §3.2, §9.1): per address family, every prefix with the paths the peers
// offer for it (one per peer, interned attributes), the best path and the multipath set chosen
// by the decision process (decision.hpp). The single owner of the table (DESIGN principle 3):
// routes come in through update()/withdraw(), and what changed is queued as Change records that
// the FIB and Adj-RIB-Out owners drain; the Loc-RIB calls nobody.
#pragma once

#include <algorithm>
#include <array>
#include <functional>
#include <map>
#include <optional>
#include <vector>

#include "bgp/rib/attribute_store.hpp"
#include "bgp/rib/decision.hpp"
#include "bgp/rib/path_list.hpp"
#include "bgp/rib/prefix_table.hpp"
#include "common/ip.hpp"

namespace vipd::bgp::rib {

// One path of a selection, as handed to the FIB and Adj-RIB-Out owners.
struct SelectedPath {
  PeerId peer = 0;
  AttrRef attrs;
  bool operator==(const SelectedPath&) const = default;
};

// The selected paths of a prefix, contiguous, best first. Nearly always one (no multipath), held
// inline then: a full table makes a million Changes per phase, and a heap array each was the
// largest allocation cost of propagation.
class SelectedPaths {
 public:
  std::size_t size() const { return many_.empty() ? (one_ ? 1 : 0) : many_.size(); }
  bool empty() const { return size() == 0; }
  SelectedPath* data() { return many_.empty() ? (one_ ? &*one_ : nullptr) : many_.data(); }
  const SelectedPath* data() const {
    return many_.empty() ? (one_ ? &*one_ : nullptr) : many_.data();
  }
  SelectedPath* begin() { return data(); }
  SelectedPath* end() { return data() + size(); }
  const SelectedPath* begin() const { return data(); }
  const SelectedPath* end() const { return data() + size(); }
  SelectedPath& front() { return *data(); }
  const SelectedPath& front() const { return *data(); }
  SelectedPath& operator[](std::size_t i) { return data()[i]; }
  const SelectedPath& operator[](std::size_t i) const { return data()[i]; }
  void push_back(SelectedPath path) {
    if (empty()) {
      one_ = std::move(path);
      return;
    }
    if (one_) {
      many_.push_back(std::move(*one_));
      one_.reset();
    }
    many_.push_back(std::move(path));
  }
  void clear() {
    one_.reset();
    many_.clear();
  }
  friend bool operator==(const SelectedPaths& a, const SelectedPaths& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
  }

 private:
  std::optional<SelectedPath> one_;  // the only one, if only one
  std::vector<SelectedPath> many_;   // all of them, if more
};

// What changed for one prefix: the new best path and multipaths (best first, then the other
// multipaths in arrival order), or its removal (no usable path is left). Queued only when the
// set of selected paths or the attributes of one of them changed.
struct Change {
  wire::AfiSafi family;
  Prefix prefix;
  bool removed = false;
  SelectedPaths paths;  // empty when removed
  // The best path before this change, if there was one. The Adj-RIB-Out is computed from the
  // Loc-RIB rather than stored (as BIRD without an export table): what a peer was sent is what
  // the export rules made of this path, so a withdrawal is sent only if that was something.
  std::optional<SelectedPath> previous_best;
};

class LocRib {
 public:
  // RFC 4271 §9.1.2.1: the IGP cost to a next hop, nullopt when it is unreachable (the path is
  // then not a candidate). `connected_only`: the path comes from a single-hop eBGP neighbor
  // (PeerInfo::single_hop), whose next hops must be on a connected network. Without a resolver
  // every next hop is reachable at cost 0; paths of the local pseudo-peer (`network`) are never
  // resolved.
  using NextHopResolver =
      std::function<std::optional<std::uint32_t>(const IpAddress& next_hop, bool connected_only)>;

  explicit LocRib(DecisionOptions options = {}, NextHopResolver resolver = {});

  // A new resolver, or none (the kernel FIB started or stopped tracking links): every path is
  // validated again and the decision re-run for every prefix (a full scan, once).
  void set_resolver(NextHopResolver resolver);
  bool has_resolver() const { return static_cast<bool>(resolver_); }

  // Facts about a peer; set before its first route. Changing them re-runs the decision for the
  // peer's prefixes (router-id after a reconnect, for example).
  void set_peer(PeerId peer, const PeerInfo& info);
  const PeerInfo* peer(PeerId peer) const;

  // Adds or replaces (implicit withdraw, RFC 4271 §3.1) the peer's path to `prefix`. False for
  // families other than IPv4/IPv6 unicast or an unknown peer.
  bool update(wire::AfiSafi family, const Prefix& prefix, PeerId peer, AttrRef attrs);
  // True if the peer had a path to `prefix`.
  bool withdraw(wire::AfiSafi family, const Prefix& prefix, PeerId peer);
  // Every path of the peer, in every family (RFC 4271 §8.2.2: session down). Returns how many.
  std::size_t withdraw_peer(PeerId peer);

  // New options (configuration change): the decision is re-run for every prefix.
  void set_options(const DecisionOptions& options);
  const DecisionOptions& options() const { return options_; }
  // Next-hop reachability or IGP costs changed (a link, an address, a kernel route): asks the
  // resolver again for every next hop in use, and re-validates and re-decides only the prefixes
  // with a path over a next hop whose answer changed (the next-hop index below), not the whole
  // table. Returns how many prefixes were decided again.
  std::size_t revalidate();

  // A next hop in use by the paths of one family, with the resolver's last answers.
  struct NextHopState {
    wire::AfiSafi family;
    IpAddress address;
    std::size_t paths = 0;                   // paths using it
    std::size_t single_hop_paths = 0;        // of them, from single-hop eBGP neighbors
    std::optional<std::uint32_t> cost;       // for iBGP and multihop eBGP paths
    std::optional<std::uint32_t> connected;  // for single-hop eBGP paths (connected only)
  };
  // Every tracked next hop, in family and address order (`show ip bgp nexthop`). Empty without
  // a resolver.
  std::vector<NextHopState> next_hops() const;

  // The changes queued since the last call, in order.
  std::vector<Change> drain_changes() { return std::exchange(changes_, {}); }
  // The same into `into` (cleared: its room is reused for the next batch, as publishing a full
  // table takes several hundred batches).
  void drain_changes(std::vector<Change>& into) {
    into.clear();
    std::swap(into, changes_);
  }
  std::size_t pending_changes() const { return changes_.size(); }

  const PathList* find(wire::AfiSafi family, const Prefix& prefix) const;
  // The best path followed by the other multipaths, as a Change would carry them.
  SelectedPaths selected(wire::AfiSafi family, const Prefix& prefix) const;
  std::size_t prefix_count(wire::AfiSafi family) const;
  std::size_t path_count(wire::AfiSafi family) const;
  // Paths of one peer (FRR's accepted prefix count for `maximum-prefix` and PfxRcd).
  std::size_t paths_of(PeerId peer, wire::AfiSafi family) const;
  // Bytes held by the prefix tables and the path arrays (not counting interned attributes).
  std::size_t memory_bytes() const;

  template <typename Fn>  // fn(const Prefix&, const PathList&)
  void for_each(wire::AfiSafi family, Fn&& fn) const {
    if (family == wire::kIpv4Unicast)
      v4_.for_each([&](const V4Key& k, const PathList& l) { fn(k.prefix(), l); });
    else if (family == wire::kIpv6Unicast)
      v6_.for_each([&](const V6Key& k, const PathList& l) { fn(k.prefix(), l); });
  }

 private:
  PathList* lookup(wire::AfiSafi family, const Prefix& prefix);
  PathList* insert(wire::AfiSafi family, const Prefix& prefix);
  void erase(wire::AfiSafi family, const Prefix& prefix);
  // RFC 4271 §9.1.2.1 / §9.1.2: whether the path may be a candidate, and its IGP cost.
  void validate(wire::AfiSafi family, Path& path);
  // Runs the decision process for one prefix and queues a Change if the selection moved.
  void decide(wire::AfiSafi family, const Prefix& prefix, PathList& list);
  void debug_bestpath(const Prefix& prefix) const;
  // The current selection of `list` (best first, then the other multipaths in list order).
  static void collect(const PathList& list, SelectedPaths& out);
  template <typename Table>
  std::size_t withdraw_peer_in(Table& table, wire::AfiSafi family, PeerId peer);
  template <typename Table>
  void rerun_in(Table& table, wire::AfiSafi family, bool validate_paths,
                std::optional<PeerId> only);
  // Re-validates (optionally) and re-decides every prefix, or only those with a path of `only`.
  void rerun(bool validate_paths, std::optional<PeerId> only);

  DecisionOptions options_;
  DecisionOptions options_v6_;  // options_ with the IPv6 maximum-paths (see DecisionOptions)
  static DecisionOptions for_v6(DecisionOptions options);
  NextHopResolver resolver_;
  std::vector<std::optional<PeerInfo>> peers_;  // indexed by PeerId
  PrefixTable<V4Key, PathList> v4_;
  PrefixTable<V6Key, PathList> v6_;
  std::vector<std::array<std::size_t, 2>> peer_paths_;  // [PeerId][IPv4, IPv6]
  std::size_t& peer_paths(PeerId peer, wire::AfiSafi family);
  std::size_t v4_paths_ = 0;
  std::size_t v6_paths_ = 0;
  std::vector<Change> changes_;
  std::vector<Candidate> scratch_;  // reused by decide()
  std::vector<std::size_t> scratch_index_;
  SelectedPaths before_;  // selection before the current change
  SelectedPaths after_;

  // The next-hop index (RFC 4271 §9.1.2.1 re-evaluation), kept only with a resolver: every next
  // hop of the peers' paths, its answers, and the prefixes with a path using it. A prefix is
  // appended when a path over the next hop arrives and not removed when it leaves (a withdrawal
  // stays cheap); entries that no longer use the next hop are dropped when they outnumber the
  // paths, and the entry goes with its last path.
  struct NextHopKey {
    std::uint8_t family = 0;  // 0 IPv4 unicast, 1 IPv6 unicast
    IpAddress address;
    auto operator<=>(const NextHopKey&) const = default;
  };
  struct NextHopEntry {
    std::size_t paths = 0;
    std::size_t single_hop_paths = 0;
    std::array<std::optional<std::uint32_t>, 2> cost;  // [recursive, connected only]
    std::vector<V4Key> v4;
    std::vector<V6Key> v6;
  };
  // The key of a path that is resolved (not the local pseudo-peer's, with a next hop).
  std::optional<NextHopKey> key_of(wire::AfiSafi family, const wire::PathAttributes& attrs,
                                   PeerId peer) const;
  NextHopEntry* entry(const NextHopKey& key);
  void track(wire::AfiSafi family, const Prefix& prefix, const Path& path);
  void untrack(wire::AfiSafi family, const wire::PathAttributes& attrs, PeerId peer);
  // Drops the entry's prefixes that have no path over the next hop any more, and duplicates.
  template <typename Key, typename Table>
  void compact(const NextHopKey& key, std::vector<Key>& keys, Table& table);
  template <typename Key, typename Table>
  std::size_t redecide(std::vector<Key>& keys, Table& table, wire::AfiSafi family);
  void rebuild_index();

  std::map<NextHopKey, NextHopEntry> next_hop_index_;
  // The entry of the last lookup: updates arrive in runs with the same attributes.
  std::optional<NextHopKey> last_key_;
  NextHopEntry* last_entry_ = nullptr;
};

}  // namespace vipd::bgp::rib
