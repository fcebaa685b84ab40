// Statements: output, if, for, set, with, filter blocks, do, loop control.
#include "template/internal/evaluator.h"

#include "common/text.h"

#include "template/internal/filters.h"
#include "template/internal/format.h"
#include "template/internal/operators.h"
#include "template/internal/value_access.h"

namespace weir::template_internal {
namespace {

using Kind = TemplateValue::Kind;

// Jinja's `loop`: index (from 1), index0, revindex, revindex0, first, last,
// length, depth, previtem/nextitem (absent at the ends), cycle(a, b, ...).
// A new object each iteration, copied from one built per loop: an object a
// template kept (`{% do seen.append(loop) %}`) must not change later, or it
// could come to contain the list that holds it.
class LoopObject {
 public:
  explicit LoopObject(const TemplateValue::List& items) : items_(items) {}

  TemplateValue At(size_t i) {
    if (!index_) Prepare();
    *index_ = static_cast<int64_t>(i);
    int64_t index0 = static_cast<int64_t>(i), length = static_cast<int64_t>(items_.size());
    TemplateMap attributes = prototype_;
    auto slot = attributes.begin();
    (slot++)->second = TemplateValue::Int(index0 + 1);
    (slot++)->second = TemplateValue::Int(index0);
    (slot++)->second = TemplateValue::Int(length - index0);
    (slot++)->second = TemplateValue::Int(length - index0 - 1);
    (slot++)->second = TemplateValue::Bool(i == 0);
    (slot++)->second = TemplateValue::Bool(i + 1 == items_.size());
    (slot++)->second = i > 0 && i - 1 < items_.size() ? items_[i - 1] : Missing(missing_previous_, "previtem");
    (slot++)->second = i + 1 < items_.size() ? items_[i + 1] : Missing(missing_next_, "nextitem");
    return TemplateValue::Object(std::move(attributes),
                                 "<LoopContext " + std::to_string(index0 + 1) + "/" + std::to_string(length) + ">");
  }

 private:
  // The attributes, in the order At() fills them, built at the first
  // iteration.
  void Prepare() {
    index_ = std::make_shared<int64_t>(0);
    for (const char* name : {"index", "index0", "revindex", "revindex0", "first", "last", "previtem", "nextitem"}) {
      prototype_.Set(name, TemplateValue());
    }
    prototype_.Set("length", TemplateValue::Int(static_cast<int64_t>(items_.size())));
    prototype_.Set("depth", TemplateValue::Int(1));
    prototype_.Set("depth0", TemplateValue::Int(0));
    prototype_.Set("cycle", TemplateValue::Function("loop.cycle", [index = index_](const TemplateCallArgs& args) -> Result<TemplateValue> {
      if (args.positional.empty()) return UserError("template-argument", "loop.cycle: needs at least one value");
      return args.positional[static_cast<size_t>(*index) % args.positional.size()];
    }));
  }

  static const TemplateValue& Missing(TemplateValue& cached, const char* name) {
    if (cached.is_none()) cached = ValueAccess::Missing(std::string("loop.") + name + " is undefined at this end of the loop");
    return cached;
  }

  const TemplateValue::List& items_;
  std::shared_ptr<int64_t> index_;
  TemplateMap prototype_;
  TemplateValue missing_previous_, missing_next_;
};

}  // namespace

Evaluator::Evaluator(const TemplateContext& context, RenderOptions options) : context_(context), options_(options) {}

Evaluator::~Evaluator() = default;

Result<std::string> Evaluator::Render(std::shared_ptr<const Program> program) {
  Frame frame{std::move(program), {std::make_shared<Scope>()}, &context_.names()};
  FrameSwitch current(*this, frame);
  std::string out;
  Status status = ExecBody(frame.program->body, out);
  if (!status.ok() && status.code() == kReturnSignal) {
    returned_.reset();
    return UserError("template-value", "return() can only be called inside a macro", status.where());
  }
  WEIR_TRY(status);
  return out;
}

Status Evaluator::ExecBody(const Body& body, std::string& out) {
  for (const StmtPtr& stmt : body) {
    Status status = Exec(*stmt, out);
    if (!status.ok()) return status;
    if (flow_ != Flow::kNormal) break;
  }
  return OkStatus();
}

Status Evaluator::Exec(const Stmt& stmt, std::string& out) {
  if (Status entered = Enter(stmt.pos); !entered.ok()) return entered;
  switch (stmt.kind) {
    case StmtKind::kText: return Append(out, static_cast<const TextStmt&>(stmt).text, stmt.pos);
    case StmtKind::kOutput: {
      WEIR_ASSIGN_OR_RETURN(TemplateValue value, Eval(*static_cast<const OutputStmt&>(stmt).expr));
      return AppendValue(out, value, stmt.pos);
    }
    case StmtKind::kIf: return ExecIf(static_cast<const IfStmt&>(stmt), out);
    case StmtKind::kFor: return ExecFor(static_cast<const ForStmt&>(stmt), out);
    case StmtKind::kSet: return ExecSet(static_cast<const SetStmt&>(stmt));
    case StmtKind::kMacro: {
      const MacroDef& def = static_cast<const MacroStmt&>(stmt).def;
      frame_->scopes.back()->Set(def.name, DefineMacro(def, def.name));
      return OkStatus();
    }
    case StmtKind::kDbtBlock: {
      const auto& block = static_cast<const DbtBlockStmt&>(stmt);
      if (block.block == DbtBlockKind::kTest || block.block == DbtBlockKind::kMaterialization) {
        frame_->scopes.back()->Set(block.def.name, DefineMacro(block.def, block.def.name));
      }
      return OkStatus();
    }
    case StmtKind::kCallBlock: return ExecCallBlock(static_cast<const CallBlockStmt&>(stmt), out);
    case StmtKind::kDo: return Eval(*static_cast<const DoStmt&>(stmt).expr).status();
    case StmtKind::kFilterBlock: return ExecFilterBlock(static_cast<const FilterBlockStmt&>(stmt), out);
    case StmtKind::kWith: return ExecWith(static_cast<const WithStmt&>(stmt), out);
    case StmtKind::kImport: return ExecImport(static_cast<const ImportStmt&>(stmt));
    case StmtKind::kFromImport: return ExecFromImport(static_cast<const FromImportStmt&>(stmt));
    case StmtKind::kInclude: return ExecInclude(static_cast<const IncludeStmt&>(stmt), out);
    case StmtKind::kLoopControl:
      flow_ = static_cast<const LoopControlStmt&>(stmt).is_break ? Flow::kBreak : Flow::kContinue;
      return OkStatus();
  }
  return InternalError("unknown statement kind");
}

Status Evaluator::Append(std::string& out, std::string_view text, Position pos) {
  if (out.size() + text.size() > kMaxOutputBytes) {
    return Error("template-limit", "output larger than " + std::to_string(kMaxOutputBytes >> 20) + " MiB", pos);
  }
  produced_bytes_ += text.size();
  if (produced_bytes_ > kMaxProducedBytes) {
    return Error("template-limit", "the template produces more than " + std::to_string(kMaxProducedBytes >> 20) +
                                       " MiB of text, counting macro output each time it is used", pos);
  }
  WEIR_TRY(Charge(CostOfBytes(text.size()), pos));
  out += text;
  return OkStatus();
}

Status Evaluator::AppendValue(std::string& out, const TemplateValue& value, Position pos) {
  if (value.kind() == Kind::kString) return Append(out, value.AsString(), pos);
  std::string text;
  Status printed = AppendValueText(value, false, kMaxOutputBytes - out.size(), text);
  if (!printed.ok()) return At(printed, pos);
  return Append(out, text, pos);
}

Status Evaluator::ExecIf(const IfStmt& stmt, std::string& out) {
  for (const auto& [condition, body] : stmt.branches) {
    WEIR_ASSIGN_OR_RETURN(TemplateValue value, Eval(*condition));
    if (value.Truthy()) return ExecBody(body, out);
  }
  return ExecBody(stmt.otherwise, out);
}

Result<TemplateValue> Evaluator::ApplyBlockFilters(const std::vector<BlockFilter>& filters, TemplateValue value) {
  for (const BlockFilter& filter : filters) {
    WEIR_ASSIGN_OR_RETURN(value, ApplyFilter(filter.name, value, filter.args, filter.pos));
  }
  return value;
}

Status Evaluator::ExecSet(const SetStmt& stmt) {
  TemplateValue value;
  if (stmt.value) {
    WEIR_ASSIGN_OR_RETURN(value, Eval(*stmt.value));
  } else {
    std::string captured;
    {
      ScopeFrame scope(*this);
      WEIR_TRY(ExecBody(stmt.body, captured));
    }
    WEIR_ASSIGN_OR_RETURN(value, ApplyBlockFilters(stmt.filters, TemplateValue::String(std::move(captured))));
  }
  return Assign(stmt.target, value);
}

Status Evaluator::Assign(const Target& target, const TemplateValue& value) {
  switch (target.kind) {
    case Target::Kind::kName:
      frame_->scopes.back()->Set(target.name, value);
      return OkStatus();
    case Target::Kind::kAttribute: {
      const TemplateValue* object = Lookup(target.name);
      if (object == nullptr || ValueAccess::IsMissing(*object)) {
        return Error("undefined-name", "undefined name '" + target.name + "'" + DidYouMean(target.name, VisibleNames()), target.pos);
      }
      if (!object->is_namespace()) {
        return Error("template-type", "cannot set an attribute of " + std::string(object->TypeName()) + " '" + target.name +
                                          "'; only of a namespace(): {% set ns = namespace() %}", target.pos);
      }
      TemplateMap* attributes = object->MutableMap();
      if (attributes == nullptr) {
        return Error("template-type", "namespace '" + target.name + "' was given by the caller and cannot be changed", target.pos);
      }
      WEIR_ASSIGN_OR_RETURN(bool cycle, Located(ValueAccess::Reaches(value, ValueAccess::Identity(*object)), target.pos));
      if (cycle) return Error("template-value", "cannot put namespace '" + target.name + "' inside itself", target.pos);
      attributes->Set(target.attribute, value);
      return OkStatus();
    }
    case Target::Kind::kTuple: {
      Result<TemplateValue::List> items = IterationItems(value);
      if (!items.ok()) {
        return Error("template-type", "cannot unpack " + std::string(value.TypeName()) + " into " +
                                          std::to_string(target.items.size()) + " names", target.pos);
      }
      if (items->size() != target.items.size()) {
        return Error("template-type", "expected " + std::to_string(target.items.size()) + " values to unpack, got " +
                                          std::to_string(items->size()), target.pos);
      }
      for (size_t i = 0; i < target.items.size(); ++i) WEIR_TRY(Assign(target.items[i], (*items)[i]));
      return OkStatus();
    }
  }
  return OkStatus();
}

// What a loop visits: a list or tuple in place (no copy, and changes the
// body makes are seen, as in Python), else a list of the map's keys or the
// string's characters; with `if`, the items that pass.
Result<TemplateValue> Evaluator::LoopItems(const ForStmt& stmt) {
  WEIR_ASSIGN_OR_RETURN(TemplateValue iterable, Eval(*stmt.iterable));
  if (!iterable.is_sequence()) {
    Result<TemplateValue::List> items = IterationItems(iterable);
    if (!items.ok()) return At(items.status(), stmt.iterable->pos);
    iterable = TemplateValue::FromList(std::move(*items));
  }
  if (!stmt.condition) return iterable;
  TemplateValue::List kept;
  ScopeFrame scope(*this);
  for (size_t i = 0; i < iterable.AsList().size(); ++i) {
    TemplateValue item = iterable.AsList()[i];
    frame_->scopes.back()->Clear();
    WEIR_TRY(Assign(stmt.target, item));
    WEIR_ASSIGN_OR_RETURN(TemplateValue keep, Eval(*stmt.condition));
    if (keep.Truthy()) kept.push_back(std::move(item));
  }
  return TemplateValue::FromList(std::move(kept));
}

// The else branch runs unless some iteration ran its body to the end:
// Jinja's rule, under which a `break` or `continue` in every iteration also
// runs it.
Status Evaluator::ExecFor(const ForStmt& stmt, std::string& out) {
  WEIR_ASSIGN_OR_RETURN(TemplateValue source, LoopItems(stmt));
  const TemplateValue::List& items = source.AsList();
  bool completed_one = false;
  LoopObject loop(items);
  // One scope for the loop, emptied when an iteration `set` something in it.
  ScopeFrame scope(*this);
  Scope& names = *frame_->scopes.back();
  size_t own_names = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    if (++iterations_ > kMaxLoopIterations) {
      return Error("template-limit", "more than " + std::to_string(kMaxLoopIterations) + " loop iterations", stmt.pos);
    }
    WEIR_TRY(Charge(kCostPerStep, stmt.pos));
    if (names.size() != own_names) names.Clear();
    TemplateValue item = items[i];  // the body may change the list
    WEIR_TRY(Assign(stmt.target, item));
    if (stmt.uses_loop) names.Set("loop", loop.At(i));
    own_names = names.size();
    WEIR_TRY(ExecBody(stmt.body, out));
    if (flow_ == Flow::kBreak) {
      flow_ = Flow::kNormal;
      break;
    }
    completed_one = completed_one || flow_ == Flow::kNormal;
    flow_ = Flow::kNormal;
  }
  return completed_one ? OkStatus() : ExecBody(stmt.otherwise, out);
}

Status Evaluator::ExecWith(const WithStmt& stmt, std::string& out) {
  std::vector<TemplateValue> values;
  for (const auto& [target, value] : stmt.assignments) {
    WEIR_ASSIGN_OR_RETURN(TemplateValue v, Eval(*value));
    values.push_back(std::move(v));
  }
  ScopeFrame scope(*this);
  for (size_t i = 0; i < values.size(); ++i) WEIR_TRY(Assign(stmt.assignments[i].first, values[i]));
  return ExecBody(stmt.body, out);
}

Status Evaluator::ExecFilterBlock(const FilterBlockStmt& stmt, std::string& out) {
  std::string captured;
  {
    ScopeFrame scope(*this);
    WEIR_TRY(ExecBody(stmt.body, captured));
  }
  WEIR_ASSIGN_OR_RETURN(TemplateValue value, ApplyBlockFilters(stmt.filters, TemplateValue::String(std::move(captured))));
  return AppendValue(out, value, stmt.pos);
}

Status Evaluator::At(const Status& status, Position pos) const {
  return status.At(LocationOf(frame_->program->origin, pos));
}

Status Evaluator::LimitError(const Status& status, Position pos) const { return At(status, pos); }

Status Evaluator::Error(std::string code, std::string message, Position pos) const {
  return UserError(std::move(code), std::move(message), LocationOf(frame_->program->origin, pos));
}

Result<std::string> RenderProgram(std::shared_ptr<const Program> program, const TemplateContext& context,
                                  RenderOptions options) {
  return Evaluator(context, options).Render(std::move(program));
}

}  // namespace weir::template_internal
