// The plain-DuckDB floor of the W1 benchmarks, and their checksums: runs
// each SQL argument in turn on one in-memory DuckDB (the library Weir links,
// with DuckDB's defaults) and prints the rows of the last one, tab-separated,
// NULL as "NULL". Built by bench/run.sh:
//   g++ -O2 bench/duckdb_sql.cc -Ithird_party/duckdb/include
//       -Lthird_party/duckdb/lib -lduckdb -Wl,-rpath,<abs>/third_party/duckdb/lib
// usage: duckdb_sql SQL [SQL...]
//        duckdb_sql --db FILE --script FILE   (statements separated by lines
//        holding only ";", run in order on that database file, the rows of
//        the last one printed: the floor of bench/models.py)
#include <duckdb.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

static int RunScript(const char* path, const char* script) {
  duckdb_database db = nullptr;
  duckdb_connection con = nullptr;
  if (duckdb_open(path, &db) != DuckDBSuccess || duckdb_connect(db, &con) != DuckDBSuccess) {
    std::fprintf(stderr, "cannot open %s\n", path);
    return 1;
  }
  std::ifstream in(script);
  std::string line, statement;
  int rc = 0;
  duckdb_result result{};
  bool have_result = false;
  while (rc == 0 && std::getline(in, line)) {
    if (line != ";") {
      statement += line + "\n";
      continue;
    }
    if (have_result) duckdb_destroy_result(&result);
    have_result = true;
    if (duckdb_query(con, statement.c_str(), &result) != DuckDBSuccess) {
      std::fprintf(stderr, "error: %s\nin: %s\n", duckdb_result_error(&result), statement.c_str());
      rc = 1;
    }
    statement.clear();
  }
  if (have_result && rc == 0) {
    for (idx_t r = 0; r < duckdb_row_count(&result); ++r) {
      for (idx_t c = 0; c < duckdb_column_count(&result); ++c) {
        char* value = duckdb_value_varchar(&result, c, r);
        std::printf("%s%s", c ? "\t" : "", value ? value : "NULL");
        duckdb_free(value);
      }
      std::printf("\n");
    }
  }
  if (have_result) duckdb_destroy_result(&result);
  duckdb_disconnect(&con);
  duckdb_close(&db);
  return rc;
}

int main(int argc, char** argv) {
  if (argc == 5 && std::strcmp(argv[1], "--db") == 0 && std::strcmp(argv[3], "--script") == 0) {
    return RunScript(argv[2], argv[4]);
  }
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s SQL [SQL...]\n", argv[0]);
    return 2;
  }
  duckdb_database db = nullptr;
  duckdb_connection con = nullptr;
  if (duckdb_open(":memory:", &db) != DuckDBSuccess || duckdb_connect(db, &con) != DuckDBSuccess) {
    std::fprintf(stderr, "cannot open DuckDB\n");
    return 1;
  }
  int rc = 0;
  for (int a = 1; a < argc && rc == 0; ++a) {
    duckdb_result result;
    if (duckdb_query(con, argv[a], &result) != DuckDBSuccess) {
      std::fprintf(stderr, "error: %s\nin: %s\n", duckdb_result_error(&result), argv[a]);
      rc = 1;
    } else if (a + 1 == argc) {
      idx_t columns = duckdb_column_count(&result);
      idx_t rows = duckdb_row_count(&result);
      for (idx_t r = 0; r < rows; ++r) {
        for (idx_t c = 0; c < columns; ++c) {
          char* value = duckdb_value_is_null(&result, c, r) ? nullptr : duckdb_value_varchar(&result, c, r);
          std::printf("%s%s", c ? "\t" : "", value ? value : "NULL");
          duckdb_free(value);
        }
        std::printf("\n");
      }
    }
    duckdb_destroy_result(&result);
  }
  duckdb_disconnect(&con);
  duckdb_close(&db);
  return rc;
}
