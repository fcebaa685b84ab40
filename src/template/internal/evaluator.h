// Evaluator: walks a Program with a context and writes the output. Scopes
// follow Jinja: the template's top level is one scope (`set` inside `if`
// writes to it), each loop iteration, macro call, call-block body, `with`
// and `filter` block gets a fresh scope whose `set`s do not survive it.
//
// Names resolve in the current frame: its scopes, innermost first, then its
// globals (the render's context, or none in a template imported without
// context), then the builtins. A macro value remembers the scopes it was
// defined in (weakly: it may not outlive them) and the frame's globals;
// macros from Template::Macros remember nothing and use the globals of the
// render that calls them (dbt's rule).
//
// One Evaluator per render, used on one thread. Implemented in
// evaluator.cc (statements), evaluator_expr.cc (expressions) and macros.cc
// (macros, calls, imports).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "template/internal/ast.h"
#include "template/internal/budget.h"
#include "template/template.h"

namespace weir::template_internal {

// Beyond these a render fails with template-limit, so that hostile or
// mistaken templates cannot exhaust memory or run forever.
inline constexpr size_t kMaxOutputBytes = 64u << 20;          // one output or block
inline constexpr size_t kMaxProducedBytes = 256u << 20;       // all text a render produces
inline constexpr int64_t kMaxLoopIterations = 10'000'000;     // per render, all loops
inline constexpr int kMaxCallDepth = 200;                     // nested macro calls, imports, includes
inline constexpr size_t kMaxImports = 10'000;                 // per render

struct RenderOptions {
  bool redact_secrets = false;  // secret functions are not called and render as '***'
};

using Scope = TemplateMap;
using ScopePtr = std::shared_ptr<Scope>;

// What a macro value calls: its definition and, for a macro defined while
// rendering, what it sees (see the top of this file).
struct MacroClosure {
  std::shared_ptr<const Program> program;  // keeps `def` alive
  const MacroDef* def = nullptr;
  std::string name;  // as exported (dbt's test_NAME), else def->name
  bool bound = false;
  std::vector<std::weak_ptr<Scope>> scopes;  // innermost last
  const TemplateMap* globals = nullptr;
  std::weak_ptr<const void> render;  // alive while the defining render runs
};

// A macro of `program` that sees the globals of whichever render calls it.
TemplateValue UnboundMacro(std::shared_ptr<const Program> program, const MacroDef& def, std::string name);

Result<std::string> RenderProgram(std::shared_ptr<const Program> program, const TemplateContext& context,
                                  RenderOptions options);

// "row.customer" for an expression made of names and attributes, else "".
std::string ExprText(const Expr& expr);

// CallTemplateValue for macros and functions.
Result<TemplateValue> CallWithContext(const TemplateValue& callee, const TemplateCallArgs& args,
                                      const TemplateContext& context, RenderOptions options);

class Evaluator {
 public:
  Evaluator(const TemplateContext& context, RenderOptions options);
  ~Evaluator();
  Evaluator(const Evaluator&) = delete;
  Evaluator& operator=(const Evaluator&) = delete;

  Result<std::string> Render(std::shared_ptr<const Program> program);
  // Calls a macro or function from C++ (CallTemplateValue, a macro's
  // TemplateCallable::function).
  Result<TemplateValue> CallFromOutside(const TemplateValue& callee, TemplateCallArgs args);

 private:
  // Where statements run: a template's top level, a macro body, an include.
  struct Frame {
    std::shared_ptr<const Program> program;
    std::vector<ScopePtr> scopes;  // innermost last
    const TemplateMap* globals = nullptr;
  };
  enum class Flow { kNormal, kBreak, kContinue };

  // Makes `frame` current while in scope.
  class FrameSwitch {
   public:
    FrameSwitch(Evaluator& evaluator, Frame& frame) : evaluator_(evaluator), saved_(evaluator.frame_) {
      evaluator.frame_ = &frame;
    }
    ~FrameSwitch() { evaluator_.frame_ = saved_; }
    FrameSwitch(const FrameSwitch&) = delete;
    FrameSwitch& operator=(const FrameSwitch&) = delete;

   private:
    Evaluator& evaluator_;
    Frame* saved_;
  };

  // A new innermost scope of the current frame while in scope.
  class ScopeFrame {
   public:
    explicit ScopeFrame(Evaluator& evaluator) : scopes_(evaluator.frame_->scopes) {
      scopes_.push_back(std::make_shared<Scope>());
    }
    ~ScopeFrame() { scopes_.pop_back(); }
    ScopeFrame(const ScopeFrame&) = delete;
    ScopeFrame& operator=(const ScopeFrame&) = delete;

   private:
    std::vector<ScopePtr>& scopes_;
  };

  // Statements (evaluator.cc).
  Status ExecBody(const Body& body, std::string& out);
  Status Exec(const Stmt& stmt, std::string& out);
  Status ExecIf(const IfStmt& stmt, std::string& out);
  Status ExecFor(const ForStmt& stmt, std::string& out);
  Status ExecSet(const SetStmt& stmt);
  Status ExecWith(const WithStmt& stmt, std::string& out);
  Status ExecFilterBlock(const FilterBlockStmt& stmt, std::string& out);
  Result<TemplateValue> ApplyBlockFilters(const std::vector<BlockFilter>& filters, TemplateValue value);
  Status Assign(const Target& target, const TemplateValue& value);
  Status Append(std::string& out, std::string_view text, Position pos);
  Status AppendValue(std::string& out, const TemplateValue& value, Position pos);
  Result<TemplateValue> LoopItems(const ForStmt& stmt);

  // Expressions (evaluator_expr.cc).
  Result<TemplateValue> Eval(const Expr& expr);
  Result<std::optional<TemplateValue>> EvalMaybe(const Expr& expr);
  Result<std::pair<TemplateValue, TemplateValue>> EvalObjectAndKey(const Expr& expr);
  Result<TemplateValue> EvalAttribute(const AttributeExpr& attr);
  Result<TemplateValue> EvalSlice(const SliceExpr& slice);
  Result<TemplateValue> EvalSequence(const std::vector<ExprPtr>& items, bool tuple);
  Result<TemplateValue> EvalDict(const DictExpr& dict);
  Result<TemplateValue> EvalBinary(const BinaryExpr& bin);
  Result<TemplateValue> EvalCompare(const CompareExpr& cmp);
  Result<TemplateCallArgs> EvalArguments(const Arguments& args);
  Result<TemplateValue> EvalCall(const CallExpr& call);
  Result<TemplateValue> EvalFilter(const FilterExpr& filter);
  Result<TemplateValue> ApplyFilter(const std::string& name, const TemplateValue& input, const Arguments& args,
                                    Position pos);
  Result<TemplateValue> EvalTest(const TestExpr& test);
  Status MissingItemError(const Expr& expr, const TemplateValue& object, const TemplateValue& key) const;
  const TemplateValue* Lookup(std::string_view name) const;
  std::vector<std::string> VisibleNames() const;

  // Macros, calls and imports (macros.cc).
  TemplateValue DefineMacro(const MacroDef& def, std::string name);
  Result<TemplateValue> CallValue(const TemplateValue& callee, TemplateCallArgs args, Position pos,
                                  std::string_view what, const TemplateValue* caller);
  Result<TemplateValue> CallClosure(const MacroClosure& closure, TemplateCallArgs args, const TemplateValue* caller,
                                    Position pos);
  Result<TemplateValue> CallMacro(const MacroClosure& closure, TemplateCallArgs args, const TemplateValue* caller);
  Status BindParameters(const MacroClosure& closure, TemplateCallArgs& args, const TemplateValue* caller);
  Status ExecCallBlock(const CallBlockStmt& stmt, std::string& out);
  Status ExecImport(const ImportStmt& stmt);
  Status ExecFromImport(const FromImportStmt& stmt);
  Status ExecInclude(const IncludeStmt& stmt, std::string& out);
  Result<Template> LoadTemplate(const Expr& name_expr, const TemplateValue& name);
  Result<TemplateValue> RenderModule(const Template& tmpl, bool with_context, Position pos);
  Status EnterCall(Position pos);
  void LeaveCall() { --call_depth_; }

  // Errors located in the current frame's template.
  template <typename T>
  Result<T> Located(Result<T> result, Position pos) const {
    if (result.ok()) return result;
    return At(result.status(), pos);
  }
  Status At(const Status& status, Position pos) const;
  Status Error(std::string code, std::string message, Position pos) const;
  // Charges this render's budget; the error is located at `pos`.
  Status Charge(int64_t units, Position pos) {
    Status status = budget_.ChargeThis(units);
    return status.ok() ? status : LimitError(status, pos);
  }
  Status LimitError(const Status& status, Position pos) const;
  // Every statement and expression: the stack and the work budget.
  Status Enter(Position pos) {
    if (budget_.StackIsDeep()) return LimitError(RenderBudget::CheckStack(), pos);
    return Charge(kCostPerNode, pos);
  }

  const TemplateContext& context_;  // the render's: globals of unbound macros, loader, options
  RenderOptions options_;
  RenderBudget budget_;
  std::shared_ptr<const int> alive_ = std::make_shared<const int>(0);  // closures hold it weakly
  Frame* frame_ = nullptr;
  Flow flow_ = Flow::kNormal;
  std::optional<TemplateValue> returned_;  // set by return(), taken by the macro call
  int64_t iterations_ = 0;
  size_t produced_bytes_ = 0;
  int call_depth_ = 0;
  // The top-level scopes of imported templates, which their macros read
  // (weakly) for as long as the render runs.
  std::vector<ScopePtr> modules_;
};

// The Status code that carries return() up to the macro call; never seen by
// callers (a return() outside a macro becomes template-value).
inline constexpr std::string_view kReturnSignal = "template-return";

}  // namespace weir::template_internal
