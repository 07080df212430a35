// `ip prefix-list` / `ipv6 prefix-list` (FRR lib/plist.c semantics).
#include <fmt/format.h>

#include <algorithm>

#include "bgp/config/commands_detail.hpp"

namespace vipd::bgp::config::detail {
namespace {

struct FamilySyntax {
  AddressFamily af;
  const char* keyword;  // "ip" / "ipv6"
  const char* prefix;   // pattern token
  int max_length;
};

constexpr FamilySyntax kSyntaxes[] = {
    {AddressFamily::kIpv4Unicast, "ip", "A.B.C.D/M", 32},
    {AddressFamily::kIpv6Unicast, "ipv6", "X:X::X:X/M", 128},
};

PrefixList& list_named(const Context& ctx, BgpConfig& c, AddressFamily af,
                       const std::string& name) {
  if (auto* l = find_prefix_list(ctx, c, af, name)) return *l;
  c.prefix_lists.push_back(PrefixList{af, name, {}, {}});
  return c.prefix_lists.back();
}

CommandResult add_entry(const Context& ctx, const FamilySyntax& f, const Invocation& inv) {
  BgpConfig& c = ctx.target();
  PrefixListEntry e;
  e.permit = inv.get("action") == "permit";
  if (inv.has("any")) {
    e.any = true;
  } else {
    auto prefix = Prefix::parse(inv.get("prefix"));
    if (!prefix) return CommandResult::failure("% Malformed prefix");
    e.prefix = *prefix;
    if (inv.has("ge")) e.ge = static_cast<std::uint8_t>(number(inv.get("ge")));
    if (inv.has("le")) e.le = static_cast<std::uint8_t>(number(inv.get("le")));
    // FRR: length < ge <= le <= max.
    int len = prefix->length();
    bool bad = (e.ge && *e.ge <= len) || (e.le && *e.le < len) || (e.ge && e.le && *e.ge > *e.le);
    if (bad)
      return CommandResult::failure(
          fmt::format("% Invalid prefix range for {}, make sure: len < ge-value <= le-value",
                      prefix->to_string()));
  }
  PrefixList& list = list_named(ctx, c, f.af, inv.get("name"));
  if (inv.has("seq")) {
    e.seq = number(inv.get("seq"));
  } else {
    // FRR numbers new entries in steps of 5 after the highest one.
    std::uint32_t high = list.entries.empty() ? 0 : list.entries.back().seq;
    e.seq = high / 5 * 5 + 5;
  }
  // Files list entries in seq order: appending is the common case. Otherwise a binary search
  // (entries are sorted by seq); a scan here made an N-line list cost O(N²) to read (issue 15).
  ++lookup_steps();
  if (list.entries.empty() || list.entries.back().seq < e.seq) {
    list.entries.push_back(e);
    return ok();
  }
  auto it = std::lower_bound(list.entries.begin(), list.entries.end(), e.seq,
                             [](const PrefixListEntry& x, std::uint32_t seq) {
                               ++lookup_steps();
                               return x.seq < seq;
                             });
  if (it != list.entries.end() && it->seq == e.seq)
    *it = e;
  else
    list.entries.insert(it, e);
  return ok();
}

void install_family(CommandTree& tree, const ContextPtr& ctx, const FamilySyntax& f) {
  std::string base = fmt::format("{} prefix-list WORD$name", f.keyword);
  std::string range = fmt::format("[ge (0-{0})$ge] [le (0-{0})$le]", f.max_length);
  tree.install(
      kConfigNode,
      fmt::format("{} [seq (1-4294967295)$seq] <permit|deny>$action <{}$prefix {}|any$any>", base,
                  f.prefix, range),
      "Build a prefix list",
      [ctx, f](const Invocation& inv, Session&) { return add_entry(*ctx, f, inv); });
  tree.install(kConfigNode, base + " description LINE...$text", "Prefix-list specific description",
               [ctx, f](const Invocation& inv, Session&) {
                 list_named(*ctx, ctx->target(), f.af, inv.get("name")).description =
                     inv.get("text");
                 return ok();
               });
  tree.install(kConfigNode, "no " + base + " description [LINE...]",
               "Remove the prefix-list description", [ctx, f](const Invocation& inv, Session&) {
                 if (auto* l = find_prefix_list(*ctx, ctx->target(), f.af, inv.get("name")))
                   l->description.clear();
                 return ok();
               });
  tree.install(
      kConfigNode, "no " + base + " [seq (1-4294967295)$seq [LINE...]]",
      "Delete a prefix list or one of its entries", [ctx, f](const Invocation& inv, Session&) {
        BgpConfig& c = ctx->target();
        PrefixList* l = find_prefix_list(*ctx, c, f.af, inv.get("name"));
        if (!l) return CommandResult::failure("% Can't find specified prefix-list");
        if (!inv.has("seq")) {
          std::erase_if(c.prefix_lists, [&](const PrefixList& x) { return &x == l; });
          forget_positions(*ctx);
          return ok();
        }
        auto seq = number(inv.get("seq"));
        auto removed =
            std::erase_if(l->entries, [&](const PrefixListEntry& e) { return e.seq == seq; });
        if (!removed) return CommandResult::failure("% Can't find specified prefix-list");
        return ok();
      });
}

}  // namespace

void install_policy_commands(CommandTree& tree, const ContextPtr& ctx) {
  for (const auto& f : kSyntaxes) install_family(tree, ctx, f);
}

}  // namespace vipd::bgp::config::detail
