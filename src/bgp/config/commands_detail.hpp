// Shared by the commands_*.cpp files (not a public header).
#pragma once

#include <array>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "bgp/config/commands.hpp"

namespace vipd::bgp::config::detail {

using control::CommandResult;

inline CommandResult ok() {
  return CommandResult::success();
}
// A refusal as vtysh prints it: "% text".
inline CommandResult fail(std::string text) {
  return CommandResult::failure("% " + std::move(text));
}
using control::CommandTree;
using control::Invocation;
using control::Session;

// Positions of a vector's elements by key, so that a file of N lists or neighbors is read in
// O(N): one scan per line made it O(N²) (issue 15). A cache: elements appended since the last
// lookup are indexed then, a position is checked against its element before use, and commands
// that erase elements call clear(). Only for reading a file, where nothing but these commands
// touches the configuration; misses are trusted, so a vector replaced behind its back by one of
// the same size (the shell's candidate on reload) would fool it.
template <typename Key, typename Element>
class PositionIndex {
 public:
  using KeyOf = Key (*)(const Element&);
  explicit PositionIndex(KeyOf key_of) : key_of_(key_of) {}

  Element* find(std::vector<Element>& elements, const Key& key) {
    sync(elements);
    ++lookup_steps();
    auto it = positions_.find(key);
    if (it == positions_.end()) return nullptr;
    if (it->second < elements.size() && key_of_(elements[it->second]) == key)
      return &elements[it->second];
    clear();  // moved by something else than an append: rebuild
    sync(elements);
    it = positions_.find(key);
    return it == positions_.end() ? nullptr : &elements[it->second];
  }
  void clear() {
    positions_.clear();
    owner_ = nullptr;
    indexed_ = 0;
  }

 private:
  void sync(const std::vector<Element>& elements) {
    if (owner_ != &elements || elements.size() < indexed_) clear();
    owner_ = &elements;
    for (; indexed_ < elements.size(); ++indexed_) {
      ++lookup_steps();
      positions_.emplace(key_of_(elements[indexed_]), indexed_);  // the first one wins, as a scan
    }
  }

  KeyOf key_of_;
  std::unordered_map<Key, std::size_t> positions_;
  const std::vector<Element>* owner_ = nullptr;
  std::size_t indexed_ = 0;
};

struct ConfigIndex {
  PositionIndex<std::string, PrefixList> prefix_lists{
      [](const PrefixList& l) { return std::string(1, static_cast<char>(l.af)) + l.name; }};
  PositionIndex<IpAddress, NeighborConfig> neighbors{
      [](const NeighborConfig& n) { return n.address; }};
  std::array<PositionIndex<Prefix, Prefix>, kAddressFamilyCount> networks{
      PositionIndex<Prefix, Prefix>{[](const Prefix& p) { return p; }},
      PositionIndex<Prefix, Prefix>{[](const Prefix& p) { return p; }}};
};

// A `neighbor X <option>` command as peer groups see it (FRR's flags_override bits and
// peer_group2peer_config_copy()).
struct NeighborOption {
  enum class Inherit : std::uint8_t {
    kOverridable,  // members take the group's value unless they set their own (most options)
    kAlways,       // the group's command applies to every member (`activate`, as FRR's)
    kNever,        // the group keeps it for itself (`description`, `port`: per peer in FRR)
  };
  // The option's keyword in override keys (option_key()) and in render.cpp's member filter;
  // two commands that set the same fields share it ("bfd" and "bfd profile").
  std::string keyword;
  bool per_af = false;  // a per address family option (NeighborAfConfig)
  Inherit inherit = Inherit::kOverridable;
  // FRR's af_flags_invert (send-community: on by default): on a member the `no` form is the
  // override and the positive form gives the group's value back (peer_af_flag_modify()).
  bool inverted = false;
  // Copies the option's fields from `from` (the group's template) to `to` (a member).
  std::function<void(const NeighborConfig& from, NeighborConfig& to, AddressFamily af)> copy;
};

// Options whose fields are members of NeighborConfig / NeighborAfConfig.
template <typename... T>
NeighborOption global_option(std::string keyword, T NeighborConfig::*... fields) {
  return {std::move(keyword), false, NeighborOption::Inherit::kOverridable, false,
          [=](const NeighborConfig& from, NeighborConfig& to, AddressFamily) {
            ((to.*fields = from.*fields), ...);
          }};
}
template <typename... T>
NeighborOption af_option(std::string keyword, T NeighborAfConfig::*... fields) {
  return {std::move(keyword), true, NeighborOption::Inherit::kOverridable, false,
          [=](const NeighborConfig& from, NeighborConfig& to, AddressFamily af) {
            ((to.in(af).*fields = from.in(af).*fields), ...);
          }};
}

// What every handler needs: where the configuration lives, and while a file is read the
// indexes of its lists and neighbors (null in the shell: one command at a time may scan).
struct Context {
  std::function<BgpConfig&()> target;
  std::shared_ptr<ConfigIndex> index;
  // Every option installed with on_neighbor(), by keyword: what binding a neighbor to a group
  // copies (commands_peergroup.cpp).
  std::shared_ptr<std::map<std::string, NeighborOption>> options =
      std::make_shared<std::map<std::string, NeighborOption>>();
};
using ContextPtr = std::shared_ptr<const Context>;

// The `router bgp` instance a router-level command applies to, or the error to print: the
// instance may have been removed (or replaced) by another session since this one entered it.
struct RouterLookup {
  RouterBgp* bgp = nullptr;
  CommandResult error;
};
RouterLookup current_router(const Context& ctx, const Session& session);

// The address family of the session: that of `address-family …` when inside one, else IPv4
// unicast (quagga's router-level commands mean IPv4 unicast).
AddressFamily session_family(const Session& session);

// Lookups through ctx.index when there is one, else by a scan.
PrefixList* find_prefix_list(const Context& ctx, BgpConfig& c, AddressFamily af,
                             std::string_view name);
NeighborConfig* find_neighbor(const Context& ctx, RouterBgp& bgp, const IpAddress& address);
Prefix* find_network(const Context& ctx, RouterBgp& bgp, AddressFamily af, const Prefix& prefix);
// After erasing lists or neighbors.
void forget_positions(const Context& ctx);

// Parses a number the grammar has already range-checked.
std::uint32_t number(std::string_view text);

inline constexpr const char* kLogLevels =
    "<emergencies|alerts|critical|errors|warnings|notifications|informational|debugging>";
inline constexpr const char* kPeer = "<A.B.C.D|X:X::X:X>$peer";
// A neighbor or a peer group's name (FRR's NEIGHBOR_ADDR_STR2).
inline constexpr const char* kPeerOrGroup = "<A.B.C.D|X:X::X:X|WORD>$peer";

using NeighborBody =
    std::function<CommandResult(RouterBgp&, NeighborConfig&, const Invocation&, Session&)>;

// THE way to add a `neighbor X <option>` command (`no` with no = true): installs
// `[no ]neighbor X <rest>` in `node`, where X is a configured neighbor or a peer group. `body`
// changes one NeighborConfig; for a group it runs on the group's template and on every member
// that does not override the option (option.inherit), and a member's own setting is recorded as
// an override (its `no` form gives it the group's value back). Like FRR, a neighbor without
// remote-as is refused ("Specify remote-as or peer-group commands first").
void on_neighbor(CommandTree& tree, std::string_view node, std::string_view rest,
                 std::string_view help, const ContextPtr& ctx, const NeighborOption& option,
                 NeighborBody body, bool no = false);
// Gives a member the group's value of every option it does not override (binding; the
// dynamic neighbors of bgp listen range take the group's template as a whole).
void copy_group_options(const Context& ctx, const PeerGroup& group, NeighborConfig& member);
// `neighbor NAME remote-as …` for a group (FRR 8.4's peer_group_remote_as(): every member
// takes it).
CommandResult set_group_remote_as(RouterBgp& bgp, const std::string& name, const RemoteAs& remote);
// `no neighbor NAME [peer-group]`: the group and its members go (FRR's peer_group_delete());
// with `remote_as_only` (`no neighbor NAME remote-as …`) only the group's remote-as and the
// members that had it from the group (FRR 8.4's peer_group_remote_as_delete()).
CommandResult remove_group(const Context& ctx, RouterBgp& bgp, const std::string& name,
                           bool remote_as_only);

void install_global_commands(CommandTree& tree, const ContextPtr& ctx);
void install_router_commands(CommandTree& tree, const ContextPtr& ctx);
void install_neighbor_commands(CommandTree& tree, const ContextPtr& ctx);
void install_policy_commands(CommandTree& tree, const ContextPtr& ctx);
void install_bfd_commands(CommandTree& tree, const ContextPtr& ctx);
void install_routemap_commands(CommandTree& tree, const ContextPtr& ctx);
// commands_debug.cpp, commands_zebra.cpp, commands_scope.cpp: the lines around BGP.
void install_debug_commands(CommandTree& tree, const ContextPtr& ctx);
void install_zebra_commands(CommandTree& tree, const ContextPtr& ctx);
void install_scope_commands(CommandTree& tree, const ContextPtr& ctx);

// What vipd keeps but does not use (commands_global.cpp): stored in `kept` under `key`,
// replacing an earlier line of the same key, and reported back (the file reader logs it once at
// notice level, the shell prints it). The key is the first `key_words` words after any `no`.
CommandResult keep_line(std::vector<KeptLine>& kept, std::string key, std::string text,
                        std::string_view why);
CommandResult forget_line(std::vector<KeptLine>& kept, const std::string& key);
std::string kept_key(const Invocation& inv, std::size_t key_words);

// Installs a router-level command whose handler needs the instance (commands_router.cpp).
void on_router(CommandTree& tree, std::string_view node, std::string_view pattern,
               std::string_view help, const ContextPtr& ctx,
               std::function<CommandResult(RouterBgp&, const Invocation&, Session&)> body);
// `redistribute`, `table-map`, `bgp network import-check` (commands_redistribute.cpp).
void install_redistribute_commands(CommandTree& tree, const ContextPtr& ctx);
// Sets (empty `map`: removes) the route map of `network P route-map NAME`.
void set_network_route_map(AfConfig& af, const Prefix& prefix, const std::string& map);
void install_peergroup_commands(CommandTree& tree, const ContextPtr& ctx);
// The options of FRR 8.4's per-neighbor commands (commands_neighbor_options.cpp).
void install_neighbor_option_commands(CommandTree& tree, const ContextPtr& ctx);

}  // namespace vipd::bgp::config::detail
