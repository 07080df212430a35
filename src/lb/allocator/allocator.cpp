// MetalLB's controller (controller/service.go convergeBalancer, internal/allocator) without its
// state: the allocations in force are read back from the Services' status, claimed first, and
// only then are the remaining Services given addresses, in namespace/name order. MetalLB gets
// the same effect at start-up by reprocessing Services with an ingress before the others
// (internal/k8s/controllers/service_controller_reload.go).
#include "lb/allocator/allocator.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <climits>
#include <set>
#include <unordered_map>
#include <utility>

#include "lb/allocator/address_math.hpp"

namespace vipd::lb::allocator {
namespace {

using address_math::Uint128;
using IpFamilyPolicy = cluster::Service::IpFamilyPolicy;

// One port as MetalLB's allocator keys it (internal/allocator Port): protocol and number.
struct Port {
  std::string_view protocol;  // into the Service
  std::uint16_t number = 0;
  auto operator<=>(const Port&) const = default;
  std::string to_string() const { return fmt::format("{}/{}", protocol, number); }
};

// Go's %q, which MetalLB's messages use for names and address lists.
std::string quoted(std::string_view text) {
  return fmt::format("\"{}\"", text);
}

std::string quoted_list(const std::vector<IpAddress>& ips) {
  std::string text = "[";
  for (std::size_t i = 0; i < ips.size(); ++i) {
    if (i > 0) text += ' ';
    text += quoted(ips[i].to_string());
  }
  return text + "]";
}

std::string family_name(Family family) {
  return family == Family::kIpv4 ? "ipv4" : "ipv6";
}

Family other_family(Family family) {
  return family == Family::kIpv4 ? Family::kIpv6 : Family::kIpv4;
}

// MetalLB's valueForAnnotation: the metallb.io annotation, else its deprecated form, else "".
// The keys are std::strings made once: Labels has no heterogeneous lookup, and building them
// for every Service was a good part of a reconcile's time.
std::string_view annotation(const Labels& annotations, const std::string& stable,
                            const std::string& deprecated) {
  if (auto it = annotations.find(stable); it != annotations.end()) return it->second;
  if (auto it = annotations.find(deprecated); it != annotations.end()) return it->second;
  return {};
}

const std::string kLoadBalancerIps = kLoadBalancerIpsAnnotation;
const std::string kDeprecatedLoadBalancerIps = kDeprecatedLoadBalancerIpsAnnotation;
const std::string kAddressPool = kAddressPoolAnnotation;
const std::string kDeprecatedAddressPool = kDeprecatedAddressPoolAnnotation;
const std::string kAllowSharedIp = kAllowSharedIpAnnotation;
const std::string kDeprecatedAllowSharedIp = kDeprecatedAllowSharedIpAnnotation;

std::string trim(std::string_view text) {
  auto begin = text.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return {};
  auto end = text.find_last_not_of(" \t");
  return std::string(text.substr(begin, end - begin + 1));
}

std::vector<IpAddress> sorted(std::vector<IpAddress> ips) {
  std::sort(ips.begin(), ips.end());  // IPv4 sorts before IPv6 (Family's values)
  return ips;
}

// What one Service asks of the allocator, read once from its spec and annotations.
struct Request {
  const cluster::Service* service = nullptr;
  // MetalLB takes the Service's family from its clusterIPs; manifests without an API server
  // may lack them, so spec.ipFamilies comes first, then the clusterIPs, then IPv4.
  Family primary_family = Family::kIpv4;
  IpFamilyPolicy policy = IpFamilyPolicy::kSingleStack;
  std::vector<Port> ports;
  std::string_view sharing_key;  // into the Service, which outlives the reconcile
  // k8salloc.BackendKey: Services with externalTrafficPolicy Local share only with Services
  // with the same backends. MetalLB compares their pod selectors; our Service has none, so
  // every Local Service has the same backend key (they may share with each other, not with
  // Cluster ones).
  std::string_view backend_key;
  std::string_view requested_pool;
  std::vector<IpAddress> requested_ips;
  std::string request_error;  // the requested IPs could not be read

  bool dual() const { return policy != IpFamilyPolicy::kSingleStack; }
  // Whether `ips` is an acceptable set of addresses for the Service's families (MetalLB's
  // serviceFamilyChanged plus Assign's "two addresses of different families" rule).
  bool fits_families(const std::vector<IpAddress>& ips) const {
    if (ips.empty() || ips.size() > 2) return false;
    if (ips.size() == 2 && ips[0].family() == ips[1].family()) return false;
    switch (policy) {
      case IpFamilyPolicy::kSingleStack:
        return ips.size() == 1 && ips[0].family() == primary_family;
      case IpFamilyPolicy::kRequireDualStack:
        return ips.size() == 2;
      case IpFamilyPolicy::kPreferDualStack:
        return true;
    }
    return false;
  }
  std::string family_text() const { return dual() ? "dual" : family_name(primary_family); }
};

Request read_request(const cluster::Service& service) {
  Request request;
  request.service = &service;
  request.policy = service.ip_family_policy;
  if (!service.ip_families.empty()) {
    request.primary_family = service.ip_families.front();
  } else if (!service.cluster_ips.empty()) {
    request.primary_family = service.cluster_ips.front().family();
  }
  for (const auto& port : service.ports) request.ports.push_back({port.protocol, port.port});
  request.sharing_key = annotation(service.annotations, kAllowSharedIp, kDeprecatedAllowSharedIp);
  request.backend_key = service.external_traffic_policy_local ? "externalTrafficPolicy=Local" : "";
  request.requested_pool = annotation(service.annotations, kAddressPool, kDeprecatedAddressPool);

  // getDesiredLbIPs: the annotation or spec.loadBalancerIP, never both.
  std::string_view ips_text =
      annotation(service.annotations, kLoadBalancerIps, kDeprecatedLoadBalancerIps);
  if (!ips_text.empty() && !service.load_balancer_ip.empty()) {
    request.request_error = fmt::format("service can not have both {} and svc.Spec.LoadBalancerIP",
                                        kLoadBalancerIpsAnnotation);
    return request;
  }
  if (!ips_text.empty()) {
    std::string_view rest = ips_text;
    std::vector<std::string> texts;
    while (true) {
      auto comma = rest.find(',');
      auto address = IpAddress::parse(trim(rest.substr(0, comma)));
      if (!address) {
        request.request_error =
            fmt::format("invalid {}: {}", kLoadBalancerIpsAnnotation, quoted(ips_text));
        request.requested_ips.clear();
        return request;
      }
      request.requested_ips.push_back(*address);
      texts.push_back(quoted(address->to_string()));
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
    // ipfamily.ForAddressesIPs: one address, or one of each family.
    auto& ips = request.requested_ips;
    std::string list = "[" + fmt::format("{}", fmt::join(texts, " ")) + "]";
    if (ips.size() > 2) {
      request.request_error =
          fmt::format("IPFamilyForAddresses: invalid ips length {} {}", ips.size(), list);
    } else if (ips.size() == 2 && ips[0].family() == ips[1].family()) {
      request.request_error = fmt::format("IPFamilyForAddresses: same address family {}", list);
    }
    if (!request.request_error.empty()) ips.clear();
  } else if (!service.load_balancer_ip.empty()) {
    auto address = IpAddress::parse(trim(service.load_balancer_ip));
    if (!address) {
      request.request_error =
          fmt::format("invalid spec.loadBalancerIP {}", quoted(service.load_balancer_ip));
    } else {
      request.requested_ips.push_back(*address);
    }
  }
  return request;
}

// One range of a pool while allocating: a cursor below which every address is taken (nothing
// is released during one reconcile, so it only moves forward), and the shared addresses by
// sharing key, the only taken addresses another Service may still get.
struct RangeState {
  Family family = Family::kIpv4;
  Uint128 first = 0, last = 0;
  Uint128 cursor = 0;
  bool exhausted = false;
  std::map<std::string_view, std::set<Uint128>> shared_by_key;
};

struct PoolState {
  const crd::IpAddressPool* config = nullptr;
  std::vector<RangeState> ranges;
  // serviceAllocation set: MetalLB gives the pool automatically only to the Services it admits
  // (pinnedPoolsForService), never to the others (Allocate skips it).
  bool has_service_allocation = false;
  bool restricts_namespaces = false;
  std::set<std::string> namespaces;  // namespaces plus those namespaceSelectors match
  std::vector<LabelSelector> service_selectors;
  int priority = 0;  // MetalLB's: 0 (unset) after every positive one

  bool contains(const IpAddress& address) const {
    if (config->avoid_buggy_ips && address_math::confuses_buggy_firmware(address)) return false;
    return range_of(address) != nullptr;
  }
  const RangeState* range_of(const IpAddress& address) const {
    auto value = address_math::to_integer(address);
    for (const auto& range : ranges)
      if (range.family == address.family() && range.first <= value && value <= range.last)
        return &range;
    return nullptr;
  }
  RangeState* range_of(const IpAddress& address) {
    return const_cast<RangeState*>(std::as_const(*this).range_of(address));
  }
  // isPoolCompatibleWithService.
  bool admits(const cluster::Service& service) const {
    if (restricts_namespaces && !namespaces.contains(service.key.namespace_)) return false;
    if (service_selectors.empty()) return true;
    return std::any_of(service_selectors.begin(), service_selectors.end(),
                       [&](const LabelSelector& s) { return s.matches(service.labels); });
  }
};

PoolState index_pool(const crd::IpAddressPool& pool, const cluster::ClusterState& state) {
  PoolState index;
  index.config = &pool;
  for (const auto& range : pool.ranges) {
    RangeState r;
    r.family = range.family();
    r.first = address_math::to_integer(range.first);
    r.last = address_math::to_integer(range.last);
    r.cursor = r.first;
    r.exhausted = r.first > r.last;
    index.ranges.push_back(std::move(r));
  }
  if (pool.service_allocation) {
    const auto& allocation = *pool.service_allocation;
    index.has_service_allocation = true;
    index.priority = allocation.priority.value_or(0) > 0 ? *allocation.priority : 0;
    // MetalLB resolves namespaceSelectors against the namespaces it knows when it reads the
    // pool. Unlike MetalLB, selectors that match no namespace still restrict the pool (to
    // none): MetalLB then drops the namespace restriction altogether, which hands a pool meant
    // for one team to every namespace until that team's namespace appears.
    index.restricts_namespaces =
        !allocation.namespaces.empty() || !allocation.namespace_selectors.empty();
    index.namespaces.insert(allocation.namespaces.begin(), allocation.namespaces.end());
    for (const auto& [name, ns] : state.namespaces) {
      const Labels& labels = ns.labels;  // clang before 16 captures no structured binding
      if (std::any_of(allocation.namespace_selectors.begin(), allocation.namespace_selectors.end(),
                      [&](const LabelSelector& s) { return s.matches(labels); }))
        index.namespaces.insert(name);
    }
    index.service_selectors = allocation.service_selectors;
  }
  return index;
}

struct AddressUse {
  std::size_t pool = 0;
  std::string_view sharing_key;
  std::string_view backend_key;
  std::vector<std::size_t> users;  // entries, in claim order
  std::vector<Port> ports;         // a handful per Service: a search beats a tree

  bool uses(const Port& port) const {
    return std::find(ports.begin(), ports.end(), port) != ports.end();
  }
};

struct Entry {
  const cluster::Service* service = nullptr;
  Request request;
  bool ours = false;
  bool kept = false;
  std::size_t pool = 0;
  std::vector<IpAddress> ips;
  std::string note;  // why a recorded assignment was dropped
};

struct FreeAddresses {
  std::optional<IpAddress> ipv4, ipv6;
  std::optional<IpAddress>& of(Family family) { return family == Family::kIpv4 ? ipv4 : ipv6; }
  bool empty() const { return !ipv4 && !ipv6; }
};

// An allocation attempt: addresses from one pool, or MetalLB's error text.
struct Outcome {
  std::vector<IpAddress> ips;
  std::size_t pool = 0;
  std::string error;
  static Outcome failure(std::string error) { return {{}, 0, std::move(error)}; }
  static Outcome success(std::vector<IpAddress> ips, std::size_t pool) {
    return {std::move(ips), pool, {}};
  }
};

class Reconciler {
 public:
  Reconciler(const std::vector<crd::IpAddressPool>& pools, const cluster::ClusterState& state,
             const Options& options) {
    for (const auto& pool : pools) pools_.push_back(index_pool(pool, state));
    for (std::size_t p = 0; p < pools_.size(); ++p) {
      if (!pools_[p].config->auto_assign) continue;
      (pools_[p].has_service_allocation ? pinnable_by_priority_ : unrestricted_).push_back(p);
    }
    std::stable_sort(pinnable_by_priority_.begin(), pinnable_by_priority_.end(),
                     [&](std::size_t a, std::size_t b) {
                       auto rank = [&](std::size_t p) {
                         return pools_[p].priority > 0 ? pools_[p].priority : INT_MAX;
                       };
                       return rank(a) < rank(b);
                     });
    in_use_.reserve(state.services.size() * 2);
    entries_.reserve(state.services.size());
    decisions_.reserve(state.services.size());
    for (const auto& [key, service] : state.services) {
      Entry entry;
      entry.service = &service;
      entry.ours = serves(service, options.load_balancer_class);
      Decision ignored;
      if (entry.ours) {
        entry.request = read_request(service);
      } else if (service.type != "LoadBalancer") {
        // convergeBalancer clears the status of a Service that is no longer a LoadBalancer.
        ignored.message = "not a LoadBalancer";
        ignored.changed = !service.ingress.empty();
      } else {
        // Another controller's Service (filterByLoadBalancerClass): not ours to touch.
        ignored.message = fmt::format(
            "loadBalancerClass {} is not ours",
            service.load_balancer_class ? *service.load_balancer_class : std::string("(none)"));
      }
      entries_.push_back(std::move(entry));
      decisions_.push_back(std::move(ignored));
    }
  }

  Result run() {
    for (std::size_t i = 0; i < entries_.size(); ++i)
      if (entries_[i].ours && !entries_[i].service->ingress.empty()) keep_recorded(i);
    for (std::size_t i = 0; i < entries_.size(); ++i) {
      if (!entries_[i].ours) continue;
      if (!entries_[i].kept) {
        allocate_new(i);
      } else if (entries_[i].request.policy == IpFamilyPolicy::kPreferDualStack &&
                 entries_[i].ips.size() == 1 && entries_[i].request.requested_ips.empty()) {
        add_missing_family(i);
      }
    }
    Result result;
    // Entries are in key order: each insertion goes at the end.
    for (std::size_t i = 0; i < entries_.size(); ++i)
      result.decisions.emplace_hint(result.decisions.end(), entries_[i].service->key,
                                    std::move(decisions_[i]));
    result.usage = usage();
    return result;
  }

 private:
  Decision& decision(std::size_t entry) { return decisions_[entry]; }

  // Phase one: the Service's status.loadBalancer.ingress, if MetalLB's convergeBalancer would
  // still accept it (family unchanged, Assign succeeds, same pool and IPs as requested).
  void keep_recorded(std::size_t index) {
    Entry& entry = entries_[index];
    const auto& request = entry.request;
    std::vector<IpAddress> ips = sorted(entry.service->ingress);
    std::string reason;
    std::optional<std::size_t> pool;
    if (!request.fits_families(ips)) {
      reason = fmt::format("{} does not match the ipFamily of the service ({})", quoted_list(ips),
                           request.family_text());
    } else if (pool = pool_for(ips); !pool) {
      reason = fmt::format("{} is not allowed in config", quoted_list(ips));
    } else if (!pools_[*pool].admits(*entry.service)) {
      reason = fmt::format("pool {} not compatible for ip assignment", name_of(*pool));
    } else if (auto conflict = first_sharing_conflict(ips, request, index)) {
      // Both Services' statuses claim the address; the first in namespace/name order keeps it.
      std::set<std::string> holders;
      for (const auto& ip : ips)
        if (auto it = in_use_.find(ip); it != in_use_.end())
          for (auto user : it->second.users)
            holders.insert(entries_[user].service->key.to_string());
      reason =
          fmt::format("{} (kept by {}, which comes first)", *conflict, fmt::join(holders, ","));
    } else if (!request.requested_pool.empty() && request.requested_pool != name_of(*pool)) {
      reason = fmt::format("pool {} requested, the address is from pool {}", request.requested_pool,
                           name_of(*pool));
    } else if (!request.requested_ips.empty() && sorted(request.requested_ips) != ips) {
      reason = fmt::format("{} requested", quoted_list(sorted(request.requested_ips)));
    }
    if (!reason.empty()) {
      entry.note = fmt::format(
          "current IP for {} not allowed by config, will attempt for new IP assignment: {}",
          quoted(entry.service->key.to_string()), reason);
      return;
    }
    claim(ips, *pool, index);
    entry.kept = true;
    Decision& d = decision(index);
    d.kind = Decision::Kind::kAssigned;
    d.ips = ips;
    d.pool = name_of(*pool);
    // MetalLB keeps the address and reports the bad request (LoadBalancerFailed).
    if (!request.request_error.empty())
      d.message = "invalid requested loadbalancer IPs: " + request.request_error;
  }

  // Phase two: allocateIPs for Services with nothing kept.
  void allocate_new(std::size_t index) {
    Entry& entry = entries_[index];
    Outcome outcome = allocate(index);
    Decision& d = decision(index);
    if (!outcome.error.empty()) {
      d.kind = Decision::Kind::kFailed;
      d.message = outcome.error;
      d.changed = !entry.service->ingress.empty();
      return;
    }
    claim(outcome.ips, outcome.pool, index);
    d.kind = Decision::Kind::kAssigned;
    d.ips = outcome.ips;
    d.pool = name_of(outcome.pool);
    d.changed = outcome.ips != sorted(entry.service->ingress);
    d.message = entry.note;
  }

  Outcome allocate(std::size_t index) {
    const Request& request = entries_[index].request;
    const cluster::Service& service = *entries_[index].service;
    if (!request.request_error.empty()) return Outcome::failure(request.request_error);

    if (!request.requested_ips.empty()) {
      auto ips = sorted(request.requested_ips);
      if (!request.fits_families(ips))
        return Outcome::failure(fmt::format(
            "requested loadBalancer IP(s) {} does not match the ipFamily of the service",
            quoted_list(request.requested_ips)));
      auto pool = pool_for(ips);
      if (!pool)
        return Outcome::failure(fmt::format("{} is not allowed in config", quoted_list(ips)));
      if (!pools_[*pool].admits(service))
        return Outcome::failure(
            fmt::format("pool {} not compatible for ip assignment", name_of(*pool)));
      if (auto conflict = first_sharing_conflict(ips, request, index))
        return Outcome::failure(*conflict);
      if (!request.requested_pool.empty() && request.requested_pool != name_of(*pool))
        return Outcome::failure(
            fmt::format("requested loadBalancer IP(s) {} is not compatible with requested address "
                        "pool {}",
                        quoted_list(request.requested_ips), request.requested_pool));
      return Outcome::success(ips, *pool);
    }

    if (!request.requested_pool.empty()) {
      // AllocateFromPool: autoAssign does not matter when the pool is asked for by name.
      auto pool = find_pool(request.requested_pool);
      if (!pool)
        return Outcome::failure(fmt::format("unknown pool {}", quoted(request.requested_pool)));
      FreeAddresses free = free_in_pool(*pool, request, index);
      if (free.empty())
        return Outcome::failure(fmt::format("no available IPs in pool {}", request.requested_pool));
      Outcome outcome = select(free, request, *pool);
      if (outcome.error.empty() && !pools_[*pool].admits(service))
        return Outcome::failure(
            fmt::format("pool {} not compatible for ip assignment", name_of(*pool)));
      return outcome;
    }

    // Allocate: the pools pinned to this Service by serviceAllocation, by priority; then, only
    // if none of them can serve it, the autoAssign pools without serviceAllocation. MetalLB
    // breaks ties (equal priority) and orders the second group at random (Go map order); we
    // take the order of the configuration, so a restart decides the same.
    std::vector<std::size_t> pinned;
    for (std::size_t p : pinnable_by_priority_)
      if (pools_[p].admits(service)) pinned.push_back(p);
    for (const auto* candidates : {&pinned, &unrestricted_}) {
      Outcome outcome = best_pool(*candidates, request, index);
      if (outcome.error.empty()) return outcome;
    }
    return Outcome::failure("no available IPs");
  }

  // findBestPoolForService: the first pool with a free address of the Service's family, or for
  // dual-stack Services with one of each; with PreferDualStack and no such pool, the first pool
  // with the primary family, else the first with the other.
  Outcome best_pool(const std::vector<std::size_t>& candidates, const Request& request,
                    std::size_t index) {
    std::optional<std::size_t> primary_only, secondary_only;
    for (std::size_t pool : candidates) {
      FreeAddresses free = free_in_pool(pool, request, index);
      if (free.empty()) continue;
      bool has_primary = free.of(request.primary_family).has_value();
      bool has_secondary = free.of(other_family(request.primary_family)).has_value();
      if (!request.dual() && has_primary) return select(free, request, pool);
      if (request.dual() && has_primary && has_secondary) return select(free, request, pool);
      if (request.policy != IpFamilyPolicy::kPreferDualStack) continue;
      if (has_primary && !primary_only) primary_only = pool;
      if (has_secondary && !secondary_only) secondary_only = pool;
    }
    for (auto pool : {primary_only, secondary_only})
      if (pool) return select(free_in_pool(*pool, request, index), request, *pool);
    return Outcome::failure(fmt::format("no suitable pool for {} IPFamily", request.family_text()));
  }

  // selectIPsForFamilyAndPolicy.
  Outcome select(FreeAddresses free, const Request& request, std::size_t pool) {
    Outcome outcome = Outcome::success({}, pool);
    if (!request.dual()) {
      if (auto& ip = free.of(request.primary_family)) outcome.ips = {*ip};
    } else if (free.ipv4 && free.ipv6) {
      outcome.ips = {*free.ipv4, *free.ipv6};
    } else if (request.policy == IpFamilyPolicy::kPreferDualStack) {
      if (free.ipv4) {
        outcome.ips = {*free.ipv4};
      } else if (free.ipv6) {
        outcome.ips = {*free.ipv6};
      }
    }
    if (outcome.ips.empty())
      outcome.error = fmt::format("no available IPs in pool {} for {} IPFamily", name_of(pool),
                                  request.family_text());
    return outcome;
  }

  // AllocateFromPoolForAdditionalFamily: a PreferDualStack Service holding one address gets
  // one of the other family from the same pool when there is one; otherwise it keeps the one.
  // Not when it asked for that one address: MetalLB adds the second, then finds the Service's
  // addresses differ from the requested ones, drops both and starts again, forever.
  void add_missing_family(std::size_t index) {
    Entry& entry = entries_[index];
    Family missing = other_family(entry.ips.front().family());
    FreeAddresses free = free_in_pool(entry.pool, entry.request, index);
    auto& ip = free.of(missing);
    if (!ip) return;
    IpAddress held = entry.ips.front();
    claim({*ip}, entry.pool, index);
    entry.ips = sorted({held, *ip});
    Decision& d = decision(index);
    d.ips = entry.ips;
    d.changed = true;
    d.message = fmt::format("Assigned additional IP {}", quoted(ip->to_string()));
  }

  // The lowest usable address of each family, ranges in order (getFreeIPsFromPool).
  FreeAddresses free_in_pool(std::size_t pool, const Request& request, std::size_t index) {
    FreeAddresses free;
    for (auto& range : pools_[pool].ranges) {
      auto& slot = free.of(range.family);
      if (slot) continue;
      if (auto value = first_usable(pools_[pool], range, request, index))
        slot = address_math::from_integer(range.family, *value);
    }
    return free;
  }

  // getIPFromCIDR: the lowest address that is free or whose users the Service may join. The
  // lowest free one is the range's cursor; the joinable ones can only be among the addresses
  // already shared under the Service's own key.
  std::optional<Uint128> first_usable(PoolState& pool, RangeState& range, const Request& request,
                                      std::size_t index) {
    advance_cursor(pool, range);
    std::optional<Uint128> best;
    if (!range.exhausted) best = range.cursor;
    if (request.sharing_key.empty()) return best;
    auto shared = range.shared_by_key.find(request.sharing_key);
    if (shared == range.shared_by_key.end()) return best;
    for (Uint128 value : shared->second) {
      if (best && value >= *best) break;
      if (!sharing_conflict(address_math::from_integer(range.family, value), request, index))
        return value;
    }
    return best;
  }

  void advance_cursor(const PoolState& pool, RangeState& range) {
    while (!range.exhausted) {
      bool buggy = pool.config->avoid_buggy_ips &&
                   address_math::confuses_buggy_firmware(range.family, range.cursor);
      if (!buggy && !in_use_.contains(address_math::from_integer(range.family, range.cursor)))
        return;
      if (range.cursor == range.last) {
        range.exhausted = true;
      } else {
        ++range.cursor;
      }
    }
  }

  // checkSharing: why the Service may not use `ip` alongside its current users, if it may not.
  std::optional<std::string> sharing_conflict(const IpAddress& ip, const Request& request,
                                              std::size_t index) const {
    auto it = in_use_.find(ip);
    if (it == in_use_.end()) return std::nullopt;
    const AddressUse& use = it->second;
    bool same_key = !use.sharing_key.empty() && use.sharing_key == request.sharing_key &&
                    use.backend_key == request.backend_key;
    if (!same_key) {
      std::vector<std::string> others;
      for (auto user : use.users)
        if (user != index) others.push_back(entries_[user].service->key.to_string());
      if (!others.empty())
        return fmt::format("can't change sharing key for {}, address also in use by {}",
                           quoted(entries_[index].service->key.to_string()),
                           fmt::join(others, ","));
    }
    for (const auto& port : request.ports)
      if (use.uses(port))
        return fmt::format("port {} is already in use on {}", port.to_string(),
                           quoted(ip.to_string()));
    return std::nullopt;
  }

  std::optional<std::string> first_sharing_conflict(const std::vector<IpAddress>& ips,
                                                    const Request& request,
                                                    std::size_t index) const {
    for (const auto& ip : ips)
      if (auto conflict = sharing_conflict(ip, request, index)) return conflict;
    return std::nullopt;
  }

  void claim(const std::vector<IpAddress>& ips, std::size_t pool, std::size_t index) {
    Entry& entry = entries_[index];
    for (const auto& ip : ips) {
      auto [it, inserted] = in_use_.try_emplace(ip);
      AddressUse& use = it->second;
      if (inserted) {
        use.pool = pool;
        use.sharing_key = entry.request.sharing_key;
        use.backend_key = entry.request.backend_key;
        if (!use.sharing_key.empty())
          if (auto* range = pools_[pool].range_of(ip))
            range->shared_by_key[use.sharing_key].insert(address_math::to_integer(ip));
      }
      use.users.push_back(index);
      use.ports.insert(use.ports.end(), entry.request.ports.begin(), entry.request.ports.end());
    }
    entry.pool = pool;
    entry.ips = sorted(ips);
  }

  // poolFor: the pool holding every one of `ips` (avoidBuggyIPs pools do not hold .0/.255).
  std::optional<std::size_t> pool_for(const std::vector<IpAddress>& ips) const {
    for (std::size_t p = 0; p < pools_.size(); ++p)
      if (std::all_of(ips.begin(), ips.end(),
                      [&](const IpAddress& ip) { return pools_[p].contains(ip); }))
        return p;
    return std::nullopt;
  }

  std::optional<std::size_t> find_pool(std::string_view name) const {
    for (std::size_t p = 0; p < pools_.size(); ++p)
      if (name_of(p) == name) return p;
    return std::nullopt;
  }

  const std::string& name_of(std::size_t pool) const { return pools_[pool].config->meta.name; }

  std::vector<PoolUsage> usage() const {
    std::vector<PoolUsage> usage;
    for (const auto& pool : pools_) {
      PoolUsage u;
      u.name = pool.config->meta.name;
      Uint128 total_v4 = 0, total_v6 = 0;
      for (const auto& range : pool.config->ranges) {
        Uint128 size = address_math::range_size(range.first, range.last);
        if (pool.config->avoid_buggy_ips)
          size -= address_math::count_buggy_firmware_addresses(range.first, range.last);
        Uint128& total = range.family() == Family::kIpv4 ? total_v4 : total_v6;
        total = size > address_math::kUint128Max - total ? address_math::kUint128Max : total + size;
      }
      u.ipv4_total = address_math::saturate_to_uint64(total_v4);
      u.ipv6_total = address_math::saturate_to_uint64(total_v6);
      usage.push_back(std::move(u));
    }
    for (const auto& [ip, use] : in_use_)
      (ip.is_v4() ? usage[use.pool].ipv4_used : usage[use.pool].ipv6_used)++;
    return usage;
  }

  std::vector<PoolState> pools_;
  // autoAssign pools: with serviceAllocation, by priority (pinnedPoolsForService's order before
  // the per-Service filter); without, in configuration order.
  std::vector<std::size_t> pinnable_by_priority_, unrestricted_;
  std::vector<Entry> entries_;
  std::vector<Decision> decisions_;
  std::unordered_map<IpAddress, AddressUse> in_use_;
};

}  // namespace

Result reconcile(const std::vector<crd::IpAddressPool>& pools, const cluster::ClusterState& state,
                 const Options& options) {
  return Reconciler(pools, state, options).run();
}

const crd::IpAddressPool* pool_containing(const std::vector<crd::IpAddressPool>& pools,
                                          const IpAddress& address) {
  for (const auto& pool : pools)
    for (const auto& range : pool.ranges)
      if (address_math::range_contains(range.first, range.last, address)) return &pool;
  return nullptr;
}

bool serves(const cluster::Service& service,
            const std::optional<std::string>& load_balancer_class) {
  return service.type == "LoadBalancer" && service.load_balancer_class == load_balancer_class;
}

}  // namespace vipd::lb::allocator
