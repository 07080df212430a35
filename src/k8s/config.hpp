// Where the Kubernetes API is and how to authenticate to it: from a kubeconfig file (outside the
// cluster: `--k8s-api ~/.kube/config`) or from the pod's service account (`--k8s-api
// in-cluster`), as client-go's clientcmd and rest.InClusterConfig read them.
#pragma once

#include <string>

#include "common/result.hpp"

namespace vipd::k8s {

struct ApiConfig {
  std::string server;  // "https://10.43.0.1:443" (no trailing slash)
  // Trust: a CA file or PEM data (kubeconfig certificate-authority[-data]); neither: the
  // system's CAs. insecure-skip-tls-verify is honoured as kubectl does, with a warning.
  std::string ca_file;
  std::string ca_data;
  bool insecure_skip_tls_verify = false;
  // Bearer token, literal or a file re-read when it changes (bound service-account tokens
  // rotate, about hourly; client-go re-reads the file, at most once a minute, and on 401).
  std::string token;
  std::string token_file;
  // Client certificate (kubeconfig client-certificate[-data], client-key[-data]); PEM.
  std::string client_certificate_file;
  std::string client_certificate_data;
  std::string client_key_file;
  std::string client_key_data;
  // The namespace this process lives in (in-cluster: the service account's namespace file;
  // kubeconfig: the context's namespace, else "default"). The Lease and the status objects go
  // there.
  std::string namespace_;
  std::string where;  // "kubeconfig /root/.kube/config context k3s" or "in-cluster", for logs
};

// Reads a kubeconfig (YAML): `context` empty means current-context. Errors name the file and
// what is missing ("~/.kube/config: context \"x\" not found").
Result<ApiConfig, std::string> load_kubeconfig(const std::string& path,
                                               const std::string& context = "");

// The same from the file's text (`path`: for messages and relative paths in it).
Result<ApiConfig, std::string> parse_kubeconfig(const std::string& text, const std::string& path,
                                                const std::string& context = "");

// The pod's service account: KUBERNETES_SERVICE_HOST / KUBERNETES_SERVICE_PORT and
// `root`/{token,ca.crt,namespace} (root is /var/run/secrets/kubernetes.io/serviceaccount; tests
// pass their own).
Result<ApiConfig, std::string> in_cluster_config(
    const std::string& root = "/var/run/secrets/kubernetes.io/serviceaccount");

}  // namespace vipd::k8s
