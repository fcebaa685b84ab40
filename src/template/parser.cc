// Statements and token handling; expressions are in parser_expr.cc.
#include "template/internal/parser.h"

#include <algorithm>

#include "common/text.h"

namespace weir::template_internal {
namespace {

// Jinja tags a later version may support: named so that the error says
// "not supported yet" instead of "unknown".
constexpr std::string_view kUnsupportedTags[] = {
    "macro", "call", "filter", "with", "block", "extends", "include", "import", "from",
    "do", "autoescape", "break", "continue", "endmacro", "endcall", "endfilter", "endwith", "endblock"};

const std::vector<std::string> kKnownTags = {"if", "elif", "else", "endif", "for", "endfor", "set", "endset"};

std::string TagText(std::string_view tag) { return "'{% " + std::string(tag) + " %}'"; }

}  // namespace

std::string Describe(const Token& token) {
  switch (token.kind) {
    case TokenKind::kText: return "text";
    case TokenKind::kVariableBegin: return "'{{'";
    case TokenKind::kVariableEnd: return "'}}'";
    case TokenKind::kBlockBegin: return "'{%'";
    case TokenKind::kBlockEnd: return "'%}'";
    case TokenKind::kName: return "name '" + token.text + "'";
    case TokenKind::kInteger:
    case TokenKind::kFloat: return "number " + token.text;
    case TokenKind::kString: return "a string";
    case TokenKind::kOperator: return "'" + token.text + "'";
    case TokenKind::kEnd: return "the end of the template";
  }
  return "a token";
}

SourceLocation LocationOf(const SourceLocation& origin, Position pos) {
  SourceLocation where = origin;
  if (pos.line <= 1) {
    if (where.column > 0) where.column += pos.column - 1;
  } else {
    if (where.line > 0) where.line += pos.line - 1;
    where.column = pos.column;
  }
  return where;
}

Result<std::shared_ptr<const Program>> Parse(std::string_view text, SourceLocation origin) {
  WEIR_ASSIGN_OR_RETURN(std::vector<Token> tokens, Lex(text, origin));
  auto program = std::make_shared<Program>();
  Parser parser(std::move(tokens), origin);
  WEIR_ASSIGN_OR_RETURN(program->body, parser.ParseTemplate());
  program->origin = std::move(origin);
  return std::shared_ptr<const Program>(std::move(program));
}

Result<Body> Parser::ParseTemplate() {
  std::string found;
  WEIR_ASSIGN_OR_RETURN(Body body, ParseBody({}, &found));
  return body;
}

// Statements up to one of `end_tags` (left unconsumed after its '{%', named
// in *found) or the end of the template (*found empty).
Result<Body> Parser::ParseBody(std::vector<std::string_view> end_tags, std::string* found) {
  NestingScope scope(block_nesting_);
  if (block_nesting_ > kMaxNesting) return LimitError(Peek().pos);
  Body body;
  found->clear();
  while (true) {
    const Token& token = Peek();
    switch (token.kind) {
      case TokenKind::kEnd: return body;
      case TokenKind::kText: {
        Token text = Next();
        body.push_back(std::make_unique<TextStmt>(text.pos, std::move(text.text)));
        break;
      }
      case TokenKind::kVariableBegin: {
        Position pos = Next().pos;
        WEIR_ASSIGN_OR_RETURN(ExprPtr expr, ParseExpression());
        if (Peek().kind != TokenKind::kVariableEnd) {
          return Error("expected '}}' to close the expression, found " + Describe(Peek()), Peek().pos);
        }
        Next();
        body.push_back(std::make_unique<OutputStmt>(pos, std::move(expr)));
        break;
      }
      case TokenKind::kBlockBegin: {
        const Token& tag = Peek(1);
        if (tag.kind == TokenKind::kName &&
            std::find(end_tags.begin(), end_tags.end(), tag.text) != end_tags.end()) {
          *found = tag.text;
          Next();
          return body;
        }
        WEIR_ASSIGN_OR_RETURN(StmtPtr stmt, ParseTag());
        body.push_back(std::move(stmt));
        break;
      }
      default:
        return Error("unexpected " + Describe(token), token.pos);
    }
  }
}

Result<StmtPtr> Parser::ParseTag() {
  Position pos = Next().pos;  // {%
  const Token& tag = Peek();
  if (tag.kind != TokenKind::kName) return Error("expected a tag name after '{%', found " + Describe(tag), tag.pos);
  if (tag.text == "if") return ParseIf(pos);
  if (tag.text == "for") return ParseFor(pos);
  if (tag.text == "set") return ParseSet(pos);
  if (std::find(kKnownTags.begin(), kKnownTags.end(), tag.text) != kKnownTags.end()) {
    return Error("unexpected " + TagText(tag.text) + " here", tag.pos);
  }
  if (tag.text == "raw") return Error("expected '{% endraw %}' to close the 'raw' block, found the end of the template", pos);
  if (std::find(std::begin(kUnsupportedTags), std::end(kUnsupportedTags), tag.text) != std::end(kUnsupportedTags)) {
    return Error("the '" + tag.text + "' tag is not supported yet", tag.pos);
  }
  return Error("unknown tag '" + tag.text + "'" + DidYouMean(tag.text, kKnownTags), tag.pos);
}

Result<StmtPtr> Parser::ParseIf(Position pos) {
  Next();  // if
  auto stmt = std::make_unique<IfStmt>(pos);
  std::string found = "elif";
  while (found == "elif") {
    WEIR_ASSIGN_OR_RETURN(ExprPtr condition, ParseExpression());
    WEIR_TRY(ExpectBlockEnd(stmt->branches.empty() ? "if" : "elif"));
    WEIR_ASSIGN_OR_RETURN(Body body, ParseBody({"elif", "else", "endif"}, &found));
    stmt->branches.emplace_back(std::move(condition), std::move(body));
    if (found.empty()) return UnclosedBlock("if", "endif", pos);
    Next();
  }
  if (found == "else") {
    WEIR_TRY(ExpectBlockEnd("else"));
    WEIR_ASSIGN_OR_RETURN(stmt->otherwise, ParseBody({"endif"}, &found));
    if (found.empty()) return UnclosedBlock("if", "endif", pos);
    Next();
  }
  WEIR_TRY(ExpectBlockEnd("endif"));
  return StmtPtr(std::move(stmt));
}

Result<StmtPtr> Parser::ParseFor(Position pos) {
  Next();  // for
  auto stmt = std::make_unique<ForStmt>(pos);
  stmt->targets_pos = Peek().pos;
  do {
    if (!stmt->targets.empty()) Next();  // ,
    if (Peek().kind != TokenKind::kName) return Error("expected a loop variable name, found " + Describe(Peek()), Peek().pos);
    stmt->targets.push_back(Next().text);
  } while (AtOperator(","));
  if (!AtName("in")) return Error("expected 'in' after the loop variable, found " + Describe(Peek()), Peek().pos);
  Next();
  WEIR_ASSIGN_OR_RETURN(stmt->iterable, ParseExpression(/*with_condition=*/false));
  if (AtName("if")) {
    Next();
    WEIR_ASSIGN_OR_RETURN(stmt->condition, ParseExpression());
  }
  if (AtName("recursive")) return Error("recursive loops are not supported yet", Peek().pos);
  WEIR_TRY(ExpectBlockEnd("for"));
  std::string found;
  WEIR_ASSIGN_OR_RETURN(stmt->body, ParseBody({"else", "endfor"}, &found));
  if (found.empty()) return UnclosedBlock("for", "endfor", pos);
  Next();
  if (found == "else") {
    WEIR_TRY(ExpectBlockEnd("else"));
    WEIR_ASSIGN_OR_RETURN(stmt->otherwise, ParseBody({"endfor"}, &found));
    if (found.empty()) return UnclosedBlock("for", "endfor", pos);
    Next();
  }
  WEIR_TRY(ExpectBlockEnd("endfor"));
  return StmtPtr(std::move(stmt));
}

Result<StmtPtr> Parser::ParseSet(Position pos) {
  Next();  // set
  auto stmt = std::make_unique<SetStmt>(pos);
  if (Peek().kind != TokenKind::kName) return Error("expected a variable name after 'set', found " + Describe(Peek()), Peek().pos);
  stmt->name = Next().text;
  if (AtOperator("=")) {
    Next();
    WEIR_ASSIGN_OR_RETURN(stmt->value, ParseExpression());
    WEIR_TRY(ExpectBlockEnd("set"));
    return StmtPtr(std::move(stmt));
  }
  if (Peek().kind != TokenKind::kBlockEnd) {
    return Error("expected '=' after the variable name in 'set', found " + Describe(Peek()), Peek().pos);
  }
  Next();
  std::string found;
  WEIR_ASSIGN_OR_RETURN(stmt->body, ParseBody({"endset"}, &found));
  if (found.empty()) return UnclosedBlock("set", "endset", pos);
  Next();
  WEIR_TRY(ExpectBlockEnd("endset"));
  return StmtPtr(std::move(stmt));
}

Status Parser::ExpectBlockEnd(std::string_view tag) {
  if (Peek().kind == TokenKind::kBlockEnd) {
    Next();
    return OkStatus();
  }
  return Error("expected '%}' to close the '" + std::string(tag) + "' tag, found " + Describe(Peek()), Peek().pos);
}

Status Parser::UnclosedBlock(std::string_view tag, std::string_view end_tag, Position pos) const {
  return Error("expected " + TagText(end_tag) + " to close the '" + std::string(tag) +
                   "' block opened here, found the end of the template",
               pos);
}

const Token& Parser::Peek(size_t ahead) const {
  return tokens_[std::min(next_ + ahead, tokens_.size() - 1)];  // the last token is kEnd
}

Token Parser::Next() {
  Token token = Peek();
  if (next_ + 1 < tokens_.size()) ++next_;
  return token;
}

bool Parser::AtOperator(std::string_view op, size_t ahead) const {
  const Token& token = Peek(ahead);
  return token.kind == TokenKind::kOperator && token.text == op;
}

bool Parser::AtName(std::string_view name, size_t ahead) const {
  const Token& token = Peek(ahead);
  return token.kind == TokenKind::kName && token.text == name;
}

Status Parser::Expect(std::string_view op, std::string_view why) {
  if (AtOperator(op)) {
    Next();
    return OkStatus();
  }
  return Error("expected '" + std::string(op) + "' " + std::string(why) + ", found " + Describe(Peek()), Peek().pos);
}

Status Parser::Error(std::string message, Position pos) const {
  return UserError("template-syntax", std::move(message), LocationOf(origin_, pos));
}

Status Parser::LimitError(Position pos) const {
  return UserError("template-limit",
                   "template nested too deeply (more than " + std::to_string(kMaxNesting) + " levels); simplify it",
                   LocationOf(origin_, pos));
}

Status Parser::SetDepth(Expr& node, std::initializer_list<const Expr*> children) const {
  for (const Expr* child : children) {
    if (child != nullptr) node.depth = std::max(node.depth, child->depth + 1);
  }
  return node.depth > kMaxNesting ? LimitError(node.pos) : OkStatus();
}

Status Parser::SetArgumentDepth(Expr& node, const Arguments& args) const {
  for (const ExprPtr& arg : args.positional) WEIR_TRY(SetDepth(node, {arg.get()}));
  for (const auto& [name, arg] : args.keyword) WEIR_TRY(SetDepth(node, {arg.get()}));
  return OkStatus();
}

}  // namespace weir::template_internal
