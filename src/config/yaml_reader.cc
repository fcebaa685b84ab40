// Builds ConfigNode trees from yaml-cpp's event stream. yaml-cpp's own Node
// silently keeps duplicate keys and counts from 0; this reader reports
// duplicates and counts lines and columns from 1.
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/parser.h>

#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "config/config_node.h"
#include "config/internal/yaml_files.h"

namespace weir {
namespace {

class TreeBuilder final : public YAML::EventHandler {
 public:
  explicit TreeBuilder(std::string path) : path_(std::move(path)) {}

  ConfigNode TakeRoot() { return std::move(root_); }
  std::vector<Status> TakeErrors() { return std::move(errors_); }
  SourceLocation Where(const YAML::Mark& mark) const {
    return SourceLocation{path_, mark.line + 1, mark.column + 1};
  }

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    Add(ConfigNode::Null(Where(mark)), anchor);
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    auto it = anchors_.find(anchor);
    Add(it == anchors_.end() ? ConfigNode::Null(Where(mark)) : it->second, 0);
  }
  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    // yaml-cpp tags plain scalars "?" and quoted ones "!".
    Add(ConfigNode::Scalar(value, tag == "!", Where(mark)), anchor);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open_.push_back(Open{ConfigNode::Kind::kSequence, Where(mark), anchor, {}, {}, {}, std::nullopt});
  }
  void OnSequenceEnd() override { Close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    open_.push_back(Open{ConfigNode::Kind::kMap, Where(mark), anchor, {}, {}, {}, std::nullopt});
  }
  void OnMapEnd() override { Close(); }

 private:
  struct Open {
    ConfigNode::Kind kind;
    SourceLocation where;
    YAML::anchor_t anchor;
    std::vector<ConfigNode> items;
    std::vector<ConfigNode::Entry> entries;
    std::map<std::string, SourceLocation> seen_keys;
    std::optional<ConfigNode> pending_key;
  };

  void Close() {
    Open done = std::move(open_.back());
    open_.pop_back();
    ConfigNode node = done.kind == ConfigNode::Kind::kMap
                          ? ConfigNode::Map(std::move(done.entries), done.where)
                          : ConfigNode::Sequence(std::move(done.items), done.where);
    Add(std::move(node), done.anchor);
  }

  void Add(ConfigNode node, YAML::anchor_t anchor) {
    if (anchor != 0) anchors_[anchor] = node;
    if (open_.empty()) {
      root_ = std::move(node);
      return;
    }
    Open& parent = open_.back();
    if (parent.kind == ConfigNode::Kind::kSequence) {
      parent.items.push_back(std::move(node));
    } else if (!parent.pending_key) {
      parent.pending_key = std::move(node);
    } else {
      AddEntry(parent, std::move(*parent.pending_key), std::move(node));
      parent.pending_key.reset();
    }
  }

  void AddEntry(Open& map, ConfigNode key, ConfigNode value) {
    if (!key.is_scalar()) {
      errors_.push_back(UserError("wrong-type", "mapping keys must be strings, got " +
                                  std::string(key.Describe()), key.where()));
      return;
    }
    auto [it, inserted] = map.seen_keys.emplace(key.scalar(), key.where());
    if (!inserted) {
      errors_.push_back(UserError("duplicate-key", "duplicate key '" + key.scalar() +
                                  "' (first defined at " + it->second.ToString() + ")", key.where()));
      return;
    }
    map.entries.emplace_back(std::move(key), std::move(value));
  }

  std::string path_;
  ConfigNode root_;
  std::vector<Open> open_;
  std::map<YAML::anchor_t, ConfigNode> anchors_;
  std::vector<Status> errors_;
};

}  // namespace

YamlDocument ParseYaml(std::string_view text, const std::string& display_path) {
  std::istringstream in{std::string(text)};
  TreeBuilder builder(display_path);
  YamlDocument doc;
  try {
    YAML::Parser parser(in);
    parser.HandleNextDocument(builder);
    doc.root = builder.TakeRoot();
    doc.errors = builder.TakeErrors();
  } catch (const YAML::Exception& e) {
    doc.root = ConfigNode::Null(SourceLocation{display_path, 1, 1});
    doc.errors = {UserError("yaml-syntax", "invalid YAML: " + e.msg, builder.Where(e.mark))};
  }
  if (doc.root.where().file.empty()) doc.root = ConfigNode::Null(SourceLocation{display_path, 1, 1});
  return doc;
}

}  // namespace weir

namespace weir::config_internal {

void ForEachYamlFile(const Filesystem& fs, const std::string& root, const std::string& folder,
                     std::vector<Status>& errors, const YamlFileReader& read) {
  std::string dir = (std::filesystem::path(root) / folder).string();
  for (const std::string& path : fs.ListFiles(dir, {".yml", ".yaml"})) {
    std::string shown = std::filesystem::path(path).lexically_relative(root).string();
    Result<std::string> text = fs.ReadFile(path);
    if (!text.ok()) {
      errors.push_back(text.status());
      continue;
    }
    YamlDocument doc = ParseYaml(*text, shown);
    errors.insert(errors.end(), doc.errors.begin(), doc.errors.end());
    if (!doc.errors.empty() && doc.errors.front().code() == "yaml-syntax") continue;  // one error for the file
    read(doc.root, shown);
  }
}

}  // namespace weir::config_internal
