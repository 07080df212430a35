#include "common/bytes.hpp"

#include <gtest/gtest.h>

namespace vipd {
namespace {

TEST(ByteReader, ReadsBigEndian) {
  Bytes data = from_hex("01 0203 04050607 08090a0b0c0d0e0f");
  ByteReader r(data);
  EXPECT_EQ(r.u8(), 0x01);
  EXPECT_EQ(r.u16(), 0x0203);
  EXPECT_EQ(r.u32(), 0x04050607u);
  EXPECT_EQ(r.u64(), 0x08090a0b0c0d0e0fULL);
  EXPECT_TRUE(r.ok());
  EXPECT_TRUE(r.empty());
}

TEST(ByteReader, OverrunIsStickyAndReturnsZero) {
  Bytes data = from_hex("0102");
  ByteReader r(data);
  EXPECT_EQ(r.u32(), 0u);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.u8(), 0);  // nothing is read after a failure
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(ByteReader, SubReaderIsBounded) {
  Bytes data = from_hex("0304 aabbcc dd");
  ByteReader r(data);
  r.skip(2);
  ByteReader sub = r.sub(3);
  EXPECT_EQ(sub.u16(), 0xaabb);
  EXPECT_EQ(sub.u16(), 0);
  EXPECT_FALSE(sub.ok());
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.u8(), 0xdd);
  ByteReader r2(data);
  EXPECT_TRUE(r2.sub(7).empty());
  EXPECT_FALSE(r2.ok());
}

TEST(ByteWriter, WritesAndPatchesLengths) {
  ByteWriter w;
  auto at = w.placeholder_u16();
  w.u8(1);
  w.u32(0xdeadbeef);
  w.patch_u16(at, static_cast<std::uint16_t>(w.size() - 2));
  EXPECT_EQ(to_hex(w.data()), "000501deadbeef");
}

TEST(Hex, RejectsOddAndNonHex) {
  bool ok = true;
  EXPECT_TRUE(from_hex("abc", &ok).empty());
  EXPECT_FALSE(ok);
  EXPECT_TRUE(from_hex("zz", &ok).empty());
  EXPECT_FALSE(ok);
  EXPECT_EQ(from_hex("AB cd", &ok), (Bytes{0xab, 0xcd}));
  EXPECT_TRUE(ok);
}

}  // namespace
}  // namespace vipd
