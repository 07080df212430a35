#include "control/cli.hpp"

#include <gtest/gtest.h>

namespace vipd::control {
namespace {

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tree.add_node("config", "config");
    tree.add_node("config-router", "config-router");
    tree.add_node("config-router-af", "config-router-af");
    tree.describe("show", "Show running system information");
    tree.install("exec", "show ip bgp summary [json$json]", "BGP summary",
                 [this](const Invocation& inv, Session&) {
                   log.push_back(inv.line() + (inv.has("json") ? " +json" : ""));
                   return CommandResult::success("summary");
                 });
    tree.install("exec", "show ip bgp neighbors [<A.B.C.D|X:X::X:X>$peer] [json]", "neighbors",
                 [this](const Invocation& inv, Session&) {
                   log.push_back("neighbors " + inv.get("peer"));
                   return CommandResult::success();
                 });
    tree.install("exec", "configure terminal", "Configuration from vty interface",
                 [](const Invocation&, Session& s) {
                   s.push("config");
                   return CommandResult::success();
                 });
    tree.install("config", "router bgp (1-4294967295)$asn", "BGP",
                 [](const Invocation& inv, Session& s) {
                   s.push("config-router", inv.get("asn"));
                   return CommandResult::success();
                 });
    tree.install("config", "hostname WORD", "Set hostname",
                 [this](const Invocation& inv, Session&) {
                   log.push_back("hostname " + inv.get("WORD"));
                   return CommandResult::success();
                 });
    tree.install("config-router", "neighbor <A.B.C.D|X:X::X:X>$peer remote-as (1-4294967295)$asn",
                 "Specify a BGP neighbor", [this](const Invocation& inv, Session& s) {
                   log.push_back("as " + *s.argument_of("config-router") + " peer " +
                                 inv.get("peer") + " remote " + inv.get("asn"));
                   return CommandResult::success();
                 });
    tree.install("config-router", "neighbor <A.B.C.D|X:X::X:X>$peer description LINE...$text",
                 "Neighbor specific description", [this](const Invocation& inv, Session&) {
                   log.push_back("desc [" + inv.get("text") + "]");
                   return CommandResult::success();
                 });
    tree.install("config-router", "neighbor <A.B.C.D|X:X::X:X>$peer default-originate",
                 "Originate default route",
                 [](const Invocation&, Session&) { return CommandResult::success(); });
    tree.install("config-router", "address-family <ipv4|ipv6>$afi unicast", "AF",
                 [](const Invocation& inv, Session& s) {
                   s.push("config-router-af", inv.get("afi"));
                   return CommandResult::success();
                 });
    tree.install("config-router-af", "network X:X::X:X/M$p", "Network",
                 [this](const Invocation& inv, Session& s) {
                   log.push_back(*s.argument_of("config-router-af") + " network " + inv.get("p"));
                   return CommandResult::success();
                 });
    tree.install("config-router-af", "exit-address-family", "Exit AF",
                 [](const Invocation&, Session& s) {
                   s.pop();
                   return CommandResult::success();
                 });
  }

  CommandTree tree;
  Session session;
  std::vector<std::string> log;
};

TEST_F(CliTest, AbbreviationsExpandAndOptionalKeywordsAreSeen) {
  auto r = tree.execute(session, "sh ip b sum json");
  EXPECT_TRUE(r.ok) << r.output;
  EXPECT_EQ(r.output, "summary");
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0], "show ip bgp summary json +json");
  EXPECT_TRUE(tree.execute(session, "show ip bgp neighbors 2001:db8::1").ok);
  EXPECT_EQ(log.back(), "neighbors 2001:db8::1");
}

TEST_F(CliTest, AmbiguousIncompleteAndUnknownAreErrors) {
  tree.execute(session, "configure terminal");
  tree.execute(session, "router bgp 65000");
  auto r = tree.execute(session, "neighbor 10.0.0.1 de");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.output, "% Ambiguous command: neighbor 10.0.0.1 de");
  r = tree.execute(session, "neighbor 10.0.0.1 remote-as");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.output, "% Command incomplete: neighbor 10.0.0.1 remote-as");
  r = tree.execute(session, "neighbor 10.0.0.1 remote-as 4294967296");
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.output.find("Invalid input at '4294967296'"), std::string::npos) << r.output;
  r = tree.execute(session, "neighbor 10.0.0.300 remote-as 1");
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(log.empty());
}

TEST_F(CliTest, DescriptionTakesTheRestOfTheLineVerbatimQuotesIncluded) {
  tree.execute(session, "configure terminal");
  tree.execute(session, "router bgp 65000");
  EXPECT_TRUE(tree.execute(session, "neighbor 192.168.12.15 description \"k3s-node-4").ok);
  EXPECT_TRUE(tree.execute(session, "neighbor 192.168.12.15 description  two   words ").ok);
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0], "desc [\"k3s-node-4]");
  EXPECT_EQ(log[1], "desc [two words]");
}

TEST_F(CliTest, NodesNestAndFallBackOutward) {
  EXPECT_EQ(tree.prompt_suffix(session), "");
  tree.execute(session, "conf t");
  EXPECT_EQ(tree.prompt_suffix(session), "(config)");
  tree.execute(session, "router bgp 65000");
  tree.execute(session, "address-family ipv6 unicast");
  EXPECT_EQ(tree.prompt_suffix(session), "(config-router-af)");
  EXPECT_TRUE(tree.execute(session, "network 2001:db8::/32").ok);
  EXPECT_EQ(log.back(), "ipv6 network 2001:db8::/32");
  // A router-level command leaves the address-family node, as in a config file.
  EXPECT_TRUE(tree.execute(session, "neighbor 10.0.0.1 remote-as 65001").ok);
  EXPECT_EQ(log.back(), "as 65000 peer 10.0.0.1 remote 65001");
  EXPECT_EQ(session.node(), "config-router");
  EXPECT_TRUE(tree.execute(session, "hostname r1").ok);
  EXPECT_EQ(session.node(), "config");
  // Configuration nodes never fall back to exec commands.
  EXPECT_FALSE(tree.execute(session, "show ip bgp summary").ok);
}

TEST_F(CliTest, CommentsAndBlankLinesAreNoOps) {
  EXPECT_TRUE(tree.execute(session, "").ok);
  EXPECT_TRUE(tree.execute(session, "   ").ok);
  EXPECT_TRUE(tree.execute(session, "! comment").ok);
  EXPECT_TRUE(tree.execute(session, "# comment").ok);
  EXPECT_TRUE(log.empty());
}

std::vector<std::string> tokens(const std::vector<Completion>& cs) {
  std::vector<std::string> out;
  for (const auto& c : cs) out.push_back(c.token);
  return out;
}

TEST_F(CliTest, CompletesKeywordsVariablesAndEndOfLine) {
  EXPECT_EQ(tokens(tree.complete(session, "")), (std::vector<std::string>{"configure", "show"}));
  auto help = tree.complete(session, "sh");
  ASSERT_EQ(help.size(), 1u);
  EXPECT_EQ(help[0].help, "Show running system information");
  EXPECT_EQ(tokens(tree.complete(session, "show ip bgp ")),
            (std::vector<std::string>{"neighbors", "summary"}));
  EXPECT_EQ(tokens(tree.complete(session, "show ip bgp summary ")),
            (std::vector<std::string>{"<cr>", "json"}));
  EXPECT_EQ(tokens(tree.complete(session, "show ip bgp neighbors ")),
            (std::vector<std::string>{"<cr>", "A.B.C.D", "X:X::X:X", "json"}));
  tree.execute(session, "conf t");
  tree.execute(session, "router bgp 1");
  EXPECT_EQ(tokens(tree.complete(session, "neighbor 10.0.0.1 d")),
            (std::vector<std::string>{"default-originate", "description"}));
  EXPECT_EQ(tokens(tree.complete(session, "neighbor 10.0.0.1 description x ")),
            (std::vector<std::string>{"<cr>", "LINE..."}));
}

TEST(CliPattern, MalformedPatternsAreRejectedAtInstall) {
  CommandTree tree;
  auto noop = [](const Invocation&, Session&) { return CommandResult::success(); };
  EXPECT_THROW(tree.install("exec", "show [ip", "", noop), std::invalid_argument);
  EXPECT_THROW(tree.install("exec", "show <a|b", "", noop), std::invalid_argument);
  EXPECT_THROW(tree.install("exec", "timers (x-3)", "", noop), std::invalid_argument);
  EXPECT_THROW(tree.install("nowhere", "show", "", noop), std::invalid_argument);
}

}  // namespace
}  // namespace vipd::control
