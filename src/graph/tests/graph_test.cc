#include <gtest/gtest.h>

#include "graph/graph.h"

namespace weir {
namespace {

PipelineDef Pipeline(const std::vector<std::pair<std::string, std::vector<std::string>>>& tasks) {
  PipelineDef p;
  p.name = "p";
  int line = 1;
  for (const auto& [id, after] : tasks) {
    TaskDef t;
    t.id = id;
    t.where = SourceLocation{"p.yml", line++, 9};
    t.kind = {"shell", {}};
    for (const std::string& a : after) t.after.push_back({a, SourceLocation{"p.yml", line, 13}});
    p.tasks.push_back(t);
  }
  return p;
}

std::vector<std::string> Ids(const PipelineGraph& g, const std::vector<int>& order) {
  std::vector<std::string> out;
  for (int i : order) out.push_back(g.id(i));
  return out;
}

TEST(GraphTest, GroupsExpandToTheirTasks) {
  PipelineDef p = Pipeline({{"start", {}},
                            {"extract.api", {"start"}},
                            {"extract.orders", {"start"}},
                            {"transform.clean", {"extract"}},
                            {"load", {"transform"}}});
  std::vector<Status> errors;
  PipelineGraph g = PipelineGraph::Build(p, errors);
  ASSERT_TRUE(errors.empty());
  EXPECT_EQ(Ids(g, g.node(g.Find("transform.clean")).upstream), (std::vector<std::string>{"extract.api", "extract.orders"}));
  EXPECT_EQ(Ids(g, g.order()), (std::vector<std::string>{"start", "extract.api", "extract.orders", "transform.clean", "load"}));
  EXPECT_EQ(Ids(g, g.DownstreamOf(g.Find("extract.api"))), (std::vector<std::string>{"extract.api", "transform.clean", "load"}));
  EXPECT_EQ(Ids(g, g.UpstreamOf(g.Find("transform.clean"))),
            (std::vector<std::string>{"start", "extract.api", "extract.orders", "transform.clean"}));
}

TEST(GraphTest, OrderRespectsEdgesNotFileOrder) {
  PipelineDef p = Pipeline({{"c", {"b"}}, {"b", {"a"}}, {"a", {}}, {"d", {}}});
  std::vector<Status> errors;
  PipelineGraph g = PipelineGraph::Build(p, errors);
  ASSERT_TRUE(errors.empty());
  EXPECT_EQ(Ids(g, g.order()), (std::vector<std::string>{"a", "b", "c", "d"}));
}

TEST(GraphTest, UnknownUpstreamSuggestsAName) {
  PipelineDef p = Pipeline({{"extract.api", {}}, {"load", {"extrct"}}});
  std::vector<Status> errors;
  PipelineGraph::Build(p, errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].code(), "unknown-upstream");
  EXPECT_EQ(errors[0].where().ToString(), "p.yml:3:13");
  EXPECT_NE(errors[0].message().find("did you mean 'extract'?"), std::string::npos) << errors[0].message();
}

TEST(GraphTest, CycleIsNamedTaskByTask) {
  PipelineDef p = Pipeline({{"a", {"c"}}, {"b", {"a"}}, {"c", {"b"}}, {"d", {"a"}}});
  std::vector<Status> errors;
  PipelineGraph g = PipelineGraph::Build(p, errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].code(), "cycle");
  const std::string& m = errors[0].message();
  // The cycle in dependency order, starting and ending on the same task.
  bool found = m.find("a -> b -> c -> a") != std::string::npos || m.find("b -> c -> a -> b") != std::string::npos ||
               m.find("c -> a -> b -> c") != std::string::npos;
  EXPECT_TRUE(found) << m;
  EXPECT_EQ(m.find("-> d"), std::string::npos) << m;
  EXPECT_TRUE(g.order().empty());
}

TEST(GraphTest, TaskInsideGroupAfterOwnGroupIsACycle) {
  PipelineDef p = Pipeline({{"g.a", {}}, {"g.b", {"g"}}});
  std::vector<Status> errors;
  PipelineGraph::Build(p, errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].code(), "cycle");
  EXPECT_NE(errors[0].message().find("g.b -> g.b"), std::string::npos) << errors[0].message();
}

TEST(GraphTest, RendersTextTreeAndDot) {
  PipelineDef p = Pipeline({{"start", {}}, {"x.a", {"start"}}, {"x.b", {"start"}}, {"end", {"x"}}});
  std::vector<Status> errors;
  PipelineGraph g = PipelineGraph::Build(p, errors);
  EXPECT_EQ(g.RenderText(),
            "p\n"
            "└── start [shell]\n"
            "    ├── x.a [shell]\n"
            "    │   └── end [shell]\n"
            "    └── x.b [shell]\n"
            "        └── end [shell]\n");
  std::string dot = g.RenderDot();
  EXPECT_NE(dot.find("subgraph \"cluster_x\""), std::string::npos);
  EXPECT_NE(dot.find("\"x.b\" -> \"end\";"), std::string::npos);
  EXPECT_NE(dot.find("\"start\" -> \"x.a\";"), std::string::npos);
}

}  // namespace
}  // namespace weir
