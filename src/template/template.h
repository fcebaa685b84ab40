// Jinja-compatible templates: the string values of pipeline YAML, such as
// "raw/sales/ds={{ ds }}/x.parquet" or "Bearer {{ secret('api_token') }}",
// and dbt's SQL models and macro files.
//
//   WEIR_ASSIGN_OR_RETURN(Template t, ParseTemplate(text, where_in_yaml));
//   TemplateContext ctx;
//   ctx.Set("ds", TemplateValue::String("2024-01-01"));
//   ctx.AddFunction("secret", ReadSecret, {.secret = true});
//   WEIR_ASSIGN_OR_RETURN(std::string out, t.Render(ctx));
//
// dbt's way of sharing macros: parse each macro file once, add the values of
// Template::Macros() to the context of every model, and run a macro from C++
// with CallTemplateValue (e.g. generate_schema_name).
//
// Undefined names are errors (Jinja's StrictUndefined), except under
// `| default(...)` and `is defined`. Errors are UserErrors whose location is
// the template's origin advanced to the offending token; codes:
// template-syntax, template-limit, undefined-name, undefined-attribute,
// template-type, template-argument, template-value, template-not-found,
// unknown-filter, unknown-test (README.md says what each means).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "template/value.h"

namespace weir {

namespace template_internal {
struct Program;
}

class Template;

struct TemplateParseOptions {
  // dbt's block tags (default false: they are unknown tags):
  // `{% test name(args) %}` defines the macro test_NAME,
  // `{% materialization name, adapter='duckdb' %}` the macro
  // materialization_NAME_ADAPTER (adapter 'default' when not given), and
  // `{% snapshot name %}` and `{% docs name %}` (whose body is raw text) are
  // recorded; none of them renders output. See Template::Blocks.
  bool dbt_blocks = false;
};

struct TemplateFunctionOptions {
  // Results are rendered as '***' by Template::RenderRedacted (default false).
  bool secret = false;
};

// Finds the template that `import`, `from ... import` or `include` names.
// Called once per tag each render: return a Template parsed once and kept.
using TemplateLoader = std::function<Result<Template>(std::string_view name)>;

struct TemplateContextOptions {
  // Default none: import and include fail with template-not-found.
  TemplateLoader loader;
  // dbt's `return(x)`: inside a macro it ends the macro, whose call then
  // evaluates to x instead of the macro's text. Default false: `return` is
  // an ordinary name.
  bool macro_return = false;
};

// The names a template may use: variables and caller-registered functions.
// Builtins (range, dict, namespace, ...) are visible unless a name here
// shadows them. Set() freezes the value (value.h): renders share it. Not
// thread-safe to mutate; safe to share read-only between renders.
class TemplateContext {
 public:
  TemplateContext() = default;
  explicit TemplateContext(TemplateContextOptions options) : options_(std::move(options)) {}

  void Set(std::string name, TemplateValue value);
  void AddFunction(std::string name, TemplateFunction function, TemplateFunctionOptions options = {});

  const TemplateValue* Find(std::string_view name) const { return names_.Find(name); }
  std::vector<std::string> Names() const { return names_.Keys(); }
  const TemplateMap& names() const { return names_; }

  TemplateContextOptions& options() { return options_; }
  const TemplateContextOptions& options() const { return options_; }

 private:
  TemplateMap names_;
  TemplateContextOptions options_;
};

// A dbt block tag found by the parser (TemplateParseOptions::dbt_blocks).
struct TemplateBlock {
  enum class Kind { kDocs, kMaterialization, kSnapshot, kTest };
  Kind kind = Kind::kDocs;
  std::string name;
  // materialization: adapter (always present) and the other arguments, as
  // written (a string literal's value, else the expression's text).
  std::vector<std::pair<std::string, std::string>> arguments;
  std::string text;  // the body's source text
  // test, materialization and snapshot: the body as a macro (test: with the
  // block's parameters), called like those of Template::Macros; none for docs.
  TemplateValue macro;
  SourceLocation where;  // of the opening tag
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

  // The macros defined at the top level of the template, by name, including
  // dbt's test and materialization blocks. Called from a render, one of these
  // reads the names it does not bind itself from that render's context, as
  // dbt binds macros to the calling node: add the macros of many files to one
  // context and they call each other. Thread-safe values; they keep the
  // syntax tree alive.
  TemplateMap Macros() const;
  // The dbt blocks, in order (empty unless parsed with dbt_blocks).
  std::vector<TemplateBlock> Blocks() const;

  const SourceLocation& origin() const;

 private:
  explicit Template(std::shared_ptr<const template_internal::Program> program);
  friend Result<Template> ParseTemplate(std::string_view text, SourceLocation origin, TemplateParseOptions options);
  friend std::vector<std::string> ReferencedNames(const Template& tmpl);
  friend struct TemplateProgramAccess;

  std::shared_ptr<const template_internal::Program> program_;
};

// `origin` is where the template text starts (file, line, column of its first
// character). Positions inside the text are added to it: on the first line the
// column advances; on later lines the line advances and the column is that of
// the line in the text. Columns count characters (UTF-8 code points).
Result<Template> ParseTemplate(std::string_view text, SourceLocation origin, TemplateParseOptions options = {});

Result<std::string> RenderTemplate(std::string_view text, SourceLocation origin, const TemplateContext& context);

// Calls a callable value as a template would: a caller-registered function
// directly; a macro renders with `context` (its names, loader and options)
// and evaluates to its text, or to what it return()s. Thread-safe for the
// values of Template::Macros.
Result<TemplateValue> CallTemplateValue(const TemplateValue& callee, const TemplateCallArgs& args,
                                        const TemplateContext& context);

// True when the text contains "{{", "{%" or "{#": other strings are plain and
// need no parsing.
bool HasTemplateSyntax(std::string_view text);

// Names the template reads from its context, in order of first use, without
// duplicates: not those bound inside it (set, for, loop, macros and their
// parameters, imports), not builtins (range), and not a bare name only used
// as `x | default(...)` or `x is defined` (those may be missing). Called
// functions are included, and so are the free names of macro bodies (which
// read the context when called).
std::vector<std::string> ReferencedNames(const Template& tmpl);

}  // namespace weir
