#include "models/internal/compile.h"

#include <algorithm>
#include <cctype>

#include "models/internal/dbt_context.h"
#include "models/internal/node_config.h"
#include "template/template.h"

namespace weir::models_internal {
namespace {

std::string CteName(const ModelNode& node) { return "__dbt__cte__" + node.name; }

bool IsEphemeral(const ModelNode& node) {
  return node.kind == ModelNodeKind::kModel && node.materialized() == "ephemeral";
}

// Finds the node a ref names among the parsed node's parents (a ref the
// parse recorded is always among them).
Result<int> RefTarget(const CompileInputs& in, int self, const std::string& name) {
  const ModelGraph& graph = *in.graph;
  if (graph.nodes[self].kind == ModelNodeKind::kOperation) {
    for (size_t n = 0; n < graph.nodes.size(); ++n) {
      const ModelNode& node = graph.nodes[n];
      bool buildable = node.kind == ModelNodeKind::kModel || node.kind == ModelNodeKind::kSeed ||
                       node.kind == ModelNodeKind::kSnapshot;
      if (buildable && node.name == name) return static_cast<int>(n);
    }
    return UserError("ref-not-found", "a hook refers to '" + name + "', which is no model, seed or snapshot");
  }
  for (int parent : graph.nodes[self].depends_on) {
    const ModelNode& p = graph.nodes[parent];
    if (p.name == name && p.kind != ModelNodeKind::kSource && p.kind != ModelNodeKind::kTest) return parent;
  }
  return UserError("ref-not-found", "'" + graph.nodes[self].name + "' refers to '" + name +
                                        "', which its parse did not record (a ref inside a branch that only runs "
                                        "when execute is true: add `-- depends_on: {{ ref('" + name +
                                        "') }}` to the model)");
}

struct Rendering {
  std::vector<int> ephemerals;  // ephemeral parents used, in order of use
};

Resolver ExecuteResolver(const CompileInputs& in, int self, Rendering& rendering) {
  const ModelGraph& graph = *in.graph;
  Resolver resolver;
  resolver.ref = [&in, &graph, self, &rendering](const NodeCalls::Ref& ref) -> Result<RelationName> {
    WEIR_ASSIGN_OR_RETURN(int target, RefTarget(in, self, ref.name));
    const ModelNode& node = graph.nodes[target];
    if (IsEphemeral(node)) {
      if (std::find(rendering.ephemerals.begin(), rendering.ephemerals.end(), target) == rendering.ephemerals.end()) {
        rendering.ephemerals.push_back(target);
      }
      return RelationName{.identifier = CteName(node), .cte = true};
    }
    return node.relation;
  };
  resolver.source = [&graph, self](const std::string& source, const std::string& table) -> Result<RelationName> {
    auto matches = [&](const ModelNode& p) {
      return p.kind == ModelNodeKind::kSource && p.source_name == source && p.name == table;
    };
    if (graph.nodes[self].kind == ModelNodeKind::kOperation) {
      for (const ModelNode& node : graph.nodes) {
        if (matches(node)) return node.relation;
      }
    }
    for (int parent : graph.nodes[self].depends_on) {
      const ModelNode& p = graph.nodes[parent];
      if (matches(p)) return p.relation;
    }
    return UserError("source-not-found", "source '" + source + "." + table + "' was not recorded by the parse");
  };
  resolver.is_incremental = [&in, &graph, self]() {
    const ModelNode& node = graph.nodes[self];
    return node.materialized() == "incremental" && !in.full_refresh && in.is_table && in.is_table(node.relation);
  };
  return resolver;
}

DbtContextInputs ExecuteInputs(const CompileInputs& in, int self, Rendering& rendering) {
  return DbtContextInputs{.project = in.project, .env = in.env, .node = &in.graph->nodes[self], .execute = true,
                          .resolver = ExecuteResolver(in, self, rendering), .macros = &in.graph->macros,
                          .docs = &in.graph->docs, .query = in.query,
                          .query_with_parameters = in.query_with_parameters, .log = in.log, .now = in.now,
                          .extra_names = in.extra_names};
}

Result<std::string> Render(const CompileInputs& in, int self, const std::string& text, const SourceLocation& where,
                           Rendering& rendering) {
  DbtContextInputs inputs = ExecuteInputs(in, self, rendering);
  TemplateContext context = MakeDbtContext(inputs);
  return RenderTemplate(text, where, context);
}

// Skips spaces and SQL comments; true when the statement starts with WITH.
bool StartsWithWith(const std::string& sql, size_t& after) {
  size_t i = 0;
  while (i < sql.size()) {
    if (std::isspace(static_cast<unsigned char>(sql[i]))) {
      ++i;
    } else if (sql.compare(i, 2, "--") == 0) {
      i = sql.find('\n', i);
      if (i == std::string::npos) return false;
    } else if (sql.compare(i, 2, "/*") == 0) {
      i = sql.find("*/", i);
      if (i == std::string::npos) return false;
      i += 2;
    } else {
      break;
    }
  }
  if (i + 4 > sql.size()) return false;
  std::string word = sql.substr(i, 4);
  std::transform(word.begin(), word.end(), word.begin(), [](unsigned char c) { return std::tolower(c); });
  bool boundary = i + 4 == sql.size() || !std::isalnum(static_cast<unsigned char>(sql[i + 4]));
  after = i + 4;
  return word == "with" && boundary;
}

// dbt's CTE injection: `with __dbt__cte__a as (...), <the model's own CTEs>`.
std::string InjectCtes(const std::string& sql, const std::vector<std::pair<std::string, std::string>>& ctes) {
  if (ctes.empty()) return sql;
  std::string block;
  for (size_t i = 0; i < ctes.size(); ++i) {
    block += (i == 0 ? "" : ",  ") + ctes[i].first + " as (\n" + ctes[i].second + "\n)";
  }
  size_t after = 0;
  if (StartsWithWith(sql, after)) return sql.substr(0, after) + " " + block + ", " + sql.substr(after);
  return "with " + block + "\n" + sql;
}

// The CTEs an ephemeral parent brings: its own ephemeral parents first.
Status CollectCtes(const CompileInputs& in, const std::vector<int>& ephemerals,
                   std::vector<std::pair<std::string, std::string>>& ctes, int depth) {
  if (depth > 100) return UserError("ephemeral-depth", "ephemeral models nest more than 100 deep");
  for (int e : ephemerals) {
    const ModelNode& node = in.graph->nodes[e];
    std::string name = CteName(node);
    bool seen = std::any_of(ctes.begin(), ctes.end(), [&](const auto& c) { return c.first == name; });
    if (seen) continue;
    Rendering inner;
    WEIR_ASSIGN_OR_RETURN(std::string sql,
                          Render(in, e, node.raw_code, CodeOrigin(node), inner));
    WEIR_TRY(CollectCtes(in, inner.ephemerals, ctes, depth + 1));
    if (std::none_of(ctes.begin(), ctes.end(), [&](const auto& c) { return c.first == name; })) {
      ctes.emplace_back(name, sql);
    }
  }
  return OkStatus();
}

std::string StringKwarg(const TemplateMap& kwargs, std::string_view key) {
  const TemplateValue* value = kwargs.Find(key);
  return value == nullptr || value->is_none() ? "" : value->ToString();
}

std::string SqlLiteral(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

// The relation a generic test reads: the attached node, filtered by `where`.
std::string TestedRelation(const ModelNode& test, const ModelNode& attached) {
  const TemplateValue* where = test.config.Find("where");
  std::string relation = attached.relation.Quoted();
  if (where == nullptr || where->is_none()) return relation;
  return "(select * from " + relation + " where " + where->ToString() + ") dbt_subquery";
}

// A {% test name(model, column_name, ...) %} block of the project: called
// with the tested relation and the test's arguments (those written as
// ref(...) or source(...) become relations).
Result<std::string> CustomTestSql(const CompileInputs& in, int self, const TemplateValue& macro) {
  const ModelNode& test = in.graph->nodes[self];
  const GenericTest& generic = *test.generic_test;
  const ModelNode& attached = in.graph->nodes[generic.attached_node];
  Rendering rendering;
  DbtContextInputs inputs = ExecuteInputs(in, self, rendering);
  TemplateContext context = MakeDbtContext(inputs);
  TemplateCallArgs args;
  std::string model = TestedRelation(test, attached);
  args.keyword.emplace_back("model", model == attached.relation.Quoted() ? RelationValue(attached.relation)
                                                                         : TemplateValue::String(model));
  for (const auto& [key, value] : generic.kwargs) {
    const std::string text = value.kind() == TemplateValue::Kind::kString ? value.AsString() : "";
    bool relation = text.rfind("ref(", 0) == 0 || text.rfind("source(", 0) == 0;
    if (!relation) {
      args.keyword.emplace_back(key, value);
      continue;
    }
    WEIR_ASSIGN_OR_RETURN(std::string rendered, Render(in, self, "{{ " + text + " }}",
                                                       SourceLocation{test.original_file_path}, rendering));
    args.keyword.emplace_back(key, TemplateValue::String(rendered));
  }
  WEIR_ASSIGN_OR_RETURN(TemplateValue sql, CallTemplateValue(macro, args, context));
  return sql.ToString();
}

Result<std::string> GenericTestSql(const CompileInputs& in, int self) {
  const ModelNode& test = in.graph->nodes[self];
  const GenericTest& generic = *test.generic_test;
  if (const TemplateValue* macro = in.graph->macros.Find("test_" + generic.test_name)) {
    return CustomTestSql(in, self, *macro);
  }
  const ModelNode& attached = in.graph->nodes[generic.attached_node];
  std::string model = TestedRelation(test, attached);
  std::string column = StringKwarg(generic.kwargs, "column_name");
  const std::string& name = generic.test_name;
  if (name == "not_null") {
    return "select " + column + "\nfrom " + model + "\nwhere " + column + " is null";
  }
  if (name == "unique") {
    return "select " + column + " as unique_field, count(*) as n_records\nfrom " + model + "\nwhere " + column +
           " is not null\ngroup by " + column + "\nhaving count(*) > 1";
  }
  if (name == "accepted_values") {
    const TemplateValue* values = generic.kwargs.Find("values");
    if (values == nullptr || values->kind() != TemplateValue::Kind::kList) {
      return UserError("test-argument", "accepted_values needs 'values', a list", SourceLocation{test.original_file_path});
    }
    const TemplateValue* quote = generic.kwargs.Find("quote");
    bool quoted = quote == nullptr || quote->Truthy();
    std::string list;
    for (const TemplateValue& v : values->AsList()) {
      list += (list.empty() ? "" : ", ") + (quoted ? SqlLiteral(v.ToString()) : v.ToString());
    }
    return "with all_values as (\n  select " + column + " as value_field, count(*) as n_records\n  from " + model +
           "\n  group by " + column + "\n)\nselect *\nfrom all_values\nwhere value_field not in (" + list + ")";
  }
  if (name == "relationships") {
    std::string to = StringKwarg(generic.kwargs, "to");
    std::string field = StringKwarg(generic.kwargs, "field");
    if (to.empty() || field.empty()) {
      return UserError("test-argument", "relationships needs 'to' and 'field'", SourceLocation{test.original_file_path});
    }
    Rendering rendering;
    WEIR_ASSIGN_OR_RETURN(std::string parent,
                          Render(in, self, "{{ " + to + " }}", SourceLocation{test.original_file_path}, rendering));
    return "with child as (\n  select " + column + " as from_field\n  from " + model + "\n  where " + column +
           " is not null\n),\nparent as (\n  select " + field + " as to_field\n  from " + parent +
           "\n)\nselect from_field\nfrom child\nleft join parent on child.from_field = parent.to_field\n"
           "where parent.to_field is null";
  }
  return UserError("unknown-test", "generic test '" + name +
                                       "' is neither built in (unique, not_null, accepted_values, relationships) "
                                       "nor a {% test " + name + "(model, column_name) %} block of the project",
                   SourceLocation{test.original_file_path});
}

}  // namespace

Result<std::string> CompileNode(const CompileInputs& in, int self) {
  const ModelNode& node = in.graph->nodes[self];
  if (node.generic_test) return GenericTestSql(in, self);
  Rendering rendering;
  WEIR_ASSIGN_OR_RETURN(std::string sql,
                        Render(in, self, node.raw_code, CodeOrigin(node), rendering));
  std::vector<std::pair<std::string, std::string>> ctes;
  WEIR_TRY(CollectCtes(in, rendering.ephemerals, ctes, 0));
  return InjectCtes(sql, ctes);
}

Result<std::string> RenderForNode(const CompileInputs& in, int self, const std::string& text) {
  Rendering rendering;
  return Render(in, self, text, SourceLocation{in.graph->nodes[self].original_file_path}, rendering);
}

std::string TestCountQuery(const ModelNode& test, const std::string& compiled_sql) {
  auto condition = [&](std::string_view key) {
    const TemplateValue* value = test.config.Find(key);
    return value == nullptr || value->is_none() ? std::string("!= 0") : value->ToString();
  };
  std::string limit;
  if (const TemplateValue* value = test.config.Find("limit"); value != nullptr && !value->is_none()) {
    limit = "\nlimit " + value->ToString();
  }
  return "select count(*) as failures,\n  count(*) " + condition("warn_if") + " as should_warn,\n  count(*) " +
         condition("error_if") + " as should_error\nfrom (\n" + compiled_sql + limit + "\n) dbt_internal_test";
}

}  // namespace weir::models_internal
