#include <gtest/gtest.h>

#include "template/template.h"

namespace weir {
namespace {

TemplateContext SampleContext() {
  TemplateContext ctx;
  ctx.Set("ds", TemplateValue::String("2024-01-15"));
  ctx.Set("n", TemplateValue::Int(3));
  ctx.Set("xs", TemplateValue::FromList({TemplateValue::Int(1), TemplateValue::Int(2), TemplateValue::Int(3)}));
  TemplateMap conn;
  conn.Set("host", TemplateValue::String("db"));
  conn.Set("port", TemplateValue::Int(5432));
  ctx.Set("conn", TemplateValue::FromMap(conn));
  ctx.AddFunction("secret", [](const TemplateCallArgs& args) -> Result<TemplateValue> {
    if (args.positional.size() != 1 || args.positional[0].kind() != TemplateValue::Kind::kString) {
      return UserError("secret-argument", "secret() takes the secret's name");
    }
    if (args.positional[0].AsString() == "missing") return UserError("unknown-secret", "no secret 'missing'");
    return TemplateValue::String("hunter2-" + args.positional[0].AsString());
  }, {.secret = true});
  ctx.AddFunction("var", [](const TemplateCallArgs& args) -> Result<TemplateValue> {
    std::string out = "var";
    for (const TemplateValue& v : args.positional) out += ":" + v.ToString();
    for (const auto& [k, v] : args.keyword) out += ":" + k + "=" + v.ToString();
    return TemplateValue::String(out);
  });
  return ctx;
}

std::string Render(std::string_view text) {
  Result<std::string> out = RenderTemplate(text, SourceLocation{"p.yml", 1, 1}, SampleContext());
  return out.ok() ? *out : "error: " + out.status().ToString();
}

TEST(TemplateRenderTest, Substitution) {
  EXPECT_EQ(Render("raw/sales/ds={{ ds }}/x.parquet"), "raw/sales/ds=2024-01-15/x.parquet");
  EXPECT_EQ(Render("{{ n }}{{ n * 2 }}"), "36");
  EXPECT_EQ(Render("no tags at all"), "no tags at all");
  EXPECT_EQ(Render("trailing newline kept\n"), "trailing newline kept\n");
}

TEST(TemplateRenderTest, PythonFormatting) {
  EXPECT_EQ(Render("{{ true }} {{ none }} {{ 1.0 }} {{ 1e16 }} {{ 1e-5 }} {{ 0.1 + 0.2 }}"),
            "True None 1.0 1e+16 1e-05 0.30000000000000004");
  EXPECT_EQ(Render("{{ xs }} {{ conn }} {{ ['it\\'s'] }}"), "[1, 2, 3] {'host': 'db', 'port': 5432} [\"it's\"]");
}

TEST(TemplateRenderTest, AttributesAndSubscripts) {
  EXPECT_EQ(Render("{{ conn.host }}:{{ conn['port'] }} {{ xs[0] }} {{ xs[-1] }} {{ xs.1 }} {{ 'abc'[1] }}"), "db:5432 1 3 2 b");
}

TEST(TemplateRenderTest, FunctionCalls) {
  EXPECT_EQ(Render("Bearer {{ secret('api_token') }}"), "Bearer hunter2-api_token");
  EXPECT_EQ(Render("{{ var('a', 1, default=none) }}"), "var:a:1:default=None");
  EXPECT_EQ(Render("{{ range(3) | join(',') }} {{ dict(a=1) }}"), "0,1,2 {'a': 1}");
}

TEST(TemplateRenderTest, CallerNamesShadowBuiltins) {
  TemplateContext ctx;
  ctx.AddFunction("range", [](const TemplateCallArgs&) -> Result<TemplateValue> { return TemplateValue::String("mine"); });
  EXPECT_EQ(*RenderTemplate("{{ range(3) }}", {}, ctx), "mine");
}

TEST(TemplateRenderTest, Filters) {
  EXPECT_EQ(Render("{{ ds | upper }} {{ 'A' | lower }} {{ ' x ' | trim }}"), "2024-01-15 a x");
  EXPECT_EQ(Render("{{ missing | default('y') }} {{ missing | d }}|{{ ds | replace('-', '') }}"), "y |20240115");
  EXPECT_EQ(Render("{{ xs | length }} {{ xs | count }} {{ xs | join('+') }} {{ xs | first }} {{ xs | last }}"), "3 3 1+2+3 1 3");
  EXPECT_EQ(Render("{{ '7' | int + 1 }} {{ '2.5' | float }} {{ 5 | string ~ '!' }} {{ 'ab' | list }}"), "8 2.5 5! ['a', 'b']");
  EXPECT_EQ(Render("{{ conn | tojson }}"), "{\"host\": \"db\", \"port\": 5432}");
}

TEST(TemplateRenderTest, Tests) {
  EXPECT_EQ(Render("{{ ds is defined }} {{ nope is defined }} {{ none is none }} {{ n is not none }} {{ conn.x is undefined }}"),
            "True False True True True");
}

TEST(TemplateRenderTest, IfElifElse) {
  EXPECT_EQ(Render("{% if n > 5 %}big{% elif n > 2 %}mid{% else %}small{% endif %}"), "mid");
  EXPECT_EQ(Render("{% if nope is defined and nope %}x{% else %}y{% endif %}"), "y");
}

TEST(TemplateRenderTest, ForLoops) {
  EXPECT_EQ(Render("{% for x in xs %}{{ loop.index }}{{ x }}{% if loop.first %}F{% endif %}{% if loop.last %}L{% endif %} {% endfor %}"),
            "11F 22 33L ");
  EXPECT_EQ(Render("{% for x in [] %}{{ x }}{% else %}empty{% endfor %}"), "empty");
  EXPECT_EQ(Render("{% for k in conn %}{{ k }};{% endfor %}"), "host;port;");
  EXPECT_EQ(Render("{% for x in xs if x is odd %}{{ x }}/{{ loop.length }} {% endfor %}"), "1/2 3/2 ");
  EXPECT_EQ(Render("{% for a, b in [[1, 2], [3, 4]] %}{{ a * b }} {% endfor %}"), "2 12 ");
}

TEST(TemplateRenderTest, LoopVariablesDoNotLeak) {
  EXPECT_EQ(Render("{% for x in xs %}{% endfor %}{{ x is defined }} {{ loop is defined }}"), "False False");
}

TEST(TemplateRenderTest, Set) {
  EXPECT_EQ(Render("{% set p = 'raw/' ~ ds %}{{ p }}"), "raw/2024-01-15");
  EXPECT_EQ(Render("{% set t = 0 %}{% for x in xs %}{% set t = t + x %}{% endfor %}{{ t }}"), "0");  // as in Jinja
  EXPECT_EQ(Render("{% set q %}select {{ n }}{% endset %}{{ q | upper }}"), "SELECT 3");
}

TEST(TemplateRenderTest, WhitespaceControlAndComments) {
  EXPECT_EQ(Render("a\n  {%- if true %} b {% endif -%}\n  c{# note #}"), "a b c");
  EXPECT_EQ(Render("{% raw %}{{ ds }}{% endraw %}"), "{{ ds }}");
}

TEST(TemplateRenderTest, RedactedRenderingHidesSecretFunctionResults) {
  Result<Template> t = ParseTemplate("Bearer {{ secret('api_token') }} {{ secret('x') | upper }} {{ var('v') }}", {});
  ASSERT_TRUE(t.ok());
  TemplateContext ctx = SampleContext();
  EXPECT_EQ(*t->Render(ctx), "Bearer hunter2-api_token HUNTER2-X var:v");
  EXPECT_EQ(*t->RenderRedacted(ctx), "Bearer *** *** var:v");
}

TEST(TemplateRenderTest, RedactedRenderingDoesNotCallSecretFunctions) {
  // A secret that cannot be read must not stop `weir compile` from showing the rest.
  Result<Template> t = ParseTemplate("{{ secret('missing') }}", {});
  ASSERT_TRUE(t.ok());
  EXPECT_FALSE(t->Render(SampleContext()).ok());
  EXPECT_EQ(*t->RenderRedacted(SampleContext()), "***");
}

TEST(TemplateRenderTest, TemplatesAreReusableAndCopiesShareTheTree) {
  Result<Template> t = ParseTemplate("{{ n + 1 }}", {});
  ASSERT_TRUE(t.ok());
  Template copy = *t;
  TemplateContext a, b;
  a.Set("n", TemplateValue::Int(1));
  b.Set("n", TemplateValue::Int(41));
  EXPECT_EQ(*t->Render(a), "2");
  EXPECT_EQ(*copy.Render(b), "42");
}

TEST(TemplateRenderTest, ExceptionsFromCallerFunctionsBecomeErrors) {
  TemplateContext ctx;
  ctx.AddFunction("boom", [](const TemplateCallArgs& args) -> Result<TemplateValue> {
    return TemplateValue::Int(static_cast<int64_t>(args.positional.at(5).AsInt()));  // throws std::out_of_range
  });
  Result<std::string> out = RenderTemplate("{{ boom() }}", SourceLocation{"p.yml", 2, 3}, ctx);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().kind(), ErrorKind::kInternal);
}

TEST(TemplateRenderTest, HasTemplateSyntax) {
  EXPECT_TRUE(HasTemplateSyntax("a {{ b }}"));
  EXPECT_TRUE(HasTemplateSyntax("{% if %}"));
  EXPECT_TRUE(HasTemplateSyntax("{# c #}"));
  EXPECT_FALSE(HasTemplateSyntax("plain {json: 1} text"));
  EXPECT_FALSE(HasTemplateSyntax(""));
  EXPECT_FALSE(HasTemplateSyntax("ends with {"));
}

TEST(TemplateRenderTest, ReferencedNames) {
  Result<Template> t = ParseTemplate(
      "{{ ds }} {{ secret('k') }} {% set local = 1 %}{{ local }}{% for x in items %}{{ x }}{{ loop.index }}{{ outer }}"
      "{% endfor %}{{ x | default(1) }}{{ y is defined }}{{ z.a | default(2) }}{{ range(2) }}{{ ds }}",
      {});
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(ReferencedNames(*t), (std::vector<std::string>{"ds", "secret", "items", "outer", "z"}));
}

}  // namespace
}  // namespace weir
