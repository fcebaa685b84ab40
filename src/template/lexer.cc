#include "template/internal/lexer.h"

#include <algorithm>
#include <charconv>
#include <limits>
#include <optional>

#include "template/internal/unicode.h"

namespace weir::template_internal {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsNameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsNameChar(char c) { return IsNameStart(c) || IsDigit(c); }

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string_view StripLeft(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  return s;
}
std::string_view StripRight(std::string_view s) {
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

constexpr std::string_view kTwoCharOperators[] = {"//", "**", "==", "!=", "<=", ">="};
constexpr std::string_view kOneCharOperators = "+-*/%~<>()[]{}.,:|=";

class Lexer {
 public:
  Lexer(std::string_view source, const SourceLocation& origin, bool raw_docs)
      : src_(source), origin_(origin), raw_docs_(raw_docs) {}

  Result<std::vector<Token>> Run() {
    while (i_ < src_.size()) {
      size_t open = FindOpener(i_);
      if (open == std::string_view::npos) {
        EmitText(i_, src_.substr(i_), false);
        i_ = src_.size();
        break;
      }
      bool strip_before = open + 2 < src_.size() && src_[open + 2] == '-';
      EmitText(i_, src_.substr(i_, open - i_), strip_before);
      i_ = open;
      char second = src_[open + 1];
      if (second == '#') {
        WEIR_TRY(LexComment());
      } else if (second == '%' && TryLexRaw()) {
        continue;
      } else {
        WEIR_TRY(LexTag(second == '{'));
      }
    }
    Push(TokenKind::kEnd, "", src_.size());
    return std::move(tokens_);
  }

 private:
  size_t FindOpener(size_t from) const {
    for (size_t k = src_.find('{', from); k != std::string_view::npos; k = src_.find('{', k + 1)) {
      if (k + 1 < src_.size() && (src_[k + 1] == '{' || src_[k + 1] == '%' || src_[k + 1] == '#')) return k;
    }
    return std::string_view::npos;
  }

  void EmitText(size_t offset, std::string_view text, bool strip_right) {
    if (lstrip_next_) text = StripLeft(text);
    lstrip_next_ = false;
    if (strip_right) text = StripRight(text);
    if (!text.empty()) Push(TokenKind::kText, std::string(text), offset);
  }

  Token& Push(TokenKind kind, std::string text, size_t offset) {
    Token& t = tokens_.emplace_back();
    t.kind = kind;
    t.text = std::move(text);
    t.pos = At(offset);
    t.offset = offset;
    return t;
  }

  // Tokens come in order, so positions are found by walking forward from
  // the last one (PositionAt from the start would make lexing quadratic).
  Position At(size_t offset) {
    if (offset < cursor_offset_) return PositionAt(src_, offset);
    for (; cursor_offset_ < offset; ++cursor_offset_) {
      unsigned char c = static_cast<unsigned char>(src_[cursor_offset_]);
      if (c == '\n') {
        ++cursor_.line;
        cursor_.column = 1;
      } else if ((c & 0xC0) != 0x80) {
        ++cursor_.column;
      }
    }
    return cursor_;
  }

  Status Error(std::string message, size_t offset) const {
    return UserError("template-syntax", std::move(message), LocationOf(origin_, PositionAt(src_, offset)));
  }

  Status LexComment() {
    size_t close = src_.find("#}", i_ + 2);
    if (close == std::string_view::npos) return Error("expected '#}' to close the comment, found the end of the template", i_);
    lstrip_next_ = close > i_ + 2 && src_[close - 1] == '-';
    i_ = close + 2;
    return OkStatus();
  }

  // `{% raw %}...{% endraw %}` is text, delimiters and all.
  bool TryLexRaw() {
    std::optional<size_t> after_open = MatchRawTag(i_, "raw");
    if (!after_open) return false;
    bool lstrip_body = src_[*after_open - 3] == '-';
    for (size_t k = src_.find("{%", *after_open); k != std::string_view::npos; k = src_.find("{%", k + 2)) {
      std::optional<size_t> after_close = MatchRawTag(k, "endraw");
      if (!after_close) continue;
      std::string_view body = src_.substr(*after_open, k - *after_open);
      if (lstrip_body) body = StripLeft(body);
      if (src_[k + 2] == '-') body = StripRight(body);
      if (!body.empty()) Push(TokenKind::kText, std::string(body), *after_open);
      lstrip_next_ = src_[*after_close - 3] == '-';
      i_ = *after_close;
      return true;
    }
    return false;  // unclosed: the parser reports 'raw' as unsupported
  }

  // After `{% docs name %}`: the body up to `{% enddocs %}` is text, and the
  // closing tag is lexed as usual (the parser reports it when missing).
  void LexDocsBody() {
    size_t begin = tokens_.size() - 1;  // the '%}' just pushed
    while (begin > 0 && tokens_[begin].kind != TokenKind::kBlockBegin) --begin;
    if (begin + 1 >= tokens_.size() || tokens_[begin + 1].kind != TokenKind::kName || tokens_[begin + 1].text != "docs") {
      return;
    }
    for (size_t k = src_.find("{%", i_); k != std::string_view::npos; k = src_.find("{%", k + 2)) {
      if (!MatchRawTag(k, "enddocs")) continue;
      std::string_view body = src_.substr(i_, k - i_);
      if (lstrip_next_) body = StripLeft(body);
      lstrip_next_ = false;
      if (src_[k + 2] == '-') body = StripRight(body);
      if (!body.empty()) Push(TokenKind::kText, std::string(body), i_);
      i_ = k;
      return;
    }
  }

  // Matches `{%[-] word [-]%}` at `at`; returns the offset after it.
  std::optional<size_t> MatchRawTag(size_t at, std::string_view word) const {
    size_t k = at + 2;
    if (k < src_.size() && src_[k] == '-') ++k;
    while (k < src_.size() && IsSpace(src_[k])) ++k;
    if (src_.substr(k, word.size()) != word) return std::nullopt;
    k += word.size();
    while (k < src_.size() && IsSpace(src_[k])) ++k;
    if (k < src_.size() && src_[k] == '-') ++k;
    if (src_.substr(k, 2) != "%}") return std::nullopt;
    return k + 2;
  }

  Status LexTag(bool is_variable) {
    size_t open = i_;
    std::string_view close = is_variable ? "}}" : "%}";
    std::string_view wrong_close = is_variable ? "%}" : "}}";
    std::string_view what = is_variable ? "the expression" : "the tag";
    Push(is_variable ? TokenKind::kVariableBegin : TokenKind::kBlockBegin, is_variable ? "{{" : "{%", open);
    i_ += 2;
    if (i_ < src_.size() && src_[i_] == '-') ++i_;
    brackets_.clear();
    while (true) {
      while (i_ < src_.size() && IsSpace(src_[i_])) ++i_;
      if (i_ >= src_.size()) {
        return Error("expected '" + std::string(close) + "' to close " + std::string(what) +
                         " opened here, found the end of the template", open);
      }
      if (brackets_.empty()) {
        bool dash = src_[i_] == '-';
        std::string_view rest = src_.substr(i_ + (dash ? 1 : 0), 2);
        if (rest == close) {
          Push(is_variable ? TokenKind::kVariableEnd : TokenKind::kBlockEnd, std::string(close), i_);
          i_ += (dash ? 1 : 0) + 2;
          lstrip_next_ = dash;
          if (!is_variable && raw_docs_) LexDocsBody();
          return OkStatus();
        }
        if (rest == wrong_close) {
          return Error("expected '" + std::string(close) + "' to close " + std::string(what) + ", found '" +
                           std::string(wrong_close) + "'", i_);
        }
      }
      WEIR_TRY(LexToken());
    }
  }

  Status LexToken() {
    char c = src_[i_];
    if (IsNameStart(c)) {
      size_t start = i_;
      while (i_ < src_.size() && IsNameChar(src_[i_])) ++i_;
      Push(TokenKind::kName, std::string(src_.substr(start, i_ - start)), start);
      return OkStatus();
    }
    if (IsDigit(c)) return LexNumber();
    if (c == '\'' || c == '"') return LexString();
    return LexOperator();
  }

  Status LexOperator() {
    size_t start = i_;
    std::string_view two = src_.substr(i_, 2);
    std::string op;
    if (std::find(std::begin(kTwoCharOperators), std::end(kTwoCharOperators), two) != std::end(kTwoCharOperators)) {
      op = std::string(two);
    } else if (kOneCharOperators.find(src_[i_]) != std::string_view::npos) {
      op = std::string(1, src_[i_]);
    } else {
      return Error("unexpected character '" + std::string(CodePointAt(src_, i_)) + "'", i_);
    }
    WEIR_TRY(TrackBrackets(op[0], start));
    i_ += op.size();
    uint16_t code = OperatorCode(op);
    Push(TokenKind::kOperator, std::move(op), start).op = code;
    return OkStatus();
  }

  Status TrackBrackets(char c, size_t offset) {
    static constexpr std::string_view kOpen = "([{", kClose = ")]}";
    if (kOpen.find(c) != std::string_view::npos) {
      brackets_.push_back(kClose[kOpen.find(c)]);
    } else if (kClose.find(c) != std::string_view::npos) {
      if (brackets_.empty()) return Error(std::string("unexpected '") + c + "'", offset);
      if (brackets_.back() != c) {
        return Error(std::string("unexpected '") + c + "', expected '" + brackets_.back() + "'", offset);
      }
      brackets_.pop_back();
    }
    return OkStatus();
  }

  // Decimal (with '_' separators), 0x/0o/0b integers, and floats; after a
  // '.' only an integer, so that `xs.0.1` is two subscripts.
  Status LexNumber() {
    size_t start = i_;
    bool after_dot = !tokens_.empty() && tokens_.back().kind == TokenKind::kOperator && tokens_.back().text == ".";
    int base = 10;
    if (src_[i_] == '0' && i_ + 1 < src_.size()) {
      char p = static_cast<char>(src_[i_ + 1] | 0x20);
      base = p == 'x' ? 16 : p == 'o' ? 8 : p == 'b' ? 2 : 10;
      if (base != 10) i_ += 2;
    }
    std::string digits = Digits(base);
    bool is_float = false;
    if (base == 10 && !after_dot) {
      if (i_ + 1 < src_.size() && src_[i_] == '.' && IsDigit(src_[i_ + 1])) {
        ++i_;
        digits += "." + Digits(10);
        is_float = true;
      }
      size_t e = i_;
      if (e < src_.size() && (src_[e] == 'e' || src_[e] == 'E')) {
        ++e;
        std::string sign;
        if (e < src_.size() && (src_[e] == '+' || src_[e] == '-')) sign = src_[e++];
        if (e < src_.size() && IsDigit(src_[e])) {
          i_ = e;
          digits += "e" + sign + Digits(10);
          is_float = true;
        }
      }
    }
    if (digits.empty()) return Error("expected digits after '" + std::string(src_.substr(start, 2)) + "'", start);
    Token& t = Push(is_float ? TokenKind::kFloat : TokenKind::kInteger, std::string(src_.substr(start, i_ - start)), start);
    const char* end = digits.data() + digits.size();
    if (is_float) {
      auto [ptr, ec] = std::from_chars(digits.data(), end, t.float_value);
      if (ec == std::errc::result_out_of_range) t.float_value = digits.find("e-") != std::string::npos ? 0.0 : std::numeric_limits<double>::infinity();
      else if (ec != std::errc() || ptr != end) return Error("invalid number '" + t.text + "'", start);
      return OkStatus();
    }
    auto [ptr, ec] = std::from_chars(digits.data(), end, t.int_value, base);
    if (ec == std::errc::result_out_of_range) return Error("integer '" + t.text + "' is too large (64-bit limit)", start);
    if (ec != std::errc() || ptr != end) return Error("invalid number '" + t.text + "'", start);
    return OkStatus();
  }

  // Digits of `base` with single '_' separators between them.
  std::string Digits(int base) {
    std::string out;
    while (i_ < src_.size()) {
      char c = src_[i_];
      int d = HexDigit(c);
      if (d >= 0 && d < base) {
        out += c;
        ++i_;
      } else if (c == '_' && !out.empty() && i_ + 1 < src_.size() && HexDigit(src_[i_ + 1]) >= 0 &&
                 HexDigit(src_[i_ + 1]) < base) {
        ++i_;
      } else {
        break;
      }
    }
    return out;
  }

  Status LexString() {
    size_t start = i_;
    char quote = src_[i_++];
    std::string value;
    while (true) {
      if (i_ >= src_.size()) return Error(std::string("unterminated string; expected a closing ") + quote, start);
      char c = src_[i_];
      if (c == quote) break;
      if (c != '\\') {
        value += c;
        ++i_;
        continue;
      }
      WEIR_TRY(LexEscape(value));
    }
    ++i_;
    Push(TokenKind::kString, std::move(value), start);
    return OkStatus();
  }

  // Python's escapes: \\ \' \" \n \t \r \a \b \f \v \ooo \xhh \uhhhh
  // \Uhhhhhhhh and backslash-newline; any other keeps its backslash.
  Status LexEscape(std::string& value) {
    size_t at = i_;
    if (i_ + 1 >= src_.size()) return Error("unterminated string", at);
    char e = src_[i_ + 1];
    i_ += 2;
    static constexpr std::string_view kFrom = "\\'\"ntrabfv", kTo = "\\'\"\n\t\r\a\b\f\v";
    if (size_t k = kFrom.find(e); k != std::string_view::npos) {
      value += kTo[k];
    } else if (e == '\n') {
      // line continuation: nothing
    } else if (e >= '0' && e <= '7') {
      uint32_t code = e - '0';
      for (int n = 0; n < 2 && i_ < src_.size() && src_[i_] >= '0' && src_[i_] <= '7'; ++n) code = code * 8 + (src_[i_++] - '0');
      AppendUtf8(value, code);
    } else if (e == 'x' || e == 'u' || e == 'U') {
      int count = e == 'x' ? 2 : e == 'u' ? 4 : 8;
      uint32_t code = 0;
      for (int n = 0; n < count; ++n, ++i_) {
        int d = i_ < src_.size() ? HexDigit(src_[i_]) : -1;
        if (d < 0) return Error(std::string("truncated \\") + e + " escape; expected " + std::to_string(count) + " hex digits", at);
        code = code * 16 + static_cast<uint32_t>(d);
      }
      if (code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return Error("invalid code point in \\" + std::string(1, e) + " escape", at);
      AppendUtf8(value, code);
    } else {
      value += '\\';
      i_ -= 1;  // the next character is read as itself
    }
    return OkStatus();
  }

  std::string_view src_;
  const SourceLocation& origin_;
  bool raw_docs_;
  size_t i_ = 0;
  bool lstrip_next_ = false;
  std::vector<char> brackets_;  // closers expected, innermost last
  std::vector<Token> tokens_;
  size_t cursor_offset_ = 0;
  Position cursor_;
};

}  // namespace

Position PositionAt(std::string_view source, size_t offset) {
  offset = std::min(offset, source.size());
  Position pos;
  size_t line_start = 0;
  for (size_t k = source.find('\n'); k != std::string_view::npos && k < offset; k = source.find('\n', k + 1)) {
    ++pos.line;
    line_start = k + 1;
  }
  pos.column = 1 + CountCodePoints(source.substr(line_start, offset - line_start));
  return pos;
}

Result<std::vector<Token>> Lex(std::string_view source, const SourceLocation& origin, bool raw_docs) {
  return Lexer(source, origin, raw_docs).Run();
}

}  // namespace weir::template_internal
