#include "host/conductord/http.hpp"

namespace conductor::daemon {

namespace {

Error bad(std::string why) { return make_error(Errc::kInvalidArgument, std::move(why)); }

bool is_token_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '.' || c == '!' || c == '#' || c == '$' || c == '%' || c == '&' || c == '\'' || c == '*' || c == '+' ||
         c == '^' || c == '`' || c == '|' || c == '~';
}

std::string_view reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 431:
      return "Request Header Fields Too Large";
    case 503:
      return "Service Unavailable";
  }
  return "Error";
}

}  // namespace

size_t http_head_end(std::string_view b) {
  for (size_t i = 0; i < b.size(); ++i) {
    if (b[i] != '\n') continue;
    if (i + 1 < b.size() && b[i + 1] == '\n') return i + 2;
    if (i + 2 < b.size() && b[i + 1] == '\r' && b[i + 2] == '\n') return i + 3;
  }
  return std::string_view::npos;
}

Expected<HttpRequest> parse_http_request(std::string_view head) {
  if (head.size() > kMaxHttpRequestBytes)
    return bad("request head larger than " + std::to_string(kMaxHttpRequestBytes) + " bytes");
  const size_t eol = head.find('\n');
  if (eol == std::string_view::npos) return bad("no end of the request line");
  std::string_view line = head.substr(0, eol);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  HttpRequest r;
  const size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos || sp1 == 0) return bad("request line without a method");
  r.method = std::string(line.substr(0, sp1));
  for (char c : r.method)
    if (!is_token_char(c)) return bad("method has a character that is not allowed");
  const size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || sp2 == sp1 + 1) return bad("request line without a target and version");
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = line.substr(sp2 + 1);
  if (target.empty() || target[0] != '/') return bad("target is not an absolute path");
  for (char c : target)
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7F)
      return bad("target has a control or non-ASCII byte");
  if (version != "HTTP/1.0" && version != "HTTP/1.1") return bad("version is not HTTP/1.0 or HTTP/1.1");
  const size_t q = target.find('?');
  r.target = std::string(target.substr(0, q));
  r.version = std::string(version);
  // Header lines: "name: value", no control characters; contents are not used.
  size_t pos = eol + 1;
  while (pos < head.size()) {
    size_t e = head.find('\n', pos);
    if (e == std::string_view::npos) return bad("header line without an end");
    std::string_view h = head.substr(pos, e - pos);
    if (!h.empty() && h.back() == '\r') h.remove_suffix(1);
    pos = e + 1;
    if (h.empty()) break;
    const size_t colon = h.find(':');
    if (colon == std::string_view::npos || colon == 0) return bad("header line without a name and ':'");
    for (size_t i = 0; i < colon; ++i)
      if (!is_token_char(h[i])) return bad("header name has a character that is not allowed");
    for (char c : h.substr(colon + 1))
      if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7F)
        return bad("header value has a control character");
  }
  return r;
}

std::string http_response(int status, std::string_view content_type, std::string_view body) {
  std::string out = "HTTP/1.0 " + std::to_string(status) + " " + std::string(reason(status)) + "\r\n";
  out += "Content-Type: " + std::string(content_type) + "\r\n";
  out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  out += "Connection: close\r\n\r\n";
  out.append(body);
  return out;
}

}  // namespace conductor::daemon
