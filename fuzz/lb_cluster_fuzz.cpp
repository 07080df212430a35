// libFuzzer target: parse_objects() on arbitrary text (with and without Events). It must not
// crash, throw, hang or leak; every error names the file and a line of it; whatever it returns
// holds what the allocator and the speaker rely on; a Service's status renders and parses back
// to the same ingress and events.
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include "lb/cluster/parse.hpp"

using namespace vipd::lb::cluster;

namespace {

void check_errors(const ParsedObjects& objects, std::string_view text) {
  const std::size_t lines =
      static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
  for (const std::string& error : objects.errors) {
    if (!error.starts_with("fuzz.yaml:")) __builtin_trap();
    std::size_t line = 0;
    std::size_t at = 10;
    while (at < error.size() && error[at] >= '0' && error[at] <= '9') {
      line = line * 10 + static_cast<std::size_t>(error[at++] - '0');
      if (line > lines + 1) __builtin_trap();
    }
    if (line == 0 || at >= error.size() || error[at] != ':') __builtin_trap();
  }
}

void check_objects(const ParsedObjects& objects) {
  for (const Service& service : objects.services) {
    if (service.key.name.empty() || service.key.namespace_.empty()) __builtin_trap();
    if (!service.where.starts_with("fuzz.yaml:")) __builtin_trap();
    for (const ServicePort& port : service.ports) {
      if (port.port == 0) __builtin_trap();
      if (port.protocol != "TCP" && port.protocol != "UDP" && port.protocol != "SCTP") {
        __builtin_trap();
      }
    }
    if (service.type != "ClusterIP" && service.type != "NodePort" &&
        service.type != "LoadBalancer" && service.type != "ExternalName") {
      __builtin_trap();
    }
  }
  for (const EndpointSlice& slice : objects.endpoint_slices) {
    if (slice.key.name.empty()) __builtin_trap();
    for (const Endpoint& endpoint : slice.endpoints) {
      for (const vipd::IpAddress& address : endpoint.addresses) {
        if (address.family() != slice.address_type) __builtin_trap();
      }
    }
  }
  for (const Node& node : objects.nodes) {
    if (node.name.empty()) __builtin_trap();
  }
  for (const Namespace& ns : objects.namespaces) {
    if (ns.name.empty()) __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  ParseOptions with_events;
  with_events.read_events = true;
  ParsedObjects objects;
  parse_objects(text, "fuzz.yaml", objects, with_events);
  check_errors(objects, text);
  check_objects(objects);

  // Status files: what the source writes, it reads back unchanged.
  for (const Service& service : objects.services) {
    std::vector<ServiceEvent> events;
    for (const auto& [key, event] : objects.events) {
      if (key == service.key) events.push_back(event);
    }
    ParsedObjects again;
    parse_objects(render_status(service.key, service.ingress, events), "fuzz.yaml", again,
                  with_events);
    if (!again.errors.empty() || again.services.size() != 1) __builtin_trap();
    if (again.services[0].key != service.key || again.services[0].ingress != service.ingress) {
      __builtin_trap();
    }
    if (again.events.size() != events.size()) __builtin_trap();
    for (std::size_t i = 0; i < events.size(); ++i) {
      if (again.events[i].second != events[i]) __builtin_trap();
    }
  }
  return 0;
}
