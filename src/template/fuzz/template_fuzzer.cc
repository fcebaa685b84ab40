// libFuzzer target: bytes as a template, parsed (with dbt's block tags when
// the input's length is odd) and rendered plainly and redacted against a
// small context (a date, a list, a map, an object, secret(), var(), a
// loader with two templates, return()); its macros are then called from
// C++. Errors are expected; crashes, leaks and sanitizer reports are not.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "template/template.h"

namespace {

using weir::TemplateValue;

weir::Result<TemplateValue> Secret(const weir::TemplateCallArgs& args) {
  if (args.positional.size() != 1 || args.positional[0].kind() != TemplateValue::Kind::kString) {
    return weir::UserError("template-argument", "secret() takes one name");
  }
  return TemplateValue::String("s3cr3t-" + args.positional[0].AsString());
}

weir::Result<TemplateValue> Var(const weir::TemplateCallArgs& args) {
  if (args.positional.empty()) return weir::UserError("template-argument", "var() takes a name");
  if (args.positional[0].ToString() == "region") return TemplateValue::String("eu");
  for (const auto& [key, value] : args.keyword) {
    if (key == "default") return value;
  }
  if (args.positional.size() > 1) return args.positional[1];
  return weir::UserError("undefined-name", "no var " + args.positional[0].Repr());
}

// Templates that `import` and `include` find: parsed once.
weir::Result<weir::Template> Load(std::string_view name) {
  static const auto* lib = new weir::Result<weir::Template>(weir::ParseTemplate(
      "{% set version = 2 %}{% macro q(x, y=1) %}[{{ x }}{{ caller() if caller is defined }}]{% endmacro %}"
      "{% macro r(n) %}{{ r(n - 1) if n > 0 }}{{ ds is defined }}{% endmacro %}",
      {"lib.sql", 1, 1}));
  static const auto* loop = new weir::Result<weir::Template>(
      weir::ParseTemplate("{% import 'loop' as again %}{% include 'loop' %}", {"loop.sql", 1, 1}));
  if (name == "lib") return *lib;
  if (name == "loop") return *loop;
  return weir::UserError("template-not-found", "no template " + std::string(name));
}

weir::TemplateContext MakeContext() {
  weir::TemplateContext context(weir::TemplateContextOptions{.loader = Load, .macro_return = true});
  context.Set("ds", TemplateValue::String("2024-01-15"));
  context.Set("run_id", TemplateValue::Int(42));
  context.Set("rate", TemplateValue::Float(0.25));
  context.Set("enabled", TemplateValue::Bool(true));
  context.Set("nothing", TemplateValue::None());
  context.Set("tables", TemplateValue::FromList({TemplateValue::String("orders"), TemplateValue::String("customers")}));
  context.Set("numbers", TemplateValue::FromList({TemplateValue::Int(3), TemplateValue::Int(1), TemplateValue::Int(2)}));
  weir::TemplateMap options;
  options.Set("sslmode", TemplateValue::String("require"));
  weir::TemplateMap conn;
  conn.Set("host", TemplateValue::String("db.local"));
  conn.Set("port", TemplateValue::Int(5432));
  conn.Set("options", TemplateValue::FromMap(options));
  context.Set("conn", TemplateValue::FromMap(conn));
  context.Set("text", TemplateValue::String("  Gr\xC3\xBC\xC3\x9F" "e \xE2\x82\xAC  "));
  weir::TemplateMap relation;
  relation.Set("schema", TemplateValue::String("main"));
  relation.Set("render", TemplateValue::Function("render", [](const weir::TemplateCallArgs&) -> weir::Result<TemplateValue> {
    return TemplateValue::String("\"main\".\"t\"");
  }));
  context.Set("this", TemplateValue::Object(relation, "\"main\".\"t\""));
  context.Set("ns", TemplateValue::Namespace({}));
  context.AddFunction("secret", Secret, {.secret = true});
  context.AddFunction("var", Var);
  return context;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const weir::TemplateContext context = MakeContext();
  std::string_view text(reinterpret_cast<const char*>(data), size);
  weir::Result<weir::Template> parsed = weir::ParseTemplate(text, {"fuzz.yml", 3, 14}, {.dbt_blocks = size % 2 == 1});
  if (!parsed.ok()) return 0;
  (void)weir::ReferencedNames(*parsed);
  (void)parsed->Blocks();
  parsed->Render(context).status().IgnoreError();
  parsed->RenderRedacted(context).status().IgnoreError();
  weir::TemplateCallArgs args{{TemplateValue::Int(1), TemplateValue::String("x")}, {}};
  for (const auto& [name, macro] : parsed->Macros()) {
    weir::CallTemplateValue(macro, args, context).status().IgnoreError();
  }
  return 0;
}
