// zebra's lines of an integrated frr.conf (zebra/zebra_vty.c, zebra/interface.c of FRR 8.4).
// `[no] ip forwarding` and `[no] ipv6 forwarding` are applied, as zebra applies them, by the
// module through the daemon's kernel layer (sysctls). `interface NAME` blocks are kept and
// written back but not applied: the host's network configuration owns interface addresses and
// links, and vipd's VRRP owns the virtual addresses it adds; a second writer would fight both
// (docs/config-bgp.md, "zebra's lines"). Each kept line is reported once at notice level.
#include <fmt/format.h>

#include <algorithm>

#include "bgp/config/commands_detail.hpp"

namespace vipd::bgp::config::detail {
namespace {

InterfaceBlock* current_interface(const Context& ctx, const Session& s) {
  auto name = s.argument_of(kInterfaceNode);
  if (!name) return nullptr;
  auto& blocks = ctx.target().frr.interfaces;
  auto it = std::find_if(blocks.begin(), blocks.end(),
                         [&](const InterfaceBlock& b) { return b.name == *name; });
  return it == blocks.end() ? nullptr : &*it;
}

std::string without_no(const std::string& line) {
  return line.starts_with("no ") ? line.substr(3) : line;
}

// The first `words` words of `line`: lines with the same key replace each other.
std::string key_of(const std::string& line, std::size_t words) {
  std::size_t pos = 0;
  for (std::size_t i = 0; i < words; ++i) {
    pos = line.find(' ', pos);
    if (pos == std::string::npos) return line;
    if (i + 1 < words) ++pos;
  }
  return line.substr(0, pos);
}

struct InterfaceLine {
  const char* pattern;    // the positive form
  std::size_t key_words;  // the words that identify the setting (0: the whole line)
  bool no_is_state;       // `no X` is itself a setting to keep (`no ipv6 nd suppress-ra`)
  const char* why;        // what vipd does instead
};

constexpr InterfaceLine kLines[] = {
    {"description LINE...", 1, false, "kept as the interface's description for write-back"},
    {"ip address A.B.C.D/M [label WORD]", 0, false,
     "vipd does not configure interface addresses; the host's network configuration does"},
    {"ipv6 address X:X::X:X/M", 0, false,
     "vipd does not configure interface addresses; the host's network configuration does"},
    {"ipv6 nd prefix X:X::X:X/M [LINE...]", 4, true, "vipd sends no router advertisements"},
    {"ipv6 nd LINE...", 3, true, "vipd sends no router advertisements"},
    {"link-detect", 1, true, "vipd always follows the links' carrier state"},
    {"shutdown", 1, false,
     "vipd does not set links down; use the host's network configuration (ip link set NAME down)"},
    {"bandwidth (1-100000)", 1, false, "vipd does not use interface bandwidths"},
    {"mtu (1-65535)", 1, false, "vipd does not set MTUs"},
    {"multicast", 1, true, "vipd does not change the interfaces' multicast flag"},
};

void install_interface_lines(CommandTree& tree, const ContextPtr& ctx) {
  for (const auto& l : kLines) {
    auto store = [ctx, l](const Invocation& inv, Session& s) {
      InterfaceBlock* block = current_interface(*ctx, s);
      if (!block) return CommandResult::failure("% No interface is being configured");
      const std::string text = inv.line();
      const bool negated = text.starts_with("no ");
      const std::string positive = without_no(text);
      const std::string key = l.key_words ? key_of(positive, l.key_words) : positive;
      auto& lines = block->lines;
      auto it = std::find_if(lines.begin(), lines.end(), [&](const std::string& kept) {
        const std::string p = without_no(kept);
        return (l.key_words ? key_of(p, l.key_words) : p) == key;
      });
      if (negated && !l.no_is_state) {
        if (it != lines.end()) lines.erase(it);
        return CommandResult::success();
      }
      if (it != lines.end())
        *it = text;
      else
        lines.push_back(text);
      return CommandResult::success(fmt::format(
          "% '{}' on interface {} is kept in the running configuration but not applied: {}", text,
          block->name, l.why));
    };
    tree.install(kInterfaceNode, l.pattern, l.why, store);
    tree.install(kInterfaceNode, std::string("no ") + l.pattern, l.why, store);
  }
  // `no description` etc. without their value.
  for (const char* pattern :
       {"no description", "no ip address", "no ipv6 address", "no bandwidth", "no mtu"}) {
    tree.install(kInterfaceNode, pattern, "Remove the setting",
                 [ctx, key = std::string(pattern + 3)](const Invocation&, Session& s) {
                   InterfaceBlock* block = current_interface(*ctx, s);
                   if (!block) return CommandResult::failure("% No interface is being configured");
                   auto& lines = block->lines;
                   lines.erase(
                       std::remove_if(lines.begin(), lines.end(),
                                      [&](const std::string& l) { return l.starts_with(key); }),
                       lines.end());
                   return CommandResult::success();
                 });
  }
}

}  // namespace

void install_zebra_commands(CommandTree& tree, const ContextPtr& ctx) {
  tree.describe("forwarding", "Turn on IP forwarding");
  for (const char* family : {"ip", "ipv6"}) {
    const bool v6 = std::string_view(family) == "ipv6";
    for (bool on : {true, false}) {
      tree.install(kConfigNode, fmt::format("{}{} forwarding", on ? "" : "no ", family),
                   "Turn on/off forwarding (a sysctl, as zebra sets it)",
                   [ctx, v6, on](const Invocation&, Session&) {
                     auto& frr = ctx->target().frr;
                     (v6 ? frr.ipv6_forwarding : frr.ip_forwarding) = on;
                     return CommandResult::success();
                   });
    }
  }
  tree.install(kConfigNode, "interface WORD$name", "Select an interface to configure",
               [ctx](const Invocation& inv, Session& s) {
                 auto& blocks = ctx->target().frr.interfaces;
                 const std::string& name = inv.get("name");
                 if (std::none_of(blocks.begin(), blocks.end(),
                                  [&](const InterfaceBlock& b) { return b.name == name; }))
                   blocks.push_back(InterfaceBlock{name, {}});
                 s.push(kInterfaceNode, name);
                 return CommandResult::success();
               });
  tree.install(kConfigNode, "no interface WORD$name", "Delete a pseudo interface's configuration",
               [ctx](const Invocation& inv, Session&) {
                 auto& blocks = ctx->target().frr.interfaces;
                 blocks.erase(std::remove_if(blocks.begin(), blocks.end(),
                                             [&](const InterfaceBlock& b) {
                                               return b.name == inv.get("name");
                                             }),
                              blocks.end());
                 return CommandResult::success();
               });
  install_interface_lines(tree, ctx);
}

}  // namespace vipd::bgp::config::detail
