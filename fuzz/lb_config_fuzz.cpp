// libFuzzer target: parse_documents() then validate() on arbitrary text. Neither may throw or
// crash, every message must name the file, and what validation resolves must agree with what
// it was given (every resolved community comes from the advertisement's own list).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "lb/crd/load.hpp"
#include "lb/crd/validate.hpp"

using namespace vipd::lb::crd;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  LoadResult result;
  parse_documents(text, "fuzz.yaml", result);
  validate(result.config, result.errors, result.warnings);
  for (const auto& message : result.errors) {
    if (message.rfind("fuzz.yaml:", 0) != 0) std::abort();
  }
  for (const auto& ad : result.config.bgp_advertisements) {
    if (ad.standard_communities.size() + ad.large_communities.size() > ad.communities.size())
      std::abort();
  }
  for (const auto& pool : result.config.pools) {
    if (pool.ranges.size() > pool.addresses.size()) std::abort();
    for (const auto& range : pool.ranges) {
      if (range.last < range.first) std::abort();
    }
  }
  return 0;
}
