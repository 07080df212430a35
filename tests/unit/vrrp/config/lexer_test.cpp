#include "vrrp/config/lexer.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace vipd::vrrp::config {
namespace {

using ::testing::ElementsAre;

std::string decommented(std::string_view line) {
  auto r = decomment(line);
  EXPECT_TRUE(r.ok()) << r.error();
  return r.ok() ? *r : std::string("(error)");
}

std::vector<std::string> words(std::string_view line) {
  auto r = split_words(line);
  EXPECT_TRUE(r.ok()) << r.error();
  return r.ok() ? *r : std::vector<std::string>{};
}

std::vector<std::string> command(std::string_view text) {
  auto r = split_command(text);
  EXPECT_TRUE(r.ok()) << r.error();
  return r.ok() ? *r : std::vector<std::string>{};
}

TEST(Decomment, HashAndBangStartCommentsAnywhere) {
  // keepalived 2.2 `keepalived -t` accepts `priority 50#abc` and `advert_int 1!x` silently: the
  // comment starts inside the word, not only after a blank.
  EXPECT_EQ(decommented("priority 50#abc"), "priority 50");
  EXPECT_EQ(decommented("advert_int 1!x"), "advert_int 1");
  EXPECT_EQ(decommented("# a whole line"), "");
  EXPECT_EQ(decommented("! a whole line"), "");
  EXPECT_EQ(decommented("auth_pass ab!cd"), "auth_pass ab");
}

TEST(Decomment, SeedCommentWithUtf8AfterState) {
  EXPECT_EQ(decommented("    state BACKUP #这里节点值为 MASTER"), "state BACKUP");
}

TEST(Decomment, TrimsBlanksAroundTheText) {
  EXPECT_EQ(decommented("    virtual_ipaddress {        "), "virtual_ipaddress {");
  EXPECT_EQ(decommented("\t\tx\t \t"), "x");
}

TEST(Decomment, QuotesProtectCommentCharacters) {
  EXPECT_EQ(decommented(R"(notify_master "/bin/echo a # b ! c" # real comment)"),
            R"(notify_master "/bin/echo a # b ! c")");
}

TEST(Decomment, BackslashEscapesCommentCharactersOutsideQuotes) {
  EXPECT_EQ(decommented(R"(auth_pass ab\#cd)"), "auth_pass ab#cd");
  EXPECT_EQ(decommented(R"(auth_pass ab\!cd)"), "auth_pass ab!cd");
  // Inside quotes the backslash stays (the command reader handles it).
  EXPECT_EQ(decommented(R"(x "a\#b")"), R"(x "a\#b")");
  // An escaped quote does not open a quoted string.
  EXPECT_EQ(decommented(R"(x \" # c)"), R"(x \")");
}

TEST(Decomment, QuoteInsideCommentIsIgnored) {
  EXPECT_EQ(decommented(R"(state BACKUP # the "master)"), "state BACKUP");
}

TEST(Decomment, UnterminatedQuoteIsAnError) {
  auto r = decomment(R"(notify_master "/bin/x)");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), R"(unterminated quote in 'notify_master "/bin/x')");
}

TEST(SplitBraces, EachBraceIsALineOfItsOwn) {
  EXPECT_THAT(split_braces("vrrp_instance VI_1 { state MASTER"),
              ElementsAre("vrrp_instance VI_1", "{", "state MASTER"));
  EXPECT_THAT(split_braces("virtual_ipaddress { 10.0.0.1 }"),
              ElementsAre("virtual_ipaddress", "{", "10.0.0.1", "}"));
  EXPECT_THAT(split_braces("} vrrp_instance VI_2 {"), ElementsAre("}", "vrrp_instance VI_2", "{"));
  EXPECT_THAT(split_braces("}}"), ElementsAre("}", "}"));
  EXPECT_THAT(split_braces("abc{def"), ElementsAre("abc", "{", "def"));
}

TEST(SplitBraces, BracesInQuotesStay) {
  EXPECT_THAT(split_braces(R"(notify "/bin/x {a}" {)"), ElementsAre(R"(notify "/bin/x {a}")", "{"));
  // After an unterminated quote keepalived stops looking for braces.
  EXPECT_THAT(split_braces(R"(x "a { b)"), ElementsAre(R"(x "a { b)"));
}

TEST(SplitWords, BlanksSeparateAndDoubleQuotesGroup) {
  EXPECT_THAT(words("priority   100"), ElementsAre("priority", "100"));
  EXPECT_THAT(words("a\tb\fc\vd"), ElementsAre("a", "b", "c", "d"));
  EXPECT_THAT(words(R"(notify_master "/bin/echo a b" root)"),
              ElementsAre("notify_master", "/bin/echo a b", "root"));
  EXPECT_THAT(words(R"(abc"def ghi")"), ElementsAre("abc", "def ghi"));
  EXPECT_THAT(words(R"(x "")"), ElementsAre("x", ""));
  EXPECT_THAT(words("'a b'"), ElementsAre("'a", "b'"));  // single quotes are plain characters
}

TEST(SplitWords, UnmatchedQuoteIsAnError) {
  auto r = split_words(R"(x "abc)");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), R"(unmatched quote in 'x "abc')");
}

TEST(SplitCommand, QuotesAndEscapes) {
  EXPECT_THAT(command(R"(/bin/true arg1 'a b')"), ElementsAre("/bin/true", "arg1", "a b"));
  EXPECT_THAT(command(R"("a b"'c d'e)"), ElementsAre("a bc de"));
  EXPECT_THAT(command(R"(a\ b)"), ElementsAre("a b"));
  EXPECT_THAT(command(R"(\x41\101\cA\n\t\E\q)"), ElementsAre("AA\x01\n\t\x1bq"));
  EXPECT_THAT(command(R"('it\'s')"), ElementsAre("it's"));  // escapes work inside '...' too
  EXPECT_THAT(command(R"("say \"hi\"")"), ElementsAre(R"(say "hi")"));
  EXPECT_THAT(command("  "), ElementsAre());
}

TEST(SplitCommand, Errors) {
  auto quote = split_command("'abc");
  ASSERT_FALSE(quote.ok());
  EXPECT_EQ(quote.error(), "string ''abc': missing terminating '");
  auto escape = split_command("abc\\");
  ASSERT_FALSE(escape.ok());
  EXPECT_EQ(escape.error(), "missing escaped character at the end of 'abc\\'");
}

}  // namespace
}  // namespace vipd::vrrp::config
