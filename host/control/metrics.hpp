// Counters and gauges in the Prometheus text exposition format 0.0.4. Names follow Prometheus
// conventions (conductord_* with _total for counters); each (name, labels) pair is one series, and
// every series of a name shares its HELP and TYPE. References returned by counter()/gauge() stay
// valid for the registry's life.
//
//   Counter& c = metrics.counter("conductord_ctl_requests_total", "Control requests", {{"result", "ok"}});
//   c.inc();
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace conductor::control {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void inc(uint64_t n = 1) { value_ += n; }
  uint64_t value() const { return value_; }

 private:
  uint64_t value_ = 0;
};

class Gauge {
 public:
  void set(double v) { value_ = v; }
  double value() const { return value_; }

 private:
  double value_ = 0;
};

class Metrics {
 public:
  // The same name and labels give the same series. A name is either a counter or a gauge: asking
  // for the other kind asserts.
  Counter& counter(std::string name, std::string help, Labels labels = {});
  Gauge& gauge(std::string name, std::string help, Labels labels = {});
  // nullptr when the series does not exist.
  const Counter* find_counter(const std::string& name, const Labels& labels = {}) const;
  const Gauge* find_gauge(const std::string& name, const Labels& labels = {}) const;

  std::string exposition() const;

 private:
  struct Family {
    std::string help;
    bool is_counter = true;
    std::map<Labels, std::unique_ptr<Counter>> counters;
    std::map<Labels, std::unique_ptr<Gauge>> gauges;
  };
  std::map<std::string, Family> families_;
};

}  // namespace conductor::control
