// `weir validate` on an extract's file source (`files:`): format, its
// type's keys, incremental, allow_empty, rejects, and keys of the other
// kind of extract; every error with its file:line:col.
#include <gtest/gtest.h>

#include "config/config.h"
#include "config/tests/load_support.h"

namespace weir {
namespace {

using config_testing::Described;
using config_testing::LoadPipeline;

TEST(FileSourceConfigTest, EveryDocumentedShapeIsValid) {
  ProjectLoad load = LoadPipeline(R"(pipeline: p
tasks:
  - id: a
    kind: extract
    files: landing/orders_*.csv.gz
    format: {type: csv, delimiter: ";", header: true, compression: gzip, quote: '"', escape: '', nullstr: "", skip: 0, all_varchar: false}
    incremental: new_files
    filename_column: _source_file
    allow_empty: true
    rejects: {table: rejects.orders}
    to: raw/orders/ds={{ ds }}/orders.parquet
  - {id: b, kind: extract, files: "landing/{{ ds }}/*.ndjson", to: b.parquet}
  - {id: c, kind: extract, files: /data/**/*.parquet, to: c.parquet}
  - {id: d, kind: extract, files: landing/*, format: tsv, to: d.csv}
  - {id: e, kind: extract, files: landing/*.json, format: {compression: zstd}, to: e.parquet}
)");
  EXPECT_TRUE(load.ok()) << (load.errors.empty() ? "" : load.errors[0].ToString());
}

TEST(FileSourceConfigTest, BadFormatKeysAreReportedWhereTheyAreWritten) {
  ProjectLoad load = LoadPipeline(R"(pipeline: p
tasks:
  - id: typo
    kind: extract
    files: landing/*.csv
    format: {type: csvv, delimeter: ";"}
    to: a.parquet
  - id: values
    kind: extract
    files: landing/*.csv
    format: {header: maybe, quote: "''", delimiter: "", compression: lz4, skip: -1}
    to: a.parquet
  - id: not_csv
    kind: extract
    files: landing/*.parquet
    format: {compression: gzip, delimiter: ","}
    rejects: {table: rejects.x}
    to: a.parquet
  - id: shorthand
    kind: extract
    files: landing/*
    format: xlsx
    to: a.parquet
)");
  EXPECT_EQ(Described(load), (std::vector<std::string>{
                                 "pipelines/p.yml:6:26 unknown-key",    // delimeter
                                 "pipelines/p.yml:6:20 bad-value",      // type csvv
                                 "pipelines/p.yml:11:70 bad-value",     // compression lz4
                                 "pipelines/p.yml:11:22 wrong-type",    // header maybe
                                 "pipelines/p.yml:11:81 out-of-range",  // skip -1
                                 "pipelines/p.yml:11:53 bad-value",     // delimiter ""
                                 "pipelines/p.yml:11:36 bad-value",     // quote ''
                                 "pipelines/p.yml:16:14 unknown-key",    // compression on parquet
                                 "pipelines/p.yml:16:33 unknown-key",    // delimiter on parquet
                                 "pipelines/p.yml:17:14 bad-value",      // rejects on parquet
                                 "pipelines/p.yml:22:13 bad-file-format",  // xlsx
                             }));
  EXPECT_NE(load.errors[0].message().find("did you mean 'delimiter'?"), std::string::npos) << load.errors[0].message();
  EXPECT_NE(load.errors[1].message().find("did you mean 'csv'?"), std::string::npos) << load.errors[1].message();
}

TEST(FileSourceConfigTest, EachKindOfExtractRefusesTheOthersKeys) {
  ProjectLoad load = LoadPipeline(R"(pipeline: p
tasks:
  - id: files_with_sql
    kind: extract
    files: landing/*.csv
    sql: SELECT 1
    incremental: {cursor: updated_at}
    to: a.parquet
  - id: sql_with_format
    kind: extract
    connection: shop
    sql: SELECT 1
    format: csv
    to: a.parquet
  - id: neither
    kind: extract
    to: a.parquet
  - id: bad_values
    kind: extract
    files: [a.csv]
    allow_empty: sometimes
    rejects: rejects.x
    to: a.parquet
)");
  EXPECT_EQ(Described(load), (std::vector<std::string>{
                                 "pipelines/p.yml:6:5 unknown-key",    // sql on a file source
                                 "pipelines/p.yml:7:18 bad-value",     // a cursor on a file source
                                 "pipelines/p.yml:13:5 unknown-key",   // format on a sql extract
                                 "pipelines/p.yml:15:5 missing-key",   // connection
                                 "pipelines/p.yml:15:5 missing-key",   // sql
                                 "pipelines/p.yml:20:12 wrong-type",   // files as a list
                                 "pipelines/p.yml:21:18 wrong-type",   // allow_empty
                                 "pipelines/p.yml:22:14 wrong-type",   // rejects not a mapping
                             }));
}

}  // namespace
}  // namespace weir
