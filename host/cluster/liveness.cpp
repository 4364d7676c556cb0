#include "host/cluster/liveness.hpp"

#include <cstdio>

namespace conductor::cluster {

namespace {
std::string id_text(MemberId id) { return std::to_string(id.site) + "/" + std::to_string(id.member); }
}  // namespace

std::string format_ms(Duration d) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.1f ms", static_cast<double>(d.count()) / 1000.0);
  return buf;
}

std::string_view health_name(Health h) {
  switch (h) {
    case Health::kUnknown:
      return "unknown";
    case Health::kUp:
      return "up";
    case Health::kDown:
      return "down";
  }
  return "?";
}

Status validate(const LivenessConfig& c) {
  if (c.interval <= Duration{0}) return make_error(Errc::kInvalidArgument, "liveness: interval must be positive");
  if (c.timeout < c.interval)
    return make_error(Errc::kInvalidArgument,
                      "liveness: timeout " + format_ms(c.timeout) + " is below the interval " + format_ms(c.interval));
  if (c.rise < 1) return make_error(Errc::kInvalidArgument, "liveness: rise must be at least 1");
  if (c.flap_limit < 1) return make_error(Errc::kInvalidArgument, "liveness: flap_limit must be at least 1");
  if (c.hold_down < Duration{0} || c.flap_window < Duration{0})
    return make_error(Errc::kInvalidArgument, "liveness: hold_down and flap_window must not be negative");
  return ok_status();
}

Expected<Liveness> Liveness::create(LivenessConfig config, const std::vector<MemberId>& members, TimePoint now) {
  Liveness l(config);
  if (auto s = l.reconfigure(config, members, now); !s) return s.error();
  return l;
}

Status Liveness::reconfigure(LivenessConfig config, const std::vector<MemberId>& members, TimePoint now) {
  if (auto s = validate(config); !s) return s;
  for (MemberId id : members)
    if (!id.in_range()) return make_error(Errc::kInvalidArgument, "liveness: member " + id_text(id) + " out of range");
  config_ = config;
  std::map<MemberId, MemberLiveness> next;
  for (MemberId id : members) {
    auto it = members_.find(id);
    if (it != members_.end()) {
      next.emplace(id, it->second);
    } else {
      MemberLiveness m;
      m.since = now;
      next.emplace(id, m);
    }
  }
  members_ = std::move(next);
  return ok_status();
}

const MemberLiveness* Liveness::member(MemberId id) const {
  auto it = members_.find(id);
  return it == members_.end() ? nullptr : &it->second;
}

Health Liveness::health(MemberId id) const {
  const auto* m = member(id);
  return m ? m->health : Health::kUnknown;
}

void Liveness::go_down(TimePoint now, MemberId id, MemberLiveness& m, std::string reason, LivenessEvents& out) {
  const TimePoint ref = m.last_heard ? *m.last_heard : m.since;
  m.health = Health::kDown;
  m.since = now;
  m.streak = 0;
  ++m.downs;
  m.recent_downs.push_back(now);
  while (!m.recent_downs.empty() && now - m.recent_downs.front() > config_.flap_window) m.recent_downs.pop_front();
  if (m.recent_downs.size() >= config_.flap_limit && !m.damped) {
    m.damped = true;
    reason += "; damped: " + std::to_string(m.recent_downs.size()) + " downs within " + format_ms(config_.flap_window) +
              ", needs " + format_ms(config_.hold_down) + " of heartbeats to come back";
  }
  out.push_back(LivenessEvent{id, Health::kDown, std::move(reason), std::chrono::duration_cast<Duration>(now - ref)});
}

void Liveness::go_up(TimePoint now, MemberId id, MemberLiveness& m, std::string reason, LivenessEvents& out) {
  m.health = Health::kUp;
  m.since = now;
  m.streak = 0;
  ++m.ups;
  out.push_back(LivenessEvent{id, Health::kUp, std::move(reason), Duration{0}});
}

LivenessEvents Liveness::on_heartbeat(TimePoint now, const Heartbeat& hb) {
  LivenessEvents out;
  auto it = members_.find(hb.member);
  if (it == members_.end()) {
    ++stats_.unknown_member;
    return out;
  }
  MemberLiveness& m = it->second;
  const bool new_incarnation = !m.heard || hb.incarnation != m.incarnation;
  if (!new_incarnation && hb.sequence <= m.sequence) {
    ++stats_.stale;
    return out;
  }
  if (new_incarnation) {
    if (m.heard) ++stats_.restarts;
  } else if (hb.sequence > m.sequence + 1) {
    m.lost += hb.sequence - m.sequence - 1;
    stats_.lost += hb.sequence - m.sequence - 1;
  }
  ++stats_.accepted;
  ++m.reports;
  const std::optional<TimePoint> prev = m.last_heard;
  m.heard = true;
  m.incarnation = hb.incarnation;
  m.sequence = hb.sequence;
  m.last_heard = now;
  m.load = hb.load;
  // Damping ends after a quiet flap window.
  while (!m.recent_downs.empty() && now - m.recent_downs.front() > config_.flap_window) m.recent_downs.pop_front();
  if (m.damped && m.recent_downs.empty()) m.damped = false;

  if (hb.leaving()) {
    if (m.health != Health::kDown) go_down(now, hb.member, m, "member is leaving (clean shutdown)", out);
    return out;
  }
  switch (m.health) {
    case Health::kUp:
      break;
    case Health::kUnknown:
      go_up(now, hb.member, m, "first heartbeat", out);
      break;
    case Health::kDown: {
      const bool continues = m.streak > 0 && prev && now - *prev <= config_.timeout;
      if (continues) {
        ++m.streak;
      } else {
        m.streak = 1;
        m.streak_start = now;
      }
      const bool enough = m.streak >= config_.rise;
      const bool held = !m.damped || now - m.streak_start >= config_.hold_down;
      if (enough && held) {
        std::string reason = std::to_string(m.streak) + " heartbeats in a row";
        if (m.damped)
          reason += " over " + format_ms(std::chrono::duration_cast<Duration>(now - m.streak_start)) + " (damped)";
        go_up(now, hb.member, m, std::move(reason), out);
      }
      break;
    }
  }
  return out;
}

LivenessEvents Liveness::on_timer(TimePoint now) {
  LivenessEvents out;
  for (auto& [id, m] : members_) {
    if (m.health == Health::kDown) continue;
    const TimePoint ref = m.last_heard ? *m.last_heard : m.since;
    if (now - ref < config_.timeout) continue;
    std::string reason = m.last_heard
                             ? "no heartbeat for " + format_ms(std::chrono::duration_cast<Duration>(now - ref)) +
                                   " (timeout " + format_ms(config_.timeout) + ")"
                             : "never heard within the timeout " + format_ms(config_.timeout);
    go_down(now, id, m, std::move(reason), out);
  }
  return out;
}

std::optional<TimePoint> Liveness::next_deadline() const {
  std::optional<TimePoint> best;
  for (const auto& [id, m] : members_) {
    if (m.health == Health::kDown) continue;
    const TimePoint t = (m.last_heard ? *m.last_heard : m.since) + config_.timeout;
    if (!best || t < *best) best = t;
  }
  return best;
}

}  // namespace conductor::cluster
