// Snapshot definitions (SQL blocks and YAML entries) and their config.
#include <cctype>

#include "common/text.h"
#include "models/internal/node_config.h"
#include "models/internal/snapshot.h"
#include "template/template.h"

namespace weir::models_internal {
namespace {

// `origin` advanced over text[0, offset): lines, and columns in code points.
SourceLocation Advance(SourceLocation origin, std::string_view text, size_t offset) {
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++origin.line;
      origin.column = 1;
    } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      ++origin.column;
    }
  }
  return origin;
}

// The byte offset of (line, column) in `text` (both from 1).
size_t OffsetOf(std::string_view text, int line, int column) {
  size_t offset = 0;
  for (int l = 1; l < line && offset < text.size(); ++l) {
    size_t newline = text.find('\n', offset);
    if (newline == std::string_view::npos) return text.size();
    offset = newline + 1;
  }
  for (int c = 1; c < column && offset < text.size(); ++c) {
    ++offset;
    while (offset < text.size() && (static_cast<unsigned char>(text[offset]) & 0xC0) == 0x80) ++offset;
  }
  return offset;
}

// [package, folders..., last]: `path` is from its resource folder.
std::vector<std::string> FqnFor(const std::string& package, const std::string& path, const std::string& last) {
  std::vector<std::string> fqn{package};
  size_t start = 0;
  for (size_t slash = path.find('/'); slash != std::string::npos; slash = path.find('/', start)) {
    fqn.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  fqn.push_back(last);
  return fqn;
}

ModelNode SnapshotNode(const DbtProject& project, const std::string& name, const std::string& file,
                       const std::string& resource_path) {
  ModelNode node;
  node.kind = ModelNodeKind::kSnapshot;
  node.name = name;
  node.package = project.name;
  node.unique_id = "snapshot." + project.name + "." + name;
  node.original_file_path = file;
  node.path = resource_path;
  return node;
}

// dbt puts the file's name in a SQL snapshot's fqn: [shop, orders, orders_snapshot]
// for snapshots/orders.sql.
void AddBlocks(const DbtProject& project, const DbtFile& file, std::vector<SnapshotDefinition>& out,
               std::vector<Status>& errors) {
  Result<Template> parsed = ParseTemplate(file.text, SourceLocation{file.relative_path, 1, 1}, {.dbt_blocks = true});
  if (!parsed.ok()) {
    errors.push_back(parsed.status());
    return;
  }
  std::string stem = file.resource_path.substr(0, file.resource_path.find_last_of('.'));
  for (const TemplateBlock& block : parsed->Blocks()) {
    if (block.kind != TemplateBlock::Kind::kSnapshot) continue;
    SnapshotDefinition definition{SnapshotNode(project, block.name, file.relative_path, file.resource_path),
                                  block.where};
    definition.node.fqn = FqnFor(project.name, stem + "/", block.name);
    definition.node.raw_code = block.text;
    size_t tag = OffsetOf(file.text, block.where.line, block.where.column);
    size_t close = file.text.find("%}", tag);
    size_t body = close == std::string::npos ? tag : close + 2;
    definition.node.code_origin = Advance(SourceLocation{file.relative_path, 1, 1}, file.text, body);
    out.push_back(std::move(definition));
  }
}

// dbt 1.9: a `snapshots:` entry with `relation:` selects everything from it.
void AddYamlSnapshot(const DbtProject& project, const DbtPatch& patch, std::vector<SnapshotDefinition>& out) {
  std::string resource_path = patch.file.substr(patch.file.find('/') + 1);
  SnapshotDefinition definition{SnapshotNode(project, patch.name, patch.file, resource_path), patch.where};
  definition.node.fqn = FqnFor(project.name, resource_path, patch.name);
  // The relation on a second line, indented so that it starts at the
  // column YAML has it at: a bad ref is reported where it is written.
  const SourceLocation& at = patch.relation_where;
  if (at.line > 1 && at.column > 3) {
    definition.node.raw_code = "select * from\n" + std::string(at.column - 4, ' ') + "{{ " + patch.relation + " }}";
    definition.node.code_origin = SourceLocation{patch.file, at.line - 1, 1};
  } else {
    definition.node.raw_code = "select * from {{ " + patch.relation + " }}";
    definition.node.code_origin = at;
  }
  out.push_back(std::move(definition));
}

bool IsIdentifierChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Where `key` is given in a config() call of SQL: `key=` or `'key':`.
std::optional<size_t> FindConfigKey(std::string_view code, std::string_view key) {
  for (size_t at = code.find(key); at != std::string_view::npos; at = code.find(key, at + 1)) {
    size_t end = at + key.size();
    bool quoted = at > 0 && (code[at - 1] == '\'' || code[at - 1] == '"') && end < code.size() &&
                  code[end] == code[at - 1];
    if (!quoted && ((at > 0 && IsIdentifierChar(code[at - 1])) || (end < code.size() && IsIdentifierChar(code[end])))) {
      continue;
    }
    size_t next = code.find_first_not_of(" \t\r\n", quoted ? end + 1 : end);
    if (next == std::string_view::npos) return std::nullopt;
    if ((!quoted && code[next] == '=' && code.compare(next, 2, "==") != 0) || (quoted && code[next] == ':')) {
      size_t value = code.find_first_not_of(" \t\r\n", next + 1);
      return value == std::string_view::npos ? at : value;
    }
  }
  return std::nullopt;
}

std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

bool IsSet(const TemplateValue* value) { return value != nullptr && !value->is_none(); }

// A config value that is one name or a list of names (none when it is
// neither, or empty).
std::optional<std::vector<std::string>> NameList(const TemplateValue& value) {
  std::vector<std::string> out;
  if (value.kind() == TemplateValue::Kind::kList) {
    for (const TemplateValue& item : value.AsList()) {
      if (item.kind() != TemplateValue::Kind::kString || item.AsString().empty()) return std::nullopt;
      out.push_back(item.AsString());
    }
  } else if (value.kind() == TemplateValue::Kind::kString && !value.AsString().empty()) {
    out.push_back(value.AsString());
  }
  if (out.empty()) return std::nullopt;
  return out;
}

Result<SnapshotConfig::HardDeletes> ReadHardDeletes(const ModelNode& node,
                                                    const std::function<SourceLocation(std::string_view)>& locate) {
  const TemplateValue* mode = node.config.Find("hard_deletes");
  const TemplateValue* legacy = node.config.Find("invalidate_hard_deletes");
  bool invalidate = IsSet(legacy) && legacy->Truthy();
  if (!IsSet(mode)) return invalidate ? SnapshotConfig::HardDeletes::kInvalidate : SnapshotConfig::HardDeletes::kIgnore;
  if (invalidate) {
    return UserError("snapshot-config", "snapshot '" + node.name + "' sets both hard_deletes and the older "
                                            "invalidate_hard_deletes: keep hard_deletes only",
                     locate("invalidate_hard_deletes"));
  }
  std::string text = Lower(mode->ToString());
  if (text == "ignore") return SnapshotConfig::HardDeletes::kIgnore;
  if (text == "invalidate") return SnapshotConfig::HardDeletes::kInvalidate;
  if (text == "new_record") return SnapshotConfig::HardDeletes::kNewRecord;
  std::vector<std::string> modes = {"ignore", "invalidate", "new_record"};
  return UserError("snapshot-config", "hard_deletes of snapshot '" + node.name + "' is '" + mode->ToString() +
                                          "': it is one of " + QuotedList(modes) + DidYouMean(text, modes),
                   locate("hard_deletes"));
}

Status ReadCheckCols(const ModelNode& node, const std::function<SourceLocation(std::string_view)>& locate,
                     SnapshotConfig& out) {
  const TemplateValue* cols = node.config.Find("check_cols");
  if (!IsSet(cols)) {
    return UserError("snapshot-config", "snapshot '" + node.name + "' uses the check strategy and needs check_cols: "
                                            "'all' or a list of the columns to compare",
                     locate("strategy"));
  }
  if (cols->kind() == TemplateValue::Kind::kString && Lower(cols->AsString()) == "all") {
    out.check_all = true;
    return OkStatus();
  }
  std::optional<std::vector<std::string>> names = NameList(*cols);
  if (!names || cols->kind() != TemplateValue::Kind::kList) {
    return UserError("snapshot-config", "check_cols of snapshot '" + node.name + "' is '" + cols->ToString() +
                                            "': write 'all' or a list of columns, such as ['status', 'amount']",
                     locate("check_cols"));
  }
  out.check_cols = std::move(*names);
  return OkStatus();
}

}  // namespace

std::vector<SnapshotDefinition> ReadSnapshotDefinitions(const DbtProject& project, std::vector<Status>& errors) {
  std::vector<SnapshotDefinition> out;
  for (const DbtFile& file : project.snapshots) AddBlocks(project, file, out, errors);
  for (const DbtPatch& patch : project.patches) {
    if (patch.kind == "snapshots" && !patch.relation.empty()) AddYamlSnapshot(project, patch, out);
  }
  return out;
}

SourceLocation SnapshotKeyLocation(const ModelNode& node, const DbtProject& project, std::string_view key,
                                   const SourceLocation& fallback) {
  if (std::optional<size_t> at = FindConfigKey(node.raw_code, key); at && node.code_origin.known()) {
    return Advance(node.code_origin, node.raw_code, *at);
  }
  for (const DbtPatch& patch : project.patches) {
    if (patch.name != node.name) continue;
    if (auto it = patch.config_where.find(std::string(key)); it != patch.config_where.end()) return it->second;
  }
  return fallback;
}

Result<SnapshotConfig> ReadSnapshotConfig(const ModelNode& node,
                                          const std::function<SourceLocation(std::string_view key)>& locate) {
  SnapshotConfig config;
  const std::vector<std::string> strategies = {"timestamp", "check"};
  const TemplateValue* strategy = node.config.Find("strategy");
  if (!IsSet(strategy) || strategy->ToString().empty()) {
    return UserError("snapshot-strategy", "snapshot '" + node.name + "' needs a strategy: 'timestamp' (with "
                                              "updated_at) or 'check' (with check_cols)",
                     locate("strategy"));
  }
  std::string name = Lower(strategy->ToString());
  if (name == "check") {
    config.strategy = SnapshotConfig::Strategy::kCheck;
  } else if (name != "timestamp") {
    return UserError("snapshot-strategy", "unknown snapshot strategy '" + strategy->ToString() + "' of '" + node.name +
                                              "': weir snapshots with 'timestamp' or 'check'" +
                                              DidYouMean(name, strategies),
                     locate("strategy"));
  }
  const TemplateValue* unique_key = node.config.Find("unique_key");
  std::optional<std::vector<std::string>> keys = IsSet(unique_key) ? NameList(*unique_key) : std::nullopt;
  if (!keys) {
    return UserError("missing-unique-key", "snapshot '" + node.name + "' needs a unique_key: the column (or list of "
                                               "columns) that identifies a row of its query",
                     locate("unique_key"));
  }
  config.unique_key = std::move(*keys);
  if (const TemplateValue* updated_at = node.config.Find("updated_at"); IsSet(updated_at)) {
    config.updated_at = updated_at->ToString();
  }
  if (config.strategy == SnapshotConfig::Strategy::kTimestamp && config.updated_at.empty()) {
    return UserError("snapshot-config", "snapshot '" + node.name + "' uses the timestamp strategy and needs "
                                            "updated_at: the column that says when a row last changed",
                     locate("strategy"));
  }
  if (config.strategy == SnapshotConfig::Strategy::kCheck) WEIR_TRY(ReadCheckCols(node, locate, config));
  WEIR_ASSIGN_OR_RETURN(config.hard_deletes, ReadHardDeletes(node, locate));
  if (const TemplateValue* current = node.config.Find("dbt_valid_to_current"); IsSet(current)) {
    config.valid_to_current = current->ToString();
  }
  if (IsSet(node.config.Find("snapshot_meta_column_names"))) {
    return UserError("snapshot-config", "snapshot_meta_column_names is not supported yet: the snapshot's columns are "
                                        "dbt_scd_id, dbt_updated_at, dbt_valid_from and dbt_valid_to",
                     locate("snapshot_meta_column_names"));
  }
  return config;
}

void ApplySnapshotTarget(ModelNode& node) {
  auto text = [&](std::string_view key) {
    const TemplateValue* value = node.config.Find(key);
    return IsSet(value) ? value->ToString() : std::string();
  };
  if (std::string schema = text("target_schema"); !schema.empty()) node.relation.schema = schema;
  if (std::string database = text("target_database"); !database.empty()) node.relation.database = database;
}

}  // namespace weir::models_internal
