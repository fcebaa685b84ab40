// The syntax tree behind a Template, for the evaluator's imports and the
// exported macros.
#pragma once

#include <memory>

#include "template/internal/ast.h"
#include "template/template.h"

namespace weir {

struct TemplateProgramAccess {
  static const std::shared_ptr<const template_internal::Program>& Get(const Template& tmpl) { return tmpl.program_; }
};

}  // namespace weir
