// The BGP module of vipd: owns the neighbors of the running configuration, listens for their
// connections, applies configuration changes live (reload, vipctl) and answers the BGP `show`
// and `clear` commands.
#pragma once

#include <array>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "bgp/api.hpp"
#include "bgp/config/model.hpp"
#include "bgp/config/prefix_matcher.hpp"
#include "bgp/fib_routes.hpp"
#include "bgp/martian.hpp"
#include "bgp/origination.hpp"
#include "bgp/peer/peer.hpp"
#include "bgp/peer/transport.hpp"
#include "bgp/prefix_classifier.hpp"
#include "bgp/rib/adj_rib_out.hpp"
#include "bgp/rib/attribute_store.hpp"
#include "bgp/rib/loc_rib.hpp"
#include "control/cli.hpp"
#include "event/clock.hpp"
#include "fib/fib.hpp"
#include "netlink/interface_view.hpp"

namespace vipd::bgp {

struct SpeakerOptions {
  std::uint16_t listen_port = 179;  // FRR `bgpd -p`; tests use other ports
  bool listen = true;
  // Draws the RFC 4271 §10 jitter factors (0.75..1) of every session's timers; empty: random.
  // Tests on the SimClock give a seeded one, so that runs repeat exactly.
  fsm::Jitter jitter = {};
  // Flow control of every neighbor's output (issue 15, D1); tests use small ones.
  peer::OutputLimits output_limits = {};
};

class Speaker : private peer::RouteObserver {
  struct Routing;  // per established neighbor: its Adj-RIB-Outs and policy keys (propagation.hpp)

 public:
  // One configured neighbor and everything the speaker keeps for it, so that a neighbor's state
  // is found with one lookup and goes away with it.
  struct Neighbor {
    std::unique_ptr<peer::Peer> peer;
    // Its Loc-RIB pseudo-peer while it holds one; 0 (kLocalPeer, never a neighbor's): none.
    rib::PeerId id = 0;
    std::unique_ptr<Routing> routing;  // while established
    // Routes ignored for a martian next hop (martian.hpp), and whether that was logged (once per
    // neighbor: a peer that keeps sending them must not fill the log).
    std::uint64_t martian_next_hops = 0;
    bool martian_logged = false;
    // A dynamic neighbor (`bgp listen range`): its effective configuration, made from its
    // group when its connection was accepted (speaker_dynamic.cpp); null for configured ones.
    std::unique_ptr<config::NeighborConfig> dynamic;
  };

  // Sessions are made and accepted through `transport` (the daemon: peer::AsioTransport).
  Speaker(event::Clock& clock, peer::Transport& transport, SpeakerOptions options);
  ~Speaker();
  Speaker(const Speaker&) = delete;
  Speaker& operator=(const Speaker&) = delete;

  // The daemon's kernel route table (fib/fib.hpp: one writer of the kernel's routes, shared by
  // every module that installs routes), opened by the factory on first use. Used while the
  // running configuration lacks FRR's global `bgp no-rib`; the speaker feeds it its best paths
  // as source kBgp and withdraws them (withdraw_all) when it stops or `bgp no-rib` is set.
  // Without a factory, or with `bgp no-rib`, the best paths go to the speaker's own NullFib
  // (nothing is installed). Set before the first apply().
  using FibFactory = std::function<Result<fib::Fib*, std::string>()>;
  void set_kernel_fib(FibFactory factory) { kernel_fib_ = std::move(factory); }

  // The daemon's view of links and addresses (netlink/interface_view.hpp), which outlives the
  // speaker. Without `bgp router-id` the router-id is picked from it (pick_router_id()), and
  // picked again when its addresses change, as FRR does; a session's local facts (the other
  // family's address of its interface, the subnets shared with the neighbor: RFC 4271 §5.1.3,
  // RFC 2545 §2) come from it. Without a view (unit tests) nothing is known about the
  // interfaces: the router-id is 0 unless configured and a session knows only its own local
  // address. Set before the first apply().
  void set_interfaces(netlink::InterfaceView* view);

  // Makes `next` the running configuration, changing only what differs (config::diff): new
  // neighbors start, removed ones get Cease/Peer De-configured, changed ones are reset when the
  // change needs it. Returns an error (and changes nothing) if it cannot be applied, e.g. the
  // listening socket cannot be opened.
  Status<std::string> apply(const config::BgpConfig& next);
  const config::BgpConfig& running() const { return running_; }

  // Deletes the routes installed in the kernel, then Cease / Administrative Shutdown (RFC 4486,
  // with the RFC 9003 message) to every neighbor and stops listening. The NOTIFICATIONs are
  // flushed by the event loop's remaining work.
  void shutdown(const std::string& message);

  // `show ip bgp summary`, `show ip bgp neighbors`, `clear ip bgp`, ... into the exec node.
  void install_commands(control::CommandTree& tree);

  // Dynamic neighbors now, and the most `bgp listen limit` allows.
  std::size_t dynamic_neighbors() const { return dynamic_count_; }
  std::size_t dynamic_limit() const;
  // The configuration of a neighbor, configured or dynamic (nullptr: unknown).
  const config::NeighborConfig* neighbor_config(const IpAddress& address) const {
    return configured(address);
  }
  // Read access for the show commands: the neighbors by address (configured and dynamic).
  const std::map<IpAddress, Neighbor>& neighbors() const { return neighbors_; }
  std::uint32_t router_id() const { return router_id_; }
  std::uint32_t local_as() const;
  const rib::LocRib& loc_rib() const { return loc_rib_; }
  // The route table the best paths are written to, as source fib::Source::kBgp (never null).
  fib::Fib& fib() const { return *fib_; }
  // The neighbor a Loc-RIB path came from (nullptr once it is gone, and for kLocalPeer).
  const peer::Peer* peer_of(rib::PeerId id) const;
  // The Loc-RIB's pseudo-peer for the routes of `network` statements.
  static constexpr rib::PeerId kLocalPeer = 0;
  // The pseudo-peer of redistributed routes (`redistribute`): FRR keeps them apart from
  // `network` routes of the same prefix (bgp_path_info sub_type REDISTRIBUTE vs STATIC).
  static constexpr rib::PeerId kRedistributedPeer = 1;
  // Route origination for the daemon's other modules (origination.hpp); `source` names the
  // module. Replaces the source's route for the prefix (no advertisement: withdraws it).
  void originate(const std::string& source, OriginatedRoute route);
  void withdraw_originated(const std::string& source, const Prefix& prefix);
  // Withdraws every route of the source (its module stops or reloads without them).
  void withdraw_source(const std::string& source);
  // Liveness input (BFD): the daemon learned that the neighbor is dead; its session goes down
  // now with Cease/`cease_subcode` (RFC 9384: 10, BFD Down) and restarts as after any automatic
  // stop. False: no such neighbor, or no session to take down.
  bool neighbor_down(const IpAddress& address, std::uint8_t cease_subcode,
                     const std::string& reason);
  // FRR's `clear bgp A soft [in|out]` (peer_clear_soft()) for one family of the neighbor at
  // `address` (speaker_clear.cpp). `in` re-applies the inbound policy to what the neighbor sent:
  // from its Adj-RIB-In with `soft-reconfiguration inbound`, else by asking it for its routes
  // again (ROUTE-REFRESH, RFC 2918); `out` sends its Adj-RIB-Out again, then End-of-RIB, as
  // for a ROUTE-REFRESH it sent us. A session that is not established, or did not negotiate the
  // family, is left alone (kSkipped), as FRR does.
  enum class SoftClear : std::uint8_t { kDone, kSkipped, kNoSuchNeighbor, kCannotRefresh };
  SoftClear clear_soft(const IpAddress& address, wire::AfiSafi family, bool in, bool out);
  // The source whose pseudo-peer has this id; nullptr for neighbors and `network` routes.
  const OriginationSource* origination_source(rib::PeerId id) const;
  // A local pseudo-peer: `network` routes (kLocalPeer) or another module's (weight 32768).
  bool is_local(rib::PeerId id) const {
    return id == kLocalPeer || id == kRedistributedPeer || source_ids_.contains(id);
  }
  // Prefixes accepted from (after inbound policy) and advertised to a neighbor.
  std::size_t accepted(const peer::Peer& p, wire::AfiSafi family) const;
  std::size_t advertised(const peer::Peer& p, wire::AfiSafi family) const;
  // Routes of the neighbor ignored for a martian or own next hop (martian.hpp).
  std::uint64_t martian_next_hops(const peer::Peer& p) const {
    const Neighbor* n = neighbor_of(p);
    return n ? n->martian_next_hops : 0;
  }
  // The export rules' view of the neighbor with this id (propagation.cpp); nullptr if gone.
  const rib::ExportPeer* export_peer(rib::PeerId id, wire::AfiSafi family) const;

 private:
  peer::PeerSettings settings_for(const config::RouterBgp& bgp,
                                  const config::NeighborConfig& n) const;
  Status<std::string> open_listeners();
  void update_listener_keys();
  void on_accept(std::unique_ptr<peer::Connection> connection);
  // Dynamic neighbors (speaker_dynamic.cpp, FRR's peer_lookup_dynamic_neighbor()): one for an
  // accepted connection from an address of a listen range, or nullptr (refused: out of range,
  // at the limit, group shut down or active in no family).
  Neighbor* add_dynamic(const IpAddress& address);
  // Deletes it (its connection is gone: FRR deletes a dynamic peer when its session stops).
  void remove_dynamic(std::map<IpAddress, Neighbor>::iterator it, const std::string& reason);
  // apply(): a dynamic neighbor goes when its range or group goes or a configured neighbor
  // takes its address; the others take their group's new options.
  bool keep_dynamic(const config::RouterBgp& bgp, const IpAddress& address) const;
  void update_dynamic(const config::RouterBgp& bgp);
  peer::PeerSettings dynamic_settings(const config::RouterBgp& bgp,
                                      const config::NeighborConfig& n) const;
  std::unique_ptr<peer::Peer> make_peer(const peer::PeerSettings& settings);
  void remove_all(std::uint8_t cease_subcode, const std::string& message = {});
  rib::DecisionOptions decision_options(const config::RouterBgp& bgp) const;
  // What the Loc-RIB knows of an established neighbor (its session and configured options).
  rib::PeerInfo peer_info(const peer::Peer& p) const;
  // The record of the neighbor whose session `p` is (the RouteObserver callbacks name the
  // session); nullptr if it is not configured.
  Neighbor* neighbor_of(const peer::Peer& p);
  const Neighbor* neighbor_of(const peer::Peer& p) const;
  // The neighbor's Loc-RIB id, allocated on first use.
  rib::PeerId id_of(Neighbor& n);
  // The neighbor is going away: its paths leave the Loc-RIB and its id is free again.
  void forget(Neighbor& n);
  void publish();
  // publish()'s last batch of changes, empty: its room is reused batch after batch.
  std::vector<rib::Change> publishing_;
  // The changes as BGP's routes of the route table (fib_routes.hpp), written there.
  void install(std::span<const rib::Change> changes);
  // FRR's `distance bgp 20 200 200` for the route whose best path came from `id`.
  std::uint8_t distance_of(rib::PeerId id) const;
  // publish() once the current burst of received UPDATEs has been taken in.
  void publish_soon();
  // Chooses the FIB backend for `no_rib` (see set_kernel_fib()); a new backend gets
  // the whole Loc-RIB and the old one deletes what it installed.
  Status<std::string> select_fib(bool no_rib);
  // RFC 4271 §9.1.2.1: the Loc-RIB resolves next hops over the FIB's view of links, addresses
  // and kernel routes while the FIB tracks them; otherwise every next hop is reachable (`bgp
  // no-rib`, the NullFib of tests, or no link monitor).
  void track_next_hops();
  // The FIB's view changed: the prefixes over next hops that resolve differently now are
  // decided again and the changes go out.
  void next_hops_changed();
  // The view's addresses or links changed: without `bgp router-id`, a new pick resets the
  // sessions (RFC 4486 §4, Other Configuration Change), as FRR's router-id update does.
  void interfaces_changed();
  // `show ip route`, `show ipv6 route` (show_route.cpp).
  void install_route_commands(control::CommandTree& tree);
  // `show ip bgp neighbors A received-routes|advertised-routes [json]` (show_adj.cpp).
  void install_adj_route_commands(control::CommandTree& tree);
  // `clear ip bgp <*|A> [soft [in|out]|in|out]`, `clear bgp [ipv4|ipv6 [unicast]] …`
  // (speaker_clear.cpp).
  void install_clear_commands(control::CommandTree& tree);

  // Route propagation (propagation.cpp).
  struct ExportKey;  // what an Adj-RIB-Out's behaviour depends on, comparable
  struct ImportKey;  // likewise for inbound policy
  ExportKey export_key(const Neighbor& n, wire::AfiSafi family) const;
  std::optional<rib::ExportPeer> make_export_peer(rib::PeerId id, wire::AfiSafi family) const;
  void refresh_export_peers();
  ImportKey import_key(const peer::Peer& p, wire::AfiSafi family) const;
  rib::AdjRibOutSetup export_setup(const ExportKey& key) const;
  static ExportKey group_key(ExportKey key);
  // The update group of a neighbor with export key `key` (rib/export_group.hpp): found or made.
  std::shared_ptr<rib::ExportGroup> export_group(const ExportKey& key);
  // The classifier of route map `map` in `policy` (prefix_classifier.hpp), shared by every
  // neighbor applying it while `policy` is the running snapshot; nullptr if it has none.
  std::shared_ptr<PrefixClassifier> classifier(
      const std::shared_ptr<const config::BgpConfig>& policy, const std::string& map) const;
  void start_routing(Neighbor& n);
  // `neighbor A default-originate` (default_originate.hpp): sets it up (again, when its
  // configuration or the route maps changed) and gives the neighbor's Adj-RIB-Out of family
  // index `i` the default route it is to carry.
  void configure_default_route(Neighbor& n, std::size_t i);
  // The conditional ones follow the Loc-RIB's changes (publish()).
  void update_default_routes(std::span<const rib::Change> changes);
  // Re-applies policies and roles after a configuration change (FRR's automatic soft
  // reconfiguration, in and out).
  void update_routing();
  // Imports prefixes from a neighbor through its inbound policy into the Loc-RIB.
  void import(Neighbor& n, rib::PeerId id, wire::AfiSafi family, std::span<const Prefix> prefixes,
              const rib::AttrRef& attrs, const ImportKey& policy);
  void reimport(Neighbor& n, wire::AfiSafi family, const ImportKey& policy);
  void check_prefix_limit(Neighbor& n, wire::AfiSafi family);
  // The routes of `network` statements in the Loc-RIB.
  void sync_networks();
  // The pseudo-peers of `network` routes and origination sources, as the Loc-RIB knows them
  // (router-id, AS).
  void update_source_peers();
  // A free PeerId (not a neighbor's, not a source's), taken for `n` (nullptr: for a source).
  rib::PeerId allocate_id(Neighbor* n);

  // peer::RouteObserver: the neighbors' accepted routes feed the Loc-RIB.
  void session_up(peer::Peer& p) override;
  void session_down(peer::Peer& p) override;
  void routes_withdrawn(peer::Peer& p, wire::AfiSafi family,
                        std::span<const Prefix> prefixes) override;
  void routes_announced(peer::Peer& p, wire::AfiSafi family, std::span<const Prefix> prefixes,
                        const rib::AttrRef& attributes) override;
  void refresh_requested(peer::Peer& p, wire::AfiSafi family) override;
  void output_ready(peer::Peer& p) override;
  void connection_closed(peer::Peer& p) override;

  event::Clock& clock_;
  peer::Transport& transport_;
  SpeakerOptions options_;
  config::BgpConfig running_;
  // The route maps and the lists they name (running_'s `policy` and `prefix_lists` only), as
  // one shared snapshot: replaced when any of them changes, so that a neighbor's policy key
  // (propagation.hpp) changes with it and the maps are re-applied. Adj-RIB-Outs keep the
  // snapshot they were set up with, to know what they sent.
  std::shared_ptr<const config::BgpConfig> policy_ = std::make_shared<config::BgpConfig>();
  // The outbound maps' verdicts of every update group (rib/export_verdicts.hpp).
  std::shared_ptr<rib::ExportVerdicts> export_verdicts_ = std::make_shared<rib::ExportVerdicts>();
  // The update groups, by their key (ExportKey with the receiver's identity left out): alive
  // while a neighbor's Adj-RIB-Out holds them.
  struct ExportGroupEntry;
  std::vector<ExportGroupEntry> export_groups_;
  // classifier()'s, for policy_ only: made again when it is replaced.
  mutable const config::BgpConfig* classifiers_policy_ = nullptr;
  mutable std::map<std::string, std::shared_ptr<PrefixClassifier>, std::less<>> classifiers_;
  // Indexes of running_, set with it (set_running()): its neighbors by address, and its prefix
  // lists compiled for lookups (issue 15). A list keeps its matcher while its entries do not
  // change, so policy keys compare matchers by pointer instead of lists entry by entry.
  using ListKey = std::pair<config::AddressFamily, std::string>;
  std::unordered_map<IpAddress, const config::NeighborConfig*> configured_;
  std::map<ListKey, std::shared_ptr<const config::PrefixMatcher>> matchers_;
  void set_running(const config::BgpConfig& next);
  const config::NeighborConfig* configured(const IpAddress& address) const;
  std::uint32_t router_id_ = 0;
  // One per address family (IPv6 with V6ONLY, so TCP MD5 keys of IPv4 neighbors go on the
  // IPv4 socket in their own form).
  std::vector<std::pair<Family, std::unique_ptr<peer::Listener>>> listeners_;
  std::map<IpAddress, std::string> listener_keys_;  // TCP MD5 keys set on the listeners
  rib::AttributeStore attributes_;
  rib::LocRib loc_rib_;
  // By address, the configuration's key. Declared after the attribute store and the Loc-RIB:
  // the Adj-RIB-Outs and Adj-RIBs-In go before the store they hold attributes of.
  std::map<IpAddress, Neighbor> neighbors_;
  // Index: PeerId; nullptr when free or an origination source's (source_ids_). Points into
  // neighbors_, whose nodes stay put.
  std::vector<Neighbor*> by_id_{nullptr, nullptr};
  std::vector<std::pair<config::AddressFamily, Prefix>> originated_;  // `network` routes
  std::map<std::string, std::unique_ptr<OriginationSource>, std::less<>> sources_;
  std::map<rib::PeerId, OriginationSource*> source_ids_;
  // export_peer() answers from here: [PeerId][IPv4, IPv6].
  std::vector<std::array<std::optional<rib::ExportPeer>, 2>> export_peers_;
  bool publish_posted_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  netlink::InterfaceView* interfaces_ = nullptr;
  netlink::InterfaceView::Subscription interface_changes_;
  bool interfaces_check_posted_ = false;
  // Next hops no received route may use (RFC 4271 §6.3): rebuilt from the interface view on the
  // first import after an address changed.
  MartianNextHops martians_;
  bool martians_stale_ = true;
  FibFactory kernel_fib_;
  fib::NullFib null_fib_;       // when nothing is installed (tests, `bgp no-rib`)
  fib::Fib* fib_ = &null_fib_;  // null_fib_ or the daemon's table
  bool fib_is_kernel_ = false;
  std::size_t dynamic_count_ = 0;
  // Takes this speaker's routes out of the current table (the shared one keeps the others').
  void leave_fib();

  // What the speaker originates from the kernel's tables and installs there
  // (speaker_redistribution.cpp): `redistribute`, `network … route-map`, `bgp network
  // import-check`, `table-map`.
  // The Loc-RIB path of `network` `prefix`, nullopt when it is not originated (its route map
  // denies it, or the import check finds no route for it).
  std::optional<wire::PathAttributes> network_path(config::AddressFamily af, const Prefix& prefix,
                                                   const std::unordered_set<Prefix>* present);
  // The prefixes import-check finds in the interface view; nullptr when no check applies.
  std::optional<std::unordered_set<Prefix>> import_check_view() const;
  // The redistributed routes of the running configuration in the Loc-RIB, as the view has them.
  void sync_redistribution();
  // The interface view changed: networks and redistributed routes are recomputed once per burst.
  void watch_local_routes();
  void local_routes_changed();
  // The whole Loc-RIB to the FIB again (a new backend, a new table-map).
  void install_all();
  // Our own best paths stay out of the FIB; `table-map` decides on the others.
  FibFilter fib_filter() const;
  // The `table-map` of each family and the policy it was installed with.
  std::array<std::string, 2> installed_table_maps_;
  std::shared_ptr<const config::BgpConfig> installed_policy_;
  std::map<std::pair<config::AddressFamily, Prefix>, rib::AttrRef> redistributed_;
  std::set<std::string> redistribute_noticed_;
  netlink::InterfaceView::Subscription local_route_changes_;
  bool local_routes_posted_ = false;
};

// The router ID FRR would pick without `bgp router-id`: the highest IPv4 address of an
// interface that is up, preferring the addresses of loopback interfaces other than 127/8; 0 if
// there is none.
std::uint32_t pick_router_id(const netlink::InterfaceView& interfaces);

}  // namespace vipd::bgp
