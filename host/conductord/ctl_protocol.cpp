#include "host/conductord/ctl_protocol.hpp"

namespace conductor::daemon {

Expected<std::vector<std::string>> parse_request(std::string_view line) {
  if (line.size() > kMaxRequestBytes)
    return make_error(Errc::kInvalidArgument, "request longer than " + std::to_string(kMaxRequestBytes) + " bytes");
  std::vector<std::string> words;
  std::string cur;
  for (size_t i = 0; i < line.size(); ++i) {
    const auto c = static_cast<unsigned char>(line[i]);
    if (c == ' ' || c == '\t') {
      if (!cur.empty()) words.push_back(std::move(cur));
      cur.clear();
      continue;
    }
    if (c < 0x20 || c >= 0x7F)
      return make_error(Errc::kInvalidArgument, "request byte " + std::to_string(i) + " is not printable ASCII (" +
                                                    std::to_string(static_cast<unsigned>(c)) + ")");
    cur += static_cast<char>(c);
    if (words.size() >= kMaxWords)
      return make_error(Errc::kInvalidArgument, "more than " + std::to_string(kMaxWords) + " words");
  }
  if (!cur.empty()) words.push_back(std::move(cur));
  if (words.empty()) return make_error(Errc::kInvalidArgument, "empty request (try: help)");
  return words;
}

std::string format_response(const Expected<std::string>& result) {
  std::string out;
  if (result.ok()) {
    const std::string& body = *result;
    size_t start = 0;
    while (start < body.size()) {
      size_t nl = body.find('\n', start);
      std::string_view line(body.data() + start, (nl == std::string::npos ? body.size() : nl) - start);
      out.append(line);
      out += '\n';
      if (nl == std::string::npos) break;
      start = nl + 1;
    }
    out += "OK\n";
  } else {
    // The first line of the message is the status line's; further lines are the body.
    const std::string& msg = result.error().message;
    const size_t nl = msg.find('\n');
    std::string first = msg.substr(0, nl);
    for (char& c : first)
      if (c == '\r') c = ' ';
    if (nl != std::string::npos && nl + 1 < msg.size()) {
      out += msg.substr(nl + 1);
      if (out.back() != '\n') out += '\n';
    }
    out += "ERR " + std::string(errc_name(result.error().code)) + " " + first + "\n";
  }
  return out;
}

Expected<Response> parse_response(std::string_view bytes) {
  if (bytes.empty() || bytes.back() != '\n')
    return make_error(Errc::kCorrupt, "the response ends without a status line (connection closed early?)");
  // The status line is the last line.
  const size_t end = bytes.size() - 1;
  const size_t prev = bytes.rfind('\n', end == 0 ? 0 : end - 1);
  const size_t start = (prev == std::string_view::npos || end == 0) ? 0 : prev + 1;
  std::string_view status = bytes.substr(start, end - start);
  Response r;
  std::string_view body = bytes.substr(0, start);
  size_t pos = 0;
  while (pos < body.size()) {
    size_t nl = body.find('\n', pos);
    std::string_view line = body.substr(pos, nl - pos + 1);
    r.body.append(line);
    pos = nl + 1;
  }
  if (status == "OK") {
    r.ok = true;
    return r;
  }
  if (status.substr(0, 4) != "ERR ")
    return make_error(Errc::kCorrupt, "malformed status line '" + std::string(status) + "'");
  std::string_view rest = status.substr(4);
  const size_t sp = rest.find(' ');
  std::string_view code = rest.substr(0, sp);
  r.message = sp == std::string_view::npos ? "" : std::string(rest.substr(sp + 1));
  bool known = false;
  for (Errc c : {Errc::kInvalidArgument, Errc::kNotFound, Errc::kIo, Errc::kCorrupt, Errc::kUnsupported})
    if (errc_name(c) == code) {
      r.code = c;
      known = true;
    }
  if (!known) return make_error(Errc::kCorrupt, "unknown error code '" + std::string(code) + "' in the status line");
  return r;
}

}  // namespace conductor::daemon
