// The socket side of the server: cpp-httplib (included here and nowhere
// else, it is heavy) listening on host:port, every request handed to Api.
#include <httplib.h>
#include <sys/socket.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <thread>

#include "server/internal/api.h"

namespace weir {

using server_internal::Api;
using server_internal::HttpRequest;
using server_internal::HttpResponse;

struct Server::Impl {
  Impl(ServerContext context, ServerOptions options) : api(std::move(context)), options(std::move(options)) {}

  Api api;
  ServerOptions options;
  httplib::Server http;
  int port = 0;
  std::thread listener;
  std::atomic<bool> listener_ended{false};
  std::once_flag stopped;
};

namespace {

HttpRequest RequestOf(const httplib::Request& req) {
  HttpRequest request;
  request.method = req.method;
  request.path = req.path;
  for (const auto& [name, value] : req.params) request.query.emplace(name, value);
  request.body = req.body;
  return request;
}

void Write(const HttpResponse& response, httplib::Response& res) {
  res.status = response.status;
  for (const auto& [name, value] : response.headers) res.set_header(name, value);
  if (response.status != 204) res.set_content(response.body, response.content_type);
}

// httplib answers some requests itself before any handler (a body over
// the limit: 413; a malformed request: 400); their bodies are JSON errors
// too. A TRACE or CONNECT, which httplib routes nowhere, goes to the API,
// which answers 405 or 404 as for any other method.
httplib::Server::HandlerResponse OwnErrors(Api& api, const httplib::Request& req, httplib::Response& res) {
  if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;  // the API's own answer
  if (res.status == 400 && (req.method == "TRACE" || req.method == "CONNECT")) {
    Write(api.Handle(RequestOf(req)), res);
    return httplib::Server::HandlerResponse::Handled;
  }
  HttpResponse error =
      res.status == 413 ? server_internal::ErrorResponse(413, "payload-too-large",
                                                         "request bodies are limited to " +
                                                             std::to_string(server_internal::kMaxBodyBytes) + " bytes")
                        : server_internal::ErrorResponse(res.status, "bad-request", "the request could not be read");
  api.CountResponse(res.status);
  Write(error, res);
  return httplib::Server::HandlerResponse::Handled;
}

}  // namespace

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { Stop(); }

Result<std::unique_ptr<Server>> Server::Start(ServerContext context, ServerOptions options) {
  auto impl = std::make_unique<Impl>(std::move(context), std::move(options));
  Impl& s = *impl;
  int threads = std::max(1, s.options.threads);
  s.http.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  s.http.set_payload_max_length(server_internal::kMaxBodyBytes);
  s.http.set_keep_alive_timeout(2);  // an idle connection holds Stop() at most this long
  // SO_REUSEADDR only: httplib's default adds SO_REUSEPORT, with which a
  // second `weir serve` on the same port would share its traffic instead
  // of being refused.
  s.http.set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  auto handle = [&s](const httplib::Request& req, httplib::Response& res) { Write(s.api.Handle(RequestOf(req)), res); };
  s.http.Get(".*", handle).Post(".*", handle).Put(".*", handle).Patch(".*", handle).Delete(".*", handle);
  s.http.Options(".*", handle);
  s.http.set_error_handler(httplib::Server::HandlerWithResponse(
      [&s](const httplib::Request& req, httplib::Response& res) { return OwnErrors(s.api, req, res); }));
  errno = 0;
  s.port = s.options.port == 0 ? s.http.bind_to_any_port(s.options.host)
                               : (s.http.bind_to_port(s.options.host, s.options.port) ? s.options.port : -1);
  if (s.port <= 0) {
    std::string why = errno != 0 ? std::strerror(errno) : "the address is not available";
    return UserError("cannot-listen", "cannot listen on " + s.options.host + ":" + std::to_string(s.options.port) +
                                          ": " + why);
  }
  s.listener = std::thread([&s] {
    s.http.listen_after_bind();
    s.listener_ended = true;
  });
  // httplib's stop() does nothing before its loop runs: wait for the loop,
  // so that a Stop() right after Start() is never lost.
  while (!s.http.is_running() && !s.listener_ended) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

int Server::port() const { return impl_->port; }

std::string Server::url() const {
  const std::string& host = impl_->options.host;
  bool ipv6 = host.find(':') != std::string::npos;
  return "http://" + (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(impl_->port);
}

void Server::Stop() {
  std::call_once(impl_->stopped, [this] {
    impl_->http.stop();
    if (impl_->listener.joinable()) impl_->listener.join();
  });
}

}  // namespace weir
