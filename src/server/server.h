// Server: the HTTP side of `weir serve`. A JSON REST API under /api/v1
// over the state store (pipelines, runs, task instances, logs, and the
// actions trigger, cancel, clear, mark, pause), /healthz and /readyz,
// Prometheus metrics at /metrics, and the API's OpenAPI document at
// /api/v1/openapi.json (docs/api.md), and the web UI at / (src/server/ui,
// docs/ui.md); also MetricsEndpoint, /metrics alone for `weir stream`.
//
// The server reads and writes only through the StateStore and
// engine/run_control.h, as the CLI does, and asks the scheduler (which
// runs in the same process) through SchedulerView. Every change made
// through it is recorded in the state store's audit trail.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "config/config.h"
#include "graph/graph.h"
#include "state/state.h"

namespace weir {

// What the server needs of the scheduler running beside it: `weir serve`
// implements it over cli's Scheduler, tests with a fake. Thread-safe.
class SchedulerView {
 public:
  virtual ~SchedulerView() = default;
  // When the scheduler's latest tick ended; none before the first.
  virtual std::optional<TimePoint> LastTick() const = 0;
  virtual int64_t Ticks() const = 0;
  virtual std::chrono::milliseconds Poll() const = 0;
  // Asks for a queued or running run to be cancelled; returns at once.
  virtual void Cancel(RunId run) = 0;
};

// What the request handlers read and write. Nothing is owned: all of it
// outlives the server.
struct ServerContext {
  const ProjectDef* project = nullptr;         // required
  std::vector<const PipelineGraph*> graphs;    // one per pipeline of `project`
  StateStore* store = nullptr;                 // required; thread-safe
  Clock* clock = nullptr;                      // required
  SchedulerView* scheduler = nullptr;          // none: cancel is refused and /readyz asks only the store
  std::string who = "api";                     // who the audit trail records (users come later)
};

struct ServerOptions {
  std::string host = "127.0.0.1";  // the address to listen on
  int port = 8080;                 // 0: any free port (port() tells which)
  int threads = 8;                 // requests answered at once
};

// An HTTP server answering on a thread pool of its own until Stop() or
// destruction. Thread-safe.
class Server {
 public:
  // Binds host:port and starts answering. UserError "cannot-listen" when
  // the address cannot be bound (in use, not local, bad host).
  static Result<std::unique_ptr<Server>> Start(ServerContext context, ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  int port() const;
  // "http://127.0.0.1:8080"
  std::string url() const;
  // Stops answering and waits for requests in flight; idempotent.
  void Stop();

  struct Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// /metrics (and /healthz) alone, for a process that is not `weir serve`
// (`weir stream --metrics-port`): each request answers `render()`'s
// Prometheus text, called on the endpoint's threads (so it must be
// thread-safe). Stops answering when destroyed.
class MetricsEndpoint {
 public:
  // UserError "cannot-listen" when host:port cannot be bound; port 0 picks
  // a free one.
  static Result<std::unique_ptr<MetricsEndpoint>> Start(const std::string& host, int port,
                                                        std::function<std::string()> render);
  ~MetricsEndpoint();
  MetricsEndpoint(const MetricsEndpoint&) = delete;
  MetricsEndpoint& operator=(const MetricsEndpoint&) = delete;

  int port() const;
  std::string url() const;  // "http://127.0.0.1:9100/metrics"

  struct Impl;

 private:
  explicit MetricsEndpoint(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace weir
