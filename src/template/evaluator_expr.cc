// Expressions: names, literals, operators, attributes, slices, calls,
// filters and tests.
#include "common/text.h"
#include "template/internal/evaluator.h"
#include "template/internal/filters.h"
#include "template/internal/operators.h"
#include "template/internal/value_access.h"

namespace weir::template_internal {
namespace {

using Kind = TemplateValue::Kind;

// `object.name` as Jinja reads it: a method of a string, list or map
// first, then an object's attribute or a map's key. An attribute that is
// Missing (loop.previtem in the first iteration) is undefined.
std::optional<TemplateValue> AttributeOf(const TemplateValue& object, const std::string& name) {
  if (MethodFunction method = FindMethod(object, name)) return BoundMethod(object, name, method);
  std::optional<TemplateValue> value = LookupAttribute(object, name);
  if (value && ValueAccess::IsMissing(*value)) return std::nullopt;
  return value;
}

}  // namespace

std::string ExprText(const Expr& expr) {
  if (expr.kind == ExprKind::kName) return static_cast<const NameExpr&>(expr).name;
  if (expr.kind == ExprKind::kAttribute) {
    const auto& attr = static_cast<const AttributeExpr&>(expr);
    std::string object = ExprText(*attr.object);
    return object.empty() ? "" : object + "." + attr.name;
  }
  return "";
}

Result<TemplateValue> Evaluator::Eval(const Expr& expr) {
  if (Status entered = Enter(expr.pos); !entered.ok()) return entered;
  switch (expr.kind) {
    case ExprKind::kLiteral: return static_cast<const LiteralExpr&>(expr).value;
    case ExprKind::kName: {
      const std::string& name = static_cast<const NameExpr&>(expr).name;
      const TemplateValue* value = Lookup(name);
      if (value == nullptr) {
        return Error("undefined-name", "undefined name '" + name + "'" + DidYouMean(name, VisibleNames()), expr.pos);
      }
      if (ValueAccess::IsMissing(*value)) return Error("undefined-name", ValueAccess::MissingReason(*value), expr.pos);
      return *value;
    }
    case ExprKind::kList: return EvalSequence(static_cast<const ListExpr&>(expr).items, false);
    case ExprKind::kTuple: return EvalSequence(static_cast<const TupleExpr&>(expr).items, true);
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
    case ExprKind::kAttribute: return EvalAttribute(static_cast<const AttributeExpr&>(expr));
    case ExprKind::kSubscript: {
      WEIR_ASSIGN_OR_RETURN(auto object_and_key, EvalObjectAndKey(expr));
      auto& [object, key] = object_and_key;
      if (std::optional<TemplateValue> value = LookupItem(object, key)) return *value;
      return MissingItemError(expr, object, key);
    }
    case ExprKind::kSlice: return EvalSlice(static_cast<const SliceExpr&>(expr));
    case ExprKind::kCall: return EvalCall(static_cast<const CallExpr&>(expr));
    case ExprKind::kFilter: return EvalFilter(static_cast<const FilterExpr&>(expr));
    case ExprKind::kTest: return EvalTest(static_cast<const TestExpr&>(expr));
  }
  return InternalError("unknown expression kind");
}

// Like Eval, but a missing name, key or index is nullopt (Jinja's
// undefined), for `default` and `is defined`. The object of an attribute
// must still exist: `x.y is defined` fails when x is undefined, as in Jinja.
Result<std::optional<TemplateValue>> Evaluator::EvalMaybe(const Expr& expr) {
  switch (expr.kind) {
    case ExprKind::kName: {
      const TemplateValue* value = Lookup(static_cast<const NameExpr&>(expr).name);
      if (value == nullptr || ValueAccess::IsMissing(*value)) return std::optional<TemplateValue>();
      return std::optional<TemplateValue>(*value);
    }
    case ExprKind::kAttribute: {
      const auto& attr = static_cast<const AttributeExpr&>(expr);
      WEIR_ASSIGN_OR_RETURN(TemplateValue object, Eval(*attr.object));
      return AttributeOf(object, attr.name);
    }
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

// The object and key of `object[index]`.
Result<std::pair<TemplateValue, TemplateValue>> Evaluator::EvalObjectAndKey(const Expr& expr) {
  const auto& sub = static_cast<const SubscriptExpr&>(expr);
  WEIR_ASSIGN_OR_RETURN(TemplateValue object, Eval(*sub.object));
  WEIR_ASSIGN_OR_RETURN(TemplateValue key, Eval(*sub.index));
  return std::pair(std::move(object), std::move(key));
}

Result<TemplateValue> Evaluator::EvalAttribute(const AttributeExpr& attr) {
  WEIR_ASSIGN_OR_RETURN(TemplateValue object, Eval(*attr.object));
  if (std::optional<TemplateValue> value = AttributeOf(object, attr.name)) return *value;
  return MissingItemError(attr, object, TemplateValue::String(attr.name));
}

Result<TemplateValue> Evaluator::EvalSlice(const SliceExpr& slice) {
  WEIR_ASSIGN_OR_RETURN(TemplateValue object, Eval(*slice.object));
  TemplateValue bounds[3];
  const ExprPtr* parts[3] = {&slice.start, &slice.stop, &slice.step};
  for (int i = 0; i < 3; ++i) {
    if (*parts[i]) {
      WEIR_ASSIGN_OR_RETURN(bounds[i], Eval(**parts[i]));
    }
  }
  return Located(Slice(object, bounds[0], bounds[1], bounds[2]), slice.pos);
}

Status Evaluator::MissingItemError(const Expr& expr, const TemplateValue& object, const TemplateValue& key) const {
  const Expr& object_expr = expr.kind == ExprKind::kAttribute ? *static_cast<const AttributeExpr&>(expr).object
                                                              : *static_cast<const SubscriptExpr&>(expr).object;
  std::string where = ExprText(object_expr);
  std::string of = where.empty() ? "" : " '" + where + "'";
  std::string message;
  if (object.kind() == Kind::kMap || object.kind() == Kind::kObject) {
    const TemplateMap& map = object.kind() == Kind::kMap ? object.AsMap() : object.ObjectAttributes();
    message = (object.kind() == Kind::kMap ? "no key " : "no attribute ") + key.Repr() + " in " +
              std::string(object.TypeName()) + of +
              (key.kind() == Kind::kString ? DidYouMean(key.AsString(), map.Keys()) : "");
  } else if ((object.is_sequence() || object.kind() == Kind::kString) && key.is_number()) {
    message = "index " + key.ToString() + " is out of range for " + std::string(object.TypeName()) + of;
  } else {
    message = std::string(object.TypeName()) + of + " has no attribute or item " + key.Repr();
  }
  return Error("undefined-attribute", message, expr.pos);
}

// A fresh container on every evaluation: renders never share one.
Result<TemplateValue> Evaluator::EvalSequence(const std::vector<ExprPtr>& items, bool tuple) {
  TemplateValue::List values;
  values.reserve(items.size());
  for (const ExprPtr& item : items) {
    WEIR_ASSIGN_OR_RETURN(TemplateValue value, Eval(*item));
    values.push_back(std::move(value));
  }
  return tuple ? TemplateValue::FromTuple(std::move(values)) : TemplateValue::FromList(std::move(values));
}

Result<TemplateValue> Evaluator::EvalDict(const DictExpr& dict) {
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

Result<TemplateValue> Evaluator::EvalBinary(const BinaryExpr& bin) {
  WEIR_ASSIGN_OR_RETURN(TemplateValue left, Eval(*bin.left));
  if (bin.op == BinaryOp::kAnd) return left.Truthy() ? Eval(*bin.right) : left;  // Python returns an operand
  if (bin.op == BinaryOp::kOr) return left.Truthy() ? left : Eval(*bin.right);
  WEIR_ASSIGN_OR_RETURN(TemplateValue right, Eval(*bin.right));
  return Located(ApplyBinary(bin.op, left, right), bin.pos);
}

Result<TemplateValue> Evaluator::EvalCompare(const CompareExpr& cmp) {
  WEIR_ASSIGN_OR_RETURN(TemplateValue left, Eval(*cmp.first));
  for (const CompareExpr::Step& step : cmp.rest) {
    WEIR_ASSIGN_OR_RETURN(TemplateValue right, Eval(*step.operand));
    WEIR_ASSIGN_OR_RETURN(bool holds, Located(ApplyCompare(step.op, left, right), step.pos));
    if (!holds) return TemplateValue::Bool(false);
    left = std::move(right);
  }
  return TemplateValue::Bool(true);
}

Result<TemplateCallArgs> Evaluator::EvalArguments(const Arguments& args) {
  TemplateCallArgs values;
  for (const ExprPtr& arg : args.positional) {
    WEIR_ASSIGN_OR_RETURN(TemplateValue value, Eval(*arg));
    values.positional.push_back(std::move(value));
  }
  if (args.star_args) {
    WEIR_ASSIGN_OR_RETURN(TemplateValue more, Eval(*args.star_args));
    if (!more.is_sequence()) {
      return Error("template-type", "*args must be a list or tuple, not " + std::string(more.TypeName()), args.star_args->pos);
    }
    values.positional.insert(values.positional.end(), more.AsList().begin(), more.AsList().end());
  }
  for (const auto& [name, arg] : args.keyword) {
    WEIR_ASSIGN_OR_RETURN(TemplateValue value, Eval(*arg));
    values.keyword.emplace_back(name, std::move(value));
  }
  if (args.star_kwargs) {
    WEIR_ASSIGN_OR_RETURN(TemplateValue more, Eval(*args.star_kwargs));
    if (more.kind() != Kind::kMap) {
      return Error("template-type", "**kwargs must be a map, not " + std::string(more.TypeName()), args.star_kwargs->pos);
    }
    for (const auto& [name, value] : more.AsMap()) {
      if (values.Keyword(name) != nullptr) {
        return Error("template-argument", "argument '" + name + "' given twice", args.star_kwargs->pos);
      }
      values.keyword.emplace_back(name, value);
    }
  }
  return values;
}

Result<TemplateValue> Evaluator::EvalCall(const CallExpr& call) {
  TemplateValue callee;
  if (call.callee->kind == ExprKind::kAttribute) {
    // `'a,b'.split(',')`, `xs.append(1)`: a method runs on its object at once.
    const auto& attr = static_cast<const AttributeExpr&>(*call.callee);
    WEIR_ASSIGN_OR_RETURN(TemplateValue object, Eval(*attr.object));
    if (MethodFunction method = FindMethod(object, attr.name)) {
      WEIR_ASSIGN_OR_RETURN(TemplateCallArgs args, EvalArguments(call.args));
      WEIR_TRY(Charge(kCostPerStep, attr.pos));
      return Located(method(object, args), attr.pos);
    }
    std::optional<TemplateValue> found = LookupAttribute(object, attr.name);
    if (!found) return MissingItemError(attr, object, TemplateValue::String(attr.name));
    callee = std::move(*found);
  } else {
    WEIR_ASSIGN_OR_RETURN(callee, Eval(*call.callee));
  }
  if (std::optional<TemplateValue> call_method = SpecialMethod(callee, "__call__")) callee = std::move(*call_method);
  if (callee.kind() != Kind::kCallable) {
    std::string what = ExprText(*call.callee);
    return Error("template-type", (what.empty() ? std::string("a ") : "'" + what + "', a ") +
                                      std::string(callee.TypeName()) + ", is not a function", call.pos);
  }
  WEIR_ASSIGN_OR_RETURN(TemplateCallArgs args, EvalArguments(call.args));
  return CallValue(callee, std::move(args), call.callee->pos, ExprText(*call.callee), nullptr);
}

Result<TemplateValue> Evaluator::ApplyFilter(const std::string& name, const TemplateValue& input, const Arguments& args,
                                             Position pos) {
  WEIR_ASSIGN_OR_RETURN(TemplateCallArgs values, EvalArguments(args));
  if (IsDefaultFilter(name)) return Located(DefaultFilter(input, values), pos);
  FilterFunction function = FindFilter(name);
  if (function == nullptr) {
    return Error("unknown-filter", "unknown filter '" + name + "'" + DidYouMean(name, FilterNames()), pos);
  }
  WEIR_TRY(Charge(kCostPerStep, pos));
  return Located(function(input, values), pos);
}

Result<TemplateValue> Evaluator::EvalFilter(const FilterExpr& filter) {
  if (IsDefaultFilter(filter.name)) {
    WEIR_ASSIGN_OR_RETURN(std::optional<TemplateValue> input, EvalMaybe(*filter.operand));
    WEIR_ASSIGN_OR_RETURN(TemplateCallArgs args, EvalArguments(filter.args));
    return Located(DefaultFilter(input, args), filter.pos);
  }
  WEIR_ASSIGN_OR_RETURN(TemplateValue input, Eval(*filter.operand));
  return ApplyFilter(filter.name, input, filter.args, filter.pos);
}

Result<TemplateValue> Evaluator::EvalTest(const TestExpr& test) {
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

const TemplateValue* Evaluator::Lookup(std::string_view name) const {
  const std::vector<ScopePtr>& scopes = frame_->scopes;
  for (auto scope = scopes.rbegin(); scope != scopes.rend(); ++scope) {
    if (const TemplateValue* value = (*scope)->Find(name)) return value;
  }
  if (frame_->globals != nullptr) {
    if (const TemplateValue* value = frame_->globals->Find(name)) return value;
  }
  if (name == "return" && context_.options().macro_return) return &ReturnBuiltin();
  return FindBuiltin(name);
}

// Innermost first, so that a typo is matched to a loop variable before a
// context name at the same distance.
std::vector<std::string> Evaluator::VisibleNames() const {
  std::vector<std::string> names;
  const std::vector<ScopePtr>& scopes = frame_->scopes;
  for (auto scope = scopes.rbegin(); scope != scopes.rend(); ++scope) {
    for (std::string& key : (*scope)->Keys()) names.push_back(std::move(key));
  }
  if (frame_->globals != nullptr) {
    for (std::string& name : frame_->globals->Keys()) names.push_back(std::move(name));
  }
  for (std::string& builtin : BuiltinNames()) names.push_back(std::move(builtin));
  return names;
}

}  // namespace weir::template_internal
