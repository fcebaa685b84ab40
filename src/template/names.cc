// ReferencedNames: the free names of a template, for validating a pipeline
// before anything runs; and BodyReadsName, for the parser's macros.
#include <set>

#include "template/internal/ast.h"
#include "template/internal/filters.h"
#include "template/internal/parser.h"
#include "template/template.h"

namespace weir {
namespace template_internal {
namespace {

// Calls `on_expr` for each expression and `on_body` for each body directly
// inside `stmt` (not inside its sub-bodies).
template <typename OnExpr, typename OnBody>
void ForEachPart(const Stmt& stmt, OnExpr on_expr, OnBody on_body) {
  auto args = [&](const Arguments& a) {
    for (const ExprPtr& arg : a.positional) on_expr(*arg);
    for (const auto& [name, arg] : a.keyword) on_expr(*arg);
    if (a.star_args) on_expr(*a.star_args);
    if (a.star_kwargs) on_expr(*a.star_kwargs);
  };
  auto macro = [&](const MacroDef& def) {
    for (const ExprPtr& fallback : def.defaults) {
      if (fallback) on_expr(*fallback);
    }
    on_body(def.body);
  };
  switch (stmt.kind) {
    case StmtKind::kText: case StmtKind::kLoopControl: return;
    case StmtKind::kOutput: return on_expr(*static_cast<const OutputStmt&>(stmt).expr);
    case StmtKind::kDo: return on_expr(*static_cast<const DoStmt&>(stmt).expr);
    case StmtKind::kIf:
      for (const auto& [condition, body] : static_cast<const IfStmt&>(stmt).branches) {
        on_expr(*condition);
        on_body(body);
      }
      return on_body(static_cast<const IfStmt&>(stmt).otherwise);
    case StmtKind::kFor: {
      const auto& s = static_cast<const ForStmt&>(stmt);
      on_expr(*s.iterable);
      if (s.condition) on_expr(*s.condition);
      on_body(s.body);
      return on_body(s.otherwise);
    }
    case StmtKind::kSet: {
      const auto& s = static_cast<const SetStmt&>(stmt);
      if (s.value) on_expr(*s.value);
      for (const BlockFilter& filter : s.filters) args(filter.args);
      return on_body(s.body);
    }
    case StmtKind::kMacro: return macro(static_cast<const MacroStmt&>(stmt).def);
    case StmtKind::kDbtBlock: return macro(static_cast<const DbtBlockStmt&>(stmt).def);
    case StmtKind::kCallBlock:
      on_expr(*static_cast<const CallBlockStmt&>(stmt).call);
      return macro(static_cast<const CallBlockStmt&>(stmt).caller);
    case StmtKind::kFilterBlock:
      for (const BlockFilter& filter : static_cast<const FilterBlockStmt&>(stmt).filters) args(filter.args);
      return on_body(static_cast<const FilterBlockStmt&>(stmt).body);
    case StmtKind::kWith:
      for (const auto& [target, value] : static_cast<const WithStmt&>(stmt).assignments) on_expr(*value);
      return on_body(static_cast<const WithStmt&>(stmt).body);
    case StmtKind::kImport: return on_expr(*static_cast<const ImportStmt&>(stmt).template_name);
    case StmtKind::kFromImport: return on_expr(*static_cast<const FromImportStmt&>(stmt).template_name);
    case StmtKind::kInclude: return on_expr(*static_cast<const IncludeStmt&>(stmt).template_name);
  }
}

// Calls `f` for each expression directly inside `expr`.
template <typename F>
void ForEachChild(const Expr& expr, F f) {
  auto args = [&](const Arguments& a) {
    for (const ExprPtr& arg : a.positional) f(*arg);
    for (const auto& [name, arg] : a.keyword) f(*arg);
    if (a.star_args) f(*a.star_args);
    if (a.star_kwargs) f(*a.star_kwargs);
  };
  switch (expr.kind) {
    case ExprKind::kLiteral: case ExprKind::kName: return;
    case ExprKind::kList:
      for (const ExprPtr& item : static_cast<const ListExpr&>(expr).items) f(*item);
      return;
    case ExprKind::kTuple:
      for (const ExprPtr& item : static_cast<const TupleExpr&>(expr).items) f(*item);
      return;
    case ExprKind::kDict:
      for (const auto& [key, value] : static_cast<const DictExpr&>(expr).entries) {
        f(*key);
        f(*value);
      }
      return;
    case ExprKind::kUnary: return f(*static_cast<const UnaryExpr&>(expr).operand);
    case ExprKind::kBinary:
      f(*static_cast<const BinaryExpr&>(expr).left);
      return f(*static_cast<const BinaryExpr&>(expr).right);
    case ExprKind::kCompare:
      f(*static_cast<const CompareExpr&>(expr).first);
      for (const auto& step : static_cast<const CompareExpr&>(expr).rest) f(*step.operand);
      return;
    case ExprKind::kCondition: {
      const auto& e = static_cast<const ConditionExpr&>(expr);
      f(*e.then);
      f(*e.condition);
      if (e.otherwise) f(*e.otherwise);
      return;
    }
    case ExprKind::kAttribute: return f(*static_cast<const AttributeExpr&>(expr).object);
    case ExprKind::kSubscript:
      f(*static_cast<const SubscriptExpr&>(expr).object);
      return f(*static_cast<const SubscriptExpr&>(expr).index);
    case ExprKind::kSlice: {
      const auto& e = static_cast<const SliceExpr&>(expr);
      for (const ExprPtr* part : {&e.object, &e.start, &e.stop, &e.step}) {
        if (*part) f(**part);
      }
      return;
    }
    case ExprKind::kCall:
      f(*static_cast<const CallExpr&>(expr).callee);
      return args(static_cast<const CallExpr&>(expr).args);
    case ExprKind::kFilter:
      f(*static_cast<const FilterExpr&>(expr).operand);
      return args(static_cast<const FilterExpr&>(expr).args);
    case ExprKind::kTest:
      f(*static_cast<const TestExpr&>(expr).operand);
      return args(static_cast<const TestExpr&>(expr).args);
  }
}

bool ExprReadsName(const Expr& expr, std::string_view name) {
  if (expr.kind == ExprKind::kName) return static_cast<const NameExpr&>(expr).name == name;
  bool found = false;
  ForEachChild(expr, [&](const Expr& child) { found = found || ExprReadsName(child, name); });
  return found;
}

void AddTargetNames(const Target& target, std::set<std::string>& names) {
  if (target.kind == Target::Kind::kName) names.insert(target.name);
  for (const Target& item : target.items) AddTargetNames(item, names);
}

// The names a body binds at its own level (set, macro, import; not inside
// loops, which have their own scope): a macro body may read them whenever
// it is called.
void AddBoundNames(const Body& body, std::set<std::string>& names) {
  for (const StmtPtr& stmt : body) {
    switch (stmt->kind) {
      case StmtKind::kSet: AddTargetNames(static_cast<const SetStmt&>(*stmt).target, names); break;
      case StmtKind::kMacro: names.insert(static_cast<const MacroStmt&>(*stmt).def.name); break;
      case StmtKind::kDbtBlock: names.insert(static_cast<const DbtBlockStmt&>(*stmt).def.name); break;
      case StmtKind::kImport: names.insert(static_cast<const ImportStmt&>(*stmt).alias); break;
      case StmtKind::kFromImport:
        for (const auto& imported : static_cast<const FromImportStmt&>(*stmt).names) names.insert(imported.alias);
        break;
      case StmtKind::kIf:
        for (const auto& [condition, branch] : static_cast<const IfStmt&>(*stmt).branches) AddBoundNames(branch, names);
        AddBoundNames(static_cast<const IfStmt&>(*stmt).otherwise, names);
        break;
      default: break;
    }
  }
}

class NameCollector {
 public:
  std::vector<std::string> Collect(const Body& body) {
    bound_.emplace_back();
    AddBoundNames(body, top_level_);
    VisitBody(body);
    return std::move(names_);
  }

 private:
  void VisitBody(const Body& body) {
    for (const StmtPtr& stmt : body) VisitStmt(*stmt);
  }

  // A body with its own scope.
  void VisitScoped(const Body& body, std::set<std::string> names = {}) {
    bound_.push_back(std::move(names));
    VisitBody(body);
    bound_.pop_back();
  }

  void VisitStmt(const Stmt& stmt) {
    switch (stmt.kind) {
      case StmtKind::kFor: {
        const auto& s = static_cast<const ForStmt&>(stmt);
        VisitExpr(*s.iterable);
        std::set<std::string> names = {"loop"};
        AddTargetNames(s.target, names);
        bound_.push_back(std::move(names));
        if (s.condition) VisitExpr(*s.condition);
        VisitBody(s.body);
        bound_.pop_back();
        return VisitBody(s.otherwise);
      }
      case StmtKind::kSet: {
        const auto& s = static_cast<const SetStmt&>(stmt);
        if (s.value) VisitExpr(*s.value);
        for (const BlockFilter& filter : s.filters) VisitArgs(filter.args);
        if (!s.value) VisitScoped(s.body);
        if (s.target.kind == Target::Kind::kAttribute) AddName(s.target.name);  // reads the namespace
        AddTargetNames(s.target, bound_.back());
        return;
      }
      case StmtKind::kMacro: {
        const MacroDef& def = static_cast<const MacroStmt&>(stmt).def;
        bound_.back().insert(def.name);
        return VisitMacro(def);
      }
      case StmtKind::kDbtBlock: {
        const auto& block = static_cast<const DbtBlockStmt&>(stmt);
        if (block.block == DbtBlockKind::kDocs) return;
        if (block.block != DbtBlockKind::kSnapshot) bound_.back().insert(block.def.name);
        return VisitMacro(block.def);
      }
      case StmtKind::kCallBlock: {
        const auto& s = static_cast<const CallBlockStmt&>(stmt);
        VisitExpr(*s.call);
        return VisitMacro(s.caller);
      }
      case StmtKind::kFilterBlock: {
        const auto& s = static_cast<const FilterBlockStmt&>(stmt);
        for (const BlockFilter& filter : s.filters) VisitArgs(filter.args);
        return VisitScoped(s.body);
      }
      case StmtKind::kWith: {
        const auto& s = static_cast<const WithStmt&>(stmt);
        std::set<std::string> names;
        for (const auto& [target, value] : s.assignments) {
          VisitExpr(*value);
          AddTargetNames(target, names);
        }
        return VisitScoped(s.body, std::move(names));
      }
      case StmtKind::kImport: {
        const auto& s = static_cast<const ImportStmt&>(stmt);
        VisitExpr(*s.template_name);
        bound_.back().insert(s.alias);
        return;
      }
      case StmtKind::kFromImport: {
        const auto& s = static_cast<const FromImportStmt&>(stmt);
        VisitExpr(*s.template_name);
        for (const auto& imported : s.names) bound_.back().insert(imported.alias);
        return;
      }
      default:
        ForEachPart(stmt, [this](const Expr& e) { VisitExpr(e); }, [this](const Body& b) { VisitBody(b); });
    }
  }

  // A macro body reads its parameters, and the names bound at the top level
  // whenever it is called; `return(...)` there is dbt's builtin.
  void VisitMacro(const MacroDef& def) {
    std::set<std::string> names = top_level_;
    names.insert({"varargs", "kwargs", "caller"});
    bound_.push_back(std::move(names));
    for (size_t i = 0; i < def.params.size(); ++i) {
      if (def.defaults[i]) VisitExpr(*def.defaults[i]);
      bound_.back().insert(def.params[i]);
    }
    ++macro_depth_;
    VisitBody(def.body);
    --macro_depth_;
    bound_.pop_back();
  }

  void VisitArgs(const Arguments& args) {
    for (const ExprPtr& arg : args.positional) VisitExpr(*arg);
    for (const auto& [name, arg] : args.keyword) VisitExpr(*arg);
    if (args.star_args) VisitExpr(*args.star_args);
    if (args.star_kwargs) VisitExpr(*args.star_kwargs);
  }

  void VisitExpr(const Expr& expr) {
    switch (expr.kind) {
      case ExprKind::kName: return AddName(static_cast<const NameExpr&>(expr).name);
      case ExprKind::kCall: {
        const auto& call = static_cast<const CallExpr&>(expr);
        bool dbt_return = macro_depth_ > 0 && call.callee->kind == ExprKind::kName &&
                          static_cast<const NameExpr&>(*call.callee).name == "return";
        if (!dbt_return) VisitExpr(*call.callee);
        return VisitArgs(call.args);
      }
      case ExprKind::kFilter: {
        // A bare name under `default` or `is defined` may be missing: not reported.
        const auto& e = static_cast<const FilterExpr&>(expr);
        if (!IsDefaultFilter(e.name) || e.operand->kind != ExprKind::kName) VisitExpr(*e.operand);
        return VisitArgs(e.args);
      }
      case ExprKind::kTest: {
        const auto& e = static_cast<const TestExpr&>(expr);
        bool may_be_missing = e.name == "defined" || e.name == "undefined";
        if (!may_be_missing || e.operand->kind != ExprKind::kName) VisitExpr(*e.operand);
        return VisitArgs(e.args);
      }
      default: ForEachChild(expr, [this](const Expr& child) { VisitExpr(child); });
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
  std::set<std::string> top_level_;
  std::set<std::string> seen_;
  std::vector<std::string> names_;
  int macro_depth_ = 0;
};

}  // namespace

bool BodyReadsName(const Body& body, std::string_view name) {
  bool found = false;
  for (const StmtPtr& stmt : body) {
    ForEachPart(*stmt, [&](const Expr& e) { found = found || ExprReadsName(e, name); },
                [&](const Body& b) { found = found || BodyReadsName(b, name); });
    if (found) return true;
  }
  return false;
}

bool BodySharesNames(const Body& body) {
  bool found = false;
  for (const StmtPtr& stmt : body) {
    if (stmt->kind == StmtKind::kInclude) return true;
    if (stmt->kind == StmtKind::kImport && static_cast<const ImportStmt&>(*stmt).with_context) return true;
    if (stmt->kind == StmtKind::kFromImport && static_cast<const FromImportStmt&>(*stmt).with_context) return true;
    ForEachPart(*stmt, [](const Expr&) {}, [&](const Body& b) { found = found || BodySharesNames(b); });
    if (found) return true;
  }
  return false;
}

}  // namespace template_internal

std::vector<std::string> ReferencedNames(const Template& tmpl) {
  return template_internal::NameCollector().Collect(tmpl.program_->body);
}

}  // namespace weir
