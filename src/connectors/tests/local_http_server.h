// LocalHttpServer: a scripted HTTP/1.1 server on 127.0.0.1 for tests, on a
// port the kernel picks. Each path answers with its scripted replies in
// order, the last one repeating, or with what its handler computes from the
// request (an API's pages); an unscripted path answers 404. Every request
// is recorded. One thread serves one connection at a time and closes it
// after the reply; a delayed reply is dropped when the client hangs up
// first (a request timeout), so that the next request is served at once.
// Thread-safe; stopped by the destructor.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace weir::testing {

class LocalHttpServer {
 public:
  using Headers = std::vector<std::pair<std::string, std::string>>;

  struct Reply {
    int status = 200;
    std::string body;
    Headers headers;                       // besides Content-Length and Connection
    std::chrono::milliseconds delay{0};    // before answering
    // Faults: reset the connection without answering, or close it after
    // the headers and this many bytes of the body (Content-Length promised
    // more).
    bool hang_up = false;
    std::optional<size_t> cut_body_at;
  };

  struct Request {
    std::string method;
    std::string target;   // path and query, as sent
    std::string path;     // without the query
    Headers headers;      // names lower-cased
    std::string body;

    std::string Header(const std::string& lower_case_name) const;
  };

  LocalHttpServer();
  ~LocalHttpServer();
  LocalHttpServer(const LocalHttpServer&) = delete;
  LocalHttpServer& operator=(const LocalHttpServer&) = delete;

  int port() const { return port_; }
  // "http://127.0.0.1:PORT" + path
  std::string Url(const std::string& path) const;

  void Script(const std::string& path, std::vector<Reply> replies);
  // Every request to `path` is answered by `handler` (called on the
  // server's thread, one request at a time).
  void Handle(const std::string& path, std::function<Reply(const Request&)> handler);
  std::vector<Request> requests() const;
  int RequestCount(const std::string& path) const;

 private:
  void Serve();
  void Answer(int connection);
  bool WaitOrStop(std::chrono::milliseconds delay, int connection);
  void Send(int connection, const Request& request, const Reply& reply);

  int listener_ = -1;
  int stop_pipe_[2] = {-1, -1};
  int port_ = 0;
  mutable std::mutex mu_;
  std::map<std::string, std::vector<Reply>> scripts_;
  std::map<std::string, std::function<Reply(const Request&)>> handlers_;
  std::map<std::string, size_t> served_;
  std::vector<Request> requests_;
  std::thread thread_;
};

}  // namespace weir::testing
