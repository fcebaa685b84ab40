// Reads streams/*.yml into StreamDefs (docs/streams.md) and checks that
// their connections are weir.yml's `type: kafka` connections.
#include <algorithm>
#include <filesystem>

#include "common/text.h"
#include "config/internal/fields.h"
#include "config/internal/stream_loader.h"
#include "config/internal/yaml_files.h"

namespace weir::config_internal {
namespace {

const std::vector<std::string> kStreamKeys = {"stream", "description", "source",      "batch",   "window",
                                              "transform", "sink",     "dead_letter", "delivery"};
const std::vector<std::string> kSourceKeys = {"connection", "topics", "group", "start", "format", "schema",
                                              "max_message_bytes"};
const std::vector<std::string> kFormats = {"json", "csv", "raw"};
const std::vector<std::string> kDeliveries = {"at_least_once", "exactly_once"};
constexpr int64_t kMaxBatchRows = 1'000'000;

// A column name the transform can write without quotes or with them: any
// text but empty, and not one of the metadata columns the source adds.
void ReadSchema(const ConfigNode& node, StreamDef& stream, std::vector<Status>& errors) {
  if (!node.is_map()) {
    errors.push_back(UserError("wrong-type", "'schema' must map column names to DuckDB types (id: BIGINT), got " +
                                                 std::string(node.Describe()), node.where()));
    return;
  }
  for (const auto& [key, value] : node.entries()) {
    if (key.scalar().empty() || key.scalar().front() == '_') {
      errors.push_back(UserError("bad-column", "a schema column needs a name that does not start with '_' "
                                               "(those are the message's _topic, _partition, _offset, ...)",
                                 key.where()));
      continue;
    }
    Result<std::string> type = value.AsString("the type of column '" + key.scalar() + "'");
    if (!type.ok()) {
      errors.push_back(type.status());
      continue;
    }
    stream.schema.push_back({key.scalar(), *type, value.where()});
  }
}

void ReadSource(const ConfigNode& node, StreamDef& stream, std::vector<Status>& errors) {
  MapFields fields(node, "'source'", kSourceKeys, errors);
  if (!fields.is_map()) return;
  if (const ConfigNode* c = fields.Require("connection")) {
    if (auto s = fields.String("connection")) stream.source_connection = {*s, c->where()};
  }
  if (fields.Require("topics") != nullptr) {
    if (auto topics = fields.StringList("topics")) stream.topics = *topics;
    if (stream.topics.empty()) {
      fields.Add(UserError("wrong-type", "'topics' must name at least one topic", fields.Get("topics")->where()));
    }
  }
  stream.group = fields.String("group").value_or("weir-" + stream.name);
  if (auto start = fields.Choice("start", {"earliest", "latest"})) stream.start = *start;
  if (auto format = fields.Choice("format", kFormats)) {
    stream.format = *format == "json" ? StreamDef::Format::kJson
                    : *format == "csv" ? StreamDef::Format::kCsv : StreamDef::Format::kRaw;
  }
  if (const ConfigNode* schema = fields.Get("schema")) ReadSchema(*schema, stream, errors);
  if (stream.format == StreamDef::Format::kCsv && stream.schema.empty() && fields.Get("schema") == nullptr) {
    fields.Add(UserError("missing-key", "a csv source needs 'schema:' (its columns in order, with their types)",
                         node.where()));
  }
  if (const ConfigNode* size = fields.Get("max_message_bytes")) {
    Result<uint64_t> bytes = ParseByteSize(size->scalar(), size->where());
    fields.Add(bytes.status());
    if (bytes.ok()) stream.max_message_bytes = *bytes;
  }
}

void ReadBatch(const ConfigNode& node, StreamDef& stream, std::vector<Status>& errors) {
  MapFields fields(node, "'batch'", {"max_rows", "max_wait"}, errors);
  if (!fields.is_map()) return;
  if (auto rows = fields.Int("max_rows", 1)) {
    if (*rows > kMaxBatchRows) {
      fields.Add(UserError("out-of-range", "'max_rows' must be at most " + std::to_string(kMaxBatchRows),
                           fields.Get("max_rows")->where()));
    } else {
      stream.batch_max_rows = *rows;
    }
  }
  if (auto wait = fields.Duration("max_wait")) stream.batch_max_wait = *wait;
}

// `window:` {type, size, slide, gap, by, time, lateness}.
std::optional<StreamDef::Window> ReadWindow(const ConfigNode& node, std::vector<Status>& errors) {
  MapFields fields(node, "'window'", {"type", "size", "slide", "gap", "by", "time", "lateness"}, errors);
  if (!fields.is_map()) return std::nullopt;
  StreamDef::Window window;
  window.where = node.where();
  if (fields.Require("type") == nullptr) return std::nullopt;
  std::optional<std::string> type = fields.Choice("type", {"tumbling", "hopping", "session"});
  if (!type) return std::nullopt;
  window.kind = *type == "tumbling" ? StreamDef::Window::Kind::kTumbling
                : *type == "hopping" ? StreamDef::Window::Kind::kHopping : StreamDef::Window::Kind::kSession;
  auto positive = [&](const std::string& key, std::chrono::milliseconds& out) {
    if (fields.Require(key) == nullptr) return;
    std::optional<std::chrono::milliseconds> d = fields.Duration(key);
    if (d && d->count() <= 0) {
      fields.Add(UserError("out-of-range", "'" + key + "' must be longer than 0", fields.Get(key)->where()));
    } else if (d) {
      out = *d;
    }
  };
  bool session = window.kind == StreamDef::Window::Kind::kSession;
  std::vector<std::string> wrong = session ? std::vector<std::string>{"size", "slide"} : std::vector<std::string>{"gap", "by"};
  if (window.kind == StreamDef::Window::Kind::kTumbling) wrong.push_back("slide");
  for (const std::string& key : wrong) {
    if (const ConfigNode* n = fields.Get(key)) {
      fields.Add(UserError("unknown-key", "a " + *type + " window has no '" + key + "'", n->where()));
    }
  }
  if (session) {
    positive("gap", window.gap);
    if (fields.Get("by") != nullptr) window.by = fields.StringList("by").value_or(std::vector<std::string>{});
  } else {
    positive("size", window.size);
    window.slide = window.size;
    if (window.kind == StreamDef::Window::Kind::kHopping) positive("slide", window.slide);
    if (window.slide > window.size) {
      fields.Add(UserError("out-of-range", "'slide' must be at most 'size' (windows that leave gaps lose events)",
                           fields.Get("slide")->where()));
    }
  }
  window.time = fields.String("time").value_or("_timestamp");
  if (auto lateness = fields.Duration("lateness")) window.lateness = *lateness;
  return window;
}

// `key`: where a sink's `key:` goes; null where there is none (dead letters).
std::optional<StreamDef::Topic> ReadTopic(const ConfigNode& node, const std::string& what, std::string* key,
                                          std::vector<Status>& errors) {
  std::vector<std::string> keys = {"connection", "topic"};
  if (key != nullptr) keys.push_back("key");
  if (node.is_map() && node.Find("table") != nullptr) {
    errors.push_back(UserError("not-built", what + " into a warehouse table is not built yet (issue 9): "
                                                   "streams write to Kafka topics for now",
                               node.Find("table")->where()));
    return std::nullopt;
  }
  MapFields fields(node, what, keys, errors);
  if (!fields.is_map()) return std::nullopt;
  StreamDef::Topic topic;
  if (const ConfigNode* c = fields.Require("connection")) {
    if (auto s = fields.String("connection")) topic.connection = {*s, c->where()};
  }
  if (fields.Require("topic") != nullptr) topic.topic = fields.String("topic").value_or("");
  if (key != nullptr && node.Find("key") != nullptr) *key = fields.String("key").value_or("");
  return topic;
}

std::optional<StreamDef> ReadStream(const ConfigNode& root, const std::string& file, std::vector<Status>& errors) {
  MapFields fields(root, "stream file", kStreamKeys, errors);
  if (!fields.is_map()) return std::nullopt;
  StreamDef stream;
  stream.file = file;
  const ConfigNode* name = fields.Require("stream");
  if (name == nullptr) return std::nullopt;
  stream.where = name->where();
  stream.name = fields.String("stream").value_or("");
  if (stream.name.empty()) return std::nullopt;
  stream.description = fields.String("description").value_or("");
  if (const ConfigNode* source = fields.Require("source")) ReadSource(*source, stream, errors);
  if (const ConfigNode* batch = fields.Get("batch")) ReadBatch(*batch, stream, errors);
  if (const ConfigNode* window = fields.Get("window")) stream.window = ReadWindow(*window, errors);
  if (const ConfigNode* transform = fields.Require("transform")) {
    stream.transform = fields.String("transform").value_or("");
    stream.transform_where = transform->where();
  }
  if (const ConfigNode* sink = fields.Require("sink")) {
    if (auto topic = ReadTopic(*sink, "'sink'", &stream.sink_key, errors)) stream.sink = *topic;
  }
  if (const ConfigNode* dead = fields.Get("dead_letter")) {
    stream.dead_letter = ReadTopic(*dead, "'dead_letter'", nullptr, errors);
  }
  if (auto delivery = fields.Choice("delivery", kDeliveries)) {
    stream.delivery = *delivery == "exactly_once" ? StreamDef::Delivery::kExactlyOnce
                                                  : StreamDef::Delivery::kAtLeastOnce;
  }
  return stream;
}

// A stream's connection must be a `type: kafka` connection of weir.yml.
void CheckKafkaConnection(const Sourced<std::string>& name, const ProjectDef& project, std::vector<Status>& errors) {
  if (name.value.empty()) return;
  auto it = project.connections.find(name.value);
  if (it == project.connections.end()) {
    std::vector<std::string> names;
    for (const auto& [n, node] : project.connections) names.push_back(n);
    errors.push_back(UserError("unknown-connection", "no connection '" + name.value + "' in weir.yml's 'connections:'" +
                                                         DidYouMean(name.value, names), name.where));
    return;
  }
  const ConfigNode* type = it->second.is_map() ? it->second.Find("type") : nullptr;
  if (type != nullptr && type->scalar() != "kafka") {
    errors.push_back(UserError("wrong-connection", "connection '" + name.value + "' is of type '" + type->scalar() +
                                                       "'; a stream reads and writes a 'type: kafka' connection",
                               name.where));
  }
}

}  // namespace

void ReadStreams(const Filesystem& fs, ProjectDef& project, std::vector<Status>& errors) {
  std::map<std::string, SourceLocation> seen;
  auto read = [&](const ConfigNode& root, const std::string& shown) {
    std::optional<StreamDef> stream = ReadStream(root, shown, errors);
    if (!stream) return;
    auto [it, inserted] = seen.emplace(stream->name, stream->where);
    if (!inserted) {
      errors.push_back(UserError("duplicate-stream", "duplicate stream name '" + stream->name +
                                                         "' (first defined at " + it->second.ToString() + ")",
                                 stream->where));
      return;
    }
    CheckKafkaConnection(stream->source_connection, project, errors);
    CheckKafkaConnection(stream->sink.connection, project, errors);
    if (stream->dead_letter) CheckKafkaConnection(stream->dead_letter->connection, project, errors);
    project.streams.push_back(std::move(*stream));
  };
  ForEachYamlFile(fs, project.root, "streams", errors, read);
}

}  // namespace weir::config_internal

namespace weir {

const StreamDef* ProjectDef::FindStream(const std::string& stream_name) const {
  for (const StreamDef& s : streams) {
    if (s.name == stream_name) return &s;
  }
  return nullptr;
}

}  // namespace weir
