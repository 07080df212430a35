// libFuzzer target: parse_kubeconfig() on arbitrary text. It must not crash, throw, hang or
// leak; an error names the file; a config it accepts has a server.
#include <cstdint>
#include <string>

#include "k8s/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto config = vipd::k8s::parse_kubeconfig(text, "/nonexistent/fuzz-kubeconfig");
  if (config) {
    if (config->server.empty()) __builtin_trap();
  } else if (!config.error().starts_with("/nonexistent/fuzz-kubeconfig")) {
    __builtin_trap();
  }
  return 0;
}
