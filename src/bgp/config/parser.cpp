#include "bgp/config/parser.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
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

std::size_t indentation(std::string_view line) {
  std::size_t n = 0;
  while (n < line.size() && (line[n] == ' ' || line[n] == '\t')) ++n;
  return n;
}

bool is_block_exit(std::string_view line) {
  auto words = control::split_words(line);
  return words.size() == 1 && (words[0] == "exit" || words[0] == "exit-address-family" ||
                               words[0] == "exit-vrf" || words[0] == "quit");
}

// The lines of a refused block (commands_scope.cpp): those indented deeper than its opener,
// and its closing `exit` at the opener's indentation. In a file without indentation, the lines
// that fail right after the opener are the block's too.
struct SkippedBlock {
  std::size_t indent = 0;
  bool saw_indented = false;
};

// Runs every line of `text` in config mode, as FRR's config reader does. With `all_errors`,
// a failing line is reported and reading goes on (FRR's `bgpd -C` lists every bad line);
// otherwise the first failing line ends it. What accepted lines say (a kept line's notice)
// goes to `notices` when given.
std::vector<ConfigError> run_lines(std::string_view text, std::string_view file_name,
                                   BgpConfig& config, bool all_errors,
                                   std::vector<ConfigError>* notices = nullptr) {
  std::vector<ConfigError> errors;
  control::CommandTree tree;
  install_config_commands(
      tree, [&config]() -> BgpConfig& { return config; }, /*indexed=*/true);
  control::Session session;
  session.push(kConfigNode);
  std::size_t number = 0;
  std::optional<SkippedBlock> skipping;
  while (!text.empty()) {
    auto eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
    ++number;
    if (skipping) {
      auto words = control::split_words(line);
      if (words.empty() || words[0].starts_with('!') || words[0].starts_with('#')) continue;
      std::size_t indent = indentation(line);
      if (indent > skipping->indent) {
        skipping->saw_indented = true;
        continue;
      }
      if (indent == skipping->indent && is_block_exit(line)) {
        skipping.reset();
        continue;
      }
    }
    auto result = tree.execute(session, line);
    if (!result.ok) {
      if (skipping && !skipping->saw_indented && indentation(line) == skipping->indent) continue;
      skipping.reset();
      errors.push_back(ConfigError{std::string(file_name), number, strip_markers(result.output)});
      if (!all_errors) break;
      if (session.node() == kUnsupportedNode) {
        session.pop();
        skipping = SkippedBlock{indentation(line), false};
      }
    } else {
      skipping.reset();
      if (notices && !result.output.empty())
        notices->push_back(
            ConfigError{std::string(file_name), number, strip_markers(result.output)});
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

std::vector<ConfigError> check_config(std::string_view text, std::string_view file_name,
                                      std::vector<ConfigError>* notices) {
  BgpConfig config;
  return run_lines(text, file_name, config, true, notices);
}

std::vector<ConfigError> check_config_file(const std::string& path, BgpConfig* config,
                                           std::vector<ConfigError>* notices) {
  auto text = read_file(path);
  if (!text) return {text.error()};
  BgpConfig parsed;
  auto errors = run_lines(*text, path, parsed, true, notices);
  if (errors.empty() && config) *config = std::move(parsed);
  return errors;
}

Result<BgpConfig, ConfigError> load_config_file(const std::string& path) {
  auto text = read_file(path);
  if (!text) return unexpected(text.error());
  return parse_config(*text, path);
}

}  // namespace vipd::bgp::config
