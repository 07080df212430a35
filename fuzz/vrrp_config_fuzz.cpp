// libFuzzer target: parse_keepalived_config() on arbitrary text. It must not crash, hang or leak;
// a rejected file names a line of it; whatever loads satisfies the invariants the VRRP state
// machine relies on (RFC 5798 ranges), and prints as JSON. `include` never touches the file
// system: the only includable file is the input itself (`include self`), which exercises nesting
// up to the depth limit.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "vrrp/config/json.hpp"
#include "vrrp/config/parser.hpp"

using namespace vipd::vrrp::config;

namespace {

std::string_view g_input;

class SelfInclude final : public IncludeLoader {
 public:
  vipd::Result<IncludeExpansion, std::string> expand(const std::string&,
                                                     const std::string& pattern) const override {
    if (pattern != "self") return vipd::unexpected(std::string("no such file"));
    IncludeExpansion out;
    out.files.push_back({"self", std::string(g_input)});
    return out;
  }
};

void check_instance(const KeepalivedConfig& c, const VrrpInstance& v) {
  if (v.virtual_router_id == 0 || v.priority == 0 || v.interface.empty()) __builtin_trap();
  if (v.version != 2 && v.version != 3) __builtin_trap();
  if (v.family == vipd::Family::kIpv6 && v.version == 2 && v.strict_mode) __builtin_trap();
  const auto ms = v.advert_int.count();
  if (v.version == 2 && (ms % 1000 != 0 || ms < 1000 || ms > 255000)) __builtin_trap();
  if (v.version == 3 && (ms % 10 != 0 || ms < 10 || ms > 40950)) __builtin_trap();
  if (v.auth_pass.size() > 8 || v.virtual_ipaddress.size() > 255) __builtin_trap();
  if (v.auth_type != AuthType::kNone && v.version != 2) __builtin_trap();
  for (const auto& vip : v.virtual_ipaddress)
    if (vip.address.family() != v.family) __builtin_trap();
  for (const auto& t : v.track_script)
    if (c.find_script(t.name) == nullptr) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  g_input = std::string_view(reinterpret_cast<const char*>(data), size);
  SelfInclude includes;
  std::vector<ConfigWarning> warnings;
  auto parsed = parse_keepalived_config(g_input, "fuzz.conf", &warnings, &includes);
  for (const auto& w : warnings)
    if (w.line == 0 || w.message.empty()) std::abort();
  if (!parsed) {
    const auto& e = parsed.error();
    if (e.line == 0 || e.message.empty() || (e.file != "fuzz.conf" && e.file != "self"))
      std::abort();
    return 0;
  }
  for (const auto& v : parsed->instances) check_instance(*parsed, v);
  for (const auto& g : parsed->sync_groups)
    for (const auto& member : g.group)
      if (parsed->find_instance(member) == nullptr) __builtin_trap();
  (void)to_json(*parsed).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return 0;
}
