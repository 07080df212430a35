// The in-memory transport the speaker tests run on: connect, refuse, no answer, accept with
// endpoints, framed delivery in post() order, stalled readers, graceful close and reset, RFC
// 2385 keys on listeners, and cancelled attempts.
#include "bgp/peer/memory_transport.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <vector>

#include "event/sim_clock.hpp"

#include "peer_test_util.hpp"

namespace vipd::bgp::peer {
namespace {

using test::keepalive;

IpAddress ip(const char* text) {
  return *IpAddress::parse(text);
}

class MemoryTransportTest : public ::testing::Test {
 protected:
  // What a connect() reported.
  struct Outcome {
    bool called = false;
    std::error_code error;
    std::unique_ptr<Connection> connection;
  };
  std::unique_ptr<PendingConnect> connect(Outcome& out, Endpoint to, std::string key = {}) {
    ConnectOptions options;
    options.remote = to;
    options.md5_key = std::move(key);
    return transport_.connect(options, [&out](std::error_code ec, std::unique_ptr<Connection> c) {
      out.called = true;
      out.error = ec;
      out.connection = std::move(c);
    });
  }
  // Starts `c` and records what it receives.
  void record(Connection& c) {
    c.start({.on_message = [this](ByteSpan m) { messages_.emplace_back(m.begin(), m.end()); },
             .on_header_error = [](const wire::Error&) {},
             .on_closed = [this](std::error_code ec) { closed_ = ec; },
             .on_drained = [this] { ++drained_; }});
  }

  event::SimClock clock_;
  MemoryNetwork network_{clock_};
  MemoryTransport transport_{network_, ip("127.0.0.1"), ip("::1")};
  std::vector<Bytes> messages_;
  std::optional<std::error_code> closed_;
  int drained_ = 0;
};

TEST_F(MemoryTransportTest, ConnectWithoutListenerIsRefusedLater) {
  Outcome out;
  auto pending = connect(out, {ip("127.0.0.2"), 179});
  EXPECT_FALSE(out.called);  // never from inside connect()
  clock_.run_posted();
  ASSERT_TRUE(out.called);
  EXPECT_EQ(out.error, std::make_error_code(std::errc::connection_refused));
  EXPECT_EQ(out.connection, nullptr);
}

TEST_F(MemoryTransportTest, UnreachableAddressNeverAnswersAndCancelling) {
  network_.set_unreachable(ip("127.0.0.2"), true);
  auto queue = network_.listen({ip("127.0.0.2"), 179});
  Outcome out;
  auto pending = connect(out, {ip("127.0.0.2"), 179});
  clock_.advance(std::chrono::seconds(60));
  EXPECT_FALSE(out.called);
  EXPECT_EQ(queue->pending(), 0u);
  // Destroyed before its result was delivered: the callback never runs.
  network_.set_unreachable(ip("127.0.0.2"), false);
  pending = connect(out, {ip("127.0.0.2"), 179});
  pending.reset();
  clock_.run_posted();
  EXPECT_FALSE(out.called);
}

TEST_F(MemoryTransportTest, ConnectedPairCarriesFramedMessagesInOrder) {
  auto queue = network_.listen({ip("127.0.0.2"), 1179});
  Outcome out;
  auto pending = connect(out, {ip("127.0.0.2"), 1179});
  clock_.run_posted();
  ASSERT_TRUE(out.called && out.connection) << out.error.message();
  auto far = queue->accept();
  ASSERT_TRUE(far);
  EXPECT_EQ(out.connection->remote(), (Endpoint{ip("127.0.0.2"), 1179}));
  EXPECT_EQ(out.connection->local().address, ip("127.0.0.1"));
  EXPECT_EQ(far->remote(), out.connection->local());

  record(*out.connection);
  // One message in two writes, then two more in one.
  Bytes k = keepalive();
  far->write(ByteSpan(k).first(5));
  far->write(ByteSpan(k).subspan(5));
  Bytes two;
  two.reserve(2 * k.size());
  for (int i = 0; i < 2; ++i) two.insert(two.end(), k.begin(), k.end());
  far->write(two);
  clock_.run_posted();
  EXPECT_EQ(messages_.size(), 3u);

  out.connection->send(keepalive());
  out.connection->send(keepalive());
  EXPECT_EQ(out.connection->queued_messages(), 2u);
  clock_.run_posted();
  EXPECT_EQ(out.connection->queued_messages(), 0u);
  EXPECT_EQ(far->read().size(), 38u);
}

TEST_F(MemoryTransportTest, StalledReaderKeepsTheSendersQueue) {
  std::unique_ptr<Connection> accepted;
  std::error_code ec;
  auto listener = transport_.listen(
      179, Family::kIpv4, [&](std::unique_ptr<Connection> c) { accepted = std::move(c); }, ec);
  ASSERT_TRUE(listener) << ec.message();
  auto far = network_.connect(ip("127.0.0.9"), {ip("127.0.0.1"), 179});
  ASSERT_TRUE(far);
  clock_.run_posted();
  ASSERT_TRUE(accepted);
  EXPECT_EQ(accepted->remote().address, ip("127.0.0.9"));
  EXPECT_EQ(accepted->local(), (Endpoint{ip("127.0.0.1"), 179}));

  record(*accepted);
  far->stall(true);
  for (int i = 0; i < 3; ++i) accepted->send(keepalive());
  clock_.advance(std::chrono::seconds(1));
  EXPECT_EQ(accepted->queued_messages(), 3u);
  EXPECT_EQ(accepted->queued_bytes(), 57u);
  EXPECT_EQ(far->available(), 0u);
  EXPECT_EQ(drained_, 0);
  far->stall(false);
  clock_.run_posted();
  EXPECT_EQ(accepted->queued_messages(), 0u);
  EXPECT_EQ(accepted->queued_bytes(), 0u);
  EXPECT_EQ(far->available(), 57u);
  EXPECT_EQ(drained_, 1);  // the sender may produce more (flow control, issue 15 D1)
  // Discarded: what the reader has not taken is gone.
  far->stall(true);
  accepted->send(keepalive());
  accepted->discard_queued();
  EXPECT_EQ(accepted->queued_bytes(), 0u);
  far->stall(false);
  clock_.run_posted();
  EXPECT_EQ(far->available(), 57u);
}

TEST_F(MemoryTransportTest, CloseFlushesThenEndsTheStream) {
  auto queue = network_.listen({ip("127.0.0.2"), 179});
  Outcome out;
  auto pending = connect(out, {ip("127.0.0.2"), 179});
  clock_.run_posted();
  auto far = queue->accept();
  ASSERT_TRUE(far && out.connection);
  out.connection->send(keepalive());  // e.g. a NOTIFICATION before closing
  out.connection.reset();             // destroying is close()
  EXPECT_FALSE(far->eof());
  clock_.run_posted();
  EXPECT_EQ(far->read(), keepalive());
  EXPECT_TRUE(far->eof());
  EXPECT_FALSE(far->was_reset());
}

TEST_F(MemoryTransportTest, ResetAndEndOfStreamReachTheReader) {
  for (bool reset : {false, true}) {
    auto queue = network_.listen({ip("127.0.0.2"), 179});
    Outcome out;
    auto pending = connect(out, {ip("127.0.0.2"), 179});
    clock_.run_posted();
    auto far = queue->accept();
    ASSERT_TRUE(far && out.connection);
    closed_.reset();
    record(*out.connection);
    far->write(keepalive());
    if (reset)
      far->reset();  // the queued KEEPALIVE is lost
    else
      far->close();  // the KEEPALIVE arrives first
    messages_.clear();
    clock_.run_posted();
    ASSERT_TRUE(closed_);
    EXPECT_EQ(*closed_, reset ? std::make_error_code(std::errc::connection_reset)
                              : std::make_error_code(std::errc::not_connected));
    EXPECT_EQ(messages_.size(), reset ? 0u : 1u);
  }
}

TEST_F(MemoryTransportTest, ListenerMd5KeysDecideWhoGetsAnAnswer) {
  std::vector<std::unique_ptr<Connection>> accepted;
  std::error_code ec;
  auto listener = transport_.listen(
      179, Family::kIpv4, [&](std::unique_ptr<Connection> c) { accepted.push_back(std::move(c)); },
      ec);
  ASSERT_TRUE(listener);
  EXPECT_FALSE(listener->set_md5_key(ip("127.0.0.2"), "secret"));
  // RFC 2385: unsigned or wrongly signed SYNs are dropped; a listener without a key for the
  // address takes unsigned ones.
  EXPECT_FALSE(network_.connect(ip("127.0.0.2"), {ip("127.0.0.1"), 179}));
  EXPECT_FALSE(network_.connect(ip("127.0.0.2"), {ip("127.0.0.1"), 179}, "other"));
  EXPECT_TRUE(network_.connect(ip("127.0.0.2"), {ip("127.0.0.1"), 179}, "secret"));
  EXPECT_TRUE(network_.connect(ip("127.0.0.3"), {ip("127.0.0.1"), 179}));
  listener->set_md5_key(ip("127.0.0.2"), "");
  EXPECT_TRUE(network_.connect(ip("127.0.0.2"), {ip("127.0.0.1"), 179}));
  clock_.run_posted();
  EXPECT_EQ(accepted.size(), 3u);
  // A second listener on the same port fails; after the first is gone nothing is accepted.
  auto second = transport_.listen(
      179, Family::kIpv4, [](std::unique_ptr<Connection>) {}, ec);
  EXPECT_FALSE(second);
  EXPECT_EQ(ec, std::make_error_code(std::errc::address_in_use));
  listener.reset();
  EXPECT_FALSE(network_.connect(ip("127.0.0.3"), {ip("127.0.0.1"), 179}));
}

}  // namespace
}  // namespace vipd::bgp::peer
