// The web UI's files (src/server/ui/, embedded at build time): `/` answers
// index.html and /ui/{asset} one of the other files by its exact name.
// Nothing is read from disk, so no path can reach outside the embedded
// set: a name that is not in it (`..`, a folder, a typo) is a 404.
#include "server/internal/handlers.h"

namespace weir::server_internal {
namespace {

std::string ContentTypeOf(const std::string& name) {
  auto ends_with = [&](std::string_view suffix) {
    return name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  if (ends_with(".html")) return "text/html; charset=utf-8";
  if (ends_with(".js")) return "text/javascript; charset=utf-8";
  if (ends_with(".css")) return "text/css; charset=utf-8";
  if (ends_with(".svg")) return "image/svg+xml";
  if (ends_with(".png")) return "image/png";
  return "application/octet-stream";
}

Result<HttpResponse> FileResponse(const std::string& name) {
  auto file = UiFiles().find(name);
  if (file == UiFiles().end()) {
    return UserError("not-found", "the web UI has no file '" + name + "'");
  }
  HttpResponse response;
  response.content_type = ContentTypeOf(name);
  response.body = std::string(file->second);
  // The files change with the binary, not by name: the browser checks
  // back each time instead of running a stale script after an upgrade.
  response.headers.emplace_back("Cache-Control", "no-cache");
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  if (name == "index.html") {
    // Scripts and styles from this server only: nothing inline, no other origin.
    response.headers.emplace_back("Content-Security-Policy",
                                  "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'");
  }
  return response;
}

}  // namespace

Result<HttpResponse> Home(const ApiCall&) { return FileResponse("index.html"); }

Result<HttpResponse> GetUiAsset(const ApiCall& call) { return FileResponse(call.params.at("asset")); }

}  // namespace weir::server_internal
