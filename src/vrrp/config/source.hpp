// The stream of logical lines of a keepalived.conf and the files it includes. `include PATTERN`
// may stand on any line, at any block level, as in keepalived: the included files' lines take
// its place in the stream.
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "vrrp/config/diagnostic.hpp"

namespace vipd::vrrp::config {

struct IncludedFile {
  std::string path;  // as it is reported in diagnostics
  std::string text;
};

struct IncludeExpansion {
  std::vector<IncludedFile> files;    // in the order keepalived reads them (sorted glob order)
  std::vector<std::string> warnings;  // files skipped, pattern without match
};

// The whole file at `path` if it is a regular file within kMaxConfigFileBytes (never blocking on
// a FIFO, never reading a device); the error is strerror() text or read_config_file's reason.
Result<std::string, std::string> read_text_file(const std::string& path);

// Finds and reads the files of an `include` line. keepalived changes into the directory of the
// file it reads, so a relative pattern is relative to the directory of the including file.
class IncludeLoader {
 public:
  virtual ~IncludeLoader() = default;
  virtual Result<IncludeExpansion, std::string> expand(const std::string& including_file,
                                                       const std::string& pattern) const = 0;
};

// The file system, as keepalived's read_conf_file(): glob(3) with brace expansion, directories
// and executable files skipped. A pattern without wildcards that names no file is an error
// (keepalived 2.2: "Config files missing"); a wildcard pattern without match is a warning.
class FileIncludeLoader final : public IncludeLoader {
 public:
  Result<IncludeExpansion, std::string> expand(const std::string& including_file,
                                               const std::string& pattern) const override;
};

// A logical line: a lone "{" or "}", or the words of one statement.
struct SourceLine {
  const std::string* file = nullptr;
  std::size_t line = 0;
  std::string text;  // the decommented text (script commands are read again from it)
  std::vector<std::string> words;
  bool is_open() const { return words.size() == 1 && words[0] == "{" && text == "{"; }
  bool is_close() const { return words.size() == 1 && words[0] == "}" && text == "}"; }
};

// Deeper nesting is refused: it is an include loop in practice, and bounds the work.
inline constexpr std::size_t kMaxIncludeDepth = 16;

class LineSource {
 public:
  // `loader` may be null: an include line is then an error.
  LineSource(std::string file_name, std::string text, const IncludeLoader* loader,
             std::vector<ConfigWarning>* warnings);
  LineSource(const LineSource&) = delete;
  LineSource& operator=(const LineSource&) = delete;

  // The next logical line; nullopt at the end of the input or on an error (see error()).
  std::optional<SourceLine> next();
  const std::optional<ConfigError>& error() const { return error_; }

 private:
  struct OpenFile {
    const std::string* name;
    std::string text;
    std::size_t offset = 0;
    std::size_t line = 0;
    std::size_t depth = 0;
    std::deque<std::string> pieces;  // the rest of the current physical line, brace-split
  };

  bool read_physical_line(OpenFile& file);
  bool include(const SourceLine& at);
  bool fail(const std::string* file, std::size_t line, std::string message);

  const IncludeLoader* loader_;
  std::vector<ConfigWarning>* warnings_;
  std::deque<std::string> names_;  // stable storage for SourceLine::file
  std::vector<OpenFile> stack_;
  std::optional<ConfigError> error_;
};

}  // namespace vipd::vrrp::config
