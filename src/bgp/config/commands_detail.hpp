// Shared by the commands_*.cpp files (not a public header).
#pragma once

#include <array>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "bgp/config/commands.hpp"

namespace vipd::bgp::config::detail {

using control::CommandResult;
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

// What every handler needs: where the configuration lives, and while a file is read the
// indexes of its lists and neighbors (null in the shell: one command at a time may scan).
struct Context {
  std::function<BgpConfig&()> target;
  std::shared_ptr<ConfigIndex> index;
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

// `[no] neighbor PEER <rest>` for a neighbor that exists (commands_neighbor.cpp).
using NeighborBody =
    std::function<CommandResult(RouterBgp&, NeighborConfig&, const Invocation&, Session&)>;
void on_neighbor(CommandTree& tree, std::string_view node, std::string_view rest,
                 std::string_view help, const ContextPtr& ctx, NeighborBody body, bool no = false);

void install_global_commands(CommandTree& tree, const ContextPtr& ctx);
void install_router_commands(CommandTree& tree, const ContextPtr& ctx);
void install_neighbor_commands(CommandTree& tree, const ContextPtr& ctx);
void install_policy_commands(CommandTree& tree, const ContextPtr& ctx);
void install_bfd_commands(CommandTree& tree, const ContextPtr& ctx);
void install_routemap_commands(CommandTree& tree, const ContextPtr& ctx);
void install_neighbor_option_commands(CommandTree& tree, const ContextPtr& ctx);

}  // namespace vipd::bgp::config::detail
