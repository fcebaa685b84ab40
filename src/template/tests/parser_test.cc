#include "template/internal/parser.h"

#include <gtest/gtest.h>

#include "template/internal/operators.h"

namespace weir::template_internal {
namespace {

std::string Dump(const Expr& e);

std::string DumpArgs(const Arguments& args) {
  std::string out;
  for (const ExprPtr& a : args.positional) out += " " + Dump(*a);
  for (const auto& [k, a] : args.keyword) out += " " + k + "=" + Dump(*a);
  return out;
}

// S-expressions, enough to see the shape of the tree.
std::string Dump(const Expr& e) {
  switch (e.kind) {
    case ExprKind::kLiteral: return static_cast<const LiteralExpr&>(e).value.Repr();
    case ExprKind::kName: return static_cast<const NameExpr&>(e).name;
    case ExprKind::kList: {
      std::string out = "(list";
      for (const ExprPtr& i : static_cast<const ListExpr&>(e).items) out += " " + Dump(*i);
      return out + ")";
    }
    case ExprKind::kDict: {
      std::string out = "(dict";
      for (const auto& [k, v] : static_cast<const DictExpr&>(e).entries) out += " " + Dump(*k) + ":" + Dump(*v);
      return out + ")";
    }
    case ExprKind::kUnary: {
      const auto& u = static_cast<const UnaryExpr&>(e);
      const char* op = u.op == UnaryOp::kNot ? "not" : u.op == UnaryOp::kNegate ? "neg" : "pos";
      return std::string("(") + op + " " + Dump(*u.operand) + ")";
    }
    case ExprKind::kBinary: {
      const auto& b = static_cast<const BinaryExpr&>(e);
      return std::string("(") + BinaryOpSymbol(b.op) + " " + Dump(*b.left) + " " + Dump(*b.right) + ")";
    }
    case ExprKind::kCompare: {
      const auto& c = static_cast<const CompareExpr&>(e);
      static const char* kOps[] = {"==", "!=", "<", "<=", ">", ">=", "in", "notin"};
      std::string out = "(cmp " + Dump(*c.first);
      for (const auto& s : c.rest) out += std::string(" ") + kOps[static_cast<int>(s.op)] + " " + Dump(*s.operand);
      return out + ")";
    }
    case ExprKind::kCondition: {
      const auto& c = static_cast<const ConditionExpr&>(e);
      return "(if " + Dump(*c.condition) + " " + Dump(*c.then) + (c.otherwise ? " " + Dump(*c.otherwise) : "") + ")";
    }
    case ExprKind::kAttribute: {
      const auto& a = static_cast<const AttributeExpr&>(e);
      return "(attr " + Dump(*a.object) + " " + a.name + ")";
    }
    case ExprKind::kSubscript: {
      const auto& s = static_cast<const SubscriptExpr&>(e);
      return "(sub " + Dump(*s.object) + " " + Dump(*s.index) + ")";
    }
    case ExprKind::kCall: {
      const auto& c = static_cast<const CallExpr&>(e);
      return "(call " + Dump(*c.callee) + DumpArgs(c.args) + ")";
    }
    case ExprKind::kFilter: {
      const auto& f = static_cast<const FilterExpr&>(e);
      return "(filter " + f.name + " " + Dump(*f.operand) + DumpArgs(f.args) + ")";
    }
    case ExprKind::kTest: {
      const auto& t = static_cast<const TestExpr&>(e);
      return std::string("(test ") + (t.negated ? "not " : "") + t.name + " " + Dump(*t.operand) + DumpArgs(t.args) + ")";
    }
    case ExprKind::kTuple: {
      std::string out = "(tuple";
      for (const ExprPtr& i : static_cast<const TupleExpr&>(e).items) out += " " + Dump(*i);
      return out + ")";
    }
    case ExprKind::kSlice: {
      const auto& s = static_cast<const SliceExpr&>(e);
      auto part = [](const ExprPtr& p) { return p ? Dump(*p) : std::string("_"); };
      return "(slice " + Dump(*s.object) + " " + part(s.start) + " " + part(s.stop) + " " + part(s.step) + ")";
    }
  }
  return "?";
}

Result<std::shared_ptr<const Program>> ParseText(std::string_view text, TemplateParseOptions options = {}) {
  return Parse(text, SourceLocation{"t", 1, 1}, options);
}

std::string ParseExpr(std::string_view expression) {
  std::string text = "{{ " + std::string(expression) + " }}";
  Result<std::shared_ptr<const Program>> program = Parse(text, SourceLocation{"t", 1, 1}, {});
  if (!program.ok()) return "error: " + program.status().ToString();
  const Body& body = (*program)->body;
  if (body.size() != 1 || body[0]->kind != StmtKind::kOutput) return "not one output";
  return Dump(*static_cast<const OutputStmt&>(*body[0]).expr);
}

TEST(TemplateParserTest, Literals) {
  EXPECT_EQ(ParseExpr("1"), "1");
  EXPECT_EQ(ParseExpr("1.5"), "1.5");
  EXPECT_EQ(ParseExpr("'a' \"b\""), "'ab'");
  EXPECT_EQ(ParseExpr("true"), "True");
  EXPECT_EQ(ParseExpr("False"), "False");
  EXPECT_EQ(ParseExpr("none"), "None");
  EXPECT_EQ(ParseExpr("[1, 'a',]"), "(list 1 'a')");
  EXPECT_EQ(ParseExpr("{'k': v, 'j': [1]}"), "(dict 'k':v 'j':(list 1))");
}

TEST(TemplateParserTest, BooleanOperatorPrecedence) {
  EXPECT_EQ(ParseExpr("a or b and not c"), "(or a (and b (not c)))");
  EXPECT_EQ(ParseExpr("not a in b"), "(not (cmp a in b))");
  EXPECT_EQ(ParseExpr("a not in b"), "(cmp a notin b)");
}

TEST(TemplateParserTest, ArithmeticPrecedence) {
  EXPECT_EQ(ParseExpr("1 + 2 * 3 ** 2"), "(+ 1 (* 2 (** 3 2)))");
  EXPECT_EQ(ParseExpr("a ~ b + c"), "(+ (~ a b) c)");
  EXPECT_EQ(ParseExpr("a - b - c"), "(- (- a b) c)");
  EXPECT_EQ(ParseExpr("a // b % c / d"), "(/ (% (// a b) c) d)");
  EXPECT_EQ(ParseExpr("-a ** 2"), "(** (neg a) 2)");
  EXPECT_EQ(ParseExpr("(1 + 2) * 3"), "(* (+ 1 2) 3)");
}

TEST(TemplateParserTest, ChainedComparison) {
  EXPECT_EQ(ParseExpr("a < b <= c"), "(cmp a < b <= c)");
  EXPECT_EQ(ParseExpr("a == b != c"), "(cmp a == b != c)");
}

TEST(TemplateParserTest, ConditionalExpression) {
  EXPECT_EQ(ParseExpr("x if c else y"), "(if c x y)");
  EXPECT_EQ(ParseExpr("x if c"), "(if c x)");
  EXPECT_EQ(ParseExpr("a if b else c if d else e"), "(if b a (if d c e))");
}

TEST(TemplateParserTest, Postfix) {
  EXPECT_EQ(ParseExpr("a.b[0](1, k=2)"), "(call (sub (attr a b) 0) 1 k=2)");
  EXPECT_EQ(ParseExpr("xs.0"), "(sub xs 0)");
  EXPECT_EQ(ParseExpr("f()"), "(call f)");
}

TEST(TemplateParserTest, TuplesSlicesAndStarArguments) {
  EXPECT_EQ(ParseExpr("1, 2"), "(tuple 1 2)");
  EXPECT_EQ(ParseExpr("(1,)"), "(tuple 1)");
  EXPECT_EQ(ParseExpr("()"), "(tuple)");
  EXPECT_EQ(ParseExpr("(1)"), "1");
  EXPECT_EQ(ParseExpr("x[1:2]"), "(slice x 1 2 _)");
  EXPECT_EQ(ParseExpr("x[::-1]"), "(slice x _ _ (neg 1))");
  EXPECT_EQ(ParseExpr("x[:n + 1]"), "(slice x _ (+ n 1) _)");
  EXPECT_EQ(ParseExpr("d[1, 2]"), "(sub d (tuple 1 2))");
  EXPECT_EQ(ParseExpr("'a' if x else 'b', 3"), "(tuple (if x 'a' 'b') 3)");
  auto program = ParseText("{{ f(1, *xs, k=2, **m) }}");
  ASSERT_TRUE(program.ok()) << program.status().ToString();
  const auto& call = static_cast<const CallExpr&>(*static_cast<const OutputStmt&>(*(*program)->body[0]).expr);
  EXPECT_EQ(call.args.positional.size(), 1u);
  EXPECT_EQ(call.args.keyword.size(), 1u);
  ASSERT_NE(call.args.star_args, nullptr);
  ASSERT_NE(call.args.star_kwargs, nullptr);
  EXPECT_EQ(Dump(*call.args.star_args), "xs");
  EXPECT_FALSE(ParseText("{{ f(**m, 1) }}").ok());
  EXPECT_FALSE(ParseText("{{ x[1:2, 3] }}").ok());
}

TEST(TemplateParserTest, MacrosRecordWhatTheirBodiesRead) {
  auto program = ParseText("{% macro m(a, b=1) %}{{ varargs }}{% for x in [1] %}{{ caller() }}{% endfor %}{% endmacro %}"
                           "{% macro n() %}{{ kwargs }}{% endmacro %}");
  ASSERT_TRUE(program.ok()) << program.status().ToString();
  const MacroDef& m = static_cast<const MacroStmt&>(*(*program)->body[0]).def;
  EXPECT_EQ(m.params, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(m.defaults[0], nullptr);
  EXPECT_NE(m.defaults[1], nullptr);
  EXPECT_TRUE(m.uses_varargs);
  EXPECT_TRUE(m.uses_caller);
  EXPECT_FALSE(m.uses_kwargs);
  const MacroDef& n = static_cast<const MacroStmt&>(*(*program)->body[1]).def;
  EXPECT_TRUE(n.uses_kwargs);
  EXPECT_FALSE(n.uses_caller);
}

TEST(TemplateParserTest, LoopsKnowWhetherTheyReadLoop) {
  auto program = ParseText("{% for x in xs %}{{ x }}{% endfor %}{% for x in xs %}{{ loop.index }}{% endfor %}"
                           "{% for x in xs %}{% include 'row' %}{% endfor %}");
  ASSERT_TRUE(program.ok()) << program.status().ToString();
  EXPECT_FALSE(static_cast<const ForStmt&>(*(*program)->body[0]).uses_loop);
  EXPECT_TRUE(static_cast<const ForStmt&>(*(*program)->body[1]).uses_loop);
  EXPECT_TRUE(static_cast<const ForStmt&>(*(*program)->body[2]).uses_loop);
}

TEST(TemplateParserTest, FiltersBindTighterThanOperators) {
  EXPECT_EQ(ParseExpr("x | upper"), "(filter upper x)");
  EXPECT_EQ(ParseExpr("x | default('y') | replace('a', 'b')"), "(filter replace (filter default x 'y') 'a' 'b')");
  EXPECT_EQ(ParseExpr("-x | abs"), "(filter abs (neg x))");
  EXPECT_EQ(ParseExpr("a + b | string"), "(+ a (filter string b))");
  EXPECT_EQ(ParseExpr("xs | join(d=',')"), "(filter join xs d=',')");
}

TEST(TemplateParserTest, Tests) {
  EXPECT_EQ(ParseExpr("x is defined"), "(test defined x)");
  EXPECT_EQ(ParseExpr("x is not none"), "(test not none x)");
  EXPECT_EQ(ParseExpr("x is divisibleby 3"), "(test divisibleby x 3)");
  EXPECT_EQ(ParseExpr("x is divisibleby(3)"), "(test divisibleby x 3)");
  EXPECT_EQ(ParseExpr("x is odd or y"), "(or (test odd x) y)");
  EXPECT_EQ(ParseExpr("1 if x is defined else 2"), "(if (test defined x) 1 2)");
}


TEST(TemplateParserTest, Statements) {
  auto program = ParseText("a{% if x %}b{% elif y %}c{% else %}d{% endif %}{% for k, v in m if v %}{% else %}{% endfor %}"
                           "{% set z = 1 %}{% set w %}body{% endset %}");
  ASSERT_TRUE(program.ok()) << program.status().ToString();
  const Body& body = (*program)->body;
  ASSERT_EQ(body.size(), 5u);
  EXPECT_EQ(body[0]->kind, StmtKind::kText);
  const auto& if_stmt = static_cast<const IfStmt&>(*body[1]);
  EXPECT_EQ(if_stmt.branches.size(), 2u);
  EXPECT_EQ(if_stmt.otherwise.size(), 1u);
  const auto& for_stmt = static_cast<const ForStmt&>(*body[2]);
  ASSERT_EQ(for_stmt.target.kind, Target::Kind::kTuple);
  ASSERT_EQ(for_stmt.target.items.size(), 2u);
  EXPECT_EQ(for_stmt.target.items[0].name, "k");
  EXPECT_EQ(for_stmt.target.items[1].name, "v");
  EXPECT_NE(for_stmt.condition, nullptr);
  const auto& set_stmt = static_cast<const SetStmt&>(*body[3]);
  EXPECT_EQ(set_stmt.target.name, "z");
  const auto& block_set = static_cast<const SetStmt&>(*body[4]);
  EXPECT_EQ(block_set.value, nullptr);
  EXPECT_EQ(block_set.body.size(), 1u);
}

TEST(TemplateParserTest, NodesRecordTheirPosition) {
  auto program = ParseText("ab\n  {{ x.y | upper }}");
  ASSERT_TRUE(program.ok());
  const auto& out = static_cast<const OutputStmt&>(*(*program)->body[1]);
  const auto& filter = static_cast<const FilterExpr&>(*out.expr);
  EXPECT_EQ(filter.pos.line, 2);
  EXPECT_EQ(filter.pos.column, 12);
  const auto& attr = static_cast<const AttributeExpr&>(*filter.operand);
  EXPECT_EQ(attr.pos.column, 8);
  EXPECT_EQ(attr.object->pos.column, 6);
}

TEST(TemplateParserTest, NestingIsLimited) {
  std::string ok_parens = std::string(30, '(') + "1" + std::string(30, ')');
  EXPECT_TRUE(ParseText("{{ " + ok_parens + " }}").ok());
  for (std::string deep : {std::string(150, '(') + "1" + std::string(150, ')'),  // recursion
                           std::string(150, '[') + std::string(150, ']'),
                           "1" + [] { std::string s; for (int i = 0; i < 150; ++i) s += "+1"; return s; }(),  // a long chain
                           std::string(150, '-') + "1",
                           "f" + [] { std::string s; for (int i = 0; i < 150; ++i) s += "(1)"; return s; }()}) {
    auto program = ParseText("{{ " + deep + " }}");
    ASSERT_FALSE(program.ok()) << deep.substr(0, 20);
    EXPECT_EQ(program.status().code(), "template-limit") << program.status().ToString();
  }
  std::string deep_blocks;
  for (int i = 0; i < 150; ++i) deep_blocks += "{% if x %}";
  auto blocks = ParseText(deep_blocks);
  ASSERT_FALSE(blocks.ok());
  EXPECT_EQ(blocks.status().code(), "template-limit");
}

}  // namespace
}  // namespace weir::template_internal
