// Lexical paths and gitignore-style patterns for Read/Edit rules.
//
// Paths are absolute strings canonicalised without touching the file system: "." dropped,
// ".." pops a segment (never above "/"), repeated slashes collapse. A pattern is a list of
// segments matched against a path's segments: "**" matches zero or more segments, "*" and
// "?" never cross a "/", "[a-z]" / "[!x]" classes and "\" escapes work inside a segment.
// Segments that came from a base folder (cwd, project root, home) are literal, so a folder
// whose name holds "*" is never read as a wildcard. Matching is O(segments²) per call.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace bw::claudeperm::detail {

// Resolves `path` ("~" → home, relative → against base) and canonicalises it lexically.
// `base` and `home` must be absolute. Returns "/"-joined segments with a leading "/".
std::string canonical_path(std::string_view path, std::string_view base, std::string_view home);

// True when `path` is `dir` itself or lies below it (both canonical).
bool is_within(std::string_view path, std::string_view dir);

struct PatternSegment {
  std::string text;
  bool literal = false;  // from a base folder, or free of wildcard characters
};

struct PathPattern {
  std::vector<PatternSegment> segments;
};

// Builds the absolute pattern for a Read/Edit specifier, following Claude Code's four forms:
// "//p" from the file-system root, "~/p" from home, "/p" from `project_root` (the rule's
// settings root: the project for project and local files, see settings_root()), anything
// else from cwd; a pattern with no "/" before its end matches at any depth below cwd
// (gitignore), a trailing "/" matches everything inside. False for an empty specifier.
bool compile_path_pattern(std::string_view spec, std::string_view project_root, std::string_view cwd,
                          std::string_view home, PathPattern* out);

enum class PathMatch { kNo, kYes, kMaybe };

// Matches a canonical absolute path. With `ancestors`, a pattern matching any folder above
// the path also matches (gitignore: an ignored folder ignores what it holds).
bool match_path(const PathPattern& pattern, std::string_view path, bool ancestors);

// For a tool that reads a whole folder (Glob, Grep, LS): kYes when the pattern matches the
// folder or one above it, kMaybe when it could match something inside it, else kNo.
PathMatch match_folder_contents(const PathPattern& pattern, std::string_view folder);

// One segment against one glob segment ("*", "?", classes, escapes). Exposed for tests.
bool glob_segment(std::string_view pattern, std::string_view text);

// Wildcard match over a whole string where "*" matches any run of characters (slashes and
// spaces included) and "\*" a literal star: the matcher Bash rules use.
bool wildcard_match(std::string_view pattern, std::string_view text);

}  // namespace bw::claudeperm::detail
