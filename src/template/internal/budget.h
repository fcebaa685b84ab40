// Limits that keep one render bounded in time and stack, whatever the
// template and its values: a work budget shared by everything the render
// does, and a guard against deep recursion of the C++ stack.
//
// The evaluator installs a RenderBudget for the thread it renders on; value
// operations (comparisons, printing, building strings and lists) charge it
// without having to be handed it. Outside a render nothing is charged.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/status.h"

namespace weir::template_internal {

// Values nested deeper than this cannot be printed, compared or written as
// JSON (a container that contains itself prints as [...], as in Python).
inline constexpr int kMaxValueNesting = 200;

// Units of work, roughly one per byte copied: a render may use 2^28 (a
// fraction of a second; seconds in a sanitizer build): about two million
// expressions and statements.
inline constexpr int64_t kMaxRenderWork = int64_t{1} << 28;
// Stack a render may use below where it started, in bytes.
inline constexpr size_t kMaxRenderStack = size_t{3} << 20;

class RenderBudget {
 public:
  RenderBudget();  // installs itself for this thread
  ~RenderBudget();  // restores the one it replaced (nested renders)
  RenderBudget(const RenderBudget&) = delete;
  RenderBudget& operator=(const RenderBudget&) = delete;

  // Charges the current render (if any); template-limit once the render has
  // used up its work.
  static Status Charge(int64_t units);
  // template-limit when the current render is deep in the stack.
  static Status CheckStack();

  // The same for this budget, inline for the evaluator's hot paths.
  Status ChargeThis(int64_t units) {
    used_ += units;
    return used_ <= kMaxRenderWork ? Status() : Charge(0);
  }
  bool StackIsDeep() const {
    return reinterpret_cast<uintptr_t>(__builtin_frame_address(0)) + kMaxRenderStack < stack_start_;
  }

 private:
  int64_t used_ = 0;
  uintptr_t stack_start_;
  RenderBudget* previous_;
};

// Costs, in the units above.
inline constexpr int64_t kCostPerItem = 8;              // visiting one value of a container
inline constexpr int64_t kCostPerContainerVisit = 256;  // one container, when looking for cycles
inline constexpr int64_t kCostPerNode = 128;            // evaluating one expression or statement
inline constexpr int64_t kCostPerStep = 256;            // one loop iteration, filter or function call
inline constexpr int64_t kCostPerMacroCall = 2048;      // a macro call, import or include
inline int64_t CostOfBytes(size_t bytes) { return static_cast<int64_t>(bytes); }

}  // namespace weir::template_internal
