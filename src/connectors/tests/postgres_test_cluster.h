// The tests' private PostgreSQL cluster (tests/postgres/cluster.sh, started
// by the CTest fixture `postgres`) and a fresh database per test.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <memory>
#include <string>

#include "connectors/connectors.h"

namespace weir::testing_pg {

// The cluster's superuser on its database "postgres".
inline PostgresParams ClusterParams() {
  PostgresParams params;
  params.host = "127.0.0.1";
  std::ifstream port_file(std::string(WEIR_TEST_PG_STATE) + "/port");
  port_file >> params.port;
  params.user = "postgres";
  params.dbname = "postgres";
  return params;
}

inline std::unique_ptr<PostgresConnection> MustConnect(const PostgresParams& params) {
  CancelToken never;
  auto connection = PostgresConnection::Open(params, never, TimePoint::max());
  EXPECT_TRUE(connection.ok()) << connection.status().ToString()
                               << " (is the fixture running? ctest starts it: fixture.postgres.start)";
  return connection.ok() ? std::move(*connection) : nullptr;
}

// A database of its own for one test (tests run in parallel), dropped at
// the end. `params` connects to it as the superuser.
class TestDatabase {
 public:
  TestDatabase() {
    static std::atomic<int> counter{0};
    params_ = ClusterParams();
    name_ = "weir_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
    admin_ = MustConnect(params_);
    if (admin_ != nullptr) EXPECT_TRUE(admin_->Execute("CREATE DATABASE " + name_).ok());
    params_.dbname = name_;
  }
  ~TestDatabase() {
    if (admin_ != nullptr) admin_->Execute("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)").IgnoreError();
  }
  const PostgresParams& params() const { return params_; }
  const std::string& name() const { return name_; }

 private:
  PostgresParams params_;
  std::string name_;
  std::unique_ptr<PostgresConnection> admin_;
};

}  // namespace weir::testing_pg
