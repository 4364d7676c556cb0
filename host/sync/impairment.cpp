#include "host/sync/impairment.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>

namespace conductor::sync {

namespace {

Expected<double> parse_fraction(const std::string& key, const std::string& v) {
  std::string t = v;
  bool percent = false;
  if (!t.empty() && t.back() == '%') {
    percent = true;
    t.pop_back();
  }
  char* end = nullptr;
  errno = 0;
  double d = std::strtod(t.c_str(), &end);
  if (t.empty() || *end || errno) return make_error(Errc::kInvalidArgument, key + ": '" + v + "' is not a number");
  if (percent) d /= 100.0;
  if (!(d >= 0.0 && d <= 1.0))
    return make_error(Errc::kInvalidArgument, key + ": '" + v + "' is not a fraction 0..1 (or 0..100%)");
  return d;
}

Expected<Duration> parse_delay(const std::string& v) {
  std::string t = v;
  double scale = 1000.0;  // microseconds per unit; a bare number is milliseconds
  auto strip = [&](std::string_view suffix, double s) {
    if (t.size() > suffix.size() && t.compare(t.size() - suffix.size(), suffix.size(), suffix) == 0) {
      t.resize(t.size() - suffix.size());
      scale = s;
      return true;
    }
    return false;
  };
  strip("us", 1.0) || strip("ms", 1000.0) || strip("s", 1e6);
  char* end = nullptr;
  errno = 0;
  const double d = std::strtod(t.c_str(), &end);
  if (t.empty() || *end || errno || !(d >= 0.0 && d * scale <= 10e6))
    return make_error(Errc::kInvalidArgument, "delay: '" + v + "' is not a duration 0..10s (us, ms, s)");
  return Duration{static_cast<int64_t>(d * scale)};
}

}  // namespace

Expected<ImpairmentConfig> parse_impairment(std::string_view text) {
  ImpairmentConfig c;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t comma = text.find(',', pos);
    if (comma == std::string_view::npos) comma = text.size();
    const std::string item(text.substr(pos, comma - pos));
    pos = comma + 1;
    if (item.empty()) {
      if (comma == text.size()) break;
      continue;
    }
    const size_t eq = item.find('=');
    if (eq == std::string::npos)
      return make_error(Errc::kInvalidArgument,
                        "'" + item + "' is not key=value (keys: loss, reorder, duplicate, seed, delay)");
    const std::string key = item.substr(0, eq), value = item.substr(eq + 1);
    if (key == "loss" || key == "reorder" || key == "duplicate") {
      auto f = parse_fraction(key, value);
      if (!f) return f.error();
      (key == "loss" ? c.loss : key == "reorder" ? c.reorder : c.duplicate) = *f;
    } else if (key == "seed") {
      char* end = nullptr;
      errno = 0;
      const unsigned long long s = std::strtoull(value.c_str(), &end, 10);
      if (value.empty() || value[0] == '-' || *end || errno)
        return make_error(Errc::kInvalidArgument, "seed: '" + value + "' is not an unsigned integer");
      c.seed = s;
    } else if (key == "delay") {
      auto d = parse_delay(value);
      if (!d) return d.error();
      c.reorder_delay = *d;
    } else {
      return make_error(Errc::kInvalidArgument,
                        "unknown key '" + key + "' (keys: loss, reorder, duplicate, seed, delay)");
    }
  }
  return c;
}

std::string to_string(const ImpairmentConfig& c) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "loss=%g,reorder=%g,duplicate=%g,seed=%llu,delay=%lldus", c.loss, c.reorder,
                c.duplicate, static_cast<unsigned long long>(c.seed), static_cast<long long>(c.reorder_delay.count()));
  return buf;
}

void Impairment::push(TimePoint now, uint32_t tag, std::vector<uint8_t> bytes) {
  ++counters_.in;
  if (draw(cfg_.loss)) {
    ++counters_.lost;
    return;
  }
  const int copies = draw(cfg_.duplicate) ? 2 : 1;
  if (copies == 2) ++counters_.duplicated;
  for (int i = 0; i < copies; ++i) {
    TimePoint due = now;
    if (draw(cfg_.reorder) && cfg_.reorder_delay.count() > 0) {
      ++counters_.reordered;
      due += Duration{std::uniform_int_distribution<int64_t>(1, cfg_.reorder_delay.count())(rng_)};
    }
    Datagram d{tag, i + 1 == copies ? std::move(bytes) : bytes};
    held_.emplace(std::make_pair(due, order_++), std::move(d));
  }
}

std::vector<Impairment::Datagram> Impairment::take_due(TimePoint now) {
  std::vector<Datagram> out;
  while (!held_.empty() && held_.begin()->first.first <= now) {
    out.push_back(std::move(held_.begin()->second));
    held_.erase(held_.begin());
  }
  counters_.out += out.size();
  return out;
}

}  // namespace conductor::sync
