// The kernel route table's metric families (docs/metrics.md), vipd's own: the routes it holds
// per source and address family, and its writes.
#pragma once

#include "fib/fib.hpp"
#include "metrics/families.hpp"

namespace vipd::fib {

void collect_metrics(const Fib& fib, metrics::Families& families);

}  // namespace vipd::fib
