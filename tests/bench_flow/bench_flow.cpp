// Flow-table benchmarks (make bench), Google Benchmark:
//   BM_lookup_vs_rte_hash/<entries>  the CPU model's bulk lookup (FlowTableModel::lookup_bulk) and
//        DPDK rte_hash_lookup_bulk over the same canonical 40-byte keys, timed alternately in one
//        run: counters model_Mlps, rte_Mlps and ratio (model / rte_hash; > 1: the model is faster).
//        Both tables have the same slot count (rte_hash entries = 2 * 2^log2 * 4) and the same keys
//        at 90% of it; every lookup hits, in a random order.
//   BM_model_lookup/<entries>, BM_rte_hash_lookup_bulk/<entries>  the same, each on its own
//        (items/s = lookups/s), and BM_model_lookup_single (one key at a time, no prefetch).
//   BM_occupancy_at_first_failure/<entries>  random inserts until the first failure: the model
//        (counter occupancy_pct, from FIRST_FULL_OCCUPANCY) and rte_hash (rte_occupancy_pct, the
//        first -ENOSPC of rte_hash_add_key).
//   BM_rtl_mix_90_10  the Verilated RTL (BucketLog2Max 9) fed 90% lookups and 10% inserts of new
//        keys on its two ports, both saturated, every output checked against the model:
//        counters ops_per_clock, lookups_per_clock, inserts_per_clock.
// rte_hash needs EAL (rte_hash_create fails with ENOMEM without it: its tailq and rte_zmalloc
// memory come from EAL): main() runs rte_eal_init with --no-huge --no-shconf -m 1024 --no-pci
// -l 0 --no-telemetry (no hugepages, no shared config, no devices: any CI machine), then the benchmarks.
//   build-dir/tests/bench_flow/bench_flow [--benchmark_format=json ...]
#include <benchmark/benchmark.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "flow_bench.hpp"
#include "flow_table/flow_table_model.hpp"

namespace {

using conductor::FlowTableModel;
using conductor::flow::CKey;

constexpr uint32_t kKeyBytes = 40;               // canonical key: 5 x 64 bits
constexpr int kBulk = RTE_HASH_LOOKUP_BULK_MAX;  // 64 keys per call, both sides

// Random IPv4/IPv6 TCP/UDP connections as canonical keys (distinct).
std::vector<CKey> make_keys(size_t n, uint64_t seed) {
  std::mt19937_64 g(seed);
  std::vector<CKey> keys;
  keys.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    conductor::FlowKey k;
    k.ip_valid = true;
    k.is_ipv6 = i % 4 == 3;
    for (int j = k.is_ipv6 ? 0 : 12; j < 16; ++j) {
      k.src_addr[j] = static_cast<uint8_t>(g());
      k.dst_addr[j] = static_cast<uint8_t>(g());
    }
    k.proto = (g() & 1) ? conductor::kProtoTcp : conductor::kProtoUdp;
    k.l4_valid = true;
    k.src_port = static_cast<uint16_t>(g());
    k.dst_port = static_cast<uint16_t>(g());
    k.sg_id = static_cast<uint8_t>(g() % 4);
    CKey c;
    conductor::canonical_key(k, c);
    keys.push_back(c);
  }
  return keys;
}

conductor::flow::Config model_config(uint32_t log2) { return conductor::flowsim::config(log2); }

uint32_t log2_of(int64_t entries) {
  uint32_t l = 0;
  while ((int64_t{8} << l) < entries) ++l;
  return l;  // 2 * 2^l * 4 = entries
}

struct RteHash {
  rte_hash* h = nullptr;
  explicit RteHash(uint32_t entries, const char* name) {
    rte_hash_parameters p{};
    p.name = name;
    p.entries = entries;
    p.key_len = kKeyBytes;
    p.hash_func = rte_hash_crc;
    p.hash_func_init_val = 0;
    p.socket_id = SOCKET_ID_ANY;
    h = rte_hash_create(&p);
    if (h == nullptr) {
      std::fprintf(stderr, "rte_hash_create(%u entries): %s\n", entries, rte_strerror(rte_errno));
      std::abort();
    }
  }
  ~RteHash() { rte_hash_free(h); }
  RteHash(const RteHash&) = delete;
  RteHash& operator=(const RteHash&) = delete;
};

// Both tables filled with the same keys at 90% of the slot count; the lookup order shuffled.
struct Fixture {
  std::unique_ptr<FlowTableModel> model;
  std::unique_ptr<RteHash> rte;
  std::vector<CKey> keys;
  std::vector<uint32_t> order;
  uint32_t slots = 0;

  explicit Fixture(int64_t entries) {
    const uint32_t log2 = log2_of(entries);
    slots = 8u << log2;
    model = std::make_unique<FlowTableModel>(static_cast<int>(log2));
    model->set_config(model_config(log2));
    rte = std::make_unique<RteHash>(slots, ("bench_flow_" + std::to_string(slots)).c_str());
    keys = make_keys(slots * 9ull / 10, 1234 + log2);
    conductor::FlowOp op;
    op.time = 1;
    for (const CKey& k : keys) {
      op.key = conductor::canonical_flow_key(k);
      conductor::FlowEvent ev[conductor::flow::kMaxEvents];
      model->apply(op, ev);
      if (ev[0].status != conductor::flow::Status::kDone) {
        std::fprintf(stderr, "model insert failed at %zu of %zu\n", static_cast<size_t>(&k - keys.data()), keys.size());
        std::abort();
      }
      if (rte_hash_add_key(rte->h, k.w) < 0) {
        std::fprintf(stderr, "rte_hash_add_key failed at %zu of %zu\n", static_cast<size_t>(&k - keys.data()),
                     keys.size());
        std::abort();
      }
    }
    order.resize(keys.size());
    for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
    std::shuffle(order.begin(), order.end(), std::mt19937_64(99));
  }
};

// Built on first use, freed before rte_eal_cleanup (rte_hash_free needs EAL).
std::map<int64_t, std::unique_ptr<Fixture>> g_fixtures;

Fixture& fixture(int64_t entries) {
  auto& f = g_fixtures[entries];
  if (!f) f = std::make_unique<Fixture>(entries);
  return *f;
}

// Looks up `n` keys (from `pos` in the shuffled order) with the model; returns the hits.
size_t model_pass(Fixture& f, size_t pos, size_t n, std::vector<CKey>& batch, std::vector<uint64_t>& vals,
                  std::unique_ptr<bool[]>& hits) {
  size_t hit = 0;
  for (size_t done = 0; done < n; done += kBulk) {
    const size_t m = std::min<size_t>(kBulk, n - done);
    for (size_t i = 0; i < m; ++i) batch[i] = f.keys[f.order[(pos + done + i) % f.order.size()]];
    f.model->lookup_bulk(batch.data(), m, vals.data(), hits.get());
    for (size_t i = 0; i < m; ++i) hit += hits[i];
  }
  return hit;
}

size_t rte_pass(Fixture& f, size_t pos, size_t n, std::vector<const void*>& ptrs, std::vector<int32_t>& positions) {
  size_t hit = 0;
  for (size_t done = 0; done < n; done += kBulk) {
    const size_t m = std::min<size_t>(kBulk, n - done);
    for (size_t i = 0; i < m; ++i) ptrs[i] = f.keys[f.order[(pos + done + i) % f.order.size()]].w;
    rte_hash_lookup_bulk(f.rte->h, ptrs.data(), static_cast<uint32_t>(m), positions.data());
    for (size_t i = 0; i < m; ++i) hit += positions[i] >= 0;
  }
  return hit;
}

void BM_model_lookup(benchmark::State& state) {
  Fixture& f = fixture(state.range(0));
  std::vector<CKey> batch(kBulk);
  std::vector<uint64_t> vals(kBulk);
  auto hits = std::make_unique<bool[]>(kBulk);
  size_t pos = 0, hit = 0;
  for (auto _ : state) {
    hit += model_pass(f, pos, 4096, batch, vals, hits);
    pos += 4096;
  }
  if (hit != pos) state.SkipWithError("model: a key was not found");
  state.SetItemsProcessed(static_cast<int64_t>(pos));
}

void BM_model_lookup_single(benchmark::State& state) {
  Fixture& f = fixture(state.range(0));
  size_t pos = 0, hit = 0;
  for (auto _ : state) {
    for (int i = 0; i < 4096; ++i, ++pos) {
      uint64_t v;
      hit += f.model->lookup_key(f.keys[f.order[pos % f.order.size()]], &v);
    }
  }
  if (hit != pos) state.SkipWithError("model: a key was not found");
  state.SetItemsProcessed(static_cast<int64_t>(pos));
}

void BM_rte_hash_lookup_bulk(benchmark::State& state) {
  Fixture& f = fixture(state.range(0));
  std::vector<const void*> ptrs(kBulk);
  std::vector<int32_t> positions(kBulk);
  size_t pos = 0, hit = 0;
  for (auto _ : state) {
    hit += rte_pass(f, pos, 4096, ptrs, positions);
    pos += 4096;
  }
  if (hit != pos) state.SkipWithError("rte_hash: a key was not found");
  state.SetItemsProcessed(static_cast<int64_t>(pos));
}

// Both in one run: rounds of 64K lookups, alternating, each timed; the ratio of the totals.
void BM_lookup_vs_rte_hash(benchmark::State& state) {
  Fixture& f = fixture(state.range(0));
  std::vector<CKey> batch(kBulk);
  std::vector<uint64_t> vals(kBulk);
  auto hits = std::make_unique<bool[]>(kBulk);
  std::vector<const void*> ptrs(kBulk);
  std::vector<int32_t> positions(kBulk);
  constexpr size_t kRound = 1 << 16;
  double t_model = 0, t_rte = 0;
  size_t n = 0, pos = 0, hit_model = 0, hit_rte = 0;
  using clock = std::chrono::steady_clock;
  for (auto _ : state) {
    const auto t0 = clock::now();
    hit_model += model_pass(f, pos, kRound, batch, vals, hits);
    const auto t1 = clock::now();
    hit_rte += rte_pass(f, pos, kRound, ptrs, positions);
    const auto t2 = clock::now();
    t_model += std::chrono::duration<double>(t1 - t0).count();
    t_rte += std::chrono::duration<double>(t2 - t1).count();
    n += kRound;
    pos += kRound;
  }
  if (hit_model != n || hit_rte != n) state.SkipWithError("a key was not found");
  state.counters["model_Mlps"] = n / t_model / 1e6;
  state.counters["rte_Mlps"] = n / t_rte / 1e6;
  state.counters["ratio"] = t_rte / t_model;
  state.counters["keys"] = static_cast<double>(f.keys.size());
  state.counters["slots"] = f.slots;
  state.SetItemsProcessed(static_cast<int64_t>(2 * n));
}

void BM_occupancy_at_first_failure(benchmark::State& state) {
  const uint32_t log2 = log2_of(state.range(0));
  const uint32_t slots = 8u << log2;
  double model_pct = 0, rte_pct = 0;
  for (auto _ : state) {
    FlowTableModel m(static_cast<int>(log2));
    m.set_config(model_config(log2));
    std::mt19937_64 g(77 + log2);
    conductor::FlowOp op;
    op.time = 1;
    for (;;) {
      const CKey k = make_keys(1, g())[0];
      op.key = conductor::canonical_flow_key(k);
      conductor::FlowEvent ev[conductor::flow::kMaxEvents];
      m.apply(op, ev);
      if (ev[0].status == conductor::flow::Status::kFull) break;
    }
    model_pct = 100.0 * m.counters().first_full_occupancy / m.capacity();
    RteHash r(slots, ("occ_" + std::to_string(slots)).c_str());
    uint32_t added = 0;
    std::mt19937_64 g2(78 + log2);
    for (;;) {
      const CKey k = make_keys(1, g2())[0];
      const int32_t p = rte_hash_add_key(r.h, k.w);
      if (p == -ENOSPC) break;
      if (p >= 0) ++added;
    }
    rte_pct = 100.0 * added / slots;
  }
  state.counters["occupancy_pct"] = model_pct;
  state.counters["rte_occupancy_pct"] = rte_pct;
  state.counters["capacity"] = (8u << log2) + conductor::flow::kStashSize;
  std::printf("occupancy at the first insert failure, %u slots: model %.2f%% (of %u incl. stash), rte_hash %.2f%%\n",
              slots, model_pct, slots + conductor::flow::kStashSize, rte_pct);
}

void BM_rtl_mix_90_10(benchmark::State& state) {
  const size_t items = static_cast<size_t>(state.range(0));
  double ops = 0, lookups = 0, inserts = 0;
  bool clean = true;
  for (auto _ : state) {
    conductor::flowsim::FlowBench b(5);
    b.program(model_config(9));
    // 10% inserts of new connections, 90% lookups of connections inserted earlier or not at all.
    const std::vector<CKey> keys = make_keys(items, 4321);
    std::mt19937_64 g(8);
    size_t n_ins = 0;
    for (size_t i = 0; i < items; ++i) {
      if (i % 10 == 9) {
        conductor::FlowOp op;
        op.key = conductor::canonical_flow_key(keys[n_ins++]);
        op.time = static_cast<uint32_t>(i);
        op.tag = static_cast<uint16_t>(i);
        b.op(op);
      } else {
        conductor::FlowLookup l;
        l.key = conductor::canonical_flow_key(keys[g() % (n_ins + 1) + (g() & 1)]);
        l.tag = i;
        b.lookup(l);
      }
    }
    if (!b.drain()) state.SkipWithError("RTL did not drain");
    // Clocks from the first handshake to the last output.
    const uint64_t first = std::min(b.lk_cycles.front(), b.op_cycles.front());
    const uint64_t last = std::max(b.res_cycles.back(), b.ctrl.cycle());
    const double clocks = static_cast<double>(last - first);
    lookups = b.lk_cycles.size() / clocks;
    inserts = b.op_cycles.size() / clocks;
    ops = (b.lk_cycles.size() + b.op_cycles.size()) / clocks;
    clean = b.results.clean() && b.events.clean();
  }
  if (!clean) state.SkipWithError("RTL output differs from the model");
  state.counters["ops_per_clock"] = ops;
  state.counters["lookups_per_clock"] = lookups;
  state.counters["inserts_per_clock"] = inserts;
}

}  // namespace

BENCHMARK(BM_lookup_vs_rte_hash)->Arg(1 << 12)->Arg(1 << 20)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_model_lookup)->Arg(1 << 12)->Arg(1 << 20);
BENCHMARK(BM_model_lookup_single)->Arg(1 << 20);
BENCHMARK(BM_rte_hash_lookup_bulk)->Arg(1 << 12)->Arg(1 << 20);
BENCHMARK(BM_occupancy_at_first_failure)
    ->Arg(1 << 12)
    ->Arg(1 << 16)
    ->Arg(1 << 20)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_rtl_mix_90_10)->Arg(2000)->Arg(20000)->Iterations(1)->Unit(benchmark::kMillisecond);

int main(int argc, char** argv) {
  const char* eal_args[] = {"bench_flow",
                            "--no-huge",
                            "--no-shconf",
                            "-m",
                            "1024",
                            "--no-pci",
                            "-l",
                            "0",
                            "--no-telemetry",
                            "--log-level=lib.eal:error"};
  if (rte_eal_init(static_cast<int>(sizeof eal_args / sizeof eal_args[0]), const_cast<char**>(eal_args)) < 0) {
    std::fprintf(stderr, "rte_eal_init: %s\n", rte_strerror(rte_errno));
    return 1;
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  g_fixtures.clear();
  rte_eal_cleanup();
  return 0;
}
