#include "template/template.h"

#include <exception>

#include "template/internal/evaluator.h"
#include "template/internal/parser.h"

namespace weir {

using template_internal::DbtBlockKind;
using template_internal::DbtBlockStmt;
using template_internal::MacroStmt;
using template_internal::Program;
using template_internal::StmtKind;
using template_internal::StmtPtr;

void TemplateContext::Set(std::string name, TemplateValue value) {
  value.Freeze();  // renders share it, possibly from several threads
  names_.Set(std::move(name), std::move(value));
}

void TemplateContext::AddFunction(std::string name, TemplateFunction function, TemplateFunctionOptions options) {
  TemplateValue callable = TemplateValue::Function(name, std::move(function), options.secret);
  names_.Set(std::move(name), std::move(callable));
}

Template::Template(std::shared_ptr<const Program> program) : program_(std::move(program)) {}
Template::~Template() = default;

const SourceLocation& Template::origin() const { return program_->origin; }

namespace {

// No exception crosses the public header (STYLE.md): callers' functions and
// allocation failures become errors here.
template <typename T, typename F>
Result<T> Guarded(const SourceLocation& where, std::string_view what, F run) {
  try {
    return run();
  } catch (const std::exception& e) {
    return InternalError(std::string(what) + " failed: " + e.what()).At(where);
  }
}

}  // namespace

Result<std::string> Template::Render(const TemplateContext& context) const {
  return Guarded<std::string>(program_->origin, "template rendering",
                              [&] { return template_internal::RenderProgram(program_, context, {}); });
}

Result<std::string> Template::RenderRedacted(const TemplateContext& context) const {
  return Guarded<std::string>(program_->origin, "template rendering", [&] {
    return template_internal::RenderProgram(program_, context, {.redact_secrets = true});
  });
}

TemplateMap Template::Macros() const {
  TemplateMap macros;
  for (const StmtPtr& stmt : program_->body) {
    if (stmt->kind == StmtKind::kMacro) {
      const auto& def = static_cast<const MacroStmt&>(*stmt).def;
      macros.Set(def.name, template_internal::UnboundMacro(program_, def, def.name));
    }
  }
  for (const DbtBlockStmt* block : program_->dbt_blocks) {
    if (block->block == DbtBlockKind::kTest || block->block == DbtBlockKind::kMaterialization) {
      macros.Set(block->def.name, template_internal::UnboundMacro(program_, block->def, block->def.name));
    }
  }
  return macros;
}

std::vector<TemplateBlock> Template::Blocks() const {
  std::vector<TemplateBlock> blocks;
  for (const DbtBlockStmt* block : program_->dbt_blocks) {
    TemplateBlock out;
    switch (block->block) {
      case DbtBlockKind::kDocs: out.kind = TemplateBlock::Kind::kDocs; break;
      case DbtBlockKind::kMaterialization: out.kind = TemplateBlock::Kind::kMaterialization; break;
      case DbtBlockKind::kSnapshot: out.kind = TemplateBlock::Kind::kSnapshot; break;
      case DbtBlockKind::kTest: out.kind = TemplateBlock::Kind::kTest; break;
    }
    out.name = block->name;
    out.arguments = block->arguments;
    out.text = block->text;
    if (block->block != DbtBlockKind::kDocs) {
      out.macro = template_internal::UnboundMacro(program_, block->def, block->def.name);
    }
    out.where = template_internal::LocationOf(program_->origin, block->pos);
    blocks.push_back(std::move(out));
  }
  return blocks;
}

Result<Template> ParseTemplate(std::string_view text, SourceLocation origin, TemplateParseOptions options) {
  SourceLocation where = origin;
  return Guarded<Template>(where, "template parsing", [&]() -> Result<Template> {
    WEIR_ASSIGN_OR_RETURN(std::shared_ptr<const Program> program,
                          template_internal::Parse(text, std::move(origin), options));
    return Template(std::move(program));
  });
}

Result<std::string> RenderTemplate(std::string_view text, SourceLocation origin, const TemplateContext& context) {
  WEIR_ASSIGN_OR_RETURN(Template tmpl, ParseTemplate(text, std::move(origin)));
  return tmpl.Render(context);
}

Result<TemplateValue> CallTemplateValue(const TemplateValue& callee, const TemplateCallArgs& args,
                                        const TemplateContext& context) {
  return Guarded<TemplateValue>(SourceLocation{}, "calling a template value", [&] {
    return template_internal::CallWithContext(callee, args, context, {});
  });
}

bool HasTemplateSyntax(std::string_view text) {
  for (size_t k = text.find('{'); k != std::string_view::npos && k + 1 < text.size(); k = text.find('{', k + 1)) {
    char next = text[k + 1];
    if (next == '{' || next == '%' || next == '#') return true;
  }
  return false;
}

}  // namespace weir
