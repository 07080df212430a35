// Reading `bgpd.conf`: every line runs through the command tree in config mode, as FRR's
// config reader does. A file either loads completely or not at all.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "bgp/config/model.hpp"
#include "common/result.hpp"

namespace vipd::bgp::config {

struct ConfigError {
  std::string file;
  std::size_t line = 0;  // 1-based; 0 when the file could not be read at all
  std::string message;   // the command's error text without FRR's "% " markers
  // "FILE:LINE: message" (or "FILE: message" for line 0).
  std::string to_string() const;
  bool operator==(const ConfigError&) const = default;
};

// The first failing line fails the whole text; nothing of it is returned, so a caller reloading
// a file keeps its previous configuration.
Result<BgpConfig, ConfigError> parse_config(std::string_view text, std::string_view file_name);
Result<BgpConfig, ConfigError> load_config_file(const std::string& path);
// Every failing line of the text or file, reading on after each (FRR's `bgpd -C`, `vipd
// --check`); empty when the file loads. Lines after a failing block opener (`router bgp` with a
// bad AS) fail too, as in FRR, since they are read at the wrong level.
// With `notices`: what accepted lines reported ("'service advanced-vty' has no effect in vipd;
// kept ..."), for the caller to log once at notice level.
std::vector<ConfigError> check_config(std::string_view text, std::string_view file_name,
                                      std::vector<ConfigError>* notices = nullptr);
// With `config`: filled when the file has no error, so that a caller loading it reads and parses
// it once.
std::vector<ConfigError> check_config_file(const std::string& path, BgpConfig* config = nullptr,
                                           std::vector<ConfigError>* notices = nullptr);

}  // namespace vipd::bgp::config
