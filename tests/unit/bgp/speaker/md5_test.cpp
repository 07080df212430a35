// TCP MD5 (RFC 2385) on loopback: the kernel enforces the keys vipd sets on its listening and
// outgoing sockets, so these tests run over real TCP (tcp_harness.hpp).
#include "tcp_harness.hpp"

#include <gtest/gtest.h>

namespace vipd::bgp::testing {
namespace {

// RFC 2385 on loopback, vipd passive: the listener carries the neighbor's key.
TEST_F(SpeakerTest, Md5MatchingKeyEstablishes) {
  const std::string a = "127.0.0.40";
  apply(router_bgp(passive(a, " neighbor " + a + " password secret\n")));
  auto c = connect(a, 2s, "secret");
  ASSERT_TRUE(c) << "TCP with the right MD5 key did not connect";
  handshake(*c, a, peer_open());
}

TEST_F(SpeakerTest, Md5WrongOrMissingKeyNeverConnects) {
  const std::string wrong = "127.0.0.41", none = "127.0.0.42";
  apply(router_bgp(passive(wrong, " neighbor " + wrong + " password secret\n") +
                   passive(none, " neighbor " + none + " password secret\n")));
  // The SYNs are dropped by the kernel: neither handshake completes.
  EXPECT_FALSE(connect(wrong, 1500ms, "not-the-secret"));
  EXPECT_FALSE(connect(none, 1500ms));
  EXPECT_EQ(peer(wrong)->state(), fsm::State::kActive);
  EXPECT_EQ(peer(none)->state(), fsm::State::kActive);
  EXPECT_EQ(peer(wrong)->received().total(), 0u);
  // Control: vipd does listen, and the right key gets in.
  auto c = connect(wrong, 2s, "secret");
  ASSERT_TRUE(c);
  handshake(*c, wrong, peer_open());
}

// RFC 2385 with vipd as the active side: its outgoing socket carries the key.
TEST_F(SpeakerTest, Md5ActiveSideEstablishes) {
  const std::string a = "127.0.0.43";
  std::uint16_t peer_port = free_port();
  FakeListener listener(stepper(), a, peer_port, "127.0.0.1", "secret");
  apply(router_bgp(neighbor_lines(a, "65001",
                                  " neighbor " + a + " port " + std::to_string(peer_port) +
                                      "\n neighbor " + a + " password secret\n")));
  auto c = listener.accept(3s);
  ASSERT_TRUE(c) << "vipd did not connect with the MD5 key";
  handshake(*c, a, peer_open());
}

TEST_F(SpeakerTest, Md5ActiveSideWrongKeyNeverConnects) {
  const std::string a = "127.0.0.44";
  std::uint16_t peer_port = free_port();
  FakeListener listener(stepper(), a, peer_port, "127.0.0.1", "other");
  apply(router_bgp(neighbor_lines(a, "65001",
                                  " neighbor " + a + " port " + std::to_string(peer_port) +
                                      "\n neighbor " + a + " password secret\n")));
  EXPECT_FALSE(listener.accept(2s));
  EXPECT_NE(peer(a)->state(), fsm::State::kOpenSent);
  EXPECT_NE(peer(a)->state(), fsm::State::kEstablished);
  // Control: vipd keeps trying, and with the right key on the listener its next attempt is
  // accepted.
  ASSERT_TRUE(listener.set_key("127.0.0.1", "secret"));
  auto c = listener.accept(4s);
  ASSERT_TRUE(c) << "vipd did not retry";
  handshake(*c, a, peer_open());
}

// Removing the password removes the key from the listener: a peer without a key gets in.
TEST_F(SpeakerTest, Md5KeyRemovedFromListener) {
  const std::string a = "127.0.0.45";
  apply(router_bgp(passive(a, " neighbor " + a + " password secret\n")));
  EXPECT_FALSE(connect(a, 500ms));
  apply(router_bgp(passive(a)));
  ASSERT_TRUE(wait_until([&] { return peer(a)->state() == fsm::State::kActive; }, 3s));
  auto c = establish(a);
  EXPECT_TRUE(c);
}

}  // namespace
}  // namespace vipd::bgp::testing
