// Seeds' CSV checked record by record (internal/seed_csv.h).
#include "models/internal/seed_csv.h"

#include <cctype>

namespace weir::models_internal {
namespace {

// Walks the text one record at a time, keeping line and column for errors.
class CsvScanner {
 public:
  CsvScanner(std::string_view text, char delimiter, const std::string& file)
      : text_(text), delimiter_(delimiter), file_(file) {}

  bool done() const { return at_ >= text_.size(); }
  int line() const { return line_; }

  // The values of the next record; `start_line` is where it began.
  Result<std::vector<std::string>> Next(int& start_line, std::vector<int>& columns) {
    start_line = line_;
    columns.clear();
    std::vector<std::string> values;
    while (true) {
      columns.push_back(column_);
      WEIR_ASSIGN_OR_RETURN(std::string value, Value());
      values.push_back(std::move(value));
      if (done()) return values;
      char c = text_[at_];
      if (c == delimiter_) {
        Advance();
        continue;
      }
      EndLine();  // \n or \r\n
      return values;
    }
  }

 private:
  Status Error(const std::string& message, int line, int column) const {
    return UserError("seed-bad-row", message, SourceLocation{file_, line, column});
  }

  bool AtLineEnd() const {
    return text_[at_] == '\n' || (text_[at_] == '\r' && at_ + 1 < text_.size() && text_[at_ + 1] == '\n');
  }

  void Advance() {
    if (text_[at_] == '\n') {
      ++line_;
      column_ = 1;
    } else if ((static_cast<unsigned char>(text_[at_]) & 0xC0) != 0x80) {
      ++column_;  // columns count characters, not UTF-8 continuation bytes
    }
    ++at_;
  }

  void EndLine() {
    if (text_[at_] == '\r') Advance();
    if (!done()) Advance();
  }

  Result<std::string> Value() {
    std::string value;
    if (done() || text_[at_] != '"') {
      while (!done() && text_[at_] != delimiter_ && !AtLineEnd()) {
        value += text_[at_];
        Advance();
      }
      return value;
    }
    int open_line = line_, open_column = column_;
    Advance();
    while (true) {
      if (done()) return Error("a quoted value is never closed: its opening quote is here", open_line, open_column);
      if (text_[at_] == '"') {
        Advance();
        if (!done() && text_[at_] == '"') {
          value += '"';
          Advance();
          continue;
        }
        if (!done() && text_[at_] != delimiter_ && !AtLineEnd()) {
          return Error(std::string("text after a closing quote; write a quote inside a quoted value as \"\""), line_,
                       column_);
        }
        return value;
      }
      value += text_[at_];
      Advance();
    }
  }

  std::string_view text_;
  char delimiter_;
  const std::string& file_;
  size_t at_ = 0;
  int line_ = 1;
  int column_ = 1;
};

bool IsBlank(const std::vector<std::string>& record) { return record.size() == 1 && record[0].empty(); }

bool IsPlainIdentifier(const std::string& name) {
  if (name.empty() || !(std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_')) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

}  // namespace

Result<SeedCsv> ReadSeedCsv(std::string_view text, char delimiter, const std::string& file) {
  CsvScanner scanner(text, delimiter, file);
  SeedCsv csv;
  bool have_header = false;
  while (!scanner.done()) {
    int line = 0;
    std::vector<int> columns;
    WEIR_ASSIGN_OR_RETURN(std::vector<std::string> record, scanner.Next(line, columns));
    if (IsBlank(record)) continue;
    if (!have_header) {
      csv.header = std::move(record);
      csv.header_columns = std::move(columns);
      have_header = true;
      continue;
    }
    if (record.size() != csv.header.size()) {
      return UserError("seed-bad-row",
                       "this row has " + std::to_string(record.size()) + " values and the header has " +
                           std::to_string(csv.header.size()) +
                           " (a value holding the delimiter must be in double quotes)",
                       SourceLocation{file, line, 1});
    }
    ++csv.rows;
  }
  if (!have_header) return UserError("seed-bad-row", "the seed is empty: it needs a header row", SourceLocation{file, 1, 1});
  return csv;
}

Status CheckUnquotedColumns(const SeedCsv& csv, const std::string& file) {
  for (size_t i = 0; i < csv.header.size(); ++i) {
    const std::string& name = csv.header[i];
    if (IsPlainIdentifier(name)) continue;
    return UserError("seed-column", "column '" + name +
                                        "' is not a plain SQL name and quote_columns is false: set "
                                        "quote_columns: true (or rename the column)",
                     SourceLocation{file, 1, csv.header_columns[i]});
  }
  return OkStatus();
}

}  // namespace weir::models_internal
