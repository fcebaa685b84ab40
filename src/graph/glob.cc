#include "graph/internal/glob.h"

#include <optional>

namespace weir::graph_internal {
namespace {

// The set "[...]" starting at pattern[open]: whether `c` is in it and the
// index after its ']', or nullopt when no ']' closes it (then '[' is a
// literal). As in fnmatch, a ']' right after "[" or "[!" belongs to the set.
struct SetMatch {
  bool matched;
  size_t next;
};
std::optional<SetMatch> MatchSet(std::string_view pattern, size_t open, char c) {
  size_t i = open + 1;
  bool negated = i < pattern.size() && pattern[i] == '!';
  if (negated) ++i;
  size_t first = i;
  if (i < pattern.size() && pattern[i] == ']') ++i;
  while (i < pattern.size() && pattern[i] != ']') ++i;
  if (i >= pattern.size()) return std::nullopt;
  auto u = [](char x) { return static_cast<unsigned char>(x); };
  bool in = false;
  for (size_t k = first; k < i && !in; ++k) {
    if (k + 2 < i && pattern[k + 1] == '-') {  // a range "a-z"; a reversed one is empty
      in = u(pattern[k]) <= u(c) && u(c) <= u(pattern[k + 2]);
      k += 2;
    } else {
      in = pattern[k] == c;
    }
  }
  return SetMatch{in != negated, i + 1};
}

// If the token at pattern[p] (anything but '*') matches `c`, the index
// after the token.
std::optional<size_t> MatchToken(std::string_view pattern, size_t p, char c) {
  if (pattern[p] == '?') return p + 1;
  if (pattern[p] == '[') {
    if (std::optional<SetMatch> set = MatchSet(pattern, p, c)) {
      if (set->matched) return set->next;
      return std::nullopt;
    }
  }
  if (pattern[p] == c) return p + 1;
  return std::nullopt;
}

}  // namespace

bool GlobMatch(std::string_view pattern, std::string_view text) {
  size_t p = 0;
  size_t t = 0;
  size_t star = std::string_view::npos;  // where the pattern resumes after the last '*'
  size_t star_text = 0;                  // how much text that '*' has taken so far
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = ++p;
      star_text = t;
      continue;
    }
    if (p < pattern.size()) {
      if (std::optional<size_t> next = MatchToken(pattern, p, text[t])) {
        p = *next;
        ++t;
        continue;
      }
    }
    if (star == std::string_view::npos) return false;
    p = star;  // let the last '*' take one more character
    t = ++star_text;
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool HasWildcard(std::string_view pattern) { return pattern.find_first_of("*?[") != std::string_view::npos; }

}  // namespace weir::graph_internal
