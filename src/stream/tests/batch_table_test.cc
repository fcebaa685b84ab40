// Messages into DuckDB's `batch`: column types from the values or the
// schema, the message's own columns, and every unreadable message a dead
// letter with its reason.
#include <gtest/gtest.h>

#include "stream/internal/batch_table.h"

namespace weir::stream_internal {
namespace {

class BatchTableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = DuckDbConnection::Open(":memory:");
    ASSERT_TRUE(db.ok());
    db_ = std::move(*db);
    def_.name = "s";
  }

  // Loads one message per value (offsets 100, 101, ...); the dead letters'
  // offsets and reasons as "offset reason".
  std::vector<std::string> Load(const std::vector<std::string>& values) {
    messages_.clear();
    for (size_t i = 0; i < values.size(); ++i) {
      KafkaMessage m;
      m.topic = "in";
      m.partition = 2;
      m.offset = 100 + static_cast<int64_t>(i);
      m.timestamp_ms = 1700000000000 + static_cast<int64_t>(i);
      m.key = "k" + std::to_string(i);
      m.value = values[i];
      messages_.push_back(m);
    }
    std::vector<const KafkaMessage*> pointers;
    for (const KafkaMessage& m : messages_) pointers.push_back(&m);
    table_ = std::make_unique<BatchTable>(*db_, def_);
    std::vector<DeadLetter> dead;
    Status s = table_->Load(pointers, &dead);
    EXPECT_TRUE(s.ok()) << s.ToString();
    std::vector<std::string> out;
    for (const DeadLetter& d : dead) out.push_back(std::to_string(d.message->offset) + " " + d.reason);
    return out;
  }

  std::vector<std::string> Rows(const std::string& sql) {
    auto rows = db_->Query(sql);
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    std::vector<std::string> out;
    if (!rows.ok()) return out;
    for (const auto& row : rows->rows) {
      std::string line;
      for (const auto& v : row) line += (line.empty() ? "" : "|") + v.value_or("NULL");
      out.push_back(line);
    }
    return out;
  }

  std::vector<std::string> Types() {
    return Rows("SELECT column_name || ' ' || data_type FROM information_schema.columns "
                "WHERE table_name = 'batch' ORDER BY ordinal_position");
  }

  std::unique_ptr<DuckDbConnection> db_;
  StreamDef def_;
  std::vector<KafkaMessage> messages_;
  std::unique_ptr<BatchTable> table_;
};

TEST_F(BatchTableTest, SchemalessJsonColumnsTakeTheTypeTheirValuesShare) {
  EXPECT_TRUE(Load({R"({"id": "a", "n": 1, "x": 1, "ok": true, "data": {"amount": 3.5}, "mixed": 1})",
                    R"({"id": "b", "n": 2, "x": 2.25, "ok": false, "mixed": "two", "_offset": 7})",
                    R"({"id": "c\u00e9\"q", "n": null})"})
                  .empty());
  EXPECT_EQ(Types(), (std::vector<std::string>{"_topic VARCHAR", "_partition INTEGER", "_offset BIGINT",
                                               "_timestamp TIMESTAMP", "_key VARCHAR", "id VARCHAR", "n BIGINT",
                                               "x DOUBLE", "ok BOOLEAN", "data JSON", "mixed JSON"}));
  EXPECT_EQ(Rows("SELECT _topic, _partition, _offset, _timestamp, _key, id, n, x, ok, data->>'amount', mixed FROM batch"),
            (std::vector<std::string>{"in|2|100|2023-11-14 22:13:20|k0|a|1|1.0|true|3.5|1",
                                      "in|2|101|2023-11-14 22:13:20.001|k1|b|2|2.25|false|NULL|\"two\"",
                                      "in|2|102|2023-11-14 22:13:20.002|k2|cé\"q|NULL|NULL|NULL|NULL|NULL"}));
}

TEST_F(BatchTableTest, UnreadableMessagesAreDeadLettersAndTheRestLoad) {
  def_.max_message_bytes = 40;
  std::vector<std::string> dead = Load({R"({"id": 1})", "{not json", "[1, 2]", std::string(41, ' '), "\"text\"",
                                        R"({"id": 2})", "{\"id\": \"\xff\"}"});
  EXPECT_EQ(dead, (std::vector<std::string>{"101 parse", "102 parse", "103 oversize", "104 parse", "106 parse"}));
  EXPECT_EQ(Rows("SELECT _offset, id FROM batch"), (std::vector<std::string>{"100|1", "105|2"}));
}

TEST_F(BatchTableTest, ASchemaCastsEachValueAndAValueThatDoesNotCastIsADeadLetter) {
  def_.schema = {{"id", "BIGINT", {}}, {"at", "TIMESTAMP", {}}, {"amount", "DECIMAL(10,2)", {}},
                 {"tags", "VARCHAR[]", {}}};
  std::vector<std::string> dead = Load({R"({"id": 1, "at": "2024-03-01 10:00:00", "amount": 12.345, "tags": ["a"], "other": 1})",
                                        R"({"id": "x", "at": "2024-03-01"})",
                                        R"({"id": 3, "at": "yesterday"})",
                                        R"({"id": "4", "amount": "7.5"})"});
  EXPECT_EQ(dead, (std::vector<std::string>{"101 cast", "102 cast"}));
  EXPECT_EQ(Types(), (std::vector<std::string>{"_topic VARCHAR", "_partition INTEGER", "_offset BIGINT",
                                               "_timestamp TIMESTAMP", "_key VARCHAR", "id BIGINT", "at TIMESTAMP",
                                               "amount DECIMAL(10,2)", "tags VARCHAR[]"}));
  EXPECT_EQ(Rows("SELECT id, \"at\", amount, tags FROM batch"),
            (std::vector<std::string>{"1|2024-03-01 10:00:00|12.35|[a]", "4|NULL|7.50|NULL"}));
}

TEST_F(BatchTableTest, CsvLinesFollowTheSchemaInOrder) {
  def_.format = StreamDef::Format::kCsv;
  def_.schema = {{"id", "BIGINT", {}}, {"name", "VARCHAR", {}}, {"score", "DOUBLE", {}}};
  std::vector<std::string> dead = Load({"1,\"Smith, \"\"J\"\"\",2.5\n", "2,,", "3,x", "4,\"open,1", "five,a,1"});
  EXPECT_EQ(dead, (std::vector<std::string>{"102 parse", "103 parse", "104 cast"}));
  EXPECT_EQ(Rows("SELECT id, name, score FROM batch"),
            (std::vector<std::string>{"1|Smith, \"J\"|2.5", "2|NULL|NULL"}));
}

TEST_F(BatchTableTest, AMissingColumnBecomesANullJsonColumn) {
  ASSERT_TRUE(Load({R"({"id": 1})"}).empty());
  table_->AddMissingColumn("user_id");
  ASSERT_TRUE(table_->RefreshView().ok());
  EXPECT_EQ(Rows("SELECT id, user_id IS NULL, typeof(user_id) FROM batch"), (std::vector<std::string>{"1|true|JSON"}));
}

}  // namespace
}  // namespace weir::stream_internal
