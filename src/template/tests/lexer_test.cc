#include "template/internal/lexer.h"

#include <gtest/gtest.h>

namespace weir::template_internal {
namespace {

std::vector<Token> LexOk(std::string_view text) {
  Result<std::vector<Token>> tokens = Lex(text, SourceLocation{"t.yml", 1, 1});
  EXPECT_TRUE(tokens.ok()) << tokens.status().ToString();
  return tokens.ok() ? *tokens : std::vector<Token>{};
}

// "kind:text" per token, for compact expectations.
std::string Summary(std::string_view text) {
  std::string out;
  for (const Token& t : LexOk(text)) {
    static const char* kNames[] = {"text", "{{", "}}", "{%", "%}", "name", "int", "float", "str", "op", "end"};
    out += std::string(kNames[static_cast<int>(t.kind)]);
    if (t.kind != TokenKind::kVariableBegin && t.kind != TokenKind::kVariableEnd && t.kind != TokenKind::kBlockBegin &&
        t.kind != TokenKind::kBlockEnd && t.kind != TokenKind::kEnd) {
      out += ":" + t.text;
    }
    out += " ";
  }
  return out;
}

TEST(TemplateLexerTest, SplitsTextAndTags) {
  EXPECT_EQ(Summary("a {{ x }} b"), "text:a  {{ name:x }} text: b end ");
  EXPECT_EQ(Summary("{% if x %}y{% endif %}"), "{% name:if name:x %} text:y {% name:endif %} end ");
  EXPECT_EQ(Summary("plain"), "text:plain end ");
  EXPECT_EQ(Summary(""), "end ");
}

TEST(TemplateLexerTest, OperatorsTakeTheLongestMatch) {
  EXPECT_EQ(Summary("{{ a//b**c<=d!=e }}"),
            "{{ name:a op:// name:b op:** name:c op:<= name:d op:!= name:e }} end ");
  EXPECT_EQ(Summary("{{ x|f(1,k=2)~[y][0].z }}"),
            "{{ name:x op:| name:f op:( int:1 op:, name:k op:= int:2 op:) op:~ op:[ name:y op:] op:[ int:0 op:] op:. "
            "name:z }} end ");
}

TEST(TemplateLexerTest, Numbers) {
  std::vector<Token> t = LexOk("{{ 1_000 0x1F 0o17 0b101 1.5 1e3 2.5e-3 }}");
  ASSERT_EQ(t.size(), 10u);
  EXPECT_EQ(t[1].int_value, 1000);
  EXPECT_EQ(t[2].int_value, 31);
  EXPECT_EQ(t[3].int_value, 15);
  EXPECT_EQ(t[4].int_value, 5);
  EXPECT_EQ(t[5].kind, TokenKind::kFloat);
  EXPECT_DOUBLE_EQ(t[5].float_value, 1.5);
  EXPECT_DOUBLE_EQ(t[6].float_value, 1000.0);
  EXPECT_DOUBLE_EQ(t[7].float_value, 0.0025);
}

TEST(TemplateLexerTest, NumberAfterDotIsAnIndexNotAFloat) {
  EXPECT_EQ(Summary("{{ xs.0.1 }}"), "{{ name:xs op:. int:0 op:. int:1 }} end ");
}

TEST(TemplateLexerTest, StringsAndEscapes) {
  std::vector<Token> t = LexOk(R"({{ 'a\'b' "c\"d" 'e\nf' '\u00e9\x41' 'keep\d' }})");
  ASSERT_EQ(t.size(), 8u);
  EXPECT_EQ(t[1].text, "a'b");
  EXPECT_EQ(t[2].text, "c\"d");
  EXPECT_EQ(t[3].text, "e\nf");
  EXPECT_EQ(t[4].text, "\xC3\xA9" "A");
  EXPECT_EQ(t[5].text, "keep\\d");
}

TEST(TemplateLexerTest, ClosingBracesInsideLiteralsDoNotEndTheTag) {
  EXPECT_EQ(Summary("{{ {'a': {'b': 1}} }}"),
            "{{ op:{ str:a op:: op:{ str:b op:: int:1 op:} op:} }} end ");
  EXPECT_EQ(Summary("{{ '}}' }}"), "{{ str:}} }} end ");
}

TEST(TemplateLexerTest, WhitespaceControlStripsNeighbouringText) {
  EXPECT_EQ(Summary("a \n {{- x -}} \n b"), "text:a {{ name:x }} text:b end ");
  EXPECT_EQ(Summary("a\n  {%- if x -%}\n  b"), "text:a {% name:if name:x %} text:b end ");
  EXPECT_EQ(Summary("a {#- c -#} b"), "text:a text:b end ");
}

TEST(TemplateLexerTest, CommentsAreDropped) {
  EXPECT_EQ(Summary("a{# {{ x }} #}b"), "text:a text:b end ");
}

TEST(TemplateLexerTest, RawBlockIsText) {
  EXPECT_EQ(Summary("{% raw %}{{ x }}{% endraw %}"), "text:{{ x }} end ");
  EXPECT_EQ(Summary("{%- raw -%} {{ x }} {%- endraw -%}"), "text:{{ x }} end ");
}

TEST(TemplateLexerTest, PositionsCountLinesAndCodePoints) {
  std::vector<Token> t = LexOk("é {{ a }}\n  {{ b }}");
  ASSERT_GE(t.size(), 8u);
  EXPECT_EQ(t[2].text, "a");
  EXPECT_EQ(t[2].pos.line, 1);
  EXPECT_EQ(t[2].pos.column, 6);  // é counts as one column
  EXPECT_EQ(t[6].text, "b");
  EXPECT_EQ(t[6].pos.line, 2);
  EXPECT_EQ(t[6].pos.column, 6);
}

TEST(TemplateLexerTest, Errors) {
  struct Case {
    const char* text;
    const char* message_part;
    int column;
  };
  for (const Case& c : {Case{"ab {{ x", "expected '}}' to close the expression", 4},
                        Case{"{% if x", "expected '%}' to close the tag", 1},
                        Case{"{{ x %}", "expected '}}' to close the expression, found '%}'", 6},
                        Case{"{{ 'abc }}", "unterminated string", 4},
                        Case{"{{ a ? b }}", "unexpected character '?'", 6},
                        Case{"{{ (a] }}", "unexpected ']', expected ')'", 6},
                        Case{"{{ a) }}", "unexpected ')'", 5},
                        Case{"x {# never closed", "expected '#}' to close the comment", 3},
                        Case{"{{ 99999999999999999999 }}", "too large", 4},
                        Case{"{{ '\\x4' }}", "truncated \\x escape", 5}}) {
    SCOPED_TRACE(c.text);
    Result<std::vector<Token>> tokens = Lex(c.text, SourceLocation{"t.yml", 3, 10});
    ASSERT_FALSE(tokens.ok());
    EXPECT_EQ(tokens.status().code(), "template-syntax");
    EXPECT_NE(tokens.status().message().find(c.message_part), std::string::npos) << tokens.status().message();
    EXPECT_EQ(tokens.status().where().line, 3);
    EXPECT_EQ(tokens.status().where().column, 10 + c.column - 1);
  }
}

}  // namespace
}  // namespace weir::template_internal
