#include "k8s/config.hpp"

#include <fmt/format.h>
#include <nettle/base64.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <utility>
#include <vector>

#include "common/file.hpp"
#include "common/log.hpp"
#include "k8s/detail.hpp"

namespace vipd::k8s {
namespace {

using detail::trim;

using Error = Unexpected<std::string>;

// kubeconfig's *-data fields are standard base64 (Go's encoding/base64 StdEncoding, padded).
std::optional<std::string> base64_decode(const std::string& text) {
  std::string out(BASE64_DECODE_LENGTH(text.size()), '\0');
  base64_decode_ctx ctx;
  base64_decode_init(&ctx);
  std::size_t length = out.size();
  if (!base64_decode_update(&ctx, &length, reinterpret_cast<std::uint8_t*>(out.data()), text.size(),
                            text.data()) ||
      !base64_decode_final(&ctx)) {
    return std::nullopt;
  }
  out.resize(length);
  return out;
}

// A scalar field of a mapping; empty when absent or null. A mapping or sequence where a scalar
// belongs is an error (the caller names the field).
Result<std::string, std::string> scalar(const YAML::Node& map, const char* key) {
  YAML::Node node = map[key];
  if (!node || node.IsNull()) return std::string();
  if (!node.IsScalar()) return unexpected(fmt::format("{} is not a string", key));
  return node.Scalar();
}

Result<bool, std::string> boolean(const YAML::Node& map, const char* key) {
  YAML::Node node = map[key];
  if (!node || node.IsNull()) return false;
  bool value = false;
  if (!node.IsScalar() || !YAML::convert<bool>::decode(node, value)) {
    return unexpected(fmt::format("{} is not a boolean", key));
  }
  return value;
}

// One entry of `clusters`, `contexts` or `users`: {name: N, <field>: {...}}.
std::optional<YAML::Node> named_entry(const YAML::Node& root, const char* list, const char* field,
                                      const std::string& name) {
  YAML::Node entries = root[list];
  if (!entries || !entries.IsSequence()) return std::nullopt;
  for (const auto& entry : entries) {
    if (!entry.IsMap()) continue;
    YAML::Node entry_name = entry["name"];
    if (!entry_name || !entry_name.IsScalar() || entry_name.Scalar() != name) continue;
    YAML::Node body = entry[field];
    // An entry without body: all fields empty (client-go fills the zero value).
    return body && body.IsMap() ? body : YAML::Node(YAML::NodeType::Map);
  }
  return std::nullopt;
}

// clientcmd's ResolvePaths: a relative path in a kubeconfig is relative to that file's
// directory, not to the working directory.
std::string resolve(const std::filesystem::path& base, const std::string& path) {
  if (path.empty()) return path;
  std::filesystem::path p(path);
  if (p.is_absolute()) return path;
  return (base / p).lexically_normal().string();
}

// Referenced files are checked as the file is loaded, so that a typo shows at start with the
// kubeconfig's name rather than as a TLS error on the first request.
std::optional<std::string> check_readable(const std::string& what, const std::string& path) {
  if (path.empty()) return std::nullopt;
  auto content = read_config_file(path);
  if (!content) return fmt::format("{} {}: {}", what, path, content.error());
  return std::nullopt;
}

std::string expand_home(const std::string& path) {
  if (path.size() >= 2 && path[0] == '~' && path[1] == '/') {
    const char* home = std::getenv("HOME");
    if (home != nullptr && *home != '\0') return std::string(home) + path.substr(1);
  }
  return path;
}

// A kubeconfig "X" / "X-data" pair (certificate-authority, client-certificate, client-key):
// the base64 -data wins over the file, as in client-go; the file is resolved and checked.
std::optional<std::string> file_or_data(const YAML::Node& node, const std::string& key,
                                        const std::filesystem::path& base, std::string& file,
                                        std::string& data) {
  const std::string data_key = key + "-data";
  auto file_value = scalar(node, key.c_str());
  if (!file_value) return file_value.error();
  auto data_value = scalar(node, data_key.c_str());
  if (!data_value) return data_value.error();
  const std::string encoded = trim(*data_value);
  if (!encoded.empty()) {
    auto decoded = base64_decode(encoded);
    if (!decoded) return data_key + " is not valid base64";
    data = std::move(*decoded);
    return std::nullopt;
  }
  file = resolve(base, trim(*file_value));
  return check_readable(key, file);
}

// The whole kubeconfig reading, throwing only yaml-cpp's exceptions (the caller turns them into
// an error naming the file).
Result<ApiConfig, std::string> read_kubeconfig(const std::string& path, const YAML::Node& root,
                                               const std::string& wanted_context) {
  auto fail = [&](const std::string& message) { return Error{path + ": " + message}; };
  if (!root.IsMap()) return fail("not a kubeconfig (not a YAML mapping)");

  std::string context_name = wanted_context;
  if (context_name.empty()) {
    auto current = scalar(root, "current-context");
    if (!current) return fail(current.error());
    context_name = *current;
    if (context_name.empty()) return fail("no current-context (name one with a context)");
  }
  auto context = named_entry(root, "contexts", "context", context_name);
  if (!context) return fail(fmt::format("context \"{}\" not found", context_name));

  auto field = [&](const YAML::Node& node, const char* key, const std::string& where,
                   std::string& out) -> std::optional<std::string> {
    auto value = scalar(node, key);
    if (!value) return where + ": " + value.error();
    out = trim(*value);
    return std::nullopt;
  };

  ApiConfig config;
  const std::string context_where = fmt::format("context \"{}\"", context_name);
  std::string cluster_name, user_name;
  if (auto e = field(*context, "cluster", context_where, cluster_name)) return fail(*e);
  if (auto e = field(*context, "user", context_where, user_name)) return fail(*e);
  if (auto e = field(*context, "namespace", context_where, config.namespace_)) return fail(*e);
  if (config.namespace_.empty()) config.namespace_ = "default";
  if (cluster_name.empty()) return fail(context_where + " names no cluster");

  const std::filesystem::path base = std::filesystem::path(path).parent_path();

  auto cluster = named_entry(root, "clusters", "cluster", cluster_name);
  if (!cluster) {
    return fail(fmt::format("cluster \"{}\" not found ({})", cluster_name, context_where));
  }
  const std::string cluster_where = fmt::format("cluster \"{}\"", cluster_name);
  if (auto e = field(*cluster, "server", cluster_where, config.server)) return fail(*e);
  while (!config.server.empty() && config.server.back() == '/') config.server.pop_back();
  if (config.server.empty()) return fail(cluster_where + " has no server");
  if (config.server.rfind("https://", 0) != 0 && config.server.rfind("http://", 0) != 0) {
    return fail(fmt::format("{}: server \"{}\" is not an http:// or https:// URL", cluster_where,
                            config.server));
  }
  if (auto e =
          file_or_data(*cluster, "certificate-authority", base, config.ca_file, config.ca_data)) {
    return fail(cluster_where + ": " + *e);
  }
  auto insecure = boolean(*cluster, "insecure-skip-tls-verify");
  if (!insecure) return fail(cluster_where + ": " + insecure.error());
  config.insecure_skip_tls_verify = *insecure;
  if (config.insecure_skip_tls_verify) {
    log::warning("{}: {}: insecure-skip-tls-verify: the API server's certificate is not checked",
                 path, cluster_where);
  }

  if (!user_name.empty()) {
    auto user = named_entry(root, "users", "user", user_name);
    if (!user) return fail(fmt::format("user \"{}\" not found ({})", user_name, context_where));
    const std::string user_where = fmt::format("user \"{}\"", user_name);
    // Credentials vipd cannot produce by itself.
    const std::pair<const char*, const char*> unsupported[] = {
        {"exec", "exec credential plugins are"},
        {"auth-provider", "auth-provider credential plugins are"},
        {"username", "basic authentication (username/password) is"},
        {"password", "basic authentication (username/password) is"}};
    for (const auto& [key, what] : unsupported) {
      YAML::Node node = (*user)[key];
      if (node && !node.IsNull()) {
        return fail(fmt::format(
            "{}: {} not supported; give the user a token, tokenFile or client certificate (e.g. a "
            "ServiceAccount's token)",
            user_where, what));
      }
    }
    if (auto e = field(*user, "token", user_where, config.token)) return fail(*e);
    if (auto e = field(*user, "tokenFile", user_where, config.token_file)) return fail(*e);
    // client-go: "If both token and tokenFile are present, token takes precedence."
    if (!config.token.empty()) config.token_file.clear();
    config.token_file = resolve(base, config.token_file);
    if (auto e = check_readable("tokenFile", config.token_file)) {
      return fail(user_where + ": " + *e);
    }
    if (auto e = file_or_data(*user, "client-certificate", base, config.client_certificate_file,
                              config.client_certificate_data)) {
      return fail(user_where + ": " + *e);
    }
    if (auto e = file_or_data(*user, "client-key", base, config.client_key_file,
                              config.client_key_data)) {
      return fail(user_where + ": " + *e);
    }
    const bool has_cert =
        !config.client_certificate_file.empty() || !config.client_certificate_data.empty();
    const bool has_key = !config.client_key_file.empty() || !config.client_key_data.empty();
    if (has_cert != has_key) {
      return fail(user_where + ": a client certificate needs both certificate and key");
    }
  }
  config.where = fmt::format("kubeconfig {} context {}", path, context_name);
  return config;
}

}  // namespace

Result<ApiConfig, std::string> load_kubeconfig(const std::string& given_path,
                                               const std::string& context) {
  const std::string path = expand_home(given_path);
  auto text = read_config_file(path);
  if (!text) return Error{path + ": " + text.error()};
  return parse_kubeconfig(*text, path, context);
}

Result<ApiConfig, std::string> parse_kubeconfig(const std::string& text, const std::string& path,
                                                const std::string& context) {
  try {
    YAML::Node root = YAML::Load(text);
    return read_kubeconfig(path, root, context);
  } catch (const YAML::Exception& e) {
    if (e.mark.is_null()) return Error{fmt::format("{}: {}", path, e.msg)};
    return Error{fmt::format("{}: line {}: {}", path, e.mark.line + 1, e.msg)};
  }
}

// rest.InClusterConfig, plus clientcmd's in-cluster namespace (POD_NAMESPACE, then the service
// account's namespace file, then "default").
Result<ApiConfig, std::string> in_cluster_config(const std::string& root) {
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
  if (host == nullptr || *host == '\0' || port == nullptr || *port == '\0') {
    return Error{std::string(
        "in-cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set (not in a "
        "pod? give a kubeconfig instead)")};
  }
  ApiConfig config;
  std::string h = host;
  // net.JoinHostPort: an IPv6 literal goes in brackets.
  if (h.find(':') != std::string::npos && h.front() != '[') h = "[" + h + "]";
  config.server = fmt::format("https://{}:{}", h, port);

  config.token_file = root + "/token";
  auto token = read_config_file(config.token_file);
  if (!token) return Error{fmt::format("in-cluster: {}: {}", config.token_file, token.error())};
  config.token = trim(*token);
  if (config.token.empty()) return Error{fmt::format("in-cluster: {} is empty", config.token_file)};

  const std::string ca = root + "/ca.crt";
  if (auto content = read_config_file(ca)) {
    config.ca_file = ca;
  } else {
    // As client-go: log and fall back to the system's trust.
    log::warning("in-cluster: cannot read {}: {}; using the system's CAs", ca, content.error());
  }

  const char* pod_namespace = std::getenv("POD_NAMESPACE");
  if (pod_namespace != nullptr && *pod_namespace != '\0') {
    config.namespace_ = pod_namespace;
  } else if (auto ns = read_config_file(root + "/namespace")) {
    config.namespace_ = trim(*ns);
  }
  if (config.namespace_.empty()) config.namespace_ = "default";
  config.where = "in-cluster";
  return config;
}

}  // namespace vipd::k8s
