// bench_flow_capacity: how many connections the flow table's C++ model (FlowTableModel, the golden
// model over FlowHeapStorage) holds and how fast it learns them, up to 140 million connections
// (docs/flow_table.md, "Millions of flows in HBM").
//
//   bench_flow_capacity [--sizes 20,22,24,25] [--walks 16,0] [--connections 140000000]
//                       [--max-load 1.25] [--lookups 16000000] [--seed 1] [--smoke] [--out flow_capacity.json]
//
// Per bucket_log2 BL (2 x 2^BL buckets of 4 slots + 16 stash entries) and per CTRL.WALK_STEPS:
//   - a fresh model (2 x 2^BL x 192 bytes, cleared by its constructor); before allocating, the table
//     size is checked against MemAvailable (/proc/meminfo): a size that does not fit is reported (JSON
//     "error", stderr) and skipped, never allocated;
//   - distinct random connections (IPv4 and, one in four, IPv6 TCP/UDP 5-tuples with a security group;
//     key i is a function of (seed, i), so the lookups below regenerate the keys instead of storing
//     them) go through FlowTableModel::apply(INSERT) until the first FULL event, then on until the
//     target has been offered, counting FULL. The target is --connections, capped at --max-load x
//     capacity (default 1.25: a table far smaller than the target is full long before, and past the
//     first FULL every offered insert walks and fails). A size whose first FULL comes after the
//     target runs on to its first FULL; "target" is then taken on the way;
//   - insert rates in load bands 0-50%, 50-80% and 80% to the first failure (occupancy / capacity;
//     exact band edges: a timed chunk never crosses one; key generation outside the timed part),
//     and the offered-insert rate after the first failure;
//   - all-hit lookups at the end: lookup_bulk over the first min(--lookups, inserts before the first
//     FULL) keys (every one is held: nothing is deleted), timed without the key generation;
//   - memory: the bytes the table allocated, the process's peak RSS so far (getrusage ru_maxrss:
//     monotonic, so sizes run in the given order, smallest first by default), and table bytes per
//     connection held at the target.
// Output: JSON (--out), a table on stdout, progress on stderr. --smoke: sizes 10,11,12, 100000
// connections, and checks (walk 16 occupancy at the first failure > 90%, every lookup hits, the JSON
// parses back); exit 1 when a check fails or a size could not be allocated.
#include <sys/resource.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <vector>

#include "flow_table/flow_table_model.hpp"
#include "host/common/cli.hpp"

namespace {

using conductor::FlowEvent;
using conductor::FlowKey;
using conductor::FlowOp;
using conductor::FlowTableModel;
namespace flow = conductor::flow;
namespace regs = conductor::regs;
using Clock = std::chrono::steady_clock;
using json = nlohmann::json;

struct Options {
  std::vector<uint32_t> sizes{20, 22, 24, 25};
  std::vector<uint32_t> walks{16, 0};
  uint64_t connections = 140'000'000;
  uint64_t lookups = 16'000'000;
  double max_load = 1.25;  // offered inserts per run at most max_load x capacity (0: no cap)
  uint64_t seed = 1;
  bool smoke = false;
  std::string out = "flow_capacity.json";
};

// splitmix64: key i of a run is drawn from the stream starting at (seed, i).
struct SplitMix {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
};

// Connection i: IPv6 for i % 4 == 3, else IPv4; TCP or UDP; random addresses and ports; SG 0..3.
// Distinct with overwhelming probability (>= 98 random bits after canonical ordering); a repeat
// would show as an EXISTS event, which is counted and reported.
FlowKey make_key(uint64_t seed, uint64_t i) {
  SplitMix g{seed * 0xD1B54A32D192ED03ull ^ (i * 0x8CB92BA72F3D8DD7ull)};
  FlowKey k;
  k.ip_valid = true;
  k.is_ipv6 = i % 4 == 3;
  uint64_t r = 0;
  for (int j = k.is_ipv6 ? 0 : 12; j < 16; ++j) {
    if ((j & 3) == 0 || j == 12) r = g.next();
    k.src_addr[j] = static_cast<uint8_t>(r);
    k.dst_addr[j] = static_cast<uint8_t>(r >> 32);
    r >>= 8;
  }
  const uint64_t p = g.next();
  k.proto = (p & 1) ? conductor::kProtoTcp : conductor::kProtoUdp;
  k.l4_valid = true;
  k.src_port = static_cast<uint16_t>(p >> 8);
  k.dst_port = static_cast<uint16_t>(p >> 24);
  k.sg_id = static_cast<uint8_t>((p >> 40) % 4);
  return k;
}

flow::Config config(uint32_t bucket_log2, uint32_t walk) {
  flow::Config c;
  c.ctrl =
      regs::field_set(0, regs::FLOW_TABLE_CTRL_BUCKET_LOG2_LSB, regs::FLOW_TABLE_CTRL_BUCKET_LOG2_WIDTH, bucket_log2);
  c.ctrl = regs::field_set(c.ctrl, regs::FLOW_TABLE_CTRL_WALK_STEPS_LSB, regs::FLOW_TABLE_CTRL_WALK_STEPS_WIDTH, walk);
  return c;
}

uint64_t table_bytes(uint32_t bl) { return 2 * (uint64_t{1} << bl) * sizeof(flow::Bucket); }

// MemAvailable in bytes (0 when /proc/meminfo cannot be read).
uint64_t mem_available() {
  std::ifstream f("/proc/meminfo");
  std::string name;
  uint64_t kb = 0;
  std::string unit;
  while (f >> name >> kb) {
    std::getline(f, unit);
    if (name == "MemAvailable:") return kb * 1024;
  }
  return 0;
}

uint64_t peak_rss_bytes() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<uint64_t>(ru.ru_maxrss) * 1024;
}

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

struct Band {
  const char* name;
  uint64_t inserts = 0;
  double seconds = 0;
  json to_json() const {
    json j = {{"band", name}, {"inserts", inserts}, {"seconds", seconds}};
    j["per_second"] = seconds > 0 && inserts > 0 ? json(inserts / seconds) : json(nullptr);
    return j;
  }
};

// One (size, walk) run; the JSON record.
json run_one(const Options& o, uint32_t bl, uint32_t walk) {
  json r = {{"bucket_log2", bl}, {"walk_steps", walk}};
  const uint64_t need = table_bytes(bl);
  const uint64_t avail = mem_available();
  const uint64_t margin = uint64_t{512} << 20;  // the lookup key buffer and the rest of the process
  r["table_bytes"] = need;
  if (avail != 0 && need + margin > avail) {
    char msg[256];
    std::snprintf(msg, sizeof msg,
                  "bucket_log2 %u needs %" PRIu64
                  " bytes (%.2f GiB) for the table plus %.2f GiB headroom; "
                  "MemAvailable is %" PRIu64 " bytes (%.2f GiB): size skipped",
                  bl, need, need / 1073741824.0, margin / 1073741824.0, avail, avail / 1073741824.0);
    std::fprintf(stderr, "bench_flow_capacity: %s\n", msg);
    r["error"] = msg;
    return r;
  }
  std::unique_ptr<FlowTableModel> m;
  const auto t_init = Clock::now();
  try {
    m = std::make_unique<FlowTableModel>(static_cast<int>(bl));
  } catch (const std::bad_alloc&) {
    char msg[160];
    std::snprintf(msg, sizeof msg, "bucket_log2 %u: allocating %" PRIu64 " bytes (%.2f GiB) for the table failed", bl,
                  need, need / 1073741824.0);
    std::fprintf(stderr, "bench_flow_capacity: %s\n", msg);
    r["error"] = msg;
    return r;
  }
  r["init_seconds"] = seconds_since(t_init);
  m->set_config(config(bl, walk));
  const uint64_t cap = m->capacity();
  const uint64_t edge50 = (cap + 1) / 2, edge80 = (cap * 4 + 4) / 5;
  Band bands[3] = {{"0-50%"}, {"50-80%"}, {"80%-first failure"}};
  Band after{"after first failure"};
  std::optional<uint64_t> first_fail_at, first_fail_occ;
  std::optional<uint64_t> held_at_target, full_at_target;
  uint64_t full = 0, exists = 0, i = 0;
  // A table far smaller than --connections is full long before: past the first FULL every offered
  // insert walks and fails (0.2 M/s at 2^20 buckets), so a run offers at most max_load x capacity.
  const uint64_t load_cap = o.max_load > 0 ? static_cast<uint64_t>(o.max_load * static_cast<double>(cap)) : 0;
  const uint64_t target = load_cap != 0 && load_cap < o.connections ? load_cap : o.connections;
  constexpr uint64_t kChunk = 4096;
  std::vector<FlowKey> keys(kChunk);
  FlowOp op;
  op.opcode = static_cast<uint8_t>(flow::Opcode::kInsert);
  op.time = 1;
  FlowEvent ev[flow::kMaxEvents];
  auto last_report = Clock::now();
  const auto t_run = Clock::now();
  while (!(first_fail_at && i >= target)) {
    const uint64_t occ = m->counters().occupancy;
    uint64_t n = kChunk;
    int band = -1;
    if (!first_fail_at) {
      band = occ < edge50 ? 0 : occ < edge80 ? 1 : 2;
      const uint64_t edge = band == 0 ? edge50 : band == 1 ? edge80 : cap;
      n = std::min(n, std::max<uint64_t>(1, edge - occ));
    }
    if (i < target) n = std::min(n, target - i);
    for (uint64_t j = 0; j < n; ++j) keys[j] = make_key(o.seed, i + j);
    const auto t0 = Clock::now();
    uint64_t done = 0;
    for (; done < n; ++done) {
      op.key = keys[done];
      m->apply(op, ev);
      if (ev[0].status == flow::Status::kFull) {
        ++full;
        if (!first_fail_at) {
          first_fail_at = i + done;
          first_fail_occ = m->counters().occupancy;
          ++done;
          break;  // the bands end here
        }
      } else if (ev[0].status == flow::Status::kExists) {
        ++exists;
      }
    }
    const double dt = std::chrono::duration<double>(Clock::now() - t0).count();
    if (band >= 0) {
      bands[band].inserts += first_fail_at ? done - 1 : done;
      bands[band].seconds += dt;
    } else {
      after.inserts += done;
      after.seconds += dt;
    }
    i += done;
    if (i == target) {
      held_at_target = m->counters().occupancy;
      full_at_target = full;
    }
    if (seconds_since(last_report) > 5) {
      last_report = Clock::now();
      std::fprintf(stderr, "  BL %u walk %u: %" PRIu64 " offered, %u held (%.1f%%), %" PRIu64 " FULL, %.0f s\n", bl,
                   walk, i, m->counters().occupancy, 100.0 * m->counters().occupancy / cap, full, seconds_since(t_run));
    }
  }
  const uint64_t held = m->counters().occupancy;

  // All-hit lookups: keys inserted before the first FULL are all held.
  const uint64_t nl = std::min(o.lookups, *first_fail_at);
  constexpr uint64_t kLookupChunk = 1 << 20;
  std::vector<flow::CKey> ck(std::min(nl, kLookupChunk));
  std::vector<uint64_t> values(ck.size());
  std::unique_ptr<bool[]> hit(new bool[ck.size() + 1]);
  uint64_t hits = 0;
  double lookup_s = 0;
  for (uint64_t base = 0; base < nl; base += kLookupChunk) {
    const uint64_t n = std::min(kLookupChunk, nl - base);
    for (uint64_t j = 0; j < n; ++j) conductor::canonical_key(make_key(o.seed, base + j), ck[j]);
    const auto t0 = Clock::now();
    m->lookup_bulk(ck.data(), n, values.data(), hit.get());
    lookup_s += seconds_since(t0);
    for (uint64_t j = 0; j < n; ++j) hits += hit[j] ? 1 : 0;
  }

  r["capacity"] = cap;
  r["buckets_per_subtable"] = uint64_t{1} << bl;
  r["first_failure"] = {{"offered", *first_fail_at + 1},
                        {"occupancy", *first_fail_occ},
                        {"occupancy_pct", 100.0 * *first_fail_occ / cap},
                        {"register_first_full_occupancy", m->counters().first_full_occupancy}};
  r["target"] = {{"offered", target},
                 {"capped_by_max_load", target < o.connections},
                 {"held", *held_at_target},
                 {"held_pct_of_capacity", 100.0 * *held_at_target / cap},
                 {"full", *full_at_target}};
  r["end"] = {{"offered", i}, {"held", held}, {"full", full}, {"exists", exists}, {"seconds", seconds_since(t_run)}};
  r["insert_rate"] = json::array({bands[0].to_json(), bands[1].to_json(), bands[2].to_json()});
  r["after_first_failure"] = after.to_json();
  r["lookups"] = {{"count", nl},
                  {"hits", hits},
                  {"seconds", lookup_s},
                  {"per_second", lookup_s > 0 ? json(nl / lookup_s) : json(nullptr)}};
  r["memory"] = {{"table_bytes", need},
                 {"model_bytes", need + sizeof(FlowTableModel)},
                 {"peak_rss_bytes", peak_rss_bytes()},
                 {"table_bytes_per_held_connection", *held_at_target ? double(need) / *held_at_target : 0.0}};
  return r;
}

std::string rate(const json& v) {
  if (v.is_null()) return "-";
  char b[32];
  std::snprintf(b, sizeof b, "%.2f", v.get<double>() / 1e6);
  return b;
}

void print_table(const json& runs) {
  std::printf("%-3s %-4s %11s %8s %11s %12s %10s %8s %8s %8s %8s %8s %9s %9s %7s\n", "BL", "walk", "capacity",
              "1st fail", "target", "held@target", "FULL@tgt", "0-50%", "50-80%", "80%-ff", "after", "lookups",
              "table GiB", "peak RSS", "B/conn");
  std::printf("%-3s %-4s %11s %8s %11s %12s %10s %8s %8s %8s %8s %8s %9s %9s %7s\n", "", "", "slots", "occ %",
              "offered", "", "", "M ins/s", "M ins/s", "M ins/s", "M off/s", "M/s", "", "GiB", "");
  for (const json& r : runs) {
    if (r.contains("error")) {
      std::printf("%-3u %-4u %s\n", r["bucket_log2"].get<unsigned>(), r["walk_steps"].get<unsigned>(),
                  r["error"].get<std::string>().c_str());
      continue;
    }
    std::printf("%-3u %-4u %11" PRIu64 " %7.2f%% %11" PRIu64 " %12" PRIu64 " %10" PRIu64
                " %8s %8s %8s %8s %8s %9.2f %9.2f %7.1f\n",
                r["bucket_log2"].get<unsigned>(), r["walk_steps"].get<unsigned>(), r["capacity"].get<uint64_t>(),
                r["first_failure"]["occupancy_pct"].get<double>(), r["target"]["offered"].get<uint64_t>(),
                r["target"]["held"].get<uint64_t>(), r["target"]["full"].get<uint64_t>(),
                rate(r["insert_rate"][0]["per_second"]).c_str(), rate(r["insert_rate"][1]["per_second"]).c_str(),
                rate(r["insert_rate"][2]["per_second"]).c_str(), rate(r["after_first_failure"]["per_second"]).c_str(),
                rate(r["lookups"]["per_second"]).c_str(), r["memory"]["table_bytes"].get<double>() / 1073741824.0,
                r["memory"]["peak_rss_bytes"].get<double>() / 1073741824.0,
                r["memory"]["table_bytes_per_held_connection"].get<double>());
  }
}

// --smoke checks on the JSON as written.
bool smoke_checks(const std::string& path) {
  std::ifstream f(path);
  json doc = json::parse(f, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    std::fprintf(stderr, "bench_flow_capacity: smoke: %s does not parse as JSON\n", path.c_str());
    return false;
  }
  bool ok = true;
  auto fail = [&](const json& r, const char* what) {
    std::fprintf(stderr, "bench_flow_capacity: smoke: BL %s walk %s: %s\n", r["bucket_log2"].dump().c_str(),
                 r["walk_steps"].dump().c_str(), what);
    ok = false;
  };
  for (const json& r : doc["runs"]) {
    if (r.contains("error")) {
      fail(r, "not run");
      continue;
    }
    const double occ = r["first_failure"]["occupancy_pct"];
    if (r["walk_steps"] == 16 && !(occ > 90)) fail(r, "occupancy at the first failure not above 90%");
    if (!(occ > 0 && occ <= 100)) fail(r, "occupancy at the first failure out of range");
    if (r["lookups"]["hits"] != r["lookups"]["count"] || r["lookups"]["count"] == 0) fail(r, "a lookup missed");
    if (r["end"]["exists"] != 0) fail(r, "a key repeated");
    if (r["end"]["held"].get<uint64_t>() > r["capacity"].get<uint64_t>()) fail(r, "held more than the capacity");
    if (r["end"]["held"].get<uint64_t>() + r["end"]["full"].get<uint64_t>() != r["end"]["offered"].get<uint64_t>())
      fail(r, "held + FULL != offered");
    if (r["insert_rate"][0]["per_second"].is_null()) fail(r, "no insert rate for 0-50%");
  }
  return ok;
}

int run(int argc, char** argv) {
  Options o;
  CLI::App app{"Capacity and learning rate of the flow table's C++ model up to 140M connections",
               "bench_flow_capacity"};
  conductor::cli::setup(app);
  conductor::cli::add_list(app, "--sizes", o.sizes, 1, 25, "bucket_log2 values to run, in order (default 20,22,24,25)");
  conductor::cli::add_list(app, "--walks", o.walks, 0, flow::kWalkMax, "CTRL.WALK_STEPS values (default 16,0)");
  conductor::cli::add_uint(app, "--connections", o.connections, 1, 4'000'000'000ull,
                           "inserts offered per run (default 140000000); a run goes on to its first FULL");
  conductor::cli::add_parsed(
      app, "--max-load", o.max_load, [](const std::string& v) { return conductor::cli::parse_real(v, 0, 1000); },
      "offer at most this many times the capacity per run (default 1.25; 0 = no cap)")
      ->type_name("X");
  conductor::cli::add_uint(app, "--lookups", o.lookups, 1, 1'000'000'000ull,
                           "all-hit lookups timed at the end of a run (default 16000000)");
  conductor::cli::add_uint(app, "--seed", o.seed, 0, UINT64_MAX, "key stream seed (default 1)");
  app.add_flag("--smoke", o.smoke, "sizes 10,11,12, 100000 connections, with checks (CTest)");
  app.add_option("--out", o.out, "JSON output (default flow_capacity.json)")->type_name("FILE");
  if (conductor::Status st = conductor::cli::parse(app, std::vector<std::string>(argv + 1, argv + argc)); !st)
    return conductor::cli::report(st, "bench_flow_capacity");
  if (o.smoke) {
    o.sizes = {10, 11, 12};
    o.connections = 100'000;
    o.lookups = 100'000;
  }

  json runs = json::array();
  bool all_ran = true;
  for (uint32_t bl : o.sizes) {
    for (uint32_t walk : o.walks) {
      std::fprintf(stderr,
                   "bench_flow_capacity: BL %u (%" PRIu64 " slots, %.2f GiB), walk %u, %" PRIu64 " connections ...\n",
                   bl, 8 * (uint64_t{1} << bl) + flow::kStashSize, table_bytes(bl) / 1073741824.0, walk, o.connections);
      json r = run_one(o, bl, walk);
      all_ran = all_ran && !r.contains("error");
      runs.push_back(std::move(r));
    }
  }
  json doc = {{"benchmark", "bench_flow_capacity"},
              {"connections", o.connections},
              {"max_load", o.max_load},
              {"seed", o.seed},
              {"slots_per_bucket", flow::kSlots},
              {"stash", flow::kStashSize},
              {"bucket_bytes", sizeof(flow::Bucket)},
              {"runs", runs}};
  {
    std::ofstream f(o.out);
    f << doc.dump(2) << "\n";
    if (!f) {
      std::fprintf(stderr, "bench_flow_capacity: cannot write %s\n", o.out.c_str());
      return 1;
    }
  }
  std::printf("flow table model, %" PRIu64
              " connections offered per run (M = million; 1st fail = occupancy at the "
              "first FULL; lookups all hit)\n",
              o.connections);
  print_table(runs);
  std::printf("JSON: %s\n", o.out.c_str());
  if (o.smoke && !smoke_checks(o.out)) return 1;
  return all_ran ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) { return run(argc, argv); }
