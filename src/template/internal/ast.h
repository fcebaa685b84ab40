// The syntax tree of a template: statements (text, output, if, for, set)
// holding expressions. Every node records where it starts in the template
// text so that errors point at it. Built by the parser, read by the
// evaluator and by ReferencedNames; immutable after parsing.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "template/value.h"

namespace weir::template_internal {

// 1-based line and column (in code points) inside the template text.
struct Position {
  int line = 1;
  int column = 1;
};

// Deeper trees are refused by the parser, so that evaluating, printing and
// destroying a tree never recurses more than this (fuzzers, hostile input).
inline constexpr int kMaxNesting = 100;

enum class ExprKind {
  kLiteral, kName, kList, kDict, kUnary, kBinary, kCompare,
  kCondition, kAttribute, kSubscript, kCall, kFilter, kTest,
};

struct Expr {
  Expr(ExprKind k, Position p) : kind(k), pos(p) {}
  virtual ~Expr() = default;
  ExprKind kind;
  Position pos;
  int depth = 1;  // 1 + the depth of the deepest child
};
using ExprPtr = std::unique_ptr<Expr>;

struct LiteralExpr : Expr {
  LiteralExpr(Position p, TemplateValue v) : Expr(ExprKind::kLiteral, p), value(std::move(v)) {}
  TemplateValue value;
};

struct NameExpr : Expr {
  NameExpr(Position p, std::string n) : Expr(ExprKind::kName, p), name(std::move(n)) {}
  std::string name;
};

struct ListExpr : Expr {
  explicit ListExpr(Position p) : Expr(ExprKind::kList, p) {}
  std::vector<ExprPtr> items;
};

struct DictExpr : Expr {
  explicit DictExpr(Position p) : Expr(ExprKind::kDict, p) {}
  std::vector<std::pair<ExprPtr, ExprPtr>> entries;
};

enum class UnaryOp { kNegate, kPlus, kNot };

struct UnaryExpr : Expr {
  UnaryExpr(Position p, UnaryOp o, ExprPtr e) : Expr(ExprKind::kUnary, p), op(o), operand(std::move(e)) {}
  UnaryOp op;
  ExprPtr operand;
};

enum class BinaryOp { kAdd, kSub, kMul, kDiv, kFloorDiv, kMod, kPow, kConcat, kAnd, kOr };

struct BinaryExpr : Expr {
  BinaryExpr(Position p, BinaryOp o, ExprPtr l, ExprPtr r)
      : Expr(ExprKind::kBinary, p), op(o), left(std::move(l)), right(std::move(r)) {}
  BinaryOp op;  // pos is the operator's
  ExprPtr left;
  ExprPtr right;
};

enum class CompareOp { kEq, kNe, kLt, kLe, kGt, kGe, kIn, kNotIn };

// `a < b <= c` means `a < b and b <= c`, as in Python.
struct CompareExpr : Expr {
  struct Step {
    CompareOp op;
    Position pos;  // the operator's
    ExprPtr operand;
  };
  CompareExpr(Position p, ExprPtr f) : Expr(ExprKind::kCompare, p), first(std::move(f)) {}
  ExprPtr first;
  std::vector<Step> rest;
};

// `then if condition else otherwise`; `otherwise` may be absent.
struct ConditionExpr : Expr {
  ConditionExpr(Position p) : Expr(ExprKind::kCondition, p) {}
  ExprPtr then, condition, otherwise;
};

struct AttributeExpr : Expr {
  AttributeExpr(Position p, ExprPtr o, std::string n)
      : Expr(ExprKind::kAttribute, p), object(std::move(o)), name(std::move(n)) {}
  ExprPtr object;
  std::string name;  // pos is the name's
};

struct SubscriptExpr : Expr {
  SubscriptExpr(Position p, ExprPtr o, ExprPtr i)
      : Expr(ExprKind::kSubscript, p), object(std::move(o)), index(std::move(i)) {}
  ExprPtr object;
  ExprPtr index;  // pos is the '['
};

struct Arguments {
  std::vector<ExprPtr> positional;
  std::vector<std::pair<std::string, ExprPtr>> keyword;
};

struct CallExpr : Expr {
  CallExpr(Position p, ExprPtr c) : Expr(ExprKind::kCall, p), callee(std::move(c)) {}
  ExprPtr callee;
  Arguments args;  // pos is the '('
};

// `operand | name(args)`; pos is the filter name's.
struct FilterExpr : Expr {
  FilterExpr(Position p, ExprPtr o, std::string n) : Expr(ExprKind::kFilter, p), operand(std::move(o)), name(std::move(n)) {}
  ExprPtr operand;
  std::string name;
  Arguments args;
};

// `operand is [not] name(args)`; pos is the test name's.
struct TestExpr : Expr {
  TestExpr(Position p, ExprPtr o, std::string n) : Expr(ExprKind::kTest, p), operand(std::move(o)), name(std::move(n)) {}
  ExprPtr operand;
  std::string name;
  bool negated = false;
  Arguments args;
};

enum class StmtKind { kText, kOutput, kIf, kFor, kSet };

struct Stmt {
  Stmt(StmtKind k, Position p) : kind(k), pos(p) {}
  virtual ~Stmt() = default;
  StmtKind kind;
  Position pos;
};
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

struct TextStmt : Stmt {
  TextStmt(Position p, std::string t) : Stmt(StmtKind::kText, p), text(std::move(t)) {}
  std::string text;
};

struct OutputStmt : Stmt {
  OutputStmt(Position p, ExprPtr e) : Stmt(StmtKind::kOutput, p), expr(std::move(e)) {}
  ExprPtr expr;
};

struct IfStmt : Stmt {
  explicit IfStmt(Position p) : Stmt(StmtKind::kIf, p) {}
  std::vector<std::pair<ExprPtr, Body>> branches;  // if, then each elif
  Body otherwise;
};

// `{% for a[, b] in iterable [if condition] %}body{% else %}otherwise{% endfor %}`
struct ForStmt : Stmt {
  explicit ForStmt(Position p) : Stmt(StmtKind::kFor, p) {}
  std::vector<std::string> targets;
  Position targets_pos;
  ExprPtr iterable;
  ExprPtr condition;  // may be null
  Body body;
  Body otherwise;
};

// `{% set name = value %}` or `{% set name %}body{% endset %}`.
struct SetStmt : Stmt {
  explicit SetStmt(Position p) : Stmt(StmtKind::kSet, p) {}
  std::string name;
  ExprPtr value;  // null for the block form
  Body body;
};

// A parsed template: the syntax tree plus where its text starts.
struct Program {
  SourceLocation origin;
  Body body;
};

// The origin advanced to a position inside the template text.
SourceLocation LocationOf(const SourceLocation& origin, Position pos);

}  // namespace weir::template_internal
