// Node selection over a small dbt project written out by hand. Every
// expected set below was worked out from the project's drawing, not by the
// code under test.
#include <gtest/gtest.h>

#include <deque>
#include <set>

#include "graph/selection.h"

namespace weir {
namespace {

using Names = std::set<std::string>;

// The project "shop" with the package "payments_pkg":
//
//   sources raw.orders ──▶ stg_orders ──┐
//   raw.customers ──▶ stg_customers ────┼─▶ fct_orders ──▶ rpt_revenue ──▶ revenue_by_month (analysis)
//   seed country_codes ──┘   │  │       │                  ▲   │      └──▶ weekly_dashboard (exposure)
//                            │  └─▶ dim_customers          │   └─▶ assert_revenue_positive (singular)
//                            └─▶ customers_snapshot        payments (payments_pkg)
//   events.clicks ──▶ stg_clicks
//
// Tests: not_null_stg_orders_id, unique_stg_orders_id (stg_orders);
// rel_fct_orders_dim_customers (fct_orders, dim_customers);
// rel_fct_orders_stg_customers (fct_orders, stg_customers);
// source_not_null_raw_orders_id (raw.orders); accepted_values_stg_clicks_kind
// (stg_clicks); not_null_payments_id (payments); the unit test
// unit_fct_orders_totals (fct_orders).
class Project {
 public:
  SelectableNode& Add(ResourceType type, std::string name, std::vector<std::string> fqn, std::string path,
                      std::vector<std::string> parents = {}) {
    SelectableNode& node = nodes_.emplace_back();
    node.type = type;
    node.package = fqn[0];
    node.unique_id = std::string(ResourceTypeName(type)) + "." + fqn[0] + "." + name;
    node.name = std::move(name);
    node.fqn = std::move(fqn);
    node.original_file_path = std::move(path);
    for (const std::string& parent : parents) node.parents.push_back(IndexOf(parent));
    return node;
  }
  SelectableNode& AddTest(std::string name, TestType type, std::string test_name, std::vector<std::string> fqn,
                          std::string path, std::vector<std::string> parents) {
    SelectableNode& node = Add(ResourceType::kTest, std::move(name), std::move(fqn), std::move(path), std::move(parents));
    node.test_type = type;
    node.test_name = std::move(test_name);
    return node;
  }

  std::vector<SelectableNode> Build() const {
    std::vector<SelectableNode> nodes(nodes_.begin(), nodes_.end());
    FillChildren(nodes);
    return nodes;
  }

 private:
  int IndexOf(const std::string& name) const {
    for (size_t i = 0; i < nodes_.size(); ++i) {
      if (nodes_[i].name == name) return static_cast<int>(i);
    }
    ADD_FAILURE() << "no node " << name;
    return 0;
  }
  std::deque<SelectableNode> nodes_;
};

std::vector<SelectableNode> Shop() {
  using enum ResourceType;
  Project p;
  SelectableNode* n = &p.Add(kSource, "orders", {"shop", "staging", "raw", "orders"}, "models/staging/sources.yml");
  n->source_name = "raw";
  n->tags = {"pii"};
  n = &p.Add(kSource, "customers", {"shop", "staging", "raw", "customers"}, "models/staging/sources.yml");
  n->source_name = "raw";
  n->tags = {"pii"};
  n = &p.Add(kSource, "clicks", {"shop", "staging", "events", "clicks"}, "models/staging/sources.yml");
  n->source_name = "events";
  n = &p.Add(kSeed, "country_codes", {"shop", "country_codes"}, "seeds/country_codes.csv");
  n->tags = {"reference"};
  n->config = {{"materialized", {"seed"}}};

  n = &p.Add(kModel, "stg_orders", {"shop", "staging", "stg_orders"}, "models/staging/stg_orders.sql", {"orders"});
  n->patch_path = "models/staging/schema.yml";
  n->tags = {"staging", "nightly"};
  n->config = {{"materialized", {"view"}}, {"schema", {"staging"}}};
  n = &p.Add(kModel, "stg_customers", {"shop", "staging", "stg_customers"}, "models/staging/stg_customers.sql",
             {"customers", "country_codes"});
  n->patch_path = "models/staging/schema.yml";
  n->tags = {"staging"};
  n->config = {{"materialized", {"view"}}, {"schema", {"staging"}}};
  n = &p.Add(kModel, "stg_clicks", {"shop", "staging", "stg_clicks"}, "models/staging/stg_clicks.sql", {"clicks"});
  n->tags = {"staging", "hourly"};
  n->config = {{"materialized", {"incremental"}}, {"schema", {"staging"}}};
  n = &p.Add(kModel, "fct_orders", {"shop", "marts", "finance", "fct_orders"}, "models/marts/finance/fct_orders.sql",
             {"stg_orders", "stg_customers"});
  n->patch_path = "models/marts/schema.yml";
  n->tags = {"nightly", "finance"};
  n->config = {{"materialized", {"table"}},
               {"schema", {"finance"}},
               {"cluster_by", {"customer_id", "order_date"}},
               {"contract.enforced", {"true"}}};
  n = &p.Add(kModel, "dim_customers", {"shop", "marts", "core", "dim_customers"}, "models/marts/core/dim_customers.sql",
             {"stg_customers"});
  n->patch_path = "models/marts/schema.yml";
  n->tags = {"nightly"};
  n->config = {{"materialized", {"table"}}};
  n = &p.Add(kModel, "payments", {"payments_pkg", "payments"}, "models/payments.sql");
  n->config = {{"materialized", {"table"}}};
  n = &p.Add(kModel, "rpt_revenue", {"shop", "marts", "finance", "rpt_revenue"}, "models/marts/finance/rpt_revenue.sql",
             {"fct_orders", "payments"});
  n->tags = {"finance"};
  n->config = {{"materialized", {"view"}}, {"meta.owner", {"finance-team"}}};
  n = &p.Add(kSnapshot, "customers_snapshot", {"shop", "customers_snapshot"}, "snapshots/customers_snapshot.sql",
             {"stg_customers"});
  n->config = {{"materialized", {"snapshot"}}};
  p.Add(kAnalysis, "revenue_by_month", {"shop", "analysis", "revenue_by_month"}, "analyses/revenue_by_month.sql",
        {"rpt_revenue"});
  n = &p.Add(kExposure, "weekly_dashboard", {"shop", "weekly_dashboard"}, "models/marts/exposures.yml", {"rpt_revenue"});
  n->tags = {"bi"};

  using enum TestType;
  n = &p.AddTest("not_null_stg_orders_id", kGeneric, "not_null", {"shop", "staging", "not_null_stg_orders_id"},
                 "models/staging/schema.yml", {"stg_orders"});
  n->config = {{"severity", {"ERROR"}}};
  n = &p.AddTest("unique_stg_orders_id", kGeneric, "unique", {"shop", "staging", "unique_stg_orders_id"},
                 "models/staging/schema.yml", {"stg_orders"});
  n->config = {{"severity", {"error"}}};
  p.AddTest("rel_fct_orders_dim_customers", kGeneric, "relationships", {"shop", "marts", "rel_fct_orders_dim_customers"},
            "models/marts/schema.yml", {"fct_orders", "dim_customers"});
  p.AddTest("rel_fct_orders_stg_customers", kGeneric, "relationships", {"shop", "marts", "rel_fct_orders_stg_customers"},
            "models/marts/schema.yml", {"fct_orders", "stg_customers"});
  p.AddTest("source_not_null_raw_orders_id", kGeneric, "not_null", {"shop", "staging", "source_not_null_raw_orders_id"},
            "models/staging/sources.yml", {"orders"});
  n = &p.AddTest("accepted_values_stg_clicks_kind", kGeneric, "accepted_values",
                 {"shop", "staging", "accepted_values_stg_clicks_kind"}, "models/staging/schema.yml", {"stg_clicks"});
  n->config = {{"severity", {"warn"}}};
  n = &p.AddTest("assert_revenue_positive", kSingular, "", {"shop", "assert_revenue_positive"},
                 "tests/assert_revenue_positive.sql", {"rpt_revenue"});
  n->tags = {"finance"};
  p.AddTest("not_null_payments_id", kGeneric, "not_null", {"payments_pkg", "not_null_payments_id"}, "models/schema.yml",
            {"payments"});
  p.Add(kUnitTest, "unit_fct_orders_totals", {"shop", "marts", "finance", "fct_orders", "unit_fct_orders_totals"},
        "models/marts/schema.yml", {"fct_orders"});
  return p.Build();
}

Names AllNames() {
  Names all;
  for (const SelectableNode& node : Shop()) all.insert(node.name);
  return all;
}

Names Without(Names names, const Names& removed) {
  for (const std::string& name : removed) names.erase(name);
  return names;
}

struct Outcome {
  Names selected;
  std::vector<std::string> warnings;
};

Outcome SelectWithWarnings(const std::vector<std::string>& select, const std::vector<std::string>& exclude = {},
            IndirectSelection mode = IndirectSelection::kEager) {
  static const std::vector<SelectableNode> shop = Shop();
  Result<NodeSelector> selector = ParseNodeSelection(select, exclude, mode);
  if (!selector.ok()) {
    ADD_FAILURE() << selector.status().ToString();
    return {};
  }
  SelectionResult result = Select(*selector, shop);
  Outcome out{{}, result.warnings};
  for (size_t i = 0; i < result.selected.size(); ++i) {
    if (i > 0) EXPECT_LT(result.selected[i - 1], result.selected[i]) << "indexes must ascend";
    out.selected.insert(shop[result.selected[i]].name);
  }
  return out;
}

Names Selected(const std::vector<std::string>& select, const std::vector<std::string>& exclude = {},
               IndirectSelection mode = IndirectSelection::kEager) {
  Outcome out = SelectWithWarnings(select, exclude, mode);
  EXPECT_TRUE(out.warnings.empty()) << out.warnings[0];
  return out.selected;
}

// The tests each model brings along under eager indirect selection.
const Names kStgOrdersTests = {"not_null_stg_orders_id", "unique_stg_orders_id"};

Names Plus(Names a, const Names& b) {
  a.insert(b.begin(), b.end());
  return a;
}

TEST(SelectionTest, NoSelectMeansEveryNode) {
  EXPECT_EQ(Selected({}), AllNames());
  EXPECT_EQ(AllNames().size(), 23u);
}

TEST(SelectionTest, FqnByNameDottedPathAndPackage) {
  Names stg_orders = Plus({"stg_orders"}, kStgOrdersTests);
  EXPECT_EQ(Selected({"stg_orders"}), stg_orders);
  EXPECT_EQ(Selected({"fqn:stg_orders"}), stg_orders);
  EXPECT_EQ(Selected({"staging.stg_orders"}), stg_orders);
  EXPECT_EQ(Selected({"shop.staging.stg_orders"}), stg_orders);
  // A folder: every node under it but the sources (fqn never selects a
  // source), plus the tests on those nodes.
  EXPECT_EQ(Selected({"staging"}),
            (Names{"stg_orders", "stg_customers", "stg_clicks", "not_null_stg_orders_id", "unique_stg_orders_id",
                   "source_not_null_raw_orders_id", "accepted_values_stg_clicks_kind", "rel_fct_orders_stg_customers"}));
  EXPECT_EQ(Selected({"payments_pkg"}), (Names{"payments", "not_null_payments_id"}));
}

TEST(SelectionTest, FqnWildcards) {
  // A bare wildcard matches names at any folder depth.
  EXPECT_EQ(Selected({"stg_*"}),
            (Names{"stg_orders", "stg_customers", "stg_clicks", "not_null_stg_orders_id", "unique_stg_orders_id",
                   "rel_fct_orders_stg_customers", "accepted_values_stg_clicks_kind"}));
  EXPECT_EQ(Selected({"stg_[!c]*"}), Plus({"stg_orders"}, kStgOrdersTests));
  EXPECT_EQ(Selected({"stg_?rders"}), Plus({"stg_orders"}, kStgOrdersTests));
  EXPECT_EQ(Selected({"marts.*"}),
            (Names{"fct_orders", "dim_customers", "rpt_revenue", "rel_fct_orders_dim_customers",
                   "rel_fct_orders_stg_customers", "unit_fct_orders_totals", "assert_revenue_positive"}));
  EXPECT_EQ(Selected({"*.finance.*"}),
            (Names{"fct_orders", "rpt_revenue", "unit_fct_orders_totals", "rel_fct_orders_dim_customers",
                   "rel_fct_orders_stg_customers", "assert_revenue_positive"}));
  EXPECT_EQ(Selected({"*"}), Without(AllNames(), {"orders", "customers", "clicks"}));
}

TEST(SelectionTest, Tag) {
  EXPECT_EQ(Selected({"tag:nightly"}),
            (Names{"stg_orders", "fct_orders", "dim_customers", "not_null_stg_orders_id", "unique_stg_orders_id",
                   "rel_fct_orders_dim_customers", "rel_fct_orders_stg_customers", "unit_fct_orders_totals"}));
  EXPECT_EQ(Selected({"tag:pii"}), (Names{"orders", "customers", "source_not_null_raw_orders_id"}));
  EXPECT_EQ(Selected({"tag:fin*"}),
            (Names{"fct_orders", "rpt_revenue", "assert_revenue_positive", "rel_fct_orders_dim_customers",
                   "rel_fct_orders_stg_customers", "unit_fct_orders_totals"}));
}

TEST(SelectionTest, PathFolderFileAndGlob) {
  Names staging_folder{"orders", "customers", "clicks", "stg_orders", "stg_customers", "stg_clicks",
                       "not_null_stg_orders_id", "unique_stg_orders_id", "source_not_null_raw_orders_id",
                       "accepted_values_stg_clicks_kind", "rel_fct_orders_stg_customers"};
  EXPECT_EQ(Selected({"models/staging"}), staging_folder);
  EXPECT_EQ(Selected({"path:models/staging/"}), staging_folder);
  EXPECT_EQ(Selected({"path:./models/staging"}), staging_folder);
  EXPECT_EQ(Selected({"path:models/marts/finance/fct_orders.sql"}),
            (Names{"fct_orders", "rel_fct_orders_dim_customers", "rel_fct_orders_stg_customers", "unit_fct_orders_totals"}));
  // A schema file selects what it defines and what it describes (patch_path).
  EXPECT_EQ(Selected({"path:models/marts/schema.yml"}),
            (Names{"fct_orders", "dim_customers", "rel_fct_orders_dim_customers", "rel_fct_orders_stg_customers",
                   "unit_fct_orders_totals"}));
  EXPECT_EQ(Selected({"models/marts/*/rpt_*.sql"}), (Names{"rpt_revenue", "assert_revenue_positive"}));
  EXPECT_EQ(Selected({"path:models/**/dim_*"}), (Names{"dim_customers", "rel_fct_orders_dim_customers"}));
  EXPECT_EQ(Selected({"./seeds"}), (Names{"country_codes"}));
  Outcome partial_name = SelectWithWarnings({"path:models/staging/stg_orders"});  // no such file: the .sql is missing
  EXPECT_TRUE(partial_name.selected.empty());
  EXPECT_EQ(partial_name.warnings.size(), 1u);
}

TEST(SelectionTest, FileByBaseName) {
  EXPECT_EQ(Selected({"file:stg_orders.sql"}), Plus({"stg_orders"}, kStgOrdersTests));
  EXPECT_EQ(Selected({"stg_clicks.sql"}), (Names{"stg_clicks", "accepted_values_stg_clicks_kind"}));
  EXPECT_TRUE(SelectWithWarnings({"country_codes.CSV"}).selected.empty());  // .CSV picks the method; the name's case counts
  EXPECT_EQ(Selected({"country_codes.csv"}), (Names{"country_codes"}));
  EXPECT_EQ(Selected({"file:schema.yml"}),
            (Names{"not_null_stg_orders_id", "unique_stg_orders_id", "accepted_values_stg_clicks_kind",
                   "rel_fct_orders_dim_customers", "rel_fct_orders_stg_customers", "unit_fct_orders_totals",
                   "not_null_payments_id"}));
}

TEST(SelectionTest, Config) {
  EXPECT_EQ(Selected({"config.materialized:table"}),
            (Names{"fct_orders", "dim_customers", "payments", "rel_fct_orders_dim_customers",
                   "rel_fct_orders_stg_customers", "unit_fct_orders_totals", "not_null_payments_id"}));
  EXPECT_EQ(Selected({"config.materialized:incremental"}), (Names{"stg_clicks", "accepted_values_stg_clicks_kind"}));
  EXPECT_EQ(Selected({"config.schema:staging"}),
            (Names{"stg_orders", "stg_customers", "stg_clicks", "not_null_stg_orders_id", "unique_stg_orders_id",
                   "rel_fct_orders_stg_customers", "accepted_values_stg_clicks_kind"}));
  Names fct_orders{"fct_orders", "rel_fct_orders_dim_customers", "rel_fct_orders_stg_customers",
                   "unit_fct_orders_totals"};
  EXPECT_EQ(Selected({"config.cluster_by:order_date"}), fct_orders);  // any element of a list
  EXPECT_EQ(Selected({"config.contract.enforced:True"}), fct_orders);  // booleans ignore case
  EXPECT_EQ(Selected({"config.meta.owner:finance-team"}), (Names{"rpt_revenue", "assert_revenue_positive"}));
  EXPECT_EQ(Selected({"config.severity:Error"}), (Names{"not_null_stg_orders_id", "unique_stg_orders_id"}));
  EXPECT_EQ(Selected({"config.severity:warn"}), (Names{"accepted_values_stg_clicks_kind"}));
  // Exact values only: no wildcards, and case counts outside booleans and severity.
  EXPECT_TRUE(SelectWithWarnings({"config.materialized:tab*"}).selected.empty());
  EXPECT_TRUE(SelectWithWarnings({"config.materialized:TABLE"}).selected.empty());
}

TEST(SelectionTest, ResourceType) {
  EXPECT_EQ(Selected({"resource_type:model"}),
            (Names{"stg_orders", "stg_customers", "stg_clicks", "fct_orders", "dim_customers", "rpt_revenue", "payments",
                   "not_null_stg_orders_id", "unique_stg_orders_id", "rel_fct_orders_dim_customers",
                   "rel_fct_orders_stg_customers", "accepted_values_stg_clicks_kind", "assert_revenue_positive",
                   "not_null_payments_id", "unit_fct_orders_totals"}));
  EXPECT_EQ(Selected({"resource_type:source"}), (Names{"orders", "customers", "clicks", "source_not_null_raw_orders_id"}));
  EXPECT_EQ(Selected({"resource_type:seed"}), (Names{"country_codes"}));
  EXPECT_EQ(Selected({"resource_type:snapshot"}), (Names{"customers_snapshot"}));
  EXPECT_EQ(Selected({"resource_type:analysis"}), (Names{"revenue_by_month"}));
  EXPECT_EQ(Selected({"resource_type:exposure"}), (Names{"weekly_dashboard"}));
  EXPECT_EQ(Selected({"resource_type:test"}),
            (Names{"not_null_stg_orders_id", "unique_stg_orders_id", "rel_fct_orders_dim_customers",
                   "rel_fct_orders_stg_customers", "source_not_null_raw_orders_id", "accepted_values_stg_clicks_kind",
                   "assert_revenue_positive", "not_null_payments_id"}));
  EXPECT_EQ(Selected({"resource_type:unit_test"}), (Names{"unit_fct_orders_totals"}));
}

TEST(SelectionTest, Source) {
  EXPECT_EQ(Selected({"source:raw"}), (Names{"orders", "customers", "source_not_null_raw_orders_id"}));
  EXPECT_EQ(Selected({"source:raw.orders"}), (Names{"orders", "source_not_null_raw_orders_id"}));
  EXPECT_EQ(Selected({"source:shop.events.clicks"}), (Names{"clicks"}));
  EXPECT_EQ(Selected({"source:*.cl*"}), (Names{"clicks"}));
  EXPECT_TRUE(SelectWithWarnings({"source:payments_pkg.raw.orders"}).selected.empty());
  EXPECT_EQ(Selected({"source:raw+"}),
            (Names{"orders", "customers", "stg_orders", "stg_customers", "fct_orders", "dim_customers",
                   "customers_snapshot", "rpt_revenue", "revenue_by_month", "weekly_dashboard", "not_null_stg_orders_id",
                   "unique_stg_orders_id", "source_not_null_raw_orders_id", "rel_fct_orders_dim_customers",
                   "rel_fct_orders_stg_customers", "unit_fct_orders_totals", "assert_revenue_positive"}));
}

TEST(SelectionTest, TestTypeAndTestName) {
  Names generic{"not_null_stg_orders_id", "unique_stg_orders_id", "rel_fct_orders_dim_customers",
                "rel_fct_orders_stg_customers", "source_not_null_raw_orders_id", "accepted_values_stg_clicks_kind",
                "not_null_payments_id"};
  EXPECT_EQ(Selected({"test_type:generic"}), generic);
  EXPECT_EQ(Selected({"test_type:schema"}), generic);
  EXPECT_EQ(Selected({"test_type:singular"}), (Names{"assert_revenue_positive"}));
  EXPECT_EQ(Selected({"test_type:data"}), Plus(generic, {"assert_revenue_positive"}));
  EXPECT_EQ(Selected({"test_type:unit"}), (Names{"unit_fct_orders_totals"}));
  EXPECT_EQ(Selected({"test_name:not_null"}),
            (Names{"not_null_stg_orders_id", "source_not_null_raw_orders_id", "not_null_payments_id"}));
  EXPECT_EQ(Selected({"test_name:relation*"}), (Names{"rel_fct_orders_dim_customers", "rel_fct_orders_stg_customers"}));
  EXPECT_EQ(Selected({"test_name:unit_*"}), (Names{"unit_fct_orders_totals"}));
}

TEST(SelectionTest, PackageMethod) {
  EXPECT_EQ(Selected({"package:payments_pkg"}), (Names{"payments", "not_null_payments_id"}));
  EXPECT_EQ(Selected({"package:pay*"}), (Names{"payments", "not_null_payments_id"}));
  EXPECT_EQ(Selected({"package:shop"}), Without(AllNames(), {"payments", "not_null_payments_id"}));
}

TEST(SelectionTest, AncestorsWithAndWithoutDepth) {
  EXPECT_EQ(Selected({"+fct_orders"}),
            (Names{"fct_orders", "stg_orders", "stg_customers", "orders", "customers", "country_codes",
                   "not_null_stg_orders_id", "unique_stg_orders_id", "rel_fct_orders_dim_customers",
                   "rel_fct_orders_stg_customers", "source_not_null_raw_orders_id", "unit_fct_orders_totals"}));
  EXPECT_EQ(Selected({"1+fct_orders"}),
            (Names{"fct_orders", "stg_orders", "stg_customers", "not_null_stg_orders_id", "unique_stg_orders_id",
                   "rel_fct_orders_dim_customers", "rel_fct_orders_stg_customers", "unit_fct_orders_totals"}));
  EXPECT_EQ(Selected({"0+fct_orders"}),
            (Names{"fct_orders", "rel_fct_orders_dim_customers", "rel_fct_orders_stg_customers", "unit_fct_orders_totals"}));
}

TEST(SelectionTest, DescendantsWithAndWithoutDepth) {
  Names all_below{"fct_orders", "rpt_revenue", "revenue_by_month", "weekly_dashboard", "rel_fct_orders_dim_customers",
                  "rel_fct_orders_stg_customers", "unit_fct_orders_totals", "assert_revenue_positive"};
  EXPECT_EQ(Selected({"fct_orders+"}), all_below);
  EXPECT_EQ(Selected({"fct_orders+1"}), Without(all_below, {"revenue_by_month", "weekly_dashboard"}));
  EXPECT_EQ(Selected({"2+rpt_revenue+1"}),
            (Names{"rpt_revenue", "fct_orders", "payments", "stg_orders", "stg_customers", "revenue_by_month",
                   "weekly_dashboard", "not_null_stg_orders_id", "unique_stg_orders_id", "rel_fct_orders_dim_customers",
                   "rel_fct_orders_stg_customers", "assert_revenue_positive", "not_null_payments_id",
                   "unit_fct_orders_totals"}));
}

TEST(SelectionTest, AtSelectsDescendantsAndTheirAncestors) {
  EXPECT_EQ(Selected({"@stg_orders"}),
            (Names{"orders", "customers", "country_codes", "stg_orders", "stg_customers", "fct_orders", "dim_customers",
                   "rpt_revenue", "payments", "revenue_by_month", "weekly_dashboard", "not_null_stg_orders_id",
                   "unique_stg_orders_id", "rel_fct_orders_dim_customers", "rel_fct_orders_stg_customers",
                   "source_not_null_raw_orders_id", "assert_revenue_positive", "not_null_payments_id",
                   "unit_fct_orders_totals"}));
}

TEST(SelectionTest, SpacesAndSeveralSelectValuesAreUnions) {
  Names both{"stg_clicks", "accepted_values_stg_clicks_kind", "country_codes"};
  EXPECT_EQ(Selected({"stg_clicks country_codes"}), both);
  EXPECT_EQ(Selected({"  stg_clicks\tcountry_codes  "}), both);
  EXPECT_EQ(Selected({"stg_clicks", "country_codes"}), both);
}

TEST(SelectionTest, CommasAreIntersections) {
  // Each side brings its tests first, so the tests of nightly tables stay.
  EXPECT_EQ(Selected({"tag:nightly,config.materialized:table"}),
            (Names{"fct_orders", "dim_customers", "rel_fct_orders_dim_customers", "rel_fct_orders_stg_customers",
                   "unit_fct_orders_totals"}));
  EXPECT_EQ(Selected({"models/staging,tag:hourly"}), (Names{"stg_clicks", "accepted_values_stg_clicks_kind"}));
  EXPECT_EQ(Selected({"+fct_orders,resource_type:source"}), (Names{"orders", "customers", "source_not_null_raw_orders_id"}));
  EXPECT_EQ(Selected({"tag:hourly,stg_clicks country_codes"}),
            (Names{"stg_clicks", "accepted_values_stg_clicks_kind", "country_codes"}));
}

TEST(SelectionTest, ExcludeSubtractsNodesAndTheirTests) {
  // rel_fct_orders_stg_customers goes with stg_customers; rel_fct_orders_dim_customers stays.
  EXPECT_EQ(Selected({"+fct_orders"}, {"stg_customers"}),
            (Names{"fct_orders", "stg_orders", "orders", "customers", "country_codes", "not_null_stg_orders_id",
                   "unique_stg_orders_id", "rel_fct_orders_dim_customers", "source_not_null_raw_orders_id",
                   "unit_fct_orders_totals"}));
  EXPECT_EQ(Selected({}, {"tag:pii"}), Without(AllNames(), {"orders", "customers", "source_not_null_raw_orders_id"}));
  EXPECT_EQ(Selected({"marts"}, {"test_type:unit resource_type:exposure"}),
            (Names{"fct_orders", "dim_customers", "rpt_revenue", "rel_fct_orders_dim_customers",
                   "rel_fct_orders_stg_customers", "assert_revenue_positive"}));
  EXPECT_EQ(Selected({"fct_orders"}, {"fct_orders"}), Names{});
}

TEST(SelectionTest, IndirectSelectionModes) {
  // fct_orders' tests: the unit test (parent fct_orders), the relationships
  // to stg_customers (an ancestor) and to dim_customers (not an ancestor).
  EXPECT_EQ(Selected({"fct_orders"}, {}, IndirectSelection::kEager),
            (Names{"fct_orders", "rel_fct_orders_dim_customers", "rel_fct_orders_stg_customers", "unit_fct_orders_totals"}));
  EXPECT_EQ(Selected({"fct_orders"}, {}, IndirectSelection::kCautious), (Names{"fct_orders", "unit_fct_orders_totals"}));
  EXPECT_EQ(Selected({"fct_orders"}, {}, IndirectSelection::kBuildable),
            (Names{"fct_orders", "rel_fct_orders_stg_customers", "unit_fct_orders_totals"}));
  EXPECT_EQ(Selected({"fct_orders"}, {}, IndirectSelection::kEmpty), (Names{"fct_orders"}));
}

TEST(SelectionTest, CautiousTestJoinsWhenAUnionSelectsAllItsParents) {
  EXPECT_EQ(Selected({"fct_orders dim_customers"}, {}, IndirectSelection::kCautious),
            (Names{"fct_orders", "dim_customers", "rel_fct_orders_dim_customers", "unit_fct_orders_totals"}));
  EXPECT_EQ(Selected({"fct_orders", "dim_customers"}, {}, IndirectSelection::kCautious),
            (Names{"fct_orders", "dim_customers", "rel_fct_orders_dim_customers", "unit_fct_orders_totals"}));
  // Excluding a parent drops the test whatever the mode.
  EXPECT_EQ(Selected({"fct_orders dim_customers"}, {"dim_customers"}, IndirectSelection::kCautious),
            (Names{"fct_orders", "unit_fct_orders_totals"}));
  EXPECT_EQ(Selected({"fct_orders+"}, {"fct_orders"}, IndirectSelection::kEmpty),
            (Names{"rpt_revenue", "revenue_by_month", "weekly_dashboard", "assert_revenue_positive"}));
}

TEST(SelectionTest, BuildableAdmitsTestsOnAncestors) {
  EXPECT_EQ(Selected({"1+fct_orders"}, {}, IndirectSelection::kBuildable),
            (Names{"fct_orders", "stg_orders", "stg_customers", "not_null_stg_orders_id", "unique_stg_orders_id",
                   "rel_fct_orders_stg_customers", "unit_fct_orders_totals"}));
}

TEST(SelectionTest, BuildableCountsSourcesAsBuilt) {
  std::vector<SelectableNode> nodes(3);
  nodes[0].name = "raw_orders";
  nodes[0].type = ResourceType::kSource;
  nodes[1].name = "lookup";
  nodes[1].fqn = {"p", "lookup"};
  nodes[2].name = "rel_lookup_raw_orders";
  nodes[2].fqn = {"p", "rel_lookup_raw_orders"};
  nodes[2].type = ResourceType::kTest;
  nodes[2].test_type = TestType::kGeneric;
  nodes[2].parents = {0, 1};
  FillChildren(nodes);
  auto select = [&](IndirectSelection mode) {
    Result<NodeSelector> selector = ParseNodeSelection({"lookup"}, {}, mode);
    EXPECT_TRUE(selector.ok());
    return Select(*selector, nodes).selected;
  };
  EXPECT_EQ(select(IndirectSelection::kEager), (std::vector<int>{1, 2}));
  EXPECT_EQ(select(IndirectSelection::kCautious), (std::vector<int>{1}));
  EXPECT_EQ(select(IndirectSelection::kBuildable), (std::vector<int>{1, 2}));
}

TEST(SelectionTest, NoMatchIsAWarningNotAnError) {
  Outcome out = SelectWithWarnings({"nonexistent stg_clicks"}, {"tag:nothing"});
  EXPECT_EQ(out.selected, (Names{"stg_clicks", "accepted_values_stg_clicks_kind"}));
  EXPECT_EQ(out.warnings, (std::vector<std::string>{
                              "The selection criterion 'nonexistent' does not match any enabled nodes",
                              "The selection criterion 'tag:nothing' does not match any enabled nodes"}));
  Outcome disjoint = SelectWithWarnings({"tag:nightly,tag:hourly"});
  EXPECT_TRUE(disjoint.selected.empty());
  EXPECT_EQ(disjoint.warnings,
            (std::vector<std::string>{"The selection criterion 'tag:nightly,tag:hourly' does not match any enabled nodes"}));
}

TEST(SelectionTest, DeepChainIsWalkedWithoutRecursion) {
  constexpr int kNodes = 10000;
  std::vector<SelectableNode> chain(kNodes);
  for (int i = 0; i < kNodes; ++i) {
    chain[i].name = "m" + std::to_string(i);
    chain[i].fqn = {"p", chain[i].name};
    chain[i].package = "p";
    chain[i].original_file_path = "models/" + chain[i].name + ".sql";
    if (i > 0) chain[i].parents = {i - 1};
  }
  FillChildren(chain);
  auto select = [&](const std::string& text) {
    Result<NodeSelector> selector = ParseNodeSelection({text}, {});
    EXPECT_TRUE(selector.ok());
    return Select(*selector, chain).selected;
  };
  EXPECT_EQ(select("+m9999").size(), 10000u);
  EXPECT_EQ(select("m0+3"), (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(select("2+m5000+1"), (std::vector<int>{4998, 4999, 5000, 5001}));
  EXPECT_EQ(select("@m5000").size(), 10000u);
}

TEST(SelectionTest, FillChildrenInvertsParents) {
  std::vector<SelectableNode> shop = Shop();
  auto index = [&](const std::string& name) {
    for (size_t i = 0; i < shop.size(); ++i) {
      if (shop[i].name == name) return static_cast<int>(i);
    }
    return -1;
  };
  EXPECT_EQ(shop[index("stg_customers")].children,
            (std::vector<int>{index("fct_orders"), index("dim_customers"), index("customers_snapshot"),
                              index("rel_fct_orders_stg_customers")}));
  EXPECT_TRUE(shop[index("weekly_dashboard")].children.empty());
}

}  // namespace
}  // namespace weir
