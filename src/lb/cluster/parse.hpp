// Reading the Kubernetes objects of objects.hpp from YAML or JSON text, as users and kubectl write
// them: one or more documents (`---`), each a single object or a `List` (any kind ending in
// "List" with `items`, as `kubectl get -o yaml` prints), with whatever else the API adds
// (managedFields, uid, resourceVersion, status noise), which is ignored.
//
// Read: core/v1 Service, Node and Namespace and discovery.k8s.io/v1 EndpointSlice. Every other
// apiVersion/kind pair is skipped silently: MetalLB's own resources may share the directory, and
// a Knative `serving.knative.dev/v1` Service is not a Service. Errors read
//   "cluster.yaml:12: Service/redis: spec.ports[0].port: not an integer: "http""
// and drop only the object they are in (one item of a List, or one document); the rest of the
// text is still read. A YAML syntax error drops the document it is in.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/ip.hpp"
#include "lb/cluster/objects.hpp"

namespace vipd::lb::cluster {

// A Kubernetes Event about a Service, as the directory source keeps the last ones in a Service's
// status file (core/v1 Event documents with involvedObject the Service).
struct ServiceEvent {
  std::string reason;  // IPAllocated, AllocationFailed, ...
  std::string message;
  bool warning = false;  // type: Warning (else Normal)
  std::string time;      // lastTimestamp, RFC 3339 UTC
  bool operator==(const ServiceEvent&) const = default;
};

// Everything one text held, in the order read.
struct ParsedObjects {
  std::vector<Service> services;
  std::vector<EndpointSlice> endpoint_slices;
  std::vector<Node> nodes;
  std::vector<Namespace> namespaces;
  // Only with ParseOptions::read_events: the Events whose involvedObject is a Service.
  std::vector<std::pair<ObjectKey, ServiceEvent>> events;
  std::vector<std::string> errors;
};

struct ParseOptions {
  // Status files keep events; a cluster dump's thousands of Events are of no use to us.
  bool read_events = false;
};

// Parses `text`, the content of `file` (which only names it in messages), appending to `out`.
// Never throws, whatever the text.
void parse_objects(std::string_view text, const std::string& file, ParsedObjects& out,
                   const ParseOptions& options = {});

// The status document the directory source writes for a Service: a Service-shaped document with
// metadata.name/namespace and status.loadBalancer.ingress, then one Event document per event
// (oldest first). parse_objects with read_events reads it back exactly.
std::string render_status(const ObjectKey& service, const std::vector<IpAddress>& ingress,
                          const std::vector<ServiceEvent>& events);

}  // namespace vipd::lb::cluster
