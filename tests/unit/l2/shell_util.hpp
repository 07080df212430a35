// Shell commands for the L2 kernel tests (namespaces, ip, ping).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

namespace vipd::l2::test {

// Whether `command` exited 0; its output is discarded.
inline bool run(const std::string& command) {
  return std::system((command + " >/dev/null 2>&1").c_str()) == 0;
}

// What `command` printed, standard error included.
inline std::string output_of(const std::string& command) {
  std::string out;
  if (FILE* pipe = ::popen((command + " 2>&1").c_str(), "r")) {
    char buffer[512];
    for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;)
      out.append(buffer, n);
    ::pclose(pipe);
  }
  return out;
}

}  // namespace vipd::l2::test
