#include "bgp/config/parser.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "bgp/config/commands.hpp"
#include "common/file.hpp"
#include "control/cli.hpp"

namespace vipd::bgp::config {
namespace {

// "% Unknown command: x\n% Invalid input at 'y'" -> "Unknown command: x; Invalid input at 'y'".
std::string strip_markers(std::string_view output) {
  std::string out;
  while (!output.empty()) {
    auto eol = output.find('\n');
    std::string_view line = output.substr(0, eol);
    output = eol == std::string_view::npos ? std::string_view{} : output.substr(eol + 1);
    if (line.starts_with("% ")) line.remove_prefix(2);
    if (line.empty()) continue;
    if (!out.empty()) out += "; ";
    out += line;
  }
  return out;
}

}  // namespace

std::string ConfigError::to_string() const {
  if (line == 0) return fmt::format("{}: {}", file, message);
  return fmt::format("{}:{}: {}", file, line, message);
}

namespace {

// Runs every line of `text` in config mode, as FRR's config reader does. With `all_errors`,
// a failing line is reported and reading goes on (FRR's `bgpd -C` lists every bad line);
// otherwise the first failing line ends it.
std::vector<ConfigError> run_lines(std::string_view text, std::string_view file_name,
                                   BgpConfig& config, bool all_errors) {
  std::vector<ConfigError> errors;
  control::CommandTree tree;
  install_config_commands(
      tree, [&config]() -> BgpConfig& { return config; }, /*indexed=*/true);
  control::Session session;
  session.push(kConfigNode);
  std::size_t number = 0;
  while (!text.empty()) {
    auto eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
    ++number;
    auto result = tree.execute(session, line);
    if (!result.ok) {
      errors.push_back(ConfigError{std::string(file_name), number, strip_markers(result.output)});
      if (!all_errors) break;
    }
    // `end` (last line of FRR-written files) or a top-level `exit` leaves config mode; a file
    // is config mode throughout, so whatever follows is read there again.
    if (session.node() == "exec") session.push(kConfigNode);
  }
  return errors;
}

Result<std::string, ConfigError> read_file(const std::string& path) {
  auto text = read_config_file(path);
  if (!text)
    return unexpected(ConfigError{path, 0, "can't open configuration file: " + text.error()});
  return std::move(*text);
}

}  // namespace

Result<BgpConfig, ConfigError> parse_config(std::string_view text, std::string_view file_name) {
  BgpConfig config;
  auto errors = run_lines(text, file_name, config, false);
  if (!errors.empty()) return unexpected(std::move(errors.front()));
  return config;
}

std::vector<ConfigError> check_config(std::string_view text, std::string_view file_name) {
  BgpConfig config;
  return run_lines(text, file_name, config, true);
}

std::vector<ConfigError> check_config_file(const std::string& path, BgpConfig* config) {
  auto text = read_file(path);
  if (!text) return {text.error()};
  BgpConfig parsed;
  auto errors = run_lines(*text, path, parsed, true);
  if (errors.empty() && config) *config = std::move(parsed);
  return errors;
}

Result<BgpConfig, ConfigError> load_config_file(const std::string& path) {
  auto text = read_file(path);
  if (!text) return unexpected(text.error());
  return parse_config(*text, path);
}

}  // namespace vipd::bgp::config
