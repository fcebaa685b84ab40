// Jinja-compatible templates: the string values of pipeline YAML, such as
// "raw/sales/ds={{ ds }}/x.parquet" or "Bearer {{ secret('api_token') }}".
//
//   WEIR_ASSIGN_OR_RETURN(Template t, ParseTemplate(text, where_in_yaml));
//   TemplateContext ctx;
//   ctx.Set("ds", TemplateValue::String("2024-01-01"));
//   ctx.AddFunction("secret", ReadSecret, {.secret = true});
//   WEIR_ASSIGN_OR_RETURN(std::string out, t.Render(ctx));
//
// Undefined names are errors (Jinja's StrictUndefined), except under
// `| default(...)` and `is defined`. Errors are UserErrors whose location is
// the template's origin advanced to the offending token; codes:
// template-syntax, template-limit, undefined-name, undefined-attribute,
// template-type, template-argument, template-value, unknown-filter,
// unknown-test (README.md says what each means).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "template/value.h"

namespace weir {

namespace template_internal {
struct Program;
}

struct TemplateFunctionOptions {
  // Results are rendered as '***' by Template::RenderRedacted (default false).
  bool secret = false;
};

// The names a template may use: variables and caller-registered functions.
// Builtins (range) are visible unless a name here shadows them. Not
// thread-safe to mutate; safe to share read-only between renders.
class TemplateContext {
 public:
  void Set(std::string name, TemplateValue value);
  void AddFunction(std::string name, TemplateFunction function, TemplateFunctionOptions options = {});

  const TemplateValue* Find(std::string_view name) const { return names_.Find(name); }
  std::vector<std::string> Names() const { return names_.Keys(); }

 private:
  TemplateMap names_;
};

// A parsed template. Immutable; copies share the syntax tree; Render may be
// called from several threads at once.
class Template {
 public:
  Template(const Template&) = default;
  Template& operator=(const Template&) = default;
  Template(Template&&) noexcept = default;
  Template& operator=(Template&&) noexcept = default;
  ~Template();

  Result<std::string> Render(const TemplateContext& context) const;
  // Like Render, but calls to functions registered as secret are not made:
  // each renders as '***' (for logs, `weir compile` and the UI).
  Result<std::string> RenderRedacted(const TemplateContext& context) const;

  const SourceLocation& origin() const;

 private:
  explicit Template(std::shared_ptr<const template_internal::Program> program);
  friend Result<Template> ParseTemplate(std::string_view text, SourceLocation origin);
  friend std::vector<std::string> ReferencedNames(const Template& tmpl);

  std::shared_ptr<const template_internal::Program> program_;
};

// `origin` is where the template text starts (file, line, column of its first
// character). Positions inside the text are added to it: on the first line the
// column advances; on later lines the line advances and the column is that of
// the line in the text. Columns count characters (UTF-8 code points).
Result<Template> ParseTemplate(std::string_view text, SourceLocation origin);

Result<std::string> RenderTemplate(std::string_view text, SourceLocation origin, const TemplateContext& context);

// True when the text contains "{{", "{%" or "{#": other strings are plain and
// need no parsing.
bool HasTemplateSyntax(std::string_view text);

// Names the template reads from its context, in order of first use, without
// duplicates: not those bound inside it (set, for, loop), not builtins
// (range), and not a bare name only used as `x | default(...)` or
// `x is defined` (those may be missing). Called functions are included.
std::vector<std::string> ReferencedNames(const Template& tmpl);

}  // namespace weir
