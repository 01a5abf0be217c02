// Conservative Bash command splitting (see shell_split.hpp).
#include "shell_split.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstddef>

namespace bw::claudeperm::detail {
namespace {

struct Word {
  std::size_t begin = 0, end = 0;  // raw span in the input
  std::string value;               // unquoted
  enum Role { kPlain, kRedirectOp, kRedirectTarget } role = kPlain;
};

struct PendingCommand {
  std::vector<Word> words;
  bool blocked = false;        // substitution or file redirection seen
  bool want_target = false;    // the last redirect operator needs a target word
  bool target_harmless = false;
  std::vector<std::string> targets;
};

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_assignment(std::string_view w) {
  const std::size_t eq = w.find('=');
  if (eq == 0 || eq == std::string_view::npos) return false;
  if (std::isdigit(static_cast<unsigned char>(w[0]))) return false;
  return std::all_of(w.begin(), w.begin() + static_cast<std::ptrdiff_t>(eq),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

// Words that run the rest of the line as a command (or are shell syntax in front of one).
bool is_wrapper(std::string_view w) {
  static constexpr std::array<std::string_view, 20> kWrappers = {
      "timeout", "time", "nice", "nohup", "env", "command", "builtin", "exec", "sudo", "stdbuf",
      "!", "{", "then", "do", "else", "elif", "if", "while", "until", "xargs"};
  return std::find(kWrappers.begin(), kWrappers.end(), w) != kWrappers.end();
}

bool is_wrapper_argument(std::string_view w) {
  if (w.empty()) return false;
  if (w[0] == '-') return true;
  // durations and priorities: 10, 2.5, 30s, 5m, -n 10
  std::size_t i = 0;
  while (i < w.size() && (std::isdigit(static_cast<unsigned char>(w[i])) || w[i] == '.')) ++i;
  if (i == 0) return false;
  return i == w.size() || (i + 1 == w.size() && std::string_view("smhd").find(w[i]) != std::string_view::npos);
}

// Index of the first word that is the command proper: leading VAR=x assignments, wrappers
// and their options are skipped (for deny matching only).
std::size_t skip_prefix_words(const std::vector<std::string_view>& words) {
  std::size_t k = 0;
  while (k < words.size()) {
    if (is_assignment(words[k])) {
      ++k;
    } else if (is_wrapper(words[k])) {
      ++k;
      while (k < words.size() && is_wrapper_argument(words[k])) ++k;
    } else {
      break;
    }
  }
  return k;
}

class Scanner {
 public:
  explicit Scanner(std::string_view s) : s_(s) {}

  ShellParse run() {
    scan_list(0, '\0', 0);
    return std::move(out_);
  }

 private:
  // Scans commands from `i` until `terminator` (')' or '`') at paren depth 0, or the end.
  // Returns the index just after the terminator (or s_.size()).
  std::size_t scan_list(std::size_t i, char terminator, int depth) {
    if (depth > kMaxDepth) {
      out_.complete = false;
      return s_.size();
    }
    PendingCommand cmd;
    int parens = 0;
    while (i < s_.size()) {
      const char c = s_[i];
      if (c == ' ' || c == '\t') {
        ++i;
        continue;
      }
      if (terminator == '`' && c == '`') {
        finish(cmd, depth);
        return i + 1;
      }
      if (c == ')' && parens == 0 && terminator == ')') {
        finish(cmd, depth);
        return i + 1;
      }
      if (c == '(' || c == ')') {
        parens += c == '(' ? 1 : (parens > 0 ? -1 : 0);
        finish(cmd, depth);
        ++i;
        continue;
      }
      if (c == '\n' || c == ';' || c == '|' || (c == '&' && !(i + 1 < s_.size() && s_[i + 1] == '>'))) {
        finish(cmd, depth);
        ++i;
        continue;
      }
      if (c == '<' || c == '>' || c == '&') {
        if ((c == '<' || c == '>') && i + 1 < s_.size() && s_[i + 1] == '(') {
          i = read_word(cmd, i, depth);  // process substitution: part of a word
          continue;
        }
        i = read_redirect(cmd, i);
        continue;
      }
      i = read_word(cmd, i, depth);
    }
    if (terminator != '\0') out_.complete = false;  // ran off the end inside $( or `
    finish(cmd, depth);
    return i;
  }

  std::size_t read_redirect(PendingCommand& cmd, std::size_t i) {
    Word op;
    op.begin = i;
    op.role = Word::kRedirectOp;
    // A digits-only word right before the operator is its file descriptor ("2>").
    if (!cmd.words.empty() && cmd.words.back().role == Word::kPlain && cmd.words.back().end == i &&
        all_digits(cmd.words.back().value) && s_.substr(cmd.words.back().begin, i - cmd.words.back().begin) ==
                                                   cmd.words.back().value) {
      op.begin = cmd.words.back().begin;
      cmd.words.pop_back();
    }
    const bool input = s_[i] == '<';
    std::size_t j = i;
    if (s_[j] == '&') ++j;  // &> &>>
    while (j < s_.size() && (s_[j] == '<' || s_[j] == '>') && j - i < 3) ++j;
    if (j < s_.size() && s_[j] == '|') ++j;  // >|
    const std::string_view ops = s_.substr(i, j - i);
    bool dup = false;
    if (j < s_.size() && s_[j] == '&') {  // >&2 <&0 >&-
      std::size_t k = j + 1;
      while (k < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[k])) || s_[k] == '-')) ++k;
      if (k > j + 1) {
        dup = true;
        j = k;
      }
    }
    op.end = j;
    op.value = std::string(s_.substr(op.begin, j - op.begin));
    cmd.words.push_back(op);
    if (dup) return j;
    cmd.want_target = true;
    const bool heredoc = ops == "<<" || ops == "<<<" || ops == "<<-";
    cmd.target_harmless = heredoc;
    if (input && !heredoc) cmd.blocked = true;  // reads a file: Read rules, not Bash rules
    return j;
  }

  std::size_t read_word(PendingCommand& cmd, std::size_t i, int depth) {
    Word w;
    w.begin = i;
    while (i < s_.size()) {
      const char c = s_[i];
      if (c == ' ' || c == '\t' || c == '\n' || c == ';' || c == '|' || c == '&' || c == ')' ||
          (c == '(' && i != w.begin)) {
        break;
      }
      if ((c == '<' || c == '>') && !(i + 1 < s_.size() && s_[i + 1] == '(')) break;
      if (c == '`') {
        cmd.blocked = true;
        const std::size_t end = scan_list(i + 1, '`', depth + 1);
        w.value.append(s_.substr(i, end - i));
        i = end;
        continue;
      }
      if ((c == '$' || c == '<' || c == '>') && i + 1 < s_.size() && s_[i + 1] == '(') {
        cmd.blocked = true;
        const std::size_t end = scan_list(i + 2, ')', depth + 1);
        w.value.append(s_.substr(i, end - i));
        i = end;
        continue;
      }
      if (c == '\\') {
        if (i + 1 < s_.size()) {
          if (s_[i + 1] != '\n') w.value.push_back(s_[i + 1]);
          i += 2;
        } else {
          ++i;
        }
        continue;
      }
      if (c == '\'') {
        const std::size_t close = s_.find('\'', i + 1);
        if (close == std::string_view::npos) {
          out_.complete = false;
          cmd.blocked = true;
          w.value.append(s_.substr(i + 1));
          i = s_.size();
          break;
        }
        w.value.append(s_.substr(i + 1, close - i - 1));
        i = close + 1;
        continue;
      }
      if (c == '"') {
        i = read_double_quoted(cmd, w, i + 1, depth);
        continue;
      }
      w.value.push_back(c);
      ++i;
    }
    w.end = i;
    if (w.end == w.begin) return i + 1;  // cannot happen (callers start on a word); keeps progress
    add_word(cmd, std::move(w));
    return i;
  }

  std::size_t read_double_quoted(PendingCommand& cmd, Word& w, std::size_t i, int depth) {
    while (i < s_.size() && s_[i] != '"') {
      const char c = s_[i];
      if (c == '\\' && i + 1 < s_.size()) {
        w.value.push_back(s_[i + 1]);
        i += 2;
        continue;
      }
      if (c == '`' || (c == '$' && i + 1 < s_.size() && s_[i + 1] == '(')) {
        cmd.blocked = true;
        const std::size_t end = c == '`' ? scan_list(i + 1, '`', depth + 1) : scan_list(i + 2, ')', depth + 1);
        w.value.append(s_.substr(i, end - i));
        i = end;
        continue;
      }
      w.value.push_back(c);
      ++i;
    }
    if (i >= s_.size()) {
      out_.complete = false;
      cmd.blocked = true;
      return s_.size();
    }
    return i + 1;
  }

  void add_word(PendingCommand& cmd, Word w) {
    if (cmd.want_target) {
      w.role = Word::kRedirectTarget;
      cmd.want_target = false;
      if (!cmd.target_harmless && w.value != "/dev/null") cmd.blocked = true;
      if (!cmd.target_harmless) cmd.targets.push_back(w.value);
    }
    cmd.words.push_back(std::move(w));
  }

  void finish(PendingCommand& cmd, int depth) {
    if (cmd.want_target) cmd.blocked = true;  // "cmd >" with no file: not a shape we allow
    if (cmd.words.empty()) {
      cmd = PendingCommand{};
      return;
    }
    SimpleCommand out;
    const std::size_t begin = cmd.words.front().begin, end = cmd.words.back().end;
    out.raw = std::string(s_.substr(begin, end - begin));
    out.allow_blocked = cmd.blocked;
    bool any_redirect = false;
    std::vector<std::string_view> plain_words;
    for (const Word& w : cmd.words) {
      if (w.role != Word::kPlain) {
        any_redirect = true;
        continue;
      }
      if (!out.allow_text.empty()) out.allow_text.push_back(' ');
      out.allow_text.append(s_.substr(w.begin, w.end - w.begin));
      plain_words.push_back(w.value);
    }
    if (!any_redirect) out.allow_text = out.raw;
    const std::size_t first = skip_prefix_words(plain_words);
    for (std::size_t k = first; k < plain_words.size(); ++k) {
      if (!out.plain.empty()) out.plain.push_back(' ');
      out.plain.append(plain_words[k]);
    }
    scan_nested_shell(plain_words, first, depth);
    out.redirect_targets = std::move(cmd.targets);
    if (out_.commands.size() >= kMaxCommands) {
      out_.complete = false;
    } else {
      out_.commands.push_back(std::move(out));
    }
    cmd = PendingCommand{};
  }

  // "sh -c 'cmd'", "bash -lc 'cmd'", "eval cmd ...": the string runs as commands; list them.
  void scan_nested_shell(const std::vector<std::string_view>& words, std::size_t first, int depth) {
    if (first >= words.size()) return;
    std::string nested;
    const std::string_view prog = words[first];
    if (prog == "eval") {
      for (std::size_t k = first + 1; k < words.size(); ++k) {
        nested.append(words[k]);
        nested.push_back(' ');
      }
    } else if (prog == "sh" || prog == "bash" || prog == "zsh" || prog == "dash" || prog == "ksh") {
      for (std::size_t k = first + 1; k + 1 < words.size(); ++k) {
        const std::string_view w = words[k];
        if (w.size() >= 2 && w[0] == '-' && w[1] != '-' && w.find('c') != std::string_view::npos) {
          nested = std::string(words[k + 1]);
          break;
        }
      }
    }
    if (nested.empty()) return;
    Scanner inner(nested);
    inner.scan_list(0, '\0', depth + 1);
    if (!inner.out_.complete) out_.complete = false;
    for (auto& c : inner.out_.commands) {
      if (out_.commands.size() >= kMaxCommands) {
        out_.complete = false;
        break;
      }
      out_.commands.push_back(std::move(c));
    }
  }

  std::string_view s_;
  ShellParse out_;
};

}  // namespace

ShellParse parse_shell(std::string_view command) { return Scanner(command).run(); }

}  // namespace bw::claudeperm::detail
