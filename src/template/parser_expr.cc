// Expressions, one function per precedence level, as in Jinja's parser.py.
#include <algorithm>

#include "common/text.h"
#include "template/internal/filters.h"
#include "template/internal/parser.h"

namespace weir::template_internal {
namespace {

struct BinaryLevel {
  std::string_view symbol;
  BinaryOp op;
};

constexpr BinaryLevel kMath1[] = {{"+", BinaryOp::kAdd}, {"-", BinaryOp::kSub}};
constexpr BinaryLevel kMath2[] = {
    {"*", BinaryOp::kMul}, {"/", BinaryOp::kDiv}, {"//", BinaryOp::kFloorDiv}, {"%", BinaryOp::kMod}};

constexpr std::pair<std::string_view, CompareOp> kCompareOps[] = {
    {"==", CompareOp::kEq}, {"!=", CompareOp::kNe}, {"<", CompareOp::kLt},
    {"<=", CompareOp::kLe}, {">", CompareOp::kGt}, {">=", CompareOp::kGe}};

}  // namespace

Result<ExprPtr> Parser::ParseExpression(bool with_condition) {
  NestingScope scope(expression_nesting_);
  if (expression_nesting_ > kMaxNesting) return LimitError(Peek().pos);
  WEIR_ASSIGN_OR_RETURN(ExprPtr node, ParseOr());
  while (with_condition && AtName("if")) {
    auto cond = std::make_unique<ConditionExpr>(Next().pos);
    cond->then = std::move(node);
    WEIR_ASSIGN_OR_RETURN(cond->condition, ParseOr());
    if (AtName("else")) {
      Next();
      WEIR_ASSIGN_OR_RETURN(cond->otherwise, ParseExpression());
    }
    WEIR_TRY(SetDepth(*cond, {cond->then.get(), cond->condition.get(), cond->otherwise.get()}));
    node = std::move(cond);
  }
  return node;
}

Result<ExprPtr> Parser::ParseTuple(bool with_condition) {
  Position pos = Peek().pos;
  auto tuple = std::make_unique<TupleExpr>(pos);
  bool is_tuple = false;
  while (true) {
    if (!tuple->items.empty()) WEIR_TRY(Expect(",", "between tuple items"));
    const Token& next = Peek();
    if (next.kind == TokenKind::kVariableEnd || next.kind == TokenKind::kBlockEnd || AtOperator(")") ||
        (AtName("recursive") && !tuple->items.empty())) {
      break;
    }
    WEIR_ASSIGN_OR_RETURN(ExprPtr item, ParseExpression(with_condition));
    WEIR_TRY(SetDepth(*tuple, {item.get()}));
    tuple->items.push_back(std::move(item));
    if (!AtOperator(",")) break;
    is_tuple = true;
  }
  if (!is_tuple) {
    if (tuple->items.empty()) return Error("expected an expression, found " + Describe(Peek()), Peek().pos);
    return std::move(tuple->items.front());
  }
  return ExprPtr(std::move(tuple));
}

Result<ExprPtr> Parser::ParseOr() {
  WEIR_ASSIGN_OR_RETURN(ExprPtr node, ParseAnd());
  while (AtName("or")) {
    Position pos = Next().pos;
    WEIR_ASSIGN_OR_RETURN(ExprPtr right, ParseAnd());
    auto bin = std::make_unique<BinaryExpr>(pos, BinaryOp::kOr, std::move(node), std::move(right));
    WEIR_TRY(SetDepth(*bin, {bin->left.get(), bin->right.get()}));
    node = std::move(bin);
  }
  return node;
}

Result<ExprPtr> Parser::ParseAnd() {
  WEIR_ASSIGN_OR_RETURN(ExprPtr node, ParseNot());
  while (AtName("and")) {
    Position pos = Next().pos;
    WEIR_ASSIGN_OR_RETURN(ExprPtr right, ParseNot());
    auto bin = std::make_unique<BinaryExpr>(pos, BinaryOp::kAnd, std::move(node), std::move(right));
    WEIR_TRY(SetDepth(*bin, {bin->left.get(), bin->right.get()}));
    node = std::move(bin);
  }
  return node;
}

Result<ExprPtr> Parser::ParseNot() {
  if (!AtName("not")) return ParseCompare();
  Position pos = Next().pos;
  NestingScope scope(expression_nesting_);
  if (expression_nesting_ > kMaxNesting) return LimitError(pos);
  WEIR_ASSIGN_OR_RETURN(ExprPtr operand, ParseNot());
  auto node = std::make_unique<UnaryExpr>(pos, UnaryOp::kNot, std::move(operand));
  WEIR_TRY(SetDepth(*node, {node->operand.get()}));
  return ExprPtr(std::move(node));
}

Result<ExprPtr> Parser::ParseCompare() {
  WEIR_ASSIGN_OR_RETURN(ExprPtr first, ParseMath1());
  std::unique_ptr<CompareExpr> node;
  while (true) {
    Position pos = Peek().pos;
    CompareOp op;
    auto it = std::find_if(std::begin(kCompareOps), std::end(kCompareOps),
                           [&](const auto& entry) { return AtOperator(entry.first); });
    if (it != std::end(kCompareOps)) {
      op = it->second;
      Next();
    } else if (AtName("in")) {
      op = CompareOp::kIn;
      Next();
    } else if (AtName("not") && AtName("in", 1)) {
      op = CompareOp::kNotIn;
      Next();
      Next();
    } else {
      break;
    }
    WEIR_ASSIGN_OR_RETURN(ExprPtr operand, ParseMath1());
    if (!node) node = std::make_unique<CompareExpr>(first->pos, std::move(first));
    node->rest.push_back({op, pos, std::move(operand)});
    WEIR_TRY(SetDepth(*node, {node->first.get(), node->rest.back().operand.get()}));
  }
  if (!node) return first;
  return ExprPtr(std::move(node));
}

// The binary levels share one loop shape: operand (op operand)*.
#define WEIR_BINARY_LEVEL(Name, Next_, table)                                          \
  Result<ExprPtr> Parser::Name() {                                                     \
    WEIR_ASSIGN_OR_RETURN(ExprPtr node, Next_());                                      \
    while (true) {                                                                     \
      auto it = std::find_if(std::begin(table), std::end(table),                       \
                             [&](const BinaryLevel& l) { return AtOperator(l.symbol); }); \
      if (it == std::end(table)) return node;                                          \
      Position pos = Next().pos;                                                       \
      WEIR_ASSIGN_OR_RETURN(ExprPtr right, Next_());                                   \
      auto bin = std::make_unique<BinaryExpr>(pos, it->op, std::move(node), std::move(right)); \
      WEIR_TRY(SetDepth(*bin, {bin->left.get(), bin->right.get()}));                   \
      node = std::move(bin);                                                           \
    }                                                                                  \
  }

namespace {
constexpr BinaryLevel kConcat[] = {{"~", BinaryOp::kConcat}};
}  // namespace

WEIR_BINARY_LEVEL(ParseMath1, ParseConcat, kMath1)
WEIR_BINARY_LEVEL(ParseConcat, ParseMath2, kConcat)
WEIR_BINARY_LEVEL(ParseMath2, ParsePow, kMath2)
#undef WEIR_BINARY_LEVEL

Result<ExprPtr> Parser::ParsePow() {
  WEIR_ASSIGN_OR_RETURN(ExprPtr node, ParseUnary(true));
  while (AtOperator("**")) {
    Position pos = Next().pos;
    WEIR_ASSIGN_OR_RETURN(ExprPtr right, ParseUnary(true));
    auto bin = std::make_unique<BinaryExpr>(pos, BinaryOp::kPow, std::move(node), std::move(right));
    WEIR_TRY(SetDepth(*bin, {bin->left.get(), bin->right.get()}));
    node = std::move(bin);
  }
  return node;
}

// `-x | f` is `(-x) | f`: the operand of a sign takes no filters, the signed
// expression does (Jinja's parse_unary).
Result<ExprPtr> Parser::ParseUnary(bool with_filter) {
  ExprPtr node;
  if (AtOperator("-") || AtOperator("+")) {
    Token sign = Next();
    NestingScope scope(expression_nesting_);
    if (expression_nesting_ > kMaxNesting) return LimitError(sign.pos);
    WEIR_ASSIGN_OR_RETURN(ExprPtr operand, ParseUnary(false));
    auto unary = std::make_unique<UnaryExpr>(sign.pos, sign.text == "-" ? UnaryOp::kNegate : UnaryOp::kPlus,
                                             std::move(operand));
    WEIR_TRY(SetDepth(*unary, {unary->operand.get()}));
    node = std::move(unary);
  } else {
    WEIR_ASSIGN_OR_RETURN(node, ParsePrimary());
  }
  WEIR_ASSIGN_OR_RETURN(node, ParsePostfix(std::move(node)));
  if (with_filter) return ParseFilterExpr(std::move(node));
  return node;
}

Result<ExprPtr> Parser::ParsePrimary() {
  const Token& token = Peek();
  Position pos = token.pos;
  switch (token.kind) {
    case TokenKind::kName: {
      std::string name = Next().text;
      if (name == "true" || name == "True") return ExprPtr(std::make_unique<LiteralExpr>(pos, TemplateValue::Bool(true)));
      if (name == "false" || name == "False") return ExprPtr(std::make_unique<LiteralExpr>(pos, TemplateValue::Bool(false)));
      if (name == "none" || name == "None") return ExprPtr(std::make_unique<LiteralExpr>(pos, TemplateValue::None()));
      return ExprPtr(std::make_unique<NameExpr>(pos, std::move(name)));
    }
    case TokenKind::kString: {
      std::string text;
      while (Peek().kind == TokenKind::kString) text += Next().text;  // 'a' 'b' is 'ab', as in Python
      return ExprPtr(std::make_unique<LiteralExpr>(pos, TemplateValue::String(std::move(text))));
    }
    case TokenKind::kInteger:
      return ExprPtr(std::make_unique<LiteralExpr>(pos, TemplateValue::Int(Next().int_value)));
    case TokenKind::kFloat:
      return ExprPtr(std::make_unique<LiteralExpr>(pos, TemplateValue::Float(Next().float_value)));
    default: break;
  }
  if (AtOperator("(")) {
    Next();
    if (AtOperator(")")) {
      Next();
      return ExprPtr(std::make_unique<TupleExpr>(pos));
    }
    WEIR_ASSIGN_OR_RETURN(ExprPtr inner, ParseTuple());
    WEIR_TRY(Expect(")", "to close the parenthesis"));
    return inner;
  }
  if (AtOperator("[")) return ParseList();
  if (AtOperator("{")) return ParseDict();
  return Error("expected an expression, found " + Describe(token), pos);
}

Result<ExprPtr> Parser::ParseList() {
  auto list = std::make_unique<ListExpr>(Next().pos);
  while (!AtOperator("]")) {
    if (!list->items.empty()) WEIR_TRY(Expect(",", "between list items"));
    if (AtOperator("]")) break;  // trailing comma
    WEIR_ASSIGN_OR_RETURN(ExprPtr item, ParseExpression());
    WEIR_TRY(SetDepth(*list, {item.get()}));
    list->items.push_back(std::move(item));
  }
  Next();
  return ExprPtr(std::move(list));
}

Result<ExprPtr> Parser::ParseDict() {
  auto dict = std::make_unique<DictExpr>(Next().pos);
  while (!AtOperator("}")) {
    if (!dict->entries.empty()) WEIR_TRY(Expect(",", "between map entries"));
    if (AtOperator("}")) break;
    WEIR_ASSIGN_OR_RETURN(ExprPtr key, ParseExpression());
    WEIR_TRY(Expect(":", "after a map key"));
    WEIR_ASSIGN_OR_RETURN(ExprPtr value, ParseExpression());
    WEIR_TRY(SetDepth(*dict, {key.get(), value.get()}));
    dict->entries.emplace_back(std::move(key), std::move(value));
  }
  Next();
  return ExprPtr(std::move(dict));
}

Result<ExprPtr> Parser::ParsePostfix(ExprPtr node) {
  while (true) {
    if (AtOperator(".")) {
      Next();
      const Token& attr = Peek();
      if (attr.kind == TokenKind::kName) {
        node = std::make_unique<AttributeExpr>(attr.pos, std::move(node), Next().text);
        WEIR_TRY(SetDepth(*node, {static_cast<AttributeExpr&>(*node).object.get()}));
      } else if (attr.kind == TokenKind::kInteger) {  // xs.0 is xs[0]
        auto index = std::make_unique<LiteralExpr>(attr.pos, TemplateValue::Int(Next().int_value));
        node = std::make_unique<SubscriptExpr>(attr.pos, std::move(node), std::move(index));
        WEIR_TRY(SetDepth(*node, {static_cast<SubscriptExpr&>(*node).object.get()}));
      } else {
        return Error("expected an attribute name after '.', found " + Describe(attr), attr.pos);
      }
    } else if (AtOperator("[")) {
      WEIR_ASSIGN_OR_RETURN(node, ParseSubscript(std::move(node)));
    } else if (AtOperator("(")) {
      auto call = std::make_unique<CallExpr>(Next().pos, std::move(node));
      WEIR_TRY(ParseArguments(call->args));
      WEIR_TRY(SetDepth(*call, {call->callee.get()}));
      WEIR_TRY(SetArgumentDepth(*call, call->args));
      node = std::move(call);
    } else {
      return node;
    }
  }
}

// `[index]`, `[a, b]` (a tuple key) or `[start:stop:step]` (Jinja's
// parse_subscript and parse_subscribed).
Result<ExprPtr> Parser::ParseSubscript(ExprPtr node) {
  Position pos = Next().pos;  // [
  std::vector<ExprPtr> items;
  std::unique_ptr<SliceExpr> slice;
  auto at_part_end = [&] { return AtOperator("]") || AtOperator(","); };
  while (!AtOperator("]")) {
    if (!items.empty() || slice) WEIR_TRY(Expect(",", "between subscripts"));
    if (slice) return Error("a slice cannot be part of a tuple subscript", Peek().pos);
    ExprPtr start;
    if (!AtOperator(":")) {
      WEIR_ASSIGN_OR_RETURN(start, ParseExpression());
      if (!AtOperator(":")) {
        items.push_back(std::move(start));
        continue;
      }
    }
    if (!items.empty()) return Error("a slice cannot be part of a tuple subscript", Peek().pos);
    Next();  // :
    slice = std::make_unique<SliceExpr>(pos, nullptr);
    slice->start = std::move(start);
    if (!AtOperator(":") && !at_part_end()) {
      WEIR_ASSIGN_OR_RETURN(slice->stop, ParseExpression());
    }
    if (AtOperator(":")) {
      Next();
      if (!at_part_end()) {
        WEIR_ASSIGN_OR_RETURN(slice->step, ParseExpression());
      }
    }
  }
  Next();  // ]
  if (slice) {
    slice->object = std::move(node);
    WEIR_TRY(SetDepth(*slice, {slice->object.get(), slice->start.get(), slice->stop.get(), slice->step.get()}));
    return ExprPtr(std::move(slice));
  }
  if (items.empty()) return Error("expected an index inside '[]'", pos);
  ExprPtr index;
  if (items.size() == 1) {
    index = std::move(items.front());
  } else {
    auto tuple = std::make_unique<TupleExpr>(items.front()->pos);
    for (ExprPtr& item : items) {
      WEIR_TRY(SetDepth(*tuple, {item.get()}));
      tuple->items.push_back(std::move(item));
    }
    index = std::move(tuple);
  }
  auto sub = std::make_unique<SubscriptExpr>(pos, std::move(node), std::move(index));
  WEIR_TRY(SetDepth(*sub, {sub->object.get(), sub->index.get()}));
  return ExprPtr(std::move(sub));
}

Result<ExprPtr> Parser::ParseFilterExpr(ExprPtr node) {
  while (true) {
    if (AtOperator("|")) {
      WEIR_ASSIGN_OR_RETURN(node, ParseFilter(std::move(node)));
    } else if (AtName("is")) {
      WEIR_ASSIGN_OR_RETURN(node, ParseTest(std::move(node)));
    } else if (AtOperator("(")) {
      auto call = std::make_unique<CallExpr>(Next().pos, std::move(node));
      WEIR_TRY(ParseArguments(call->args));
      WEIR_TRY(SetDepth(*call, {call->callee.get()}));
      WEIR_TRY(SetArgumentDepth(*call, call->args));
      node = std::move(call);
    } else {
      return node;
    }
  }
}

Result<ExprPtr> Parser::ParseFilter(ExprPtr node) {
  while (AtOperator("|")) {
    Next();
    Position pos = Peek().pos;
    WEIR_ASSIGN_OR_RETURN(std::string name, ParseDottedName());
    if (!IsDefaultFilter(name) && FindFilter(name) == nullptr) {  // found now, not only when rendered
      return UserError("unknown-filter", "unknown filter '" + name + "'" + DidYouMean(name, FilterNames()),
                       LocationOf(origin_, pos));
    }
    auto filter = std::make_unique<FilterExpr>(pos, std::move(node), std::move(name));
    if (AtOperator("(")) {
      Next();
      WEIR_TRY(ParseArguments(filter->args));
    }
    WEIR_TRY(SetDepth(*filter, {filter->operand.get()}));
    WEIR_TRY(SetArgumentDepth(*filter, filter->args));
    node = std::move(filter);
  }
  return node;
}

Result<ExprPtr> Parser::ParseTest(ExprPtr node) {
  Next();  // is
  bool negated = false;
  if (AtName("not")) {
    Next();
    negated = true;
  }
  Position pos = Peek().pos;
  WEIR_ASSIGN_OR_RETURN(std::string name, ParseDottedName());
  if (name != "defined" && name != "undefined" && FindTest(name) == nullptr) {
    return UserError("unknown-test", "unknown test '" + name + "'" + DidYouMean(name, TestNames()),
                     LocationOf(origin_, pos));
  }
  auto test = std::make_unique<TestExpr>(pos, std::move(node), std::move(name));
  test->negated = negated;
  const Token& next = Peek();
  bool bare_argument = next.kind == TokenKind::kName || next.kind == TokenKind::kString ||
                       next.kind == TokenKind::kInteger || next.kind == TokenKind::kFloat || AtOperator("[") ||
                       AtOperator("{");
  if (AtOperator("(")) {
    Next();
    WEIR_TRY(ParseArguments(test->args));
  } else if (bare_argument && !AtName("else") && !AtName("or") && !AtName("and") && !AtName("if")) {
    if (AtName("is")) return Error("tests cannot be chained; use 'and'", next.pos);
    WEIR_ASSIGN_OR_RETURN(ExprPtr arg, ParsePrimary());  // `x is divisibleby 3`
    WEIR_ASSIGN_OR_RETURN(arg, ParsePostfix(std::move(arg)));
    test->args.positional.push_back(std::move(arg));
  }
  WEIR_TRY(SetDepth(*test, {test->operand.get()}));
  WEIR_TRY(SetArgumentDepth(*test, test->args));
  return ExprPtr(std::move(test));
}

// Jinja's parse_call: positional, then keyword arguments; `*xs` after the
// positional ones, `**m` last.
Status Parser::ParseArguments(Arguments& args) {
  bool first = true;
  while (!AtOperator(")")) {
    if (!first) WEIR_TRY(Expect(",", "between arguments"));
    first = false;
    if (AtOperator(")")) break;
    Position pos = Peek().pos;
    if (AtOperator("*") || AtOperator("**")) {
      bool keywords = Next().text == "**";
      if (args.star_kwargs || (!keywords && args.star_args)) return Error("unexpected '*' argument here", pos);
      WEIR_ASSIGN_OR_RETURN((keywords ? args.star_kwargs : args.star_args), ParseExpression());
      continue;
    }
    if (Peek().kind == TokenKind::kName && AtOperator("=", 1)) {
      if (args.star_kwargs) return Error("keyword argument follows **kwargs", pos);
      std::string name = Next().text;
      Next();
      WEIR_ASSIGN_OR_RETURN(ExprPtr value, ParseExpression());
      args.keyword.emplace_back(std::move(name), std::move(value));
      continue;
    }
    if (!args.keyword.empty() || args.star_args || args.star_kwargs) {
      return Error("positional argument follows keyword or * arguments", pos);
    }
    WEIR_ASSIGN_OR_RETURN(ExprPtr value, ParseExpression());
    args.positional.push_back(std::move(value));
  }
  Next();
  return OkStatus();
}

Result<std::string> Parser::ParseDottedName() {
  if (Peek().kind != TokenKind::kName) return Error("expected a name, found " + Describe(Peek()), Peek().pos);
  std::string name = Next().text;
  while (AtOperator(".") && Peek(1).kind == TokenKind::kName) {
    Next();
    name += "." + Next().text;
  }
  return name;
}

}  // namespace weir::template_internal
