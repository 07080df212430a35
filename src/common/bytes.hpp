// Bounds-checked big-endian readers and writers for wire codecs. A read past the end never
// touches memory: it sets a sticky failure flag and returns zeros, so decoders can read a whole
// structure and check ok() once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace vipd {

using Bytes = std::vector<std::uint8_t>;
using ByteSpan = std::span<const std::uint8_t>;

class ByteReader {
 public:
  explicit ByteReader(ByteSpan data) : data_(data) {}

  bool ok() const { return ok_; }
  std::size_t remaining() const { return ok_ ? data_.size() - pos_ : 0; }
  bool empty() const { return remaining() == 0; }
  std::size_t position() const { return pos_; }

  std::uint8_t u8();
  std::uint16_t u16();
  std::uint32_t u32();
  std::uint64_t u64();
  // The next n bytes as a view into the underlying buffer (empty span on failure).
  ByteSpan bytes(std::size_t n);
  // Everything not yet read.
  ByteSpan rest();
  void skip(std::size_t n) { (void)bytes(n); }
  // A reader over the next n bytes; this reader advances past them.
  ByteReader sub(std::size_t n) { return ByteReader(bytes(n), ok_); }

 private:
  ByteReader(ByteSpan data, bool ok) : data_(data), ok_(ok) {}
  bool need(std::size_t n);

  ByteSpan data_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

class ByteWriter {
 public:
  ByteWriter() = default;
  explicit ByteWriter(Bytes& out) : out_(&out) {}

  // Inline: encoders call these per field of every message.
  void u8(std::uint8_t v) { buf().push_back(v); }
  void u16(std::uint16_t v) {
    std::uint8_t* p = grow(2);
    p[0] = static_cast<std::uint8_t>(v >> 8);
    p[1] = static_cast<std::uint8_t>(v);
  }
  void u32(std::uint32_t v) {
    std::uint8_t* p = grow(4);
    p[0] = static_cast<std::uint8_t>(v >> 24);
    p[1] = static_cast<std::uint8_t>(v >> 16);
    p[2] = static_cast<std::uint8_t>(v >> 8);
    p[3] = static_cast<std::uint8_t>(v);
  }
  void u64(std::uint64_t v);
  void bytes(ByteSpan b) { buf().insert(buf().end(), b.begin(), b.end()); }
  void zeros(std::size_t n) { buf().insert(buf().end(), n, 0); }
  // `n` zero octets at offset `at`, moving what follows (a length field that turned out to need
  // more octets than reserved).
  void insert_zeros(std::size_t at, std::size_t n) {
    buf().insert(buf().begin() + static_cast<std::ptrdiff_t>(at), n, 0);
  }

  // Reserve a 1- or 2-octet length field to be filled in later by patch_u8/patch_u16.
  std::size_t placeholder_u8() {
    u8(0);
    return size() - 1;
  }
  std::size_t placeholder_u16() {
    u16(0);
    return size() - 2;
  }
  void patch_u8(std::size_t at, std::uint8_t v) { buf()[at] = v; }
  void patch_u16(std::size_t at, std::uint16_t v);

  std::size_t size() const { return out_ ? out_->size() : own_.size(); }
  const Bytes& data() const { return out_ ? *out_ : own_; }
  Bytes take() { return out_ ? *out_ : std::move(own_); }

 private:
  Bytes& buf() { return out_ ? *out_ : own_; }
  std::uint8_t* grow(std::size_t n) {
    Bytes& b = buf();
    std::size_t at = b.size();
    b.resize(at + n);
    return b.data() + at;
  }
  Bytes own_;
  Bytes* out_ = nullptr;
};

// A value as network-order octets, e.g. the Data field of a NOTIFICATION (RFC 4271 §6).
inline Bytes be16_bytes(std::uint16_t v) {
  return Bytes{static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
}
inline Bytes be32_bytes(std::uint32_t v) {
  return Bytes{static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16),
               static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
}

// "0a0b ff" -> {0x0a, 0x0b, 0xff}; whitespace ignored. Used by tests and fixtures; returns an
// empty vector and sets *ok=false on an odd digit count or a non-hex character.
Bytes from_hex(std::string_view hex, bool* ok = nullptr);
std::string to_hex(ByteSpan data);

}  // namespace vipd
