// The structural scan of a JSON payload that arrives in pieces: finds the
// records at a path and splits an array into its elements without parsing
// their contents. Two layers share each byte: the structure (strings,
// brackets, the one root value) and the walk down the path, which looks at
// every byte only where it must (keys on the path, the records array's own
// level) and lets the structure skip ahead everywhere else.
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
  bool operator()(char c) const { return has[static_cast<unsigned char>(c)]; }
};

constexpr ByteSet kStringStops("\"\\");
constexpr ByteSet kStructure("\"{}[]");
constexpr ByteSet kEndsScalar(",:]}[{\" \t\n\r");
constexpr ByteSet kStartsScalar("-0123456789tfn");

size_t FindFirst(std::string_view text, size_t from, const ByteSet& set) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  for (size_t i = from; i < text.size(); ++i) {
    if (set.has[bytes[i]]) return i;
  }
  return text.size();
}

Status JsonError(const std::string& what, size_t at) {
  return UserError("bad-json", "the payload is not valid JSON: " + what + " at byte offset " + std::to_string(at));
}

std::string_view KindAt(char c) {
  if (c == '"') return "a string";
  if (c == 't' || c == 'f') return "a boolean";
  if (c == '[') return "an array";
  if (c == '{') return "an object";
  return "a number";
}

bool Hex4(std::string_view raw, size_t at, uint32_t& code) {
  if (at + 4 > raw.size()) return false;
  code = 0;
  for (size_t k = at; k < at + 4; ++k) {
    auto c = static_cast<unsigned char>(raw[k]);
    if (!std::isxdigit(c)) return false;
    code = code * 16 + static_cast<uint32_t>(std::isdigit(c) ? c - '0' : std::tolower(c) - 'a' + 10);
  }
  return true;
}

// A string's raw text (between its quotes, which start at `quote_at`) with
// its escapes decoded.
Result<std::string> DecodeString(std::string_view raw, size_t quote_at) {
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
        uint32_t code;
        if (!Hex4(raw, i + 1, code)) return JsonError("a bad \\u escape", quote_at + 1 + i);
        i += 4;
        uint32_t low;
        if (code >= 0xD800 && code < 0xDC00 && i + 2 < raw.size() && raw[i + 1] == '\\' && raw[i + 2] == 'u' &&
            Hex4(raw, i + 3, low) && low >= 0xDC00 && low < 0xE000) {
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

}  // namespace

Result<RecordsPath> ParseRecordsPath(const std::string& text, const SourceLocation& where, std::string_view key) {
  RecordsPath path{text, {}};
  auto bad = [&](const std::string& why) {
    return UserError("bad-records-path", "'" + std::string(key) + "' must be a JSON path such as $, $.data or "
                                             "$.results.items; " + why + ": '" + text + "'", where);
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

RecordSplitter::RecordSplitter(RecordsPath path, Mode mode) : path_(std::move(path)), mode_(mode) {}

Status RecordSplitter::Error(const std::string& what, size_t at) const { return JsonError(what, at); }

Status RecordSplitter::Feed(std::string_view piece, std::vector<RecordSpan>& out) {
  const size_t base = fed_;
  for (size_t i = 0; i < piece.size();) {
    if (in_string_) {
      i = ScanString(piece, i, out);
      continue;
    }
    if (phase_ == Phase::kInside && !WalkerNeedsEveryByte()) {
      Status damage;
      i = SkipInside(piece, i, damage);
      if (!damage.ok()) return damage;
      if (i == piece.size()) break;
    }
    const size_t depth_before = open_.size();
    if (Status damage = Structure(piece[i], base + i); !damage.ok()) return damage;
    WalkByte(piece[i], base + i, depth_before, out);
    ++i;
  }
  fed_ += piece.size();
  return OkStatus();
}

// Inside values the walk does not look into (the records themselves), only
// strings and brackets matter: a tight loop skips them, and stops at the
// closer that returns to the depth the walk looks at, which the byte-wise
// path takes, or at the piece's end.
size_t RecordSplitter::SkipInside(std::string_view piece, size_t i, Status& damage) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(piece.data());
  const size_t n = piece.size();
  const size_t floor = walk_ == Walk::kDone ? 0 : walk_depth_;
  while (i < n) {
    while (i < n && !kStructure.has[bytes[i]]) ++i;
    if (i == n) return n;
    const char c = static_cast<char>(bytes[i]);
    if (c == '"') {
      size_t j = i + 1;
      for (;;) {
        while (j < n && !kStringStops.has[bytes[j]]) ++j;
        if (j >= n || bytes[j] == '"') break;
        j += 2;  // past a backslash and the byte it escapes
      }
      if (j >= n) {  // the string goes on in the next piece
        in_string_ = true;
        string_start_ = fed_ + i;
        escaped_ = j > n;  // the piece ended on a backslash
        return n;
      }
      i = j + 1;
    } else if (c == '{' || c == '[') {
      open_ += c == '{' ? '}' : ']';
      ++i;
    } else if (open_.size() - 1 == floor) {
      return i;
    } else if (open_.back() != c) {
      damage = Mismatch(c, fed_ + i);
      return i;
    } else {
      open_.pop_back();
      ++i;
    }
  }
  return n;
}

Status RecordSplitter::Mismatch(char closer, size_t at) const {
  return Error(std::string("'") + closer + "' does not close the '" + (open_.back() == '}' ? "{" : "[") + "'", at);
}

// Inside a string at piece[i]: moves to its end, or to the piece's end.
size_t RecordSplitter::ScanString(std::string_view piece, size_t i, std::vector<RecordSpan>& out) {
  const bool reading_key = walk_ == Walk::kKey;
  if (escaped_) {  // the byte after a backslash, whatever it is
    escaped_ = false;
    if (reading_key) key_ += piece[i];
    return i + 1;
  }
  size_t stop = FindFirst(piece, i, kStringStops);
  if (reading_key) key_.append(piece.substr(i, stop - i));
  if (stop == piece.size()) return stop;
  if (piece[stop] == '\\') {
    escaped_ = true;
    if (reading_key) key_ += '\\';
    return stop + 1;
  }
  in_string_ = false;
  const size_t at = fed_ + stop;
  if (open_.empty()) phase_ = Phase::kAfterRoot;  // the root value was this string
  if (walk_ == Walk::kKey) {
    Result<std::string> name = DecodeString(key_, key_start_);
    if (!name.ok()) {
      Defer(name.status());
    } else {
      key_name_ = std::move(*name);
      walk_ = Walk::kColon;
    }
  } else if (walk_ == Walk::kSkipNested && open_.size() == walk_depth_) {
    walk_ = Walk::kKeyOrEnd;
  } else if (walk_ == Walk::kElement && open_.size() == walk_depth_) {
    element_end_ = at + 1;
  } else if (walk_ == Walk::kStringValue) {
    out.push_back(RecordSpan{object_at_, at + 1 - object_at_});
    walk_ = Walk::kDone;
  }
  return stop + 1;
}

// The structure's view of one byte outside strings.
Status RecordSplitter::Structure(char c, size_t at) {
  switch (phase_) {
    case Phase::kBeforeRoot:
      if (IsSpace(c)) return OkStatus();
      root_start_ = at;
      if (c == '"' || c == '{' || c == '[') {
        phase_ = Phase::kInside;
        break;
      }
      if (kStartsScalar(c)) {
        phase_ = Phase::kRootScalar;
        return OkStatus();
      }
      return Error(std::string("unexpected '") + c + "' where a value should start", at);
    case Phase::kRootScalar:
      if (!kEndsScalar(c)) return OkStatus();
      phase_ = Phase::kAfterRoot;
      [[fallthrough]];
    case Phase::kAfterRoot:
      if (IsSpace(c)) return OkStatus();
      return Error("more text after the JSON document", at);
    case Phase::kInside: break;
  }
  if (c == '"') {
    in_string_ = true;
    string_start_ = at;
  } else if (c == '{' || c == '[') {
    open_ += c == '{' ? '}' : ']';
  } else if (c == '}' || c == ']') {
    if (open_.back() != c) return Mismatch(c, at);
    open_.pop_back();
    if (open_.empty()) phase_ = Phase::kAfterRoot;
  }
  return OkStatus();
}

bool RecordSplitter::WalkerNeedsEveryByte() const {
  switch (walk_) {
    case Walk::kElement: return open_.size() == walk_depth_;
    case Walk::kSkipNested:
    case Walk::kObject:
    case Walk::kDone: return false;
    default: return true;
  }
}

// The walk's view of one byte outside strings, after the structure's;
// `depth_before` is the nesting depth the byte sits at.
void RecordSplitter::WalkByte(char c, size_t at, size_t depth_before, std::vector<RecordSpan>& out) {
  const bool closes_to_walk_depth = (c == '}' || c == ']') && open_.size() == walk_depth_;
  switch (walk_) {
    case Walk::kValue:
      if (!IsSpace(c)) StartValue(c, at, depth_before);
      return;
    case Walk::kKeyOrEnd:
      if (IsSpace(c) || c == ',') return;
      if (c == '"') {
        walk_ = Walk::kKey;
        key_.clear();
        key_start_ = at;
      } else if (c == '}') {
        Defer(UserError("records-not-found", "records path '" + path_.text + "' not found: the object " + walked_ +
                                                 " (byte offset " + std::to_string(object_at_) + ") has no key '" +
                                                 path_.keys[level_] + "'"));
      } else {
        Defer(Error("expected a key in the object", at));
      }
      return;
    case Walk::kKey: return;  // read by ScanString
    case Walk::kColon:
      if (IsSpace(c)) return;
      if (c != ':') {
        Defer(Error("expected ':' after the key \"" + key_name_ + "\"", at));
      } else if (key_name_ == path_.keys[level_]) {
        walked_ += "." + key_name_;
        ++level_;
        walk_ = Walk::kValue;
      } else {
        walk_ = Walk::kSkipValue;
      }
      return;
    case Walk::kSkipValue:
      if (IsSpace(c)) return;
      if (c == '"' || c == '{' || c == '[') {
        walk_ = Walk::kSkipNested;
      } else if (kStartsScalar(c)) {
        walk_ = Walk::kSkipScalar;
      } else {
        Defer(Error(std::string("unexpected '") + c + "' where a value should start", at));
      }
      return;
    case Walk::kSkipScalar:
      if (!kEndsScalar(c)) return;
      walk_ = Walk::kKeyOrEnd;
      WalkByte(c, at, depth_before, out);
      return;
    case Walk::kSkipNested:
      if (closes_to_walk_depth) walk_ = Walk::kKeyOrEnd;
      return;
    case Walk::kArrayStart:
      if (IsSpace(c)) return;
      if (c == ']') {
        walk_ = Walk::kDone;
        return;
      }
      walk_ = Walk::kElement;
      WalkByte(c, at, depth_before, out);
      return;
    case Walk::kElement:
      if (depth_before != walk_depth_) {
        if (closes_to_walk_depth) element_end_ = at + 1;
        return;
      }
      if (c == ',' || c == ']') {
        out.push_back(element_begin_ == SIZE_MAX ? RecordSpan{at, 0}
                                                 : RecordSpan{element_begin_, element_end_ - element_begin_});
        element_begin_ = SIZE_MAX;
        if (c == ']') walk_ = Walk::kDone;
      } else if (!IsSpace(c)) {
        if (element_begin_ == SIZE_MAX) element_begin_ = at;
        element_end_ = at + 1;
      }
      return;
    case Walk::kObject:
      if (closes_to_walk_depth) {
        out.push_back(RecordSpan{object_at_, at + 1 - object_at_});
        walk_ = Walk::kDone;
      }
      return;
    case Walk::kStringValue: return;  // ended by ScanString
    case Walk::kScalarValue:
      if (kEndsScalar(c)) {
        out.push_back(RecordSpan{object_at_, at - object_at_});
        walk_ = Walk::kDone;
      }
      return;
    case Walk::kDone: return;
  }
}

// The first byte of the value at path level `level_`.
void RecordSplitter::StartValue(char c, size_t at, size_t depth_before) {
  if (level_ < path_.keys.size()) {
    if (c == '{') {
      walk_ = Walk::kKeyOrEnd;
      walk_depth_ = depth_before + 1;
      object_at_ = at;
      return;
    }
    Defer(UserError("records-not-found", "records path '" + path_.text + "' not found: " + walked_ + " is " +
                                             std::string(c == 'n' ? "null" : KindAt(c)) +
                                             ", not an object (byte offset " + std::to_string(at) + ")"));
    return;
  }
  if (mode_ == Mode::kValue) {
    StartWholeValue(c, at, depth_before);
  } else if (c == '{') {
    from_array_ = false;
    walk_ = Walk::kObject;
    walk_depth_ = depth_before;
    object_at_ = at;
  } else if (c == '[') {
    walk_ = Walk::kArrayStart;
    walk_depth_ = depth_before + 1;
  } else if (c == 'n') {
    walk_ = Walk::kDone;  // null: no records
  } else {
    Defer(UserError("records-not-a-list", "the records at '" + path_.text + "' are " + std::string(KindAt(c)) +
                                              ", not an array or an object (byte offset " + std::to_string(at) + ")"));
  }
}

// kValue: the value at the path is reported whole, whatever it is.
void RecordSplitter::StartWholeValue(char c, size_t at, size_t depth_before) {
  from_array_ = false;
  object_at_ = at;
  walk_depth_ = depth_before;
  if (c == '{' || c == '[') {
    walk_ = Walk::kObject;
  } else if (c == '"') {
    walk_ = Walk::kStringValue;
  } else if (c == 'n') {
    walk_ = Walk::kDone;  // null: no value
  } else {
    walk_ = Walk::kScalarValue;
  }
}

void RecordSplitter::Defer(Status error) {
  if (deferred_.ok()) deferred_ = std::move(error);
  walk_ = Walk::kDone;
}

Status RecordSplitter::Finish() {
  if (in_string_) return Error("a string is not terminated", string_start_);
  if (phase_ == Phase::kBeforeRoot) return Error("the payload is empty", fed_);
  if (phase_ == Phase::kInside) {
    return Error(std::string("the '") + (open_.front() == '}' ? "{" : "[") + "' opened here is never closed",
                 root_start_);
  }
  return deferred_;
}

size_t RecordSplitter::needed_from() const {
  if (walk_ == Walk::kElement && element_begin_ != SIZE_MAX) return element_begin_;
  if (walk_ == Walk::kObject || walk_ == Walk::kStringValue || walk_ == Walk::kScalarValue) return object_at_;
  return fed_;
}

Result<RecordSpans> SplitRecords(std::string_view payload, const RecordsPath& path) {
  RecordSplitter splitter(path);
  RecordSpans spans;
  WEIR_TRY(splitter.Feed(payload, spans.records));
  WEIR_TRY(splitter.Finish());
  spans.from_array = splitter.from_array();
  return spans;
}

}  // namespace weir::tasks_internal
