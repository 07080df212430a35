// The `spec` of each MetalLB kind (and the body of a basic-auth Secret), read field by field
// as the kind's CRD schema declares them. parse.cpp reads the envelope and calls these.
#pragma once

#include <yaml-cpp/yaml.h>

#include "lb/crd/resources.hpp"
#include "lb/crd/yaml_reader.hpp"

namespace vipd::lb::crd {

void read_pool_spec(ResourceReader& r, const YAML::Node& spec, IpAddressPool& pool);
// `v1beta1`: the deprecated version (fewer fields, all of myASN, peerASN, peerAddress required,
// its own NodeSelector type).
void read_peer_spec(ResourceReader& r, const YAML::Node& spec, bool v1beta1, BgpPeer& peer);
void read_bgp_advertisement_spec(ResourceReader& r, const YAML::Node& spec,
                                 BgpAdvertisement& advertisement);
void read_l2_advertisement_spec(ResourceReader& r, const YAML::Node& spec,
                                L2Advertisement& advertisement);
void read_community_spec(ResourceReader& r, const YAML::Node& spec, Community& community);
void read_bfd_profile_spec(ResourceReader& r, const YAML::Node& spec, BfdProfile& profile);

}  // namespace vipd::lb::crd
