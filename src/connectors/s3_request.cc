// How a call to the object store becomes a signed HTTP request: the
// endpoint and addressing, AWS's URI encoding, the canonical query, and the
// headers libcurl's Signature V4 needs.
#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <ctime>

#include "connectors/internal/s3_client.h"

namespace weir::s3 {
namespace {

// SHA-256 of nothing: the payload hash of a request without a body.
constexpr std::string_view kEmptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

bool IsUnreserved(unsigned char c) {
  return std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

// S3's bucket names, and the older ones with capitals and underscores that
// path-style addressing still reaches. Anything else would alter the URL.
bool ValidBucket(std::string_view bucket) {
  if (bucket.size() < 3 || bucket.size() > 255) return false;
  return std::all_of(bucket.begin(), bucket.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '.' || c == '-' || c == '_';
  });
}

bool ValidRegion(std::string_view region) {
  return !region.empty() && std::all_of(region.begin(), region.end(), [](unsigned char c) {
    return std::islower(c) || std::isdigit(c) || c == '-';
  });
}

bool ValidHost(std::string_view host) {
  return !host.empty() && std::all_of(host.begin(), host.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '.' || c == '-' || c == ':' || c == '[' || c == ']';
  });
}

bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// "host:port" or "[v6]:port" without the port.
std::string_view HostName(std::string_view host) {
  if (!host.empty() && host.front() == '[') return host.substr(0, host.find(']') + 1);
  return host.substr(0, host.find(':'));
}

// "20130524T000000Z", the X-Amz-Date form.
std::string AmzDate(TimePoint when) {
  time_t t = std::chrono::system_clock::to_time_t(when);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y%m%dT%H%M%SZ", &utc);
  return text;
}

// The payload hash sent as x-amz-content-sha256, which libcurl 7.88 signs
// as given. A small body in memory (CompleteMultipartUpload's XML) is
// hashed, so that its content is signed; a request without a body signs the
// empty hash, as AWS's examples do. A streamed file goes UNSIGNED-PAYLOAD:
// its hash would cost a second full read of the file (or part) before the
// request could start, while TLS already protects it in transit on https,
// and S3 accepts unsigned payloads on every request.
std::string PayloadHash(const Call& call) {
  if (call.open_upload) return "UNSIGNED-PAYLOAD";
  if (!call.body.empty()) return Sha256Hex(call.body);
  return std::string(kEmptyPayloadHash);
}

}  // namespace

std::string UriEncode(std::string_view text, bool keep_slash) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (IsUnreserved(c) || (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string CanonicalQuery(QueryParameters parameters) {
  for (auto& [name, value] : parameters) {
    name = UriEncode(name, false);
    value = UriEncode(value, false);
  }
  std::sort(parameters.begin(), parameters.end());
  std::string query;
  for (const auto& [name, value] : parameters) {
    if (!query.empty()) query += '&';
    query += name + "=" + value;
  }
  return query;
}

std::string Sha256Hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr);
  static const char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 15];
  }
  return hex;
}

std::string ObjectName(std::string_view bucket, std::string_view key) {
  return "s3://" + std::string(bucket) + "/" + std::string(key);
}

Result<Target> ResolveTarget(const ObjectStoreOptions& options) {
  if (!ValidRegion(options.region)) {
    return UserError("s3-config", "the S3 region must be lower-case letters, digits and '-', not '" +
                                      options.region + "'");
  }
  if (!ValidBucket(options.bucket)) {
    return UserError("s3-config", "the S3 bucket must be 3 or more letters, digits, '.', '-' or '_', not '" +
                                      options.bucket + "'");
  }
  std::string endpoint = options.endpoint.empty() ? "https://s3." + options.region + ".amazonaws.com"
                                                  : options.endpoint;
  Target target;
  size_t scheme_end = endpoint.find("://");
  if (scheme_end != std::string::npos) target.scheme = endpoint.substr(0, scheme_end);
  std::transform(target.scheme.begin(), target.scheme.end(), target.scheme.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (target.scheme != "http" && target.scheme != "https") {
    return UserError("s3-config", "the S3 endpoint must start with http:// or https://, not '" + endpoint + "'");
  }
  target.host = endpoint.substr(scheme_end + 3);
  if (!target.host.empty() && target.host.back() == '/') target.host.pop_back();
  if (!ValidHost(target.host)) {
    return UserError("s3-config", "the S3 endpoint must be a scheme and a host[:port] with no path, not '" +
                                      endpoint + "'");
  }
  bool dotted_bucket = options.bucket.find('.') != std::string::npos;
  switch (options.addressing) {
    case ObjectStoreAddressing::kPathStyle:
      target.virtual_host = false;
      break;
    case ObjectStoreAddressing::kVirtualHost:
      target.virtual_host = true;
      break;
    case ObjectStoreAddressing::kAuto:
      target.virtual_host = EndsWith(HostName(target.host), ".amazonaws.com") && !dotted_bucket;
      break;
  }
  return target;
}

HttpRequest SignedRequest(const ObjectStoreOptions& options, const Target& target,
                          const ObjectStoreCredentials& credentials, const Call& call) {
  HttpRequest request;
  request.method = call.method;
  std::string key_path = "/" + UriEncode(call.key, true);
  if (target.virtual_host) {
    request.url = target.scheme + "://" + options.bucket + "." + target.host + key_path;
  } else {
    request.url = target.scheme + "://" + target.host + "/" + options.bucket + (call.key.empty() ? "" : key_path);
  }
  std::string query = CanonicalQuery(call.query);
  if (!query.empty()) request.url += "?" + query;

  request.headers.emplace_back("x-amz-content-sha256", PayloadHash(call));
  if (!credentials.session_token.empty()) request.headers.emplace_back("x-amz-security-token", credentials.session_token);
  if (options.signing_time) request.headers.emplace_back("x-amz-date", AmzDate(*options.signing_time));
  for (const auto& header : call.headers) request.headers.push_back(header);
  request.body = call.body;
  request.timeout = options.request_timeout;
  request.aws_sigv4 = HttpRequest::AwsSignature{"aws:amz:" + options.region + ":s3", credentials.access_key_id,
                                                credentials.secret_access_key};
  request.upload_bytes = call.upload_bytes;
  request.connect_to = options.connect_to;
  return request;
}

}  // namespace weir::s3
