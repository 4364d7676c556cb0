// Cost of one Toeplitz hash over an IPv4 4-tuple (12 bytes) and an IPv6 4-tuple (36 bytes), for:
//   model        toeplitz(): the bit-serial reference (dist_hash_model.hpp)
//   fast/<impl>  ToeplitzFast: table, clmul, avx512, and the run-time dispatch (toeplitz_fast.hpp)
//   softrss      DPDK rte_softrss (original key) and rte_softrss_be (rte_convert_rss_key)
//   thash_gfni   DPDK rte_thash_gfni / rte_thash_gfni_bulk with rte_thash_complete_matrix
//                (only when compiled with GFNI + AVX-512, i.e. -march=native here)
// plus the whole decision (flow key -> DECISION) of the HLS core through the shim and of
// DistHashFast, for scale. Every iteration hashes a batch of 1024 different inputs; items/s counts
// hashes. Before any benchmark runs, every implementation must agree on every input of the batch
// (same key, same bytes), so the figures compare the same function; otherwise the program exits 1.
// No EAL: rte_softrss and rte_thash_gfni are inline functions and the matrix builder is plain code.
#include <arpa/inet.h>
#include <benchmark/benchmark.h>
#include <rte_thash.h>
#include <rte_thash_gfni.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <vector>

#include "common/packing.hpp"
#include "dist_hash/dist_hash_fast.hpp"
#include "dist_hash/dist_hash_model.hpp"
#include "dist_hash/toeplitz_fast.hpp"

namespace {

using conductor::DistHashFast;
using conductor::DistHashRegs;
using conductor::FlowKey;
using conductor::ToeplitzFast;

constexpr size_t kBatch = 1024;

struct Batch {
  size_t len = 0;
  // Network-order bytes, each input padded with zeros to 40 bytes (ToeplitzFast::hash_padded).
  std::vector<std::array<uint8_t, 40>> bytes;
  // The same inputs as rte_softrss wants them: 32-bit words in host order.
  std::vector<std::array<uint32_t, 10>> words;
  std::vector<uint8_t*> ptrs;  // for rte_thash_gfni_bulk
};

struct Fixture {
  std::array<uint8_t, 40> key = conductor::kMicrosoftRssKey;
  std::array<uint32_t, 10> key_be{};  // rte_convert_rss_key(key)
  alignas(64) std::array<uint64_t, 40> gfni_matrices{};
  std::unique_ptr<ToeplitzFast> fast;
  std::unique_ptr<DistHashRegs> regs;
  std::unique_ptr<DistHashFast> dist_fast;
  Batch v4, v6;
  std::vector<FlowKey> flows;            // mixed IPv4/IPv6 TCP flows for the decision benchmarks
  std::vector<ap_uint<320>> flow_words;  // the same, packed

  Fixture() {
    std::mt19937_64 rng(2024);
    for (auto& b : key) b = static_cast<uint8_t>(rng());  // a random key: not the suite's
    rte_convert_rss_key(reinterpret_cast<const uint32_t*>(key.data()), key_be.data(), static_cast<int>(key.size()));
    rte_thash_complete_matrix(gfni_matrices.data(), key.data(), static_cast<int>(key.size()));
    fast = std::make_unique<ToeplitzFast>(key.data());
    regs = std::make_unique<DistHashRegs>();
    regs->key = conductor::key_words_from_bytes(key);
    regs->ctrl = conductor::make_ctrl(conductor::HashMode::kSymL4, 12);
    for (size_t i = 0; i < regs->buckets.size(); ++i) regs->buckets[i] = static_cast<uint8_t>(rng());
    dist_fast = std::make_unique<DistHashFast>(*regs);
    fill(&v4, 12, rng);
    fill(&v6, 36, rng);
    for (size_t i = 0; i < kBatch; ++i) {
      FlowKey k;
      k.ip_valid = true;
      k.is_ipv6 = i % 2 == 1;
      for (size_t j = k.is_ipv6 ? 0 : 12; j < 16; ++j) {
        k.src_addr[j] = static_cast<uint8_t>(rng());
        k.dst_addr[j] = static_cast<uint8_t>(rng());
      }
      k.proto = conductor::kProtoTcp;
      k.l4_valid = true;
      k.src_port = static_cast<uint16_t>(rng());
      k.dst_port = static_cast<uint16_t>(rng());
      flows.push_back(k);
      flow_words.push_back(conductor::pack(k));
    }
  }

  static void fill(Batch* b, size_t len, std::mt19937_64& rng) {
    b->len = len;
    b->bytes.resize(kBatch);
    b->words.resize(kBatch);
    for (size_t i = 0; i < kBatch; ++i) {
      b->bytes[i].fill(0);
      for (size_t j = 0; j < len; ++j) b->bytes[i][j] = static_cast<uint8_t>(rng());
      for (size_t w = 0; w < 10; ++w) {
        uint32_t be;
        std::memcpy(&be, b->bytes[i].data() + 4 * w, 4);
        b->words[i][w] = ntohl(be);
      }
      b->ptrs.push_back(b->bytes[i].data());
    }
  }

  // Every implementation gives the model's hash on every input.
  bool check() const {
    int bad = 0;
    for (const Batch* b : {&v4, &v6}) {
      const uint32_t n_words = static_cast<uint32_t>(b->len / 4);
      std::vector<uint32_t> bulk(kBatch);
#ifdef RTE_THASH_GFNI_DEFINED
      rte_thash_gfni_bulk(gfni_matrices.data(), static_cast<int>(b->len), const_cast<uint8_t**>(b->ptrs.data()),
                          bulk.data(), kBatch);
#endif
      for (size_t i = 0; i < kBatch; ++i) {
        const uint8_t* in = b->bytes[i].data();
        const uint32_t want = conductor::toeplitz(key.data(), in, b->len);
        auto expect = [&](const char* what, uint32_t got) {
          if (got != want && bad++ < 10) {
            std::fprintf(stderr, "bench_hash: %s differs from the model (len %zu, input %zu): %08x != %08x\n", what,
                         b->len, i, got, want);
          }
        };
        auto words = b->words[i];
        expect("rte_softrss", rte_softrss(words.data(), n_words, key.data()));
        expect("rte_softrss_be",
               rte_softrss_be(words.data(), n_words, reinterpret_cast<const uint8_t*>(key_be.data())));
#ifdef RTE_THASH_GFNI_DEFINED
        expect("rte_thash_gfni", rte_thash_gfni(gfni_matrices.data(), in, static_cast<int>(b->len)));
        expect("rte_thash_gfni_bulk", bulk[i]);
#endif
        expect("fast/table", fast->hash_table(in, b->len));
#if CONDUCTOR_TOEPLITZ_X86
        if (ToeplitzFast::supported(ToeplitzFast::Impl::kClmul)) {
          expect("fast/clmul", fast->hash_clmul_padded(in, b->len));
        }
        if (ToeplitzFast::supported(ToeplitzFast::Impl::kAvx512)) {
          expect("fast/avx512", fast->hash_avx512(in, b->len));
        }
#endif
        expect("fast/dispatch", fast->hash(in, b->len));
      }
    }
    for (size_t i = 0; i < kBatch; ++i) {
      const conductor::Decision want = conductor::dist_hash_reference(*regs, flows[i]);
      if ((conductor::dist_hash_model(*regs, flows[i]) != want || dist_fast->decide(flows[i]) != want ||
           dist_fast->decide_word(flows[i]) != conductor::pack(want).to_uint64()) &&
          bad++ < 10) {
        std::fprintf(stderr, "bench_hash: decision differs for flow %zu\n", i);
      }
    }
    return bad == 0;
  }
};

const Fixture& fx() {
  static const Fixture* f = new Fixture();
  return *f;
}

const Batch& batch(const benchmark::State& state) { return state.range(0) == 12 ? fx().v4 : fx().v6; }

void finish(benchmark::State& state, uint32_t sink) {
  benchmark::DoNotOptimize(sink);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * kBatch);
  // Seconds per hash, printed with an SI prefix ("2.5n" = 2.5 ns).
  state.counters["time/hash"] = benchmark::Counter(
      static_cast<double>(kBatch), benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

void BM_model(benchmark::State& state) {
  const Batch& b = batch(state);
  uint32_t sink = 0;
  for (auto _ : state) {
    for (const auto& in : b.bytes) sink ^= conductor::toeplitz(fx().key.data(), in.data(), b.len);
    benchmark::DoNotOptimize(sink);
  }
  finish(state, sink);
}

void BM_fast_table(benchmark::State& state) {
  const Batch& b = batch(state);
  const ToeplitzFast& f = *fx().fast;
  uint32_t sink = 0;
  for (auto _ : state) {
    for (const auto& in : b.bytes) sink ^= f.hash_table(in.data(), b.len);
    benchmark::DoNotOptimize(sink);
  }
  finish(state, sink);
}

#if CONDUCTOR_TOEPLITZ_X86
void BM_fast_clmul(benchmark::State& state) {
  if (!ToeplitzFast::supported(ToeplitzFast::Impl::kClmul)) {
    state.SkipWithError("CPU lacks PCLMULQDQ/SSSE3");
    return;
  }
  const Batch& b = batch(state);
  const ToeplitzFast& f = *fx().fast;
  uint32_t sink = 0;
  for (auto _ : state) {
    for (const auto& in : b.bytes) sink ^= f.hash_clmul_padded(in.data(), b.len);
    benchmark::DoNotOptimize(sink);
  }
  finish(state, sink);
}

void BM_fast_avx512(benchmark::State& state) {
  if (!ToeplitzFast::supported(ToeplitzFast::Impl::kAvx512)) {
    state.SkipWithError("CPU lacks AVX-512 BW/VL, VPCLMULQDQ or GFNI");
    return;
  }
  const Batch& b = batch(state);
  const ToeplitzFast& f = *fx().fast;
  uint32_t sink = 0;
  for (auto _ : state) {
    for (const auto& in : b.bytes) sink ^= f.hash_avx512(in.data(), b.len);
    benchmark::DoNotOptimize(sink);
  }
  finish(state, sink);
}
#endif

void BM_fast_dispatch(benchmark::State& state) {
  const Batch& b = batch(state);
  const ToeplitzFast& f = *fx().fast;
  state.SetLabel(ToeplitzFast::impl_name(f.impl()));
  uint32_t sink = 0;
  for (auto _ : state) {
    for (const auto& in : b.bytes) sink ^= f.hash_padded(in.data(), b.len);
    benchmark::DoNotOptimize(sink);
  }
  finish(state, sink);
}

void BM_rte_softrss(benchmark::State& state) {
  const Batch& b = batch(state);
  const uint32_t n = static_cast<uint32_t>(b.len / 4);
  auto words = b.words;  // rte_softrss takes a non-const pointer
  uint32_t sink = 0;
  for (auto _ : state) {
    for (auto& w : words) sink ^= rte_softrss(w.data(), n, fx().key.data());
    benchmark::DoNotOptimize(sink);
  }
  finish(state, sink);
}

void BM_rte_softrss_be(benchmark::State& state) {
  const Batch& b = batch(state);
  const uint32_t n = static_cast<uint32_t>(b.len / 4);
  const uint8_t* key_be = reinterpret_cast<const uint8_t*>(fx().key_be.data());
  auto words = b.words;
  uint32_t sink = 0;
  for (auto _ : state) {
    for (auto& w : words) sink ^= rte_softrss_be(w.data(), n, key_be);
    benchmark::DoNotOptimize(sink);
  }
  finish(state, sink);
}

#ifdef RTE_THASH_GFNI_DEFINED
void BM_rte_thash_gfni(benchmark::State& state) {
  const Batch& b = batch(state);
  const uint64_t* m = fx().gfni_matrices.data();
  const int len = static_cast<int>(b.len);
  uint32_t sink = 0;
  for (auto _ : state) {
    for (const auto& in : b.bytes) sink ^= rte_thash_gfni(m, in.data(), len);
    benchmark::DoNotOptimize(sink);
  }
  finish(state, sink);
}

void BM_rte_thash_gfni_bulk(benchmark::State& state) {
  const Batch& b = batch(state);
  auto ptrs = b.ptrs;
  std::vector<uint32_t> out(kBatch);
  uint32_t sink = 0;
  for (auto _ : state) {
    rte_thash_gfni_bulk(fx().gfni_matrices.data(), static_cast<int>(b.len), ptrs.data(), out.data(), kBatch);
    sink ^= out[kBatch - 1];
    benchmark::ClobberMemory();
  }
  finish(state, sink);
}
#endif

// Whole decisions (hash input, hash, bucket, entry) on mixed IPv4/IPv6 TCP flows, mode sym-l4.
void BM_decision_hls_core(benchmark::State& state) {
  const DistHashRegs& regs = *fx().regs;
  uint64_t sink = 0;
  for (auto _ : state) {
    for (const auto& w : fx().flow_words) sink ^= conductor::dist_hash_model_word(regs, w);
    benchmark::DoNotOptimize(sink);
  }
  finish(state, static_cast<uint32_t>(sink));
}

void BM_decision_fast(benchmark::State& state) {
  const DistHashFast& f = *fx().dist_fast;
  uint32_t sink = 0;
  for (auto _ : state) {
    for (const auto& k : fx().flows) {
      const conductor::Decision d = f.decide(k);
      sink ^= d.hash ^ d.bucket ^ d.member ^ d.site ^ d.valid ^ d.sg_id;
    }
    benchmark::DoNotOptimize(sink);
  }
  finish(state, sink);
}

void BM_decision_fast_word(benchmark::State& state) {
  const DistHashFast& f = *fx().dist_fast;
  uint64_t sink = 0;
  for (auto _ : state) {
    for (const auto& k : fx().flows) sink ^= f.decide_word(k);
    benchmark::DoNotOptimize(sink);
  }
  finish(state, static_cast<uint32_t>(sink));
}

#define HASH_BENCH(fn) BENCHMARK(fn)->ArgName("bytes")->Arg(12)->Arg(36)
HASH_BENCH(BM_model);
HASH_BENCH(BM_fast_table);
#if CONDUCTOR_TOEPLITZ_X86
HASH_BENCH(BM_fast_clmul);
HASH_BENCH(BM_fast_avx512);
#endif
HASH_BENCH(BM_fast_dispatch);
HASH_BENCH(BM_rte_softrss);
HASH_BENCH(BM_rte_softrss_be);
#ifdef RTE_THASH_GFNI_DEFINED
HASH_BENCH(BM_rte_thash_gfni);
HASH_BENCH(BM_rte_thash_gfni_bulk);
#endif
BENCHMARK(BM_decision_hls_core);
BENCHMARK(BM_decision_fast);
BENCHMARK(BM_decision_fast_word);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  if (!fx().check()) {
    std::fprintf(stderr, "bench_hash: implementations disagree; not benchmarking\n");
    return 1;
  }
#ifdef RTE_THASH_GFNI_DEFINED
  const char* gfni = "rte_thash_gfni compiled in";
#else
  const char* gfni = "rte_thash_gfni NOT compiled in (needs -march with GFNI and AVX-512)";
#endif
  std::printf(
      "bench_hash: all implementations agree on %zu IPv4 and %zu IPv6 inputs; ToeplitzFast "
      "uses %s; %s\n",
      kBatch, kBatch, ToeplitzFast::impl_name(ToeplitzFast::best_impl()), gfni);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
