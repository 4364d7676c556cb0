// libFuzzer target for the request parsers of conductord that read from sockets: the control line
// protocol (host/conductord/ctl_protocol.hpp, both directions) and the metrics endpoint's HTTP
// request head (host/conductord/http.hpp). Any violated invariant aborts:
//   - parse_request() words are non-empty printable ASCII without blanks, at most kMaxWords, and
//     joining them with single spaces parses to the same words;
//   - format_response() of any body parses back (parse_response) to the same body with a final LF;
//     of any error message to its code and the message's first line;
//   - parse_response() of arbitrary bytes never crashes;
//   - parse_http_request() accepts only heads whose target starts with '/' and whose version is
//     HTTP/1.0 or 1.1; http_head_end() points inside the input, just after an empty line.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "host/conductord/ctl_protocol.hpp"
#include "host/conductord/http.hpp"

namespace {

[[noreturn]] void fail(const char* what, std::string_view input) {
  std::fprintf(stderr, "fuzz_conductord_requests: invariant violated: %s\ninput: %.*s\n", what,
               static_cast<int>(input.size()), input.data());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace conductor;
  using namespace conductor::daemon;
  const std::string_view in(reinterpret_cast<const char*>(data), size);

  // Control requests: the line up to the first LF, as the server cuts it.
  std::string_view line = in.substr(0, in.find('\n'));
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (auto words = parse_request(line)) {
    if (words->empty() || words->size() > kMaxWords) fail("word count", in);
    std::string joined;
    for (const std::string& w : *words) {
      if (w.empty()) fail("empty word", in);
      for (char c : w)
        if (c <= 0x20 || c >= 0x7F) fail("word byte", in);
      joined += (joined.empty() ? "" : " ") + w;
    }
    auto again = parse_request(joined);
    if (!again || *again != *words) fail("words do not round-trip", in);
  }

  // Responses: any body, any error message.
  {
    const std::string body(in);
    auto r = parse_response(format_response(Expected<std::string>(body)));
    if (!r || !r->ok) fail("ok response does not parse", in);
    std::string want = body;
    if (!want.empty() && want.back() != '\n') want += '\n';
    if (r->body != want) fail("body does not round-trip", in);
    auto e = parse_response(format_response(Error{Errc::kIo, body}));
    if (!e || e->ok || e->code != Errc::kIo) fail("error response does not parse", in);
    std::string first = body.substr(0, body.find('\n'));
    for (char& c : first)
      if (c == '\r') c = ' ';
    if (e->message != first) fail("error message does not round-trip", in);
    (void)parse_response(in);
  }

  // HTTP.
  const size_t end = http_head_end(in);
  if (end != std::string_view::npos) {
    if (end > in.size() || in[end - 1] != '\n') fail("head end", in);
  }
  if (auto req = parse_http_request(in.substr(0, end == std::string_view::npos ? in.size() : end))) {
    if (req->target.empty() || req->target[0] != '/') fail("target", in);
    if (req->version != "HTTP/1.0" && req->version != "HTTP/1.1") fail("version", in);
    if (req->method.empty()) fail("method", in);
  }
  return 0;
}
