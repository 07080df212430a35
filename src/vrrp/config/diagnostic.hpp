// Where a configuration problem is, and what it is.
#pragma once

#include <cstddef>
#include <string>

namespace vipd::vrrp::config {

// A problem at a line of a configuration file: `file` is the file that holds the line (an
// included file's own path), `line` is 1-based (0 when the file could not be read at all).
struct ConfigDiagnostic {
  std::string file;
  std::size_t line = 0;
  std::string message;
  // "FILE:LINE: message" (or "FILE: message" for line 0).
  std::string to_string() const;
  bool operator==(const ConfigDiagnostic&) const = default;
};

// A problem that stops the file from loading.
using ConfigError = ConfigDiagnostic;
// A problem keepalived reports and works around (a value replaced by its default, an entry
// ignored); vipd does the same and reports it here.
using ConfigWarning = ConfigDiagnostic;

}  // namespace vipd::vrrp::config
