// The BGP speaker's metric families (docs/metrics.md): MetalLB's `metallb_bgp_*`, with the
// labels of its FRR mode (`peer` = "ADDRESS:PORT" as MetalLB prints it, `vrf`), so that the
// dashboards and alerts written for MetalLB keep working, and vipd's own `vipd_bgp_*`.
#pragma once

#include "bgp/speaker.hpp"
#include "metrics/families.hpp"

namespace vipd::bgp {

// MetalLB's `peer` label: the neighbor's address and BGP port joined with ':' (fmt "%s:%d" in
// MetalLB's native and FRR modes alike, so an IPv6 neighbor is "fd00::1:179", unbracketed).
std::string metallb_peer_label(const IpAddress& address, std::uint16_t port);

void collect_metrics(const Speaker& speaker, metrics::Families& families);

}  // namespace vipd::bgp
