#include "lb/cluster/objects.hpp"

namespace vipd::lb::cluster {
namespace {

// MetalLB's epslices.EndpointCanServe: the ready condition wins when set (an unset one means
// ready, as the API says); a not-ready endpoint still counts while it is serving, so a pod in
// graceful shutdown (ready false, serving true, terminating true) keeps its address announced
// until it is gone from the slice. Terminating is deliberately not consulted: MetalLB switched
// from ready to serving for exactly that case (metallb#2074).
bool endpoint_can_serve(const Endpoint& endpoint) {
  if (!endpoint.ready.has_value() || *endpoint.ready) return true;
  return endpoint.serving.value_or(false);
}

}  // namespace

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
  for (const EndpointSlice* slice : slices_of(service)) {
    for (const Endpoint& endpoint : slice->endpoints) {
      // As MetalLB's speaker (hasHealthyEndpoint): an endpoint without addresses serves nothing.
      if (endpoint.node_name == node && !endpoint.addresses.empty() &&
          endpoint_can_serve(endpoint)) {
        return true;
      }
    }
  }
  return false;
}

const Namespace* ClusterState::find_namespace(const std::string& name) const {
  auto it = namespaces.find(name);
  return it == namespaces.end() ? nullptr : &it->second;
}

}  // namespace vipd::lb::cluster
