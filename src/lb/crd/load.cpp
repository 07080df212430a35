#include "lb/crd/load.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "common/file.hpp"
#include "lb/crd/validate.hpp"

namespace vipd::lb::crd {
namespace {

namespace fs = std::filesystem;

// Larger than any real set of MetalLB resources by far; keeps a stray multi-gigabyte file
// from being read into memory whole.
constexpr std::size_t kMaxFileBytes = 16 * 1024 * 1024;

bool is_manifest(const fs::path& path) {
  const std::string ext = path.extension().string();
  return ext == ".yaml" || ext == ".yml" || ext == ".json";
}

void load_file(const fs::path& path, LoadResult& result) {
  const std::string name = path.string();
  // A FIFO or a device named by mistake gives an error, never a blocked loop or unbounded memory.
  auto text = read_config_file(name, kMaxFileBytes);
  if (!text) {
    result.errors.push_back(fmt::format("{}: cannot read: {}", name, text.error()));
    return;
  }
  parse_documents(*text, name, result);
}

}  // namespace

LoadResult load_lb_config(const std::vector<std::string>& paths) {
  LoadResult result;
  for (const auto& path_text : paths) {
    const fs::path path(path_text);
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      std::vector<fs::path> files;
      for (const auto& entry : fs::directory_iterator(path, ec)) {
        std::error_code type_ec;
        if (entry.is_regular_file(type_ec) && is_manifest(entry.path())) {
          files.push_back(entry.path());
        }
      }
      if (ec) {
        result.errors.push_back(fmt::format("{}: cannot list: {}", path_text, ec.message()));
        continue;
      }
      std::sort(files.begin(), files.end());
      if (files.empty()) {
        result.warnings.push_back(
            fmt::format("{}: no *.yaml, *.yml or *.json file in this directory", path_text));
      }
      for (const auto& file : files) load_file(file, result);
    } else if (fs::exists(path, ec)) {
      load_file(path, result);
    } else {
      result.errors.push_back(fmt::format("{}: no such file or directory", path_text));
    }
  }
  validate(result.config, result.errors, result.warnings);
  return result;
}

LoadResult load_lb_documents(const std::vector<std::pair<std::string, std::string>>& documents) {
  LoadResult result;
  for (const auto& [where, text] : documents) parse_documents(text, where, result);
  validate(result.config, result.errors, result.warnings);
  return result;
}

}  // namespace vipd::lb::crd
