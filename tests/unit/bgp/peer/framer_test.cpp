// MessageFramer: whole messages out of a byte stream cut anywhere (RFC 4271 §4.1), and the end
// of framing at a bad header (RFC 4271 §6.1).
#include "bgp/peer/message_framer.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "bgp/wire/constants.hpp"

#include "peer_test_util.hpp"

namespace vipd::bgp::peer {
namespace {

using test::keepalive;

struct Collected {
  std::vector<Bytes> messages;
  std::vector<wire::Error> errors;
  void deliver(MessageFramer& framer) {
    framer.deliver([&](ByteSpan m) { messages.emplace_back(m.begin(), m.end()); },
                   [&](const wire::Error& e) { errors.push_back(e); }, [] { return true; });
  }
};

TEST(MessageFramer, DeliversWholeMessagesFromAnySplit) {
  Bytes stream;
  for (int i = 0; i < 3; ++i) {
    Bytes k = keepalive();
    stream.insert(stream.end(), k.begin(), k.end());
  }
  for (std::size_t cut = 1; cut < stream.size(); ++cut) {
    MessageFramer framer;
    Collected got;
    framer.append(ByteSpan(stream).first(cut));
    got.deliver(framer);
    framer.append(ByteSpan(stream).subspan(cut));
    got.deliver(framer);
    ASSERT_EQ(got.messages.size(), 3u) << "cut at " << cut;
    EXPECT_EQ(got.messages[2], keepalive());
    EXPECT_TRUE(got.errors.empty());
  }
}

TEST(MessageFramer, BadHeaderStopsFramingForGood) {
  MessageFramer framer;
  Bytes bad = keepalive();
  bad[0] = 0;  // RFC 4271 §6.1: marker not all ones
  framer.append(keepalive());
  framer.append(bad);
  framer.append(keepalive());
  Collected got;
  got.deliver(framer);
  EXPECT_EQ(got.messages.size(), 1u);
  ASSERT_EQ(got.errors.size(), 1u);
  EXPECT_EQ(got.errors[0].code, wire::error_code::kMessageHeader);
  EXPECT_TRUE(framer.failed());
  got.deliver(framer);
  EXPECT_EQ(got.messages.size(), 1u);
  EXPECT_EQ(got.errors.size(), 1u);
}

TEST(MessageFramer, StopsWhenTheOwnerCloses) {
  MessageFramer framer;
  framer.append(keepalive());
  framer.append(keepalive());
  int delivered = 0;
  bool open = true;
  framer.deliver(
      [&](ByteSpan) {
        ++delivered;
        open = false;
      },
      [](const wire::Error&) {}, [&] { return open; });
  EXPECT_EQ(delivered, 1);
}

}  // namespace
}  // namespace vipd::bgp::peer
