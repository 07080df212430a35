// IPAddressPool and L2Advertisement rules (config.go addressPoolFromCR, ParseCIDR, poolsFor,
// l2AdvertisementFromCR).
#include <fmt/format.h>

#include <algorithm>

#include "lb/crd/ranges.hpp"
#include "lb/crd/validate.hpp"
#include "lb/crd/validate_detail.hpp"
#include "lb/crd/values.hpp"

namespace vipd::lb::crd {
namespace {

constexpr std::string_view kPool = "IPAddressPool";
constexpr std::string_view kL2 = "L2Advertisement";

// Why `text` is not an address range, in MetalLB's words where it has some.
std::string address_problem(std::string_view text) {
  const std::size_t dash = text.find('-');
  if (dash == std::string_view::npos) {
    if (text.find('/') == std::string_view::npos && IpAddress::parse(text)) {
      return fmt::format("invalid CIDR \"{}\": a single address is written {}/{}", text, text,
                         IpAddress::parse(text)->is_v4() ? 32 : 128);
    }
    return fmt::format("invalid CIDR \"{}\"", text);
  }
  const auto trim = [](std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
  };
  const std::string_view start_text = trim(text.substr(0, dash));
  const std::string_view end_text = trim(text.substr(dash + 1));
  const auto start = IpAddress::parse(start_text);
  const auto end = IpAddress::parse(end_text);
  if (!start)
    return fmt::format("invalid IP range \"{}\": invalid start IP \"{}\"", text, start_text);
  if (!end) return fmt::format("invalid IP range \"{}\": invalid end IP \"{}\"", text, end_text);
  if (start->family() != end->family()) {
    return fmt::format("invalid IP range \"{}\": start and end are not of the same family", text);
  }
  return fmt::format("invalid IP range \"{}\": start IP \"{}\" is after the end IP \"{}\"", text,
                     start_text, end_text);
}

std::string range_text(const AddressRange& r) {
  return fmt::format("{}-{}", r.first.to_string(), r.last.to_string());
}

}  // namespace

void validate_pools(LbConfig& config, Reporter& report) {
  struct Placed {
    const IpAddressPool* pool;
    std::size_t index;
    AddressRange range;
  };
  std::vector<Placed> placed;  // every valid range seen so far, to find overlaps
  for (auto& pool : config.pools) {
    pool.ranges.clear();
    if (pool.addresses.empty()) {
      report.error(kPool, pool.meta, "spec.addresses", "pool has no prefixes defined");
    }
    for (std::size_t i = 0; i < pool.addresses.size(); ++i) {
      const std::string field = fmt::format("spec.addresses[{}]", i);
      const auto range = parse_address_range(pool.addresses[i]);
      if (!range) {
        report.error(kPool, pool.meta, field, address_problem(pool.addresses[i]));
        continue;
      }
      for (const auto& other : placed) {
        if (!ranges_overlap(*range, other.range)) continue;
        report.error(
            kPool, pool.meta, field,
            fmt::format("\"{}\" ({}) overlaps with \"{}\" of pool \"{}\" ({} at {})",
                        pool.addresses[i], range_text(*range), other.pool->addresses[other.index],
                        other.pool->meta.name, fmt::format("spec.addresses[{}]", other.index),
                        other.pool->meta.where.at(fmt::format("spec.addresses[{}]", other.index))));
        break;
      }
      placed.push_back({&pool, i, *range});
      pool.ranges.push_back(*range);
    }
    if (pool.service_allocation) {
      const ServiceAllocation& allocation = *pool.service_allocation;
      if (allocation.priority && *allocation.priority < 0) {
        // MetalLB sorts pools with `priority > 0` first and 0 last; a negative one has no
        // consistent place in that order, so vipd refuses it.
        report.error(kPool, pool.meta, "spec.serviceAllocation.priority",
                     fmt::format("priority {} is negative: 1 is the highest, 0 or none the lowest",
                                 *allocation.priority));
      }
      check_no_duplicates(report, kPool, pool.meta, "spec.serviceAllocation.namespaces",
                          allocation.namespaces, "namespaces");
      check_selectors(report, kPool, pool.meta, "spec.serviceAllocation.namespaceSelectors",
                      allocation.namespace_selectors);
      check_selectors(report, kPool, pool.meta, "spec.serviceAllocation.serviceSelectors",
                      allocation.service_selectors);
    }
  }
}

void validate_l2_advertisements(const LbConfig& config, Reporter& report) {
  for (const auto& ad : config.l2_advertisements) {
    check_no_duplicates(report, kL2, ad.meta, "spec.ipAddressPools", ad.ip_address_pools,
                        "ipAddressPools");
    for (std::size_t i = 0; i < ad.ip_address_pools.size(); ++i) {
      if (!config.find_pool(ad.ip_address_pools[i])) {
        // MetalLB skips unknown names (the pool may come later); it announces nothing for it.
        report.warning(kL2, ad.meta, fmt::format("spec.ipAddressPools[{}]", i),
                       fmt::format("no IPAddressPool \"{}\" (ignored)", ad.ip_address_pools[i]));
      }
    }
    check_selectors(report, kL2, ad.meta, "spec.ipAddressPoolSelectors",
                    ad.ip_address_pool_selectors);
    check_selectors(report, kL2, ad.meta, "spec.nodeSelectors", ad.node_selectors);
    check_selectors(report, kL2, ad.meta, "spec.serviceSelectors", ad.service_selectors);
    for (std::size_t i = 0; i < ad.interfaces.size(); ++i) {
      if (auto problem = check_interface_name(ad.interfaces[i])) {
        report.error(kL2, ad.meta, fmt::format("spec.interfaces[{}]", i), *problem);
      }
    }
    for (std::size_t i = 0; i < ad.preferred_node_selectors.size(); ++i) {
      const auto& preferred = ad.preferred_node_selectors[i];
      const std::string field = fmt::format("spec.preferredNodeSelectors[{}]", i);
      if (preferred.weight < 1 || preferred.weight > 100) {
        report.error(kL2, ad.meta, field + ".weight",
                     fmt::format("weight {} is out of range (1-100)", preferred.weight));
      }
      check_selectors(report, kL2, ad.meta, field + ".preference",
                      std::vector<LabelSelector>{preferred.preference});
    }
  }
}

}  // namespace vipd::lb::crd
