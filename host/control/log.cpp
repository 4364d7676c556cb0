#include "host/control/log.hpp"

#include <chrono>
#include <ctime>

namespace conductor::daemon {

std::string Logger::json_string(std::string_view s) {
  std::string o = "\"";
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': o += "\\\""; break;
      case '\\': o += "\\\\"; break;
      case '\n': o += "\\n"; break;
      case '\r': o += "\\r"; break;
      case '\t': o += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7F) {
          char b[8];
          std::snprintf(b, sizeof b, "\\u%04x", c);
          o += b;
        } else {
          o += ch;
        }
    }
  }
  return o + "\"";
}

std::string Logger::format(std::string_view ts, config::LogLevel level, std::string_view component, std::string_view event,
                           const Fields& fields) {
  std::string line = "{\"ts\":" + json_string(ts) + ",\"level\":" + json_string(config::log_level_name(level)) +
                     ",\"component\":" + json_string(component) + ",\"event\":" + json_string(event);
  for (const auto& [k, v] : fields) line += "," + json_string(k) + ":" + json_string(v);
  return line + "}";
}

void Logger::log(config::LogLevel level, std::string_view component, std::string_view event, Fields fields) {
  if (!enabled(level)) return;
  ++lines_[static_cast<int>(level)];
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char ts[40];
  std::snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  const std::string line = format(ts, level, component, event, fields) + "\n";
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fflush(out_);
}

}  // namespace conductor::daemon
