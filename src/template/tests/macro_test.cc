// Macros as dbt uses them, which python Jinja cannot check: macros shared
// between files through the context, called from C++, return(), call
// blocks on C++ functions, and objects such as `this`.
#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "template/template.h"

namespace weir {
namespace {

Template Parse(std::string_view text, TemplateParseOptions options = {}) {
  Result<Template> t = ParseTemplate(text, SourceLocation{"macros/x.sql", 1, 1}, options);
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return t.ok() ? *t : *ParseTemplate("", {});
}

std::string Render(const Template& t, const TemplateContext& ctx) {
  Result<std::string> out = t.Render(ctx);
  return out.ok() ? *out : "error: " + out.status().ToString();
}

// dbt's relation `this`: an object that prints as its quoted name.
TemplateValue Relation(std::string schema, std::string table) {
  TemplateMap attributes;
  attributes.Set("database", TemplateValue::String("db"));
  attributes.Set("schema", TemplateValue::String(schema));
  attributes.Set("identifier", TemplateValue::String(table));
  std::string display = "\"db\".\"" + schema + "\".\"" + table + "\"";
  attributes.Set("render", TemplateValue::Function("render", [display](const TemplateCallArgs&) -> Result<TemplateValue> {
    return TemplateValue::String(display);
  }));
  return TemplateValue::Object(std::move(attributes), display);
}

void AddMacros(TemplateContext& ctx, const Template& file) {
  for (const auto& [name, macro] : file.Macros()) ctx.Set(name, macro);
}

const char kSchemaMacros[] =
    "{% macro generate_schema_name(custom_schema_name, node) -%}\n"
    "  {%- if custom_schema_name is none -%}{{ target.schema }}"
    "{%- else -%}{{ target.schema }}_{{ custom_schema_name | trim }}{%- endif -%}\n"
    "{%- endmacro %}";

TEST(TemplateMacroTest, MacrosOfSeveralFilesCallEachOtherThroughTheContext) {
  Template schema_file = Parse(kSchemaMacros);
  Template helper_file = Parse("{% macro schema_of(name) %}{{ generate_schema_name(name, none) }}.{{ this.identifier }}{% endmacro %}");
  TemplateContext ctx;
  AddMacros(ctx, schema_file);
  AddMacros(ctx, helper_file);
  TemplateMap target;
  target.Set("schema", TemplateValue::String("main"));
  ctx.Set("target", TemplateValue::FromMap(target));
  ctx.Set("this", Relation("main", "orders"));
  EXPECT_EQ(Render(Parse("{{ schema_of('staging') }} {{ schema_of(none) }}"), ctx), "main_staging.orders main.orders");
  EXPECT_EQ(schema_file.Macros().Keys(), (std::vector<std::string>{"generate_schema_name"}));
}

TEST(TemplateMacroTest, AMacroReadsTheContextOfTheRenderThatCallsIt) {
  Template macros = Parse("{% macro describe() %}{{ this }} in {{ this.schema }}{% endmacro %}");
  Template model = Parse("{{ describe() }}");
  TemplateContext orders, customers;
  for (auto* ctx : {&orders, &customers}) AddMacros(*ctx, macros);
  orders.Set("this", Relation("main", "orders"));
  customers.Set("this", Relation("sales", "customers"));
  EXPECT_EQ(Render(model, orders), "\"db\".\"main\".\"orders\" in main");
  EXPECT_EQ(Render(model, customers), "\"db\".\"sales\".\"customers\" in sales");
}

TEST(TemplateMacroTest, SharedMacrosRenderFromSeveralThreadsAtOnce) {
  Template macros = Parse("{% macro cols(n) %}{% set acc = [] %}{% for i in range(n) %}{% do acc.append('c' ~ i) %}"
                          "{% endfor %}{{ acc | join(',') }} from {{ this }}{% endmacro %}");
  Template model = Parse("{% set ns = namespace(rows=[]) %}{% do ns.rows.append(cols(3)) %}select {{ ns.rows[0] }}");
  std::vector<TemplateContext> contexts(4);
  for (size_t i = 0; i < contexts.size(); ++i) {
    AddMacros(contexts[i], macros);
    contexts[i].Set("this", Relation("s" + std::to_string(i), "t"));
  }
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (size_t i = 0; i < contexts.size(); ++i) {
    threads.emplace_back([&, i] {
      std::string want = "select c0,c1,c2 from \"db\".\"s" + std::to_string(i) + "\".\"t\"";
      for (int k = 0; k < 200; ++k) {
        if (Render(model, contexts[i]) != want) ++mismatches;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(mismatches.load(), 0);
}

TEST(TemplateMacroTest, CallTemplateValueRunsAMacroFromCpp) {
  Template file = Parse(kSchemaMacros);
  TemplateContext ctx;
  TemplateMap target;
  target.Set("schema", TemplateValue::String("analytics"));
  ctx.Set("target", TemplateValue::FromMap(target));
  TemplateValue macro = *file.Macros().Find("generate_schema_name");
  Result<TemplateValue> named = CallTemplateValue(macro, {{TemplateValue::String(" finance "), TemplateValue::None()}, {}}, ctx);
  ASSERT_TRUE(named.ok()) << named.status().ToString();
  EXPECT_EQ(named->AsString(), "analytics_finance");
  Result<TemplateValue> fallback =
      CallTemplateValue(macro, {{}, {{"custom_schema_name", TemplateValue::None()}, {"node", TemplateValue::None()}}}, ctx);
  ASSERT_TRUE(fallback.ok()) << fallback.status().ToString();
  EXPECT_EQ(fallback->AsString(), "analytics");
  // Errors inside the macro point into its file.
  Result<TemplateValue> missing_target = CallTemplateValue(macro, {{TemplateValue::String("x")}, {}}, TemplateContext());
  ASSERT_FALSE(missing_target.ok());
  EXPECT_EQ(missing_target.status().code(), "undefined-name");
  EXPECT_EQ(missing_target.status().where().file, "macros/x.sql");
  EXPECT_EQ(missing_target.status().where().line, 2);
  // Functions are called directly; other values are not callable.
  TemplateValue twice = TemplateValue::Function("twice", [](const TemplateCallArgs& args) -> Result<TemplateValue> {
    return TemplateValue::Int(args.positional.at(0).AsInt() * 2);
  });
  EXPECT_EQ(CallTemplateValue(twice, {{TemplateValue::Int(21)}, {}}, ctx)->AsInt(), 42);
  EXPECT_EQ(CallTemplateValue(TemplateValue::Int(1), {}, ctx).status().code(), "template-type");
}

TEST(TemplateMacroTest, ReturnEndsTheMacroWithAValue) {
  Template file = Parse(
      "{% macro pick(x) %}before{% if x > 1 %}{{ return(x * 2) }}{% endif %}never{% endmacro %}"
      "{% macro columns() %}{% for c in ['a', 'b'] %}{% if c == 'b' %}{% do return({'last': c, 'all': ['a', 'b']}) %}"
      "{% endif %}{% endfor %}{% endmacro %}");
  TemplateContext ctx(TemplateContextOptions{.macro_return = true});
  AddMacros(ctx, file);
  EXPECT_EQ(Render(Parse("{{ pick(3) }} {{ pick(1) }} {{ columns().last }} {{ columns()['all'] | length }}"), ctx),
            "6 beforenever b 2");
  Result<TemplateValue> value = CallTemplateValue(*ctx.Find("pick"), {{TemplateValue::Int(5)}, {}}, ctx);
  ASSERT_TRUE(value.ok()) << value.status().ToString();
  EXPECT_EQ(value->kind(), TemplateValue::Kind::kInt);
  EXPECT_EQ(value->AsInt(), 10);
  Result<std::string> outside = Parse("a{{ return(1) }}").Render(ctx);
  ASSERT_FALSE(outside.ok());
  EXPECT_EQ(outside.status().code(), "template-value");
  EXPECT_EQ(outside.status().where().column, 5);
  // Off by default: `return` is an ordinary name.
  TemplateContext plain;
  AddMacros(plain, file);
  Result<std::string> off = Parse("{{ pick(3) }}").Render(plain);
  ASSERT_FALSE(off.ok());
  EXPECT_EQ(off.status().code(), "undefined-name");
}

TEST(TemplateMacroTest, CallBlockOnACppFunctionPassesACallableCaller) {
  struct Statement {
    std::string name, sql;
    bool fetch_result = false;
  } seen;
  TemplateContext ctx(TemplateContextOptions{.macro_return = true});
  ctx.Set("target_table", TemplateValue::String("orders"));
  ctx.AddFunction("statement", [&seen](const TemplateCallArgs& args) -> Result<TemplateValue> {
    seen.name = args.positional.at(0).AsString();
    const TemplateValue* fetch = args.Keyword("fetch_result");
    seen.fetch_result = fetch != nullptr && fetch->Truthy();
    const TemplateValue* caller = args.Keyword("caller");
    if (caller == nullptr || caller->kind() != TemplateValue::Kind::kCallable) {
      return UserError("template-argument", "statement() needs a call block");
    }
    Result<TemplateValue> sql = caller->AsCallable().function({});
    if (!sql.ok()) return sql.status();
    seen.sql = sql->AsString();
    return TemplateValue::String("");
  });
  Template model = Parse(
      "{% for t in ['a'] %}{% call statement('main', fetch_result=True) %}select {{ 1 + 1 }} from {{ target_table }}"
      "_{{ t }}{% endcall %}{% endfor %}done");
  EXPECT_EQ(Render(model, ctx), "done");
  EXPECT_EQ(seen.name, "main");
  EXPECT_TRUE(seen.fetch_result);
  EXPECT_EQ(seen.sql, "select 2 from orders_a");
}

TEST(TemplateMacroTest, AMacroCalledAfterItsRenderEndedFailsCleanly) {
  std::optional<TemplateValue> kept;
  TemplateContext ctx;
  ctx.AddFunction("keep", [&kept](const TemplateCallArgs& args) -> Result<TemplateValue> {
    kept = args.positional.at(0);
    return TemplateValue::None();
  });
  EXPECT_EQ(Render(Parse("{% macro m() %}x{% endmacro %}{{ keep(m) }}"), ctx), "None");
  ASSERT_TRUE(kept.has_value());
  Result<TemplateValue> late = kept->AsCallable().function({});
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.status().code(), "template-type");
  EXPECT_EQ(CallTemplateValue(*kept, {}, ctx).status().code(), "template-type");
}

TEST(TemplateMacroTest, ObjectsPrintTheirDisplayAndReadAttributes) {
  TemplateContext ctx;
  ctx.Set("this", Relation("main", "orders"));
  Template t = Parse(
      "{{ this }}|{{ this.schema }}|{{ this ~ '_tmp' }}|{{ this is string }}|{{ this is mapping }}|{{ this.render() }}|"
      "{{ this | string | length }}|{{ this['identifier'] }}|{{ this.nope is defined }}|{{ [this] | length }}");
  EXPECT_EQ(Render(t, ctx), "\"db\".\"main\".\"orders\"|main|\"db\".\"main\".\"orders\"_tmp|False|False|"
                            "\"db\".\"main\".\"orders\"|20|orders|False|1");
  Result<std::string> typo = Parse("{{ this.shema }}").Render(ctx);
  ASSERT_FALSE(typo.ok());
  EXPECT_EQ(typo.status().code(), "undefined-attribute");
  EXPECT_EQ(typo.status().message(), "no attribute 'shema' in object 'this'; did you mean 'schema'?");
  EXPECT_EQ(Parse("{% for x in this %}{% endfor %}").Render(ctx).status().code(), "template-type");
  EXPECT_EQ(Parse("{% set this.schema = 'x' %}").Render(ctx).status().code(), "template-type");
}

TEST(TemplateMacroTest, MacroCallDepthIsLimited) {
  Template t = Parse("{% macro down(n) %}{% if n > 0 %}{{ down(n - 1) }}{% else %}bottom{% endif %}{% endmacro %}"
                     "{{ down(depth) }}");
  TemplateContext ok, too_deep;
  ok.Set("depth", TemplateValue::Int(150));
  too_deep.Set("depth", TemplateValue::Int(500));
  EXPECT_EQ(Render(t, ok), "bottom");
  Result<std::string> out = t.Render(too_deep);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), "template-limit");
}

TEST(TemplateMacroTest, DeepExpressionsInRecursiveMacrosStopBeforeTheStackEnds) {
  std::string deep = std::string(90, '(') + "n" + std::string(90, ')');
  Template t = Parse("{% macro r(n) %}{% if " + deep + " > 0 %}{{ r(" + deep + " - 1) }}{% endif %}{% endmacro %}{{ r(199) }}");
  Result<std::string> out = t.Render(TemplateContext());
  if (!out.ok()) EXPECT_EQ(out.status().code(), "template-limit") << out.status().ToString();
}

TEST(TemplateMacroTest, MacrosExportsTopLevelMacrosOnly) {
  Template t = Parse("{% macro a() %}{% macro inner() %}{% endmacro %}{% endmacro %}{% if x %}{% macro b() %}{% endmacro %}"
                     "{% endif %}{% macro c(x, y=1) %}{% endmacro %}");
  TemplateMap macros = t.Macros();
  EXPECT_EQ(macros.Keys(), (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ(macros.Find("c")->ToString(), "<Macro 'c'>");
}

TEST(TemplateMacroTest, ImportUsesTheContextsLoader) {
  Template lib = Parse("{% macro q(x) %}\"{{ x }}\"{% endmacro %}{% set sep = ', ' %}");
  int loads = 0;
  TemplateContext ctx(TemplateContextOptions{.loader = [&](std::string_view name) -> Result<Template> {
    ++loads;
    if (name == "lib.sql") return lib;
    return UserError("template-not-found", "no template '" + std::string(name) + "'");
  }});
  EXPECT_EQ(Render(Parse("{% import 'lib.sql' as lib %}{{ [lib.q('a'), lib.q('b')] | join(lib.sep) }}"), ctx),
            "\"a\", \"b\"");
  EXPECT_EQ(loads, 1);
  Result<std::string> missing = Parse("\n  {% from 'nope.sql' import q %}").Render(ctx);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), "template-not-found");
  EXPECT_EQ(missing.status().where().line, 2);
  EXPECT_EQ(missing.status().where().column, 11);
  EXPECT_EQ(Parse("{% import 'lib.sql' as lib %}").Render(TemplateContext()).status().code(), "template-not-found");
}

TEST(TemplateMacroTest, ReferencedNamesKnowMacrosAndTheirParameters) {
  Template t = Parse(
      "{% macro m(a, b=default_b) %}{{ a }}{{ b }}{{ free }}{{ later }}{{ varargs }}{{ caller() if caller is defined }}"
      "{% do return(a) %}{% endmacro %}{% set later = 1 %}"
      "{% call(row) m(1) %}{{ row }}{{ call_free }}{% endcall %}"
      "{% import 'lib' as lib %}{{ lib.x }}{% from 'lib' import y as z %}{{ z }}"
      "{% set ns = namespace() %}{% set ns.v = 1 %}{% set other.v = 2 %}"
      "{% with w = with_value %}{{ w }}{% endwith %}{% filter upper %}{{ in_filter }}{% endfilter %}"
      "{% for k, (v1, v2) in pairs %}{{ k }}{{ v1 }}{{ v2 }}{% endfor %}{{ t[1:n] }}{{ (p, q) }}");
  EXPECT_EQ(ReferencedNames(t), (std::vector<std::string>{"default_b", "free", "call_free", "other", "with_value",
                                                          "in_filter", "pairs", "t", "n", "p", "q"}));
  Template dbt = Parse("{% test unique_id(model, column_name) %}{{ model }}{{ column_name }}{{ adapter }}{% endtest %}",
                       {.dbt_blocks = true});
  EXPECT_EQ(ReferencedNames(dbt), (std::vector<std::string>{"adapter"}));
}

}  // namespace
}  // namespace weir
