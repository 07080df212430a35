#include "lb/cluster/objects.hpp"

namespace vipd::lb::cluster {
namespace {

// Whether one of `slices` has an endpoint with an address that can serve, on `node` (empty:
// any node).
bool any_serving(const std::vector<const EndpointSlice*>& slices, const std::string& node) {
  for (const EndpointSlice* slice : slices)
    for (const Endpoint& endpoint : slice->endpoints)
      // As MetalLB's speaker (hasHealthyEndpoint): an endpoint without addresses serves nothing.
      if ((node.empty() || endpoint.node_name == node) && !endpoint.addresses.empty() &&
          endpoint_can_serve(endpoint))
        return true;
  return false;
}

}  // namespace

// MetalLB's epslices.EndpointCanServe: the ready condition wins when set (an unset one means
// ready, as the API says); a not-ready endpoint still counts while it is serving, so a pod in
// graceful shutdown (ready false, serving true, terminating true) keeps its address announced
// until it is gone from the slice. Terminating is deliberately not consulted: MetalLB switched
// from ready to serving for exactly that case (metallb#2074).
bool endpoint_can_serve(const Endpoint& endpoint) {
  if (!endpoint.ready.has_value() || *endpoint.ready) return true;
  return endpoint.serving.value_or(false);
}

std::vector<const EndpointSlice*> ClusterState::slices_of(const ObjectKey& service) const {
  std::vector<const EndpointSlice*> slices;
  // Slices are keyed by namespace first, so the Service's namespace is one contiguous range.
  for (auto it = endpoint_slices.lower_bound(ObjectKey{service.namespace_, ""});
       it != endpoint_slices.end() && it->first.namespace_ == service.namespace_; ++it) {
    if (it->second.service_name == service.name) slices.push_back(&it->second);
  }
  return slices;
}

bool ClusterState::has_local_endpoint(const ObjectKey& service, const std::string& node) const {
  if (node.empty()) return false;
  return any_serving(slices_of(service), node);
}

SliceIndex::SliceIndex(const ClusterState& state) {
  for (const auto& [key, slice] : state.endpoint_slices)
    by_service_[ObjectKey{key.namespace_, slice.service_name}].push_back(&slice);
}

const std::vector<const EndpointSlice*>& SliceIndex::of(const ObjectKey& service) const {
  static const std::vector<const EndpointSlice*> kNone;
  auto it = by_service_.find(service);
  return it == by_service_.end() ? kNone : it->second;
}

bool SliceIndex::has_serving_endpoint(const ObjectKey& service, const std::string& node) const {
  return any_serving(of(service), node);
}

const Namespace* ClusterState::find_namespace(const std::string& name) const {
  auto it = namespaces.find(name);
  return it == namespaces.end() ? nullptr : &it->second;
}

}  // namespace vipd::lb::cluster
