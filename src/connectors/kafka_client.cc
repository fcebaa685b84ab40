// Kafka through librdkafka's C API: a consumer in a consumer group that
// polls batches and commits offsets only when told (so that a stream job
// commits after its output is safe), an idempotent producer whose Flush
// reports the first failed delivery, and librdkafka's mock cluster (the
// real protocol on loopback, inside this process) for tests and benchmarks.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <cstdio>
#include <cstring>

#include "connectors/connectors.h"

namespace weir {
namespace {

constexpr size_t kErrorSize = 512;

// librdkafka's log lines, as it prints them, but for its warning that a
// connection's property is for the other kind of client: one `properties:`
// map serves a job's consumers and producers alike.
void LogLine(const rd_kafka_t*, int level, const char* facility, const char* line) {
  if (std::strcmp(facility, "CONFWARN") == 0 &&
      (std::strstr(line, "is a consumer property") != nullptr || std::strstr(line, "is a producer property") != nullptr)) {
    return;
  }
  std::fprintf(stderr, "%%%d|%s|%s\n", level, facility, line);
}

// A librdkafka configuration from `settings`; a property librdkafka refuses
// is a user error naming it (its value is not shown: it may be a secret).
Result<rd_kafka_conf_t*> MakeConf(const KafkaSettings& settings,
                                  const std::vector<std::pair<std::string, std::string>>& own) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set_log_cb(conf, LogLine);
  char error[kErrorSize];
  std::vector<std::pair<std::string, std::string>> all = own;
  all.emplace_back("bootstrap.servers", settings.brokers);
  for (const auto& [name, value] : settings.properties) all.emplace_back(name, value);
  for (const auto& [name, value] : all) {
    if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), error, sizeof error) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return UserError("kafka-config", "kafka setting '" + name + "': " + error);
    }
  }
  return conf;
}

Status KafkaError(const std::string& what, rd_kafka_resp_err_t err) {
  std::string message = what + ": " + rd_kafka_err2str(err);
  switch (err) {
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
    case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
    case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS:
    case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
      return Fault("kafka", message);
    default:
      return UserError("kafka", message);
  }
}

KafkaMessage ToMessage(const rd_kafka_message_t* m) {
  KafkaMessage out;
  out.topic = rd_kafka_topic_name(m->rkt);
  out.partition = m->partition;
  out.offset = m->offset;
  rd_kafka_timestamp_type_t type;
  out.timestamp_ms = rd_kafka_message_timestamp(m, &type);
  if (m->key != nullptr) out.key = std::string(static_cast<const char*>(m->key), m->key_len);
  if (m->payload != nullptr) out.value.assign(static_cast<const char*>(m->payload), m->len);
  rd_kafka_headers_t* headers = nullptr;
  if (rd_kafka_message_headers(m, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    const char* name = nullptr;
    const void* value = nullptr;
    size_t size = 0;
    for (size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
      out.headers.emplace_back(name, value != nullptr ? std::string(static_cast<const char*>(value), size) : "");
    }
  }
  return out;
}

}  // namespace

struct KafkaConsumer::Handle {
  rd_kafka_t* rk = nullptr;
  ~Handle() {
    if (rk == nullptr) return;
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
  }
};

KafkaConsumer::KafkaConsumer(std::unique_ptr<Handle> handle) : handle_(std::move(handle)) {}
KafkaConsumer::~KafkaConsumer() = default;

namespace {

Result<std::unique_ptr<KafkaConsumer::Handle>> NewConsumer(const KafkaSettings& settings, const std::string& group,
                                                           const std::string& start) {
  if (start != "earliest" && start != "latest") {
    return UserError("kafka-config", "a consumer starts at 'earliest' or 'latest', not '" + start + "'");
  }
  WEIR_ASSIGN_OR_RETURN(rd_kafka_conf_t * conf,
                        MakeConf(settings, {{"group.id", group},
                                            {"auto.offset.reset", start},
                                            {"enable.auto.commit", "false"},
                                            {"enable.partition.eof", "false"},
                                            {"queued.min.messages", "20000"}}));
  char error[kErrorSize];
  auto handle = std::make_unique<KafkaConsumer::Handle>();
  handle->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, error, sizeof error);
  if (handle->rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    return UserError("kafka-config", std::string("cannot create a kafka consumer: ") + error);
  }
  rd_kafka_poll_set_consumer(handle->rk);
  return handle;
}

rd_kafka_topic_partition_list_t* ToList(const std::vector<KafkaPosition>& positions) {
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(static_cast<int>(positions.size()));
  for (const KafkaPosition& p : positions) {
    rd_kafka_topic_partition_list_add(list, p.topic.c_str(), p.partition)->offset = p.next_offset;
  }
  return list;
}

int PartitionCountOf(rd_kafka_t* rk, const std::string& topic, std::chrono::milliseconds wait, Status* status) {
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  const rd_kafka_metadata_t* metadata = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, rkt, &metadata, static_cast<int>(wait.count()));
  rd_kafka_topic_destroy(rkt);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    *status = KafkaError("cannot read the metadata of topic " + topic, err);
    return 0;
  }
  int count = 0;
  if (metadata->topic_cnt == 1 && metadata->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    count = metadata->topics[0].partition_cnt;
  } else {
    rd_kafka_resp_err_t topic_err = metadata->topic_cnt == 1 ? metadata->topics[0].err : RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC;
    *status = UserError("kafka", "topic " + topic + ": " + rd_kafka_err2str(topic_err));
  }
  rd_kafka_metadata_destroy(metadata);
  return count;
}

}  // namespace

Result<std::unique_ptr<KafkaConsumer>> KafkaConsumer::Open(const KafkaSettings& settings, const std::string& group,
                                                           const std::vector<std::string>& topics,
                                                           const std::string& start) {
  WEIR_ASSIGN_OR_RETURN(std::unique_ptr<Handle> handle, NewConsumer(settings, group, start));
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(static_cast<int>(topics.size()));
  for (const std::string& topic : topics) rd_kafka_topic_partition_list_add(list, topic.c_str(), RD_KAFKA_PARTITION_UA);
  rd_kafka_resp_err_t err = rd_kafka_subscribe(handle->rk, list);
  rd_kafka_topic_partition_list_destroy(list);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return KafkaError("cannot subscribe", err);
  return std::unique_ptr<KafkaConsumer>(new KafkaConsumer(std::move(handle)));
}

Result<std::unique_ptr<KafkaConsumer>> KafkaConsumer::OpenUnsubscribed(const KafkaSettings& settings,
                                                                       const std::string& group,
                                                                       const std::string& start) {
  WEIR_ASSIGN_OR_RETURN(std::unique_ptr<Handle> handle, NewConsumer(settings, group, start));
  return std::unique_ptr<KafkaConsumer>(new KafkaConsumer(std::move(handle)));
}

Status KafkaConsumer::Assign(const std::vector<KafkaPosition>& positions) {
  std::vector<KafkaPosition> resolved = positions;
  for (KafkaPosition& p : resolved) {
    if (p.next_offset == kCommittedOffset) p.next_offset = RD_KAFKA_OFFSET_STORED;
  }
  rd_kafka_topic_partition_list_t* list = ToList(resolved);
  rd_kafka_resp_err_t err = rd_kafka_assign(handle_->rk, list);
  rd_kafka_topic_partition_list_destroy(list);
  return err == RD_KAFKA_RESP_ERR_NO_ERROR ? OkStatus() : KafkaError("cannot assign partitions", err);
}

Result<std::vector<KafkaPosition>> KafkaConsumer::Committed(std::vector<KafkaPosition> partitions,
                                                            std::chrono::milliseconds wait) {
  rd_kafka_topic_partition_list_t* list = ToList(partitions);
  rd_kafka_resp_err_t err = rd_kafka_committed(handle_->rk, list, static_cast<int>(wait.count()));
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    for (int i = 0; i < list->cnt; ++i) {
      partitions[i].next_offset = list->elems[i].offset >= 0 ? list->elems[i].offset : -1;
    }
  }
  rd_kafka_topic_partition_list_destroy(list);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return KafkaError("cannot read the group's committed offsets", err);
  return partitions;
}

Result<int> KafkaConsumer::PartitionCount(const std::string& topic, std::chrono::milliseconds wait) {
  Status status;
  int count = PartitionCountOf(handle_->rk, topic, wait, &status);
  if (!status.ok()) return status;
  return count;
}

std::vector<std::pair<KafkaPosition, int64_t>> KafkaConsumer::Lag() {
  std::vector<std::pair<KafkaPosition, int64_t>> out;
  rd_kafka_topic_partition_list_t* list = nullptr;
  if (rd_kafka_assignment(handle_->rk, &list) != RD_KAFKA_RESP_ERR_NO_ERROR) return out;
  rd_kafka_position(handle_->rk, list);
  for (int i = 0; i < list->cnt; ++i) {
    const rd_kafka_topic_partition_t& p = list->elems[i];
    int64_t low = -1;
    int64_t high = -1;
    rd_kafka_get_watermark_offsets(handle_->rk, p.topic, p.partition, &low, &high);
    int64_t lag = high >= 0 && p.offset >= 0 ? std::max<int64_t>(high - p.offset, 0) : -1;
    out.push_back({KafkaPosition{p.topic, p.partition, p.offset}, lag});
  }
  rd_kafka_topic_partition_list_destroy(list);
  return out;
}

Result<std::vector<KafkaMessage>> KafkaConsumer::Poll(size_t max, std::chrono::milliseconds wait) {
  std::vector<KafkaMessage> batch;
  auto until = std::chrono::steady_clock::now() + wait;
  while (batch.size() < max) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
    int timeout = batch.empty() ? static_cast<int>(std::max<int64_t>(left.count(), 0)) : 0;
    rd_kafka_message_t* m = rd_kafka_consumer_poll(handle_->rk, timeout);
    if (m == nullptr) {
      if (!batch.empty() || left.count() <= 0) break;
      continue;
    }
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      rd_kafka_resp_err_t err = m->err;
      std::string detail = rd_kafka_message_errstr(m);
      rd_kafka_message_destroy(m);
      if (err == RD_KAFKA_RESP_ERR__PARTITION_EOF) continue;
      return KafkaError("kafka consumer: " + detail, err);
    }
    batch.push_back(ToMessage(m));
    rd_kafka_message_destroy(m);
  }
  return batch;
}

Status KafkaConsumer::Commit(const std::vector<KafkaPosition>& positions) {
  if (positions.empty()) return OkStatus();
  rd_kafka_topic_partition_list_t* list = ToList(positions);
  rd_kafka_resp_err_t err = rd_kafka_commit(handle_->rk, list, /*async=*/0);
  rd_kafka_topic_partition_list_destroy(list);
  return err == RD_KAFKA_RESP_ERR_NO_ERROR ? OkStatus() : KafkaError("cannot commit offsets", err);
}

struct KafkaProducer::Handle {
  rd_kafka_t* rk = nullptr;
  std::mutex mu;
  rd_kafka_resp_err_t first_error = RD_KAFKA_RESP_ERR_NO_ERROR;
  ~Handle() {
    if (rk == nullptr) return;
    rd_kafka_flush(rk, 5000);
    rd_kafka_destroy(rk);
  }
};

namespace {

void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) return;
  auto* handle = static_cast<KafkaProducer::Handle*>(opaque);
  std::lock_guard lock(handle->mu);
  if (handle->first_error == RD_KAFKA_RESP_ERR_NO_ERROR) handle->first_error = m->err;
}

}  // namespace

KafkaProducer::KafkaProducer(std::unique_ptr<Handle> handle) : handle_(std::move(handle)) {}
KafkaProducer::~KafkaProducer() = default;

Result<std::unique_ptr<KafkaProducer>> KafkaProducer::Open(const KafkaSettings& settings) {
  WEIR_ASSIGN_OR_RETURN(rd_kafka_conf_t * conf,
                        MakeConf(settings, {{"enable.idempotence", "true"}, {"linger.ms", "5"}}));
  auto handle = std::make_unique<Handle>();
  rd_kafka_conf_set_dr_msg_cb(conf, OnDelivery);
  rd_kafka_conf_set_opaque(conf, handle.get());
  char error[kErrorSize];
  handle->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
  if (handle->rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    return UserError("kafka-config", std::string("cannot create a kafka producer: ") + error);
  }
  return std::unique_ptr<KafkaProducer>(new KafkaProducer(std::move(handle)));
}

Status KafkaProducer::Produce(const std::string& topic, const std::optional<std::string>& key,
                              std::string_view value, const std::vector<std::pair<std::string, std::string>>& headers,
                              int32_t partition) {
  rd_kafka_headers_t* hdrs = rd_kafka_headers_new(headers.size());
  for (const auto& [name, v] : headers) {
    rd_kafka_header_add(hdrs, name.c_str(), static_cast<ssize_t>(name.size()), v.data(), static_cast<ssize_t>(v.size()));
  }
  // librdkafka's macros cast their arguments: plain variables only.
  const char* key_data = key ? key->data() : nullptr;
  size_t key_size = key ? key->size() : 0;
  char* value_data = const_cast<char*>(value.data());
  size_t value_size = value.size();
  for (;;) {
    rd_kafka_resp_err_t err =
        rd_kafka_producev(handle_->rk, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(partition),
                          RD_KAFKA_V_KEY(key_data, key_size),
                          RD_KAFKA_V_VALUE(value_data, value_size), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                          RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return OkStatus();  // the headers now belong to the message
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      rd_kafka_headers_destroy(hdrs);
      return KafkaError("cannot produce to " + topic, err);
    }
    rd_kafka_poll(handle_->rk, 50);  // the queue is full: let deliveries drain it
  }
}

Status KafkaProducer::Flush(std::chrono::milliseconds wait) {
  rd_kafka_resp_err_t err = rd_kafka_flush(handle_->rk, static_cast<int>(wait.count()));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return KafkaError("kafka producer flush", err);
  std::lock_guard lock(handle_->mu);
  if (handle_->first_error != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return KafkaError("a kafka message was not delivered", handle_->first_error);
  }
  return OkStatus();
}

int32_t KafkaPartitionForKey(std::string_view key, int32_t partitions) {
  return rd_kafka_msg_partitioner_murmur2(nullptr, key.data(), key.size(), partitions, nullptr, nullptr);
}

Result<std::vector<KafkaMessage>> KafkaReadLastMessages(const KafkaSettings& settings, const std::string& topic,
                                                        std::chrono::milliseconds wait) {
  WEIR_ASSIGN_OR_RETURN(std::unique_ptr<KafkaConsumer::Handle> handle,
                        NewConsumer(settings, "weir-tail-reader", "earliest"));
  Status status;
  int count = PartitionCountOf(handle->rk, topic, wait, &status);
  if (!status.ok()) return status;
  std::vector<KafkaPosition> last;
  for (int32_t p = 0; p < count; ++p) {
    int64_t low = 0;
    int64_t high = 0;
    rd_kafka_resp_err_t err =
        rd_kafka_query_watermark_offsets(handle->rk, topic.c_str(), p, &low, &high, static_cast<int>(wait.count()));
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return KafkaError("cannot read the end of " + topic, err);
    if (high > low) last.push_back({topic, p, high - 1});
  }
  std::vector<KafkaMessage> out;
  if (last.empty()) return out;
  rd_kafka_topic_partition_list_t* list = ToList(last);
  rd_kafka_resp_err_t err = rd_kafka_assign(handle->rk, list);
  rd_kafka_topic_partition_list_destroy(list);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return KafkaError("cannot read the end of " + topic, err);
  auto until = std::chrono::steady_clock::now() + wait;
  while (out.size() < last.size() && std::chrono::steady_clock::now() < until) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(handle->rk, 100);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) out.push_back(ToMessage(m));
    rd_kafka_message_destroy(m);
  }
  if (out.size() < last.size()) {
    return Fault("kafka", "timed out reading the last message of each partition of " + topic);
  }
  return out;
}

namespace {

// Where each partition of `topics` goes: its first offset, past its last,
// or the first message at or after `time_ms`.
Result<std::vector<KafkaPosition>> ResetTargets(rd_kafka_t* rk, const std::vector<std::string>& topics,
                                                const std::string& to, std::optional<int64_t> time_ms,
                                                std::chrono::milliseconds wait) {
  std::vector<KafkaPosition> targets;
  int ms = static_cast<int>(wait.count());
  for (const std::string& topic : topics) {
    Status status;
    int count = PartitionCountOf(rk, topic, wait, &status);
    if (!status.ok()) return status;
    for (int32_t p = 0; p < count; ++p) {
      int64_t low = 0;
      int64_t high = 0;
      rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(rk, topic.c_str(), p, &low, &high, ms);
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return KafkaError("cannot read the offsets of " + topic, err);
      targets.push_back({topic, p, time_ms ? *time_ms : (to == "latest" ? high : low)});
    }
  }
  if (!time_ms) return targets;
  rd_kafka_topic_partition_list_t* list = ToList(targets);
  rd_kafka_resp_err_t err = rd_kafka_offsets_for_times(rk, list, ms);
  for (int i = 0; err == RD_KAFKA_RESP_ERR_NO_ERROR && i < list->cnt; ++i) {
    KafkaPosition& target = targets[static_cast<size_t>(i)];
    target.next_offset = list->elems[i].offset;
    if (target.next_offset >= 0) continue;  // no message that late: past the last
    int64_t low = 0;
    rd_kafka_query_watermark_offsets(rk, target.topic.c_str(), target.partition, &low, &target.next_offset, ms);
  }
  rd_kafka_topic_partition_list_destroy(list);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return KafkaError("cannot find the offsets at that time", err);
  return targets;
}

// Joins the group and waits until it holds every partition: a commit needs
// a member (a broker takes a memberless commit only for an empty group, and
// the mock cluster never does), and a group with another running member
// would hand this one a share, which is refused.
Status JoinAlone(rd_kafka_t* rk, const std::string& group, const std::vector<std::string>& topics, size_t partitions,
                 std::chrono::milliseconds wait) {
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(static_cast<int>(topics.size()));
  for (const std::string& topic : topics) rd_kafka_topic_partition_list_add(list, topic.c_str(), RD_KAFKA_PARTITION_UA);
  rd_kafka_resp_err_t err = rd_kafka_subscribe(rk, list);
  rd_kafka_topic_partition_list_destroy(list);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return KafkaError("cannot join group " + group, err);
  auto deadline = std::chrono::steady_clock::now() + wait;
  int held = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 100);
    if (m != nullptr) rd_kafka_message_destroy(m);  // read, never committed
    rd_kafka_topic_partition_list_t* assigned = nullptr;
    if (rd_kafka_assignment(rk, &assigned) != RD_KAFKA_RESP_ERR_NO_ERROR) continue;
    held = assigned->cnt;
    rd_kafka_topic_partition_list_destroy(assigned);
    if (static_cast<size_t>(held) == partitions) return OkStatus();
  }
  if (held > 0) {
    return UserError("kafka", "group " + group + " has another running member (this one got " + std::to_string(held) +
                                  " of " + std::to_string(partitions) + " partitions); stop it before resetting");
  }
  return UserError("kafka", "group " + group + " gave no partitions within " + std::to_string(wait.count()) + " ms");
}

}  // namespace

Result<int> KafkaResetGroupOffsets(const KafkaSettings& settings, const std::string& group,
                                   const std::vector<std::string>& topics, const std::string& to,
                                   std::optional<int64_t> time_ms, std::chrono::milliseconds wait) {
  WEIR_ASSIGN_OR_RETURN(std::unique_ptr<KafkaConsumer::Handle> handle, NewConsumer(settings, group, "earliest"));
  WEIR_ASSIGN_OR_RETURN(std::vector<KafkaPosition> targets, ResetTargets(handle->rk, topics, to, time_ms, wait));
  WEIR_TRY(JoinAlone(handle->rk, group, topics, targets.size(), wait));
  rd_kafka_topic_partition_list_t* list = ToList(targets);
  rd_kafka_resp_err_t err = rd_kafka_commit(handle->rk, list, /*async=*/0);
  rd_kafka_topic_partition_list_destroy(list);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return KafkaError("cannot commit the group's new offsets", err);
  return static_cast<int>(targets.size());
}

struct KafkaMockCluster::Handle {
  rd_kafka_t* host = nullptr;  // the mock cluster lives in a client instance
  rd_kafka_mock_cluster_t* cluster = nullptr;
  ~Handle() {
    if (cluster != nullptr) rd_kafka_mock_cluster_destroy(cluster);
    if (host != nullptr) rd_kafka_destroy(host);
  }
};

KafkaMockCluster::KafkaMockCluster(std::unique_ptr<Handle> handle) : handle_(std::move(handle)) {}
KafkaMockCluster::~KafkaMockCluster() = default;

Result<std::unique_ptr<KafkaMockCluster>> KafkaMockCluster::Start(int brokers) {
  auto handle = std::make_unique<Handle>();
  char error[kErrorSize];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  handle->host = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
  if (handle->host == nullptr) return InternalError(std::string("cannot host a kafka mock cluster: ") + error);
  handle->cluster = rd_kafka_mock_cluster_new(handle->host, brokers);
  if (handle->cluster == nullptr) return InternalError("cannot start the kafka mock cluster");
  return std::unique_ptr<KafkaMockCluster>(new KafkaMockCluster(std::move(handle)));
}

std::string KafkaMockCluster::brokers() const { return rd_kafka_mock_cluster_bootstraps(handle_->cluster); }

Status KafkaMockCluster::CreateTopic(const std::string& topic, int partitions) {
  rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(handle_->cluster, topic.c_str(), partitions, 1);
  return err == RD_KAFKA_RESP_ERR_NO_ERROR ? OkStatus() : KafkaError("cannot create topic " + topic, err);
}

}  // namespace weir
