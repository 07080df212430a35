#include "vrrp/config/source.hpp"

#include <fmt/format.h>
#include <glob.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/file.hpp"
#include "vrrp/config/lexer.hpp"

namespace vipd::vrrp::config {
namespace {

bool is_name_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool is_name_char(char c) {
  return is_name_start(c) || (c >= '0' && c <= '9');
}

// keepalived's check_definition(): `$NAME=VALUE` (blanks allowed before the `=`).
bool is_definition(std::string_view line) {
  if (line.size() < 3 || line[0] != '$' || !is_name_start(line[1])) return false;
  std::size_t i = 2;
  while (i < line.size() && is_name_char(line[i])) ++i;
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
  return i < line.size() && line[i] == '=';
}

// Lines keepalived rewrites before parsing them; vipd does not implement these rewrites, and
// reading such a line as a statement would silently mean something else.
std::optional<std::string> unsupported_line(std::string_view line) {
  if (line[0] == '@')
    return "lines starting with '@' (keepalived config-id selection) are not supported by vipd";
  if (is_definition(line)) return "parameter definitions ($NAME=...) are not supported by vipd";
  if (line.substr(0, 4) == "~SEQ") return "~SEQ lines are not supported by vipd";
  return std::nullopt;
}

std::string directory_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash + 1);
}

bool has_wildcard(const std::string& pattern) {
  return pattern.find_first_of("*?[{") != std::string::npos;
}

}  // namespace

Result<std::string, std::string> read_text_file(const std::string& path) {
  return read_config_file(path);
}

Result<IncludeExpansion, std::string> FileIncludeLoader::expand(const std::string& including_file,
                                                                const std::string& pattern) const {
  // keepalived chdir()s to the directory of the file it reads, so relative names are relative
  // to that directory; prefixing it gives the same files and keeps the daemon's cwd alone.
  std::string full =
      !pattern.empty() && pattern[0] == '/' ? pattern : directory_of(including_file) + pattern;
  IncludeExpansion out;
  glob_t matches{};
  int rc = glob(full.c_str(), GLOB_MARK | GLOB_BRACE, nullptr, &matches);
  if (rc == GLOB_NOMATCH) {
    globfree(&matches);
    if (!has_wildcard(pattern)) return unexpected(fmt::format("Config files missing '{}'", full));
    out.warnings.push_back(fmt::format("No config files matched '{}'", full));
    return out;
  }
  if (rc != 0) {
    globfree(&matches);
    return unexpected(fmt::format("cannot expand '{}' (glob error {})", full, rc));
  }
  for (std::size_t i = 0; i < matches.gl_pathc; ++i) {
    std::string path = matches.gl_pathv[i];
    if (!path.empty() && path.back() == '/') continue;  // a directory (GLOB_MARK)
    struct stat st {};
    if (stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode) ||
        (st.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH)) != 0) {
      out.warnings.push_back(fmt::format(
          "Configuration file '{}' is not a regular non-executable file - skipping", path));
      continue;
    }
    auto text = read_text_file(path);
    if (!text) {
      out.warnings.push_back(
          fmt::format("Configuration file '{}' open problem ({}) - skipping", path, text.error()));
      continue;
    }
    out.files.push_back({path, std::move(*text)});
  }
  globfree(&matches);
  return out;
}

LineSource::LineSource(std::string file_name, std::string text, const IncludeLoader* loader,
                       std::vector<ConfigWarning>* warnings)
    : loader_(loader), warnings_(warnings) {
  names_.push_back(std::move(file_name));
  stack_.push_back(OpenFile{&names_.back(), std::move(text), 0, 0, 0, {}});
}

bool LineSource::fail(const std::string* file, std::size_t line, std::string message) {
  error_ = ConfigError{*file, line, std::move(message)};
  return false;
}

bool LineSource::read_physical_line(OpenFile& f) {
  while (f.offset < f.text.size()) {
    std::size_t newline = f.text.find('\n', f.offset);
    std::size_t end = newline == std::string::npos ? f.text.size() : newline;
    std::string_view raw(f.text.data() + f.offset, end - f.offset);
    f.offset = newline == std::string::npos ? f.text.size() : newline + 1;
    ++f.line;
    // keepalived strips every trailing CR and LF: DOS files read as Unix ones.
    while (!raw.empty() && (raw.back() == '\r' || raw.back() == '\n')) raw.remove_suffix(1);
    if (raw.empty()) continue;
    auto text = decomment(raw);
    if (!text) return fail(f.name, f.line, text.error());
    if (text->empty()) continue;
    if (auto why = unsupported_line(*text)) return fail(f.name, f.line, *why);
    // keepalived recognises a whole-line include before splitting at braces, so that glob
    // braces survive: `include vrrp/{a,b}.conf`.
    auto words = split_words(*text);
    if (words && words->size() == 2 && (*words)[0] == "include") {
      f.pieces.push_back(std::move(*text));
      return true;
    }
    for (auto& piece : split_braces(*text)) f.pieces.push_back(std::move(piece));
    if (!f.pieces.empty()) return true;
  }
  return false;
}

std::optional<SourceLine> LineSource::next() {
  while (!error_ && !stack_.empty()) {
    OpenFile& f = stack_.back();
    if (f.pieces.empty()) {
      if (!read_physical_line(f) && !error_) stack_.pop_back();
      continue;
    }
    SourceLine l{f.name, f.line, std::move(f.pieces.front()), {}};
    f.pieces.pop_front();
    auto words = split_words(l.text);
    if (!words) {
      fail(l.file, l.line, words.error());
      break;
    }
    l.words = std::move(*words);
    if (!l.words.empty() && l.words[0] == "include") {
      include(l);
      continue;
    }
    if (!l.words.empty()) return l;
  }
  return std::nullopt;
}

bool LineSource::include(const SourceLine& at) {
  if (at.words.size() != 2)
    return fail(at.file, at.line, "include takes exactly one file name or pattern");
  if (loader_ == nullptr)
    return fail(at.file, at.line, "include is not available when the text is not read from a file");
  std::size_t depth = stack_.back().depth + 1;
  if (depth > kMaxIncludeDepth)
    return fail(at.file, at.line,
                fmt::format("includes are nested more than {} deep (does a file include itself?)",
                            kMaxIncludeDepth));
  auto expansion = loader_->expand(*at.file, at.words[1]);
  if (!expansion) return fail(at.file, at.line, expansion.error());
  if (warnings_ != nullptr)
    for (auto& w : expansion->warnings) warnings_->push_back({*at.file, at.line, std::move(w)});
  auto& files = expansion->files;
  for (auto it = files.rbegin(); it != files.rend(); ++it) {
    names_.push_back(std::move(it->path));
    stack_.push_back(OpenFile{&names_.back(), std::move(it->text), 0, 0, depth, {}});
  }
  return true;
}

}  // namespace vipd::vrrp::config
