#include "bgp/peer/message_framer.hpp"

#include <algorithm>
#include <cstring>

#include "bgp/wire/header.hpp"

namespace vipd::bgp::peer {
namespace {
constexpr std::size_t kHeaderSize = 19;
}  // namespace

std::span<std::uint8_t> MessageFramer::prepare(std::size_t size) {
  // Keep the unread tail at the front so the buffer never grows past one read plus the
  // largest message.
  if (start_ > 0) {
    std::copy(buffer_.begin() + static_cast<std::ptrdiff_t>(start_),
              buffer_.begin() + static_cast<std::ptrdiff_t>(end_), buffer_.begin());
    end_ -= start_;
    start_ = 0;
  }
  if (buffer_.size() < end_ + size) buffer_.resize(end_ + size);
  return {buffer_.data() + end_, buffer_.size() - end_};
}

void MessageFramer::append(ByteSpan bytes) {
  auto space = prepare(bytes.size());
  if (!bytes.empty()) std::memcpy(space.data(), bytes.data(), bytes.size());
  commit(bytes.size());
}

void MessageFramer::deliver(const std::function<void(ByteSpan)>& on_message,
                            const std::function<void(const wire::Error&)>& on_header_error,
                            const std::function<bool()>& keep_going) {
  while (!failed_ && keep_going() && end_ - start_ >= kHeaderSize) {
    ByteSpan pending(buffer_.data() + start_, end_ - start_);
    auto header = wire::decode_header(pending.first(kHeaderSize), max_message_size_);
    if (!header) {
      auto error = header.error();
      failed_ = true;
      if (on_header_error) on_header_error(error);
      return;
    }
    if (pending.size() < header->length) return;
    start_ += header->length;
    on_message(pending.first(header->length));
  }
}

}  // namespace vipd::bgp::peer
