// The response writer: well-formed output that a strict parser reads back to the same
// values, and escapes that keep a body safe to embed.
#include "bw/json/writer.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace bw::json {
namespace {

TEST(JsonWriter, WritesNestedValuesThatParseBack) {
  Writer w;
  w.begin_object()
      .field("user", "alice")
      .field("n", std::int64_t{-7})
      .field("big", std::uint64_t{18446744073709551615ULL})
      .field("ok", true)
      .key("none").null()
      .key("devices").begin_array();
  w.begin_object().field("id", "d1").end_object();
  w.begin_object().field("id", "d2").end_object();
  w.end_array().key("empty").begin_object().end_object().end_object();
  const auto parsed = nlohmann::json::parse(w.str());
  EXPECT_EQ(parsed["user"], "alice");
  EXPECT_EQ(parsed["n"], -7);
  EXPECT_EQ(parsed["big"].get<std::uint64_t>(), 18446744073709551615ULL);
  EXPECT_EQ(parsed["ok"], true);
  EXPECT_TRUE(parsed["none"].is_null());
  EXPECT_EQ(parsed["devices"].size(), 2u);
  EXPECT_EQ(parsed["devices"][1]["id"], "d2");
  EXPECT_TRUE(parsed["empty"].is_object());
}

TEST(JsonWriter, EscapesEverythingDangerous) {
  std::string out;
  append_string(out, "a\"b\\c\n\t\x01<script>&\x7f\xe2\x80\xa8");
  EXPECT_EQ(out, R"("a\"b\\c\n\t\u0001\u003cscript\u003e\u0026\u007f\u2028")");
  EXPECT_EQ(nlohmann::json::parse(out).get<std::string>(), "a\"b\\c\n\t\x01<script>&\x7f\xe2\x80\xa8");
}

TEST(JsonWriter, ReplacesInvalidUtf8) {
  for (std::string bad : {std::string("\xff"), std::string("\xc0\xaf"), std::string("\xed\xa0\x80"),
                          std::string("\xf4\x90\x80\x80"), std::string("\xe2\x82")}) {
    std::string out;
    append_string(out, "x" + bad + "y");
    EXPECT_TRUE(nlohmann::json::accept(out)) << out;
    EXPECT_NE(out.find("\\ufffd"), std::string::npos) << out;
  }
  std::string ok;
  append_string(ok, "\xf0\x9f\x98\x80");  // a valid 4-byte sequence stays as it is
  EXPECT_EQ(ok, "\"\xf0\x9f\x98\x80\"");
}

}  // namespace
}  // namespace bw::json
