// Shared by validate.cpp, validate_pools.cpp and validate_bgp.cpp.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "lb/crd/resources.hpp"

namespace vipd::lb::crd {

// Formats each violation as "FILE:LINE: Kind/name: field: reason", at the line of `field` when
// the parser recorded it.
class Reporter {
 public:
  Reporter(std::vector<std::string>& errors, std::vector<std::string>& warnings)
      : errors_(errors), warnings_(warnings) {}
  void error(std::string_view kind, const ObjectMeta& meta, std::string_view field,
             std::string_view reason);
  void warning(std::string_view kind, const ObjectMeta& meta, std::string_view field,
               std::string_view reason);

 private:
  std::vector<std::string>& errors_;
  std::vector<std::string>& warnings_;
};

// metav1.LabelSelectorAsSelector's checks and MetalLB's validateLabelSelectorDuplicate, for the
// list at `field` ("spec.nodeSelectors").
void check_selectors(Reporter& report, std::string_view kind, const ObjectMeta& meta,
                     std::string_view field, const std::vector<LabelSelector>& selectors);
// MetalLB's validateDuplicate: the same entry twice in a list of names.
void check_no_duplicates(Reporter& report, std::string_view kind, const ObjectMeta& meta,
                         std::string_view field, const std::vector<std::string>& values,
                         std::string_view what);

// The pools an advertisement applies to: those named, those its selectors match, or every
// pool when it has neither (MetalLB's rule). In config order.
std::vector<const IpAddressPool*> selected_pools(const LbConfig& config,
                                                 const std::vector<std::string>& names,
                                                 const std::vector<LabelSelector>& selectors);

void validate_pools(LbConfig& config, Reporter& report);
void validate_l2_advertisements(const LbConfig& config, Reporter& report);
void validate_bfd_profiles(const LbConfig& config, Reporter& report);
void validate_peers(LbConfig& config, Reporter& report);
void validate_communities(const LbConfig& config, Reporter& report);
void validate_bgp_advertisements(LbConfig& config, Reporter& report);

}  // namespace vipd::lb::crd
