# Third-party libraries. Each is linked by exactly one subsystem (STYLE.md).
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(fmt REQUIRED)
find_package(date REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(CURL REQUIRED)
find_package(simdjson REQUIRED)
find_package(GTest REQUIRED)
pkg_check_modules(LIBPQ REQUIRED IMPORTED_TARGET libpq)
pkg_check_modules(RDKAFKA REQUIRED IMPORTED_TARGET rdkafka)

# DuckDB: scripts/setup.sh puts 1.4.4 under third_party/duckdb; any other
# install can be named with -DDUCKDB_ROOT=...
set(DUCKDB_ROOT "${PROJECT_SOURCE_DIR}/third_party/duckdb" CACHE PATH "DuckDB install (include/duckdb.h, lib/libduckdb.so)")
find_path(DUCKDB_INCLUDE_DIR duckdb.h PATHS "${DUCKDB_ROOT}/include" NO_DEFAULT_PATH REQUIRED)
find_library(DUCKDB_LIBRARY duckdb PATHS "${DUCKDB_ROOT}/lib" NO_DEFAULT_PATH REQUIRED)
add_library(duckdb::duckdb SHARED IMPORTED)
set_target_properties(duckdb::duckdb PROPERTIES
  IMPORTED_LOCATION "${DUCKDB_LIBRARY}"
  INTERFACE_INCLUDE_DIRECTORIES "${DUCKDB_INCLUDE_DIR}")
get_filename_component(DUCKDB_LIBRARY_DIR "${DUCKDB_LIBRARY}" DIRECTORY)
set(CMAKE_BUILD_RPATH "${DUCKDB_LIBRARY_DIR}")
set(CMAKE_INSTALL_RPATH "${DUCKDB_LIBRARY_DIR}")

# Test oracles (python3-jinja2, python3-croniter) are Debian packages, so the
# differential tests run Debian's python3 even when another one is first on PATH.
find_program(WEIR_ORACLE_PYTHON NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
if(NOT WEIR_ORACLE_PYTHON)
  find_program(WEIR_ORACLE_PYTHON NAMES python3 REQUIRED)
endif()
