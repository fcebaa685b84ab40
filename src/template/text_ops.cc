#include "template/internal/text_ops.h"

#include <algorithm>

#include "template/internal/unicode.h"

namespace weir::template_internal {
namespace {

bool IsAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
char Upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }
char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// A letter for str.title: ASCII letters, and any non-ASCII byte (most
// non-ASCII text in data is letters).
bool IsCased(char c) { return IsAsciiLetter(c) || static_cast<unsigned char>(c) >= 0x80; }

}  // namespace

bool IsPythonSpace(uint32_t code) {
  return (code >= 0x09 && code <= 0x0D) || (code >= 0x1C && code <= 0x20) || code == 0x85 || code == 0xA0 ||
         code == 0x1680 || (code >= 0x2000 && code <= 0x200A) || code == 0x2028 || code == 0x2029 ||
         code == 0x202F || code == 0x205F || code == 0x3000;
}

std::string AsciiUpper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = Upper(c);
  return out;
}

std::string AsciiLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = Lower(c);
  return out;
}

std::string SwapCase(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = c >= 'a' && c <= 'z' ? Upper(c) : Lower(c);
  return out;
}

std::string Capitalize(std::string_view text) {
  std::string out = AsciiLower(text);
  if (!out.empty()) out[0] = Upper(out[0]);
  return out;
}

std::string PythonTitle(std::string_view text) {
  std::string out(text);
  bool previous_cased = false;
  for (char& c : out) {
    if (IsCased(c)) {
      c = previous_cased ? Lower(c) : Upper(c);
      previous_cased = true;
    } else {
      previous_cased = false;
    }
  }
  return out;
}

std::string Strip(std::string_view text, const std::optional<std::string>& chars, bool left, bool right) {
  std::vector<uint32_t> strip_set;
  if (chars) {
    for (size_t i = 0; i < chars->size();) strip_set.push_back(NextCodePoint(*chars, i));
  }
  auto strip = [&](uint32_t code) {
    return chars ? std::find(strip_set.begin(), strip_set.end(), code) != strip_set.end() : IsPythonSpace(code);
  };
  size_t begin = 0, end = text.size();
  if (left) {
    while (begin < end) {
      size_t next = begin;
      if (!strip(NextCodePoint(text, next))) break;
      begin = next;
    }
  }
  if (right) {
    while (end > begin) {
      size_t start = end - 1;
      while (start > begin && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
      size_t next = start;
      if (!strip(NextCodePoint(text, next))) break;
      end = start;
    }
  }
  return std::string(text.substr(begin, end - begin));
}

std::vector<std::string> Split(std::string_view text, const std::optional<std::string>& sep, int64_t max_split,
                               bool from_right) {
  std::vector<std::string> parts;
  if (sep) {
    if (!from_right) {
      size_t from = 0;
      while (max_split < 0 || static_cast<int64_t>(parts.size()) < max_split) {
        size_t at = text.find(*sep, from);
        if (at == std::string_view::npos) break;
        parts.emplace_back(text.substr(from, at - from));
        from = at + sep->size();
      }
      parts.emplace_back(text.substr(from));
      return parts;
    }
    size_t end = text.size();
    while (max_split < 0 || static_cast<int64_t>(parts.size()) < max_split) {
      if (end < sep->size()) break;
      size_t at = text.rfind(*sep, end - sep->size());
      if (at == std::string_view::npos) break;
      parts.emplace_back(text.substr(at + sep->size(), end - at - sep->size()));
      end = at;
    }
    parts.emplace_back(text.substr(0, end));
    std::reverse(parts.begin(), parts.end());
    return parts;
  }
  // Whitespace: words between runs of spaces; the rest after max_split
  // splits keeps its spaces, but those between it and the last split.
  std::vector<std::pair<size_t, size_t>> words;  // [begin, end) byte ranges
  for (size_t i = 0; i < text.size();) {
    size_t start = i;
    uint32_t code = NextCodePoint(text, i);
    if (IsPythonSpace(code)) continue;
    size_t end = i;
    while (i < text.size()) {
      size_t next = i;
      if (IsPythonSpace(NextCodePoint(text, next))) break;
      i = next;
      end = i;
    }
    words.emplace_back(start, end);
  }
  size_t count = words.size();
  if (max_split < 0 || static_cast<size_t>(max_split) + 1 >= count) {
    for (auto [b, e] : words) parts.emplace_back(text.substr(b, e - b));
    return parts;
  }
  size_t splits = static_cast<size_t>(max_split);
  if (!from_right) {
    for (size_t k = 0; k < splits; ++k) parts.emplace_back(text.substr(words[k].first, words[k].second - words[k].first));
    parts.emplace_back(text.substr(words[splits].first));
    return parts;
  }
  size_t keep = count - splits;
  parts.emplace_back(text.substr(0, words[keep - 1].second));
  for (size_t k = keep; k < count; ++k) parts.emplace_back(text.substr(words[k].first, words[k].second - words[k].first));
  return parts;
}

std::vector<std::string> SplitLines(std::string_view text, bool keep_ends) {
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t i = 0; i < text.size();) {
    size_t at = i;
    uint32_t code = NextCodePoint(text, i);
    bool is_break = code == '\n' || code == '\r' || code == 0x0B || code == 0x0C || code == 0x1C || code == 0x1D ||
                    code == 0x1E || code == 0x85 || code == 0x2028 || code == 0x2029;
    if (!is_break) continue;
    if (code == '\r' && i < text.size() && text[i] == '\n') ++i;
    lines.emplace_back(text.substr(start, (keep_ends ? i : at) - start));
    start = i;
  }
  if (start < text.size()) lines.emplace_back(text.substr(start));
  return lines;
}

Result<std::string> Replace(std::string_view text, std::string_view old_text, std::string_view new_text, int64_t count,
                            size_t limit) {
  std::string out;
  auto too_large = [] { return UserError("template-limit", "replace: result too large"); };
  if (old_text.empty()) {
    int64_t done = 0;
    for (size_t i = 0; i <= text.size();) {
      if (count < 0 || done < count) {
        out += new_text;
        ++done;
      }
      if (i == text.size()) break;
      std::string_view cp = CodePointAt(text, i);
      out += cp;
      i += cp.size();
      if (out.size() > limit) return too_large();
    }
    if (out.size() > limit) return too_large();
    return out;
  }
  size_t from = 0;
  for (int64_t done = 0; count < 0 || done < count; ++done) {
    size_t at = text.find(old_text, from);
    if (at == std::string_view::npos) break;
    out.append(text.substr(from, at - from));
    out.append(new_text);
    from = at + old_text.size();
    if (out.size() > limit) return too_large();
  }
  out.append(text.substr(from));
  if (out.size() > limit) return too_large();
  return out;
}

Result<std::string> Justify(std::string_view text, int64_t width, std::string_view fill, char align, size_t limit) {
  if (width > static_cast<int64_t>(limit)) return UserError("template-limit", "width over " + std::to_string(limit));
  int64_t length = CountCodePoints(text);
  if (width <= length) return std::string(text);
  size_t missing = static_cast<size_t>(width - length), left = 0;
  if (align == '>') left = missing;
  // Python's center puts the extra space on the right unless both the
  // padding and the width are odd.
  if (align == '^') left = missing / 2 + (missing & static_cast<size_t>(width) & 1);
  std::string out;
  for (size_t i = 0; i < left; ++i) out += fill;
  out += text;
  for (size_t i = left; i < missing; ++i) out += fill;
  return out;
}

int64_t CountOccurrences(std::string_view text, std::string_view part) {
  if (part.empty()) return CountCodePoints(text) + 1;
  int64_t n = 0;
  for (size_t at = text.find(part); at != std::string_view::npos; at = text.find(part, at + part.size())) ++n;
  return n;
}

int64_t Find(std::string_view text, std::string_view part, bool from_right) {
  size_t at = from_right ? text.rfind(part) : text.find(part);
  if (at == std::string_view::npos) return -1;
  return CountCodePoints(text.substr(0, at));
}

}  // namespace weir::template_internal
