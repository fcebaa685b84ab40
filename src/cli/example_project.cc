#include "cli/example_project.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>

#include "connectors/connectors.h"

namespace weir::cli {
namespace {

constexpr char kWeirYml[] = R"(# The example project of `weir init`: the daily sales pipeline on embedded
# DuckDB. Everything it needs is in this folder.
name: shop
warehouse: {type: duckdb, path: warehouse.duckdb}
lake: lake/
state: .weir/state.db
connections:
  source_db: {type: duckdb, path: data/source.duckdb}
)";

constexpr char kPipeline[] = R"(pipeline: daily_sales
description: Daily sales data pipeline
schedule: "0 6 * * *"
timezone: Europe/Berlin
start_date: 2024-01-01
catchup: false
max_active_runs: 1
owner: data-team
tags: [sales, daily]
defaults: {retries: 3, retry_delay: 5s, retry_exponential_backoff: true, timeout: 30m}
tasks:
  # The sales API's payload of the day, kept verbatim in the raw layer.
  - id: extract.api
    kind: http
    url: "file://{{ project_dir }}/data/api/sales_{{ ds }}.json"
    to: raw/sales/ds={{ ds }}/api_data.json
  # The day's orders from the source database.
  - id: extract.orders
    kind: extract
    connection: source_db
    sql: "SELECT * FROM orders WHERE CAST(created_at AS DATE) = DATE '{{ ds }}'"
    to: raw/orders/ds={{ ds }}/orders.parquet
  # Typed, cleaned sales; rows without order_id or amount go to rejects.sales.
  - id: transform.clean_sales
    kind: sql
    after: [extract]
    inputs:
      raw: raw/sales/ds={{ ds }}/api_data.json
      orders: raw/orders/ds={{ ds }}/orders.parquet
    sql: sql/clean_sales.sql
    to: processed/sales/ds={{ ds }}/sales.parquet
    rejects:
      table: rejects.sales
      rules:
        - {when: "order_id IS NULL", reason: missing order_id}
        - {when: "amount IS NULL", reason: missing or bad amount}
  # Upsert into the warehouse: a later day's update replaces the earlier row.
  - id: load.sales
    kind: load
    after: [transform]
    from: processed/sales/ds={{ ds }}/sales.parquet
    table: analytics.sales
    mode: merge
    keys: [order_id]
  # Checks of the day's rows (docs/checks.md): an error fails the task and
  # stops the mart; a warning is logged and the run goes on.
  - id: quality_check
    kind: check
    after: [load]
    table: analytics.sales
    where: "loaded_ds = '{{ ds }}'"
    checks:
      - row_count: {min: 1}
      - not_null: order_id
      - unique: order_id
      - expression: amount > 0
      - between: {column: amount, max: 1000}
      - accepted_values: {column: order_status, values: [placed, shipped], severity: warn}
      - freshness: {column: created_at, max_age: 1d}
      - anomaly: {metric: row_count, window: 14, z: 3}
  # The mart, rebuilt from the whole table (W4's fct_daily_sales).
  - id: mart.fct_daily_sales
    kind: sql
    after: [quality_check]
    sql: sql/fct_daily_sales.sql
)";

constexpr char kChecks[] = R"yaml(# Checks of the whole sales table, run by `weir test` (docs/checks.md).
table: analytics.sales
checks:
  - row_count: {min: 1}
  - unique: order_id
  - not_null: customer_id
  - missing_percent: {column: order_status, max: 30}
  - avg: {column: amount, min: 1, max: 250}
  - schema: {columns: {order_id: BIGINT, customer_id: BIGINT, amount: "DECIMAL(10,2)", created_at: TIMESTAMP}}
)yaml";

constexpr char kCleanSales[] = R"(-- W1's clean-and-transform: types from the API's strings, date and hour.
SELECT
  TRY_CAST(s.order_id AS BIGINT)                AS order_id,
  TRY_CAST(s.customer_id AS BIGINT)             AS customer_id,
  TRY_CAST(s.product_id AS BIGINT)              AS product_id,
  TRY_CAST(s.amount AS DECIMAL(10, 2))          AS amount,
  TRY_CAST(s.quantity AS INTEGER)               AS quantity,
  CAST(s.created_at AS TIMESTAMP)               AS created_at,
  CAST(CAST(s.created_at AS TIMESTAMP) AS DATE) AS date,
  hour(CAST(s.created_at AS TIMESTAMP))         AS hour,
  o.status                                      AS order_status,
  '{{ ds }}'                                    AS loaded_ds
FROM raw s
LEFT JOIN orders o ON o.order_id = TRY_CAST(s.order_id AS BIGINT)
)";

constexpr char kFctDailySales[] = R"(CREATE SCHEMA IF NOT EXISTS marts;
CREATE OR REPLACE TABLE marts.fct_daily_sales AS
SELECT
  date                        AS sale_date,
  count(DISTINCT order_id)    AS total_orders,
  count(DISTINCT customer_id) AS unique_customers,
  sum(amount)                 AS total_revenue,
  avg(amount)                 AS avg_order_value
FROM analytics.sales
GROUP BY date
ORDER BY date;
)";

constexpr char kReadme[] = R"(# shop: the daily sales pipeline

    weir validate
    weir graph daily_sales
    weir run daily_sales --date 2024-01-01
    weir query "SELECT * FROM marts.fct_daily_sales"
    weir query "SELECT reason, count(*) FROM rejects.sales GROUP BY ALL"
    weir test --report checks.html

data/api holds the sales API's payload for each day (read through a file://
URL), data/source.duckdb the orders database. Runs write the lake under
lake/ (raw and processed layers) and the warehouse to warehouse.duckdb.
)";

// A small deterministic generator (no dependence on the platform's rand()).
class Sample {
 public:
  explicit Sample(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL;
    return state_ >> 33;
  }
  int Between(int lo, int hi) { return lo + static_cast<int>(Next() % static_cast<uint64_t>(hi - lo + 1)); }

 private:
  uint64_t state_;
};

constexpr int kSalesPerDay = 150;

std::string SaleJson(int order_id, int customer, int product, const std::string& amount, int quantity,
                     const std::string& created_at, bool drop_order_id, bool drop_amount) {
  std::string out = "{";
  out += drop_order_id ? "\"order_id\": null" : "\"order_id\": " + std::to_string(order_id);
  out += ", \"customer_id\": " + std::to_string(customer) + ", \"product_id\": " + std::to_string(product);
  out += drop_amount ? ", \"amount\": null" : ", \"amount\": \"" + amount + "\"";
  out += ", \"quantity\": " + std::to_string(quantity) + ", \"created_at\": \"" + created_at + "\"}";
  return out;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> ExampleProjectFiles() {
  return {{"weir.yml", kWeirYml},
          {"pipelines/daily_sales.yml", kPipeline},
          {"sql/clean_sales.sql", kCleanSales},
          {"checks/sales.yml", kChecks},
          {"sql/fct_daily_sales.sql", kFctDailySales},
          {"README.md", kReadme}};
}

std::vector<std::string> ExampleDays() { return {"2024-01-01", "2024-01-02", "2024-01-03"}; }

Status WriteExampleData(const std::string& root) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(fs::path(root) / "data" / "api", ec);
  if (ec) return Fault("init", "cannot create " + root + "/data/api: " + ec.message());
  Sample random(20240101);
  std::string orders_sql = "CREATE TABLE orders (order_id BIGINT PRIMARY KEY, customer_id BIGINT, status VARCHAR, "
                           "created_at TIMESTAMP); INSERT INTO orders VALUES ";
  bool first_order = true;
  int next_order = 1000;
  std::vector<int> earlier_orders;  // orders of the days before this one
  for (const std::string& day : ExampleDays()) {
    std::vector<int> todays_orders;
    std::set<int> revised_today;
    std::string json = "[\n";
    for (int i = 0; i < kSalesPerDay; ++i) {
      // About one sale in ten on later days revises an earlier day's order.
      bool revision = !earlier_orders.empty() && random.Between(1, 10) == 1;
      int order_id = revision ? earlier_orders[random.Next() % earlier_orders.size()] : 0;
      if (revision && !revised_today.insert(order_id).second) revision = false;  // once a day per order
      if (!revision) order_id = next_order++;
      int customer = random.Between(1, 60);
      int product = random.Between(1, 25);
      int cents = random.Between(150, 25000);
      char amount[32];
      std::snprintf(amount, sizeof amount, "%d.%02d", cents / 100, cents % 100);
      char created[32];
      std::snprintf(created, sizeof created, "%sT%02d:%02d:%02d", day.c_str(), random.Between(0, 23),
                    random.Between(0, 59), random.Between(0, 59));
      // About 2% of rows lack order_id or amount, as real payloads do.
      int dirt = random.Between(1, 100);
      json += (i ? ",\n  " : "  ") + SaleJson(order_id, customer, product, amount, random.Between(1, 5), created,
                                              dirt == 1, dirt == 2);
      if (!revision) {
        todays_orders.push_back(order_id);
        orders_sql += std::string(first_order ? "" : ", ") + "(" + std::to_string(order_id) + ", " +
                      std::to_string(customer) + ", '" + (random.Between(1, 4) == 1 ? "shipped" : "placed") +
                      "', TIMESTAMP '" + day + " " + std::string(created).substr(11) + "')";
        first_order = false;
      }
    }
    json += "\n]\n";
    earlier_orders.insert(earlier_orders.end(), todays_orders.begin(), todays_orders.end());
    std::ofstream out(fs::path(root) / "data" / "api" / ("sales_" + day + ".json"));
    out << json;
    if (!out) return Fault("init", "cannot write the sample payload for " + day);
  }
  std::string db_path = (fs::path(root) / "data" / "source.duckdb").string();
  fs::remove(db_path, ec);
  WEIR_ASSIGN_OR_RETURN(auto db, DuckDbConnection::Open(db_path));
  return db->Execute(orders_sql);
}

}  // namespace weir::cli
