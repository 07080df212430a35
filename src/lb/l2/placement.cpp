#include "lb/l2/placement.hpp"

#include <algorithm>
#include <set>
#include <tuple>

namespace vipd::lb::l2 {
namespace {

// Rendezvous (highest random weight) order of `node` for `what`: higher first.
std::uint64_t weight(const std::string& node, const std::string& what) {
  return stable_hash(node + "#" + what);
}

struct Service {
  const std::string* key;
  std::vector<std::string> members;  // sorted, unique
  std::uint64_t order;               // canonical order: stable_hash(key)
  std::string primary;
};

bool member(const Service& s, const std::string& node) {
  return std::binary_search(s.members.begin(), s.members.end(), node);
}

// The member of `s` with the fewest Services, ties broken by rendezvous weight.
const std::string& least_loaded(const Service& s, const std::map<std::string, std::size_t>& load) {
  const std::string* best = nullptr;
  std::tuple<std::size_t, std::uint64_t> best_rank{};
  for (const auto& n : s.members) {
    std::tuple<std::size_t, std::uint64_t> rank{load.at(n), ~weight(n, *s.key)};
    if (!best || rank < best_rank) {
      best = &n;
      best_rank = rank;
    }
  }
  return *best;
}

// Moves Services from the most to the least loaded of their members until no member of any
// Service has two fewer than its primary. Each move lowers the sum of squared loads, so this
// ends; it moves only what the spread needs (a node that joins takes Services over until it is
// within one of the others).
void rebalance(std::vector<Service>& services, std::map<std::string, std::size_t>& load) {
  for (bool moved = true; moved;) {
    moved = false;
    for (auto& s : services) {
      const std::string& to = least_loaded(s, load);
      if (load[to] + 2 > load[s.primary]) continue;
      --load[s.primary];
      ++load[to];
      s.primary = to;
      moved = true;
    }
  }
}

}  // namespace

std::uint64_t stable_hash(std::string_view text) {
  std::uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a 64
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

Placement place(std::span<const PlacementInput> inputs, const Placement& previous) {
  std::vector<Service> services;
  std::map<std::string, std::size_t> load;
  for (const auto& in : inputs) {
    Service s{&in.key, in.members, stable_hash(in.key), {}};
    std::sort(s.members.begin(), s.members.end());
    s.members.erase(std::unique(s.members.begin(), s.members.end()), s.members.end());
    if (s.members.empty()) continue;
    for (const auto& n : s.members) load.try_emplace(n, 0);
    services.push_back(std::move(s));
  }
  std::sort(services.begin(), services.end(), [](const Service& a, const Service& b) {
    return std::tie(a.order, *a.key) < std::tie(b.order, *b.key);
  });
  // Where they were, if they still may be there; then the others, least loaded first.
  for (auto& s : services) {
    auto was = previous.find(*s.key);
    if (was == previous.end() || !member(s, was->second.primary)) continue;
    s.primary = was->second.primary;
    ++load[s.primary];
  }
  for (auto& s : services) {
    if (!s.primary.empty()) continue;
    s.primary = least_loaded(s, load);
    ++load[s.primary];
  }
  rebalance(services, load);

  // Successors: each primary's Services water-filled over the other members, so that when it
  // dies the ones it had raise the others' loads as evenly as they can.
  Placement out;
  std::map<std::string, std::vector<const Service*>> by_primary;
  for (const auto& s : services) by_primary[s.primary].push_back(&s);
  for (const auto& [primary, list] : by_primary) {
    std::map<std::string, std::size_t> given;
    // A Service whose primary stays keeps its successor while it may: its virtual router (the
    // pair's) and so its VRID stay too, and no instance restarts for it.
    std::vector<const Service*> open;
    for (const Service* s : list) {
      auto was = previous.find(*s->key);
      if (was != previous.end() && was->second.primary == primary &&
          !was->second.successor.empty() && was->second.successor != primary &&
          member(*s, was->second.successor)) {
        ++given[was->second.successor];
        out.emplace(*s->key, was->second);
      } else {
        open.push_back(s);
      }
    }
    for (const Service* s : open) {
      const std::string* best = nullptr;
      std::tuple<std::size_t, std::uint64_t> best_rank{};
      for (const auto& n : s->members) {
        if (n == primary) continue;
        std::tuple<std::size_t, std::uint64_t> rank{load[n] + given[n], ~weight(n, primary)};
        if (!best || rank < best_rank) {
          best = &n;
          best_rank = rank;
        }
      }
      Assignment a{primary, best ? *best : std::string{}};
      if (best) ++given[*best];
      out.emplace(*s->key, std::move(a));
    }
  }
  return out;
}

RouterPlan plan_routers(std::span<const PlacementInput> services, const Placement& placement,
                        VridRange range) {
  // The pairs in use, with their Services and the nodes that may own all of those.
  struct Pair {
    std::vector<std::string> services;
    std::optional<std::set<std::string>> eligible;  // unset until its first Service
  };
  std::map<std::pair<std::string, std::string>, Pair> pairs;
  std::set<std::string> nodes;
  for (const auto& in : services) {
    auto a = placement.find(in.key);
    if (a == placement.end()) continue;
    Pair& p = pairs[{a->second.primary, a->second.successor}];
    p.services.push_back(in.key);
    std::set<std::string> members(in.members.begin(), in.members.end());
    nodes.insert(members.begin(), members.end());
    if (!p.eligible)
      p.eligible = std::move(members);
    else
      std::erase_if(*p.eligible, [&](const std::string& n) { return !members.contains(n); });
  }
  // VRIDs: every ordered pair of the nodes (and each node alone) when they all fit in the range,
  // so that a pair's VRID does not move when others come into use; else the pairs in use.
  std::vector<std::pair<std::string, std::string>> candidates;
  if (nodes.size() * nodes.size() <= range.size()) {
    for (const auto& p : nodes) {
      candidates.emplace_back(p, std::string{});
      for (const auto& s : nodes)
        if (s != p) candidates.emplace_back(p, s);
    }
  } else {
    for (const auto& [pair, unused] : pairs) candidates.push_back(pair);
  }
  auto pair_hash = [](const std::pair<std::string, std::string>& p) {
    return stable_hash(p.first + ">" + p.second);
  };
  std::sort(candidates.begin(), candidates.end(), [&](const auto& a, const auto& b) {
    return std::tuple(pair_hash(a), a) < std::tuple(pair_hash(b), b);
  });
  std::vector<bool> taken(range.size(), false);
  std::map<std::pair<std::string, std::string>, std::uint8_t> vrid;
  for (const auto& c : candidates) {
    if (range.size() == 0) break;
    std::size_t slot = pair_hash(c) % range.size();
    for (std::size_t probe = 0; probe < range.size() && taken[slot]; ++probe)
      slot = (slot + 1) % range.size();
    if (taken[slot]) break;  // full
    taken[slot] = true;
    vrid[c] = static_cast<std::uint8_t>(range.first + slot);
  }

  RouterPlan plan;
  for (auto& [key, pair] : pairs) {
    auto id = vrid.find(key);
    if (id == vrid.end()) {
      plan.unplaced.insert(plan.unplaced.end(), pair.services.begin(), pair.services.end());
      continue;
    }
    VirtualRouterPlan r;
    r.vrid = id->second;
    r.primary = key.first;
    r.successor = key.second;
    r.priorities.emplace_back(key.first, 250);
    if (!key.second.empty()) r.priorities.emplace_back(key.second, 200);
    std::vector<std::string> others;
    for (const auto& n : *pair.eligible)
      if (n != key.first && n != key.second) others.push_back(n);
    const std::string what = key.first + ">" + key.second;
    std::sort(others.begin(), others.end(), [&](const std::string& a, const std::string& b) {
      return std::tuple(~weight(a, what), a) < std::tuple(~weight(b, what), b);
    });
    for (std::size_t i = 0; i < others.size(); ++i)
      r.priorities.emplace_back(others[i],
                                static_cast<std::uint8_t>(std::max<long>(1, 150 - long(i))));
    r.services = std::move(pair.services);
    std::sort(r.services.begin(), r.services.end());
    plan.routers.push_back(std::move(r));
  }
  std::sort(plan.routers.begin(), plan.routers.end(),
            [](const auto& a, const auto& b) { return a.vrid < b.vrid; });
  std::sort(plan.unplaced.begin(), plan.unplaced.end());
  return plan;
}

std::map<std::string, std::optional<std::string>> owners(const RouterPlan& plan,
                                                         std::span<const std::string> down) {
  std::map<std::string, std::optional<std::string>> out;
  for (const auto& r : plan.routers) {
    std::optional<std::string> owner;
    std::uint8_t best = 0;
    for (const auto& [node, priority] : r.priorities) {
      if (std::find(down.begin(), down.end(), node) != down.end()) continue;
      if (!owner || priority > best) {
        owner = node;
        best = priority;
      }
    }
    for (const auto& s : r.services) out[s] = owner;
  }
  return out;
}

}  // namespace vipd::lb::l2
