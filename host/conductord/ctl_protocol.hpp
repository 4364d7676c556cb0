// The conductorctl line protocol on the control socket (docs/conductord.md, "Control protocol").
//
// Request: one line of at most kMaxRequestBytes bytes ending in LF (CR LF accepted): words of
// printable ASCII separated by spaces or tabs, at most kMaxWords words. Response: the command's text
// (any number of lines, each ending in LF), then one status line, always the last line: "OK" or "ERR <code> <message>" where code is one of invalid-argument, not-found, io,
// corrupt, unsupported. The server closes the connection after the status line (one request per
// connection).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "host/common/status.hpp"

namespace conductor::daemon {

inline constexpr size_t kMaxRequestBytes = 1024;
inline constexpr size_t kMaxWords = 16;
inline constexpr size_t kMaxResponseBytes = 1 << 20;

// The words of one request line (without its line end). Rejects empty lines, control characters,
// non-ASCII bytes, too many words and too long lines with a message saying which.
Expected<std::vector<std::string>> parse_request(std::string_view line);

// The response bytes: the body (a final LF added when missing), then the status line. An error's
// message goes to the status line up to its first LF; the lines after it are the body (so a
// failed `show distribution verification` lists every difference).
std::string format_response(const Expected<std::string>& result);

// Client side: splits a complete response into body and status. Errors: the status line is
// missing or malformed (kCorrupt). On "ERR", the returned Error carries the code and message.
struct Response {
  std::string body;
  bool ok = false;
  Errc code = Errc::kInvalidArgument;
  std::string message;
};
Expected<Response> parse_response(std::string_view bytes);

}  // namespace conductor::daemon
