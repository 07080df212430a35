#include "bgp/peer/message_stream.hpp"

#include <asio/write.hpp>

#include "bgp/peer/socket_options.hpp"
#include "bgp/wire/header.hpp"

namespace vipd::bgp::peer {
namespace {
constexpr std::size_t kHeaderSize = 19;
constexpr std::size_t kReadChunk = 64 * 1024;
constexpr std::size_t kMaxCoalesce = 64 * 1024;
}  // namespace

MessageStream::MessageStream(asio::ip::tcp::socket socket) : socket_(std::move(socket)) {
  std::error_code ec;
  auto local = socket_.local_endpoint(ec);
  if (!ec) {
    local_ = from_asio(local.address());
    local_port_ = local.port();
  }
  auto remote = socket_.remote_endpoint(ec);
  if (!ec) {
    remote_ = from_asio(remote.address());
    remote_port_ = remote.port();
  }
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
}

MessageStream::~MessageStream() {
  std::error_code ec;
  socket_.close(ec);
}

void MessageStream::start(Handlers handlers) {
  handlers_ = std::move(handlers);
  read_more();
}

void MessageStream::read_more() {
  if (closing_) return;
  // Keep the unread tail at the front so the buffer never grows past one chunk plus the
  // largest message.
  if (in_start_ > 0) {
    std::copy(in_.begin() + static_cast<std::ptrdiff_t>(in_start_),
              in_.begin() + static_cast<std::ptrdiff_t>(in_end_), in_.begin());
    in_end_ -= in_start_;
    in_start_ = 0;
  }
  if (in_.size() < in_end_ + kReadChunk) in_.resize(in_end_ + kReadChunk);
  auto self = shared_from_this();
  socket_.async_read_some(asio::buffer(in_.data() + in_end_, in_.size() - in_end_),
                          [self](std::error_code ec, std::size_t n) {
                            if (self->closing_) return;
                            if (ec) {
                              self->closing_ = true;
                              if (self->handlers_.on_closed) self->handlers_.on_closed(ec);
                              return;
                            }
                            self->in_end_ += n;
                            self->deliver();
                            self->read_more();
                          });
}

void MessageStream::deliver() {
  while (!closing_ && in_end_ - in_start_ >= kHeaderSize) {
    ByteSpan pending(in_.data() + in_start_, in_end_ - in_start_);
    auto header = wire::decode_header(pending.first(kHeaderSize), max_message_size_);
    if (!header) {
      auto error = header.error();
      closing_ = true;  // nothing after a bad header can be framed
      if (handlers_.on_header_error) handlers_.on_header_error(error);
      return;
    }
    if (pending.size() < header->length) return;
    in_start_ += header->length;
    handlers_.on_message(pending.first(header->length));
  }
}

void MessageStream::send(Bytes message) {
  if (closed_) return;
  queue_.push_back(std::move(message));
  if (!writing_) write_more();
}

void MessageStream::write_more() {
  if (queue_.empty()) {
    writing_ = false;
    if (closing_ && !closed_) finish_close();
    return;
  }
  writing_ = true;
  writing_buffer_.clear();
  while (!queue_.empty() && (writing_buffer_.empty() ||
                             writing_buffer_.size() + queue_.front().size() <= kMaxCoalesce)) {
    writing_buffer_.insert(writing_buffer_.end(), queue_.front().begin(), queue_.front().end());
    queue_.pop_front();
  }
  auto self = shared_from_this();
  asio::async_write(socket_, asio::buffer(writing_buffer_),
                    [self](std::error_code ec, std::size_t) {
                      if (self->closed_) return;
                      if (ec) {
                        self->queue_.clear();
                        self->writing_ = false;
                        if (!self->closing_) {
                          self->closing_ = true;
                          if (self->handlers_.on_closed) self->handlers_.on_closed(ec);
                        }
                        self->finish_close();
                        return;
                      }
                      self->write_more();
                    });
}

void MessageStream::close() {
  if (closed_) return;
  // Handlers are kept (close() may run inside one of them) but never called again.
  closing_ = true;
  if (!writing_) finish_close();
}

void MessageStream::finish_close() {
  closed_ = true;
  std::error_code ec;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  socket_.close(ec);
}

}  // namespace vipd::bgp::peer
