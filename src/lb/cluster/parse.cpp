#include "lb/cluster/parse.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <exception>
#include <optional>

namespace vipd::lb::cluster {
namespace {

constexpr std::string_view kServiceNameLabel = "kubernetes.io/service-name";

// One document's text and where it starts in the file (0-based line).
struct DocumentText {
  std::string_view text;
  int first_line = 0;
};

// `---` or `...` at column 0, alone or followed by blanks or content.
bool is_marker(std::string_view line, std::string_view marker) {
  return line.size() >= 3 && line.substr(0, 3) == marker &&
         (line.size() == 3 || line[3] == ' ' || line[3] == '\t' || line[3] == '\r');
}

// Cuts the text at its document markers so that each document is loaded on its own, with
// YAML::Load: yaml-cpp's LoadAll gives up on the whole stream at the first syntax error (one odd
// object in a cluster dump must not hide all the others), and loops forever, allocating, on a
// stray ',' where a document should start (yaml-cpp 0.7). A marker at column 0 cannot occur
// inside any scalar (YAML 1.2 c-forbidden), so a cut never splits a document. A `---` line
// starts a document (directive lines, %YAML, go with it); a `...` line ends one.
std::vector<DocumentText> split_documents(std::string_view text) {
  std::vector<DocumentText> documents;
  std::size_t start = 0;
  int start_line = 0;
  std::size_t directives_start = std::string_view::npos;  // first of the '%' lines just seen
  int directives_line = 0;
  std::size_t position = 0;
  int line_number = 0;
  while (position < text.size()) {
    std::size_t end = text.find('\n', position);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(position, end - position);
    if (is_marker(line, "---")) {
      std::size_t cut = directives_start != std::string_view::npos ? directives_start : position;
      int cut_line = directives_start != std::string_view::npos ? directives_line : line_number;
      if (cut > start) documents.push_back({text.substr(start, cut - start), start_line});
      start = cut;
      start_line = cut_line;
      directives_start = std::string_view::npos;
    } else if (is_marker(line, "...")) {
      std::size_t next = std::min(end + 1, text.size());
      if (next > start) documents.push_back({text.substr(start, next - start), start_line});
      start = next;
      start_line = line_number + 1;
      directives_start = std::string_view::npos;
    } else if (!line.empty() && line[0] == '%') {
      if (directives_start == std::string_view::npos) {
        directives_start = position;
        directives_line = line_number;
      }
    } else {
      directives_start = std::string_view::npos;
    }
    position = end + 1;
    ++line_number;
  }
  if (start < text.size()) documents.push_back({text.substr(start), start_line});
  return documents;
}

// The line (0-based, in the document) of a ',' where the document's first token should be, or
// -1. yaml-cpp takes such a document for an empty one and ignores all of it, silently.
int stray_comma_line(std::string_view document) {
  int line_number = 0;
  std::size_t position = 0;
  while (position < document.size()) {
    std::size_t end = document.find('\n', position);
    if (end == std::string_view::npos) end = document.size();
    std::string_view line = document.substr(position, end - position);
    if (is_marker(line, "---")) line.remove_prefix(3);
    if (!line.empty() && line[0] == '%') line = {};
    std::size_t first = line.find_first_not_of(" \t\r");
    if (first != std::string_view::npos && line[first] != '#') {
      return line[first] == ',' ? line_number : -1;
    }
    position = end + 1;
    ++line_number;
  }
  return -1;
}

// The value of `key` in a mapping; nullopt when `map` is not a mapping, the key is absent or
// its value is null (the API treats an explicit null as absent). Looked up by hand: yaml-cpp's
// operator[] throws on scalars and invents nodes on non-const ones.
std::optional<YAML::Node> find_entry(const YAML::Node& map, std::string_view key) {
  if (!map.IsMap()) return std::nullopt;
  for (const auto& entry : map) {
    if (entry.first.IsScalar() && entry.first.Scalar() == key) {
      if (!entry.second.IsDefined() || entry.second.IsNull()) return std::nullopt;
      return entry.second;
    }
  }
  return std::nullopt;
}

// Strict UTF-8 (no overlong forms, surrogates or code points past U+10FFFF), as the API server's
// JSON decoding requires of every string.
bool is_valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x80) {
      ++i;
      continue;
    }
    std::size_t length = 0;
    std::uint32_t code_point = 0;
    if ((byte & 0xE0) == 0xC0) {
      length = 2;
      code_point = byte & 0x1F;
    } else if ((byte & 0xF0) == 0xE0) {
      length = 3;
      code_point = byte & 0x0F;
    } else if ((byte & 0xF8) == 0xF0) {
      length = 4;
      code_point = byte & 0x07;
    } else {
      return false;
    }
    if (i + length > text.size()) return false;
    for (std::size_t k = 1; k < length; ++k) {
      auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      code_point = (code_point << 6) | (next & 0x3F);
    }
    constexpr std::uint32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code_point < kSmallest[length] || code_point > 0x10FFFF ||
        (code_point >= 0xD800 && code_point <= 0xDFFF)) {
      return false;
    }
    i += length;
  }
  return true;
}

std::string_view type_name(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      return "a scalar";
    default:
      return "null";
  }
}

// One parse_objects call.
struct ParseContext {
  const std::string& file;
  const ParseOptions& options;
  ParsedObjects& out;
  // List and mapping entries we may still visit. YAML aliases let a small text name the same
  // list many times over (items: [*a, *a, ...] with *a holding a long list of endpoints ...), so
  // reading could cost a power of the text's size; real text has fewer entries than bytes.
  std::size_t entry_budget = 0;
};

// Errors of one object; the object is dropped when there is any.
class ObjectReader {
 public:
  ObjectReader(ParseContext& context, int first_line, int kind_line, std::string kind)
      : context_(context),
        file_(context.file),
        first_line_(first_line),
        kind_line_(kind_line),
        kind_(std::move(kind)),
        errors_(context.out.errors) {}

  // find_entry, counting the mapping's entries against the budget: a lookup walks them all.
  std::optional<YAML::Node> lookup(const YAML::Node& map, std::string_view key) {
    if (map.IsMap() && !spend(map, map.size())) return std::nullopt;
    return find_entry(map, key);
  }

  // Counts one more entry visited; false (and the object fails) once the text's budget is spent.
  bool spend(const YAML::Node& at, std::size_t entries = 1) {
    if (context_.entry_budget < entries) {
      context_.entry_budget = 0;
      if (!failed_) error(at, "document", "too many entries for the size of the text (aliases?)");
      failed_ = true;
      return false;
    }
    context_.entry_budget -= entries;
    return true;
  }

  void set_name(const std::string& name) { name_ = name; }
  bool failed() const { return failed_; }
  // "FILE:LINE" of the object's kind, for Service::where.
  std::string where() const { return fmt::format("{}:{}", file_, kind_line_); }

  // The file line (1-based) of a node; the kind's line when yaml-cpp has none.
  int line_of(const YAML::Node& node) const {
    YAML::Mark mark = node.Mark();
    return mark.is_null() ? kind_line_ : first_line_ + mark.line + 1;
  }

  void error(const YAML::Node& at, std::string_view field, std::string_view reason) {
    error_at(line_of(at), field, reason);
  }
  void error_at(int line, std::string_view field, std::string_view reason) {
    failed_ = true;
    std::string object = name_.empty() ? kind_ : kind_ + "/" + name_;
    errors_.push_back(fmt::format("{}:{}: {}: {}: {}", file_, line, object, field, reason));
  }

  std::optional<std::string> string(const YAML::Node& node, std::string_view field) {
    if (!node.IsScalar()) {
      error(node, field, fmt::format("expected a string, got {}", type_name(node)));
      return std::nullopt;
    }
    if (!is_valid_utf8(node.Scalar())) {
      error(node, field, "not valid UTF-8");
      return std::nullopt;
    }
    return node.Scalar();
  }

  // Decimal integers in [min, max], as the API's int32 fields take them.
  std::optional<std::int64_t> integer(const YAML::Node& node, std::string_view field,
                                      std::int64_t min, std::int64_t max) {
    if (!node.IsScalar()) {
      error(node, field, fmt::format("expected an integer, got {}", type_name(node)));
      return std::nullopt;
    }
    const std::string& text = node.Scalar();
    std::int64_t value = 0;
    const char* begin = text.data();
    const char* end = text.data() + text.size();
    if (begin != end && *begin == '+') ++begin;
    auto [ptr, ec] = std::from_chars(begin, end, value);
    if (ec != std::errc() || ptr != end || begin == end) {
      error(node, field, fmt::format("not an integer: \"{}\"", text));
      return std::nullopt;
    }
    if (value < min || value > max) {
      error(node, field, fmt::format("{} is out of range {}-{}", value, min, max));
      return std::nullopt;
    }
    return value;
  }

  // YAML 1.1 booleans as the API server's YAML decoder (go-yaml v2) reads them.
  std::optional<bool> boolean(const YAML::Node& node, std::string_view field) {
    if (node.IsScalar()) {
      const std::string& text = node.Scalar();
      for (std::string_view yes : {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"}) {
        if (text == yes) return true;
      }
      for (std::string_view no :
           {"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"}) {
        if (text == no) return false;
      }
      error(node, field, fmt::format("not a boolean: \"{}\"", text));
      return std::nullopt;
    }
    error(node, field, fmt::format("expected a boolean, got {}", type_name(node)));
    return std::nullopt;
  }

  std::optional<IpAddress> ip(const YAML::Node& node, std::string_view field) {
    auto text = string(node, field);
    if (!text) return std::nullopt;
    auto address = IpAddress::parse(*text);
    if (!address) error(node, field, fmt::format("invalid IP address \"{}\"", *text));
    return address;
  }

  // A list node; an error for anything else (null was already taken as absent).
  bool list(const YAML::Node& node, std::string_view field) {
    if (node.IsSequence()) return true;
    error(node, field, fmt::format("expected a list, got {}", type_name(node)));
    return false;
  }
  bool mapping(const YAML::Node& node, std::string_view field) {
    if (node.IsMap()) return true;
    error(node, field, fmt::format("expected a mapping, got {}", type_name(node)));
    return false;
  }

  // metadata.labels / metadata.annotations: string to string (a null value is "").
  Labels labels(const YAML::Node& node, std::string_view field) {
    Labels labels;
    if (!mapping(node, field)) return labels;
    for (const auto& entry : node) {
      if (!spend(node)) break;
      if (!entry.first.IsScalar()) {
        error(entry.first, field, "keys must be strings");
        continue;
      }
      const std::string& key = entry.first.Scalar();
      if (!is_valid_utf8(key)) {
        error(entry.first, field, "keys must be valid UTF-8");
        continue;
      }
      if (!entry.second.IsDefined() || entry.second.IsNull()) {
        labels[key] = "";
      } else if (auto value = string(entry.second, fmt::format("{}[{}]", field, key))) {
        labels[key] = *value;
      }
    }
    return labels;
  }

 private:
  ParseContext& context_;
  const std::string& file_;
  int first_line_;
  int kind_line_;
  std::string kind_;
  std::string name_;
  std::vector<std::string>& errors_;
  bool failed_ = false;
};

struct Metadata {
  std::string name;
  std::string namespace_;
  Labels labels;
  Labels annotations;
};

// metadata: name (required), namespace (namespaced kinds: "default" when not given, as kubectl
// apply does), labels, annotations.
Metadata read_metadata(const YAML::Node& object, ObjectReader& reader, bool namespaced) {
  Metadata meta;
  auto metadata = reader.lookup(object, "metadata");
  if (!metadata) {
    reader.error(object, "metadata.name", "required");
    return meta;
  }
  if (!reader.mapping(*metadata, "metadata")) return meta;
  if (auto name = reader.lookup(*metadata, "name")) {
    if (auto text = reader.string(*name, "metadata.name")) meta.name = *text;
  }
  if (meta.name.empty()) {
    reader.error(*metadata, "metadata.name", "required");
  } else {
    reader.set_name(meta.name);
  }
  if (namespaced) {
    meta.namespace_ = "default";
    if (auto ns = reader.lookup(*metadata, "namespace")) {
      if (auto text = reader.string(*ns, "metadata.namespace"); text && !text->empty()) {
        meta.namespace_ = *text;
      }
    }
  }
  if (auto labels = reader.lookup(*metadata, "labels")) {
    meta.labels = reader.labels(*labels, "metadata.labels");
  }
  if (auto annotations = reader.lookup(*metadata, "annotations")) {
    meta.annotations = reader.labels(*annotations, "metadata.annotations");
  }
  return meta;
}

std::string indexed(std::string_view field, std::size_t index) {
  return fmt::format("{}[{}]", field, index);
}

void read_ports(const YAML::Node& ports, ObjectReader& reader, Service& service) {
  if (!reader.list(ports, "spec.ports")) return;
  std::size_t index = 0;
  for (const auto& entry : ports) {
    if (!reader.spend(ports)) return;
    std::string field = indexed("spec.ports", index++);
    if (!reader.mapping(entry, field)) continue;
    ServicePort port;
    if (auto name = reader.lookup(entry, "name")) {
      if (auto text = reader.string(*name, field + ".name")) port.name = *text;
    }
    if (auto protocol = reader.lookup(entry, "protocol")) {
      if (auto text = reader.string(*protocol, field + ".protocol")) {
        if (*text == "TCP" || *text == "UDP" || *text == "SCTP") {
          port.protocol = *text;
        } else {
          reader.error(*protocol, field + ".protocol",
                       fmt::format("must be TCP, UDP or SCTP, not \"{}\"", *text));
        }
      }
    }
    if (auto number = reader.lookup(entry, "port")) {
      if (auto value = reader.integer(*number, field + ".port", 1, 65535)) {
        port.port = static_cast<std::uint16_t>(*value);
      }
    } else {
      reader.error(entry, field + ".port", "required");
    }
    if (auto node_port = reader.lookup(entry, "nodePort")) {
      if (auto value = reader.integer(*node_port, field + ".nodePort", 0, 65535)) {
        port.node_port = static_cast<std::uint16_t>(*value);
      }
    }
    service.ports.push_back(std::move(port));
  }
}

void read_service_spec(const YAML::Node& spec, ObjectReader& reader, Service& service) {
  if (!reader.mapping(spec, "spec")) return;
  if (auto type = reader.lookup(spec, "type")) {
    if (auto text = reader.string(*type, "spec.type")) {
      if (*text == "ClusterIP" || *text == "NodePort" || *text == "LoadBalancer" ||
          *text == "ExternalName") {
        service.type = *text;
      } else {
        reader.error(*type, "spec.type",
                     fmt::format("must be ClusterIP, NodePort, LoadBalancer or ExternalName, "
                                 "not \"{}\"",
                                 *text));
      }
    }
  }
  if (auto ip = reader.lookup(spec, "loadBalancerIP")) {
    if (auto text = reader.string(*ip, "spec.loadBalancerIP"); text && !text->empty()) {
      if (IpAddress::parse(*text)) {
        service.load_balancer_ip = *text;
      } else {
        reader.error(*ip, "spec.loadBalancerIP", fmt::format("invalid IP address \"{}\"", *text));
      }
    }
  }
  if (auto lb_class = reader.lookup(spec, "loadBalancerClass")) {
    if (auto text = reader.string(*lb_class, "spec.loadBalancerClass")) {
      service.load_balancer_class = *text;
    }
  }
  if (auto ports = reader.lookup(spec, "ports")) read_ports(*ports, reader, service);
  if (auto policy = reader.lookup(spec, "externalTrafficPolicy")) {
    // Only the field's values: the 1.7-era annotation spelling "OnlyLocal" never was one.
    if (auto text = reader.string(*policy, "spec.externalTrafficPolicy")) {
      if (*text == "Local") {
        service.external_traffic_policy_local = true;
      } else if (*text != "Cluster" && !text->empty()) {
        reader.error(*policy, "spec.externalTrafficPolicy",
                     fmt::format("must be Local or Cluster, not \"{}\"", *text));
      }
    }
  }
  if (auto families = reader.lookup(spec, "ipFamilies");
      families && reader.list(*families, "spec.ipFamilies")) {
    std::size_t index = 0;
    for (const auto& entry : *families) {
      if (!reader.spend(*families)) return;
      std::string field = indexed("spec.ipFamilies", index++);
      auto text = reader.string(entry, field);
      if (!text) continue;
      if (*text == "IPv4") {
        service.ip_families.push_back(Family::kIpv4);
      } else if (*text == "IPv6") {
        service.ip_families.push_back(Family::kIpv6);
      } else {
        reader.error(entry, field, fmt::format("must be IPv4 or IPv6, not \"{}\"", *text));
      }
    }
  }
  if (auto policy = reader.lookup(spec, "ipFamilyPolicy")) {
    if (auto text = reader.string(*policy, "spec.ipFamilyPolicy")) {
      if (*text == "SingleStack") {
        service.ip_family_policy = Service::IpFamilyPolicy::kSingleStack;
      } else if (*text == "PreferDualStack") {
        service.ip_family_policy = Service::IpFamilyPolicy::kPreferDualStack;
      } else if (*text == "RequireDualStack") {
        service.ip_family_policy = Service::IpFamilyPolicy::kRequireDualStack;
      } else {
        reader.error(*policy, "spec.ipFamilyPolicy",
                     fmt::format("must be SingleStack, PreferDualStack or RequireDualStack, "
                                 "not \"{}\"",
                                 *text));
      }
    }
  }
  // clusterIPs supersedes clusterIP (its first entry is clusterIP); "None" is a headless Service.
  auto cluster_ip = [&](const YAML::Node& node, const std::string& field) {
    auto text = reader.string(node, field);
    if (!text || text->empty() || *text == "None") return;
    if (auto address = IpAddress::parse(*text)) {
      service.cluster_ips.push_back(*address);
    } else {
      reader.error(node, field, fmt::format("invalid IP address \"{}\"", *text));
    }
  };
  if (auto ips = reader.lookup(spec, "clusterIPs"); ips && reader.list(*ips, "spec.clusterIPs")) {
    std::size_t index = 0;
    for (const auto& entry : *ips) {
      if (!reader.spend(*ips)) return;
      cluster_ip(entry, indexed("spec.clusterIPs", index++));
    }
  } else if (auto ip = reader.lookup(spec, "clusterIP")) {
    cluster_ip(*ip, "spec.clusterIP");
  }
}

// status.loadBalancer.ingress[].ip; entries with only a hostname (cloud load balancers) carry no
// address for us.
void read_ingress(const YAML::Node& object, ObjectReader& reader, std::vector<IpAddress>& out) {
  auto status = reader.lookup(object, "status");
  if (!status || !reader.mapping(*status, "status")) return;
  auto load_balancer = reader.lookup(*status, "loadBalancer");
  if (!load_balancer || !reader.mapping(*load_balancer, "status.loadBalancer")) return;
  auto ingress = reader.lookup(*load_balancer, "ingress");
  if (!ingress || !reader.list(*ingress, "status.loadBalancer.ingress")) return;
  std::size_t index = 0;
  for (const auto& entry : *ingress) {
    if (!reader.spend(*ingress)) return;
    std::string field = indexed("status.loadBalancer.ingress", index++);
    if (!reader.mapping(entry, field)) continue;
    if (auto ip = reader.lookup(entry, "ip")) {
      if (auto address = reader.ip(*ip, field + ".ip")) out.push_back(*address);
    }
  }
}

void read_service(const YAML::Node& object, ObjectReader& reader, ParsedObjects& out) {
  Service service;
  Metadata meta = read_metadata(object, reader, true);
  service.key = {meta.namespace_, meta.name};
  service.labels = std::move(meta.labels);
  service.annotations = std::move(meta.annotations);
  if (auto spec = reader.lookup(object, "spec")) read_service_spec(*spec, reader, service);
  read_ingress(object, reader, service.ingress);
  service.where = reader.where();
  if (!reader.failed()) out.services.push_back(std::move(service));
}

void read_endpoint(const YAML::Node& entry, const std::string& field, Family family,
                   ObjectReader& reader, EndpointSlice& slice) {
  if (!reader.mapping(entry, field)) return;
  Endpoint endpoint;
  if (auto addresses = reader.lookup(entry, "addresses");
      addresses && reader.list(*addresses, field + ".addresses")) {
    std::size_t index = 0;
    for (const auto& address : *addresses) {
      if (!reader.spend(*addresses)) return;
      std::string address_field = indexed(field + ".addresses", index++);
      auto ip = reader.ip(address, address_field);
      if (!ip) continue;
      if (ip->family() != family) {
        reader.error(address, address_field,
                     fmt::format("{} is not of the slice's addressType", ip->to_string()));
        continue;
      }
      endpoint.addresses.push_back(*ip);
    }
  }
  if (auto node_name = reader.lookup(entry, "nodeName")) {
    if (auto text = reader.string(*node_name, field + ".nodeName")) endpoint.node_name = *text;
  }
  if (auto conditions = reader.lookup(entry, "conditions");
      conditions && reader.mapping(*conditions, field + ".conditions")) {
    if (auto ready = reader.lookup(*conditions, "ready")) {
      endpoint.ready = reader.boolean(*ready, field + ".conditions.ready");
    }
    if (auto serving = reader.lookup(*conditions, "serving")) {
      endpoint.serving = reader.boolean(*serving, field + ".conditions.serving");
    }
    if (auto terminating = reader.lookup(*conditions, "terminating")) {
      endpoint.terminating = reader.boolean(*terminating, field + ".conditions.terminating");
    }
  }
  slice.endpoints.push_back(std::move(endpoint));
}

void read_endpoint_slice(const YAML::Node& object, ObjectReader& reader, ParsedObjects& out) {
  EndpointSlice slice;
  Metadata meta = read_metadata(object, reader, true);
  slice.key = {meta.namespace_, meta.name};
  if (auto it = meta.labels.find(std::string(kServiceNameLabel)); it != meta.labels.end()) {
    slice.service_name = it->second;
  }
  auto address_type = reader.lookup(object, "addressType");
  if (!address_type) {
    reader.error(object, "addressType", "required");
    return;
  }
  auto type = reader.string(*address_type, "addressType");
  if (!type) return;
  if (*type == "FQDN") return;  // names, not addresses: nothing the load balancer can use
  if (*type == "IPv4") {
    slice.address_type = Family::kIpv4;
  } else if (*type == "IPv6") {
    slice.address_type = Family::kIpv6;
  } else {
    reader.error(*address_type, "addressType",
                 fmt::format("must be IPv4, IPv6 or FQDN, not \"{}\"", *type));
    return;
  }
  if (auto endpoints = reader.lookup(object, "endpoints");
      endpoints && reader.list(*endpoints, "endpoints")) {
    std::size_t index = 0;
    for (const auto& entry : *endpoints) {
      if (!reader.spend(*endpoints)) return;
      read_endpoint(entry, indexed("endpoints", index++), slice.address_type, reader, slice);
    }
  }
  if (!reader.failed()) out.endpoint_slices.push_back(std::move(slice));
}

void read_node(const YAML::Node& object, ObjectReader& reader, ParsedObjects& out) {
  Node node;
  Metadata meta = read_metadata(object, reader, false);
  node.name = meta.name;
  node.labels = std::move(meta.labels);
  auto status = reader.lookup(object, "status");
  if (status && reader.mapping(*status, "status")) {
    if (auto conditions = reader.lookup(*status, "conditions");
        conditions && reader.list(*conditions, "status.conditions")) {
      std::size_t index = 0;
      for (const auto& condition : *conditions) {
        if (!reader.spend(*conditions)) return;
        std::string field = indexed("status.conditions", index++);
        if (!reader.mapping(condition, field)) continue;
        auto type_node = reader.lookup(condition, "type");
        auto status_node = reader.lookup(condition, "status");
        if (!type_node || !status_node) continue;
        auto type = reader.string(*type_node, field + ".type");
        auto value = reader.string(*status_node, field + ".status");
        if (!type || !value) continue;
        if (*value != "True" && *value != "False" && *value != "Unknown") {
          reader.error(*status_node, field + ".status",
                       fmt::format("must be True, False or Unknown, not \"{}\"", *value));
          continue;
        }
        // Unknown (the kubelet stopped reporting) is not ready; a network is unavailable only
        // when the condition says so.
        if (*type == "Ready") node.ready = *value == "True";
        if (*type == "NetworkUnavailable") node.network_unavailable = *value == "True";
      }
    }
  }
  if (!reader.failed()) out.nodes.push_back(std::move(node));
}

void read_namespace(const YAML::Node& object, ObjectReader& reader, ParsedObjects& out) {
  Namespace ns;
  Metadata meta = read_metadata(object, reader, false);
  ns.name = meta.name;
  ns.labels = std::move(meta.labels);
  if (!reader.failed()) out.namespaces.push_back(std::move(ns));
}

void read_event(const YAML::Node& object, ObjectReader& reader, ParsedObjects& out) {
  Metadata meta = read_metadata(object, reader, true);
  auto involved = reader.lookup(object, "involvedObject");
  if (!involved || !reader.mapping(*involved, "involvedObject")) return;
  auto kind = reader.lookup(*involved, "kind");
  if (!kind || !kind->IsScalar() || kind->Scalar() != "Service") return;
  ObjectKey key{meta.namespace_, ""};
  if (auto name = reader.lookup(*involved, "name")) {
    if (auto text = reader.string(*name, "involvedObject.name")) key.name = *text;
  }
  if (auto ns = reader.lookup(*involved, "namespace")) {
    if (auto text = reader.string(*ns, "involvedObject.namespace"); text && !text->empty()) {
      key.namespace_ = *text;
    }
  }
  ServiceEvent event;
  if (auto reason = reader.lookup(object, "reason")) {
    if (auto text = reader.string(*reason, "reason")) event.reason = *text;
  }
  if (auto message = reader.lookup(object, "message")) {
    if (auto text = reader.string(*message, "message")) event.message = *text;
  }
  if (auto type = reader.lookup(object, "type")) {
    if (auto text = reader.string(*type, "type")) event.warning = *text == "Warning";
  }
  if (auto time = reader.lookup(object, "lastTimestamp")) {
    if (auto text = reader.string(*time, "lastTimestamp")) event.time = *text;
  }
  if (key.name.empty()) reader.error(*involved, "involvedObject.name", "required");
  if (!reader.failed()) out.events.emplace_back(std::move(key), std::move(event));
}

void read_object(const YAML::Node& object, ParseContext& context, int first_line, bool in_list) {
  const std::string& file = context.file;
  ParsedObjects& out = context.out;
  auto line_of = [&](const YAML::Node& node) {
    YAML::Mark mark = node.Mark();
    return mark.is_null() ? first_line + 1 : first_line + mark.line + 1;
  };
  if (!object.IsDefined() || object.IsNull()) return;  // an empty document or list item
  if (!object.IsMap()) {
    out.errors.push_back(fmt::format("{}:{}: expected a Kubernetes object (a mapping), got {}",
                                     file, line_of(object), type_name(object)));
    return;
  }
  // Three walks of the mapping below (kind, apiVersion, items); see ParseContext::entry_budget.
  if (std::size_t cost = 3 * object.size(); context.entry_budget >= cost) {
    context.entry_budget -= cost;
  } else {
    context.entry_budget = 0;
    out.errors.push_back(fmt::format("{}:{}: too many entries for the size of the text (aliases?)",
                                     file, line_of(object)));
    return;
  }
  auto kind_node = find_entry(object, "kind");
  if (!kind_node || !kind_node->IsScalar()) return;  // not an object of any API: not ours
  const std::string& kind = kind_node->Scalar();
  std::string api_version;
  if (auto api = find_entry(object, "apiVersion"); api && api->IsScalar())
    api_version = api->Scalar();

  if (!in_list && kind.ends_with("List")) {
    auto items = find_entry(object, "items");
    if (!items) return;
    if (!items->IsSequence()) {
      out.errors.push_back(fmt::format("{}:{}: {}: items: expected a list, got {}", file,
                                       line_of(*items), kind, type_name(*items)));
      return;
    }
    for (const auto& item : *items) {
      if (context.entry_budget == 0) {
        out.errors.push_back(
            fmt::format("{}:{}: {}: items: too many entries for the size of "
                        "the text (aliases?)",
                        file, line_of(*items), kind));
        return;
      }
      --context.entry_budget;
      read_object(item, context, first_line, true);
    }
    return;
  }

  using Reader = void (*)(const YAML::Node&, ObjectReader&, ParsedObjects&);
  Reader read = nullptr;
  std::string_view wanted_api = "v1";
  if (kind == "Service") {
    read = read_service;
  } else if (kind == "EndpointSlice") {
    read = read_endpoint_slice;
    wanted_api = "discovery.k8s.io/v1";
  } else if (kind == "Node") {
    read = read_node;
  } else if (kind == "Namespace") {
    read = read_namespace;
  } else if (kind == "Event" && context.options.read_events) {
    read = read_event;
  }
  if (read == nullptr) return;
  ObjectReader reader(context, first_line, line_of(*kind_node), kind);
  if (api_version.empty()) {
    // kubectl refuses such a manifest; silently ignoring it would hide a typo.
    reader.error(object, "apiVersion", fmt::format("required (\"{}\")", wanted_api));
    return;
  }
  if (api_version != wanted_api) return;  // another group's kind of that name (Knative Service)
  read(object, reader, out);
}

}  // namespace

void parse_objects(std::string_view text, const std::string& file, ParsedObjects& out,
                   const ParseOptions& options) {
  // Sixteen visits per byte is far more than any real text needs (a kubectl Service is read
  // with fewer visits than it has bytes) and still linear.
  ParseContext context{file, options, out, 16 * text.size() + 4096};
  for (const DocumentText& document : split_documents(text)) {
    if (int line = stray_comma_line(document.text); line >= 0) {
      out.errors.push_back(fmt::format("{}:{}: unexpected ','; document skipped", file,
                                       document.first_line + line + 1));
      continue;
    }
    try {
      std::string document_text(document.text);
      read_object(YAML::Load(document_text), context, document.first_line, false);
    } catch (const YAML::Exception& e) {
      int line = document.first_line + (e.mark.is_null() ? 0 : e.mark.line) + 1;
      out.errors.push_back(fmt::format("{}:{}: {}", file, line, e.msg));
    } catch (const std::exception& e) {
      out.errors.push_back(fmt::format("{}:{}: {}", file, document.first_line + 1, e.what()));
    }
  }
}

std::string render_status(const ObjectKey& service, const std::vector<IpAddress>& ingress,
                          const std::vector<ServiceEvent>& events) {
  YAML::Emitter yaml;
  yaml << YAML::Comment(
      "Written by vipd's load balancer controller: the addresses it assigned to this Service\n"
      "and its last events. Every vipd watching this directory reads it back.");
  yaml << YAML::BeginMap;
  yaml << YAML::Key << "apiVersion" << YAML::Value << "v1";
  yaml << YAML::Key << "kind" << YAML::Value << "Service";
  yaml << YAML::Key << "metadata" << YAML::Value << YAML::BeginMap;
  yaml << YAML::Key << "name" << YAML::Value << service.name;
  yaml << YAML::Key << "namespace" << YAML::Value << service.namespace_;
  yaml << YAML::EndMap;
  yaml << YAML::Key << "status" << YAML::Value << YAML::BeginMap;
  yaml << YAML::Key << "loadBalancer" << YAML::Value;
  if (ingress.empty()) {
    yaml << YAML::Flow << YAML::BeginMap << YAML::EndMap;  // as the API prints it: {}
  } else {
    yaml << YAML::BeginMap << YAML::Key << "ingress" << YAML::Value << YAML::BeginSeq;
    for (const IpAddress& ip : ingress) {
      yaml << YAML::BeginMap << YAML::Key << "ip" << YAML::Value << ip.to_string() << YAML::EndMap;
    }
    yaml << YAML::EndSeq << YAML::EndMap;
  }
  yaml << YAML::EndMap << YAML::EndMap;
  std::size_t index = 0;
  for (const ServiceEvent& event : events) {
    yaml << YAML::BeginDoc << YAML::BeginMap;
    yaml << YAML::Key << "apiVersion" << YAML::Value << "v1";
    yaml << YAML::Key << "kind" << YAML::Value << "Event";
    yaml << YAML::Key << "metadata" << YAML::Value << YAML::BeginMap;
    yaml << YAML::Key << "name" << YAML::Value << fmt::format("{}.{}", service.name, index++);
    yaml << YAML::Key << "namespace" << YAML::Value << service.namespace_;
    yaml << YAML::EndMap;
    yaml << YAML::Key << "involvedObject" << YAML::Value << YAML::BeginMap;
    yaml << YAML::Key << "apiVersion" << YAML::Value << "v1";
    yaml << YAML::Key << "kind" << YAML::Value << "Service";
    yaml << YAML::Key << "name" << YAML::Value << service.name;
    yaml << YAML::Key << "namespace" << YAML::Value << service.namespace_;
    yaml << YAML::EndMap;
    yaml << YAML::Key << "reason" << YAML::Value << event.reason;
    yaml << YAML::Key << "message" << YAML::Value << event.message;
    yaml << YAML::Key << "type" << YAML::Value << (event.warning ? "Warning" : "Normal");
    yaml << YAML::Key << "lastTimestamp" << YAML::Value << event.time;
    yaml << YAML::Key << "source" << YAML::Value << YAML::BeginMap;
    yaml << YAML::Key << "component" << YAML::Value << "vipd-lb-controller";
    yaml << YAML::EndMap;
    yaml << YAML::EndMap;
  }
  std::string text = yaml.c_str();
  text += '\n';
  return text;
}

}  // namespace vipd::lb::cluster
