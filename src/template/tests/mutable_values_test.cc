// Lists, maps and namespaces with Python's reference semantics, and what
// keeps them safe: frozen context values, fresh literals, no cycles, no
// recursion when freeing deep values.
#include <thread>

#include <gtest/gtest.h>

#include "template/template.h"

namespace weir {
namespace {

std::string Render(std::string_view text, const TemplateContext& ctx) {
  Result<std::string> out = RenderTemplate(text, SourceLocation{"m.sql", 1, 1}, ctx);
  return out.ok() ? *out : "error[" + out.status().code() + "]: " + out.status().message();
}

TEST(TemplateMutableValuesTest, ContextValuesAreFrozenButCopiesAreNot) {
  TemplateContext ctx;
  TemplateMap options;
  options.Set("sslmode", TemplateValue::String("require"));
  TemplateMap conn;
  conn.Set("options", TemplateValue::FromMap(options));
  ctx.Set("conn", TemplateValue::FromMap(conn));
  ctx.Set("xs", TemplateValue::FromList({TemplateValue::Int(1)}));
  ctx.Set("ns", TemplateValue::Namespace({}));
  EXPECT_TRUE(ctx.Find("conn")->frozen());
  EXPECT_TRUE(ctx.Find("conn")->AsMap().Find("options")->frozen());
  EXPECT_EQ(Render("{% do xs.append(2) %}", ctx),
            "error[template-type]: cannot append: the list was given by the caller and cannot be changed; copy it first "
            "with `| list`");
  EXPECT_EQ(Render("{% do conn.options.update(a=1) %}", ctx).substr(0, 20), "error[template-type]");
  EXPECT_EQ(Render("{% set ns.x = 1 %}", ctx).substr(0, 20), "error[template-type]");
  EXPECT_EQ(Render("{% set c = xs | list %}{% do c.append(2) %}{{ c }} {{ xs }}", ctx), "[1, 2] [1]");
  EXPECT_EQ(Render("{% set d = dict(conn.options) %}{% do d.update(a=1) %}{{ d }}", ctx), "{'sslmode': 'require', 'a': 1}");
}

TEST(TemplateMutableValuesTest, LiteralsAreFreshInEveryRenderAndThread) {
  Result<Template> t = ParseTemplate("{% set a = [] %}{% set d = {} %}{% for i in range(3) %}{% do a.append(i) %}"
                                     "{% do d.update({i | string: i}) %}{% endfor %}{{ a }}{{ d | length }}",
                                     SourceLocation{"m.sql", 1, 1});
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  TemplateContext ctx;
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      for (int k = 0; k < 300; ++k) {
        Result<std::string> out = t->Render(ctx);
        if (!out.ok() || *out != "[0, 1, 2]3") ++wrong;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST(TemplateMutableValuesTest, AContainerCannotContainItself) {
  TemplateContext ctx;
  EXPECT_EQ(Render("{% set a = [] %}{% do a.append(a) %}", ctx), "error[template-value]: cannot put a list inside itself");
  EXPECT_EQ(Render("{% set a = [] %}{% set b = [a] %}{% do a.extend([b]) %}", ctx),
            "error[template-value]: cannot put a list inside itself");
  EXPECT_EQ(Render("{% set d = {} %}{% do d.update(me=[d]) %}", ctx), "error[template-value]: cannot put a map inside itself");
  EXPECT_EQ(Render("{% set ns = namespace() %}{% set ns.me = {'x': ns} %}", ctx),
            "error[template-value]: cannot put namespace 'ns' inside itself");
  EXPECT_EQ(Render("{% set a = [] %}{% set b = [a, a] %}{% do a.append(1) %}{{ b }}", ctx), "[[1], [1]]");
  // A bound method does not keep its list alive, so it cannot make a cycle.
  EXPECT_EQ(Render("{% set a = [] %}{% do a.append(a.append) %}{{ a | length }}", ctx), "1");
}

TEST(TemplateMutableValuesTest, ContainersThatContainThemselvesPrintAsPythonDoes) {
  TemplateValue list = TemplateValue::FromList({TemplateValue::Int(1)});
  list.MutableList()->push_back(list);  // only C++ can do this
  EXPECT_EQ(list.ToString(), "[1, [...]]");
  EXPECT_FALSE(list == TemplateValue::FromList({}));
  list.MutableList()->clear();  // break the cycle, or it would never be freed
}

TEST(TemplateMutableValuesTest, DeepValuesAreFreedWithoutRecursion) {
  TemplateValue deep = TemplateValue::FromList({});
  for (int i = 0; i < 200'000; ++i) deep = TemplateValue::FromList({deep});
  deep.Freeze();  // iterative too
  EXPECT_TRUE(deep.frozen());
  deep = TemplateValue();  // would overflow the stack if freeing recursed
  TemplateContext ctx;
  EXPECT_EQ(Render("{% set ns = namespace(x=[]) %}{% for i in range(1000) %}{% set ns.x = [ns.x] %}{% endfor %}ok", ctx),
            "ok");
  EXPECT_EQ(Render("{% set ns = namespace(x=[]) %}{% for i in range(300) %}{% set ns.x = [ns.x] %}{% endfor %}{{ ns.x }}", ctx),
            "error[template-limit]: value nested more than 200 levels deep");
  EXPECT_EQ(Render("{% set ns = namespace(x=[]) %}{% for i in range(300) %}{% set ns.x = [ns.x] %}{% endfor %}"
                   "{{ ns.x == ns.x[0] }}",
                   ctx),
            "error[template-limit]: values nested more than 200 levels deep");
}

TEST(TemplateMutableValuesTest, IdentityFollowsPython) {
  TemplateValue list = TemplateValue::FromList({});
  EXPECT_TRUE(list.IsSameObject(list));
  EXPECT_FALSE(list.IsSameObject(TemplateValue::FromList({})));
  EXPECT_TRUE(TemplateValue::Int(7).IsSameObject(TemplateValue::Int(7)));
  EXPECT_FALSE(TemplateValue::Int(7).IsSameObject(TemplateValue::Bool(true)));
  EXPECT_TRUE(TemplateValue().IsSameObject(TemplateValue()));
  EXPECT_FALSE(TemplateValue::String("a").IsSameObject(TemplateValue::String("a")));
}

TEST(TemplateMutableValuesTest, WorkPerRenderIsBounded) {
  TemplateContext ctx;
  // Each step is cheap, but together they would run for minutes.
  std::string out = Render("{% set s = 'x' * 1000000 %}{% for i in range(1000000) %}{% set t = s ~ i %}{% endfor %}", ctx);
  EXPECT_EQ(out.substr(0, 22), "error[template-limit]:") << out;
}

}  // namespace
}  // namespace weir
