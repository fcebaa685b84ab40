// Differential test: every template of jinja_corpus.json must render exactly
// as Jinja2 renders it (jinja_oracle.py, run through python3), or fail on
// both sides. Jinja2 is the specification; a mismatch is our bug unless the
// corpus says otherwise.
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "template/template.h"

namespace weir {
namespace {

using Json = nlohmann::ordered_json;

TemplateValue FromJson(const Json& json) {
  switch (json.type()) {
    case Json::value_t::null: return TemplateValue::None();
    case Json::value_t::boolean: return TemplateValue::Bool(json.get<bool>());
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned: return TemplateValue::Int(json.get<int64_t>());
    case Json::value_t::number_float: return TemplateValue::Float(json.get<double>());
    case Json::value_t::string: return TemplateValue::String(json.get<std::string>());
    case Json::value_t::array: {
      TemplateValue::List items;
      for (const Json& item : json) items.push_back(FromJson(item));
      return TemplateValue::FromList(std::move(items));
    }
    case Json::value_t::object: {
      TemplateMap map;
      for (const auto& [key, item] : json.items()) map.Set(key, FromJson(item));
      return TemplateValue::FromMap(std::move(map));
    }
    default: return TemplateValue::None();
  }
}

// The corpus's "templates", parsed once, as the oracle's DictLoader.
TemplateLoader MakeLoader(const Json& corpus) {
  auto parsed = std::make_shared<std::map<std::string, Result<Template>, std::less<>>>();
  if (corpus.contains("templates")) {
    for (const auto& [name, text] : corpus.at("templates").items()) {
      parsed->emplace(name, ParseTemplate(text.get<std::string>(), SourceLocation{name, 1, 1}));
    }
  }
  return [parsed](std::string_view name) -> Result<Template> {
    auto it = parsed->find(name);
    if (it == parsed->end()) return UserError("template-not-found", "no template '" + std::string(name) + "'");
    return it->second;
  };
}

// The same context, functions and templates as jinja_oracle.py.
TemplateContext MakeContext(const Json& corpus) {
  TemplateContext context;
  context.options().loader = MakeLoader(corpus);
  for (const auto& [name, value] : corpus.at("context").items()) context.Set(name, FromJson(value));
  TemplateValue vars = FromJson(corpus.at("context").at("vars"));
  context.AddFunction("secret", [](const TemplateCallArgs& args) -> Result<TemplateValue> {
    return TemplateValue::String("s3cr3t-" + args.positional.at(0).AsString());
  }, {.secret = true});
  context.AddFunction("var", [vars](const TemplateCallArgs& args) -> Result<TemplateValue> {
    std::optional<TemplateValue> name, fallback;
    if (!args.positional.empty()) name = args.positional[0];
    if (args.positional.size() > 1) fallback = args.positional[1];
    for (const auto& [key, value] : args.keyword) (key == "name" ? name : fallback) = value;
    if (const TemplateValue* found = vars.AsMap().Find(name->AsString())) return *found;
    if (fallback) return *fallback;
    return UserError("unknown-var", "unknown var '" + name->AsString() + "'");
  });
  return context;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// Runs the oracle and returns its stdout; fails the test if it does not exit 0.
std::string RunOracle() {
  std::string command = std::string(WEIR_ORACLE_PYTHON) + " '" + WEIR_JINJA_ORACLE + "' '" + WEIR_JINJA_CORPUS + "'";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    ADD_FAILURE() << "cannot run " << command;
    return "";
  }
  std::string out;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, pipe)) > 0;) out.append(buf, n);
  int status = pclose(pipe);
  EXPECT_EQ(status, 0) << "the oracle failed (is python3-jinja2 installed?): " << command;
  return out;
}

class JinjaDifferentialTest : public ::testing::Test {
 protected:
  void SetUp() override {
    corpus_ = Json::parse(ReadFile(WEIR_JINJA_CORPUS));
    std::string oracle_output = RunOracle();
    ASSERT_FALSE(oracle_output.empty());
    expected_ = Json::parse(oracle_output);
  }

  Json corpus_;
  Json expected_;
};

TEST_F(JinjaDifferentialTest, CorpusIsLargeEnoughToMeanSomething) {
  EXPECT_GE(corpus_.at("cases").size(), 240u);
  EXPECT_EQ(expected_.size(), corpus_.at("cases").size());
}

TEST_F(JinjaDifferentialTest, RendersLikeJinja2) {
  TemplateContext context = MakeContext(corpus_);
  for (const Json& c : corpus_.at("cases")) {
    if (c.contains("error")) continue;
    std::string name = c.at("name").get<std::string>();
    SCOPED_TRACE("case " + name);
    const Json& want = expected_.at(name);
    ASSERT_TRUE(want.at("ok").get<bool>()) << "Jinja2 failed on a case meant to succeed: " << want.at("error");
    Result<std::string> got = RenderTemplate(c.at("template").get<std::string>(), SourceLocation{"corpus", 1, 1}, context);
    if (!got.ok()) {
      ADD_FAILURE() << "we failed: " << got.status().ToString();
      continue;
    }
    EXPECT_EQ(*got, want.at("output").get<std::string>());
  }
}

TEST_F(JinjaDifferentialTest, FailsWhereJinja2FailsWithOurCode) {
  TemplateContext context = MakeContext(corpus_);
  for (const Json& c : corpus_.at("cases")) {
    if (!c.contains("error")) continue;
    std::string name = c.at("name").get<std::string>();
    SCOPED_TRACE("case " + name);
    EXPECT_FALSE(expected_.at(name).at("ok").get<bool>()) << "Jinja2 rendered a case meant to fail";
    Result<std::string> got = RenderTemplate(c.at("template").get<std::string>(), SourceLocation{"corpus", 1, 1}, context);
    ASSERT_FALSE(got.ok()) << "we rendered '" << *got << "'";
    EXPECT_EQ(got.status().code(), c.at("error").get<std::string>()) << got.status().ToString();
    EXPECT_EQ(got.status().kind(), ErrorKind::kUser);
  }
}

}  // namespace
}  // namespace weir
