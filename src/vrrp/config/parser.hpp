// Reading keepalived.conf (keepalived 2.2 syntax, VRRP part). A file either loads completely or
// not at all. What keepalived itself reports and works around (an out-of-range priority, a too
// long auth_pass, an unknown keyword, ...) loads, with the same correction, and is reported in
// `warnings`; so does a keyword or section vipd does not implement (LVS's virtual_server,
// static_routes, ...), whose block is skipped. `vipd --strict` makes warnings errors. What
// keepalived would silently misread is an error: a missing value, a malformed number or
// address, an unbalanced brace, a duplicate VRID, a reference to an unknown vrrp_script or
// vrrp_instance (docs/config-vrrp.md has the list).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "vrrp/config/diagnostic.hpp"
#include "vrrp/config/model.hpp"
#include "vrrp/config/source.hpp"

namespace vipd::vrrp::config {

// Parses `text` as the file `file_name`. `include` lines are read through `includes`; with no
// loader they are an error (text that does not come from a file, the fuzzer). Warnings are
// appended to `warnings` when it is not null.
Result<KeepalivedConfig, ConfigError> parse_keepalived_config(
    std::string_view text, std::string_view file_name,
    std::vector<ConfigWarning>* warnings = nullptr, const IncludeLoader* includes = nullptr);

// Reads the file at `path` and the files it includes from the file system.
Result<KeepalivedConfig, ConfigError> load_keepalived_config(
    const std::string& path, std::vector<ConfigWarning>* warnings = nullptr);

}  // namespace vipd::vrrp::config
