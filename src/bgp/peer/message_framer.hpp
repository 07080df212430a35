// Frames a received byte stream into whole BGP messages (RFC 4271 §4.1) for every transport:
// bytes are written into prepare()d space and commit()ted, deliver() hands out the complete
// messages. Pure: no socket, no clock.
#pragma once

#include <functional>
#include <span>

#include "bgp/wire/error.hpp"
#include "common/bytes.hpp"

namespace vipd::bgp::peer {

class MessageFramer {
 public:
  // Space for at least `size` more bytes at the end of what is buffered.
  std::span<std::uint8_t> prepare(std::size_t size);
  void commit(std::size_t size) { end_ += size; }
  void append(ByteSpan bytes);

  // Hands every complete message to on_message while `keep_going()` holds (the owner may
  // close inside on_message). A bad header goes to on_header_error and stops framing for
  // good: nothing after it can be framed (RFC 4271 §6.1).
  void deliver(const std::function<void(ByteSpan)>& on_message,
               const std::function<void(const wire::Error&)>& on_header_error,
               const std::function<bool()>& keep_going);

  // deliver() for a connection that stops at `closing`: a bad header sets it before
  // on_header_error runs, so nothing after it reaches on_message.
  void deliver_until_closed(const std::function<void(ByteSpan)>& on_message,
                            const std::function<void(const wire::Error&)>& on_header_error,
                            bool& closing) {
    deliver(
        on_message,
        [&](const wire::Error& error) {
          closing = true;
          if (on_header_error) on_header_error(error);
        },
        [&] { return !closing; });
  }

  void set_max_message_size(std::size_t size) { max_message_size_ = size; }
  bool failed() const { return failed_; }

 private:
  Bytes buffer_;  // received, not yet delivered: [start_, end_)
  std::size_t start_ = 0;
  std::size_t end_ = 0;
  std::size_t max_message_size_ = 4096;
  bool failed_ = false;
};

}  // namespace vipd::bgp::peer
