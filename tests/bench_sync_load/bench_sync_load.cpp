// bench_sync_load: HyperSync's sync load on a flow mix where most flows are short (docs/hypersync.md
// §12.7), measured by running the real Sender (and a Session answering it) over the mix with a
// simulated clock and counting the Ethernet/IP/UDP bytes of every sync frame, both directions.
//
//   BM_sync_load/<delay_ms>   counters: flows, data_bytes, sync_bytes, sync_pct_of_data (per added
//                             member: one backup's copy), records, frames, synced_flows_pct, and the
//                             published figure beside ours (published_pct_per_member = 1.0)
//   BM_delay_reduction        sync bytes with delayed notifications (3 s) vs without (0), same mix:
//                             reduction_pct beside published_reduction_pct_lo/hi (15/20)
//   BM_sender_frames          CPU: frames (60 IPv4 updates each) the Sender builds and encodes per second
//   BM_bytes_per_record/<v6>  Ethernet bytes per record in a full 1500-byte-MTU frame, IPv4 / IPv6
//
// The mix (seeded, std::mt19937_64 seed 2026): flows arrive as a Poisson process, 400/s for 600 s of
// simulated time (about 240 000 flows), of three classes, lognormal durations (clamped to 0.05..600 s)
// and bytes (median, sigma):
//   web 80%:  duration 0.25 s (1.2), bytes 8 KB (1.5)     -- HTTP request/response, mostly < 1 s
//   mid 15%:  duration 2 s (1.0),    bytes 100 KB (1.5)
//   long 5%:  duration 40 s (1.0),   bytes 4 MB (1.5)     -- downloads, long sessions
// Each flow (IPv4 TCP, canonical key) produces: NEW at open, UPDATE at open + 20 ms (established),
// an UPDATE every 10 s it lives (last-seen refresh for ageing), UPDATE at close − 20 ms (FIN), DELETE at
// close. Data traffic on the wire: payload + 66 B (Ethernet 14, IPv4 20, TCP 32) per packet, with
// ceil(bytes / 1448) data packets, one ACK per two of them and 7 handshake/teardown packets.
// Sync traffic: every frame's UDP payload + 42 B (Ethernet 14, IPv4 20, UDP 8), primary -> backup and
// backup -> primary (ACKs), heartbeats included. A flow ends before the simulation ends.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <queue>
#include <random>
#include <vector>

#include "host/sync/backup_store.hpp"
#include "host/sync/sender.hpp"
#include "host/sync/session.hpp"

namespace {

using namespace conductor::sync;
using namespace std::chrono_literals;

const SipKey kKey = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
constexpr size_t kWireOverhead = kEthernetBytes + kIpv4HeaderBytes + kUdpHeaderBytes;  // 42

struct Event {
  Duration at;
  uint32_t flow;
  uint8_t kind;  // 0 new, 1 update, 2 delete
  bool operator>(const Event& o) const { return at > o.at || (at == o.at && flow > o.flow); }
};

struct Mix {
  std::vector<Event> events;  // sorted
  uint64_t data_bytes = 0;
  uint32_t flows = 0;
  uint32_t long_flows = 0;  // lasting at least 3 s
};

const Mix& mix() {
  static const Mix m = [] {
    Mix m;
    std::mt19937_64 rng(2026);
    std::exponential_distribution<double> gap(400.0);
    std::uniform_real_distribution<double> u(0, 1);
    struct Class {
      double share, dur_median_s, dur_sigma, bytes_median, bytes_sigma;
    };
    const Class classes[] = {{0.80, 0.25, 1.2, 8e3, 1.5}, {0.15, 2.0, 1.0, 100e3, 1.5}, {0.05, 40.0, 1.0, 4e6, 1.5}};
    const double horizon = 600.0;
    double t = 0;
    for (;;) {
      t += gap(rng);
      if (t >= horizon) break;
      double pick = u(rng);
      const Class* c = &classes[0];
      for (const Class& k : classes) {
        if (pick < k.share) {
          c = &k;
          break;
        }
        pick -= k.share;
      }
      const double dur =
          std::clamp(c->dur_median_s * std::exp(c->dur_sigma * std::normal_distribution<double>()(rng)), 0.05, 600.0);
      const double bytes =
          std::max(200.0, c->bytes_median * std::exp(c->bytes_sigma * std::normal_distribution<double>()(rng)));
      const uint32_t id = m.flows++;
      if (dur >= 3.0) ++m.long_flows;
      const auto us = [](double s) { return Duration{static_cast<int64_t>(s * 1e6)}; };
      m.events.push_back({us(t), id, 0});
      m.events.push_back({us(t + 0.020), id, 1});
      for (double r = 10.0; r < dur - 0.040; r += 10.0) m.events.push_back({us(t + r), id, 1});
      m.events.push_back({us(t + dur - 0.020), id, 1});
      m.events.push_back({us(t + dur), id, 2});
      const uint64_t data_pkts = static_cast<uint64_t>(std::ceil(bytes / 1448.0));
      const uint64_t pkts = data_pkts + (data_pkts + 1) / 2 + 7;
      m.data_bytes += static_cast<uint64_t>(bytes) + pkts * 66;
    }
    std::sort(m.events.begin(), m.events.end(), [](const Event& a, const Event& b) { return b > a; });
    return m;
  }();
  return m;
}

FlowKey flow_key(uint32_t id) {
  return key_v4(0xC6120000u | (id & 0xFFFF), 0xC6130000u | (id >> 16), static_cast<uint16_t>(1024 + id % 60000), 443, 6,
                1);
}

struct LoadResult {
  uint64_t sync_bytes = 0, frames = 0, records = 0, reverse_bytes = 0;
  SenderStats stats;
  bool converged = false;
};

// Runs the mix through a Sender -> Session pair on a lossless, zero-delay link; simulated clock.
LoadResult run_load(Duration delay) {
  const Mix& m = mix();
  SenderConfig sc;
  sc.cluster_id = 1;
  sc.self = member_byte(1, 0);
  sc.destination = member_byte(2, 0);
  sc.key = kKey;
  sc.delay = delay;
  sc.log = [](std::string_view) {};
  SessionConfig rc;
  rc.cluster_id = 1;
  rc.self = sc.destination;
  rc.peer = sc.self;
  rc.key = kKey;
  rc.log = sc.log;
  Sender tx(sc);
  BackupStore store;
  Session rx(rc, store);
  LoadResult r;
  const TimePoint t0 = TimePoint{} + std::chrono::hours{1};
  auto pump = [&](TimePoint now) {
    for (int round = 0; round < 4; ++round) {
      auto out = tx.take_output();
      if (out.empty()) break;
      for (auto& b : out) {
        r.sync_bytes += b.size() + kWireOverhead;
        ++r.frames;
        rx.on_frame(now, b.data(), b.size());
      }
      for (auto& b : rx.take_output()) {
        r.reverse_bytes += b.size() + kWireOverhead;
        tx.on_frame(now, b.data(), b.size());
      }
    }
  };
  tx.start(t0);
  pump(t0);
  TimePoint clock = t0;  // never runs backwards ("at once" deadlines are in the past)
  auto timers = [&](TimePoint until) {
    for (;;) {
      const TimePoint d = std::min(tx.next_deadline(), rx.next_deadline());
      if (d > until) return;
      const TimePoint at = clock = std::max(d, clock);
      if (tx.next_deadline() <= at) tx.on_timer(at);
      if (rx.next_deadline() <= at) rx.on_timer(at);
      pump(at);
    }
  };
  for (const Event& e : m.events) {
    const TimePoint now = clock = std::max(clock, t0 + e.at);
    timers(now);
    const FlowKey k = flow_key(e.flow);
    const uint64_t value = (uint64_t{static_cast<uint32_t>(e.at.count() / 1000)} << 32) | (e.kind == 0 ? 1 : 2);
    if (e.kind == 0)
      tx.on_new(now, k, value, now);
    else if (e.kind == 1)
      tx.on_update(now, k, value);
    else
      tx.on_delete(now, k);
    pump(now);
  }
  const TimePoint end = t0 + m.events.back().at + 5s;
  timers(end);
  r.stats = tx.stats();
  r.records = r.stats.records_new + r.stats.records_update + r.stats.records_delete;
  r.converged = store.size(sc.self) == tx.backup_view().size();
  r.sync_bytes += r.reverse_bytes;
  return r;
}

const LoadResult& load(int delay_ms) {
  static LoadResult with = run_load(3s), without = run_load(Duration{0});
  return delay_ms ? with : without;
}

void BM_sync_load(benchmark::State& state) {
  const int delay_ms = static_cast<int>(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(load(delay_ms).sync_bytes);
  const LoadResult& r = load(delay_ms);
  const Mix& m = mix();
  if (!r.converged) state.SkipWithError("the backup did not converge");
  state.SetLabel(delay_ms ? "delayed notifications 3 s" : "no delay");
  state.counters["flows"] = m.flows;
  state.counters["flows_3s_or_longer_pct"] = 100.0 * m.long_flows / m.flows;
  state.counters["data_bytes"] = static_cast<double>(m.data_bytes);
  state.counters["sync_bytes"] = static_cast<double>(r.sync_bytes);
  state.counters["sync_reverse_bytes"] = static_cast<double>(r.reverse_bytes);
  state.counters["sync_frames"] = static_cast<double>(r.frames);
  state.counters["sync_records"] = static_cast<double>(r.records);
  state.counters["sync_pct_of_data"] = 100.0 * static_cast<double>(r.sync_bytes) / static_cast<double>(m.data_bytes);
  state.counters["never_synced_flows"] = static_cast<double>(r.stats.never_synced);
  state.counters["heartbeat_frames"] = static_cast<double>(r.stats.heartbeat_frames);
  state.counters["mean_flow_bytes"] = static_cast<double>(m.data_bytes) / m.flows;
  state.counters["sync_bytes_per_flow"] = static_cast<double>(r.sync_bytes) / m.flows;
  // The mean flow size (data bytes on the wire) at which this sync load would be 1% of the data.
  state.counters["mean_flow_bytes_at_1pct"] = 100.0 * static_cast<double>(r.sync_bytes) / m.flows;
  state.counters["published_pct_per_member"] = 1.0;
}
BENCHMARK(BM_sync_load)->Arg(0)->Arg(3000)->Iterations(1)->Unit(benchmark::kMillisecond);

void BM_delay_reduction(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(load(0).sync_bytes + load(3000).sync_bytes);
  const double with = static_cast<double>(load(3000).sync_bytes), without = static_cast<double>(load(0).sync_bytes);
  state.counters["sync_bytes_delay_3s"] = with;
  state.counters["sync_bytes_no_delay"] = without;
  state.counters["reduction_pct"] = 100.0 * (1.0 - with / without);
  state.counters["published_reduction_pct_lo"] = 15.0;
  state.counters["published_reduction_pct_hi"] = 20.0;
}
BENCHMARK(BM_delay_reduction)->Iterations(1);

void BM_sender_frames(benchmark::State& state) {
  SenderConfig sc;
  sc.cluster_id = 1;
  sc.self = member_byte(1, 0);
  sc.destination = member_byte(2, 0);
  sc.key = kKey;
  sc.delay = Duration{0};
  sc.resend_window = 64;
  Sender tx(sc);
  TimePoint now = TimePoint{} + 1s;
  tx.start(now);
  constexpr uint32_t kConns = 6000;
  for (uint32_t i = 0; i < kConns; ++i) tx.on_new(now, flow_key(i), i, now);
  tx.on_timer(now + 1ms);
  tx.take_output();
  uint32_t next = 0;
  uint64_t frames = 0, bytes = 0;
  for (auto _ : state) {
    for (int i = 0; i < 60; ++i, ++next) tx.on_update(now, flow_key(next % kConns), next);  // the 60th fills a frame
    auto out = tx.take_output();
    frames += out.size();
    for (auto& b : out) bytes += b.size();
    benchmark::DoNotOptimize(out);
  }
  state.counters["frames_per_s"] = benchmark::Counter(static_cast<double>(frames), benchmark::Counter::kIsRate);
  state.counters["records_per_s"] = benchmark::Counter(static_cast<double>(frames) * 60, benchmark::Counter::kIsRate);
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_sender_frames);

void BM_bytes_per_record(benchmark::State& state) {
  const bool v6 = state.range(0) != 0;
  const size_t per = records_per_frame(kDefaultMtu, false, v6 ? kDeltaV6Bytes : kDeltaV4Bytes);
  std::vector<Record> recs;
  for (uint32_t i = 0; i < per; ++i) {
    std::array<uint8_t, 16> a{0x20, 0x01, 0x0d, 0xb8}, b{0x20, 0x01, 0x0d, 0xb9};
    a[15] = static_cast<uint8_t>(i);
    recs.push_back(update_record(v6 ? key_v6(a, b, static_cast<uint16_t>(i), 443, 6) : flow_key(i), i));
  }
  FrameHeader h;
  h.cluster_id = 1, h.source = member_byte(1, 0), h.destination = member_byte(2, 0), h.epoch = 1, h.sequence = 1;
  size_t size = 0;
  for (auto _ : state) {
    auto p = encode_udp_packet(h, recs, kKey, UdpEncap{});
    size = p->size();
    benchmark::DoNotOptimize(size);
  }
  state.SetLabel(v6 ? "IPv6 update" : "IPv4 update");
  state.counters["records_per_frame"] = static_cast<double>(per);
  state.counters["record_bytes"] = static_cast<double>(v6 ? kDeltaV6Bytes : kDeltaV4Bytes);
  state.counters["wire_bytes_per_record"] = static_cast<double>(size) / static_cast<double>(per);
}
BENCHMARK(BM_bytes_per_record)->Arg(0)->Arg(1);

}  // namespace

BENCHMARK_MAIN();
