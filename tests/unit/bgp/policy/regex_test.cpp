// policy::Regex against glibc's regcomp()/regexec(), which FRR's bgp_regcomp() and
// bgp_regexec() use (REG_EXTENDED | REG_NOSUB after the `_` translation): on the expressions
// people write in as-path and expanded community lists, vipd's matcher (RE2) accepts what
// glibc accepts and answers the same on AS paths and community strings as FRR writes them.
#include <gtest/gtest.h>
#include <regex.h>

#include <string>
#include <vector>

#include "bgp/policy/policy.hpp"

namespace vipd::bgp::policy {
namespace {

// bgp_regcomp()'s translation, done here independently of Regex::compile().
std::string frr_expand(const std::string& source) {
  std::string out;
  for (char c : source) out += c == '_' ? std::string("(^|[,{}() ]|$)") : std::string(1, c);
  return out;
}

struct Glibc {
  regex_t re{};
  bool ok = false;
  explicit Glibc(const std::string& source) {
    ok = regcomp(&re, frr_expand(source).c_str(), REG_EXTENDED | REG_NOSUB) == 0;
  }
  ~Glibc() {
    if (ok) regfree(&re);
  }
  Glibc(const Glibc&) = delete;
  Glibc& operator=(const Glibc&) = delete;
  bool search(const std::string& text) const {
    return regexec(&re, text.c_str(), 0, nullptr, 0) == 0;
  }
};

const std::vector<std::string> kExpressions = {
    // as-path access lists
    "_65000_",
    "^65000_",
    "_65000$",
    "^65000$",
    "^$",
    ".*",
    "^65000_65001$",
    "_23456_",
    "_6500[0-9]_",
    "^(65000|65001)_",
    "^65000(_65000)*$",
    "_65000_65000_",
    "^[0-9]+$",
    "^[0-9]+_[0-9]+$",
    "_(6451[2-9]|645[2-9][0-9]|64[6-9][0-9][0-9]|65[0-4][0-9][0-9])_",
    "_(42[0-9]{8})_",
    "^65001_.*",
    "65010}",
    "^\\(65000",
    "[0-9]+ [0-9]+ [0-9]+",
    "^(65001_)+$",
    "_6553[0-5]_",
    "^174_",
    "_3356$",
    "^65[0-9]+?$",
    "1|2",
    // expanded community lists
    "^65000:1[0-9][0-9]$",
    "65000:.*",
    "^65535:666$",
    "_65000:100_",
    "0:65000",
    "^(65000:1 )*65000:1$",
    "no-export",
    "[0-9]+:[0-9]+ [0-9]+:[0-9]+",
    "65000:[1-3]0$",
    "^65000:0:[0-9]+$",
    "[[:digit:]]+:666",
    ":(1|2|3)$",
};

const std::vector<std::string> kTexts = {
    "",
    "65000",
    "65001",
    "65000 65001",
    "65001 65000",
    "65000 65000 65000",
    "64512 23456 174",
    "174 3356",
    "65001 {65010,65011}",
    "65001 {65009,65010}",
    "(65000 65001) 65002",
    "[65000,65001] 65002",
    "4200000001 65001",
    "65535 1",
    "65000:100",
    "65000:100 65000:199",
    "65000:1 65000:1",
    "65000:10 65000:20 65000:30",
    "65535:666",
    "0:65000 65000:1",
    "no-export",
    "65000:1 no-export",
    "65000:0:0",
    "65000:0:12 65000:1:2",
    "1 2 3",
    "3",
};

TEST(Regex, AgreesWithGlibcOnWhatFrrUsersWrite) {
  std::size_t compared = 0, matched = 0;
  for (const auto& source : kExpressions) {
    Glibc reference(source);
    ASSERT_TRUE(reference.ok) << source;  // all of these are valid POSIX
    auto ours = Regex::compile(source);
    ASSERT_TRUE(ours) << source;
    for (const auto& text : kTexts) {
      const bool want = reference.search(text);
      EXPECT_EQ(ours->search(text), want) << "'" << source << "' on '" << text << "'";
      ++compared;
      matched += want;
    }
  }
  // Both answers occur often: the comparison is not all "no match".
  EXPECT_GT(matched, compared / 10);
  EXPECT_LT(matched, compared - compared / 10);
}

TEST(Regex, MalformedExpressionsAreRefusedAsGlibcRefusesThem) {
  for (const std::string source : {"^(65000", "[0-9", "_{65010", "^65000{2,1}$", "*65000"}) {
    Glibc reference(source);
    EXPECT_EQ(static_cast<bool>(Regex::compile(source)), reference.ok) << source;
  }
}

// What glibc takes and vipd refuses, with the configuration error of a malformed expression
// (docs/config-bgp.md, "Differences"): backreferences, a `)` without its `(` (a literal to
// glibc), repetition counts above 1000. And what neither takes, without glibc ever building
// the million-state expansion (RE2's limits come first).
TEST(Regex, GlibcExtensionsVipdRefuses) {
  for (const std::string source : {"^(65000)_\\1$", "65000)", "_6500{1001}"}) {
    Glibc reference(source);
    EXPECT_TRUE(reference.ok) << source;
    EXPECT_FALSE(Regex::compile(source)) << source;
  }
  EXPECT_FALSE(Regex::compile("((_65000){1000}){1000}"));
  EXPECT_FALSE(Regex::compile("(((65000){100}){100}){100}"));
}

}  // namespace
}  // namespace vipd::bgp::policy
