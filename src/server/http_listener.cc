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

// Binds host:port (0: any free port) with SO_REUSEADDR only (httplib's
// default adds SO_REUSEPORT, with which a second process on the same port
// would share its traffic instead of being refused) and starts answering
// on `listener`; returns the port.
Result<int> BindAndListen(httplib::Server& http, const std::string& host, int port, std::thread& listener,
                          std::atomic<bool>& listener_ended) {
  http.set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  errno = 0;
  int bound = port == 0 ? http.bind_to_any_port(host) : (http.bind_to_port(host, port) ? port : -1);
  if (bound <= 0) {
    std::string why = errno != 0 ? std::strerror(errno) : "the address is not available";
    return UserError("cannot-listen", "cannot listen on " + host + ":" + std::to_string(port) + ": " + why);
  }
  listener = std::thread([&http, &listener_ended] {
    http.listen_after_bind();
    listener_ended = true;
  });
  // httplib's stop() does nothing before its loop runs: wait for the loop,
  // so that a stop right after the start is never lost.
  while (!http.is_running() && !listener_ended) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return bound;
}

std::string UrlOf(const std::string& host, int port) {
  bool ipv6 = host.find(':') != std::string::npos;
  return "http://" + (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
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
  auto handle = [&s](const httplib::Request& req, httplib::Response& res) { Write(s.api.Handle(RequestOf(req)), res); };
  s.http.Get(".*", handle).Post(".*", handle).Put(".*", handle).Patch(".*", handle).Delete(".*", handle);
  s.http.Options(".*", handle);
  s.http.set_error_handler(httplib::Server::HandlerWithResponse(
      [&s](const httplib::Request& req, httplib::Response& res) { return OwnErrors(s.api, req, res); }));
  WEIR_ASSIGN_OR_RETURN(s.port, BindAndListen(s.http, s.options.host, s.options.port, s.listener, s.listener_ended));
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

int Server::port() const { return impl_->port; }

std::string Server::url() const { return UrlOf(impl_->options.host, impl_->port); }

void Server::Stop() {
  std::call_once(impl_->stopped, [this] {
    impl_->http.stop();
    if (impl_->listener.joinable()) impl_->listener.join();
  });
}

struct MetricsEndpoint::Impl {
  std::string host;
  int port = 0;
  std::function<std::string()> render;
  httplib::Server http;
  std::thread listener;
  std::atomic<bool> listener_ended{false};
};

Result<std::unique_ptr<MetricsEndpoint>> MetricsEndpoint::Start(const std::string& host, int port,
                                                                 std::function<std::string()> render) {
  auto impl = std::make_unique<Impl>();
  Impl& e = *impl;
  e.host = host;
  e.render = std::move(render);
  e.http.new_task_queue = [] { return new httplib::ThreadPool(2); };
  e.http.set_keep_alive_timeout(2);
  e.http.Get("/metrics", [&e](const httplib::Request&, httplib::Response& res) {
    res.set_content(e.render(), "text/plain; version=0.0.4; charset=utf-8");
  });
  e.http.Get("/healthz", [](const httplib::Request&, httplib::Response& res) { res.set_content("ok\n", "text/plain"); });
  WEIR_ASSIGN_OR_RETURN(e.port, BindAndListen(e.http, host, port, e.listener, e.listener_ended));
  return std::unique_ptr<MetricsEndpoint>(new MetricsEndpoint(std::move(impl)));
}

MetricsEndpoint::MetricsEndpoint(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

MetricsEndpoint::~MetricsEndpoint() {
  impl_->http.stop();
  if (impl_->listener.joinable()) impl_->listener.join();
}

int MetricsEndpoint::port() const { return impl_->port; }

std::string MetricsEndpoint::url() const { return UrlOf(impl_->host, impl_->port) + "/metrics"; }

}  // namespace weir
