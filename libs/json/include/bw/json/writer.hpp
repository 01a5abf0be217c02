// A small JSON writer for responses: objects and arrays built in order, strings escaped
// (control characters as \u00XX, '<' '>' '&' too, so a body is safe to embed in HTML; U+2028
// and U+2029 escaped for JavaScript). The caller opens and closes in a well-nested way;
// misuse (a value where a key is expected) is a programming error caught by asserts.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace bw::json {

// Appends `s` as a JSON string literal (with quotes). Invalid UTF-8 bytes become U+FFFD.
void append_string(std::string& out, std::string_view s);

class Writer {
 public:
  Writer& begin_object();
  Writer& end_object();
  Writer& begin_array();
  Writer& end_array();
  Writer& key(std::string_view k);
  Writer& value(std::string_view s);
  Writer& value(const char* s) { return value(std::string_view(s)); }
  Writer& value(std::int64_t n);
  Writer& value(int n) { return value(static_cast<std::int64_t>(n)); }
  Writer& value(std::uint64_t n);
  Writer& value(bool b);
  Writer& null();
  // key(k).value(v) in one call.
  template <class T>
  Writer& field(std::string_view k, T&& v) {
    key(k);
    return value(std::forward<T>(v));
  }
  const std::string& str() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  void before_value();
  std::string out_;
  std::vector<bool> first_;  // per open container: nothing written in it yet
  bool after_key_ = false;
};

}  // namespace bw::json
