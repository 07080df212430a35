// Address ranges as 128-bit integers: MetalLB's view of a range as the CIDRs that cover it
// exactly (ipaddr.Summarize), which its aggregation-length rule is about.
#pragma once

#include <cstdint>
#include <vector>

#include "common/ip.hpp"
#include "lb/crd/resources.hpp"

namespace vipd::lb::crd {

using Uint128 = unsigned __int128;

Uint128 to_uint128(const IpAddress& address);  // IPv4: the low 32 bits

// The shortest list of prefixes that covers `range` exactly, in address order.
std::vector<Prefix> summarize(const AddressRange& range);

// The shortest prefix length among summarize(range): MetalLB's lowestMask.
int widest_prefix_length(const AddressRange& range);

bool ranges_overlap(const AddressRange& a, const AddressRange& b);

}  // namespace vipd::lb::crd
