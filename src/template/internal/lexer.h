// Lexer: template text -> tokens. Outside tags everything is text; inside
// `{{ }}` and `{% %}` it yields names, literals and operators. Comments are
// dropped, `{% raw %}` bodies become text, and whitespace control (`{{-`,
// `-}}`, `{%-`, `-%}`, `{#-`, `-#}`) is applied to the neighbouring text here.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "template/internal/ast.h"

namespace weir::template_internal {

enum class TokenKind {
  kText,
  kVariableBegin,  // {{
  kVariableEnd,    // }}
  kBlockBegin,     // {%
  kBlockEnd,       // %}
  kName,           // also keywords: and, or, not, in, is, if, else, true, ...
  kInteger,
  kFloat,
  kString,
  kOperator,       // + - * / // % ** ~ == != < <= > >= ( ) [ ] { } . , : | =
  kEnd,            // end of the template
};

// An operator's one or two characters packed into a number, so that the
// parser compares numbers instead of strings.
constexpr uint16_t OperatorCode(std::string_view op) {
  return static_cast<uint16_t>(static_cast<uint8_t>(op[0]) | (op.size() > 1 ? static_cast<uint8_t>(op[1]) << 8 : 0));
}

struct Token {
  TokenKind kind = TokenKind::kEnd;
  uint16_t op = 0;   // OperatorCode(text) for kOperator
  std::string text;  // the text, name, operator, or decoded string
  Position pos;
  size_t offset = 0;  // of its first byte in the source
  int64_t int_value = 0;
  double float_value = 0;
};

// Errors are template-syntax UserErrors located from `origin`. With
// `raw_docs`, the body of dbt's `{% docs name %}...{% enddocs %}` is text, as
// a raw block's is.
Result<std::vector<Token>> Lex(std::string_view source, const SourceLocation& origin, bool raw_docs = false);

// Position of a byte offset in `source` (column in code points).
Position PositionAt(std::string_view source, size_t offset);

}  // namespace weir::template_internal
