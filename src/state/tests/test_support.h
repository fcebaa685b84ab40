// What the state tests share: a temporary folder per test, assertions on
// Status and Result, and a fixture that runs a test on both stores.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>

#include "common/status.h"
#include "state/state.h"

// Fails the test (and returns) unless the Status or Result is OK.
#define ASSERT_OK(expr)                                             \
  do {                                                              \
    const auto& assert_ok_value = (expr);                           \
    const ::weir::Status& assert_ok_status = ::weir::internal::StatusOf(assert_ok_value); \
    ASSERT_TRUE(assert_ok_status.ok()) << assert_ok_status.ToString(); \
  } while (false)

// ASSERT_OK_AND_ASSIGN(auto x, MakeX()); declares x or fails the test.
#define ASSERT_OK_AND_ASSIGN(lhs, expr) \
  ASSERT_OK_AND_ASSIGN_IMPL(WEIR_CONCAT(assert_result_, __LINE__), lhs, expr)
#define ASSERT_OK_AND_ASSIGN_IMPL(tmp, lhs, expr)       \
  auto tmp = (expr);                                    \
  ASSERT_TRUE(tmp.ok()) << tmp.status().ToString();     \
  lhs = std::move(tmp).value()

namespace weir {

// A fresh folder per test, named after the process and the test so that
// parallel CTest processes never share one; removed when the test ends.
class TempFolder {
 public:
  TempFolder() {
    const ::testing::TestInfo* test = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = std::string(test->test_suite_name()) + "-" + test->name();
    std::replace(name.begin(), name.end(), '/', '-');
    path_ = std::filesystem::temp_directory_path() / ("weir-state-" + std::to_string(::getpid()) + "-" + name);
    std::filesystem::remove_all(path_);
  }
  ~TempFolder() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;

  // A path inside the folder; the folder itself is created by whoever writes.
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// The stores a parameterized state test runs on.
enum class StoreKind { kMemory, kSqlite };

inline void PrintTo(StoreKind kind, std::ostream* out) { *out << (kind == StoreKind::kMemory ? "memory" : "sqlite"); }

inline auto EachStore() { return ::testing::Values(StoreKind::kMemory, StoreKind::kSqlite); }

inline std::string StoreName(const ::testing::TestParamInfo<StoreKind>& info) {
  return info.param == StoreKind::kMemory ? "Memory" : "Sqlite";
}

// A test on a fresh store of each kind: INSTANTIATE_TEST_SUITE_P(Stores,
// Suite, EachStore(), StoreName).
class EachStoreTest : public ::testing::TestWithParam<StoreKind> {
 protected:
  void SetUp() override {
    if (GetParam() == StoreKind::kMemory) {
      store_ = NewMemoryStateStore();
      return;
    }
    ASSERT_OK_AND_ASSIGN(store_, OpenSqliteStateStore(folder_.File(".weir/state.db")));
  }

  TempFolder folder_;
  std::unique_ptr<StateStore> store_;
};

}  // namespace weir
