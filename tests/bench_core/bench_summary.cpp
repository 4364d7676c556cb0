// Reads the benchmark JSON of one `make bench` run (Google Benchmark output of bench_hash and the
// object bench_core writes) and writes the ratios against the baselines measured in the same run.
//
//   bench_summary HASH_JSON CORE_JSON > summary.json     (a readable table goes to stderr)
#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "host/common/cli.hpp"
#include "tests/bench_core/bench_json.hpp"

namespace {

using conductor::bench::Json;

std::optional<Json> read_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  Json j = Json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

// Median items_per_second of every benchmark in Google Benchmark's JSON, by name without the
// aggregate suffix. Plain runs (no repetitions) are taken as they are.
std::map<std::string, double> items_per_second(const Json& json) {
  std::map<std::string, double> plain, median;
  for (const Json& b : json.value("benchmarks", Json::array())) {
    if (!b.contains("name") || !b.contains("items_per_second")) continue;
    const std::string name = b["name"].get<std::string>();
    const double v = b["items_per_second"].get<double>();
    auto ends_with = [&](const std::string& s) {
      return name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0;
    };
    if (ends_with("_median"))
      median[name.substr(0, name.size() - 7)] = v;
    else if (!ends_with("_mean") && !ends_with("_stddev") && !ends_with("_cv"))
      plain.emplace(name, v);
  }
  for (auto& [k, v] : median) plain[k] = v;
  return plain;
}

}  // namespace

int main(int argc, char** argv) {
  using conductor::bench::fixed;
  std::string hash_path, core_path;
  CLI::App app{
      "Ratios of one `make bench` run against the baselines measured in the same run: JSON on stdout, "
      "a readable table on stderr.",
      "bench_summary"};
  conductor::cli::setup(app);
  app.add_option("HASH_JSON", hash_path, "bench_hash's output (Google Benchmark JSON)")->required()->type_name("");
  app.add_option("CORE_JSON", core_path, "bench_core's output")->required()->type_name("");
  if (conductor::Status s = conductor::cli::parse(app, std::vector<std::string>(argv + 1, argv + argc)); !s)
    return conductor::cli::report(s, "bench_summary");
  auto hash_json = read_json(hash_path);
  auto core_json = read_json(core_path);
  if (!hash_json || !core_json) {
    std::fprintf(stderr, "bench_summary: cannot read %s as JSON\n", (!hash_json ? hash_path : core_path).c_str());
    return 1;
  }
  auto ips = items_per_second(*hash_json);
  auto ns = [&](const std::string& name) -> double {
    auto it = ips.find(name);
    return it == ips.end() || it->second <= 0 ? 0.0 : 1e9 / it->second;
  };
  Json out = {{"hash", Json::object()}};
  std::fprintf(stderr, "\nToeplitz hash on this CPU, ns per hash (median; ratio = baseline / ours, same run)\n");
  std::fprintf(stderr, "  %-6s %10s %10s %12s %12s %14s %9s %9s %9s\n", "input", "ours", "ours-avx512", "rte_softrss",
               "rte_gfni", "rte_gfni_bulk", "x softrss", "x gfni", "x bulk");
  for (const char* bytes : {"12", "36"}) {
    std::string sfx = std::string("/bytes:") + bytes;
    double ours = ns("BM_fast_dispatch" + sfx), avx = ns("BM_fast_avx512" + sfx);
    double soft = ns("BM_rte_softrss" + sfx), gfni = ns("BM_rte_thash_gfni" + sfx);
    double bulk = ns("BM_rte_thash_gfni_bulk" + sfx), model = ns("BM_model" + sfx);
    auto ratio = [](double base, double us) { return us > 0 && base > 0 ? base / us : 0.0; };
    out["hash"][bytes[0] == '1' ? "ipv4_4tuple" : "ipv6_4tuple"] = {
        {"bytes", std::stoi(bytes)},
        {"ours_ns", fixed(ours, 3)},
        {"ours_avx512_ns", fixed(avx, 3)},
        {"hls_model_ns", fixed(model, 3)},
        {"rte_softrss_ns", fixed(soft, 3)},
        {"rte_thash_gfni_ns", fixed(gfni, 3)},
        {"rte_thash_gfni_bulk_ns", fixed(bulk, 3)},
        {"speedup_vs_rte_softrss", fixed(ratio(soft, ours), 2)},
        {"speedup_vs_rte_thash_gfni", fixed(ratio(gfni, ours), 2)},
        {"speedup_vs_rte_thash_gfni_bulk", fixed(ratio(bulk, ours), 2)}};
    std::fprintf(stderr, "  %-6s %10.2f %10.2f %12.2f %12.2f %14.2f %9.1f %9.2f %9.2f\n",
                 bytes[0] == '1' ? "12 B" : "36 B", ours, avx, soft, gfni, bulk, ratio(soft, ours), ratio(gfni, ours),
                 ratio(bulk, ours));
  }
  out["core"] = *core_json;  // bench_core's object as it is
  std::fputs((out.dump() + "\n").c_str(), stdout);
  return 0;
}
