// The BGP module of vipd: owns the neighbors of the running configuration, listens for their
// connections, applies configuration changes live (reload, vipctl) and answers the BGP `show`
// and `clear` commands.
#pragma once

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ip/v6_only.hpp>

#include <array>
#include <functional>
#include <map>
#include <memory>
#include <optional>

#include "bgp/config/model.hpp"
#include "bgp/peer/peer.hpp"
#include "bgp/rib/adj_rib_out.hpp"
#include "bgp/rib/attribute_store.hpp"
#include "bgp/rib/loc_rib.hpp"
#include "control/cli.hpp"
#include "event/clock.hpp"
#include "netlink/fib.hpp"
#include "netlink/interface_view.hpp"

namespace vipd::bgp {

struct SpeakerOptions {
  std::uint16_t listen_port = 179;  // FRR `bgpd -p`; tests use other ports
  bool listen = true;
};

class Speaker : private peer::RouteObserver {
 public:
  Speaker(asio::io_context& io, event::Clock& clock, SpeakerOptions options);
  ~Speaker();
  Speaker(const Speaker&) = delete;
  Speaker& operator=(const Speaker&) = delete;

  // Makes the kernel FIB backend (the daemon: an opened NetlinkFib). Used while the running
  // configuration lacks FRR's global `bgp no-rib`; without a factory, or with `bgp no-rib`, the
  // best paths go to a NullFib (nothing is installed). Set before the first apply().
  using FibFactory = std::function<Result<std::unique_ptr<netlink::Fib>, std::string>()>;
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
  // flushed by the io_context's remaining work.
  void shutdown(const std::string& message);

  // `show ip bgp summary`, `show ip bgp neighbors`, `clear ip bgp`, ... into the exec node.
  void install_commands(control::CommandTree& tree);

  // Read access for the show commands.
  const std::map<IpAddress, std::unique_ptr<peer::Peer>>& peers() const { return peers_; }
  std::uint32_t router_id() const { return router_id_; }
  std::uint32_t local_as() const;
  const rib::LocRib& loc_rib() const { return loc_rib_; }
  // The FIB the best paths are written to (never null).
  netlink::Fib& fib() const { return *fib_; }
  // The neighbor a Loc-RIB path came from (nullptr once it is gone, and for kLocalPeer).
  const peer::Peer* peer_of(rib::PeerId id) const;
  // The Loc-RIB's pseudo-peer for the routes of `network` statements.
  static constexpr rib::PeerId kLocalPeer = 0;
  // Prefixes accepted from (after inbound policy) and advertised to a neighbor.
  std::size_t accepted(const peer::Peer& p, wire::AfiSafi family) const;
  std::size_t advertised(const peer::Peer& p, wire::AfiSafi family) const;
  // The export rules' view of the neighbor with this id (propagation.cpp); nullptr if gone.
  const rib::ExportPeer* export_peer(rib::PeerId id, wire::AfiSafi family) const;

 private:
  class Listener;
  peer::PeerSettings settings_for(const config::RouterBgp& bgp,
                                  const config::NeighborConfig& n) const;
  Status<std::string> open_listeners();
  void update_listener_keys();
  void on_accept(asio::ip::tcp::socket socket);
  void remove_all(std::uint8_t cease_subcode, const std::string& message = {});
  rib::DecisionOptions decision_options(const config::RouterBgp& bgp) const;
  rib::PeerId id_of(const peer::Peer& p);
  // The neighbor is going away: its paths leave the Loc-RIB and its id is free again.
  void forget(const peer::Peer& p);
  void publish();
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

  // Route propagation (propagation.cpp).
  struct ExportKey;  // what an Adj-RIB-Out's behaviour depends on, comparable
  struct ImportKey;  // likewise for inbound policy
  struct Routing;    // per established neighbor: its Adj-RIB-Outs and policy keys
  ExportKey export_key(const peer::Peer& p, wire::AfiSafi family) const;
  std::optional<rib::ExportPeer> make_export_peer(rib::PeerId id, wire::AfiSafi family) const;
  void refresh_export_peers();
  ImportKey import_key(const peer::Peer& p, wire::AfiSafi family) const;
  rib::AdjRibOutSetup export_setup(const ExportKey& key) const;
  void start_routing(peer::Peer& p);
  // Re-applies policies and roles after a configuration change (FRR's automatic soft
  // reconfiguration, in and out).
  void update_routing();
  // Imports prefixes from a neighbor through its inbound policy into the Loc-RIB.
  void import(peer::Peer& p, rib::PeerId id, wire::AfiSafi family, std::span<const Prefix> prefixes,
              const rib::AttrRef& attrs, const ImportKey& policy);
  void reimport(peer::Peer& p, wire::AfiSafi family, const ImportKey& policy);
  void check_prefix_limit(peer::Peer& p, wire::AfiSafi family);
  // The routes of `network` statements in the Loc-RIB.
  void sync_networks();

  // peer::RouteObserver: the neighbors' accepted routes feed the Loc-RIB.
  void session_up(peer::Peer& p) override;
  void session_down(peer::Peer& p) override;
  void routes_withdrawn(peer::Peer& p, wire::AfiSafi family,
                        std::span<const Prefix> prefixes) override;
  void routes_announced(peer::Peer& p, wire::AfiSafi family, std::span<const Prefix> prefixes,
                        const rib::AttrRef& attributes) override;
  void refresh_requested(peer::Peer& p, wire::AfiSafi family) override;

  asio::io_context& io_;
  event::Clock& clock_;
  SpeakerOptions options_;
  config::BgpConfig running_;
  std::uint32_t router_id_ = 0;
  std::map<IpAddress, std::unique_ptr<peer::Peer>> peers_;
  std::vector<std::unique_ptr<Listener>> listeners_;
  std::map<IpAddress, std::string> listener_keys_;  // TCP MD5 keys set on the listeners
  rib::AttributeStore attributes_;
  rib::LocRib loc_rib_;
  std::map<const peer::Peer*, rib::PeerId> peer_ids_;
  std::vector<const peer::Peer*> peers_by_id_{nullptr};  // index: PeerId; nullptr when free
  std::map<const peer::Peer*, std::unique_ptr<Routing>> routing_;
  std::vector<std::pair<config::AddressFamily, Prefix>> originated_;  // `network` routes
  // export_peer() answers from here: [PeerId][IPv4, IPv6].
  std::vector<std::array<std::optional<rib::ExportPeer>, 2>> export_peers_;
  bool publish_posted_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  netlink::InterfaceView* interfaces_ = nullptr;
  netlink::InterfaceView::Subscription interface_changes_;
  bool interfaces_check_posted_ = false;
  FibFactory kernel_fib_;
  std::unique_ptr<netlink::Fib> fib_;
  bool fib_is_kernel_ = false;
};

// The router ID FRR would pick without `bgp router-id`: the highest IPv4 address of an
// interface that is up, preferring the addresses of loopback interfaces other than 127/8; 0 if
// there is none.
std::uint32_t pick_router_id(const netlink::InterfaceView& interfaces);

}  // namespace vipd::bgp
