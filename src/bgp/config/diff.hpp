// What a running daemon must do when its configuration changes (reload, or a command in the
// shell): the difference between two BgpConfigs, in terms of actions on sessions and routes.
#pragma once

#include <string>
#include <vector>

#include "bgp/config/model.hpp"

namespace vipd::bgp::config {

struct NeighborChange {
  IpAddress address;
  // Changed settings by command keyword ("remote-as", "password", "description", ...).
  std::vector<std::string> changed;
  // The session must be torn down and re-established for the change to take effect (what is
  // negotiated in OPEN or bound to the TCP connection changed).
  bool reset = false;
  // `shutdown` was toggled: stop (with the RFC 9003 message) or start the session. Takes
  // precedence over `reset`.
  bool shutdown_changed = false;
  // Timers (hold, keepalive, connect) changed: used at the next session start, as FRR does.
  bool timers_changed = false;
  bool operator==(const NeighborChange&) const = default;
};

struct NetworkChange {
  AddressFamily af;
  Prefix prefix;
  bool operator==(const NetworkChange&) const = default;
};

struct ConfigDiff {
  bool instance_added = false;
  bool instance_removed = false;
  bool asn_changed = false;        // every session restarts
  bool router_id_changed = false;  // every session restarts
  bool timers_changed = false;     // `timers bgp`: used at the next session start
  // maximum-paths of some family or a best-path option: rerun best path selection
  bool multipath_changed = false;
  bool log_changed = false;     // hostname, log destinations or levels
  bool no_rib_changed = false;  // `bgp no-rib` toggled: install or remove the kernel routes
  // The `bfd` node changed (profiles or peers): the BFD module updates its sessions. A
  // neighbor's `bfd` line is a NeighborChange ("bfd") that resets nothing.
  bool bfd_changed = false;
  std::vector<IpAddress> neighbors_added;
  std::vector<IpAddress> neighbors_removed;
  std::vector<NeighborChange> neighbors_changed;
  std::vector<NetworkChange> networks_added;
  std::vector<NetworkChange> networks_removed;
  // `redistribute`, `table-map`, `network … route-map` or `bgp network import-check` changed:
  // the speaker recomputes what it originates and installs (nothing resets).
  bool origination_changed = false;

  bool resets_all_sessions() const { return asn_changed || router_id_changed; }
  bool empty() const;
};

// When an instance is added (removed), all its neighbors and networks are listed as added
// (removed) too, so a caller can handle every case with the same lists.
ConfigDiff diff(const BgpConfig& before, const BgpConfig& after);

}  // namespace vipd::bgp::config
