// Small text helpers shared by the configuration parser's files (internal).
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace conductor::config {

inline std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// 'text' for messages: bytes outside printable ASCII as \xNN, long text cut to 40 characters with
// "...", so a message about any input stays short and printable.
inline std::string quote(std::string_view s) {
  constexpr size_t kMax = 40;
  std::string out = "'";
  size_t shown = 0;
  for (char c : s) {
    if (shown == kMax) {
      out += "...";
      break;
    }
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f) {
      out += c;
    } else {
      char buf[5];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      out += buf;
    }
    ++shown;
  }
  out += "'";
  return out;
}

}  // namespace conductor::config
