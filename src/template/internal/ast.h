// The syntax tree of a template: statements (text, output, if, for, set,
// macro, call, ...) holding expressions. Every node records where it starts in the template
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
  kCondition, kAttribute, kSubscript, kCall, kFilter, kTest, kTuple, kSlice,
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

// `(a, b)`, `a, b` where Jinja allows a bare tuple, `(a,)` and `()`.
struct TupleExpr : Expr {
  explicit TupleExpr(Position p) : Expr(ExprKind::kTuple, p) {}
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

// `object[start:stop:step]`; absent parts are null. pos is the '['.
struct SliceExpr : Expr {
  SliceExpr(Position p, ExprPtr o) : Expr(ExprKind::kSlice, p), object(std::move(o)) {}
  ExprPtr object, start, stop, step;
};

struct Arguments {
  std::vector<ExprPtr> positional;
  std::vector<std::pair<std::string, ExprPtr>> keyword;
  ExprPtr star_args;    // `*xs`: more positional arguments; may be null
  ExprPtr star_kwargs;  // `**m`: more keyword arguments; may be null
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

enum class StmtKind {
  kText, kOutput, kIf, kFor, kSet, kMacro, kCallBlock, kDo, kFilterBlock, kWith,
  kImport, kFromImport, kInclude, kLoopControl, kDbtBlock,
};

struct Stmt {
  Stmt(StmtKind k, Position p) : kind(k), pos(p) {}
  virtual ~Stmt() = default;
  StmtKind kind;
  Position pos;
};
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

// What `set`, `for` and `with` assign to: a name, a namespace attribute
// (`ns.total`, set only) or a tuple of targets (`k, (a, b)`).
struct Target {
  enum class Kind { kName, kAttribute, kTuple };
  Kind kind = Kind::kName;
  std::string name;       // the name, or the namespace's for kAttribute
  std::string attribute;  // kAttribute
  std::vector<Target> items;  // kTuple
  Position pos;
};

// `| name(args)` applied to a block's text (filter blocks, `set x | f`).
struct BlockFilter {
  std::string name;
  Arguments args;
  Position pos;
};

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

// `{% for target in iterable [if condition] %}body{% else %}otherwise{% endfor %}`
struct ForStmt : Stmt {
  explicit ForStmt(Position p) : Stmt(StmtKind::kFor, p) {}
  Target target;
  ExprPtr iterable;
  ExprPtr condition;  // may be null
  Body body;
  Body otherwise;
  // Whether the body may read `loop` (it names it, or includes a template
  // that may): without it, iterations need no loop object.
  bool uses_loop = true;
};

// `{% set target = value %}` or `{% set name [| filters] %}body{% endset %}`.
struct SetStmt : Stmt {
  explicit SetStmt(Position p) : Stmt(StmtKind::kSet, p) {}
  Target target;
  ExprPtr value;  // null for the block form
  Body body;
  std::vector<BlockFilter> filters;  // block form only
};

// A macro's signature and body; also the body of a call block (`caller`)
// and of dbt's test and materialization blocks.
struct MacroDef {
  std::string name;
  Position pos;
  std::vector<std::string> params;
  std::vector<ExprPtr> defaults;  // one per parameter; null when it has none
  Body body;
  // Whether the body reads these names, which makes the macro accept a
  // caller, extra positional or extra keyword arguments (Jinja's rule).
  bool uses_caller = false;
  bool uses_varargs = false;
  bool uses_kwargs = false;
};

struct MacroStmt : Stmt {
  explicit MacroStmt(Position p) : Stmt(StmtKind::kMacro, p) {}
  MacroDef def;
};

// `{% call[(params)] callee(args) %}body{% endcall %}`: calls `call` with
// the body as the `caller` macro.
struct CallBlockStmt : Stmt {
  explicit CallBlockStmt(Position p) : Stmt(StmtKind::kCallBlock, p) {}
  MacroDef caller;
  ExprPtr call;  // a CallExpr
};

struct DoStmt : Stmt {
  DoStmt(Position p, ExprPtr e) : Stmt(StmtKind::kDo, p), expr(std::move(e)) {}
  ExprPtr expr;
};

struct FilterBlockStmt : Stmt {
  explicit FilterBlockStmt(Position p) : Stmt(StmtKind::kFilterBlock, p) {}
  std::vector<BlockFilter> filters;
  Body body;
};

// `{% with a = 1, b = 2 %}body{% endwith %}`: values are evaluated first,
// then bound in a new scope.
struct WithStmt : Stmt {
  explicit WithStmt(Position p) : Stmt(StmtKind::kWith, p) {}
  std::vector<std::pair<Target, ExprPtr>> assignments;
  Body body;
};

// `{% import name as alias [with|without context] %}`.
struct ImportStmt : Stmt {
  explicit ImportStmt(Position p) : Stmt(StmtKind::kImport, p) {}
  ExprPtr template_name;
  std::string alias;
  bool with_context = false;
};

// `{% from name import a, b as c [with|without context] %}`.
struct FromImportStmt : Stmt {
  explicit FromImportStmt(Position p) : Stmt(StmtKind::kFromImport, p) {}
  struct Imported {
    std::string name;
    std::string alias;
    Position pos;
  };
  ExprPtr template_name;
  std::vector<Imported> names;
  bool with_context = false;
};

// `{% include name [ignore missing] [with|without context] %}`.
struct IncludeStmt : Stmt {
  explicit IncludeStmt(Position p) : Stmt(StmtKind::kInclude, p) {}
  ExprPtr template_name;  // a string, or a list of names to try in order
  bool ignore_missing = false;
  bool with_context = true;
};

// `{% break %}` or `{% continue %}` (Jinja's loopcontrols extension).
struct LoopControlStmt : Stmt {
  LoopControlStmt(Position p, bool b) : Stmt(StmtKind::kLoopControl, p), is_break(b) {}
  bool is_break;
};

// dbt's block tags, parsed when TemplateParseOptions::dbt_blocks is set.
enum class DbtBlockKind { kDocs, kMaterialization, kSnapshot, kTest };

// `{% test name(args) %}`, `{% materialization name, adapter='x' %}`,
// `{% snapshot name %}` and `{% docs name %}`: no output. Test and
// materialization bodies are macros (test_NAME, materialization_NAME_ADAPTER)
// that rendering defines, as `{% macro %}` does.
struct DbtBlockStmt : Stmt {
  DbtBlockStmt(Position p, DbtBlockKind k) : Stmt(StmtKind::kDbtBlock, p), block(k) {}
  DbtBlockKind block;
  std::string name;
  std::vector<std::pair<std::string, std::string>> arguments;  // adapter='duckdb'
  std::string text;  // the body's source text
  MacroDef def;      // its body as a macro; docs bodies are text only
};

// A parsed template: the syntax tree plus where its text starts.
struct Program {
  SourceLocation origin;
  Body body;
  std::vector<const DbtBlockStmt*> dbt_blocks;  // into body, in order
};

// The origin advanced to a position inside the template text.
SourceLocation LocationOf(const SourceLocation& origin, Position pos);

}  // namespace weir::template_internal
