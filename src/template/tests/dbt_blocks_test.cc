// dbt's block tags (TemplateParseOptions::dbt_blocks): test, materialization,
// snapshot and docs.
#include <gtest/gtest.h>

#include "template/template.h"

namespace weir {
namespace {

Result<Template> ParseDbt(std::string_view text) {
  return ParseTemplate(text, SourceLocation{"macros/tests.sql", 1, 1}, {.dbt_blocks = true});
}

TEST(TemplateDbtBlocksTest, TestBlockDefinesATestMacro) {
  Result<Template> t = ParseDbt(
      "{% test not_negative(model, column_name) %}\n"
      "select * from {{ model }} where {{ column_name }} < 0\n"
      "{% endtest %}\n");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(*t->Render(TemplateContext()), "\n");  // blocks print nothing
  TemplateMap macros = t->Macros();
  ASSERT_NE(macros.Find("test_not_negative"), nullptr);
  Result<TemplateValue> sql = CallTemplateValue(
      *macros.Find("test_not_negative"),
      {{}, {{"model", TemplateValue::String("\"main\".\"orders\"")}, {"column_name", TemplateValue::String("amount")}}},
      TemplateContext());
  ASSERT_TRUE(sql.ok()) << sql.status().ToString();
  EXPECT_EQ(sql->AsString(), "\nselect * from \"main\".\"orders\" where amount < 0\n");
  std::vector<TemplateBlock> blocks = t->Blocks();
  ASSERT_EQ(blocks.size(), 1u);
  EXPECT_EQ(blocks[0].kind, TemplateBlock::Kind::kTest);
  EXPECT_EQ(blocks[0].name, "not_negative");
  EXPECT_EQ(blocks[0].text, "\nselect * from {{ model }} where {{ column_name }} < 0\n");
  EXPECT_EQ(blocks[0].where.line, 1);
  EXPECT_EQ(blocks[0].macro.kind(), TemplateValue::Kind::kCallable);
}

TEST(TemplateDbtBlocksTest, TestMacroIsCallableInTheSameFile) {
  Result<Template> t = ParseDbt("{% test t(model) %}[{{ model }}]{% endtest %}{{ test_t('m') }}");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(*t->Render(TemplateContext()), "[m]");
}

TEST(TemplateDbtBlocksTest, MaterializationBlocksAreNamedByAdapter) {
  Result<Template> t = ParseDbt(
      "{% materialization table, adapter='duckdb', supported_languages=['sql'] %}"
      "{{ return({'relations': [this]}) }}{% endmaterialization %}"
      "{%- materialization view, default -%} v {%- endmaterialization %}"
      "{% materialization incremental %}{% endmaterialization %}");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->Macros().Keys(), (std::vector<std::string>{"materialization_table_duckdb", "materialization_view_default",
                                                           "materialization_incremental_default"}));
  std::vector<TemplateBlock> blocks = t->Blocks();
  ASSERT_EQ(blocks.size(), 3u);
  EXPECT_EQ(blocks[0].kind, TemplateBlock::Kind::kMaterialization);
  EXPECT_EQ(blocks[0].name, "table");
  EXPECT_EQ(blocks[0].arguments, (std::vector<std::pair<std::string, std::string>>{
                                     {"adapter", "duckdb"}, {"supported_languages", "['sql']"}}));
  EXPECT_EQ(blocks[1].arguments[0].second, "default");
  EXPECT_EQ(blocks[1].text, " v ");
  TemplateContext ctx(TemplateContextOptions{.macro_return = true});
  ctx.Set("this", TemplateValue::String("orders"));
  Result<TemplateValue> result = CallTemplateValue(blocks[0].macro, {}, ctx);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->ToString(), "{'relations': ['orders']}");
}

TEST(TemplateDbtBlocksTest, DocsBodyIsRawText) {
  Result<Template> t = ParseDbt("{% docs orders %}\nThe **orders** table: {{ not jinja }} {% if %}\n{% enddocs %}after");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(*t->Render(TemplateContext()), "after");
  std::vector<TemplateBlock> blocks = t->Blocks();
  ASSERT_EQ(blocks.size(), 1u);
  EXPECT_EQ(blocks[0].kind, TemplateBlock::Kind::kDocs);
  EXPECT_EQ(blocks[0].name, "orders");
  EXPECT_EQ(blocks[0].text, "\nThe **orders** table: {{ not jinja }} {% if %}\n");
  EXPECT_TRUE(blocks[0].macro.is_none());
  EXPECT_TRUE(t->Macros().empty());
}

TEST(TemplateDbtBlocksTest, SnapshotBodyRendersWithTheCallersContext) {
  Result<Template> t = ParseDbt(
      "{% snapshot orders_snapshot %}\n{{ config(unique_key='id') }}select * from {{ source_table }}\n{% endsnapshot %}");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_TRUE(t->Macros().empty());
  std::vector<TemplateBlock> blocks = t->Blocks();
  ASSERT_EQ(blocks.size(), 1u);
  EXPECT_EQ(blocks[0].kind, TemplateBlock::Kind::kSnapshot);
  EXPECT_EQ(blocks[0].name, "orders_snapshot");
  TemplateContext ctx;
  ctx.Set("source_table", TemplateValue::String("raw.orders"));
  std::string unique_key;
  ctx.AddFunction("config", [&unique_key](const TemplateCallArgs& args) -> Result<TemplateValue> {
    unique_key = args.Keyword("unique_key")->AsString();
    return TemplateValue::String("");
  });
  Result<TemplateValue> body = CallTemplateValue(blocks[0].macro, {}, ctx);
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  EXPECT_EQ(body->AsString(), "\nselect * from raw.orders\n");
  EXPECT_EQ(unique_key, "id");
}

TEST(TemplateDbtBlocksTest, BlockTagsNeedTheOptionAndAClosingTag) {
  Result<Template> plain = ParseTemplate("{% test t(model) %}{% endtest %}", SourceLocation{"f.sql", 1, 1});
  ASSERT_FALSE(plain.ok());
  EXPECT_EQ(plain.status().code(), "template-syntax");
  EXPECT_EQ(plain.status().message(), "unknown tag 'test'");
  Result<Template> unclosed = ParseDbt("\n{% materialization table, adapter='duckdb' %}x");
  ASSERT_FALSE(unclosed.ok());
  EXPECT_EQ(unclosed.status().code(), "template-syntax");
  EXPECT_EQ(unclosed.status().where().line, 2);
  EXPECT_EQ(unclosed.status().message(),
            "expected '{% endmaterialization %}' to close the 'materialization' block opened here, found the end of the "
            "template");
  EXPECT_EQ(ParseDbt("{% docs %}x{% enddocs %}").status().code(), "template-syntax");
  EXPECT_EQ(ParseDbt("{% endtest %}").status().code(), "template-syntax");
}

}  // namespace
}  // namespace weir
