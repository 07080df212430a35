#include "k8s/config.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "k8s_test_util.hpp"

namespace vipd::k8s {
namespace {

using test::ScopedEnv;
using test::TempDir;
using ::testing::HasSubstr;

// Two contexts, two clusters, several users: each test picks what it needs.
const char* const kKubeconfig = R"(apiVersion: v1
kind: Config
current-context: token
clusters:
- name: k3s
  cluster:
    server: https://10.43.0.1:6443/
    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCmNhCi0tLS0tRU5EIENFUlRJRklDQVRFLS0tLS0K
- name: files
  cluster:
    server: https://api.example:443
    certificate-authority: pki/ca.crt
- name: insecure
  cluster:
    server: http://127.0.0.1:8080
    insecure-skip-tls-verify: true
contexts:
- name: token
  context:
    cluster: k3s
    user: token-user
- name: token-file
  context:
    cluster: files
    user: token-file-user
    namespace: metallb-system
- name: cert-data
  context:
    cluster: k3s
    user: cert-data-user
- name: cert-files
  context:
    cluster: files
    user: cert-file-user
- name: exec
  context:
    cluster: k3s
    user: exec-user
- name: auth-provider
  context:
    cluster: k3s
    user: oidc-user
- name: both-tokens
  context:
    cluster: insecure
    user: both-user
- name: no-cluster
  context:
    cluster: gone
    user: token-user
- name: no-user
  context:
    cluster: k3s
    user: gone
users:
- name: token-user
  user:
    token: abc.def
- name: token-file-user
  user:
    tokenFile: secrets/token
- name: cert-data-user
  user:
    client-certificate-data: Y2xpZW50IGNlcnQK
    client-key-data: Y2xpZW50IGtleQo=
- name: cert-file-user
  user:
    client-certificate: /abs/client.crt
    client-key: client.key
- name: exec-user
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: aws
- name: oidc-user
  user:
    auth-provider:
      name: oidc
- name: both-user
  user:
    token: literal
    tokenFile: secrets/token
)";

class KubeconfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.write("kube/config", kKubeconfig);
    dir_.write("kube/pki/ca.crt", "ca file\n");
    dir_.write("kube/secrets/token", "file-token\n");
  }
  TempDir dir_;
  std::string path_;
};

TEST_F(KubeconfigTest, CurrentContextWithTokenAndCaData) {
  auto config = load_kubeconfig(path_);
  ASSERT_TRUE(config.ok()) << config.error();
  EXPECT_EQ(config->server, "https://10.43.0.1:6443");  // trailing slash dropped
  EXPECT_EQ(config->token, "abc.def");
  EXPECT_EQ(config->token_file, "");
  EXPECT_EQ(config->ca_data, "-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n");
  EXPECT_EQ(config->ca_file, "");
  EXPECT_FALSE(config->insecure_skip_tls_verify);
  EXPECT_EQ(config->namespace_, "default");
  EXPECT_EQ(config->where, "kubeconfig " + path_ + " context token");
}

TEST_F(KubeconfigTest, TokenFileAndCaFileRelativeToTheKubeconfig) {
  auto config = load_kubeconfig(path_, "token-file");
  ASSERT_TRUE(config.ok()) << config.error();
  EXPECT_EQ(config->token, "");
  EXPECT_EQ(config->token_file, dir_.file("kube/secrets/token"));
  EXPECT_EQ(config->ca_file, dir_.file("kube/pki/ca.crt"));
  EXPECT_EQ(config->namespace_, "metallb-system");
}

TEST_F(KubeconfigTest, ClientCertificateData) {
  auto config = load_kubeconfig(path_, "cert-data");
  ASSERT_TRUE(config.ok()) << config.error();
  EXPECT_EQ(config->client_certificate_data, "client cert\n");
  EXPECT_EQ(config->client_key_data, "client key\n");
  EXPECT_EQ(config->client_certificate_file, "");
  EXPECT_EQ(config->token, "");
}

TEST_F(KubeconfigTest, ClientCertificateFilesMustExist) {
  auto config = load_kubeconfig(path_, "cert-files");
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.error(),
              HasSubstr("user \"cert-file-user\": client-certificate /abs/client.crt"));
}

TEST_F(KubeconfigTest, ClientCertificateFilesAbsoluteAndRelative) {
  std::string text = kKubeconfig;
  const std::string cert = dir_.write("elsewhere/client.crt", "cert");
  dir_.write("kube/client.key", "key");
  text.replace(text.find("/abs/client.crt"), std::string("/abs/client.crt").size(), cert);
  const std::string path = dir_.write("kube/config2", text);
  auto config = load_kubeconfig(path, "cert-files");
  ASSERT_TRUE(config.ok()) << config.error();
  EXPECT_EQ(config->client_certificate_file, cert);
  EXPECT_EQ(config->client_key_file, dir_.file("kube/client.key"));
}

TEST_F(KubeconfigTest, LiteralTokenWinsOverTokenFileAndInsecureIsKept) {
  auto config = load_kubeconfig(path_, "both-tokens");
  ASSERT_TRUE(config.ok()) << config.error();
  EXPECT_EQ(config->token, "literal");
  EXPECT_EQ(config->token_file, "");
  EXPECT_TRUE(config->insecure_skip_tls_verify);
  EXPECT_EQ(config->server, "http://127.0.0.1:8080");
}

TEST_F(KubeconfigTest, MissingContextClusterUser) {
  auto missing = load_kubeconfig(path_, "x");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error(), path_ + ": context \"x\" not found");
  auto cluster = load_kubeconfig(path_, "no-cluster");
  ASSERT_FALSE(cluster.ok());
  EXPECT_EQ(cluster.error(), path_ + ": cluster \"gone\" not found (context \"no-cluster\")");
  auto user = load_kubeconfig(path_, "no-user");
  ASSERT_FALSE(user.ok());
  EXPECT_EQ(user.error(), path_ + ": user \"gone\" not found (context \"no-user\")");
}

TEST_F(KubeconfigTest, CredentialPluginsAreRefused) {
  auto exec = load_kubeconfig(path_, "exec");
  ASSERT_FALSE(exec.ok());
  EXPECT_THAT(exec.error(), HasSubstr("exec credential plugins are not supported"));
  auto provider = load_kubeconfig(path_, "auth-provider");
  ASSERT_FALSE(provider.ok());
  EXPECT_THAT(provider.error(), HasSubstr("auth-provider credential plugins are not supported"));
}

TEST_F(KubeconfigTest, BadFiles) {
  auto absent = load_kubeconfig(dir_.file("nothing"));
  ASSERT_FALSE(absent.ok());
  EXPECT_THAT(absent.error(), HasSubstr("nothing: "));

  auto yaml = load_kubeconfig(dir_.write("bad", "clusters: [\n  - {name: x\n"));
  ASSERT_FALSE(yaml.ok());
  EXPECT_THAT(yaml.error(), HasSubstr("line "));

  auto no_current = load_kubeconfig(dir_.write("empty", "apiVersion: v1\nkind: Config\n"));
  ASSERT_FALSE(no_current.ok());
  EXPECT_THAT(no_current.error(), HasSubstr("no current-context"));

  auto scalar = load_kubeconfig(dir_.write("scalar", "just text\n"));
  ASSERT_FALSE(scalar.ok());
  EXPECT_THAT(scalar.error(), HasSubstr("not a kubeconfig"));

  auto base64 = load_kubeconfig(dir_.write("b64", R"(current-context: c
contexts: [{name: c, context: {cluster: k}}]
clusters: [{name: k, cluster: {server: "https://h", certificate-authority-data: "***"}}]
)"));
  ASSERT_FALSE(base64.ok());
  EXPECT_THAT(base64.error(), HasSubstr("certificate-authority-data is not valid base64"));

  auto no_server = load_kubeconfig(dir_.write("noserver", R"(current-context: c
contexts: [{name: c, context: {cluster: k}}]
clusters: [{name: k, cluster: {}}]
)"));
  ASSERT_FALSE(no_server.ok());
  EXPECT_THAT(no_server.error(), HasSubstr("cluster \"k\" has no server"));

  auto wrong_type = load_kubeconfig(dir_.write("wrongtype", R"(current-context: c
contexts: [{name: c, context: {cluster: [a, b]}}]
)"));
  ASSERT_FALSE(wrong_type.ok());
  EXPECT_THAT(wrong_type.error(), HasSubstr("cluster is not a string"));
}

class InClusterTest : public ::testing::Test {
 protected:
  TempDir dir_;
};

TEST_F(InClusterTest, ServiceAccountFiles) {
  ScopedEnv host("KUBERNETES_SERVICE_HOST", "10.43.0.1");
  ScopedEnv port("KUBERNETES_SERVICE_PORT", "443");
  ScopedEnv pod_namespace("POD_NAMESPACE", nullptr);
  dir_.write("sa/token", "eyJtoken\n");
  dir_.write("sa/ca.crt", "ca");
  dir_.write("sa/namespace", "metallb-system");
  auto config = in_cluster_config(dir_.file("sa"));
  ASSERT_TRUE(config.ok()) << config.error();
  EXPECT_EQ(config->server, "https://10.43.0.1:443");
  EXPECT_EQ(config->token, "eyJtoken");
  EXPECT_EQ(config->token_file, dir_.file("sa/token"));
  EXPECT_EQ(config->ca_file, dir_.file("sa/ca.crt"));
  EXPECT_EQ(config->namespace_, "metallb-system");
  EXPECT_EQ(config->where, "in-cluster");
}

TEST_F(InClusterTest, Ipv6HostPodNamespaceAndNoCa) {
  ScopedEnv host("KUBERNETES_SERVICE_HOST", "fd00:43::1");
  ScopedEnv port("KUBERNETES_SERVICE_PORT", "6443");
  ScopedEnv pod_namespace("POD_NAMESPACE", "from-env");
  dir_.write("sa/token", "t");
  dir_.write("sa/namespace", "from-file");
  auto config = in_cluster_config(dir_.file("sa"));
  ASSERT_TRUE(config.ok()) << config.error();
  EXPECT_EQ(config->server, "https://[fd00:43::1]:6443");
  EXPECT_EQ(config->ca_file, "");  // system CAs, with a warning
  EXPECT_EQ(config->namespace_, "from-env");
}

TEST_F(InClusterTest, Errors) {
  {
    ScopedEnv host("KUBERNETES_SERVICE_HOST", nullptr);
    ScopedEnv port("KUBERNETES_SERVICE_PORT", "443");
    auto config = in_cluster_config(dir_.file("sa"));
    ASSERT_FALSE(config.ok());
    EXPECT_THAT(config.error(), HasSubstr("KUBERNETES_SERVICE_HOST"));
  }
  ScopedEnv host("KUBERNETES_SERVICE_HOST", "10.0.0.1");
  ScopedEnv port("KUBERNETES_SERVICE_PORT", "443");
  auto no_token = in_cluster_config(dir_.file("sa"));
  ASSERT_FALSE(no_token.ok());
  EXPECT_THAT(no_token.error(), HasSubstr(dir_.file("sa/token")));
  dir_.write("sa/token", "t");
  ScopedEnv pod_namespace("POD_NAMESPACE", nullptr);
  auto defaults = in_cluster_config(dir_.file("sa"));
  ASSERT_TRUE(defaults.ok()) << defaults.error();
  EXPECT_EQ(defaults->namespace_, "default");
}

}  // namespace
}  // namespace vipd::k8s
