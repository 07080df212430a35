#include "l2/wire/checksum.hpp"

namespace vipd::l2::wire {

void InternetChecksum::add(ByteSpan data) {
  std::size_t i = 0;
  if (odd_ && !data.empty()) {
    sum_ += static_cast<std::uint32_t>(pending_ << 8 | data[0]);
    odd_ = false;
    i = 1;
  }
  for (; i + 1 < data.size(); i += 2)
    sum_ += static_cast<std::uint32_t>(data[i] << 8 | data[i + 1]);
  if (i < data.size()) {
    pending_ = data[i];
    odd_ = true;
  }
  // Fold early so the 32-bit accumulator never overflows on long inputs.
  sum_ = (sum_ & 0xffff) + (sum_ >> 16);
}

void InternetChecksum::add_u16(std::uint16_t value) {
  const std::uint8_t b[2] = {static_cast<std::uint8_t>(value >> 8),
                             static_cast<std::uint8_t>(value)};
  add(ByteSpan(b, 2));
}

void InternetChecksum::add_u32(std::uint32_t value) {
  add_u16(static_cast<std::uint16_t>(value >> 16));
  add_u16(static_cast<std::uint16_t>(value));
}

void InternetChecksum::add_pseudo_header(const IpAddress& source, const IpAddress& destination,
                                         std::uint8_t protocol, std::uint32_t upper_layer_length) {
  add(ByteSpan(source.octets().data(), source.size()));
  add(ByteSpan(destination.octets().data(), destination.size()));
  if (source.is_v4()) {
    add_u16(protocol);  // zero octet, protocol
    add_u16(static_cast<std::uint16_t>(upper_layer_length));
  } else {
    add_u32(upper_layer_length);
    add_u32(protocol);  // three zero octets, next header
  }
}

std::uint16_t InternetChecksum::finish() const {
  std::uint32_t sum = sum_;
  if (odd_) sum += static_cast<std::uint32_t>(pending_ << 8);  // RFC 1071: pad with a zero octet
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

std::uint16_t internet_checksum(ByteSpan data) {
  InternetChecksum sum;
  sum.add(data);
  return sum.finish();
}

}  // namespace vipd::l2::wire
