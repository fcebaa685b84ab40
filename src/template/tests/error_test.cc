// Every error code, with its exact location: the template's origin in the
// YAML file advanced to the offending token.
#include <cstdlib>
#include <random>

#include <gtest/gtest.h>

#include "template/template.h"

namespace weir {
namespace {

TemplateContext ErrorContext() {
  TemplateContext ctx;
  ctx.Set("ds", TemplateValue::String("2024-01-15"));
  ctx.Set("n", TemplateValue::Int(3));
  ctx.Set("xs", TemplateValue::FromList({TemplateValue::Int(1)}));
  TemplateMap conn;
  conn.Set("host", TemplateValue::String("db"));
  ctx.Set("conn", TemplateValue::FromMap(conn));
  ctx.AddFunction("secret", [](const TemplateCallArgs&) -> Result<TemplateValue> {
    return UserError("unknown-secret", "no secret named 'missing'");
  }, {.secret = true});
  return ctx;
}

struct Expected {
  std::string code;
  int line;
  int column;
  std::string message;  // exact
};

// Origin p.yml:14:11, as for `url: "..."` at line 14, column 11.
void ExpectError(std::string_view text, const Expected& want) {
  SCOPED_TRACE(std::string(text));
  Result<std::string> out = RenderTemplate(text, SourceLocation{"p.yml", 14, 11}, ErrorContext());
  ASSERT_FALSE(out.ok()) << "rendered: " << *out;
  const Status& s = out.status();
  EXPECT_EQ(s.kind(), ErrorKind::kUser);
  EXPECT_EQ(s.code(), want.code);
  EXPECT_EQ(s.where().file, "p.yml");
  EXPECT_EQ(s.where().line, want.line);
  EXPECT_EQ(s.where().column, want.column);
  EXPECT_EQ(s.message(), want.message);
}

TEST(TemplateErrorTest, UndefinedNameSuggestsTheClosestName) {
  ExpectError("raw/ds={{ dss }}", {"undefined-name", 14, 21, "undefined name 'dss'; did you mean 'ds'?"});
  ExpectError("{{ zzzzzz }}", {"undefined-name", 14, 14, "undefined name 'zzzzzz'"});
  ExpectError("{{ secrt('x') }}", {"undefined-name", 14, 14, "undefined name 'secrt'; did you mean 'secret'?"});
  ExpectError("{% for x in xs %}{{ loop.idx }}{{ y }}{% endfor %}",
              {"undefined-attribute", 14, 36, "no attribute 'idx' in object 'loop'"});
  ExpectError("{% for x in xs %}{{ xx }}{% endfor %}", {"undefined-name", 14, 31, "undefined name 'xx'; did you mean 'x'?"});
}

TEST(TemplateErrorTest, UndefinedAttribute) {
  ExpectError("{{ conn.hostt }}", {"undefined-attribute", 14, 19, "no key 'hostt' in map 'conn'; did you mean 'host'?"});
  ExpectError("{{ xs[3] }}", {"undefined-attribute", 14, 16, "index 3 is out of range for list 'xs'"});
  ExpectError("{{ n.x }}", {"undefined-attribute", 14, 16, "integer 'n' has no attribute or item 'x'"});
}

TEST(TemplateErrorTest, MultiLineTemplatesAdvanceTheLine) {
  ExpectError("SELECT *\nFROM {{ tabel }}\n", {"undefined-name", 15, 9, "undefined name 'tabel'"});
  ExpectError("a\n\n  {% if %}", {"template-syntax", 16, 9, "expected an expression, found '%}'"});
}

TEST(TemplateErrorTest, Syntax) {
  ExpectError("{{ ds ", {"template-syntax", 14, 11,
                         "expected '}}' to close the expression opened here, found the end of the template"});
  ExpectError("{{ ds x }}", {"template-syntax", 14, 17, "expected '}}' to close the expression, found name 'x'"});
  ExpectError("{% if n %}a", {"template-syntax", 14, 11,
                              "expected '{% endif %}' to close the 'if' block opened here, found the end of the template"});
  ExpectError("{% for x in xs %}", {"template-syntax", 14, 11,
                                    "expected '{% endfor %}' to close the 'for' block opened here, found the end of the template"});
  ExpectError("x{% endfor %}", {"template-syntax", 14, 15, "unexpected '{% endfor %}' here"});
  ExpectError("{% iff n %}", {"template-syntax", 14, 14, "unknown tag 'iff'; did you mean 'if'?"});
  ExpectError("{% extends 'base' %}", {"template-syntax", 14, 14, "the 'extends' tag is not supported yet"});
  ExpectError("{% macro m() %}", {"template-syntax", 14, 11,
                                  "expected '{% endmacro %}' to close the 'macro' block opened here, found the end of the template"});
  ExpectError("{% for x xs %}", {"template-syntax", 14, 20, "expected 'in' after the loop variable, found name 'xs'"});
  ExpectError("{% if n > %}", {"template-syntax", 14, 21, "expected an expression, found '%}'"});
  ExpectError("{% set = 1 %}", {"template-syntax", 14, 18, "expected a variable name, found '='"});
  ExpectError("{{ f(a=1, 2) }}", {"template-syntax", 14, 21, "positional argument follows keyword or * arguments"});
  ExpectError("{{ [1, 2 }}", {"template-syntax", 14, 20, "unexpected '}', expected ']'"});
  ExpectError("{{ xs[1:2:3:4] }}", {"template-syntax", 14, 22, "expected ',' between subscripts, found ':'"});
  ExpectError("{% break %}", {"template-syntax", 14, 14, "'break' outside a for loop"});
}

TEST(TemplateErrorTest, UnknownFilterAndTestAreFoundWhenParsing) {
  // In a branch that never runs: found anyway.
  Result<Template> t = ParseTemplate("{% if false %}{{ ds | uper }}{% endif %}", SourceLocation{"p.yml", 14, 11});
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), "unknown-filter");
  EXPECT_EQ(t.status().message(), "unknown filter 'uper'; did you mean 'upper'?");
  EXPECT_EQ(t.status().where().column, 33);
  ExpectError("{{ n is od }}", {"unknown-test", 14, 19, "unknown test 'od'; did you mean 'odd'?"});
}

TEST(TemplateErrorTest, TypeErrorsPointAtTheOperator) {
  ExpectError("{{ xs + 'a' }}", {"template-type", 14, 17, "unsupported operand types for '+': list and string"});
  ExpectError("{{ n < 'a' }}", {"template-type", 14, 16, "'<' is not supported between integer and string"});
  ExpectError("{{ -ds }}", {"template-type", 14, 14, "bad operand type for unary -: string"});
  ExpectError("{{ ds() }}", {"template-type", 14, 16, "'ds', a string, is not a function"});
  ExpectError("{% for x in n %}{% endfor %}", {"template-type", 14, 23, "cannot loop over integer; expected a list, map or string"});
  ExpectError("{{ {1: 2} }}", {"template-type", 14, 15, "map keys must be strings, not integer"});
  ExpectError("{% for a, b in [[1]] %}{% endfor %}", {"template-type", 14, 18, "expected 2 values to unpack, got 1"});
  ExpectError("{{ n | length }}", {"template-type", 14, 18, "length: integer has no length"});
  ExpectError("{{ 'x' in 1 }}", {"template-type", 14, 18, "'in' needs a string, list or map on the right, not integer"});
}

TEST(TemplateErrorTest, ValueErrors) {
  ExpectError("{{ n / 0 }}", {"template-value", 14, 16, "division by zero"});
  ExpectError("{{ n % 0 }}", {"template-value", 14, 16, "division by zero"});
  ExpectError("{{ 9223372036854775807 + 1 }}", {"template-value", 14, 34, "integer result does not fit in 64 bits"});
  ExpectError("{{ [] | first }}", {"template-value", 14, 19, "first: the list is empty"});
  ExpectError("{{ range(1, 2, 0) }}", {"template-value", 14, 14, "range: step must not be zero"});
}

TEST(TemplateErrorTest, ArgumentErrors) {
  ExpectError("{{ ds | replace('a') }}", {"template-argument", 14, 19, "replace: needs 'old' and 'new', as in replace('a', 'b')"});
  ExpectError("{{ xs | join(',', foo=1) }}", {"template-argument", 14, 19, "join: unknown argument 'foo'"});
  ExpectError("{{ ds | upper(1) }}", {"template-argument", 14, 19, "upper: takes at most 0 arguments, got 1"});
  ExpectError("{{ ds | default('a', 'b', 'c') }}", {"template-argument", 14, 19, "default: takes at most 2 arguments, got 3"});
}

TEST(TemplateErrorTest, CallerFunctionErrorsAreLocatedAtTheCall) {
  ExpectError("Bearer {{ secret('missing') }}", {"unknown-secret", 14, 21, "no secret named 'missing'"});
}

TEST(TemplateErrorTest, Limits) {
  ExpectError("{{ 'x' * 20000000 }}", {"template-limit", 14, 18, "result larger than 16 MiB"});
  ExpectError("{% set s = 'x' * 10000000 %}{% for i in range(10) %}{{ s }}{% endfor %}",
              {"template-limit", 14, 63, "output larger than 64 MiB"});
  ExpectError("{{ range(10000000) }}", {"template-limit", 14, 14, "range: more than 1000000 items"});
  std::string deep = "{{ " + std::string(200, '(') + "1" + std::string(200, ')') + " }}";
  Result<Template> t = ParseTemplate(deep, SourceLocation{"p.yml", 1, 1});
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), "template-limit");
  EXPECT_EQ(t.status().message(), "template nested too deeply (more than 100 levels); simplify it");
}

TEST(TemplateErrorTest, UnknownOriginStillGivesAPosition) {
  Result<std::string> out = RenderTemplate("{{ nope }}", SourceLocation{}, ErrorContext());
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), "undefined-name");
}

// What a fuzzer would do: arbitrary input must give a result or an error,
// never a crash, hang or exception (the sanitizer build checks the rest).
// WEIR_TEMPLATE_RANDOM_CASES=N runs more cases than the default 3000.
TEST(TemplateRobustnessTest, RandomInputNeverCrashes) {
  const char* cases_env = std::getenv("WEIR_TEMPLATE_RANDOM_CASES");
  int cases = cases_env != nullptr ? std::atoi(cases_env) : 3000;
  static const char* kPieces[] = {"{{", "}}", "{%", "%}", "{#", "#}", "-", "if ", "for ", " in ", "else", "endif", "endfor",
                                  "set ", "=", "x", "xs", "n", "(", ")", "[", "]", "{", "}", "'", "\"", "\\", "|", "upper",
                                  "default", " is ", "defined", "not ", "~", "+", "*", "**", "//", ".", ",", ":", "0", "1.5",
                                  "9999999999999999999", "\n", " ", "é", "\xff", "loop", "range(", "raw", "endraw"};
  std::mt19937 rng(12345);
  TemplateContext ctx = ErrorContext();
  for (int i = 0; i < cases; ++i) {
    std::string text;
    int pieces = static_cast<int>(rng() % 40);
    for (int p = 0; p < pieces; ++p) {
      if (rng() % 10 == 0) text += static_cast<char>(rng() % 256);
      else text += kPieces[rng() % std::size(kPieces)];
    }
    Result<Template> t = ParseTemplate(text, SourceLocation{"fuzz", 1, 1});
    if (!t.ok()) {
      EXPECT_EQ(t.status().kind(), ErrorKind::kUser) << t.status().ToString();
      continue;
    }
    Result<std::string> out = t->Render(ctx);
    if (!out.ok()) {
      EXPECT_EQ(out.status().kind(), ErrorKind::kUser) << text << "\n" << out.status().ToString();
    }
    t->RenderRedacted(ctx).status().IgnoreError();
  }
}

// Tags with random expression tokens inside, so that more inputs get past
// the lexer into the parser and the evaluator.
TEST(TemplateRobustnessTest, RandomTagsNeverCrash) {
  static const char* kTokens[] = {
      "x", "xs", "n", "1", "2.5", "'a'", "+", "-", "*", "/", "//", "%", "**", "~", "| upper", "| default('q')",
      "| length", "| join(',')", "| tojson", "| int", "| first", "is defined", "is not none", "(", ")", "[", "]",
      "{", "}", ":", ".", "0", "and", "or", "not", "in", "if", "else", "loop", "loop.index", "range(3)", ",",
      "==", "<", "none", "true", "[1, 2]", "{'k': xs}", "conn.host", "secret('k')"};
  static const char* kOpeners[] = {"{{ ", "{% if ", "{% for x in ", "{% set x = ", "{% elif ", "{% else ",
                                   "{% endif ", "{% endfor ", "text\n"};
  std::mt19937 rng(2024);
  TemplateContext ctx = ErrorContext();
  for (int i = 0; i < 20000; ++i) {
    std::string text;
    for (int part = 0, parts = 1 + static_cast<int>(rng() % 6); part < parts; ++part) {
      size_t opener = rng() % std::size(kOpeners);
      text += kOpeners[opener];
      if (opener + 1 == std::size(kOpeners)) continue;
      for (int k = 0, n = static_cast<int>(rng() % 8); k < n; ++k) text += std::string(kTokens[rng() % std::size(kTokens)]) + " ";
      text += opener == 0 ? "}}" : "%}";
    }
    Result<Template> t = ParseTemplate(text, SourceLocation{"fuzz", 1, 1});
    if (!t.ok()) continue;
    Result<std::string> out = t->Render(ctx);
    if (!out.ok()) {
      EXPECT_EQ(out.status().kind(), ErrorKind::kUser) << text << "\n" << out.status().ToString();
    }
    t->RenderRedacted(ctx).status().IgnoreError();
  }
}

}  // namespace
}  // namespace weir
