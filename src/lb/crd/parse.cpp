// The envelope of every object (apiVersion, kind, metadata, spec/status), multi-document text
// and `List`s; which kinds and versions are MetalLB's; basic-auth Secrets.
#include <fmt/format.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <functional>
#include <optional>
#include <sstream>
#include <utility>

#include "lb/crd/load.hpp"
#include "lb/crd/parse_kinds.hpp"
#include "lb/crd/values.hpp"
#include "lb/crd/yaml_reader.hpp"

namespace vipd::lb::crd {
namespace {

using Field = ResourceReader::Field;
using Node = YAML::Node;
using Path = std::string;

constexpr std::string_view kGroup = "metallb.io";

int line_of(const Node& node) {
  const YAML::Mark mark = node.Mark();
  return mark.is_null() || mark.line < 0 ? 0 : mark.line + 1;
}

// The value of `key` in a mapping, and the key's own node (its line); nullopt if absent.
std::optional<std::pair<Node, Node>> find_entry(const Node& map, std::string_view key) {
  if (!map.IsMap()) return std::nullopt;
  for (const auto& entry : map) {
    if (entry.first.IsScalar() && entry.first.Scalar() == key) {
      return std::make_pair(entry.first, entry.second);
    }
  }
  return std::nullopt;
}

// ObjectMeta: what MetalLB uses is read; what the API server fills in (uid, resourceVersion...)
// is accepted as `kubectl get -o yaml` writes it, and ignored.
void read_metadata(ResourceReader& r, const Node& node, ObjectMeta& meta) {
  const auto ignored = [](const Node&, const Path&) {};
  r.read_map(node, "metadata",
             {{"name",
               [&](const Node& v, const Path& p) {
                 const auto name = r.read_string(v, p);
                 if (!name) return;
                 meta.name = *name;
                 r.set_name(*name);
                 if (auto problem = check_object_name(*name)) r.error(v, p, *problem);
               },
               true},
              {"namespace",
               [&](const Node& v, const Path& p) {
                 const auto ns = r.read_string(v, p);
                 if (!ns) return;
                 meta.namespace_ = *ns;
                 if (auto problem = check_namespace_name(*ns)) r.error(v, p, *problem);
               }},
              {"labels",
               [&](const Node& v, const Path& p) {
                 meta.labels = r.read_string_map(v, p);
                 for (const auto& [key, value] : meta.labels) {
                   const std::string key_path = fmt::format("{}[{}]", p, key);
                   if (auto problem = check_label_key(key)) r.error(v, key_path, *problem);
                   if (auto problem = check_label_value(value)) r.error(v, key_path, *problem);
                 }
               }},
              {"annotations",
               [&](const Node& v, const Path& p) {
                 meta.annotations = r.read_string_map(v, p);
                 for (const auto& [key, value] : meta.annotations) {
                   if (auto problem = check_label_key(key)) {
                     r.error(v, fmt::format("{}[{}]", p, key), *problem);
                   }
                 }
               }},
              {"generateName", ignored},
              {"uid", ignored},
              {"resourceVersion", ignored},
              {"generation", ignored},
              {"creationTimestamp", ignored},
              {"deletionTimestamp", ignored},
              {"deletionGracePeriodSeconds", ignored},
              {"ownerReferences", ignored},
              {"finalizers", ignored},
              {"managedFields", ignored},
              {"selfLink", ignored}});
}

// v1 Secret, kept only if it can serve as a BGPPeer passwordSecret: the password is
// data.password (base64) or stringData.password (which the API server merges into data, and
// which wins).
void read_secret(ResourceReader& r, const Node& object, Secret& secret) {
  std::optional<std::string> data_password, string_data_password;
  const auto noop = [](const Node&, const Path&) {};
  r.read_map(object, "",
             {{"apiVersion", noop},
              {"kind", noop},
              {"metadata", noop},
              {"type",
               [&](const Node& v, const Path& p) {
                 if (auto type = r.read_string(v, p)) secret.type = *type;
               }},
              {"immutable", [&](const Node& v, const Path& p) { (void)r.read_bool(v, p); }},
              {"data",
               [&](const Node& v, const Path& p) {
                 for (const auto& [key, value] : r.read_string_map(v, p)) {
                   const auto decoded = decode_base64(value);
                   if (!decoded) {
                     r.error(v, fmt::format("{}[{}]", p, key), "invalid base64");
                   } else if (key == "password") {
                     data_password = *decoded;
                   }
                 }
               }},
              {"stringData", [&](const Node& v, const Path& p) {
                 const auto values = r.read_string_map(v, p);
                 if (const auto found = values.find("password"); found != values.end()) {
                   string_data_password = found->second;
                 }
               }}});
  if (string_data_password || data_password) {
    secret.password = string_data_password ? *string_data_password : *data_password;
    secret.has_password = true;
  }
}

struct MetalLbKind {
  std::string_view kind;
  std::array<std::string_view, 2> versions;  // empty entries unused
};

constexpr std::array<MetalLbKind, 6> kKinds = {{
    {"IPAddressPool", {"v1beta1", ""}},
    {"BGPPeer", {"v1beta2", "v1beta1"}},
    {"BGPAdvertisement", {"v1beta1", ""}},
    {"L2Advertisement", {"v1beta1", ""}},
    {"Community", {"v1beta1", ""}},
    {"BFDProfile", {"v1beta1", ""}},
}};

// The envelope of a MetalLB object; `read_spec` gets the spec (null when absent, so that its
// required fields are reported).
template <typename T>
void read_spec_envelope(ResourceReader& r, const Node& object, T& resource,
                        const std::function<void(const Node&, T&)>& read_spec) {
  const auto noop = [](const Node&, const Path&) {};
  std::optional<Node> spec;
  r.read_map(object, "",
             {{"apiVersion", noop},
              {"kind", noop},
              {"metadata", noop},
              {"spec", [&](const Node& v, const Path&) { spec.emplace(v); }},
              {"status", noop}});
  read_spec(spec ? *spec : Node(YAML::NodeType::Null), resource);
}

// One object of a known kind: metadata first (so that every message names the object), then
// the rest. The reader records field lines into the resource's own SourceLocation.
template <typename T>
void read_resource(const Node& object, const std::string& file, int kind_line,
                   const std::string& kind, LoadResult& result, std::vector<T>& out,
                   const std::function<void(ResourceReader&, T&)>& read_body) {
  T resource;
  resource.meta.where = SourceLocation{file, kind_line, {}};
  ResourceReader r(kind, resource.meta.where, result.errors, result.warnings);
  const auto metadata = find_entry(object, "metadata");
  if (metadata && !metadata->second.IsNull()) {
    r.record_line("metadata", metadata->first);
    read_metadata(r, metadata->second, resource.meta);
  } else {
    r.error(object, "metadata.name", "required field missing");
  }
  read_body(r, resource);
  // A resource read only in part is left out: its errors are reported, and validating what
  // is left of it would only add messages that follow from them.
  if (r.error_count() == 0) out.push_back(std::move(resource));
}

void read_object(const Node& object, const std::string& file, LoadResult& result, bool in_list);

void read_list(const Node& object, const std::string& file, LoadResult& result,
               const std::string& api_version, const std::string& kind, int kind_line) {
  SourceLocation where{file, kind_line, {}};
  ResourceReader r(kind, where, result.errors, result.warnings);
  const auto noop = [](const Node&, const Path&) {};
  r.read_map(object, "",
             {{"apiVersion", noop},
              {"kind", noop},
              {"metadata", noop},
              {"items", [&](const Node& v, const Path& p) {
                 r.read_list(v, p, [&](const Node& item, const Path&) {
                   read_object(item, file, result, true);
                 });
               }}});
  (void)api_version;
}

void read_object(const Node& object, const std::string& file, LoadResult& result, bool in_list) {
  if (object.IsNull()) return;  // an empty document, or "---" at the end
  const std::string at = fmt::format("{}:{}", file, line_of(object));
  if (!object.IsMap()) {
    result.errors.push_back(format_message(at, "", "", "", "expected a Kubernetes object (a map)"));
    return;
  }
  const auto kind_entry = find_entry(object, "kind");
  const auto version_entry = find_entry(object, "apiVersion");
  const int kind_line = kind_entry ? line_of(kind_entry->first) : line_of(object);
  const std::string kind_at = fmt::format("{}:{}", file, kind_line);
  if (!kind_entry || !kind_entry->second.IsScalar() || kind_entry->second.Scalar().empty()) {
    result.errors.push_back(format_message(at, "", "", "kind", "required field missing"));
    return;
  }
  if (!version_entry || !version_entry->second.IsScalar() ||
      version_entry->second.Scalar().empty()) {
    result.errors.push_back(format_message(at, "", "", "apiVersion", "required field missing"));
    return;
  }
  const std::string& kind = kind_entry->second.Scalar();
  const std::string& api_version = version_entry->second.Scalar();
  const std::size_t slash = api_version.find('/');
  const std::string group = slash == std::string::npos ? "" : api_version.substr(0, slash);
  const std::string version = api_version.substr(slash == std::string::npos ? 0 : slash + 1);

  const bool is_list =
      kind == "List" || (group == kGroup && kind.ends_with("List") && find_entry(object, "items"));
  if (is_list) {
    if (in_list) {
      result.errors.push_back(format_message(kind_at, kind, "", "", "a List inside a List"));
      return;
    }
    read_list(object, file, result, api_version, kind, kind_line);
    return;
  }

  const bool is_secret = group.empty() && version == "v1" && kind == "Secret";
  const auto known = std::find_if(kKinds.begin(), kKinds.end(),
                                  [&](const MetalLbKind& k) { return k.kind == kind; });
  if (!is_secret && (group != kGroup || known == kKinds.end())) {
    result.warnings.push_back(format_message(
        kind_at, kind, "", "",
        fmt::format("skipped: {} {} is not a MetalLB resource vipd reads", api_version, kind)));
    return;
  }
  if (!is_secret && version != known->versions[0] &&
      (known->versions[1].empty() || version != known->versions[1])) {
    result.errors.push_back(format_message(
        kind_at, kind, "", "apiVersion",
        fmt::format("{} has no {} (use metallb.io/{})", api_version, kind, known->versions[0])));
    return;
  }

  LbConfig& config = result.config;
  if (is_secret) {
    read_resource<Secret>(
        object, file, kind_line, kind, result, config.secrets,
        [&](ResourceReader& r, Secret& secret) { read_secret(r, object, secret); });
  } else if (kind == "IPAddressPool") {
    read_resource<IpAddressPool>(object, file, kind_line, kind, result, config.pools,
                                 [&](ResourceReader& r, IpAddressPool& pool) {
                                   read_spec_envelope<IpAddressPool>(
                                       r, object, pool, [&](const Node& spec, IpAddressPool& p) {
                                         if (spec.IsNull()) {
                                           r.error(object, "spec", "required field missing");
                                           return;
                                         }
                                         read_pool_spec(r, spec, p);
                                       });
                                 });
  } else if (kind == "BGPPeer") {
    read_resource<BgpPeer>(
        object, file, kind_line, kind, result, config.peers, [&](ResourceReader& r, BgpPeer& peer) {
          peer.api_version = api_version;
          read_spec_envelope<BgpPeer>(r, object, peer, [&](const Node& spec, BgpPeer& p) {
            read_peer_spec(r, spec, version == "v1beta1", p);
          });
        });
  } else if (kind == "BGPAdvertisement") {
    read_resource<BgpAdvertisement>(
        object, file, kind_line, kind, result, config.bgp_advertisements,
        [&](ResourceReader& r, BgpAdvertisement& ad) {
          read_spec_envelope<BgpAdvertisement>(r, object, ad,
                                               [&](const Node& spec, BgpAdvertisement& a) {
                                                 read_bgp_advertisement_spec(r, spec, a);
                                               });
        });
  } else if (kind == "L2Advertisement") {
    read_resource<L2Advertisement>(object, file, kind_line, kind, result, config.l2_advertisements,
                                   [&](ResourceReader& r, L2Advertisement& ad) {
                                     read_spec_envelope<L2Advertisement>(
                                         r, object, ad, [&](const Node& spec, L2Advertisement& a) {
                                           read_l2_advertisement_spec(r, spec, a);
                                         });
                                   });
  } else if (kind == "Community") {
    read_resource<Community>(object, file, kind_line, kind, result, config.communities,
                             [&](ResourceReader& r, Community& community) {
                               read_spec_envelope<Community>(r, object, community,
                                                             [&](const Node& spec, Community& c) {
                                                               read_community_spec(r, spec, c);
                                                             });
                             });
  } else if (kind == "BFDProfile") {
    read_resource<BfdProfile>(object, file, kind_line, kind, result, config.bfd_profiles,
                              [&](ResourceReader& r, BfdProfile& profile) {
                                read_spec_envelope<BfdProfile>(
                                    r, object, profile, [&](const Node& spec, BfdProfile& b) {
                                      read_bfd_profile_spec(r, spec, b);
                                    });
                              });
  }
}

// yaml-cpp 0.7 can loop forever on some malformed flow collections, emitting nodes without
// end (found by lb_config_fuzz: a 260-byte input ate gigabytes). A first pass counts the
// parser's events and gives up past what any text of this size can hold, so that LoadAll only
// ever sees text it finishes.
class EventBudget : public YAML::EventHandler {
 public:
  explicit EventBudget(std::size_t limit) : limit_(limit) {}
  void OnDocumentStart(const YAML::Mark& mark) override { count(mark); }
  void OnDocumentEnd() override { count(last_); }
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { count(mark); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { count(mark); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                const std::string&) override {
    count(mark);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    count(mark);
  }
  void OnSequenceEnd() override { count(last_); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    count(mark);
  }
  void OnMapEnd() override { count(last_); }

 private:
  void count(const YAML::Mark& mark) {
    last_ = mark;
    if (++events_ > limit_) throw YAML::ParserException(mark, "the YAML parser does not terminate");
  }
  std::size_t limit_;
  std::size_t events_ = 0;
  YAML::Mark last_ = YAML::Mark::null_mark();
};

void check_parser_terminates(const std::string& text) {
  // Every event needs at least one byte of text, but an implicit null or the end of a
  // collection may take none: a few per byte is far more than real text has.
  EventBudget budget(8 * text.size() + 64);
  std::istringstream in(text);
  YAML::Parser parser(in);
  while (parser.HandleNextDocument(budget)) {
  }
}

}  // namespace

void parse_documents(std::string_view text, const std::string& file, LoadResult& result) {
  std::vector<Node> documents;
  try {
    const std::string owned(text);
    check_parser_terminates(owned);
    documents = YAML::LoadAll(owned);
  } catch (const YAML::Exception& e) {
    const int line = e.mark.is_null() || e.mark.line < 0 ? 0 : e.mark.line + 1;
    result.errors.push_back(
        format_message(fmt::format("{}:{}", file, line), "", "", "", "invalid YAML: " + e.msg));
    return;
  } catch (const std::exception& e) {
    result.errors.push_back(
        format_message(file + ":0", "", "", "", std::string("invalid YAML: ") + e.what()));
    return;
  }
  for (const auto& document : documents) {
    try {
      read_object(document, file, result, false);
    } catch (const std::exception& e) {
      // yaml-cpp's accessors should not throw on the checked paths above; if one still does,
      // the document is refused rather than the daemon stopped.
      result.errors.push_back(format_message(fmt::format("{}:{}", file, line_of(document)), "", "",
                                             "", std::string("unreadable object: ") + e.what()));
    }
  }
}

}  // namespace vipd::lb::crd
