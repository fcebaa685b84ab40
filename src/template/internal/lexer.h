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

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string text;  // the text, name, operator, or decoded string
  Position pos;
  int64_t int_value = 0;
  double float_value = 0;
};

// Errors are template-syntax UserErrors located from `origin`.
Result<std::vector<Token>> Lex(std::string_view source, const SourceLocation& origin);

// Position of a byte offset in `source` (column in code points).
Position PositionAt(std::string_view source, size_t offset);

}  // namespace weir::template_internal
