// Test harness for HyperSync's reliable delivery: a primary Sender and a backup Session + BackupStore
// joined by two seeded lossy channels (drop, duplicate, reorder by random delay, corrupt one byte), a
// fake clock, and a workload of connection events with a model of what the backup must end up holding.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <vector>

#include "host/sync/backup_store.hpp"
#include "host/sync/sender.hpp"
#include "host/sync/session.hpp"
#include "tests/sync/sync_fuzz_input.hpp"
#include "tests/sync/sync_test_util.hpp"

namespace conductor::sync::test {

using namespace std::chrono_literals;

struct Impairment {
  double drop = 0, duplicate = 0, corrupt = 0;
  Duration min_delay{100}, max_delay{100};  // uniform; a spread reorders
};

class LossyChannel {
 public:
  LossyChannel(uint64_t seed, Impairment imp) : rng_(seed), imp_(imp) {}
  void set(Impairment imp) { imp_ = imp; }
  void push(TimePoint now, std::vector<uint8_t> bytes) {
    ++sent_;
    if (chance(imp_.drop)) {
      ++dropped_;
      return;
    }
    if (chance(imp_.corrupt) && !bytes.empty()) {
      bytes[pick(bytes.size())] ^= static_cast<uint8_t>(1u << pick(8));
      ++corrupted_;
    }
    if (chance(imp_.duplicate)) queue(now, bytes);
    queue(now, std::move(bytes));
  }
  std::vector<std::vector<uint8_t>> due(TimePoint now) {
    std::vector<std::vector<uint8_t>> out;
    while (!q_.empty() && q_.begin()->first.first <= now) {
      out.push_back(std::move(q_.begin()->second));
      q_.erase(q_.begin());
    }
    return out;
  }
  bool idle() const { return q_.empty(); }
  uint64_t sent() const { return sent_; }
  uint64_t dropped() const { return dropped_; }

 private:
  bool chance(double p) { return p > 0 && std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  size_t pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }
  void queue(TimePoint now, std::vector<uint8_t> b) {
    const auto d = std::uniform_int_distribution<int64_t>(imp_.min_delay.count(), imp_.max_delay.count())(rng_);
    q_.emplace(std::make_pair(now + Duration{d}, order_++), std::move(b));
  }
  std::mt19937_64 rng_;
  Impairment imp_;
  std::map<std::pair<TimePoint, uint64_t>, std::vector<uint8_t>> q_;
  uint64_t order_ = 0, sent_ = 0, dropped_ = 0, corrupted_ = 0;
};

inline constexpr uint16_t kCluster = 7;
inline const uint8_t kPrimary = member_byte(2, 0);
inline const uint8_t kBackup = member_byte(1, 0);

inline SenderConfig sender_config(uint32_t epoch = 1) {
  SenderConfig c;
  c.cluster_id = kCluster;
  c.self = kPrimary;
  c.destination = kBackup;
  c.epoch = epoch;
  c.key = fuzz::fuzz_key();
  c.delay = 100ms;
  c.port_delays = {{22, Duration{0}}, {80, 300ms}};
  c.log = [](std::string_view l) {
    if (std::getenv("SYNC_TEST_LOG")) std::fprintf(stderr, "%.*s\n", (int)l.size(), l.data());
  };
  return c;
}

inline SessionConfig session_config(uint32_t epoch = 1) {
  SessionConfig c;
  c.cluster_id = kCluster;
  c.self = kBackup;
  c.peer = kPrimary;
  c.epoch = epoch;
  c.key = fuzz::fuzz_key();
  c.log = [](std::string_view l) {
    if (std::getenv("SYNC_TEST_LOG")) std::fprintf(stderr, "%.*s\n", (int)l.size(), l.data());
  };
  return c;
}

// Primary and backup over two lossy channels, stepped by a fake clock.
class Pair {
 public:
  Pair(uint64_t seed, Impairment imp, SenderConfig sc = sender_config(), SessionConfig rc = session_config())
      : fwd_(seed * 2 + 1, imp), back_(seed * 2 + 2, imp), rc_(rc) {
    sender_ = std::make_unique<Sender>(sc);
    store_ = std::make_unique<BackupStore>();
    session_ = std::make_unique<Session>(rc, *store_);
    sender_->start(now_);
  }
  TimePoint now() const { return now_; }
  Sender& sender() { return *sender_; }
  Session& session() { return *session_; }
  BackupStore& store() { return *store_; }
  void impair(Impairment imp) { fwd_.set(imp), back_.set(imp); }

  // Advances the clock by dt and moves every frame that is due; timers fire only at their deadlines.
  void step(Duration dt) {
    now_ += dt;
    if (sender_->next_deadline() <= now_) sender_->on_timer(now_);
    for (auto& b : sender_->take_output()) fwd_.push(now_, std::move(b));
    for (auto& b : fwd_.due(now_)) session_->on_frame(now_, b.data(), b.size());
    if (session_->next_deadline() <= now_) session_->on_timer(now_);
    for (auto& b : session_->take_output()) back_.push(now_, std::move(b));
    for (auto& b : back_.due(now_)) sender_->on_frame(now_, b.data(), b.size());
    for (auto& b : sender_->take_output()) fwd_.push(now_, std::move(b));
  }
  // The backup restarts: empty store, a new session with a higher epoch.
  void restart_backup() {
    rc_.epoch += 1;
    store_ = std::make_unique<BackupStore>();
    session_ = std::make_unique<Session>(rc_, *store_);
  }
  // The primary restarts with a higher epoch (its table is rebuilt by the caller's events).
  void restart_primary(SenderConfig sc) {
    sender_ = std::make_unique<Sender>(sc);
    sender_->start(now_);
  }

 private:
  TimePoint now_ = TimePoint{} + std::chrono::hours{1};
  LossyChannel fwd_, back_;
  SessionConfig rc_;
  std::unique_ptr<Sender> sender_;
  std::unique_ptr<BackupStore> store_;
  std::unique_ptr<Session> session_;
};

// Random connection events with a model of the primary's table.
class Workload {
 public:
  explicit Workload(uint64_t seed, size_t pool = 2000) : rng_(seed), pool_(pool) {}

  FlowKey key(size_t i) const {
    static const uint16_t kPorts[] = {443, 80, 22, 53, 8080};
    if (i % 5 == 4) {
      std::array<uint8_t, 16> a{0x20, 0x01, 0x0d, 0xb8}, b{0x20, 0x01, 0x0d, 0xb9};
      a[14] = static_cast<uint8_t>(i >> 8), a[15] = static_cast<uint8_t>(i);
      b[15] = 1;
      return key_v6(a, b, static_cast<uint16_t>(30000 + i), kPorts[i % 5], 6, 1);
    }
    return key_v4(0xC6120000u + static_cast<uint32_t>(i), 0xC6130001u, static_cast<uint16_t>(30000 + i), kPorts[i % 5],
                  6, 1);
  }

  // One random event applied to the sender and the model.
  void event(Sender& s, TimePoint now) {
    const size_t i = std::uniform_int_distribution<size_t>(0, pool_ - 1)(rng_);
    const FlowKey k = key(i);
    auto it = live_.find(i);
    const uint64_t value = rng_();
    if (it == live_.end()) {
      // Sometimes the flow table reports a connection late (created up to 400 ms ago).
      const auto age = (rng_() % 4 == 0) ? Duration{static_cast<int64_t>(rng_() % 400'000)} : Duration{0};
      live_[i] = {value, now - age};
      s.on_new(now, k, value, now - age);
    } else if (rng_() % 3 == 0) {
      live_.erase(it);
      s.on_delete(now, k);
    } else {
      it->second.first = value;
      s.on_update(now, k, value);
    }
  }
  // Restart of the primary: its new sender learns every live connection again.
  void replay(Sender& s, TimePoint now) {
    for (const auto& [i, v] : live_) s.on_new(now, key(i), v.first, v.second);
  }
  // What the backup must hold: live connections at least their delay old.
  BackupStore::Snapshot expected(const Sender& s, TimePoint now) const {
    BackupStore::Snapshot out;
    for (const auto& [i, v] : live_) {
      const FlowKey k = key(i);
      if (now - v.second >= s.delay_for(k)) out.emplace_back(k, v.first);
    }
    std::sort(out.begin(), out.end(), [](const auto& x, const auto& y) { return key_less(x.first, y.first); });
    return out;
  }
  size_t live() const { return live_.size(); }

 private:
  std::mt19937_64 rng_;
  size_t pool_;
  std::map<size_t, std::pair<uint64_t, TimePoint>> live_;
};

}  // namespace conductor::sync::test
