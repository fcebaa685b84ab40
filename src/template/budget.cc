#include "template/internal/budget.h"

#include <string>

namespace weir::template_internal {
namespace {

thread_local RenderBudget* t_current = nullptr;

uintptr_t StackPosition() { return reinterpret_cast<uintptr_t>(__builtin_frame_address(0)); }

}  // namespace

RenderBudget::RenderBudget() : stack_start_(StackPosition()), previous_(t_current) {
  // A nested render (a C++ function rendering another template) shares the
  // outer render's stack allowance.
  if (previous_ != nullptr) stack_start_ = previous_->stack_start_;
  t_current = this;
}

RenderBudget::~RenderBudget() { t_current = previous_; }

Status RenderBudget::Charge(int64_t units) {
  RenderBudget* budget = t_current;
  if (budget == nullptr) return OkStatus();
  budget->used_ += units;
  if (budget->used_ <= kMaxRenderWork) return OkStatus();
  return UserError("template-limit", "the template does too much work (over " + std::to_string(kMaxRenderWork >> 20) +
                                         "M steps); look for a loop that copies large values or never ends");
}

Status RenderBudget::CheckStack() {
  RenderBudget* budget = t_current;
  if (budget == nullptr || !budget->StackIsDeep()) return OkStatus();
  return UserError("template-limit", "the template nests macros, calls or expressions too deeply");
}

}  // namespace weir::template_internal
