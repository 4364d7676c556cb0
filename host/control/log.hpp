// Structured logs: one JSON object per line (on stderr unless told otherwise).
//   {"ts":"2026-11-22T03:04:05.123Z","level":"info","component":"election","event":"become-master","vrid":"10"}
// Field values are JSON strings (written with nlohmann-json; a field named twice keeps its last
// value). Messages less severe than the level are dropped (and not counted).
#pragma once

#include <cstdio>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "host/config/cluster_config.hpp"

namespace conductor::control {

class Logger {
 public:
  using Fields = std::vector<std::pair<std::string, std::string>>;

  explicit Logger(std::FILE* out = stderr, config::LogLevel level = config::LogLevel::kInfo)
      : out_(out), level_(level) {}

  void set_level(config::LogLevel l) { level_ = l; }
  config::LogLevel level() const { return level_; }
  bool enabled(config::LogLevel l) const { return static_cast<int>(l) <= static_cast<int>(level_); }

  void log(config::LogLevel level, std::string_view component, std::string_view event, Fields fields = {});
  void error(std::string_view component, std::string_view event, Fields fields = {}) {
    log(config::LogLevel::kError, component, event, std::move(fields));
  }
  void warn(std::string_view component, std::string_view event, Fields fields = {}) {
    log(config::LogLevel::kWarn, component, event, std::move(fields));
  }
  void info(std::string_view component, std::string_view event, Fields fields = {}) {
    log(config::LogLevel::kInfo, component, event, std::move(fields));
  }
  void debug(std::string_view component, std::string_view event, Fields fields = {}) {
    log(config::LogLevel::kDebug, component, event, std::move(fields));
  }

  // Lines written so far per level (error, warn, info, debug, trace): for the metrics.
  uint64_t lines(config::LogLevel l) const { return lines_[static_cast<int>(l)]; }

  // One JSON line (without the newline): exposed for tests.
  static std::string format(std::string_view ts, config::LogLevel level, std::string_view component,
                            std::string_view event, const Fields& fields);

 private:
  std::FILE* out_;
  config::LogLevel level_;
  uint64_t lines_[5] = {};
};

}  // namespace conductor::control
