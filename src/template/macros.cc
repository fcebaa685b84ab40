// Macros, calls, call blocks, return(), import, from-import and include.
#include <algorithm>

#include "template/internal/evaluator.h"
#include "template/internal/filters.h"
#include "template/internal/operators.h"
#include "template/internal/program_access.h"
#include "template/internal/value_access.h"

namespace weir::template_internal {
namespace {

using Kind = TemplateValue::Kind;

// What a template imported without context sees beyond its own names.
const TemplateMap& NoNames() {
  static const auto* names = new TemplateMap();
  return *names;
}

const TemplateContext& EmptyContext() {
  static const auto* context = new TemplateContext();
  return *context;
}

Status ArgumentError(const MacroClosure& closure, std::string message) {
  return UserError("template-argument", "macro '" + closure.name + "' " + std::move(message));
}

}  // namespace

TemplateValue Evaluator::DefineMacro(const MacroDef& def, std::string name) {
  auto closure = std::make_shared<MacroClosure>();
  closure->program = frame_->program;
  closure->def = &def;
  closure->name = name;
  closure->bound = true;
  for (const ScopePtr& scope : frame_->scopes) closure->scopes.push_back(scope);
  closure->globals = frame_->globals;
  closure->render = alive_;
  TemplateCallable callable;
  callable.name = std::move(name);
  callable.macro = closure;
  std::weak_ptr<const void> alive = alive_;
  callable.function = [this, alive, closure](const TemplateCallArgs& args) -> Result<TemplateValue> {
    if (alive.expired()) {
      return UserError("template-type", "macro '" + closure->name + "' was called after its render ended");
    }
    return CallClosure(*closure, args, nullptr, closure->def->pos);
  };
  return TemplateValue::FromCallable(std::move(callable));
}

TemplateValue UnboundMacro(std::shared_ptr<const Program> program, const MacroDef& def, std::string name) {
  auto closure = std::make_shared<MacroClosure>();
  closure->program = std::move(program);
  closure->def = &def;
  closure->name = name;
  TemplateCallable callable;
  callable.name = std::move(name);
  callable.macro = closure;
  callable.function = [closure](const TemplateCallArgs& args) -> Result<TemplateValue> {
    Evaluator evaluator(EmptyContext(), {});
    TemplateCallable self;
    self.name = closure->name;
    self.macro = closure;
    return evaluator.CallFromOutside(TemplateValue::FromCallable(std::move(self)), args);
  };
  return TemplateValue::FromCallable(std::move(callable));
}

Result<TemplateValue> Evaluator::CallFromOutside(const TemplateValue& object, TemplateCallArgs args) {
  const TemplateValue callee = SpecialMethod(object, "__call__").value_or(object);
  if (callee.kind() != Kind::kCallable) {
    return UserError("template-type", "a " + std::string(callee.TypeName()) + " is not a function");
  }
  const TemplateCallable& callable = callee.AsCallable();
  if (!callable.macro) {
    if (callable.secret && options_.redact_secrets) return TemplateValue::String("***");
    if (!callable.function) return UserError("template-type", "'" + callable.name + "' has no implementation");
    return callable.function(args);
  }
  if (frame_ != nullptr) return CallClosure(*callable.macro, std::move(args), nullptr, callable.macro->def->pos);
  // Not rendering: errors before the macro starts point at its definition.
  Frame outside{callable.macro->program, {}, &context_.names()};
  FrameSwitch current(*this, outside);
  return CallClosure(*callable.macro, std::move(args), nullptr, callable.macro->def->pos);
}

Result<TemplateValue> Evaluator::CallValue(const TemplateValue& object, TemplateCallArgs args, Position pos,
                                           std::string_view what, const TemplateValue* caller) {
  const TemplateValue callee = SpecialMethod(object, "__call__").value_or(object);
  if (callee.kind() != Kind::kCallable) {
    return Error("template-type", (what.empty() ? std::string("a ") : "'" + std::string(what) + "', a ") +
                                      std::string(callee.TypeName()) + ", is not a function", pos);
  }
  const TemplateCallable& callable = callee.AsCallable();
  if (callable.macro) return CallClosure(*callable.macro, std::move(args), caller, pos);
  if (callee.IsSameObject(ReturnBuiltin())) {
    if (args.positional.size() != 1 || !args.keyword.empty()) return Error("template-argument", "return() takes one value", pos);
    returned_ = std::move(args.positional[0]);
    return Error(std::string(kReturnSignal), "return() can only be called inside a macro", pos);
  }
  if (caller != nullptr) args.keyword.emplace_back("caller", *caller);
  if (callable.secret && options_.redact_secrets) return TemplateValue::String("***");
  if (!callable.function) return Error("template-type", "'" + callable.name + "' has no implementation", pos);
  WEIR_TRY(Charge(kCostPerStep, pos));
  return Located(callable.function(args), pos);
}

Status Evaluator::EnterCall(Position pos) {
  if (call_depth_ >= kMaxCallDepth) {
    return Error("template-limit", "macro calls, imports and includes nest more than " + std::to_string(kMaxCallDepth) +
                                       " levels deep; look for a macro that calls itself without end", pos);
  }
  WEIR_TRY(Charge(kCostPerMacroCall, pos));
  ++call_depth_;
  return OkStatus();
}

Result<TemplateValue> Evaluator::CallClosure(const MacroClosure& closure, TemplateCallArgs args,
                                             const TemplateValue* caller, Position pos) {
  WEIR_TRY(EnterCall(pos));
  Result<TemplateValue> result = CallMacro(closure, std::move(args), caller);
  LeaveCall();
  return Located(std::move(result), pos);
}

Result<TemplateValue> Evaluator::CallMacro(const MacroClosure& closure, TemplateCallArgs args,
                                           const TemplateValue* caller) {
  Frame frame{closure.program, {}, &context_.names()};
  if (closure.bound) {
    if (closure.render.expired()) {
      return UserError("template-type", "macro '" + closure.name + "' was called after the render that defined it ended");
    }
    for (const std::weak_ptr<Scope>& weak : closure.scopes) {
      ScopePtr scope = weak.lock();
      if (!scope) {
        return UserError("template-type", "macro '" + closure.name + "' was called after the loop or block that defined it ended");
      }
      frame.scopes.push_back(std::move(scope));
    }
    frame.globals = closure.globals;
  }
  frame.scopes.push_back(std::make_shared<Scope>());
  FrameSwitch current(*this, frame);
  WEIR_TRY(BindParameters(closure, args, caller));
  std::string out;
  Status status = ExecBody(closure.def->body, out);
  flow_ = Flow::kNormal;
  if (status.ok()) return TemplateValue::String(std::move(out));
  if (status.code() == kReturnSignal && returned_) {
    TemplateValue value = std::move(*returned_);
    returned_.reset();
    return value;
  }
  return status;
}

// Jinja's Macro.__call__: positional arguments, then keyword ones, then
// defaults (which see the parameters before them); extra arguments go to
// varargs and kwargs when the body reads those names.
Status Evaluator::BindParameters(const MacroClosure& closure, TemplateCallArgs& args, const TemplateValue* caller) {
  const MacroDef& def = *closure.def;
  Scope& scope = *frame_->scopes.back();
  size_t count = def.params.size();
  if (args.positional.size() > count && !def.uses_varargs) {
    return ArgumentError(closure, "takes at most " + std::to_string(count) + " argument" + (count == 1 ? "" : "s") +
                                      ", got " + std::to_string(args.positional.size()));
  }
  std::vector<bool> bound(count, false);
  for (size_t i = 0; i < count && i < args.positional.size(); ++i) {
    scope.Set(def.params[i], args.positional[i]);
    bound[i] = true;
  }
  TemplateMap extra_keywords;
  std::optional<TemplateValue> the_caller;
  if (caller != nullptr) {
    if (!def.uses_caller) return ArgumentError(closure, "does not call caller(), so it cannot be used in a call block");
    the_caller = *caller;
  }
  for (auto& [key, value] : args.keyword) {
    auto param = std::find(def.params.begin(), def.params.end(), key);
    if (param != def.params.end()) {
      size_t i = static_cast<size_t>(param - def.params.begin());
      if (bound[i]) return ArgumentError(closure, "got two values for argument '" + key + "'");
      scope.Set(key, std::move(value));
      bound[i] = true;
    } else if (key == "caller" && def.uses_caller && !the_caller) {
      the_caller = std::move(value);
    } else if (def.uses_kwargs) {
      extra_keywords.Set(key, std::move(value));
    } else {
      return ArgumentError(closure, "takes no keyword argument '" + key + "'");
    }
  }
  for (size_t i = 0; i < count; ++i) {
    if (bound[i]) continue;
    if (def.defaults[i]) {
      WEIR_ASSIGN_OR_RETURN(TemplateValue value, Eval(*def.defaults[i]));
      scope.Set(def.params[i], std::move(value));
    } else {
      scope.Set(def.params[i], ValueAccess::Missing("parameter '" + def.params[i] + "' of macro '" + closure.name +
                                                    "' was not given"));
    }
  }
  if (def.uses_varargs) {
    TemplateValue::List rest;
    for (size_t i = count; i < args.positional.size(); ++i) rest.push_back(std::move(args.positional[i]));
    scope.Set("varargs", TemplateValue::FromTuple(std::move(rest)));
  }
  if (def.uses_kwargs) scope.Set("kwargs", TemplateValue::FromMap(std::move(extra_keywords)));
  if (def.uses_caller) {
    scope.Set("caller", the_caller ? std::move(*the_caller)
                                   : ValueAccess::Missing("macro '" + closure.name +
                                                          "' reads caller but was not called from a {% call %} block"));
  }
  return OkStatus();
}

Status Evaluator::ExecCallBlock(const CallBlockStmt& stmt, std::string& out) {
  const auto& call = static_cast<const CallExpr&>(*stmt.call);
  WEIR_ASSIGN_OR_RETURN(TemplateValue callee, Eval(*call.callee));
  WEIR_ASSIGN_OR_RETURN(TemplateCallArgs args, EvalArguments(call.args));
  TemplateValue caller = DefineMacro(stmt.caller, "caller");
  WEIR_ASSIGN_OR_RETURN(TemplateValue result, CallValue(callee, std::move(args), call.callee->pos, ExprText(*call.callee), &caller));
  return AppendValue(out, result, stmt.pos);
}

Result<Template> Evaluator::LoadTemplate(const Expr& name_expr, const TemplateValue& name) {
  if (name.kind() != Kind::kString) {
    return Error("template-type", "a template's name must be a string, not " + std::string(name.TypeName()), name_expr.pos);
  }
  if (!context_.options().loader) {
    return Error("template-not-found", "cannot load template " + name.Repr() + ": no template loader is set", name_expr.pos);
  }
  Result<Template> loaded = context_.options().loader(name.AsString());
  if (!loaded.ok()) return At(loaded.status(), name_expr.pos);
  return loaded;
}

// Runs an imported template; its top-level names but those starting with
// '_' become the module's attributes, and its output what it prints as.
Result<TemplateValue> Evaluator::RenderModule(const Template& tmpl, bool with_context, Position pos) {
  const std::shared_ptr<const Program>& program = TemplateProgramAccess::Get(tmpl);
  if (modules_.size() >= kMaxImports) {
    return Error("template-limit", "more than " + std::to_string(kMaxImports) + " imports in one render", pos);
  }
  auto top = std::make_shared<Scope>();
  modules_.push_back(top);
  Frame frame{program, {}, &NoNames()};
  if (with_context) {
    frame.scopes = frame_->scopes;
    frame.globals = frame_->globals;
  }
  frame.scopes.push_back(top);
  WEIR_TRY(EnterCall(pos));
  std::string out;
  Status status;
  {
    FrameSwitch current(*this, frame);
    status = ExecBody(program->body, out);
    flow_ = Flow::kNormal;
  }
  LeaveCall();
  if (!status.ok() && status.code() == kReturnSignal) {
    returned_.reset();
    return UserError("template-value", "return() can only be called inside a macro", status.where());
  }
  WEIR_TRY(status);
  TemplateMap exported;
  for (const auto& [name, value] : *top) {
    if (!name.empty() && name.front() != '_') exported.Set(name, value);
  }
  return ValueAccess::ObjectWithOwner(std::move(exported), std::move(out), top);
}

Status Evaluator::ExecImport(const ImportStmt& stmt) {
  WEIR_ASSIGN_OR_RETURN(TemplateValue name, Eval(*stmt.template_name));
  WEIR_ASSIGN_OR_RETURN(Template tmpl, LoadTemplate(*stmt.template_name, name));
  WEIR_ASSIGN_OR_RETURN(TemplateValue module, RenderModule(tmpl, stmt.with_context, stmt.pos));
  frame_->scopes.back()->Set(stmt.alias, std::move(module));
  return OkStatus();
}

Status Evaluator::ExecFromImport(const FromImportStmt& stmt) {
  WEIR_ASSIGN_OR_RETURN(TemplateValue name, Eval(*stmt.template_name));
  WEIR_ASSIGN_OR_RETURN(Template tmpl, LoadTemplate(*stmt.template_name, name));
  WEIR_ASSIGN_OR_RETURN(TemplateValue module, RenderModule(tmpl, stmt.with_context, stmt.pos));
  for (const FromImportStmt::Imported& imported : stmt.names) {
    const TemplateValue* value = module.ObjectAttributes().Find(imported.name);
    frame_->scopes.back()->Set(imported.alias, value != nullptr ? *value
                                                                : ValueAccess::Missing("template " + name.Repr() +
                                                                                       " does not export '" + imported.name + "'"));
  }
  return OkStatus();
}

Status Evaluator::ExecInclude(const IncludeStmt& stmt, std::string& out) {
  WEIR_ASSIGN_OR_RETURN(TemplateValue names, Eval(*stmt.template_name));
  TemplateValue::List candidates = names.is_sequence() ? names.AsList() : TemplateValue::List{names};
  std::optional<Template> found;
  Status last_error;
  for (const TemplateValue& name : candidates) {
    Result<Template> loaded = LoadTemplate(*stmt.template_name, name);
    if (loaded.ok()) {
      found = std::move(*loaded);
      break;
    }
    if (loaded.status().code() != "template-not-found") return loaded.status();
    last_error = loaded.status();
  }
  if (!found && stmt.ignore_missing) return OkStatus();
  if (!found && last_error.ok()) return Error("template-not-found", "include: no template name given", stmt.pos);
  if (!found) return last_error;
  const std::shared_ptr<const Program>& program = TemplateProgramAccess::Get(*found);
  Frame frame{program, {}, &NoNames()};
  if (stmt.with_context) {
    frame.scopes = frame_->scopes;
    frame.globals = frame_->globals;
  }
  frame.scopes.push_back(std::make_shared<Scope>());
  WEIR_TRY(EnterCall(stmt.pos));
  std::string text;
  Status status;
  {
    FrameSwitch current(*this, frame);
    status = ExecBody(program->body, text);
    flow_ = Flow::kNormal;
  }
  LeaveCall();
  WEIR_TRY(status);
  return Append(out, text, stmt.pos);
}

Result<TemplateValue> CallWithContext(const TemplateValue& callee, const TemplateCallArgs& args,
                                      const TemplateContext& context, RenderOptions options) {
  Evaluator evaluator(context, options);
  return evaluator.CallFromOutside(callee, args);
}

}  // namespace weir::template_internal
