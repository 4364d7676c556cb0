// Reads the benchmark JSON of one `make bench` run (Google Benchmark output of bench_hash and the
// object bench_core writes) and writes the ratios against the baselines measured in the same run.
//
//   bench_summary HASH_JSON CORE_JSON > summary.json     (a readable table goes to stderr)
#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>

namespace {

std::optional<std::string> slurp(const char* path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Median items_per_second of every benchmark in Google Benchmark's JSON, by name without the
// aggregate suffix. Plain runs (no repetitions) are taken as they are.
std::map<std::string, double> items_per_second(const std::string& json) {
  std::map<std::string, double> plain, median;
  size_t pos = 0;
  while ((pos = json.find("\"name\": \"", pos)) != std::string::npos) {
    pos += 9;
    size_t end = json.find('"', pos);
    std::string name = json.substr(pos, end - pos);
    size_t obj_end = json.find('}', end);
    size_t ips = json.find("\"items_per_second\": ", end);
    if (ips == std::string::npos || ips > obj_end) continue;
    double v = std::stod(json.substr(ips + 20));
    auto ends_with = [&](const std::string& s) {
      return name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0;
    };
    if (ends_with("_median")) median[name.substr(0, name.size() - 7)] = v;
    else if (!ends_with("_mean") && !ends_with("_stddev") && !ends_with("_cv")) plain.emplace(name, v);
  }
  for (auto& [k, v] : median) plain[k] = v;
  return plain;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: bench_summary HASH_JSON CORE_JSON\n");
    return 2;
  }
  auto hash_json = slurp(argv[1]);
  auto core_json = slurp(argv[2]);
  if (!hash_json || !core_json) {
    std::fprintf(stderr, "bench_summary: cannot read %s\n", !hash_json ? argv[1] : argv[2]);
    return 1;
  }
  auto ips = items_per_second(*hash_json);
  auto ns = [&](const std::string& name) -> double {
    auto it = ips.find(name);
    return it == ips.end() || it->second <= 0 ? 0.0 : 1e9 / it->second;
  };
  std::string out = "{\"hash\":{";
  std::fprintf(stderr, "\nToeplitz hash on this CPU, ns per hash (median; ratio = baseline / ours, same run)\n");
  std::fprintf(stderr, "  %-6s %10s %10s %12s %12s %14s %9s %9s %9s\n", "input", "ours", "ours-avx512",
               "rte_softrss", "rte_gfni", "rte_gfni_bulk", "x softrss", "x gfni", "x bulk");
  bool first = true;
  for (const char* bytes : {"12", "36"}) {
    std::string sfx = std::string("/bytes:") + bytes;
    double ours = ns("BM_fast_dispatch" + sfx), avx = ns("BM_fast_avx512" + sfx);
    double soft = ns("BM_rte_softrss" + sfx), gfni = ns("BM_rte_thash_gfni" + sfx);
    double bulk = ns("BM_rte_thash_gfni_bulk" + sfx), model = ns("BM_model" + sfx);
    auto ratio = [](double base, double us) { return us > 0 && base > 0 ? base / us : 0.0; };
    char buf[640];
    std::snprintf(buf, sizeof buf,
                  "%s\"%s\":{\"bytes\":%s,\"ours_ns\":%.3f,\"ours_avx512_ns\":%.3f,\"hls_model_ns\":%.3f,"
                  "\"rte_softrss_ns\":%.3f,\"rte_thash_gfni_ns\":%.3f,\"rte_thash_gfni_bulk_ns\":%.3f,"
                  "\"speedup_vs_rte_softrss\":%.2f,\"speedup_vs_rte_thash_gfni\":%.2f,"
                  "\"speedup_vs_rte_thash_gfni_bulk\":%.2f}",
                  first ? "" : ",", bytes[0] == '1' ? "ipv4_4tuple" : "ipv6_4tuple", bytes, ours, avx, model,
                  soft, gfni, bulk, ratio(soft, ours), ratio(gfni, ours), ratio(bulk, ours));
    out += buf;
    first = false;
    std::fprintf(stderr, "  %-6s %10.2f %10.2f %12.2f %12.2f %14.2f %9.1f %9.2f %9.2f\n",
                 bytes[0] == '1' ? "12 B" : "36 B", ours, avx, soft, gfni, bulk, ratio(soft, ours),
                 ratio(gfni, ours), ratio(bulk, ours));
  }
  // The core figures are already one JSON object: embed it as it is.
  std::string core = *core_json;
  while (!core.empty() && (core.back() == '\n' || core.back() == ' ')) core.pop_back();
  out += "},\"core\":" + core + "}\n";
  std::fputs(out.c_str(), stdout);
  return 0;
}
