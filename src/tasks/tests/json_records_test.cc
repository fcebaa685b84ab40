#include <gtest/gtest.h>

#include "tasks/internal/json_records.h"

namespace weir::tasks_internal {
namespace {

RecordsPath Path(const std::string& text) {
  Result<RecordsPath> path = ParseRecordsPath(text, {});
  EXPECT_TRUE(path.ok()) << path.status().ToString();
  return path.ok() ? *path : RecordsPath{};
}

std::vector<std::string> Texts(std::string_view payload, const RecordSpans& spans) {
  std::vector<std::string> out;
  for (const RecordSpan& s : spans.records) out.emplace_back(payload.substr(s.offset, s.length));
  return out;
}

TEST(RecordsPathTest, DollarDottedKeysAndBrackets) {
  EXPECT_TRUE(Path("$").keys.empty());
  EXPECT_EQ(Path("$.data").keys, (std::vector<std::string>{"data"}));
  EXPECT_EQ(Path("$.results.items").keys, (std::vector<std::string>{"results", "items"}));
  EXPECT_EQ(Path("$[\"a.b\"].c").keys, (std::vector<std::string>{"a.b", "c"}));
  for (const char* bad : {"", "data", "$.", "$..a", "$[0]", "$.a[*]", "$[\"open"}) {
    Result<RecordsPath> path = ParseRecordsPath(bad, SourceLocation{"p.yml", 3, 14});
    EXPECT_EQ(path.status().code(), "bad-records-path") << bad;
    EXPECT_EQ(path.status().where().ToString(), "p.yml:3:14");
  }
}

TEST(SplitRecordsTest, ArrayElementsWithTheirOffsets) {
  std::string payload = R"( [ {"a": "x]}\"y", "b": [1, {"c": 2}]} , 7,"s" ,{} ] )";
  Result<RecordSpans> spans = SplitRecords(payload, Path("$"));
  ASSERT_TRUE(spans.ok()) << spans.status().ToString();
  EXPECT_TRUE(spans->from_array);
  EXPECT_EQ(Texts(payload, *spans),
            (std::vector<std::string>{R"({"a": "x]}\"y", "b": [1, {"c": 2}]})", "7", "\"s\"", "{}"}));
  EXPECT_EQ(spans->records[0].offset, payload.find('{'));
  EXPECT_EQ(spans->records[1].offset, payload.find('7'));
}

TEST(SplitRecordsTest, PathWalksPastOtherKeysEvenWhenTheyHoldTheSameName) {
  std::string payload = R"({"meta": {"data": [0]}, "d\u0061ta": [{"id": 1}, {"id": 2}], "data2": []})";
  Result<RecordSpans> spans = SplitRecords(payload, Path("$.data"));
  ASSERT_TRUE(spans.ok()) << spans.status().ToString();
  EXPECT_EQ(Texts(payload, *spans), (std::vector<std::string>{R"({"id": 1})", R"({"id": 2})"}));
  std::string nested = R"({"results": {"count": 1, "items": [{"x": true}]}})";
  EXPECT_EQ(Texts(nested, *SplitRecords(nested, Path("$.results.items"))),
            (std::vector<std::string>{R"({"x": true})"}));
}

TEST(SplitRecordsTest, AnObjectIsOneRecordAndNullIsNone) {
  std::string object = R"({"id": 1, "name": "a"})";
  Result<RecordSpans> one = SplitRecords(object, Path("$"));
  ASSERT_TRUE(one.ok());
  EXPECT_FALSE(one->from_array);
  EXPECT_EQ(Texts(object, *one), (std::vector<std::string>{object}));
  EXPECT_TRUE(SplitRecords(R"({"data": null})", Path("$.data"))->records.empty());
  EXPECT_TRUE(SplitRecords("[ ]", Path("$"))->records.empty());
}

TEST(SplitRecordsTest, MissingPathsAndScalarsAreUserErrors) {
  Result<RecordSpans> missing = SplitRecords(R"({"items": []})", Path("$.data"));
  EXPECT_EQ(missing.status().code(), "records-not-found");
  EXPECT_NE(missing.status().message().find("has no key 'data'"), std::string::npos) << missing.status().message();
  EXPECT_EQ(SplitRecords(R"({"data": [1]})", Path("$.data.items")).status().code(), "records-not-found");
  EXPECT_EQ(SplitRecords(R"({"data": "text"})", Path("$.data")).status().code(), "records-not-a-list");
  EXPECT_EQ(SplitRecords("42", Path("$")).status().code(), "records-not-a-list");
}

TEST(SplitRecordsTest, StructuralDamageNamesTheByteOffset) {
  struct Case {
    std::string payload;
    std::string offset;
  };
  for (const Case& c : std::vector<Case>{{R"([{"a": "unterminated}])", "byte offset 7"},
                                         {R"([{"a": 1}, {"b": 2})", "byte offset 0"},
                                         {R"([{"a": 1]])", "byte offset 8"},
                                         {R"([1, 2] [3])", "byte offset 7"},
                                         {"<html><body>Bad gateway</body></html>", "byte offset 0"},
                                         {"   ", "byte offset 3"}}) {
    Result<RecordSpans> spans = SplitRecords(c.payload, Path("$"));
    EXPECT_EQ(spans.status().code(), "bad-json") << c.payload;
    EXPECT_EQ(spans.status().kind(), ErrorKind::kUser);
    EXPECT_NE(spans.status().message().find(c.offset), std::string::npos) << c.payload << ": " << spans.status().message();
  }
}

class LoadRecordsTest : public ::testing::Test {
 protected:
  Result<RecordsLoad> Load(std::string payload, const std::string& path = "$", bool chunked = true,
                           const std::string& table = "__weir_records") {
    RecordsLoadOptions options;
    options.chunked = chunked;
    options.table = table;
    options.rejects_table = table + "_rejects";
    options.batch = 7;
    return LoadRecords(*db_, std::move(payload), Path(path), options, cancel_, TimePoint::max());
  }

  QueryRows Query(const std::string& sql) {
    Result<QueryRows> rows = db_->Query(sql);
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    return rows.ok() ? *rows : QueryRows{};
  }

  std::unique_ptr<DuckDbConnection> db_ = std::move(DuckDbConnection::Open(":memory:").value());
  CancelToken cancel_;
};

TEST_F(LoadRecordsTest, InfersColumnsFromAllRecordsInFirstSeenOrder) {
  std::string payload = R"([
    {"id": 1, "amount": "12.50", "price": 3, "ok": true, "tags": ["a", "b"], "mixed": 1},
    {"id": 2, "price": 2.5, "ok": false, "extra": {"k": [1, null]}, "mixed": "two", "big": 18446744073709551615},
    {"id": 3, "amount": null, "price": null, "mixed": true, "ID": "shadow", "": "blank"}
  ])";
  Result<RecordsLoad> load = Load(payload);
  ASSERT_TRUE(load.ok()) << load.status().ToString();
  EXPECT_EQ(load->records, 3);
  EXPECT_EQ(load->rows, 3);
  EXPECT_EQ(load->rejected, 0);
  QueryRows rows = Query("SELECT * FROM __weir_records ORDER BY id");
  EXPECT_EQ(rows.columns, (std::vector<std::string>{"id", "amount", "price", "ok", "tags", "mixed", "extra", "big",
                                                    "ID_2", "_"}));
  EXPECT_EQ(rows.types, (std::vector<std::string>{"BIGINT", "VARCHAR", "DOUBLE", "BOOLEAN", "VARCHAR", "VARCHAR",
                                                  "VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR"}));
  ASSERT_EQ(rows.rows.size(), 3u);
  using Row = std::vector<std::optional<std::string>>;
  EXPECT_EQ(rows.rows[0], (Row{"1", "12.50", "3.0", "true", R"(["a","b"])", "1", std::nullopt, std::nullopt,
                               std::nullopt, std::nullopt}));
  EXPECT_EQ(rows.rows[1], (Row{"2", std::nullopt, "2.5", "false", std::nullopt, "two", R"({"k":[1,null]})",
                               "18446744073709551615", std::nullopt, std::nullopt}));
  EXPECT_EQ(rows.rows[2], (Row{"3", std::nullopt, std::nullopt, std::nullopt, std::nullopt, "true", std::nullopt,
                               std::nullopt, "shadow", "blank"}));
}

TEST_F(LoadRecordsTest, RecordsThatAreNotObjectsAreRejectedWithTheirOffsets) {
  std::string payload = R"({"data": [{"id": 1}, "just text", 42, {"id": tru}, {"id": 2}, [1], {"id": 3,,}, ]})";
  Result<RecordsLoad> load = Load(payload, "$.data");
  ASSERT_TRUE(load.ok()) << load.status().ToString();
  EXPECT_EQ(load->records, 8);
  EXPECT_EQ(load->rows, 2);
  EXPECT_EQ(load->rejected, 6);
  QueryRows rejects = Query("SELECT reason, source, row_json FROM __weir_records_rejects");
  using Row = std::vector<std::optional<std::string>>;
  auto at = [&](const std::string& text) { return "page 1, offset " + std::to_string(payload.find(text)); };
  EXPECT_EQ(rejects.rows, (std::vector<Row>{{"record is not an object", at("\"just text\""), "\"just text\""},
                                            {"record is not an object", at("42"), "42"},
                                            {"malformed JSON", at("{\"id\": tru}"), "{\"id\": tru}"},
                                            {"record is not an object", at("[1]"), "[1]"},
                                            {"malformed JSON", at("{\"id\": 3,,}"), "{\"id\": 3,,}"},
                                            {"malformed JSON", at("]}"), ""}}));
  EXPECT_EQ(Query("SELECT string_agg(id::VARCHAR, ',' ORDER BY id) FROM __weir_records").rows[0][0], "1,2");
}

TEST_F(LoadRecordsTest, ASingleObjectThatDoesNotParseFailsThePayload) {
  Result<RecordsLoad> load = Load(R"({"id": 1, "name": nope})");
  EXPECT_EQ(load.status().code(), "bad-json");
  EXPECT_NE(load.status().message().find("byte offset 0"), std::string::npos) << load.status().message();
  Result<RecordsLoad> one = Load(R"({"page": {"id": 1, "name": "x"}})", "$.page", true, "single");
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  EXPECT_EQ(one->rows, 1);
  EXPECT_EQ(Query("SELECT id, name FROM single").rows[0][1], "x");
}

TEST_F(LoadRecordsTest, NoKeysGiveOneEmptyColumn) {
  ASSERT_TRUE(Load("[]").ok());
  QueryRows none = Query("SELECT * FROM __weir_records");
  EXPECT_EQ(none.columns, (std::vector<std::string>{"_empty"}));
  EXPECT_TRUE(none.rows.empty());
  ASSERT_TRUE(Load("[{}, {}]", "$", false, "empties").ok());
  EXPECT_EQ(Query("SELECT count(*), count(_empty) FROM empties").rows[0],
            (std::vector<std::optional<std::string>>{"2", "0"}));
}

// The chunk-wise appender (duckdb_append_data_chunk) and the row-wise one
// give the same table, across several chunks and with NULLs everywhere.
TEST_F(LoadRecordsTest, ChunkWiseAndRowWiseAppendGiveTheSameRows) {
  std::string payload = "[";
  long long id_sum = 0, flagged = 0;
  double score_sum = 0;
  const int n = 5000;
  for (int i = 0; i < n; ++i) {
    payload += i > 0 ? "," : "";
    payload += "{\"id\": " + std::to_string(i);
    id_sum += i;
    if (i % 3 != 0) {
      payload += ", \"score\": " + std::to_string(i) + ".25";
      score_sum += i + 0.25;
    }
    if (i % 5 == 0) {
      payload += ", \"flag\": true";
      ++flagged;
    }
    payload += ", \"name\": \"n" + std::to_string(i) + "\"}";
  }
  payload += "]";
  ASSERT_TRUE(Load(payload, "$", true, "chunked").ok());
  ASSERT_TRUE(Load(payload, "$", false, "rowwise").ok());
  for (const char* table : {"chunked", "rowwise"}) {
    QueryRows sums = Query(std::string("SELECT count(*), sum(id), round(sum(score), 2), count(score), count(flag), "
                                       "count(*) FILTER (WHERE name = 'n' || id) FROM ") + table);
    char score[64];
    std::snprintf(score, sizeof score, "%.2f", score_sum);
    EXPECT_EQ(sums.rows[0], (std::vector<std::optional<std::string>>{
                                std::to_string(n), std::to_string(id_sum), std::string(score),
                                std::to_string(n - (n + 2) / 3), std::to_string(flagged), std::to_string(n)}))
        << table;
  }
  EXPECT_EQ(Query("SELECT count(*) FROM (SELECT * FROM chunked EXCEPT ALL SELECT * FROM rowwise)").rows[0][0], "0");
  EXPECT_EQ(Query("SELECT count(*) FROM (SELECT * FROM rowwise EXCEPT ALL SELECT * FROM chunked)").rows[0][0], "0");
}

TEST_F(LoadRecordsTest, CancelStopsTheLoad) {
  cancel_.Cancel();
  EXPECT_EQ(Load("[{\"a\": 1}]").status().kind(), ErrorKind::kCancelled);
}

}  // namespace
}  // namespace weir::tasks_internal
