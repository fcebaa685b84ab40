#include "template/internal/evaluator.h"

#include "common/text.h"
#include "template/internal/filters.h"
#include "template/internal/operators.h"

namespace weir::template_internal {
namespace {

using Kind = TemplateValue::Kind;

// "row.customer" for an expression made of names and attributes, else "".
std::string ExprText(const Expr& expr) {
  if (expr.kind == ExprKind::kName) return static_cast<const NameExpr&>(expr).name;
  if (expr.kind == ExprKind::kAttribute) {
    const auto& attr = static_cast<const AttributeExpr&>(expr);
    std::string object = ExprText(*attr.object);
    return object.empty() ? "" : object + "." + attr.name;
  }
  return "";
}

class Evaluator {
 public:
  Evaluator(const Program& program, const TemplateContext& context, RenderOptions options)
      : program_(program), context_(context), options_(options) {}

  Result<std::string> Run() {
    std::string out;
    scopes_.emplace_back();
    WEIR_TRY(ExecBody(program_.body, out));
    return out;
  }

 private:
  // A scope for the lifetime of this object.
  class ScopeFrame {
   public:
    explicit ScopeFrame(std::vector<TemplateMap>& scopes) : scopes_(scopes) { scopes_.emplace_back(); }
    ~ScopeFrame() { scopes_.pop_back(); }
    ScopeFrame(const ScopeFrame&) = delete;
    ScopeFrame& operator=(const ScopeFrame&) = delete;

   private:
    std::vector<TemplateMap>& scopes_;
  };

  Status ExecBody(const Body& body, std::string& out) {
    for (const StmtPtr& stmt : body) WEIR_TRY(Exec(*stmt, out));
    return OkStatus();
  }

  Status Exec(const Stmt& stmt, std::string& out) {
    switch (stmt.kind) {
      case StmtKind::kText: return Append(out, static_cast<const TextStmt&>(stmt).text, stmt.pos);
      case StmtKind::kOutput: {
        WEIR_ASSIGN_OR_RETURN(TemplateValue value, Eval(*static_cast<const OutputStmt&>(stmt).expr));
        return Append(out, value.ToString(), stmt.pos);
      }
      case StmtKind::kIf: return ExecIf(static_cast<const IfStmt&>(stmt), out);
      case StmtKind::kFor: return ExecFor(static_cast<const ForStmt&>(stmt), out);
      case StmtKind::kSet: return ExecSet(static_cast<const SetStmt&>(stmt));
    }
    return InternalError("unknown statement kind");
  }

  Status Append(std::string& out, std::string_view text, Position pos) const {
    if (out.size() + text.size() > kMaxOutputBytes) {
      return Error("template-limit", "output larger than " + std::to_string(kMaxOutputBytes >> 20) + " MiB", pos);
    }
    out += text;
    return OkStatus();
  }

  Status ExecIf(const IfStmt& stmt, std::string& out) {
    for (const auto& [condition, body] : stmt.branches) {
      WEIR_ASSIGN_OR_RETURN(TemplateValue value, Eval(*condition));
      if (value.Truthy()) return ExecBody(body, out);
    }
    return ExecBody(stmt.otherwise, out);
  }

  Status ExecSet(const SetStmt& stmt) {
    TemplateValue value;
    if (stmt.value) {
      WEIR_ASSIGN_OR_RETURN(value, Eval(*stmt.value));
    } else {
      std::string captured;
      WEIR_TRY(ExecBody(stmt.body, captured));
      value = TemplateValue::String(std::move(captured));
    }
    scopes_.back().Set(stmt.name, std::move(value));
    return OkStatus();
  }

  Status BindTargets(const ForStmt& stmt, const TemplateValue& item) {
    if (stmt.targets.size() == 1) {
      scopes_.back().Set(stmt.targets[0], item);
      return OkStatus();
    }
    if (item.kind() != Kind::kList) {
      return Error("template-type", "cannot unpack " + std::string(item.TypeName()) + " into " +
                                        std::to_string(stmt.targets.size()) + " loop variables", stmt.targets_pos);
    }
    if (item.AsList().size() != stmt.targets.size()) {
      return Error("template-type", "expected " + std::to_string(stmt.targets.size()) + " values to unpack, got " +
                                        std::to_string(item.AsList().size()), stmt.targets_pos);
    }
    for (size_t i = 0; i < stmt.targets.size(); ++i) scopes_.back().Set(stmt.targets[i], item.AsList()[i]);
    return OkStatus();
  }

  Result<TemplateValue::List> LoopItems(const ForStmt& stmt) {
    WEIR_ASSIGN_OR_RETURN(TemplateValue iterable, Eval(*stmt.iterable));
    Result<TemplateValue::List> items = IterationItems(iterable);
    if (!items.ok()) return At(items.status(), stmt.iterable->pos);
    if (!stmt.condition) return items;
    TemplateValue::List kept;
    for (TemplateValue& item : *items) {
      ScopeFrame frame(scopes_);
      WEIR_TRY(BindTargets(stmt, item));
      WEIR_ASSIGN_OR_RETURN(TemplateValue keep, Eval(*stmt.condition));
      if (keep.Truthy()) kept.push_back(std::move(item));
    }
    return kept;
  }

  // Jinja's `loop`: index (from 1), index0, revindex, revindex0, first, last,
  // length, previtem/nextitem (absent at the ends), cycle(a, b, ...).
  static TemplateValue LoopVariable(const TemplateValue::List& items, size_t i) {
    int64_t index0 = static_cast<int64_t>(i), length = static_cast<int64_t>(items.size());
    TemplateMap loop;
    loop.Set("index", TemplateValue::Int(index0 + 1));
    loop.Set("index0", TemplateValue::Int(index0));
    loop.Set("revindex", TemplateValue::Int(length - index0));
    loop.Set("revindex0", TemplateValue::Int(length - index0 - 1));
    loop.Set("first", TemplateValue::Bool(i == 0));
    loop.Set("last", TemplateValue::Bool(i + 1 == items.size()));
    loop.Set("length", TemplateValue::Int(length));
    loop.Set("depth", TemplateValue::Int(1));
    loop.Set("depth0", TemplateValue::Int(0));
    if (i > 0) loop.Set("previtem", items[i - 1]);
    if (i + 1 < items.size()) loop.Set("nextitem", items[i + 1]);
    loop.Set("cycle", TemplateValue::Function("loop.cycle", [index0](const TemplateCallArgs& args) -> Result<TemplateValue> {
      if (args.positional.empty()) return UserError("template-argument", "loop.cycle: needs at least one value");
      return args.positional[static_cast<size_t>(index0) % args.positional.size()];
    }));
    return TemplateValue::FromMap(std::move(loop));
  }

  Status ExecFor(const ForStmt& stmt, std::string& out) {
    WEIR_ASSIGN_OR_RETURN(TemplateValue::List items, LoopItems(stmt));
    if (items.empty()) return ExecBody(stmt.otherwise, out);
    for (size_t i = 0; i < items.size(); ++i) {
      if (++iterations_ > kMaxLoopIterations) {
        return Error("template-limit", "more than " + std::to_string(kMaxLoopIterations) + " loop iterations", stmt.pos);
      }
      ScopeFrame frame(scopes_);
      WEIR_TRY(BindTargets(stmt, items[i]));
      scopes_.back().Set("loop", LoopVariable(items, i));
      WEIR_TRY(ExecBody(stmt.body, out));
    }
    return OkStatus();
  }

  Result<TemplateValue> Eval(const Expr& expr) {
    switch (expr.kind) {
      case ExprKind::kLiteral: return static_cast<const LiteralExpr&>(expr).value;
      case ExprKind::kName: {
        const std::string& name = static_cast<const NameExpr&>(expr).name;
        if (const TemplateValue* value = Lookup(name)) return *value;
        return Error("undefined-name", "undefined name '" + name + "'" + DidYouMean(name, VisibleNames()), expr.pos);
      }
      case ExprKind::kList: return EvalList(static_cast<const ListExpr&>(expr));
      case ExprKind::kDict: return EvalDict(static_cast<const DictExpr&>(expr));
      case ExprKind::kUnary: {
        const auto& unary = static_cast<const UnaryExpr&>(expr);
        WEIR_ASSIGN_OR_RETURN(TemplateValue operand, Eval(*unary.operand));
        return Located(ApplyUnary(unary.op, operand), expr.pos);
      }
      case ExprKind::kBinary: return EvalBinary(static_cast<const BinaryExpr&>(expr));
      case ExprKind::kCompare: return EvalCompare(static_cast<const CompareExpr&>(expr));
      case ExprKind::kCondition: {
        WEIR_ASSIGN_OR_RETURN(std::optional<TemplateValue> value, EvalMaybe(expr));
        return value ? *value : TemplateValue::String("");  // Jinja prints a missing else as ''
      }
      case ExprKind::kAttribute:
      case ExprKind::kSubscript: {
        WEIR_ASSIGN_OR_RETURN(auto object_and_key, EvalObjectAndKey(expr));
        auto& [object, key] = object_and_key;
        if (std::optional<TemplateValue> value = LookupItem(object, key)) return *value;
        return MissingItemError(expr, object, key);
      }      case ExprKind::kCall: return EvalCall(static_cast<const CallExpr&>(expr));
      case ExprKind::kFilter: return EvalFilter(static_cast<const FilterExpr&>(expr));
      case ExprKind::kTest: return EvalTest(static_cast<const TestExpr&>(expr));
    }
    return InternalError("unknown expression kind");
  }

  // Like Eval, but a missing name, key or index is nullopt (Jinja's
  // undefined), for `default` and `is defined`. The object of an attribute
  // must still exist: `x.y is defined` fails when x is undefined, as in Jinja.
  Result<std::optional<TemplateValue>> EvalMaybe(const Expr& expr) {
    switch (expr.kind) {
      case ExprKind::kName: {
        const TemplateValue* value = Lookup(static_cast<const NameExpr&>(expr).name);
        return value ? std::optional<TemplateValue>(*value) : std::nullopt;
      }
      case ExprKind::kAttribute:
      case ExprKind::kSubscript: {
        WEIR_ASSIGN_OR_RETURN(auto object_and_key, EvalObjectAndKey(expr));
        return LookupItem(object_and_key.first, object_and_key.second);
      }
      case ExprKind::kCondition: {
        const auto& cond = static_cast<const ConditionExpr&>(expr);
        WEIR_ASSIGN_OR_RETURN(TemplateValue test, Eval(*cond.condition));
        if (test.Truthy()) return EvalMaybe(*cond.then);
        if (cond.otherwise) return EvalMaybe(*cond.otherwise);
        return std::optional<TemplateValue>();
      }
      default: {
        WEIR_ASSIGN_OR_RETURN(TemplateValue value, Eval(expr));
        return std::optional<TemplateValue>(std::move(value));
      }
    }
  }

  // The object and key of `object.name` or `object[index]`.
  Result<std::pair<TemplateValue, TemplateValue>> EvalObjectAndKey(const Expr& expr) {
    if (expr.kind == ExprKind::kAttribute) {
      const auto& attr = static_cast<const AttributeExpr&>(expr);
      WEIR_ASSIGN_OR_RETURN(TemplateValue object, Eval(*attr.object));
      return std::pair(std::move(object), TemplateValue::String(attr.name));
    }
    const auto& sub = static_cast<const SubscriptExpr&>(expr);
    WEIR_ASSIGN_OR_RETURN(TemplateValue object, Eval(*sub.object));
    WEIR_ASSIGN_OR_RETURN(TemplateValue key, Eval(*sub.index));
    return std::pair(std::move(object), std::move(key));
  }

  Status MissingItemError(const Expr& expr, const TemplateValue& object, const TemplateValue& key) const {
    const Expr& object_expr = expr.kind == ExprKind::kAttribute ? *static_cast<const AttributeExpr&>(expr).object
                                                                : *static_cast<const SubscriptExpr&>(expr).object;
    std::string where = ExprText(object_expr);
    std::string of = where.empty() ? "" : " '" + where + "'";
    std::string message;
    if (object.kind() == Kind::kMap) {
      message = "no key " + key.Repr() + " in map" + of +
                (key.kind() == Kind::kString ? DidYouMean(key.AsString(), object.AsMap().Keys()) : "");
    } else if ((object.kind() == Kind::kList || object.kind() == Kind::kString) && key.is_number()) {
      message = "index " + key.ToString() + " is out of range for " + std::string(object.TypeName()) + of;
    } else {
      message = std::string(object.TypeName()) + of + " has no attribute or item " + key.Repr();
    }
    return Error("undefined-attribute", message, expr.pos);
  }

  Result<TemplateValue> EvalList(const ListExpr& list) {
    TemplateValue::List items;
    for (const ExprPtr& item : list.items) {
      WEIR_ASSIGN_OR_RETURN(TemplateValue value, Eval(*item));
      items.push_back(std::move(value));
    }
    return TemplateValue::FromList(std::move(items));
  }

  Result<TemplateValue> EvalDict(const DictExpr& dict) {
    TemplateMap map;
    for (const auto& [key_expr, value_expr] : dict.entries) {
      WEIR_ASSIGN_OR_RETURN(TemplateValue key, Eval(*key_expr));
      if (key.kind() != Kind::kString) {
        return Error("template-type", "map keys must be strings, not " + std::string(key.TypeName()), key_expr->pos);
      }
      WEIR_ASSIGN_OR_RETURN(TemplateValue value, Eval(*value_expr));
      map.Set(key.AsString(), std::move(value));
    }
    return TemplateValue::FromMap(std::move(map));
  }

  Result<TemplateValue> EvalBinary(const BinaryExpr& bin) {
    WEIR_ASSIGN_OR_RETURN(TemplateValue left, Eval(*bin.left));
    if (bin.op == BinaryOp::kAnd) return left.Truthy() ? Eval(*bin.right) : left;  // Python returns an operand
    if (bin.op == BinaryOp::kOr) return left.Truthy() ? left : Eval(*bin.right);
    WEIR_ASSIGN_OR_RETURN(TemplateValue right, Eval(*bin.right));
    return Located(ApplyBinary(bin.op, left, right), bin.pos);
  }

  Result<TemplateValue> EvalCompare(const CompareExpr& cmp) {
    WEIR_ASSIGN_OR_RETURN(TemplateValue left, Eval(*cmp.first));
    for (const CompareExpr::Step& step : cmp.rest) {
      WEIR_ASSIGN_OR_RETURN(TemplateValue right, Eval(*step.operand));
      WEIR_ASSIGN_OR_RETURN(bool holds, Located(ApplyCompare(step.op, left, right), step.pos));
      if (!holds) return TemplateValue::Bool(false);
      left = std::move(right);
    }
    return TemplateValue::Bool(true);
  }

  Result<TemplateCallArgs> EvalArguments(const Arguments& args) {
    TemplateCallArgs values;
    for (const ExprPtr& arg : args.positional) {
      WEIR_ASSIGN_OR_RETURN(TemplateValue value, Eval(*arg));
      values.positional.push_back(std::move(value));
    }
    for (const auto& [name, arg] : args.keyword) {
      WEIR_ASSIGN_OR_RETURN(TemplateValue value, Eval(*arg));
      values.keyword.emplace_back(name, std::move(value));
    }
    return values;
  }

  Result<TemplateValue> EvalCall(const CallExpr& call) {
    WEIR_ASSIGN_OR_RETURN(TemplateValue callee, Eval(*call.callee));
    std::string name = ExprText(*call.callee);
    if (callee.kind() != Kind::kCallable) {
      return Error("template-type", (name.empty() ? std::string("a ") : "'" + name + "', a ") +
                                        std::string(callee.TypeName()) + ", is not a function", call.pos);
    }
    WEIR_ASSIGN_OR_RETURN(TemplateCallArgs args, EvalArguments(call.args));
    const TemplateCallable& callable = callee.AsCallable();
    if (callable.secret && options_.redact_secrets) return TemplateValue::String("***");
    if (!callable.function) return Error("template-type", "'" + callable.name + "' has no implementation", call.callee->pos);
    return Located(callable.function(args), call.callee->pos);
  }

  Result<TemplateValue> EvalFilter(const FilterExpr& filter) {
    WEIR_ASSIGN_OR_RETURN(TemplateCallArgs args, EvalArguments(filter.args));
    if (IsDefaultFilter(filter.name)) {
      WEIR_ASSIGN_OR_RETURN(std::optional<TemplateValue> input, EvalMaybe(*filter.operand));
      return Located(DefaultFilter(input, args), filter.pos);
    }
    FilterFunction function = FindFilter(filter.name);
    if (function == nullptr) return UnknownFilter(filter.name, filter.pos);
    WEIR_ASSIGN_OR_RETURN(TemplateValue input, Eval(*filter.operand));
    return Located(function(input, args), filter.pos);
  }

  Result<TemplateValue> EvalTest(const TestExpr& test) {
    bool result = false;
    if (test.name == "defined" || test.name == "undefined") {
      WEIR_ASSIGN_OR_RETURN(std::optional<TemplateValue> input, EvalMaybe(*test.operand));
      result = input.has_value() == (test.name == "defined");
    } else {
      TestFunction function = FindTest(test.name);
      if (function == nullptr) {
        return Error("unknown-test", "unknown test '" + test.name + "'" + DidYouMean(test.name, TestNames()), test.pos);
      }
      WEIR_ASSIGN_OR_RETURN(TemplateValue input, Eval(*test.operand));
      WEIR_ASSIGN_OR_RETURN(TemplateCallArgs args, EvalArguments(test.args));
      WEIR_ASSIGN_OR_RETURN(result, Located(function(input, args), test.pos));
    }
    return TemplateValue::Bool(result != test.negated);
  }

  Status UnknownFilter(const std::string& name, Position pos) const {
    return Error("unknown-filter", "unknown filter '" + name + "'" + DidYouMean(name, FilterNames()), pos);
  }

  const TemplateValue* Lookup(std::string_view name) const {
    for (auto scope = scopes_.rbegin(); scope != scopes_.rend(); ++scope) {
      if (const TemplateValue* value = scope->Find(name)) return value;
    }
    if (const TemplateValue* value = context_.Find(name)) return value;
    return FindBuiltin(name);
  }

  // Innermost first, so that a typo is matched to a loop variable before a
  // context name at the same distance.
  std::vector<std::string> VisibleNames() const {
    std::vector<std::string> names;
    for (auto scope = scopes_.rbegin(); scope != scopes_.rend(); ++scope) {
      for (std::string& key : scope->Keys()) names.push_back(std::move(key));
    }
    for (std::string& name : context_.Names()) names.push_back(std::move(name));
    for (std::string& builtin : BuiltinNames()) names.push_back(std::move(builtin));
    return names;
  }

  template <typename T>
  Result<T> Located(Result<T> result, Position pos) const {
    if (result.ok()) return result;
    return At(result.status(), pos);
  }

  Status At(const Status& status, Position pos) const { return status.At(LocationOf(program_.origin, pos)); }

  Status Error(std::string code, std::string message, Position pos) const {
    return UserError(std::move(code), std::move(message), LocationOf(program_.origin, pos));
  }

  const Program& program_;
  const TemplateContext& context_;
  RenderOptions options_;
  std::vector<TemplateMap> scopes_;  // innermost last; [0] is the template's top level
  int64_t iterations_ = 0;
};

}  // namespace

Result<std::string> RenderProgram(const Program& program, const TemplateContext& context, RenderOptions options) {
  return Evaluator(program, context, options).Run();
}

}  // namespace weir::template_internal
