// A simulated LAN for VrrpRouter tests: a fake clock, routers on segments, and delivery of every
// advert through the real codec (encode_advert -> on_packet) to the other running routers of the same
// segment at the same fake time. No threads, no sleeps.
//
// Simultaneity: everything due at one instant happens before any advert of that instant is delivered
// (timers fire "at once" on every router, as they would with a non-zero wire delay), then the
// adverts are delivered in the order they were sent, and the answers they cause are delivered in
// turn, all at the same instant.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <optional>
#include <utility>
#include <vector>

#include "host/election/vrrp_fsm.hpp"

namespace conductor::election::test {

inline constexpr TimePoint kT0{};  // the fake clock starts here

struct LanEvent {
  TimePoint at{};
  size_t router = 0;
  ActionKind kind = ActionKind::kSendAdvert;
  Reason reason = Reason::kStartup;
  uint8_t priority = 0;  // of a sent advert
};

class Lan {
 public:
  struct Node {
    VrrpRouter router;
    int segment = 0;
    bool up = false;  // started and not crashed: gets timers and adverts
    Ipv4Checksum tx_checksum = Ipv4Checksum::kPseudoHeader;
    RxOptions rx;
  };

  size_t add(const VrrpConfig& config, int segment = 0) {
    auto r = VrrpRouter::create(config);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    nodes_.push_back(Node{std::move(*r), segment, false, Ipv4Checksum::kPseudoHeader, RxOptions{}});
    return nodes_.size() - 1;
  }

  Node& node(size_t i) { return nodes_.at(i); }
  VrrpRouter& router(size_t i) { return nodes_.at(i).router; }
  const VrrpRouter& router(size_t i) const { return nodes_.at(i).router; }
  TimePoint now() const { return now_; }
  const std::vector<LanEvent>& events() const { return events_; }
  uint64_t delivered() const { return delivered_; }

  void start(size_t i) {
    nodes_.at(i).up = true;
    record(i, router(i).start(now_));
    drain();
  }
  void start_all() {
    for (size_t i = 0; i < nodes_.size(); ++i) {
      nodes_[i].up = true;
      record(i, nodes_[i].router.start(now_));
    }
    drain();
  }
  // The process dies: no priority-0 advert, no more timers or receipt.
  void crash(size_t i) { nodes_.at(i).up = false; }
  // Clean stop: the Shutdown event (a Master sends priority 0), delivered, then the node is gone.
  void shutdown(size_t i) {
    record(i, router(i).shutdown(now_));
    drain();
    nodes_.at(i).up = false;
  }
  void set_segment(size_t i, int segment) { nodes_.at(i).segment = segment; }

  // Advance the fake clock to `t`, firing every timer that falls due on the way.
  void run_until(TimePoint t) {
    for (int guard = 0;; ++guard) {
      ASSERT_LT(guard, 1'000'000) << "timers do not advance";
      std::optional<TimePoint> next;
      for (const Node& n : nodes_) {
        if (!n.up) continue;
        if (auto d = n.router.next_deadline(); d && (!next || *d < *next)) next = d;
      }
      if (!next || *next > t) break;
      now_ = std::max(now_, *next);
      for (size_t i = 0; i < nodes_.size(); ++i) {
        if (!nodes_[i].up) continue;
        if (auto d = nodes_[i].router.next_deadline(); d && *d <= now_) {
          record(i, nodes_[i].router.on_timer(now_));
          auto after = nodes_[i].router.next_deadline();
          ASSERT_TRUE(!after || *after > now_) << "router " << i << " fired but kept a due deadline";
        }
      }
      drain();
    }
    now_ = std::max(now_, t);
  }
  void run_for(Duration d) { run_until(now_ + d); }

  std::vector<size_t> masters() const {
    std::vector<size_t> out;
    for (size_t i = 0; i < nodes_.size(); ++i) {
      if (nodes_[i].up && nodes_[i].router.state() == State::kMaster) out.push_back(i);
    }
    return out;
  }

  // The first event of `kind` by `router` at or after `from`.
  std::optional<TimePoint> first(size_t router, ActionKind kind, TimePoint from = kT0) const {
    for (const LanEvent& e : events_) {
      if (e.router == router && e.kind == kind && e.at >= from) return e.at;
    }
    return std::nullopt;
  }
  std::optional<LanEvent> last(size_t router, ActionKind kind) const {
    for (auto it = events_.rbegin(); it != events_.rend(); ++it) {
      if (it->router == router && it->kind == kind) return *it;
    }
    return std::nullopt;
  }

 private:
  // Log the actions; queue the adverts for delivery (encoded now, from the sender's primary address
  // to the group, with the sender's checksum form).
  void record(size_t from, const Actions& actions) {
    for (const Action& a : actions) {
      events_.push_back(LanEvent{now_, from, a.kind, a.reason, a.advert.priority});
      if (a.kind != ActionKind::kSendAdvert) continue;
      const VrrpConfig& c = nodes_[from].router.config();
      auto bytes = encode_advert(a.advert, c.primary_address, vrrp_group(c.family), nodes_[from].tx_checksum);
      ASSERT_TRUE(bytes.ok()) << bytes.error().message;
      queue_.emplace_back(from, std::move(*bytes));
    }
  }

  void drain() {
    for (int guard = 0; !queue_.empty(); ++guard) {
      ASSERT_LT(guard, 100'000) << "adverts answer each other forever";
      auto [from, bytes] = std::move(queue_.front());
      queue_.pop_front();
      const VrrpConfig& sender = nodes_[from].router.config();
      const IpMeta meta{sender.family, sender.primary_address, vrrp_group(sender.family), kVrrpTtl, kIpProtoVrrp};
      for (size_t to = 0; to < nodes_.size(); ++to) {
        Node& n = nodes_[to];
        if (to == from || !n.up || n.segment != nodes_[from].segment) continue;
        ++delivered_;
        record(to, n.router.on_packet(now_, meta, bytes, n.rx));
      }
    }
  }

  std::vector<Node> nodes_;
  std::deque<std::pair<size_t, std::vector<uint8_t>>> queue_;
  std::vector<LanEvent> events_;
  TimePoint now_ = kT0;
  uint64_t delivered_ = 0;
};

}  // namespace conductor::election::test
