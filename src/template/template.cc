#include "template/template.h"

#include <exception>

#include "template/internal/evaluator.h"
#include "template/internal/parser.h"

namespace weir {

using template_internal::Program;

void TemplateContext::Set(std::string name, TemplateValue value) { names_.Set(std::move(name), std::move(value)); }

void TemplateContext::AddFunction(std::string name, TemplateFunction function, TemplateFunctionOptions options) {
  TemplateValue callable = TemplateValue::Function(name, std::move(function), options.secret);
  names_.Set(std::move(name), std::move(callable));
}

Template::Template(std::shared_ptr<const Program> program) : program_(std::move(program)) {}
Template::~Template() = default;

const SourceLocation& Template::origin() const { return program_->origin; }

// No exception crosses the public header (STYLE.md): callers' functions and
// allocation failures become errors here.
static Result<std::string> RenderGuarded(const Program& program, const TemplateContext& context,
                                         template_internal::RenderOptions options) {
  try {
    return template_internal::RenderProgram(program, context, options);
  } catch (const std::exception& e) {
    return InternalError(std::string("template rendering failed: ") + e.what()).At(program.origin);
  }
}

Result<std::string> Template::Render(const TemplateContext& context) const {
  return RenderGuarded(*program_, context, {});
}

Result<std::string> Template::RenderRedacted(const TemplateContext& context) const {
  return RenderGuarded(*program_, context, {.redact_secrets = true});
}

Result<Template> ParseTemplate(std::string_view text, SourceLocation origin) {
  try {
    WEIR_ASSIGN_OR_RETURN(std::shared_ptr<const Program> program, template_internal::Parse(text, std::move(origin)));
    return Template(std::move(program));
  } catch (const std::exception& e) {
    return InternalError(std::string("template parsing failed: ") + e.what());
  }
}

Result<std::string> RenderTemplate(std::string_view text, SourceLocation origin, const TemplateContext& context) {
  WEIR_ASSIGN_OR_RETURN(Template tmpl, ParseTemplate(text, std::move(origin)));
  return tmpl.Render(context);
}

bool HasTemplateSyntax(std::string_view text) {
  for (size_t k = text.find('{'); k != std::string_view::npos && k + 1 < text.size(); k = text.find('{', k + 1)) {
    char next = text[k + 1];
    if (next == '{' || next == '%' || next == '#') return true;
  }
  return false;
}

}  // namespace weir
