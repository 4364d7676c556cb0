#include "host/control/log.hpp"

#include <chrono>
#include <ctime>

#include <nlohmann/json.hpp>

namespace conductor::control {

std::string Logger::format(std::string_view ts, config::LogLevel level, std::string_view component,
                           std::string_view event, const Fields& fields) {
  nlohmann::ordered_json line = {
      {"ts", ts}, {"level", config::log_level_name(level)}, {"component", component}, {"event", event}};
  for (const auto& [k, v] : fields) line[k] = v;
  // Field values can come from a control-socket client: bytes that are not UTF-8 become U+FFFD
  // instead of an exception.
  return line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
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

}  // namespace conductor::control
