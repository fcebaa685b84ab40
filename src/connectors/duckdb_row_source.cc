// DuckDbConnection::RegisterRowSource: a C++ DuckDbRowSource behind a
// DuckDB table function (duckdb_create_table_function), so that a query
// such as COPY (SELECT * FROM name()) TO ... pulls rows as it writes them.
#include <duckdb.h>

#include "connectors/connectors.h"
#include "connectors/internal/duckdb_handles.h"

namespace weir {

DuckDbChunkWriter::DuckDbChunkWriter(std::vector<DuckDbColumnType> types)
    : types_(std::move(types)),
      vectors_(types_.size()),
      data_(types_.size()),
      validity_(types_.size()),
      set_(types_.size(), false) {}

void DuckDbChunkWriter::Bind(void* chunk) {
  auto* output = static_cast<duckdb_data_chunk>(chunk);
  for (size_t c = 0; c < types_.size(); ++c) {
    duckdb_vector vector = duckdb_data_chunk_get_vector(output, c);
    vectors_[c] = vector;
    data_[c] = duckdb_vector_get_data(vector);
    duckdb_vector_ensure_validity_writable(vector);
    validity_[c] = duckdb_vector_get_validity(vector);
  }
  row_ = 0;
  capacity_ = duckdb_vector_size();
}

void DuckDbChunkWriter::Mark(size_t column, DuckDbColumnType type) {
  WEIR_CHECK(column < types_.size() && types_[column] == type && row_ < capacity_);
  set_[column] = true;
}

void DuckDbChunkWriter::SetInt64(size_t column, int64_t value) {
  Mark(column, DuckDbColumnType::kBigint);
  static_cast<int64_t*>(data_[column])[row_] = value;
}

void DuckDbChunkWriter::SetDouble(size_t column, double value) {
  Mark(column, DuckDbColumnType::kDouble);
  static_cast<double*>(data_[column])[row_] = value;
}

void DuckDbChunkWriter::SetBool(size_t column, bool value) {
  Mark(column, DuckDbColumnType::kBoolean);
  static_cast<bool*>(data_[column])[row_] = value;
}

void DuckDbChunkWriter::SetText(size_t column, std::string_view value) {
  Mark(column, DuckDbColumnType::kVarchar);
  duckdb_vector_assign_string_element_len(static_cast<duckdb_vector>(vectors_[column]), row_, value.data(),
                                          value.size());
}

void DuckDbChunkWriter::EndRow() {
  for (size_t c = 0; c < types_.size(); ++c) {
    if (set_[c]) {
      set_[c] = false;
    } else {
      duckdb_validity_set_row_invalid(validity_[c], row_);
    }
  }
  ++row_;
}

namespace {

duckdb_type TypeOf(DuckDbColumnType type) {
  switch (type) {
    case DuckDbColumnType::kBigint: return DUCKDB_TYPE_BIGINT;
    case DuckDbColumnType::kDouble: return DUCKDB_TYPE_DOUBLE;
    case DuckDbColumnType::kBoolean: return DUCKDB_TYPE_BOOLEAN;
    case DuckDbColumnType::kVarchar: return DUCKDB_TYPE_VARCHAR;
  }
  return DUCKDB_TYPE_VARCHAR;
}

}  // namespace

// The table function's callbacks: bind asks the source for its columns,
// init makes the chunk writer of one scan, and each call fills a chunk.
struct DuckDbRowSourceCalls {
  static void Bind(duckdb_bind_info info) {
    auto* source = static_cast<DuckDbRowSource*>(duckdb_bind_get_extra_info(info));
    auto* types = new std::vector<DuckDbColumnType>();
    for (const DuckDbColumn& column : source->Columns()) {
      duckdb_logical_type type = duckdb_create_logical_type(TypeOf(column.type));
      duckdb_bind_add_result_column(info, column.name.c_str(), type);
      duckdb_destroy_logical_type(&type);
      types->push_back(column.type);
    }
    duckdb_bind_set_bind_data(info, types, [](void* data) { delete static_cast<std::vector<DuckDbColumnType>*>(data); });
  }

  static void Init(duckdb_init_info info) {
    auto* types = static_cast<std::vector<DuckDbColumnType>*>(duckdb_init_get_bind_data(info));
    duckdb_init_set_init_data(info, new DuckDbChunkWriter(*types),
                              [](void* data) { delete static_cast<DuckDbChunkWriter*>(data); });
    duckdb_init_set_max_threads(info, 1);
  }

  static void Scan(duckdb_function_info info, duckdb_data_chunk output) {
    auto* source = static_cast<DuckDbRowSource*>(duckdb_function_get_extra_info(info));
    auto* writer = static_cast<DuckDbChunkWriter*>(duckdb_function_get_init_data(info));
    writer->Bind(output);
    Status filled = source->Fill(*writer);
    if (!filled.ok()) {
      duckdb_function_set_error(info, filled.message().c_str());
      return;
    }
    duckdb_data_chunk_set_size(output, writer->rows());
  }
};

Status DuckDbConnection::RegisterRowSource(const std::string& name, DuckDbRowSource* source) {
  duckdb_table_function function = duckdb_create_table_function();
  duckdb_table_function_set_name(function, name.c_str());
  duckdb_table_function_set_extra_info(function, source, nullptr);
  duckdb_table_function_set_bind(function, DuckDbRowSourceCalls::Bind);
  duckdb_table_function_set_init(function, DuckDbRowSourceCalls::Init);
  duckdb_table_function_set_function(function, DuckDbRowSourceCalls::Scan);
  duckdb_state state = duckdb_register_table_function(handles_->connection, function);
  duckdb_destroy_table_function(&function);
  if (state != DuckDBSuccess) return InternalError("cannot register the table function " + name);
  return OkStatus();
}

}  // namespace weir
