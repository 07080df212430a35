// One TCP connection carrying BGP messages: frames the byte stream into whole messages
// (RFC 4271 §4.1) and queues outgoing ones. No protocol logic beyond framing.
#pragma once

#include <asio/ip/tcp.hpp>

#include <deque>
#include <functional>
#include <memory>

#include "bgp/wire/error.hpp"
#include "common/bytes.hpp"
#include "common/ip.hpp"

namespace vipd::bgp::peer {

class MessageStream : public std::enable_shared_from_this<MessageStream> {
 public:
  struct Handlers {
    // A whole message, header included; valid only during the call.
    std::function<void(ByteSpan)> on_message;
    // The header of the next message is bad (RFC 4271 §6.1); the stream stops reading.
    std::function<void(const wire::Error&)> on_header_error;
    // The peer closed the connection or it failed; not called after close().
    std::function<void(std::error_code)> on_closed;
  };

  explicit MessageStream(asio::ip::tcp::socket socket);
  ~MessageStream();

  void start(Handlers handlers);
  void send(Bytes message);
  // Stops reading; the queued messages (e.g. a NOTIFICATION) are still sent, then the socket
  // is shut down and closed. No handler is called any more.
  void close();
  void set_max_message_size(std::size_t size) { max_message_size_ = size; }

  const IpAddress& local_address() const { return local_; }
  const IpAddress& remote_address() const { return remote_; }
  std::uint16_t local_port() const { return local_port_; }
  std::uint16_t remote_port() const { return remote_port_; }
  std::size_t queued_messages() const { return queue_.size() + (writing_ ? 1 : 0); }

 private:
  void read_more();
  void deliver();
  void write_more();
  void finish_close();

  asio::ip::tcp::socket socket_;
  Handlers handlers_;
  IpAddress local_, remote_;
  std::uint16_t local_port_ = 0, remote_port_ = 0;
  std::size_t max_message_size_ = 4096;

  Bytes in_;  // received, not yet delivered: [in_start_, in_end_)
  std::size_t in_start_ = 0;
  std::size_t in_end_ = 0;

  std::deque<Bytes> queue_;  // waiting to be written
  Bytes writing_buffer_;     // being written (several messages coalesced)
  bool writing_ = false;
  bool closing_ = false;
  bool closed_ = false;
};

}  // namespace vipd::bgp::peer
