#include <gtest/gtest.h>

#include <random>

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

// Records and errors do not depend on how the payload was cut into
// pieces: every payload above, fed in pieces of every size from 1 byte,
// gives what it gives whole.
TEST(RecordSplitterTest, PiecesOfAnySizeGiveWhatTheWholePayloadGives) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"( [ {"a": "x]}\"y", "b": [1, {"c": 2}]} , 7,"s" ,{} ] )", "$"},
      {R"({"meta": {"data": [0]}, "d\u0061ta": [{"id": 1}, {"id": 2}], "data2": []})", "$.data"},
      {R"({"results": {"count": 1, "items": [{"x": true}]}})", "$.results.items"},
      {R"({"id": 1, "name": "a"})", "$"},
      {R"({"data": null})", "$.data"},
      {R"({"data": [{"id": 1}, "just text", 42, {"id": tru}, [1], {"id": 3,,}, ]})", "$.data"},
      {R"({"items": []})", "$.data"},
      {R"({"data": [1]})", "$.data.items"},
      {R"({"data": "text"})", "$.data"},
      {R"({"a" 1, "data": [1]})", "$.data"},
      {R"({"a": x, "data": [1]})", "$.data"},
      {R"({"\u12": 1, "data": [1]})", "$.data"},
      {R"({"items": [}, "data": []})", "$.data"},
      {R"({"items": []} trailing)", "$.data"},
      {R"([{"a": "unterminated}])", "$"},
      {R"([{"a": 1}, {"b": 2})", "$"},
      {R"([{"a": 1]])", "$"},
      {R"([1, 2] [3])", "$"},
      {R"("a \" string")", "$"},
      {"42", "$"},
      {"   ", "$"},
      {"", "$"},
  };
  for (const auto& [payload, path_text] : cases) {
    RecordsPath path = Path(path_text);
    Result<RecordSpans> whole = SplitRecords(payload, path);
    for (size_t piece = 1; piece <= payload.size() + 1; ++piece) {
      RecordSplitter splitter(path);
      std::vector<RecordSpan> spans;
      Status status;
      for (size_t at = 0; at < payload.size() && status.ok(); at += piece) {
        status = splitter.Feed(std::string_view(payload).substr(at, piece), spans);
      }
      if (status.ok()) status = splitter.Finish();
      ASSERT_EQ(status.ok(), whole.ok()) << payload << " in pieces of " << piece << ": " << status.ToString();
      if (!status.ok()) {
        EXPECT_EQ(status.ToString(), whole.status().ToString()) << payload << " in pieces of " << piece;
        continue;
      }
      EXPECT_EQ(Texts(payload, RecordSpans{spans, true}), Texts(payload, *whole)) << payload << " / " << piece;
      EXPECT_EQ(splitter.from_array(), whole->from_array);
    }
  }
}

// The splitter keeps no byte a later record does not need.
TEST(RecordSplitterTest, NeedsOnlyTheRecordBeingScanned) {
  std::string payload = R"({"meta": {"big": "xxxxxxxx"}, "data": [{"id": 1}, {"id": 22}]})";
  RecordSplitter splitter(Path("$.data"));
  std::vector<RecordSpan> spans;
  size_t into_second = payload.find("{\"id\": 22") + 3;
  ASSERT_TRUE(splitter.Feed(std::string_view(payload).substr(0, into_second), spans).ok());
  EXPECT_EQ(spans.size(), 1u);
  EXPECT_EQ(splitter.needed_from(), payload.find("{\"id\": 22"));
  ASSERT_TRUE(splitter.Feed(std::string_view(payload).substr(into_second), spans).ok());
  EXPECT_EQ(splitter.needed_from(), payload.size());
  EXPECT_TRUE(splitter.Finish().ok());
}

class LoadRecordsTest : public ::testing::Test {
 protected:
  // Rows go to the table `table` of db_, rejects to `table`_rejects in rejects_db_;
  // the columns are taken after `schema_batches` batches of `batch` records.
  RecordsLoadOptions Options(const std::string& table, size_t batch, size_t schema_batches) {
    RecordsLoadOptions options;
    options.table = table;
    options.rejects_table = table + "_rejects";
    options.function = table + "_rows";
    options.batch = batch;
    options.schema_batches = schema_batches;
    options.spill_directory = ::testing::TempDir();
    return options;
  }

  Result<RecordsLoad> Load(const std::string& payload, const std::string& path = "$",
                           const std::string& table = "__weir_records", size_t batch = 7, size_t schema_batches = 8) {
    return LoadRecords(*db_, *rejects_db_, payload, Path(path), Options(table, batch, schema_batches), cancel_,
                       TimePoint::max());
  }

  // Fed `piece` bytes at a time.
  Result<RecordsLoad> LoadInPieces(const std::string& payload, size_t piece, size_t batch, const std::string& table) {
    RecordsWriter write = [&](DuckDbConnection& db, const std::string& select_sql) -> Result<int64_t> {
      WEIR_TRY(db.Execute("CREATE TABLE " + table + " AS " + select_sql));
      WEIR_ASSIGN_OR_RETURN(auto count, db.QueryValue("SELECT count(*) FROM " + table));
      return std::stoll(count.value_or("0"));
    };
    RecordsLoader loader(*db_, *rejects_db_, Path("$"), Options(table, batch, 2), write, cancel_, TimePoint::max());
    for (size_t at = 0; at < payload.size(); at += piece) {
      WEIR_TRY(loader.Feed(std::string_view(payload).substr(at, piece)));
    }
    return loader.Finish();
  }

  QueryRows Query(const std::string& sql, DuckDbConnection* db = nullptr) {
    Result<QueryRows> rows = (db != nullptr ? db : db_.get())->Query(sql);
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    return rows.ok() ? *rows : QueryRows{};
  }

  // Every row as one text, in record order, with the column types.
  std::vector<std::string> Rows(const std::string& table) {
    std::vector<std::string> out;
    QueryRows types = Query("DESCRIBE SELECT * FROM " + table);
    std::string schema;
    for (const auto& row : types.rows) schema += *row[0] + " " + *row[1] + ", ";
    out.push_back(schema);
    for (const auto& row : Query("SELECT * FROM " + table).rows) {
      std::string line;
      for (const auto& value : row) line += value.value_or("NULL") + " | ";
      out.push_back(line);
    }
    return out;
  }

  std::unique_ptr<DuckDbConnection> db_ = std::move(DuckDbConnection::Open(":memory:").value());
  std::unique_ptr<DuckDbConnection> rejects_db_ = std::move(DuckDbConnection::Open(":memory:").value());
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
  EXPECT_EQ(load->passes, 1);
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
  Result<RecordsLoad> load = Load(payload, "$.data", "__weir_records", 3);
  ASSERT_TRUE(load.ok()) << load.status().ToString();
  EXPECT_EQ(load->records, 8);
  EXPECT_EQ(load->rows, 2);
  EXPECT_EQ(load->rejected, 6);
  QueryRows rejects = Query("SELECT reason, source, row_json FROM __weir_records_rejects", rejects_db_.get());
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
  Result<RecordsLoad> one = Load(R"({"page": {"id": 1, "name": "x"}})", "$.page", "single");
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  EXPECT_EQ(one->rows, 1);
  EXPECT_EQ(Query("SELECT id, name FROM single").rows[0][1], "x");
}

TEST_F(LoadRecordsTest, NoKeysGiveOneEmptyColumn) {
  ASSERT_TRUE(Load("[]").ok());
  QueryRows none = Query("SELECT * FROM __weir_records");
  EXPECT_EQ(none.columns, (std::vector<std::string>{"_empty"}));
  EXPECT_TRUE(none.rows.empty());
  ASSERT_TRUE(Load("[{}, {}]", "$", "empties").ok());
  EXPECT_EQ(Query("SELECT count(*), count(_empty) FROM empties").rows[0],
            (std::vector<std::optional<std::string>>{"2", "0"}));
}

// Rows span many output chunks and batches, with NULLs everywhere; the sums
// are computed here from the generated records.
TEST_F(LoadRecordsTest, RowsOfManyChunksAndBatchesAreAllWritten) {
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
  ASSERT_TRUE(Load(payload, "$", "small_batches", 7, 1).ok());
  ASSERT_TRUE(Load(payload, "$", "one_batch", 100000).ok());
  for (const char* table : {"small_batches", "one_batch"}) {
    QueryRows sums = Query(std::string("SELECT count(*), sum(id), round(sum(score), 2), count(score), count(flag), "
                                       "count(*) FILTER (WHERE name = 'n' || id) FROM ") + table);
    char score[64];
    std::snprintf(score, sizeof score, "%.2f", score_sum);
    EXPECT_EQ(sums.rows[0], (std::vector<std::optional<std::string>>{
                                std::to_string(n), std::to_string(id_sum), std::string(score),
                                std::to_string(n - (n + 2) / 3), std::to_string(flagged), std::to_string(n)}))
        << table;
  }
  EXPECT_EQ(Rows("small_batches"), Rows("one_batch"));
}

TEST_F(LoadRecordsTest, CancelStopsTheLoad) {
  cancel_.Cancel();
  EXPECT_EQ(Load("[{\"a\": 1}]").status().kind(), ErrorKind::kCancelled);
}

// A key's type is decided by every record, though rows are written from the
// first batches on: a later record that changes the columns has them
// written again, as they would have been had they been known from the start.
TEST_F(LoadRecordsTest, TypesWidenedInLaterBatchesMatchOneBatch) {
  std::string payload = R"([
    {"n": 1, "i2d": 7, "d2s": 2.50, "b2s": true, "late_int": null, "i2s": 9007199254740993, "dup": 1},
    {"n": 2, "i2d": 9007199254740993, "d2s": 1e15, "b2s": false, "dup": 2, "dup": "x"},
    {"n": 3, "i2d": 0.5, "d2s": 0.1, "b2s": "t", "late_int": 5, "i2s": -3, "dup": 3},
    {"n": 4, "d2s": 3, "i2s": "text", "late": {"k": [1.0, 2]}, "d2s": "dropped: a repeated key"},
    {"n": 5, "d2s": "s", "i2d": 1, "late": [true]}
  ])";
  Result<RecordsLoad> whole = Load(payload, "$", "one_batch", 1000);
  ASSERT_TRUE(whole.ok()) << whole.status().ToString();
  EXPECT_EQ(whole->passes, 1);
  for (size_t batch : {1, 2, 3}) {
    std::string table = "batch_" + std::to_string(batch);
    Result<RecordsLoad> load = Load(payload, "$", table, batch, 1);
    ASSERT_TRUE(load.ok()) << load.status().ToString();
    EXPECT_EQ(load->passes, 2) << "batches of " << batch;
    EXPECT_EQ(load->rows, 5);
    EXPECT_EQ(Rows(table), Rows("one_batch")) << "batches of " << batch;
  }
  // And what one batch gives, read independently:
  EXPECT_EQ(Rows("one_batch")[0], "n BIGINT, i2d DOUBLE, d2s VARCHAR, b2s VARCHAR, late_int BIGINT, i2s VARCHAR, "
                                  "dup VARCHAR, late VARCHAR, ");
  QueryRows values = Query("SELECT i2d, d2s, b2s, i2s, dup FROM one_batch ORDER BY n");
  using Row = std::vector<std::optional<std::string>>;
  EXPECT_EQ(values.rows, (std::vector<Row>{{"7.0", "2.5", "true", "9007199254740993", "1"},
                                           {"9007199254740992.0", "1e+15", "false", std::nullopt, "2"},
                                           {"0.5", "0.1", "t", "-3", "3"},
                                           {std::nullopt, "3", std::nullopt, "text", std::nullopt},
                                           {"1.0", "s", std::nullopt, std::nullopt, std::nullopt}}));
}

// Random records whose keys change type at random places: any batch size
// and any piece size give the rows one batch gives.
TEST_F(LoadRecordsTest, RandomRecordsLoadTheSameInAnyBatchesAndPieces) {
  std::mt19937 random(7);
  const char* values[] = {"null", "1", "-42", "2.5", "1e300", "0.1", "true", "false", "\"s\"", "[1,2.0]",
                          "{\"x\":null}", "18446744073709551615", "12345678901234567"};
  std::string payload = "[";
  for (int r = 0; r < 300; ++r) {
    payload += r > 0 ? ",\n" : "";
    if (random() % 40 == 0) {
      payload += random() % 2 ? "\"not an object\"" : "{\"broken\": }";
      continue;
    }
    payload += "{\"r\": " + std::to_string(r);
    for (int k = 0; k < 4; ++k) {
      if (random() % 3 == 0) continue;
      // Each key keeps to a few kinds of values until late in the payload.
      size_t pick = r < 200 ? (k * 3 + random() % 2) % std::size(values) : random() % std::size(values);
      payload += ", \"k" + std::to_string(k) + "\": " + values[pick];
    }
    payload += "}";
  }
  payload += "]";
  ASSERT_TRUE(Load(payload, "$", "whole", 100000).ok());
  std::vector<std::string> expected = Rows("whole");
  ASSERT_GT(expected.size(), 250u);
  int n = 0;
  for (size_t batch : {1, 5, 64}) {
    for (size_t piece : {1, 13, 4096}) {
      std::string table = "t" + std::to_string(n++);
      Result<RecordsLoad> load = LoadInPieces(payload, piece, batch, table);
      ASSERT_TRUE(load.ok()) << load.status().ToString();
      EXPECT_EQ(Rows(table), expected) << "batches of " << batch << ", pieces of " << piece;
      EXPECT_EQ(Query("SELECT count(*) FROM " + table + "_rejects", rejects_db_.get()).rows[0][0],
                Query("SELECT count(*) FROM whole_rejects", rejects_db_.get()).rows[0][0]);
    }
  }
}

TEST_F(LoadRecordsTest, DamageAfterTheRecordsFailsTheLoad) {
  std::string payload = "[";
  for (int i = 0; i < 50; ++i) payload += (i > 0 ? ", " : "") + std::string("{\"id\": ") + std::to_string(i) + "}";
  payload += "] x";
  Result<RecordsLoad> load = Load(payload, "$", "damaged", 4, 1);
  EXPECT_EQ(load.status().code(), "bad-json");
  EXPECT_NE(load.status().message().find("at byte offset " + std::to_string(payload.size() - 1)), std::string::npos)
      << load.status().message();
}

}  // namespace
}  // namespace weir::tasks_internal
