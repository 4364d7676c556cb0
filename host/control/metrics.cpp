#include "host/control/metrics.hpp"

#include <cassert>
#include <cmath>
#include <cstdio>

namespace conductor::control {

namespace {

std::string escape_label(const std::string& v) {
  std::string o;
  for (char c : v) {
    if (c == '\\')
      o += "\\\\";
    else if (c == '"')
      o += "\\\"";
    else if (c == '\n')
      o += "\\n";
    else
      o += c;
  }
  return o;
}

std::string escape_help(const std::string& v) {
  std::string o;
  for (char c : v) {
    if (c == '\\')
      o += "\\\\";
    else if (c == '\n')
      o += "\\n";
    else
      o += c;
  }
  return o;
}

std::string series(const std::string& name, const Labels& labels) {
  if (labels.empty()) return name;
  std::string s = name + "{";
  for (size_t i = 0; i < labels.size(); ++i)
    s += (i ? "," : "") + labels[i].first + "=\"" + escape_label(labels[i].second) + "\"";
  return s + "}";
}

std::string format_double(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char b[48];
  if (v == std::floor(v) && std::fabs(v) < 1e15)
    std::snprintf(b, sizeof b, "%.0f", v);
  else
    std::snprintf(b, sizeof b, "%.17g", v);
  return b;
}

}  // namespace

Counter& Metrics::counter(std::string name, std::string help, Labels labels) {
  Family& f = families_[name];
  if (f.help.empty()) {
    f.help = std::move(help);
    f.is_counter = true;
  }
  assert(f.is_counter && f.gauges.empty());
  auto& slot = f.counters[labels];
  if (!slot) slot = std::make_unique<Counter>();
  return *slot;
}

Gauge& Metrics::gauge(std::string name, std::string help, Labels labels) {
  Family& f = families_[name];
  if (f.help.empty()) {
    f.help = std::move(help);
    f.is_counter = false;
  }
  assert(!f.is_counter || f.counters.empty());
  f.is_counter = false;
  auto& slot = f.gauges[labels];
  if (!slot) slot = std::make_unique<Gauge>();
  return *slot;
}

const Counter* Metrics::find_counter(const std::string& name, const Labels& labels) const {
  auto f = families_.find(name);
  if (f == families_.end()) return nullptr;
  auto c = f->second.counters.find(labels);
  return c == f->second.counters.end() ? nullptr : c->second.get();
}

const Gauge* Metrics::find_gauge(const std::string& name, const Labels& labels) const {
  auto f = families_.find(name);
  if (f == families_.end()) return nullptr;
  auto g = f->second.gauges.find(labels);
  return g == f->second.gauges.end() ? nullptr : g->second.get();
}

std::string Metrics::exposition() const {
  std::string out;
  for (const auto& [name, f] : families_) {
    out += "# HELP " + name + " " + escape_help(f.help) + "\n";
    out += "# TYPE " + name + (f.is_counter ? " counter\n" : " gauge\n");
    for (const auto& [labels, c] : f.counters) out += series(name, labels) + " " + std::to_string(c->value()) + "\n";
    for (const auto& [labels, g] : f.gauges) out += series(name, labels) + " " + format_double(g->value()) + "\n";
  }
  return out;
}

}  // namespace conductor::control
