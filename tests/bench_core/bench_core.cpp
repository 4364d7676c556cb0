// Core benchmark: the Verilated conductor_core's simulation speed (cycles/s and frames/s of wall
// time) and its exact throughput in frames and beats per clock, on minimum-size frames and on an
// IMIX, next to the C++ model's frames/s on the same frames. Prints one JSON object (and writes it to --out).
//
//   bench_core [--frames N] [--out FILE]
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/gen/conductor_regs.hpp"
#include "core/core_model.hpp"
#include "host/common/cli.hpp"
#include "host/traffic/generator.hpp"
#include "rtl_core.hpp"
#include "tests/bench_core/bench_json.hpp"

namespace conductor {
namespace {

using Clock = std::chrono::steady_clock;

struct Mix {
  const char* name;
  bool min_size;
};

struct Figures {
  uint64_t frames = 0, beats = 0, bytes = 0, cycles = 0;
  double rtl_seconds = 0, model_seconds = 0;
  uint64_t mismatches = 0;
};

CoreRegs bench_regs() {
  CoreRegs r;
  r.hash.ctrl = (1u << regs::DIST_HASH_CTRL_MODE_LSB) | (12u << regs::DIST_HASH_CTRL_BUCKET_LOG2_LSB);
  for (uint32_t b = 0; b < 4096; ++b) r.hash.buckets[b] = static_cast<uint8_t>(0x80 | (b % 8));
  return r;
}

Figures run_mix(const Mix& mix, uint64_t n) {
  Figures f;
  GeneratorConfig cfg;
  cfg.seed = 2026;
  cfg.flows = 1024;
  cfg.min_size_only = mix.min_size;
  auto gen = TrafficGenerator::create(cfg);
  if (!gen) {
    std::fprintf(stderr, "bench_core: %s\n", gen.error().message.c_str());
    std::exit(1);
  }
  std::vector<Frame> frames(n);
  for (auto& fr : frames) gen->next(fr);
  for (const auto& fr : frames) {
    f.bytes += fr.bytes.size();
    f.beats += fr.bytes.empty() ? 1 : (fr.bytes.size() + 63) / 64;
  }
  f.frames = n;
  static CoreRegs regs = bench_regs();

  // The model on the CPU.
  std::vector<SteerMeta> want(n);
  auto t0 = Clock::now();
  for (uint64_t i = 0; i < n; ++i)
    want[i] = core_process(regs, frames[i].bytes.data(), frames[i].bytes.size(), frames[i].sg_id, nullptr);
  f.model_seconds = std::chrono::duration<double>(Clock::now() - t0).count();

  // The Verilated core, output never stalled, input never idle.
  RtlCore core;
  if (!core.load(regs)) {
    std::fprintf(stderr, "bench_core: register programming failed\n");
    std::exit(1);
  }
  uint64_t next = 0, out = 0;
  t0 = Clock::now();
  bool ok = core.run(
      [&](std::vector<uint8_t>* bytes, uint8_t* sg) {
        if (next == n) return false;
        *bytes = frames[next].bytes;
        *sg = frames[next].sg_id;
        ++next;
        return true;
      },
      [&](CoreFrameOut&& fo) {
        if (!(fo.meta == want[out])) ++f.mismatches;
        ++out;
      });
  f.rtl_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  if (!ok) {
    std::fprintf(stderr, "bench_core: %s\n", core.error().c_str());
    std::exit(1);
  }
  f.cycles = core.last_run_cycles();
  return f;
}

}  // namespace
}  // namespace conductor

int main(int argc, char** argv) {
  using namespace conductor;
  uint64_t n = 200000;
  std::string out_path;
  CLI::App app{
      "Core benchmark: the Verilated core's simulation speed and frames/beats per clock, next to the "
      "C++ model, on minimum-size frames and an IMIX. Prints one JSON object.",
      "bench_core"};
  cli::setup(app);
  cli::add_uint(app, "--frames", n, 1, 1'000'000'000, "frames per mix (default 200000)");
  app.add_option("--out", out_path, "also write the JSON to FILE")->type_name("FILE");
  if (Status s = cli::parse(app, std::vector<std::string>(argv + 1, argv + argc)); !s)
    return cli::report(s, "bench_core");
  const Mix mixes[] = {{"min_size", true}, {"imix", false}};
  bench::Json json = {{"benchmark", "core"}, {"frames_per_mix", n}, {"mixes", bench::Json::array()}};
  uint64_t bad = 0;
  for (const Mix& m : mixes) {
    std::fprintf(stderr, "bench_core: %s, %" PRIu64 " frames...\n", m.name, n);
    Figures f = run_mix(m, n);
    bad += f.mismatches;
    json["mixes"].push_back({{"mix", m.name},
                             {"frames", f.frames},
                             {"beats", f.beats},
                             {"bytes", f.bytes},
                             {"cycles", f.cycles},
                             {"frames_per_cycle", bench::fixed(double(f.frames) / f.cycles, 4)},
                             {"beats_per_cycle", bench::fixed(double(f.beats) / f.cycles, 4)},
                             {"gbps_at_300mhz", bench::fixed(double(f.bytes) * 8 * 300e6 / f.cycles / 1e9, 1)},
                             {"sim_cycles_per_second", bench::whole(f.cycles / f.rtl_seconds)},
                             {"sim_frames_per_second", bench::whole(f.frames / f.rtl_seconds)},
                             {"model_frames_per_second", bench::whole(f.frames / f.model_seconds)},
                             {"rtl_vs_model_mismatches", f.mismatches}});
    std::fprintf(stderr,
                 "  %.4f frames/clock, %.4f beats/clock; simulation %.2f Mcycles/s, %.0f frames/s; "
                 "model %.2f Mframes/s\n",
                 double(f.frames) / f.cycles, double(f.beats) / f.cycles, f.cycles / f.rtl_seconds / 1e6,
                 f.frames / f.rtl_seconds, f.frames / f.model_seconds / 1e6);
  }
  if (!bench::write_json(json, out_path)) {
    std::fprintf(stderr, "bench_core: cannot write %s\n", out_path.c_str());
    return 1;
  }
  if (bad) {
    std::fprintf(stderr, "bench_core: %" PRIu64 " frames where the RTL and the model disagree\n", bad);
    return 1;
  }
  return 0;
}
