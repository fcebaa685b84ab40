// The structural scan of a JSON payload: finds the records at a path and
// splits an array into its elements without parsing their contents.
#include <cctype>

#include "common/text.h"
#include "tasks/internal/json_records.h"

namespace weir::tasks_internal {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// A set of bytes to scan for. std::string_view::find_first_of calls memchr
// once per byte of the text, which made scanning the payload slower than
// parsing it.
struct ByteSet {
  bool has[256] = {};
  explicit constexpr ByteSet(const char* chars) {
    for (; *chars != '\0'; ++chars) has[static_cast<unsigned char>(*chars)] = true;
  }
};

constexpr ByteSet kStringStops("\"\\");
constexpr ByteSet kNestedStops("\"{}[]");

size_t FindFirst(std::string_view text, size_t from, const ByteSet& set) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  for (size_t i = from; i < text.size(); ++i) {
    if (set.has[bytes[i]]) return i;
  }
  return std::string_view::npos;
}


class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  size_t pos() const { return pos_; }
  void Seek(size_t pos) { pos_ = pos; }
  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return at_end() ? '\0' : text_[pos_]; }
  void SkipSpace() {
    while (!at_end() && IsSpace(text_[pos_])) ++pos_;
  }

  Status Error(const std::string& what, size_t at) const {
    return UserError("bad-json", "the payload is not valid JSON: " + what + " at byte offset " + std::to_string(at));
  }
  Status Error(const std::string& what) const { return Error(what, pos_); }

  // At '"': moves past the closing quote.
  Status SkipString() {
    size_t start = pos_++;
    while (pos_ < text_.size()) {
      size_t next = FindFirst(text_, pos_, kStringStops);
      if (next == std::string_view::npos) break;
      if (text_[next] == '"') {
        pos_ = next + 1;
        return OkStatus();
      }
      pos_ = next + 2;
    }
    pos_ = text_.size();
    return Error("a string is not terminated", start);
  }

  // At '"': the string's value (escapes decoded).
  Result<std::string> ReadString() {
    size_t start = pos_;
    WEIR_TRY(SkipString());
    std::string_view raw = text_.substr(start + 1, pos_ - start - 2);
    std::string out;
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] != '\\') {
        out += raw[i];
        continue;
      }
      char e = ++i < raw.size() ? raw[i] : '\0';
      switch (e) {
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          auto hex = [&](size_t at, uint32_t& code) {
            if (at + 4 > raw.size()) return false;
            code = 0;
            for (size_t k = at; k < at + 4; ++k) {
              if (!std::isxdigit(static_cast<unsigned char>(raw[k]))) return false;
              code = code * 16 + static_cast<uint32_t>(std::isdigit(static_cast<unsigned char>(raw[k]))
                                                           ? raw[k] - '0'
                                                           : std::tolower(static_cast<unsigned char>(raw[k])) - 'a' + 10);
            }
            return true;
          };
          uint32_t code;
          if (!hex(i + 1, code)) return Error("a bad \\u escape", start + 1 + i);
          i += 4;
          uint32_t low;
          if (code >= 0xD800 && code < 0xDC00 && i + 2 < raw.size() && raw[i + 1] == '\\' && raw[i + 2] == 'u' &&
              hex(i + 3, low) && low >= 0xDC00 && low < 0xE000) {
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
            i += 6;
          }
          AppendUtf8(out, code);
          break;
        }
        default: out += e;  // \" \\ \/
      }
    }
    return out;
  }

  // Moves past one value: a string, a balanced object or array, or a
  // scalar token. Only structure is checked; tokens are simdjson's job.
  Status SkipValue() {
    SkipSpace();
    if (at_end()) return Error("a value is missing");
    char c = text_[pos_];
    if (c == '"') return SkipString();
    if (c == '{' || c == '[') return SkipNested();
    if (std::string_view("-0123456789tfn").find(c) == std::string_view::npos) {
      return Error(std::string("unexpected '") + c + "' where a value should start");
    }
    while (!at_end() && !IsSpace(text_[pos_]) && std::string_view(",:]}[{\"").find(text_[pos_]) == std::string_view::npos) {
      ++pos_;
    }
    return OkStatus();
  }

  // At '{' or '[': moves past its matching closer.
  Status SkipNested() {
    std::string open;  // the closers expected, innermost last
    size_t start = pos_;
    while (!at_end()) {
      size_t next = FindFirst(text_, pos_, kNestedStops);
      if (next == std::string_view::npos) break;
      pos_ = next;
      char c = text_[pos_];
      if (c == '"') {
        WEIR_TRY(SkipString());
        continue;
      }
      if (c == '{' || c == '[') {
        open += c == '{' ? '}' : ']';
      } else {
        if (open.empty() || open.back() != c) {
          return Error(std::string("'") + c + "' does not close " +
                       (open.empty() ? std::string("anything") : "the '" + std::string(1, open.back() == '}' ? '{' : '[') + "'"));
        }
        open.pop_back();
      }
      ++pos_;
      if (open.empty()) return OkStatus();
    }
    pos_ = text_.size();
    return Error(std::string("the '") + text_[start] + "' opened here is never closed", start);
  }

  // Inside an array, at an element's start: moves to the ',' or ']' after it.
  Status SkipElement() {
    while (!at_end()) {
      char c = text_[pos_];
      if (c == ',' || c == ']') return OkStatus();
      if (c == '}') return Error("'}' does not close the '['");
      if (c == '"') {
        WEIR_TRY(SkipString());
      } else if (c == '{' || c == '[') {
        WEIR_TRY(SkipNested());
      } else {
        ++pos_;
      }
    }
    return Error("the array is never closed");
  }

  RecordSpan Trimmed(size_t begin, size_t end) const {
    while (begin < end && IsSpace(text_[begin])) ++begin;
    while (end > begin && IsSpace(text_[end - 1])) --end;
    return RecordSpan{begin, end - begin};
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

std::string_view KindAt(char c) {
  if (c == '"') return "a string";
  if (c == 't' || c == 'f') return "a boolean";
  if (c == '[') return "an array";
  if (c == '{') return "an object";
  return "a number";
}

}  // namespace

Result<RecordsPath> ParseRecordsPath(const std::string& text, const SourceLocation& where) {
  RecordsPath path{text, {}};
  auto bad = [&](const std::string& why) {
    return UserError("bad-records-path", "'records' must be a JSON path such as $, $.data or $.results.items; " + why +
                                             ": '" + text + "'", where);
  };
  if (text.empty() || text[0] != '$') return bad("it must start with '$'");
  size_t i = 1;
  while (i < text.size()) {
    if (text[i] == '.') {
      size_t end = ++i;
      while (end < text.size() && text[end] != '.' && text[end] != '[') ++end;
      if (end == i) return bad("a key is empty");
      path.keys.push_back(text.substr(i, end - i));
      i = end;
    } else if (text[i] == '[' && i + 1 < text.size() && (text[i + 1] == '"' || text[i + 1] == '\'')) {
      char quote = text[i + 1];
      size_t close = text.find(quote, i + 2);
      if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ']') {
        return bad("a bracketed key is not closed");
      }
      path.keys.push_back(text.substr(i + 2, close - i - 2));
      i = close + 2;
    } else {
      return bad(std::string("unexpected '") + text[i] + "' (array indexes and wildcards are not supported)");
    }
  }
  return path;
}

Result<RecordSpans> SplitRecords(std::string_view payload, const RecordsPath& path) {
  Scanner scan(payload);
  // The whole document first: its structure must be sound wherever the records are.
  scan.SkipSpace();
  if (scan.at_end()) return scan.Error("the payload is empty");
  WEIR_TRY(scan.SkipValue());
  scan.SkipSpace();
  if (!scan.at_end()) return scan.Error("more text after the JSON document");

  // Walk down the keys. The structure is known to be sound from here on.
  scan.Seek(0);
  std::string walked = "$";
  for (const std::string& key : path.keys) {
    scan.SkipSpace();
    if (scan.peek() != '{') {
      return UserError("records-not-found", "records path '" + path.text + "' not found: " + walked + " is " +
                                                std::string(scan.peek() == 'n' ? "null" : KindAt(scan.peek())) +
                                                ", not an object (byte offset " + std::to_string(scan.pos()) + ")");
    }
    size_t object_at = scan.pos();
    scan.Seek(object_at + 1);
    bool found = false;
    for (;;) {
      scan.SkipSpace();
      if (scan.peek() == '}') break;
      if (scan.peek() == ',') {
        scan.Seek(scan.pos() + 1);
        continue;
      }
      if (scan.peek() != '"') return scan.Error("expected a key in the object");
      WEIR_ASSIGN_OR_RETURN(std::string name, scan.ReadString());
      scan.SkipSpace();
      if (scan.peek() != ':') return scan.Error("expected ':' after the key \"" + name + "\"");
      scan.Seek(scan.pos() + 1);
      if (name == key) {
        found = true;
        break;
      }
      WEIR_TRY(scan.SkipValue());
    }
    if (!found) {
      return UserError("records-not-found", "records path '" + path.text + "' not found: the object " + walked +
                                                " (byte offset " + std::to_string(object_at) + ") has no key '" + key +
                                                "'");
    }
    walked += "." + key;
  }

  RecordSpans spans;
  scan.SkipSpace();
  char c = scan.peek();
  if (c == '{') {
    size_t start = scan.pos();
    WEIR_TRY(scan.SkipNested());
    spans.from_array = false;
    spans.records.push_back(RecordSpan{start, scan.pos() - start});
    return spans;
  }
  if (c == 'n') return spans;  // null: no records
  if (c != '[') {
    return UserError("records-not-a-list", "the records at '" + path.text + "' are " + std::string(KindAt(c)) +
                                               ", not an array or an object (byte offset " +
                                               std::to_string(scan.pos()) + ")");
  }
  scan.Seek(scan.pos() + 1);
  scan.SkipSpace();
  if (scan.peek() == ']') return spans;
  for (;;) {
    size_t start = scan.pos();
    WEIR_TRY(scan.SkipElement());
    spans.records.push_back(scan.Trimmed(start, scan.pos()));
    if (scan.peek() == ']') break;
    scan.Seek(scan.pos() + 1);  // past ','
  }
  return spans;
}

}  // namespace weir::tasks_internal
