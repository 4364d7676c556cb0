// What the orchestrator knows about the members' HyperSync (docs/cluster.md, "Sync report"): the
// latest sync report of every member that sends them, with the time it arrived, and the reports
// rejected by reason. Pure (a clock in, text out); conductord's cluster service feeds it from the
// heartbeat port, `conductorctl show sync` and the metrics read it, and `show distribution
// verification` lists what it finds not whole.
//
// A member's report is stale once `stale_after` (3 heartbeat timeouts) passes without a newer one:
// its peers then count as not whole. A member that never sent a report (no [sync] on it) is not
// listed; one that leaves cleanly (LEAVING heartbeat) is forgotten.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "host/cluster/liveness.hpp"  // Clock, TimePoint, Duration
#include "host/cluster/sync_report_wire.hpp"

namespace conductor::cluster {

class SyncHealth {
 public:
  struct Entry {
    SyncReport report;
    TimePoint received{};
    uint64_t reports = 0;  // accepted from this member since it was first heard
  };
  // Counter increments between two reports of one peer: the difference of each counter, or the new
  // value when it went down (a restarted member counts from zero again).
  struct Increments {
    uint64_t frames_sent = 0, records_sent = 0, frames_received = 0, rejects = 0;
  };

  explicit SyncHealth(Duration stale_after = std::chrono::seconds{3}) : stale_after_(stale_after) {}
  void set_stale_after(Duration d) { stale_after_ = d; }
  Duration stale_after() const { return stale_after_; }

  // Keeps `r` as the member's latest unless it is older than the one held (same incarnation, lower or
  // equal sequence: reordered or replayed). Returns false when it was dropped as old. `increments`,
  // when given, receives one entry per peer of `r` (in its order).
  bool on_report(TimePoint now, const SyncReport& r, std::vector<Increments>* increments = nullptr);
  void on_reject(SyncReportReject reason) { ++rejects_[static_cast<size_t>(reason)]; }
  void forget(MemberId m) { members_.erase(m); }
  // Drops members for which `keep` is false (after a reload removed them).
  template <class Pred>
  void retain(Pred keep) {
    for (auto it = members_.begin(); it != members_.end();) it = keep(it->first) ? std::next(it) : members_.erase(it);
  }

  const std::map<MemberId, Entry>& members() const { return members_; }
  const std::array<uint64_t, kSyncReportRejectCount>& rejects() const { return rejects_; }
  uint64_t accepted() const { return accepted_; }
  bool stale(TimePoint now, const Entry& e) const { return now - e.received >= stale_after_; }
  // When the next report that is fresh now turns stale (nullopt: none will).
  std::optional<TimePoint> next_stale(TimePoint now) const;

  // One line per (member, peer) that is not whole and per member whose report is stale, e.g.
  //   "sync: member 0/1 peer 0/3 not whole (frames from it 0, records held 0, lag 0.000 s, report 0.05 s old)"
  //   "sync: member 0/2 report stale (last 4.20 s ago; its 3 peers count as not whole)"
  std::vector<std::string> problems(TimePoint now) const;
  // The members section of `show sync`: one header line, then per member its report and per peer a row.
  std::string show(TimePoint now) const;

 private:
  Duration stale_after_;
  std::map<MemberId, Entry> members_;
  std::array<uint64_t, kSyncReportRejectCount> rejects_{};
  uint64_t accepted_ = 0;
};

// "0/3"
std::string sync_member_text(MemberId m);

}  // namespace conductor::cluster
