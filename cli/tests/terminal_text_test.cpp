#include "terminal_text.hpp"

#include <gtest/gtest.h>

namespace bw::cli {
namespace {

TEST(Printable, KeepsPlainTextNewlinesTabsAndUnicode) {
  EXPECT_EQ(printable("ls -la\n\tdone"), "ls -la\n\tdone");
  EXPECT_EQ(printable("caf\xC3\xA9 \xE2\x9C\x93 \xF0\x9F\x90\xB3"), "caf\xC3\xA9 \xE2\x9C\x93 \xF0\x9F\x90\xB3");
}

TEST(Printable, EscapesC0ControlsAndDelete) {
  EXPECT_EQ(printable("\x1b[2Jgone\r\x07\x7f"), "\\x1b[2Jgone\\x0d\\x07\\x7f");
  EXPECT_EQ(printable(std::string_view("a\0b", 3)), "a\\x00b");
}

TEST(Printable, EscapesC1ControlsWhichSomeTerminalsObey) {
  // U+009B is CSI, U+009D is OSC (both two bytes in UTF-8).
  EXPECT_EQ(printable("\xC2\x9B" "2J\xC2\x9D" "0;title"), "\\u{009b}2J\\u{009d}0;title");
}

TEST(Printable, EscapesBidirectionalControls) {
  // "rm -rf / # \u202E ..." style reordering (Trojan Source).
  EXPECT_EQ(printable("echo hi \xE2\x80\xAE" "fr- mr"), "echo hi \\u{202e}fr- mr");
  EXPECT_EQ(printable("\xE2\x81\xA6x\xE2\x81\xA9"), "\\u{2066}x\\u{2069}");
  EXPECT_EQ(printable("\xE2\x80\x8F\xD8\x9C"), "\\u{200f}\\u{061c}");
  EXPECT_EQ(printable("a\xE2\x80\xA8" "b"), "a\\u{2028}b");
}

TEST(Printable, EscapesMalformedUtf8BytePerByte) {
  EXPECT_EQ(printable("\x80"), "\\x80");                      // stray continuation
  EXPECT_EQ(printable("\xC0\x9B"), "\\xc0\\x9b");             // overlong encoding of CSI
  EXPECT_EQ(printable("\xE0\x80\x9B"), "\\xe0\\x80\\x9b");    // overlong, three bytes
  EXPECT_EQ(printable("\xED\xA0\x80"), "\\xed\\xa0\\x80");    // surrogate
  EXPECT_EQ(printable("\xF4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");  // past U+10FFFF
  EXPECT_EQ(printable("ok\xE2\x80"), "ok\\xe2\\x80");         // truncated at the end
}

TEST(Printable, OutputIsAlwaysFreeOfRawControls) {
  // Every single byte and every two-byte pair: no raw C0 (but \n, \t), DEL or C1 survives.
  for (int a = 0; a < 256; ++a) {
    for (int b = 0; b < 256; b += 7) {
      const char in[2] = {static_cast<char>(a), static_cast<char>(b)};
      const std::string out = printable(std::string_view(in, 2));
      for (std::size_t i = 0; i < out.size(); ++i) {
        const auto c = static_cast<unsigned char>(out[i]);
        ASSERT_FALSE((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) << a << "," << b;
        if (c == 0xC2 && i + 1 < out.size()) {
          const auto n = static_cast<unsigned char>(out[i + 1]);
          ASSERT_FALSE(n >= 0x80 && n <= 0x9F) << a << "," << b;
        }
      }
    }
  }
}

}  // namespace
}  // namespace bw::cli
