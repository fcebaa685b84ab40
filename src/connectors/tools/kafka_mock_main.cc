// weir-kafka-mock TOPIC:PARTITIONS...
//
// librdkafka's mock cluster as a process, for benchmarks and tests that
// drive weir and other clients from outside: creates the topics, prints
// the bootstrap address on a line of its own, and serves until its stdin
// closes (or it is killed).
#include <cstdio>
#include <iostream>
#include <string>

#include "connectors/connectors.h"

int main(int argc, char** argv) {
  auto cluster = weir::KafkaMockCluster::Start(1);
  if (!cluster.ok()) {
    std::fprintf(stderr, "%s\n", cluster.status().ToString().c_str());
    return 1;
  }
  for (int i = 1; i < argc; ++i) {
    std::string spec = argv[i];
    size_t colon = spec.rfind(':');
    int partitions = colon == std::string::npos ? 1 : std::atoi(spec.c_str() + colon + 1);
    weir::Status s = (*cluster)->CreateTopic(spec.substr(0, colon), partitions < 1 ? 1 : partitions);
    if (!s.ok()) {
      std::fprintf(stderr, "%s\n", s.ToString().c_str());
      return 1;
    }
  }
  std::printf("%s\n", (*cluster)->brokers().c_str());
  std::fflush(stdout);
  std::string line;
  while (std::getline(std::cin, line)) {
  }
  return 0;
}
