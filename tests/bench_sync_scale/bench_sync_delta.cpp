// bench_sync_delta: does HyperSync delta sync keep up with a member's connection changes at scale (issue
// "HyperSync at scale": 100k changes/s per member)? One process, one thread, the real clock, real UDP
// sockets on 127.0.0.1 (UdpTransport, ephemeral ports).
//
//   bench_sync_delta [--connections 1000000] [--seconds 5] [--rates 100000 | --rates 50000,100000,...]
//                    [--smoke] [--out sync_delta.json]
//
// Topology, like a member agent with two backups: one primary's connections synced to TWO backups, two
// Sender -> Session pairs, each Session with its own BackupStore; four UdpTransports (2 senders, 2
// sessions) whose socket buffers are raised to 16 MiB (SO_RCVBUFFORCE/SO_SNDBUFFORCE, else the plain
// options, capped by net.core.[rw]mem_max). Senders have the member agent's defaults (make_sender_config
// of a default [sync]: window 768, rate 1 Gbps, flush 1 ms, MTU 1500) with delay 0 (every change synced).
//
// Load: M connections (IPv4 TCP keys) into both Senders before start(), the start-up full sync carries
// them; then wait until both Sessions are in sync and both stores hold M entries (limit 120 s + 60 s per
// million).
// Per rate point R: for T seconds the loop issues, at each iteration, the changes due so far (R changes/s
// from the point's start, at most 1000 per iteration so the sockets are still served), 80% on_update
// of a random live connection (a new random value), 10% on_delete of a random one, 10% on_new of a fresh
// key, each applied to both Senders; between batches it polls the four sockets (ppoll, at most 100 us
// while changes are due, else until the endpoints' next_deadline) and runs on_readable / on_deadline.
// Every 10 ms it samples both Senders' lag() and in_flight(). After T the changes stop and the loop keeps
// driving the sockets until each backup's store equals its Sender's backup_view() (BackupStore::digest,
// sizes compared first, digests only then: the time is taken before the digests are computed);
// catch_up_ms is the later of the two backups. A point that is not caught up T + 10 s after its start is
// given up (catch_up_ms null). A point "keeps up" when achieved_rate >= 99% of R and catch-up < 1 s.
// CPU: getrusage user + system of the whole process over the T seconds (both Senders, both Sessions,
// both stores and the kernel's UDP work), divided by the changes issued; primary_cpu_us_per_change is
// the thread's CPU inside the batches alone (both Senders' on_new/on_update/on_delete and sending the
// frames they filled: the primary's share, without ACK handling, timers and flushes by deadline). The
// state carries over from one point to the next (no reload).
//
// Output: JSON (--out, default stdout), progress on stderr. --smoke: M = 20000, T = 0.5 s, one point at
// 20000/s (CTest bench_sync_delta_smoke); it fails when the load or the catch-up does not complete
// (correctness), not when the machine is too slow to keep up.
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "host/common/cli.hpp"
#include "host/sync/backup_store.hpp"
#include "host/sync/sender.hpp"
#include "host/sync/session.hpp"
#include "host/sync/sync_config.hpp"
#include "host/sync/udp_transport.hpp"

namespace conductor::sync {
namespace {

using namespace std::chrono_literals;

constexpr size_t kMaxBatch = 1000;                      // changes per loop iteration at most
constexpr auto kTick = std::chrono::microseconds{100};  // poll timeout while changes are due
constexpr auto kSampleEvery = std::chrono::milliseconds{10};
constexpr double kGiveUpAfterS = 10;  // a point ends at T + this, caught up or not

struct Options {
  uint32_t connections = 1'000'000;
  double seconds = 5;
  std::vector<uint64_t> rates{100'000};
  bool smoke = false;
  std::string out;
};

double secs(Duration d) { return std::chrono::duration<double>(d).count(); }
double secs(TimePoint a, TimePoint b) { return std::chrono::duration<double>(b - a).count(); }

std::string fixed(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f", v);
  return b;
}

double thread_cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

double cpu_seconds() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// Connection i: 10.x.y.z:port -> 192.168.0.1:443 TCP, distinct for every i below 2^32.
FlowKey key_of(uint64_t i) {
  return key_v4(0x0A000000u + static_cast<uint32_t>(i / 50000), 0xC0A80001u, static_cast<uint16_t>(10000 + i % 50000),
                443, 6, 1);
}

const SipKey kKey{0x48, 0x79, 0x70, 0x65, 0x72, 0x53, 0x79, 0x6e, 0x63, 0x20, 0x64, 0x65, 0x6c, 0x74, 0x61, 0x21};
constexpr uint8_t kPrimary = member_byte(0, 0);

// One destination: the primary's Sender, the backup's Session and store, a socket each.
struct Link {
  uint8_t backup = 0;
  std::unique_ptr<Sender> sender;
  BackupStore store;
  std::unique_ptr<Session> session;
  std::unique_ptr<UdpTransport> tx, rx;  // the Sender's socket, the Session's
  int rcvbuf = 0, sndbuf = 0;
};

std::string open_link(Link& l, uint8_t backup) {
  l.backup = backup;
  config::Sync file;  // a default [sync], delay 0
  file.key = kKey;
  file.delay = std::chrono::seconds{0};
  SenderConfig sc = make_sender_config(file, 0, kPrimary, backup, 1);
  if (auto st = validate(sc); !st.ok()) return "sender config: " + st.error().message;
  l.sender = std::make_unique<Sender>(sc);
  SessionConfig ss;  // make_session_config()
  ss.self = backup;
  ss.peer = kPrimary;
  ss.epoch = 1;
  ss.key = kKey;
  l.session = std::make_unique<Session>(ss, l.store);
  auto rx = UdpTransport::open({.bind = "127.0.0.1", .port = 0}, *l.session);
  if (!rx) return rx.error().message;
  l.rx = std::move(*rx);
  auto tx = UdpTransport::open({.bind = "127.0.0.1", .port = 0}, *l.sender);
  if (!tx) return tx.error().message;
  l.tx = std::move(*tx);
  if (auto st = l.tx->set_peer("127.0.0.1", l.rx->local_port()); !st) return st.error().message;
  for (UdpTransport* t : {l.tx.get(), l.rx.get()}) {
    std::tie(l.rcvbuf, l.sndbuf) = grow_socket_buffers(t->fd());
  }
  return {};
}

// One round of socket work: wait until a socket is readable, an endpoint's deadline or `wake`, then
// read every readable socket and run every deadline that is due.
void drive(std::vector<Link>& links, TimePoint wake) {
  std::vector<UdpTransport*> ts;
  for (auto& l : links) ts.push_back(l.tx.get()), ts.push_back(l.rx.get());
  TimePoint until = wake;
  for (auto* t : ts) until = std::min(until, t->next_deadline());
  const auto wait = std::max(Duration::zero(), std::chrono::duration_cast<Duration>(until - Clock::now()));
  pollfd fds[8];
  for (size_t i = 0; i < ts.size(); ++i) fds[i] = {ts[i]->fd(), POLLIN, 0};
  const timespec ts_wait{static_cast<time_t>(wait.count() / 1'000'000),
                         static_cast<long>(wait.count() % 1'000'000) * 1000};
  const int n = ::ppoll(fds, ts.size(), &ts_wait, nullptr);
  TimePoint now = Clock::now();
  if (n > 0)
    for (size_t i = 0; i < ts.size(); ++i)
      if (fds[i].revents & POLLIN) ts[i]->on_readable(now);
  now = Clock::now();
  for (auto* t : ts)
    if (now >= t->next_deadline()) t->on_deadline(now);
}

// The primary's connections: the keys alive now (random choice, swap-remove) and the next fresh one.
struct Model {
  std::vector<FlowKey> live;
  uint64_t next = 0;
  std::mt19937_64 rng{2026};
};

struct Totals {
  uint64_t records = 0, frames = 0, retransmit_frames = 0, full_syncs = 0, window_waits = 0, rate_waits = 0;
  uint64_t nacks_sent = 0, gaps = 0, full_sync_requests = 0, tx_errors = 0, udp_datagrams = 0;
};
Totals totals(const std::vector<Link>& links) {
  Totals t;
  for (const auto& l : links) {
    const auto& s = l.sender->stats();
    t.records += s.records_new + s.records_update + s.records_delete;
    t.frames += s.frames;
    t.retransmit_frames += s.retransmit_frames;
    t.full_syncs += s.full_syncs;
    t.window_waits += s.window_waits;
    t.rate_waits += s.rate_waits;
    t.nacks_sent += l.session->stats().nacks_sent;
    t.gaps += l.session->stats().gaps;
    t.full_sync_requests += l.session->stats().full_sync_requests;
    t.tx_errors += l.tx->stats().tx_errors + l.rx->stats().tx_errors;
    t.udp_datagrams += l.tx->stats().tx_datagrams;
  }
  return t;
}

// Whether `l`'s backup holds exactly its Sender's backup_view(): sizes first (cheap), then digests.
struct Check {
  uint32_t sender_seq = 0, session_seq = 0;
  size_t store_size = SIZE_MAX;
  std::optional<uint64_t> expected;  // digest of the Sender's view (fixed once the changes stopped)
  size_t expected_size = 0;
};
bool caught_up(Link& l, Check& c, const Model& m) {
  const uint32_t ss = l.sender->highest_sequence(), rs = l.session->highest();
  const size_t n = l.store.size(kPrimary);
  if (ss != rs || l.session->missing() != 0 || n != m.live.size()) return false;
  if (ss == c.sender_seq && rs == c.session_seq && n == c.store_size) return false;  // checked, no change since
  c.sender_seq = ss, c.session_seq = rs, c.store_size = n;
  if (!c.expected) {
    const auto view = l.sender->backup_view();
    c.expected = BackupStore::digest(view);
    c.expected_size = view.size();
  }
  return n == c.expected_size && BackupStore::digest(l.store.snapshot(kPrimary)) == *c.expected;
}

nlohmann::json run_point(std::vector<Link>& links, Model& m, uint64_t rate, double seconds) {
  std::fprintf(stderr, "bench_sync_delta: %" PRIu64 " changes/s for %.1f s ...\n", rate, seconds);
  const Totals before = totals(links);
  uint64_t issued = 0, updates = 0, deletes = 0, news = 0;
  double lag_max = 0, lag_sum = 0, issue_cpu = 0;
  size_t in_flight_max = 0, samples = 0;
  const double cpu0 = cpu_seconds();
  const TimePoint t0 = Clock::now();
  const TimePoint end = t0 + std::chrono::duration_cast<Duration>(std::chrono::duration<double>(seconds));
  const TimePoint give_up = end + std::chrono::seconds{static_cast<int>(kGiveUpAfterS)};
  TimePoint next_sample = t0 + kSampleEvery, next_progress = t0 + 1s;
  TimePoint now = t0;
  while (now < end) {
    const auto due = static_cast<uint64_t>(secs(t0, now) * static_cast<double>(rate));
    const uint64_t n = std::min<uint64_t>(due > issued ? due - issued : 0, kMaxBatch);
    const double issue0 = n ? thread_cpu_seconds() : 0;
    for (uint64_t i = 0; i < n; ++i) {
      const unsigned kind = static_cast<unsigned>(m.rng() % 10);
      if (kind == 0 || m.live.empty()) {  // 10% new
        const FlowKey k = key_of(m.next++);
        const uint64_t v = m.rng();
        m.live.push_back(k);
        for (auto& l : links) l.sender->on_new(now, k, v, now);
        ++news;
      } else if (kind == 1) {  // 10% delete
        const size_t at = m.rng() % m.live.size();
        const FlowKey k = m.live[at];
        m.live[at] = m.live.back();
        m.live.pop_back();
        for (auto& l : links) l.sender->on_delete(now, k);
        ++deletes;
      } else {  // 80% update
        const FlowKey& k = m.live[m.rng() % m.live.size()];
        const uint64_t v = m.rng();
        for (auto& l : links) l.sender->on_update(now, k, v);
        ++updates;
      }
    }
    issued += n;
    for (auto& l : links) l.tx->flush();
    if (n) issue_cpu += thread_cpu_seconds() - issue0;
    drive(links, Clock::now() + kTick);
    now = Clock::now();
    if (now >= next_sample) {
      next_sample += kSampleEvery;
      if (next_sample < now) next_sample = now + kSampleEvery;
      for (auto& l : links) {
        const double lag = secs(l.sender->lag(now)) * 1e3;
        lag_max = std::max(lag_max, lag);
        lag_sum += lag;
        in_flight_max = std::max(in_flight_max, l.sender->in_flight());
        ++samples;
      }
    }
    if (now >= next_progress) {
      next_progress += 1s;
      std::fprintf(stderr, "  %.0f s: %" PRIu64 " changes issued (%.0f/s), lag %.1f / %.1f ms, in flight %zu / %zu\n",
                   secs(t0, now), issued, issued / std::max(secs(t0, now), 1e-9), secs(links[0].sender->lag(now)) * 1e3,
                   secs(links[1].sender->lag(now)) * 1e3, links[0].sender->in_flight(), links[1].sender->in_flight());
    }
  }
  const TimePoint stopped = now;
  const double cpu = cpu_seconds() - cpu0;
  const double achieved = issued / std::max(secs(t0, stopped), 1e-9);
  const Totals during = totals(links);

  // Catch-up: drive the sockets until each backup equals its Sender's view.
  std::vector<Check> checks(links.size());
  std::vector<std::optional<double>> caught(links.size());
  auto all_caught = [&] { return std::all_of(caught.begin(), caught.end(), [](auto& c) { return c.has_value(); }); };
  while (!all_caught() && now < give_up) {
    drive(links, std::min(give_up, Clock::now() + 10ms));
    now = Clock::now();
    for (size_t i = 0; i < links.size(); ++i)
      if (!caught[i] && caught_up(links[i], checks[i], m)) caught[i] = secs(stopped, now) * 1e3;
  }
  std::optional<double> catch_up;
  if (all_caught()) {
    catch_up = 0;
    for (auto& c : caught) catch_up = std::max(*catch_up, *c);
  }
  const Totals after = totals(links);
  const bool keeps_up = achieved >= 0.99 * static_cast<double>(rate) && catch_up && *catch_up < 1000;
  std::fprintf(stderr,
               "  achieved %.0f/s, records %" PRIu64 ", frames %" PRIu64
               ", lag max %.1f ms mean %.2f ms, in flight max %zu, "
               "catch-up %s ms, %.2f us CPU per change (%.2f us in the senders' events): %s\n",
               achieved, during.records - before.records, during.frames - before.frames, lag_max,
               samples ? lag_sum / samples : 0.0, in_flight_max, catch_up ? fixed(*catch_up).c_str() : "(none)",
               issued ? cpu * 1e6 / issued : 0.0, issued ? issue_cpu * 1e6 / issued : 0.0,
               keeps_up ? "keeps up" : "does NOT keep up");
  auto opt = [](std::optional<double> v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); };
  nlohmann::json per_backup = nlohmann::json::array();
  for (size_t i = 0; i < links.size(); ++i)
    per_backup.push_back({{"backup", links[i].backup},
                          {"catch_up_ms", opt(caught[i])},
                          {"entries", links[i].store.size(kPrimary)},
                          {"in_sync", links[i].session->in_sync()}});
  return {{"target_rate", rate},
          {"achieved_rate", achieved},
          {"keeps_up", keeps_up},
          {"records", during.records - before.records},
          {"frames", during.frames - before.frames},
          {"lag_max_ms", lag_max},
          {"lag_mean_ms", samples ? lag_sum / samples : 0.0},
          {"in_flight_max", in_flight_max},
          {"catch_up_ms", opt(catch_up)},
          {"cpu_us_per_change", issued ? cpu * 1e6 / issued : 0.0},
          {"primary_cpu_us_per_change", issued ? issue_cpu * 1e6 / issued : 0.0},
          // Beyond the issue's fields: what happened on the way.
          {"changes", issued},
          {"updates", updates},
          {"deletes", deletes},
          {"news", news},
          {"seconds", secs(t0, stopped)},
          {"records_per_change_per_backup", issued ? (during.records - before.records) / 2.0 / issued : 0.0},
          {"lag_samples", samples},
          {"retransmit_frames", after.retransmit_frames - before.retransmit_frames},
          {"full_syncs", after.full_syncs - before.full_syncs},
          {"full_sync_requests", after.full_sync_requests - before.full_sync_requests},
          {"gaps", after.gaps - before.gaps},
          {"nacks_sent", after.nacks_sent - before.nacks_sent},
          {"window_waits", during.window_waits - before.window_waits},
          {"rate_waits", during.rate_waits - before.rate_waits},
          {"udp_tx_errors", after.tx_errors - before.tx_errors},
          {"connections_after", m.live.size()},
          {"per_backup", per_backup}};
}

int run(int argc, char** argv) {
  Options o;
  CLI::App app{
      "One primary's connection changes synced to two backups over UDP on 127.0.0.1: achieved rate, "
      "lag, catch-up, CPU per change at each target rate. JSON.",
      "bench_sync_delta"};
  cli::setup(app);
  cli::add_uint(app, "--connections", o.connections, 1, 50'000'000, "connections loaded first (default 1000000)");
  cli::add_parsed(
      app, "--seconds", o.seconds, [](const std::string& v) { return cli::parse_real(v, 0.01, 600); },
      "seconds of changes per rate (default 5)")
      ->type_name("T");
  cli::add_list(app, "--rates", o.rates, 1, 100'000'000, "target changes per second (default 100000)");
  app.add_flag("--smoke", o.smoke, "20000 connections, 0.5 s at 20000/s (the CTest run)");
  app.add_option("--out", o.out, "the JSON file; default stdout")->type_name("FILE");
  if (Status st = cli::parse(app, std::vector<std::string>(argv + 1, argv + argc)); !st)
    return cli::report(st, "bench_sync_delta");
  if (o.smoke) {
    o.connections = 20000;
    o.seconds = 0.5;
    o.rates = {20000};
  }

  std::vector<Link> links(2);
  for (size_t i = 0; i < links.size(); ++i)
    if (auto e = open_link(links[i], member_byte(static_cast<unsigned>(i + 1), 0)); !e.empty()) {
      std::fprintf(stderr, "bench_sync_delta: %s\n", e.c_str());
      return 1;
    }

  // Load: M connections, created long ago, carried by the start-up full syncs.
  Model m;
  std::fprintf(stderr, "bench_sync_delta: loading %u connections into 2 backups ...\n", o.connections);
  TimePoint now = Clock::now();
  m.live.reserve(o.connections + o.connections / 4);
  for (uint32_t i = 0; i < o.connections; ++i) {
    const FlowKey k = key_of(m.next++);
    m.live.push_back(k);
    const uint64_t v = m.rng();
    for (auto& l : links) l.sender->on_new(now, k, v, now - 10s);
  }
  const TimePoint load0 = Clock::now();
  for (auto& l : links) {
    l.sender->start(load0);
    l.tx->flush();
  }
  const TimePoint load_limit = load0 + 120s + std::chrono::seconds{60 * (o.connections / 1'000'000)};
  auto whole = [&] {
    for (auto& l : links)
      if (!l.session->in_sync() || l.store.size(kPrimary) != o.connections) return false;
    return true;
  };
  while (!whole() && Clock::now() < load_limit) drive(links, Clock::now() + 10ms);
  const TimePoint loaded = Clock::now();
  if (!whole()) {
    std::fprintf(stderr, "bench_sync_delta: the backups are not whole %.0f s after the start-up full sync\n",
                 secs(load0, loaded));
    for (auto& l : links)
      std::fprintf(stderr, "  backup %u: in sync %d, %zu entries\n", l.backup, l.session->in_sync(),
                   l.store.size(kPrimary));
    return 1;
  }
  std::fprintf(stderr, "bench_sync_delta: both backups whole in %.3f s (setup %.3f s)\n", secs(load0, loaded),
               secs(now, load0));

  nlohmann::json points = nlohmann::json::array();
  bool all_caught_up = true;
  for (uint64_t r : o.rates) {
    auto p = run_point(links, m, r, o.seconds);
    if (p["catch_up_ms"].is_null()) all_caught_up = false;
    points.push_back(std::move(p));
  }
  const Totals t = totals(links);
  nlohmann::json out{
      {"bench", "sync_delta"},
      {"topology",
       "one primary, two backups (two Sender -> Session pairs, a BackupStore each), one thread, "
       "UDP on 127.0.0.1"},
      {"mix", "80% update of a random live connection, 10% delete of a random one, 10% new, applied to both senders"},
      {"sender",
       {{"window", config::Sync{}.window},
        {"rate_bps", config::Sync{}.rate},
        {"flush_ms", 1},
        {"delay_ms", 0},
        {"mtu", 1500}}},
      {"connections", o.connections},
      {"seconds_per_point", o.seconds},
      {"keeps_up_rule", "achieved_rate >= 0.99 * target_rate and catch_up_ms < 1000"},
      {"socket_rcvbuf_bytes", links[0].rcvbuf},
      {"socket_sndbuf_bytes", links[0].sndbuf},
      {"load_seconds", secs(load0, loaded)},
      {"udp_tx_errors_total", t.tx_errors},
      {"points", points}};
  const std::string text = out.dump(2) + "\n";
  if (o.out.empty()) {
    std::fputs(text.c_str(), stdout);
  } else {
    std::ofstream(o.out) << text;
    std::fprintf(stderr, "bench_sync_delta: %s\n", o.out.c_str());
  }
  if (o.smoke && !all_caught_up) {
    std::fprintf(stderr, "bench_sync_delta: a backup did not catch up (smoke run fails)\n");
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace conductor::sync

int main(int argc, char** argv) { return conductor::sync::run(argc, argv); }
