// What the stream tests share: reading back everything a topic holds, and
// the exit code of a `weir stream` run as a process.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

#include "connectors/connectors.h"

namespace weir {

// Every message of `topic`, from the start of each partition, read until
// three seconds have passed (the mock cluster answers at once on loopback).
inline std::vector<KafkaMessage> ReadWholeTopic(const KafkaSettings& settings, const std::string& topic) {
  auto consumer = KafkaConsumer::OpenUnsubscribed(settings, "reader", "earliest");
  EXPECT_TRUE(consumer.ok());
  if (!consumer.ok()) return {};
  auto count = (*consumer)->PartitionCount(topic, std::chrono::seconds(5));
  EXPECT_TRUE(count.ok());
  std::vector<KafkaPosition> all;
  for (int32_t p = 0; count.ok() && p < *count; ++p) all.push_back({topic, p, 0});
  EXPECT_TRUE((*consumer)->Assign(all).ok());
  std::vector<KafkaMessage> out;
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (std::chrono::steady_clock::now() < until) {
    auto batch = (*consumer)->Poll(1000, std::chrono::milliseconds(200));
    if (!batch.ok()) break;
    for (KafkaMessage& m : *batch) out.push_back(std::move(m));
  }
  return out;
}

// The exit code of a shell command; 128 + the signal when one ended it.
inline int ExitCodeOf(const std::string& command) {
  int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace weir
