// ReferencedNames: the free names of a template, for validating a pipeline
// before anything runs.
#include <set>

#include "template/internal/ast.h"
#include "template/internal/filters.h"
#include "template/template.h"

namespace weir {
namespace template_internal {
namespace {

class NameCollector {
 public:
  std::vector<std::string> Collect(const Body& body) {
    bound_.emplace_back();
    VisitBody(body);
    return std::move(names_);
  }

 private:
  void VisitBody(const Body& body) {
    for (const StmtPtr& stmt : body) VisitStmt(*stmt);
  }

  void VisitStmt(const Stmt& stmt) {
    switch (stmt.kind) {
      case StmtKind::kText: return;
      case StmtKind::kOutput: return VisitExpr(*static_cast<const OutputStmt&>(stmt).expr);
      case StmtKind::kIf: {
        const auto& s = static_cast<const IfStmt&>(stmt);
        for (const auto& [condition, body] : s.branches) {
          VisitExpr(*condition);
          VisitBody(body);
        }
        return VisitBody(s.otherwise);
      }
      case StmtKind::kFor: {
        const auto& s = static_cast<const ForStmt&>(stmt);
        VisitExpr(*s.iterable);
        bound_.emplace_back(s.targets.begin(), s.targets.end());
        bound_.back().insert("loop");
        if (s.condition) VisitExpr(*s.condition);
        VisitBody(s.body);
        bound_.pop_back();
        return VisitBody(s.otherwise);
      }
      case StmtKind::kSet: {
        const auto& s = static_cast<const SetStmt&>(stmt);
        if (s.value) VisitExpr(*s.value);
        VisitBody(s.body);
        bound_.back().insert(s.name);
        return;
      }
    }
  }

  void VisitArgs(const Arguments& args) {
    for (const ExprPtr& arg : args.positional) VisitExpr(*arg);
    for (const auto& [name, arg] : args.keyword) VisitExpr(*arg);
  }

  // A bare name under `default` or `is defined` may be missing: not reported.
  void VisitMaybeMissing(const Expr& operand) {
    if (operand.kind != ExprKind::kName) VisitExpr(operand);
  }

  void VisitExpr(const Expr& expr) {
    switch (expr.kind) {
      case ExprKind::kLiteral: return;
      case ExprKind::kName: return AddName(static_cast<const NameExpr&>(expr).name);
      case ExprKind::kList:
        for (const ExprPtr& item : static_cast<const ListExpr&>(expr).items) VisitExpr(*item);
        return;
      case ExprKind::kDict:
        for (const auto& [key, value] : static_cast<const DictExpr&>(expr).entries) {
          VisitExpr(*key);
          VisitExpr(*value);
        }
        return;
      case ExprKind::kUnary: return VisitExpr(*static_cast<const UnaryExpr&>(expr).operand);
      case ExprKind::kBinary:
        VisitExpr(*static_cast<const BinaryExpr&>(expr).left);
        return VisitExpr(*static_cast<const BinaryExpr&>(expr).right);
      case ExprKind::kCompare: {
        const auto& e = static_cast<const CompareExpr&>(expr);
        VisitExpr(*e.first);
        for (const auto& step : e.rest) VisitExpr(*step.operand);
        return;
      }
      case ExprKind::kCondition: {
        const auto& e = static_cast<const ConditionExpr&>(expr);
        VisitExpr(*e.then);
        VisitExpr(*e.condition);
        if (e.otherwise) VisitExpr(*e.otherwise);
        return;
      }
      case ExprKind::kAttribute: return VisitExpr(*static_cast<const AttributeExpr&>(expr).object);
      case ExprKind::kSubscript:
        VisitExpr(*static_cast<const SubscriptExpr&>(expr).object);
        return VisitExpr(*static_cast<const SubscriptExpr&>(expr).index);
      case ExprKind::kCall:
        VisitExpr(*static_cast<const CallExpr&>(expr).callee);
        return VisitArgs(static_cast<const CallExpr&>(expr).args);
      case ExprKind::kFilter: {
        const auto& e = static_cast<const FilterExpr&>(expr);
        if (IsDefaultFilter(e.name)) VisitMaybeMissing(*e.operand);
        else VisitExpr(*e.operand);
        return VisitArgs(e.args);
      }
      case ExprKind::kTest: {
        const auto& e = static_cast<const TestExpr&>(expr);
        if (e.name == "defined" || e.name == "undefined") VisitMaybeMissing(*e.operand);
        else VisitExpr(*e.operand);
        return VisitArgs(e.args);
      }
    }
  }

  void AddName(const std::string& name) {
    for (const auto& scope : bound_) {
      if (scope.count(name) > 0) return;
    }
    if (FindBuiltin(name) != nullptr || !seen_.insert(name).second) return;
    names_.push_back(name);
  }

  std::vector<std::set<std::string>> bound_;
  std::set<std::string> seen_;
  std::vector<std::string> names_;
};

}  // namespace
}  // namespace template_internal

std::vector<std::string> ReferencedNames(const Template& tmpl) {
  return template_internal::NameCollector().Collect(tmpl.program_->body);
}

}  // namespace weir
