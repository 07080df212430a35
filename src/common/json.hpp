// JSON output of `show … json` commands.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace vipd {

// Pretty-printed as FRR does, one trailing newline. Text from config files may not be UTF-8
// (quagga-era files carry Latin-1 descriptions): invalid bytes are replaced, never an error.
inline std::string json_text(const nlohmann::json& j) {
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace vipd
