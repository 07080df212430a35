#include "common/printable.hpp"

#include <gtest/gtest.h>

namespace vipd {
namespace {

TEST(Printable, KeepsPrintableAsciiAndUtf8) {
  EXPECT_EQ(printable("maintenance until 04:00 UTC"), "maintenance until 04:00 UTC");
  EXPECT_EQ(printable("Wartung für 5 Minuten ✓ 🙂"), "Wartung für 5 Minuten ✓ 🙂");
  EXPECT_EQ(printable(""), "");
}

// D7: an RFC 9003 Shutdown Communication with a newline must not start a forged log line.
TEST(Printable, EscapesLineBreaksAndControls) {
  EXPECT_EQ(printable("bye\n2026-01-01 00:00:00.000 %ADJCHANGE: neighbor 10.0.0.9 Up"),
            "bye\\n2026-01-01 00:00:00.000 %ADJCHANGE: neighbor 10.0.0.9 Up");
  EXPECT_EQ(printable("a\rb\tc"), "a\\rb\\tc");
  EXPECT_EQ(printable(std::string_view("\x1b[2J\x00\x7f", 6)), "\\x1B[2J\\x00\\x7F");
  EXPECT_EQ(printable("back\\slash"), "back\\\\slash");
}

TEST(Printable, EscapesC1ControlsAndInvalidUtf8) {
  EXPECT_EQ(printable("\xc2\x9b"
                      "31m"),
            "\\xC2\\x9B31m");                    // CSI as UTF-8
  EXPECT_EQ(printable("\xc2\xa0"), "\xc2\xa0");  // NBSP is not a control
  EXPECT_EQ(printable("\xff\xfe"), "\\xFF\\xFE");
  EXPECT_EQ(printable("\xc0\xaf"), "\\xC0\\xAF");           // overlong '/'
  EXPECT_EQ(printable("\xed\xa0\x80"), "\\xED\\xA0\\x80");  // a surrogate
  EXPECT_EQ(printable("ok\xe2\x82"), "ok\\xE2\\x82");       // truncated sequence
}

}  // namespace
}  // namespace vipd
