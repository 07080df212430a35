// Saving the configuration (`write memory`).
#pragma once

#include <string>

#include "common/result.hpp"

namespace vipd::bgp::config {

// Replaces `path` with `text` atomically: a crash leaves either the old or the new file, never a
// torn one. Writes a temporary file in the same directory, fsyncs it, gives it the original's
// permissions (0600 for a new file, as quagga), renames it over `path` and fsyncs the directory.
// The error is a sentence for the user.
Status<std::string> write_config_file(const std::string& path, const std::string& text);

}  // namespace vipd::bgp::config
