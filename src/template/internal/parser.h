// Parser: tokens -> syntax tree, with Jinja's grammar and precedence
// (lowest first): `x if c else y`, or, and, not, comparisons and in,
// + -, ~, * / // %, **, unary - +, then postfix . [] () and the filter
// and test operators | and is, which bind tighter than any binary operator.
#pragma once

#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "template/internal/ast.h"
#include "template/internal/lexer.h"
#include "template/template.h"

namespace weir::template_internal {

// Errors are template-syntax (or template-limit for nesting beyond
// kMaxNesting) UserErrors located from `origin`.
Result<std::shared_ptr<const Program>> Parse(std::string_view text, SourceLocation origin,
                                             const TemplateParseOptions& options);

// True when an expression anywhere in `body` reads `name` (names.cc).
bool BodyReadsName(const Body& body, std::string_view name);
// True when `body` contains an include, or an import with context: the
// template it loads sees the body's names.
bool BodySharesNames(const Body& body);

// One template's tokens; use once. Not thread-safe.
class Parser {
 public:
  Parser(std::vector<Token> tokens, std::string_view source, const SourceLocation& origin,
         const TemplateParseOptions& options, Program& program)
      : tokens_(std::move(tokens)), source_(source), origin_(origin), options_(options), program_(program) {}

  Result<Body> ParseTemplate();

 private:
  // Statements (parser.cc, parser_blocks.cc).
  Result<Body> ParseBody(std::vector<std::string_view> end_tags, std::string* found);
  Result<Body> ParseBlockBody(std::string_view tag, std::string_view end_tag, Position pos);
  Result<StmtPtr> ParseTag();
  Result<StmtPtr> ParseIf(Position pos);
  Result<StmtPtr> ParseFor(Position pos);
  Result<StmtPtr> ParseSet(Position pos);
  Result<StmtPtr> ParseMacro(Position pos);
  Result<StmtPtr> ParseCallBlock(Position pos);
  Result<StmtPtr> ParseFilterBlock(Position pos);
  Result<StmtPtr> ParseWith(Position pos);
  Result<StmtPtr> ParseImport(Position pos);
  Result<StmtPtr> ParseFromImport(Position pos);
  Result<StmtPtr> ParseInclude(Position pos);
  Result<StmtPtr> ParseDbtBlock(Position pos);
  Status ParseSignature(MacroDef& def);  // `(a, b=1)`, after the name
  Status ParseMacroBody(MacroDef& def, std::string_view tag, std::string_view end_tag, Position pos);
  Result<std::vector<BlockFilter>> ParseBlockFilters();
  Result<Target> ParseTarget(bool allow_tuple, bool allow_namespace);
  Result<bool> ParseContextModifier(bool fallback);  // [with|without context]
  Status ExpectBlockEnd(std::string_view tag);
  Status UnclosedBlock(std::string_view tag, std::string_view end_tag, Position pos) const;

  // Expressions (parser_expr.cc). Without `with_condition`, a trailing
  // `if` is left for the caller (the filter of a for loop).
  Result<ExprPtr> ParseExpression(bool with_condition = true);
  // Jinja's parse_tuple: `a, b` is a tuple where a statement or `{{ }}`
  // takes one expression.
  Result<ExprPtr> ParseTuple(bool with_condition = true);
  Result<ExprPtr> ParseOr();
  Result<ExprPtr> ParseAnd();
  Result<ExprPtr> ParseNot();
  Result<ExprPtr> ParseCompare();
  Result<ExprPtr> ParseMath1();
  Result<ExprPtr> ParseConcat();
  Result<ExprPtr> ParseMath2();
  Result<ExprPtr> ParsePow();
  Result<ExprPtr> ParseUnary(bool with_filter);
  Result<ExprPtr> ParsePrimary();
  Result<ExprPtr> ParseList();
  Result<ExprPtr> ParseDict();
  Result<ExprPtr> ParsePostfix(ExprPtr node);
  Result<ExprPtr> ParseSubscript(ExprPtr node);
  Result<ExprPtr> ParseFilterExpr(ExprPtr node);
  Result<ExprPtr> ParseFilter(ExprPtr node);
  Result<ExprPtr> ParseTest(ExprPtr node);
  Status ParseArguments(Arguments& args);  // after '(' up to and including ')'
  Result<std::string> ParseDottedName();

  // Token access.
  const Token& Peek(size_t ahead = 0) const {
    return tokens_[std::min(next_ + ahead, tokens_.size() - 1)];  // the last token is kEnd
  }
  // The current token, then moves past it (not past the end).
  const Token& Next() {
    const Token& token = Peek();
    if (next_ + 1 < tokens_.size()) ++next_;
    return token;
  }
  bool AtOperator(std::string_view op, size_t ahead = 0) const {
    const Token& token = Peek(ahead);
    return token.kind == TokenKind::kOperator && token.op == OperatorCode(op);
  }
  bool AtName(std::string_view name, size_t ahead = 0) const {
    const Token& token = Peek(ahead);
    return token.kind == TokenKind::kName && token.text == name;
  }
  Status Expect(std::string_view op, std::string_view why);
  Status Error(std::string message, Position pos) const;
  Status LimitError(Position pos) const;
  // Raises node.depth above these children (null ones are skipped); refuses
  // trees deeper than kMaxNesting.
  Status SetDepth(Expr& node, std::initializer_list<const Expr*> children) const;
  Status SetArgumentDepth(Expr& node, const Arguments& args) const;
  // Counts recursion while in scope; callers refuse more than kMaxNesting.
  struct NestingScope {
    explicit NestingScope(int& n) : count(n) { ++count; }
    ~NestingScope() { --count; }
    NestingScope(const NestingScope&) = delete;
    NestingScope& operator=(const NestingScope&) = delete;
    int& count;
  };

  std::vector<Token> tokens_;
  size_t next_ = 0;
  std::string_view source_;
  const SourceLocation& origin_;
  const TemplateParseOptions& options_;
  Program& program_;
  int expression_nesting_ = 0;
  int block_nesting_ = 0;
  int loop_nesting_ = 0;  // for loops around the current statement, in this macro
};

// Describes a token for messages: "name 'x'", "'}}'", "the end of the template".
std::string Describe(const Token& token);

}  // namespace weir::template_internal
