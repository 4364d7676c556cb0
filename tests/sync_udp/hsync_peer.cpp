// hsync_peer: a HyperSync primary in its own process, for the real-UDP test (sync_udp_test.cpp).
//
//   hsync_peer --peer-port P [--seed S] [--conns N] [--run-ms T] [--drop F] [--delay-ms D]
//
// Binds 127.0.0.1 port 0 and prints "ready <port>". Sends its sync frames to 127.0.0.1:P with the real
// clock (UdpTransport), while a seeded workload opens, updates and closes connections for T ms
// (N distinct keys, a quarter of them IPv6). Then it stops changing anything, waits until every
// connection has matured, and prints "done <connections> <digest>" (BackupStore::digest of what the
// backup must hold). It keeps serving (heartbeats, NACKs, full syncs) until its standard input closes,
// then exits 0. --drop F drops that fraction of its outgoing datagrams (seeded).
#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <string>

#include "host/common/cli.hpp"
#include "host/sync/backup_store.hpp"
#include "host/sync/sender.hpp"
#include "host/sync/udp_transport.hpp"
#include "tests/sync/sync_fuzz_input.hpp"

using namespace conductor::sync;
using namespace std::chrono_literals;

namespace {

FlowKey key_of(uint32_t i) {
  if (i % 4 == 3) {
    std::array<uint8_t, 16> a{
        0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, static_cast<uint8_t>(i >> 8), static_cast<uint8_t>(i)};
    std::array<uint8_t, 16> b{0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 1};
    return key_v6(a, b, static_cast<uint16_t>(20000 + i), 443, 6, 2);
  }
  return key_v4(0xC6120000u + i, 0xC6130001u, static_cast<uint16_t>(20000 + i), 443, 6, 2);
}

}  // namespace

int main(int argc, char** argv) {
  uint16_t peer_port = 0;
  uint64_t seed = 1;
  uint32_t conns = 500;
  uint32_t run_ms = 800, delay_ms = 50;
  double drop = 0;
  CLI::App app{"A HyperSync primary in its own process, for the real-UDP test (tests/sync_udp)", "hsync_peer"};
  conductor::cli::setup(app);
  conductor::cli::add_uint(app, "--peer-port", peer_port, 1, 65535, "the backup's UDP port on 127.0.0.1")->required();
  conductor::cli::add_uint(app, "--seed", seed, 0, UINT64_MAX, "workload and drop seed (default 1)");
  conductor::cli::add_uint(app, "--conns", conns, 1, 60000, "distinct connections (default 500)");
  conductor::cli::add_uint(app, "--run-ms", run_ms, 0, 600000, "milliseconds of changes (default 800)");
  conductor::cli::add_uint(app, "--delay-ms", delay_ms, 0, 600000, "delayed-notification threshold (default 50)");
  app.add_option("--drop", drop, "fraction of outgoing datagrams dropped (default 0)")->check(CLI::Range(0.0, 1.0));
  if (auto s = conductor::cli::parse(app, {argv + 1, argv + argc}); !s) return conductor::cli::report(s, "hsync_peer");

  SenderConfig cfg;
  cfg.cluster_id = conductor::sync::fuzz::kFuzzCluster;
  cfg.self = member_byte(2, 0);
  cfg.destination = member_byte(1, 0);
  cfg.epoch = 1;
  cfg.key = conductor::sync::fuzz::fuzz_key();
  cfg.delay = std::chrono::milliseconds{delay_ms};
  cfg.heartbeat = 20ms;
  cfg.log = [](std::string_view) {};
  Sender sender(cfg);
  auto t = UdpTransport::open({.bind = "127.0.0.1", .port = 0, .drop_tx = drop, .drop_seed = seed}, sender);
  if (!t) {
    std::fprintf(stderr, "hsync_peer: %s\n", t.error().message.c_str());
    return 1;
  }
  UdpTransport& udp = **t;
  if (auto s = udp.set_peer("127.0.0.1", static_cast<uint16_t>(peer_port)); !s) {
    std::fprintf(stderr, "hsync_peer: %s\n", s.error().message.c_str());
    return 1;
  }
  std::printf("ready %u\n", udp.local_port());
  std::fflush(stdout);

  std::mt19937_64 rng(seed);
  std::map<uint32_t, uint64_t> live;
  const TimePoint start = Clock::now();
  const TimePoint stop_events = start + std::chrono::milliseconds{run_ms};
  const TimePoint report_at = stop_events + std::chrono::milliseconds{delay_ms} + 20ms;
  TimePoint next_event = start;
  bool reported = false;
  sender.start(start);
  udp.flush();
  for (;;) {
    TimePoint now = Clock::now();
    while (now < stop_events && next_event <= now) {  // about 5 events per millisecond
      const uint32_t i = static_cast<uint32_t>(rng() % conns);
      const uint64_t v = rng();
      auto it = live.find(i);
      if (it == live.end()) {
        live[i] = v;
        sender.on_new(now, key_of(i), v, now);
      } else if (rng() % 3 == 0) {
        live.erase(it);
        sender.on_delete(now, key_of(i));
      } else {
        it->second = v;
        sender.on_update(now, key_of(i), v);
      }
      next_event += 200us;
    }
    udp.flush();
    if (!reported && now >= report_at) {
      const auto view = sender.backup_view();
      std::printf("done %zu %016" PRIx64 "\n", view.size(), BackupStore::digest(view));
      std::fflush(stdout);
      reported = true;
    }
    TimePoint wake = udp.next_deadline();
    if (now < stop_events) wake = std::min(wake, next_event);
    if (!reported) wake = std::min(wake, report_at);
    const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(wake - now).count();
    pollfd fds[2] = {{udp.fd(), POLLIN, 0}, {STDIN_FILENO, POLLIN, 0}};
    const int timeout = wake == kNever ? 100 : static_cast<int>(std::clamp<int64_t>(wait + 1, 0, 100));
    if (::poll(fds, 2, timeout) < 0 && errno != EINTR) return 1;
    now = Clock::now();
    if (fds[0].revents & POLLIN) udp.on_readable(now);
    if (fds[1].revents & (POLLIN | POLLHUP)) {
      char buf[64];
      if (::read(STDIN_FILENO, buf, sizeof buf) <= 0) break;  // the test closed our input: exit
    }
    if (now >= udp.next_deadline()) udp.on_deadline(now);
  }
  std::fprintf(stderr,
               "hsync_peer: sent %" PRIu64 " frames (%" PRIu64 " dropped by --drop), %" PRIu64 " full syncs, %" PRIu64
               " NACKs\n",
               udp.stats().tx_datagrams, udp.stats().tx_dropped_by_hook, sender.stats().full_syncs,
               sender.stats().nacks);
  return 0;
}
