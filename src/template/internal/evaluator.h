// Evaluator: walks a Program with a context and writes the output. Scopes
// follow Jinja: the template's top level is one scope (`set` inside `if`
// writes to it), each loop iteration gets a fresh scope for its variables,
// `loop` and its own `set`s, which do not survive the iteration.
#pragma once

#include <string>

#include "common/status.h"
#include "template/internal/ast.h"
#include "template/template.h"

namespace weir::template_internal {

// Beyond these a render fails with template-limit, so that hostile or
// mistaken templates cannot exhaust memory or run forever.
inline constexpr size_t kMaxOutputBytes = 64u << 20;
inline constexpr int64_t kMaxLoopIterations = 10'000'000;  // per render, all loops

struct RenderOptions {
  bool redact_secrets = false;  // secret functions are not called and render as '***'
};

Result<std::string> RenderProgram(const Program& program, const TemplateContext& context, RenderOptions options);

}  // namespace weir::template_internal
