// The minimal HTTP/1.0 server behind `[control] metrics`: GET /metrics answers the Prometheus text
// exposition, any other path 404, any other method 405, a malformed request 400 and a request head
// larger than kMaxHttpRequestBytes 431. One request per connection, then the server closes it.
#pragma once

#include <string>
#include <string_view>

#include "host/common/status.hpp"

namespace conductor::daemon {

inline constexpr size_t kMaxHttpRequestBytes = 8192;

struct HttpRequest {
  std::string method;
  std::string target;   // the path without a query ("/metrics")
  std::string version;  // "HTTP/1.0", "HTTP/1.1"
};

// Parses a request head (the request line and header lines, up to and including the empty line;
// LF or CR LF). kInvalidArgument with a reason for anything malformed.
Expected<HttpRequest> parse_http_request(std::string_view head);

// Where the head ends (the index after the empty line), or npos when it is not complete yet.
size_t http_head_end(std::string_view buffered);

// A complete HTTP/1.0 response with Content-Length and Connection: close.
std::string http_response(int status, std::string_view content_type, std::string_view body);

}  // namespace conductor::daemon
