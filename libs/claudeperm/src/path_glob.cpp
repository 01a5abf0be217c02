// Lexical path canonicalisation and gitignore-style segment matching (see path_glob.hpp).
#include "path_glob.hpp"

#include <cstddef>

namespace bw::claudeperm::detail {
namespace {

std::vector<std::string_view> split_slash(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i <= s.size()) {
    const std::size_t j = s.find('/', i);
    const std::size_t end = j == std::string_view::npos ? s.size() : j;
    if (end > i) out.push_back(s.substr(i, end - i));
    if (j == std::string_view::npos) break;
    i = j + 1;
  }
  return out;
}

// Appends the segments of `s` to `out`, applying "." and ".." lexically.
template <class Seg, class Make>
void push_segments(std::vector<Seg>& out, std::string_view s, Make make) {
  for (std::string_view seg : split_slash(s)) {
    if (seg == ".") continue;
    if (seg == "..") {
      if (!out.empty()) out.pop_back();
      continue;
    }
    out.push_back(make(seg));
  }
}

bool has_glob_chars(std::string_view s) {
  return s.find_first_of("*?[\\") != std::string_view::npos;
}

// Matches one pattern token at pattern[p] against c; sets *next to the index after the token.
bool match_token(std::string_view pat, std::size_t p, char c, std::size_t* next) {
  if (pat[p] == '?') {
    *next = p + 1;
    return true;
  }
  if (pat[p] == '\\' && p + 1 < pat.size()) {
    *next = p + 2;
    return pat[p + 1] == c;
  }
  if (pat[p] == '[') {
    std::size_t q = p + 1;
    bool negate = false;
    if (q < pat.size() && (pat[q] == '!' || pat[q] == '^')) {
      negate = true;
      ++q;
    }
    bool matched = false;
    bool first = true;
    while (q < pat.size() && (pat[q] != ']' || first)) {
      first = false;
      char lo = pat[q];
      if (lo == '\\' && q + 1 < pat.size()) lo = pat[++q];
      char hi = lo;
      if (q + 2 < pat.size() && pat[q + 1] == '-' && pat[q + 2] != ']') {
        hi = pat[q + 2];
        q += 2;
      }
      if (lo <= c && c <= hi) matched = true;
      ++q;
    }
    if (q >= pat.size()) {  // no closing bracket: a literal '['
      *next = p + 1;
      return c == '[';
    }
    *next = q + 1;
    return matched != negate;
  }
  *next = p + 1;
  return pat[p] == c;
}

// The classic one-star backtracking matcher, O(|pat|·|text|). With `tokens`, "?", classes
// and "\x" escapes are understood (glob segments); without, only "\*" is special (Bash).
bool star_match(std::string_view pat, std::string_view text, bool tokens) {
  std::size_t p = 0, t = 0;
  std::size_t star_p = std::string_view::npos, star_t = 0;
  while (t < text.size()) {
    if (p < pat.size() && pat[p] == '*') {
      star_p = ++p;
      star_t = t;
      continue;
    }
    std::size_t next = 0;
    bool ok = false;
    if (p < pat.size()) {
      if (tokens) {
        ok = match_token(pat, p, text[t], &next);
      } else if (pat[p] == '\\' && p + 1 < pat.size() && pat[p + 1] == '*') {
        ok = text[t] == '*';
        next = p + 2;
      } else {
        ok = pat[p] == text[t];
        next = p + 1;
      }
    }
    if (ok) {
      p = next;
      ++t;
      continue;
    }
    if (star_p == std::string_view::npos) return false;
    p = star_p;
    t = ++star_t;
  }
  while (p < pat.size() && pat[p] == '*') ++p;
  return p == pat.size();
}

bool segment_matches(const PatternSegment& seg, std::string_view text) {
  return seg.literal ? seg.text == text : glob_segment(seg.text, text);
}

// reach[i][j]: pattern segments [0,i) match path segments [0,j).
std::vector<std::vector<char>> reach_table(const PathPattern& pattern,
                                           const std::vector<std::string_view>& path) {
  const std::size_t n = pattern.segments.size(), m = path.size();
  std::vector<std::vector<char>> reach(n + 1, std::vector<char>(m + 1, 0));
  reach[0][0] = 1;
  for (std::size_t i = 0; i < n; ++i) {
    const PatternSegment& seg = pattern.segments[i];
    if (!seg.literal && seg.text == "**") {
      char any = 0;
      for (std::size_t j = 0; j <= m; ++j) {
        any = static_cast<char>(any | reach[i][j]);
        reach[i + 1][j] = any;
      }
      continue;
    }
    for (std::size_t j = 0; j < m; ++j) {
      if (reach[i][j] && segment_matches(seg, path[j])) reach[i + 1][j + 1] = 1;
    }
  }
  return reach;
}

}  // namespace

std::string canonical_path(std::string_view path, std::string_view base, std::string_view home) {
  std::vector<std::string_view> segs;
  auto keep = [](std::string_view s) { return s; };
  if (path.empty() || path[0] != '/') {
    if (path == "~" || path.substr(0, 2) == "~/") {
      push_segments(segs, home, keep);
      path.remove_prefix(1);
    } else {
      push_segments(segs, base, keep);
    }
  }
  push_segments(segs, path, keep);
  std::string out;
  for (std::string_view s : segs) {
    out += '/';
    out += s;
  }
  return out.empty() ? "/" : out;
}

bool is_within(std::string_view path, std::string_view dir) {
  if (dir == "/") return !path.empty() && path[0] == '/';
  if (path.substr(0, dir.size()) != dir) return false;
  return path.size() == dir.size() || path[dir.size()] == '/';
}

bool compile_path_pattern(std::string_view spec, std::string_view project_root, std::string_view cwd,
                          std::string_view home, PathPattern* out) {
  out->segments.clear();
  if (spec.empty()) return false;
  auto literal = [](std::string_view s) { return PatternSegment{std::string(s), true}; };
  auto glob = [](std::string_view s) { return PatternSegment{std::string(s), !has_glob_chars(s)}; };
  std::string_view rest = spec;
  bool anchored = true;
  if (spec.substr(0, 2) == "//") {
    rest.remove_prefix(2);
  } else if (spec == "~" || spec.substr(0, 2) == "~/") {
    push_segments(out->segments, home, literal);
    rest.remove_prefix(1);
  } else if (spec[0] == '/') {
    push_segments(out->segments, project_root, literal);
    rest.remove_prefix(1);
  } else {
    push_segments(out->segments, cwd, literal);
    // gitignore: a "/" anywhere but at the end anchors the pattern; "./x" is anchored.
    std::string_view body = spec;
    while (!body.empty() && body.back() == '/') body.remove_suffix(1);
    anchored = body.find('/') != std::string_view::npos;
  }
  if (!anchored) out->segments.push_back({"**", false});
  const bool dir_only = !rest.empty() && rest.back() == '/';
  push_segments(out->segments, rest, glob);
  if (dir_only) out->segments.push_back({"**", false});
  return true;
}

bool match_path(const PathPattern& pattern, std::string_view path, bool ancestors) {
  const auto segs = split_slash(path);
  const auto reach = reach_table(pattern, segs);
  const auto& last = reach[pattern.segments.size()];
  if (last[segs.size()]) return true;
  if (!ancestors) return false;
  for (std::size_t k = 1; k < segs.size(); ++k) {
    if (last[k]) return true;
  }
  return false;
}

PathMatch match_folder_contents(const PathPattern& pattern, std::string_view folder) {
  if (match_path(pattern, folder, true)) return PathMatch::kYes;
  const auto segs = split_slash(folder);
  const auto reach = reach_table(pattern, segs);
  // Some prefix of the pattern consumed the whole folder: the rest may match inside it.
  for (std::size_t i = 0; i < pattern.segments.size(); ++i) {
    if (reach[i][segs.size()]) return PathMatch::kMaybe;
  }
  return PathMatch::kNo;
}

bool glob_segment(std::string_view pattern, std::string_view text) {
  return star_match(pattern, text, true);
}

bool wildcard_match(std::string_view pattern, std::string_view text) {
  return star_match(pattern, text, false);
}

}  // namespace bw::claudeperm::detail
