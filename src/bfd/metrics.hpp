// The BFD sessions' metric families (docs/metrics.md): MetalLB's FRR-mode `metallb_bfd_*`
// (labels `peer` = the peer's address and `vrf`, frr-tools/metrics/collector/bfd.go) and vipd's
// own `vipd_bfd_*`, which name the whole session (local address, interface, multihop).
#pragma once

#include <cstdint>
#include <functional>

#include "bfd/session.hpp"
#include "metrics/families.hpp"

namespace vipd::bfd {

// `notifications`: how often the session's state changes were reported to its client (FRR's
// "zebra notifications": here, to BGP, for the sessions BGP follows).
void collect_metrics(const SessionTable& table,
                     const std::function<std::uint64_t(const PeerKey&)>& notifications,
                     metrics::Families& families);

}  // namespace vipd::bfd
