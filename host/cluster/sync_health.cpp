#include "host/cluster/sync_health.hpp"

#include <cstdio>

namespace conductor::cluster {

namespace {

double seconds(Duration d) { return static_cast<double>(d.count()) / 1e6; }

std::string fixed(double v, int decimals) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string pad(std::string s, size_t w) {
  if (s.size() < w) s.append(w - s.size(), ' ');
  return s + " ";
}

uint64_t increase(uint64_t before, uint64_t now) { return now >= before ? now - before : now; }

}  // namespace

std::string sync_member_text(MemberId m) { return std::to_string(m.site) + "/" + std::to_string(m.member); }

bool SyncHealth::on_report(TimePoint now, const SyncReport& r, std::vector<Increments>* increments) {
  auto it = members_.find(r.member);
  const Entry* old = it == members_.end() ? nullptr : &it->second;
  if (old && old->report.incarnation == r.incarnation && r.sequence <= old->report.sequence) return false;
  if (increments) {
    increments->clear();
    for (const PeerSyncHealth& p : r.peers) {
      const PeerSyncHealth* before = nullptr;
      if (old && old->report.incarnation == r.incarnation)
        for (const PeerSyncHealth& q : old->report.peers)
          if (q.peer == p.peer) before = &q;
      PeerSyncHealth zero;
      if (!before) before = &zero;
      increments->push_back(
          {increase(before->frames_sent, p.frames_sent), increase(before->records_sent, p.records_sent),
           increase(before->frames_received, p.frames_received), increase(before->rejects, p.rejects)});
    }
  }
  Entry& e = members_[r.member];
  e.report = r;
  e.received = now;
  ++e.reports;
  ++accepted_;
  return true;
}

std::optional<TimePoint> SyncHealth::next_stale(TimePoint now) const {
  std::optional<TimePoint> t;
  for (const auto& [id, e] : members_) {
    if (stale(now, e)) continue;
    const TimePoint at = e.received + stale_after_;
    if (!t || at < *t) t = at;
  }
  return t;
}

std::vector<std::string> SyncHealth::problems(TimePoint now) const {
  std::vector<std::string> out;
  for (const auto& [id, e] : members_) {
    const double age = seconds(std::chrono::duration_cast<Duration>(now - e.received));
    if (stale(now, e)) {
      out.push_back("sync: member " + sync_member_text(id) + " report stale (last " + fixed(age, 2) + " s ago; its " +
                    std::to_string(e.report.peers.size()) + " peers count as not whole)");
      continue;
    }
    for (const PeerSyncHealth& p : e.report.peers) {
      if (p.whole()) continue;
      out.push_back("sync: member " + sync_member_text(id) + " peer " + sync_member_text(p.peer) +
                    " not whole (frames from it " + std::to_string(p.frames_received) + ", records held " +
                    std::to_string(p.records_held) + ", lag " + fixed(p.lag_us / 1e6, 3) + " s, report " +
                    fixed(age, 2) + " s old)");
    }
  }
  return out;
}

std::string SyncHealth::show(TimePoint now) const {
  std::string out =
      "members: " + std::to_string(members_.size()) + " reporting, " + std::to_string(accepted_) + " reports accepted";
  uint64_t rejected = 0;
  for (uint64_t r : rejects_) rejected += r;
  out += ", " + std::to_string(rejected) + " rejected";
  if (rejected) {
    out += " (";
    bool first = true;
    for (size_t i = 0; i < rejects_.size(); ++i) {
      if (!rejects_[i]) continue;
      out += (first ? "" : ", ") + std::string(sync_report_reject_name(static_cast<SyncReportReject>(i))) + " " +
             std::to_string(rejects_[i]);
      first = false;
    }
    out += ")";
  }
  out += "\n";
  for (const auto& [id, e] : members_) {
    const double age = seconds(std::chrono::duration_cast<Duration>(now - e.received));
    size_t whole = 0;
    for (const PeerSyncHealth& p : e.report.peers) whole += p.whole() ? 1 : 0;
    out += "  member " + sync_member_text(id) + ": whole with " + std::to_string(whole) + "/" +
           std::to_string(e.report.peers.size()) + " peers, report " + fixed(age, 2) + " s old" +
           (stale(now, e) ? " (STALE)" : "") + ", sequence " + std::to_string(e.report.sequence) + "\n";
    if (e.report.peers.empty()) continue;
    out += "    " + pad("peer", 6) + pad("state", 10) + pad("lag-ms", 9) + pad("unacked", 8) + pad("frames-out", 11) +
           pad("records-out", 12) + pad("frames-in", 10) + pad("held", 8) + "rejects\n";
    for (const PeerSyncHealth& p : e.report.peers)
      out += "    " + pad(sync_member_text(p.peer), 6) +
             pad(std::string(p.whole() ? "whole" : "NOT-WHOLE") + (p.flags & kPeerFullSyncOut ? "+" : ""), 10) +
             pad(fixed(p.lag_us / 1e3, 1), 9) + pad(std::to_string(p.unacked), 8) +
             pad(std::to_string(p.frames_sent), 11) + pad(std::to_string(p.records_sent), 12) +
             pad(std::to_string(p.frames_received), 10) + pad(std::to_string(p.records_held), 8) +
             std::to_string(p.rejects) + "\n";
  }
  return out;
}

}  // namespace conductor::cluster
