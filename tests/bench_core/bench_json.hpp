// JSON of the core benchmarks (make bench), written with nlohmann-json. Figures keep the precision
// the summaries have always printed: fixed() rounds to that many decimals (the JSON then shows the
// shortest form, 0.9876 or 12.5), whole() makes a per-second figure an integer.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

namespace conductor::bench {

using Json = nlohmann::ordered_json;  // fields in the order they are written

inline double fixed(double v, int decimals) {
  const double scale = std::pow(10.0, decimals);
  return std::round(v * scale) / scale;
}

inline int64_t whole(double v) { return static_cast<int64_t>(std::llround(v)); }

// One line on stdout, and the same into path when it is not empty; false when the file fails.
inline bool write_json(const Json& j, const std::string& path) {
  const std::string text = j.dump() + "\n";
  if (!path.empty()) {
    std::FILE* fp = std::fopen(path.c_str(), "w");
    if (!fp || std::fputs(text.c_str(), fp) < 0 || std::fclose(fp) != 0) return false;
  }
  std::fputs(text.c_str(), stdout);
  return true;
}

}  // namespace conductor::bench
