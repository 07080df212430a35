// Reading MetalLB resources from --lb-config paths: files or directories (every *.yaml, *.yml
// and *.json file in it, sorted by name, not recursive), each holding one or more YAML
// documents, and a `kubectl get -o yaml` `List` (its `items`). Kinds of other API groups (a
// Namespace, a Deployment of MetalLB's own manifests) are skipped with a warning; unknown
// metallb.io kinds too. Errors name FILE:LINE, kind/name, the field and the reason:
//   "metallb.yaml:12: IPAddressPool/first-pool: spec.addresses[0]: invalid CIDR "10.0.0/24""
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lb/crd/resources.hpp"

namespace vipd::lb::crd {

struct LoadResult {
  LbConfig config;
  std::vector<std::string> errors;  // non-empty: nothing may be applied
  std::vector<std::string> warnings;
};

// Parses `text` (the content of `file`, which only names it in messages) and adds what it
// holds to `result`; never throws, whatever the text. A resource with an error is reported and
// left out of `result.config`.
void parse_documents(std::string_view text, const std::string& file, LoadResult& result);

// Reads every path, then validates the whole set (validate.hpp), so that cross-resource rules
// (overlapping pools, a BGPAdvertisement naming a missing pool) see everything.
LoadResult load_lb_config(const std::vector<std::string>& paths);

// The same for resources that are not files (the Kubernetes API's metallb.io objects): each
// document's text with where it came from ("IPAddressPool metallb-system/pool-a").
LoadResult load_lb_documents(const std::vector<std::pair<std::string, std::string>>& documents);

}  // namespace vipd::lb::crd
