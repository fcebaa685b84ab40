// Statements and token handling; expressions are in parser_expr.cc.
#include "template/internal/parser.h"

#include <algorithm>
#include <utility>

#include "common/text.h"

namespace weir::template_internal {
namespace {

// Jinja tags a later version may support: named so that the error says
// "not supported yet" instead of "unknown".
constexpr std::string_view kUnsupportedTags[] = {"block", "extends", "autoescape", "endblock", "endautoescape",
                                                 "trans", "endtrans"};

const std::vector<std::string> kKnownTags = {
    "if",     "elif",    "else",      "endif",   "for",   "endfor",  "set",     "endset",   "macro",    "endmacro",
    "call",   "endcall", "filter",    "endfilter", "with", "endwith", "do",     "import",   "from",     "include",
    "break",  "continue", "raw",      "endraw"};

const std::vector<std::string> kDbtTags = {"test",     "endtest",        "materialization", "endmaterialization",
                                           "snapshot", "endsnapshot",    "docs",            "enddocs"};

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

Result<std::shared_ptr<const Program>> Parse(std::string_view text, SourceLocation origin,
                                             const TemplateParseOptions& options) {
  WEIR_ASSIGN_OR_RETURN(std::vector<Token> tokens, Lex(text, origin, options.dbt_blocks));
  auto program = std::make_shared<Program>();
  Parser parser(std::move(tokens), text, origin, options, *program);
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
        WEIR_ASSIGN_OR_RETURN(ExprPtr expr, ParseTuple());
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

// The statements of a block up to its end tag, which is consumed.
Result<Body> Parser::ParseBlockBody(std::string_view tag, std::string_view end_tag, Position pos) {
  std::string found;
  WEIR_ASSIGN_OR_RETURN(Body body, ParseBody({end_tag}, &found));
  if (found.empty()) return UnclosedBlock(tag, end_tag, pos);
  Next();
  WEIR_TRY(ExpectBlockEnd(end_tag));
  return body;
}

Result<StmtPtr> Parser::ParseTag() {
  Position pos = Next().pos;  // {%
  const Token& tag = Peek();
  if (tag.kind != TokenKind::kName) return Error("expected a tag name after '{%', found " + Describe(tag), tag.pos);
  const std::string& name = tag.text;
  if (name == "if") return ParseIf(pos);
  if (name == "for") return ParseFor(pos);
  if (name == "set") return ParseSet(pos);
  if (name == "macro") return ParseMacro(pos);
  if (name == "call") return ParseCallBlock(pos);
  if (name == "filter") return ParseFilterBlock(pos);
  if (name == "with") return ParseWith(pos);
  if (name == "import") return ParseImport(pos);
  if (name == "from") return ParseFromImport(pos);
  if (name == "include") return ParseInclude(pos);
  if (name == "do") {
    Next();
    WEIR_ASSIGN_OR_RETURN(ExprPtr expr, ParseTuple());
    WEIR_TRY(ExpectBlockEnd("do"));
    return StmtPtr(std::make_unique<DoStmt>(pos, std::move(expr)));
  }
  if (name == "break" || name == "continue") {
    bool is_break = name == "break";
    Position tag_pos = Next().pos;
    if (loop_nesting_ == 0) return Error("'" + std::string(is_break ? "break" : "continue") + "' outside a for loop", tag_pos);
    WEIR_TRY(ExpectBlockEnd(is_break ? "break" : "continue"));
    return StmtPtr(std::make_unique<LoopControlStmt>(pos, is_break));
  }
  bool dbt_tag = std::find(kDbtTags.begin(), kDbtTags.end(), name) != kDbtTags.end();
  if (dbt_tag && options_.dbt_blocks && name.rfind("end", 0) != 0) return ParseDbtBlock(pos);
  if (std::find(kKnownTags.begin(), kKnownTags.end(), name) != kKnownTags.end() || (dbt_tag && options_.dbt_blocks)) {
    if (name == "raw") return Error("expected '{% endraw %}' to close the 'raw' block, found the end of the template", pos);
    return Error("unexpected " + TagText(name) + " here", tag.pos);
  }
  if (std::find(std::begin(kUnsupportedTags), std::end(kUnsupportedTags), name) != std::end(kUnsupportedTags)) {
    return Error("the '" + name + "' tag is not supported yet", tag.pos);
  }
  std::vector<std::string> candidates = kKnownTags;
  if (options_.dbt_blocks) candidates.insert(candidates.end(), kDbtTags.begin(), kDbtTags.end());
  return Error("unknown tag '" + name + "'" + DidYouMean(name, candidates), tag.pos);
}

Result<StmtPtr> Parser::ParseIf(Position pos) {
  Next();  // if
  auto stmt = std::make_unique<IfStmt>(pos);
  std::string found = "elif";
  while (found == "elif") {
    WEIR_ASSIGN_OR_RETURN(ExprPtr condition, ParseTuple(/*with_condition=*/false));
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
  WEIR_ASSIGN_OR_RETURN(stmt->target, ParseTarget(/*allow_tuple=*/true, /*allow_namespace=*/false));
  if (!AtName("in")) return Error("expected 'in' after the loop variable, found " + Describe(Peek()), Peek().pos);
  Next();
  WEIR_ASSIGN_OR_RETURN(stmt->iterable, ParseTuple(/*with_condition=*/false));
  if (AtName("if")) {
    Next();
    WEIR_ASSIGN_OR_RETURN(stmt->condition, ParseExpression());
  }
  if (AtName("recursive")) return Error("recursive loops are not supported yet", Peek().pos);
  WEIR_TRY(ExpectBlockEnd("for"));
  std::string found;
  ++loop_nesting_;
  Result<Body> body = ParseBody({"else", "endfor"}, &found);
  --loop_nesting_;
  if (!body.ok()) return body.status();
  stmt->body = std::move(*body);
  stmt->uses_loop = BodyReadsName(stmt->body, "loop") || BodySharesNames(stmt->body);
  if (found.empty()) return UnclosedBlock("for", "endfor", pos);
  Next();
  if (found == "else") {
    WEIR_TRY(ExpectBlockEnd("else"));
    int saved = std::exchange(loop_nesting_, 0);  // `break` in the else branch is outside the loop
    Result<Body> otherwise = ParseBody({"endfor"}, &found);
    loop_nesting_ = saved;
    if (!otherwise.ok()) return otherwise.status();
    stmt->otherwise = std::move(*otherwise);
    if (found.empty()) return UnclosedBlock("for", "endfor", pos);
    Next();
  }
  WEIR_TRY(ExpectBlockEnd("endfor"));
  return StmtPtr(std::move(stmt));
}

Result<StmtPtr> Parser::ParseSet(Position pos) {
  Next();  // set
  auto stmt = std::make_unique<SetStmt>(pos);
  WEIR_ASSIGN_OR_RETURN(stmt->target, ParseTarget(/*allow_tuple=*/true, /*allow_namespace=*/true));
  if (AtOperator("=")) {
    Next();
    WEIR_ASSIGN_OR_RETURN(stmt->value, ParseTuple());
    WEIR_TRY(ExpectBlockEnd("set"));
    return StmtPtr(std::move(stmt));
  }
  if (stmt->target.kind == Target::Kind::kTuple) {
    return Error("expected '=' after the variable names in 'set', found " + Describe(Peek()), Peek().pos);
  }
  if (AtOperator("|")) {
    WEIR_ASSIGN_OR_RETURN(stmt->filters, ParseBlockFilters());
  }
  if (Peek().kind != TokenKind::kBlockEnd) {
    return Error("expected '=' after the variable name in 'set', found " + Describe(Peek()), Peek().pos);
  }
  Next();
  WEIR_ASSIGN_OR_RETURN(stmt->body, ParseBlockBody("set", "endset", pos));
  return StmtPtr(std::move(stmt));
}

// A name, `ns.attr` (with allow_namespace) or, with allow_tuple, targets
// separated by commas, each of which may be a parenthesized tuple.
Result<Target> Parser::ParseTarget(bool allow_tuple, bool allow_namespace) {
  NestingScope scope(expression_nesting_);
  if (expression_nesting_ > kMaxNesting) return LimitError(Peek().pos);
  Target tuple;
  tuple.kind = Target::Kind::kTuple;
  tuple.pos = Peek().pos;
  bool is_tuple = false;
  while (true) {
    Target item;
    item.pos = Peek().pos;
    if (allow_tuple && AtOperator("(")) {
      Next();
      WEIR_ASSIGN_OR_RETURN(item, ParseTarget(/*allow_tuple=*/true, /*allow_namespace=*/false));
      WEIR_TRY(Expect(")", "to close the parenthesized names"));
    } else if (Peek().kind == TokenKind::kName) {
      item.name = Next().text;
      if (allow_namespace && AtOperator(".")) {
        Next();
        if (Peek().kind != TokenKind::kName) return Error("expected an attribute name after '.', found " + Describe(Peek()), Peek().pos);
        item.kind = Target::Kind::kAttribute;
        item.attribute = Next().text;
        return item;
      }
    } else {
      return Error("expected a variable name, found " + Describe(Peek()), Peek().pos);
    }
    tuple.items.push_back(std::move(item));
    if (!allow_tuple || !AtOperator(",")) break;
    Next();
    is_tuple = true;
    if (Peek().kind != TokenKind::kName && !AtOperator("(")) break;  // trailing comma
  }
  if (!is_tuple) return std::move(tuple.items.front());
  return tuple;
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
  return SetDepth(node, {args.star_args.get(), args.star_kwargs.get()});
}

}  // namespace weir::template_internal
