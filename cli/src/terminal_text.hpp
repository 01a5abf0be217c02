// Text from the other side (a tool's arguments, a model's reply, a folder name) made safe to
// print on the user's terminal.
//
// Guarantees of printable(): the result is valid UTF-8 in which nothing can drive the
// terminal or change how the surrounding text reads:
//  - C0 controls other than newline and tab, DEL and the C1 controls (U+0080–U+009F, which
//    some terminals obey as CSI/OSC) are shown as \xNN / \u{NNNN};
//  - bidirectional controls (U+061C, U+200E–U+200F, U+202A–U+202E, U+2066–U+2069), which can
//    make a command read differently from what runs ("Trojan Source"), and the line and
//    paragraph separators U+2028/U+2029 are shown as \u{NNNN};
//  - bytes that are not well-formed UTF-8 (stray continuation bytes, overlong forms,
//    surrogates, values past U+10FFFF, truncated sequences) are shown as \xNN each;
//  - a backslash is kept as it is (the escapes are for reading, not for decoding back).
#pragma once

#include <string>
#include <string_view>

namespace bw::cli {

std::string printable(std::string_view text);

}  // namespace bw::cli
