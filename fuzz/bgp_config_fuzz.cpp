// libFuzzer target: parse_config() on arbitrary bgpd.conf text. Whatever parses must survive the
// write-back round trip: render_config() then parse_config() gives an equal BgpConfig, and
// rendering that again gives the same text (what `write memory` writes is what SIGHUP reloads).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "bgp/config/parser.hpp"
#include "bgp/config/render.hpp"

using namespace vipd::bgp::config;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = parse_config(text, "fuzz.conf");
  if (!parsed) {
    // A rejected file always names a line of it.
    if (parsed.error().line == 0 || parsed.error().file != "fuzz.conf") std::abort();
    return 0;
  }
  const std::string rendered = render_config(*parsed);
  auto again = parse_config(rendered, "fuzz.conf");
  if (!again) __builtin_trap();                // written configuration that does not load back
  if (!(*again == *parsed)) __builtin_trap();  // loads back as something else
  if (render_config(*again) != rendered) __builtin_trap();
  // `show running-config json` must not throw on any accepted text (non-UTF-8 descriptions...).
  (void)to_json(*parsed).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return 0;
}
