#include "vrrp/config/model.hpp"

#include <fmt/format.h>

namespace vipd::vrrp::config {
namespace {

// Quoted the way split_command() reads it back: '...' with \' and \\ escaped.
std::string quote_word(const std::string& word) {
  bool plain = !word.empty() && word.find_first_of(" \t\f\n\r\v'\"\\#!{}") == std::string::npos;
  if (plain) return word;
  std::string out = "'";
  for (char c : word) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

std::string scope_name(std::uint8_t scope) {
  switch (scope) {
    case 0:
      return "global";
    case 200:
      return "site";
    case 253:
      return "link";
    case 254:
      return "host";
    case 255:
      return "nowhere";
    default:
      return std::to_string(scope);
  }
}

template <typename T>
const T* find_named(const std::vector<T>& items, std::string_view name) {
  for (const auto& item : items)
    if (item.name == name) return &item;
  return nullptr;
}

}  // namespace

std::string ScriptCommand::to_string() const {
  std::string out;
  for (const auto& word : argv) {
    if (!out.empty()) out += ' ';
    out += quote_word(word);
  }
  return out;
}

std::string VirtualAddress::to_string() const {
  std::string out = fmt::format("{}/{}", address.to_string(), prefix_length);
  if (broadcast) out += " brd " + broadcast->to_string();
  if (!dev.empty()) out += " dev " + dev;
  if (scope != 0) out += " scope " + scope_name(scope);
  if (!label.empty()) out += " label " + label;
  if (peer) out += " peer " + peer->to_string();
  const std::pair<bool, const char*> flags[] = {{home, "home"},
                                                {nodad, "-nodad"},
                                                {mngtmpaddr, "mngtmpaddr"},
                                                {noprefixroute, "noprefixroute"},
                                                {autojoin, "autojoin"},
                                                {no_track, "no_track"},
                                                {use_vmac, "use_vmac"}};
  for (const auto& [set, name] : flags)
    if (set) out += fmt::format(" {}", name);
  return out;
}

const char* to_string(InitialState state) {
  return state == InitialState::kMaster ? "MASTER" : "BACKUP";
}

const char* to_string(AuthType type) {
  switch (type) {
    case AuthType::kPass:
      return "PASS";
    case AuthType::kAh:
      return "AH";
    case AuthType::kNone:
      break;
  }
  return "NONE";
}

const VrrpInstance* KeepalivedConfig::find_instance(std::string_view name) const {
  return find_named(instances, name);
}

const VrrpScript* KeepalivedConfig::find_script(std::string_view name) const {
  return find_named(scripts, name);
}

}  // namespace vipd::vrrp::config
