// The rules MetalLB's admission webhooks and its controller/speaker config parsing enforce
// (internal/config/config.go, api/*/webhook), applied to a whole set of resources. Each
// violation is one message naming FILE:LINE, kind/name, the field and the reason. Also
// resolves what later stages need: BGPAdvertisement communities (aliases from Community
// resources, "large:" values) and BGPPeer passwordSecret (from a Secret in the set).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lb/crd/resources.hpp"

namespace vipd::lb::crd {

// Adds one message per violation to `errors`; fills the resolved fields of `config`
// (IpAddressPool.ranges, BgpAdvertisement communities, BgpPeer.password_from_secret).
void validate(LbConfig& config, std::vector<std::string>& errors);
// The same, also reporting what MetalLB accepts but is most likely a mistake (an advertisement
// naming a pool or a peer that does not exist: MetalLB ignores the name).
void validate(LbConfig& config, std::vector<std::string>& errors,
              std::vector<std::string>& warnings);

// Helpers shared with the parser and the tests.
// "10.47.40.1/24" (network, host bits ignored), "10.0.0.1-10.0.0.9" (spaces around the dash
// allowed). A bare address is refused, as MetalLB refuses it (net.ParseCIDR needs the "/len").
// nullopt: not one of those (or a range across families, or first > last).
std::optional<AddressRange> parse_address_range(std::string_view text);
// "65535:65282", "no-export" style well-known names are not MetalLB's; it takes "A:B" with
// 16-bit halves, or "large:A:B:C". nullopt for anything else.
std::optional<std::uint32_t> parse_standard_community(std::string_view text);
std::optional<bgp::wire::LargeCommunity> parse_large_community(std::string_view text);

}  // namespace vipd::lb::crd
