// The cluster membership service; see cluster_service.hpp.
#include "host/conductord/cluster_service.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <set>
#include <string>

#include "host/config/sockaddr.hpp"
#include "host/cluster/cluster_core.hpp"
#include "host/cluster/sync_report_wire.hpp"

namespace conductor::daemon {

namespace cl = conductor::cluster;
using control::Clock;
using control::Controller;
using control::Counter;
using control::Gauge;
using control::Logger;
using control::Metrics;

namespace {

constexpr std::string_view kComponent = "cluster";
// How long a joining member's scale-out waits for its heartbeat to report its HyperSync whole
// (SYNCED) before the full sync is taken as done anyway (a member agent without sync, or one that
// cannot reach its peers).
constexpr std::chrono::seconds kSyncWaitTimeout{5};

// [timers] heartbeat-port (the configuration has it once the daemon's config carries the key).
template <class T>
auto port_of(const T& t, int) -> decltype(static_cast<uint16_t>(t.heartbeat_port)) {
  return t.heartbeat_port;
}
template <class T>
uint16_t port_of(const T&, long) {
  return cl::kDefaultHeartbeatPort;
}

std::string id_text(MemberId id) { return std::to_string(id.site) + "/" + std::to_string(id.member); }

std::string ms3(cl::Duration d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(d.count()) / 1000.0);
  return buf;
}

struct Listen {
  config::IpAddress address{};
  bool any = false;  // no --name: every local address
  uint16_t port = 0;
  std::string text() const {
    return (any ? std::string(address.is_v4() ? "0.0.0.0" : "[::]") : address.to_string()) + ":" + std::to_string(port);
  }
  friend bool operator==(const Listen&, const Listen&) = default;
};

Expected<Listen> listen_for(const config::ClusterConfig& c, const std::string& self) {
  Listen l;
  l.port = port_of(c.timers, 0);
  if (self.empty()) {
    l.any = true;
    return l;
  }
  const config::Orchestrator* o = c.orchestrator(self);
  if (!o) return make_error(Errc::kNotFound, "cluster: --name " + self + " names no [orchestrator " + self + "]");
  l.address = o->address;
  return l;
}

Expected<int> open_socket(const Listen& l) {
  const bool v4 = l.address.is_v4();
  const int fd = ::socket(v4 ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return make_error(Errc::kIo, std::string("cluster: socket: ") + std::strerror(errno));
  sockaddr_storage ss{};
  const socklen_t len = config::to_sockaddr(l.address, l.port, &ss);  // any: 0.0.0.0
  if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    const int e = errno;
    ::close(fd);
    return make_error(Errc::kIo, "cluster: cannot listen for heartbeats on " + l.text() + ": " + std::strerror(e));
  }
  return fd;
}

// Three heartbeat timeouts without a sync report make a member's report stale.
cl::Duration stale_after(const config::ClusterConfig& c) {
  return std::chrono::duration_cast<cl::Duration>(c.timers.heartbeat_timeout) * 3;
}

class ClusterService final : public Service {
 public:
  std::string_view name() const override { return kComponent; }

  ~ClusterService() override {
    if (fd_ >= 0) ::close(fd_);
  }

  Status start(DaemonContext& ctx) override {
    ctx_ = &ctx;
    const auto now = ctx.loop.now();
    auto core = cl::ClusterCore::create(ctx.config, cl::CoreOptions{}, now);
    if (!core) return make_error(core.error().code, "cluster: " + core.error().message);
    core_.emplace(std::move(*core));
    health_ = ctx.sync_health ? ctx.sync_health : &own_health_;
    health_->set_stale_after(stale_after(ctx.config));
    register_commands();
    register_metrics();
    auto l = listen_for(ctx.config, ctx.self_name);
    if (!l) return l.error();
    if (Status s = open(*l); !s) return s;
    ctx.log.info(kComponent, "start",
                 {{"listen", listen_.text()},
                  {"members", std::to_string(ctx.config.members.size())},
                  {"heartbeat-interval-ms", ms3(ctx.config.timers.heartbeat_interval)},
                  {"heartbeat-timeout-ms", ms3(ctx.config.timers.heartbeat_timeout)},
                  {"autoscale-policies", std::to_string(ctx.config.autoscale.size())}});
    rearm();
    return ok_status();
  }

  void reload(DaemonContext& ctx, const config::ClusterConfig& /*old_config*/) override {
    ctx_ = &ctx;
    const auto now = ctx.loop.now();
    auto r = core_->reload(ctx.config, now);
    if (!r) {
      ctx.log.error(kComponent, "reconfigure-failed", {{"error", r.error().message}, {"kept", "running settings"}});
      return;
    }
    carry_out(now, *r);
    health_->set_stale_after(stale_after(ctx.config));
    health_->retain([&](MemberId m) { return ctx.config.member(m) != nullptr; });
    auto l = listen_for(ctx.config, ctx.self_name);
    if (l && !(*l == listen_)) {
      close();
      if (Status s = open(*l); !s)
        ctx.log.error(kComponent, "listen-failed", {{"error", s.error().message}});
      else
        ctx.log.info(kComponent, "listen", {{"listen", listen_.text()}});
    }
    rearm();
  }

  void stop(Clock::time_point /*now*/) override {
    close();
    if (timer_ != 0) ctx_->loop.cancel_timer(timer_);
    timer_ = 0;
    if (core_) ctx_->log.info(kComponent, "stop", {{"heartbeats", std::to_string(core_->liveness().stats().accepted)}});
  }

 private:
  Status open(const Listen& l) {
    auto fd = open_socket(l);
    if (!fd) return fd.error();
    fd_ = *fd;
    listen_ = l;
    ctx_->loop.watch_fd(fd_, [this](Clock::time_point t) { on_readable(t); });
    return ok_status();
  }
  void close() {
    if (fd_ < 0) return;
    ctx_->loop.unwatch_fd(fd_);
    ::close(fd_);
    fd_ = -1;
  }

  void on_readable(Clock::time_point now) {
    // Room for the largest sync report; anything longer arrives truncated and is rejected by length.
    static uint8_t buf[cl::kSyncReportMaxBytes + 64];
    for (int i = 0; i < 256; ++i) {  // bounded: the loop comes back while more are queued
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n < 0) break;
      const std::span<const uint8_t> bytes(buf, static_cast<size_t>(n));
      // Sync reports share the port; their magic tells them apart before the heartbeat decoder runs.
      if (cl::is_sync_report(bytes)) {
        on_sync_report(now, bytes);
        continue;
      }
      const auto before = core_->rejects();
      carry_out(now, core_->on_datagram(now, bytes));
      if (!waiting_sync_.empty() || !health_->members().empty()) {
        auto hb = cl::decode_heartbeat(bytes, ctx_->config.sync.key);
        if (hb && (hb->flags & cl::kFlagSynced)) sync_reported(now, hb->member);
        // A member that leaves cleanly is no longer expected to report.
        if (hb && hb->leaving()) health_->forget(hb->member);
      }
      const auto& after = core_->rejects();
      for (size_t r = 0; r < after.size(); ++r) {
        if (after[r] == before[r]) continue;
        reject_counters_[r]->inc();
        // A stream of bad datagrams is logged at most once a second.
        if (now - last_reject_log_ >= std::chrono::seconds{1}) {
          ctx_->log.warn(kComponent, "heartbeat-rejected", {{"error", core_->last_reject()}});
          last_reject_log_ = now;
        }
      }
    }
    update_gauges();
    rearm();
  }

  // One sync report: kept in SyncHealth, its counters and gauges updated; a reject counted and
  // logged at most once a second.
  void on_sync_report(Clock::time_point now, std::span<const uint8_t> bytes) {
    auto r = cl::decode_sync_report(bytes, ctx_->config.sync.key);
    if (!r) {
      health_->on_reject(r.error().reason);
      report_rejects_[static_cast<size_t>(r.error().reason)]->inc();
      if (now - last_report_reject_log_ >= std::chrono::seconds{1}) {
        ctx_->log.warn(kComponent, "sync-report-rejected", {{"error", r.error().message}});
        last_report_reject_log_ = now;
      }
      return;
    }
    if (!ctx_->config.member(r->member)) {
      health_->on_reject(cl::SyncReportReject::kMember);
      report_rejects_[static_cast<size_t>(cl::SyncReportReject::kMember)]->inc();
      return;
    }
    std::vector<cl::SyncHealth::Increments> inc;
    if (!health_->on_report(now, *r, &inc)) return;  // older than the one held
    reports_->inc();
    Metrics& m = ctx_->metrics;
    for (size_t i = 0; i < r->peers.size(); ++i) {
      const cl::PeerSyncHealth& p = r->peers[i];
      const control::Labels l{{"member", id_text(r->member)}, {"peer", id_text(p.peer)}};
      m.gauge("conductord_sync_peer_whole", "1 while the member's session for the peer has committed a full sync", l)
          .set(p.whole() ? 1 : 0);
      m.gauge("conductord_sync_peer_lag_seconds", "Age of the oldest frame the member sent the peer, not acknowledged",
              l)
          .set(p.lag_us / 1e6);
      m.gauge("conductord_sync_peer_unacked_frames", "Frames the member keeps for resending to the peer", l)
          .set(p.unacked);
      m.gauge("conductord_sync_peer_records_held", "Connections of the peer the member holds as backup", l)
          .set(p.records_held);
      m.counter("conductord_sync_peer_frames_sent_total", "HyperSync frames the member sent the peer", l)
          .inc(inc[i].frames_sent);
      m.counter("conductord_sync_peer_records_sent_total", "HyperSync records the member sent the peer", l)
          .inc(inc[i].records_sent);
      m.counter("conductord_sync_peer_frames_received_total", "HyperSync frames the member accepted from the peer", l)
          .inc(inc[i].frames_received);
      m.counter("conductord_sync_peer_rejects_total", "HyperSync frames from the peer the member's decoder rejected", l)
          .inc(inc[i].rejects);
    }
  }

  void on_timer(Clock::time_point now) {
    timer_ = 0;
    carry_out(now, core_->on_timer(now));
    sync_timeouts(now);
    update_gauges();
    rearm();
  }

  void rearm() {
    if (timer_ != 0) ctx_->loop.cancel_timer(timer_);
    timer_ = 0;
    std::optional<Clock::time_point> d = core_->next_deadline();
    for (const auto& w : waiting_sync_)
      if (!d || w.since + kSyncWaitTimeout < *d) d = w.since + kSyncWaitTimeout;
    if (auto st = health_->next_stale(ctx_->loop.now()); st && (!d || *st < *d)) d = *st;  // gauges go stale
    if (d) timer_ = ctx_->loop.add_timer(*d, [this](Clock::time_point t) { on_timer(t); });
  }

  // A joining member's heartbeat says SYNCED: its full sync is complete, the weight step follows.
  void sync_reported(Clock::time_point now, MemberId m) {
    for (size_t i = 0; i < waiting_sync_.size(); ++i) {
      if (!(waiting_sync_[i].member == m)) continue;
      const auto waited = std::chrono::duration_cast<cl::Duration>(now - waiting_sync_[i].since);
      waiting_sync_.erase(waiting_sync_.begin() + static_cast<std::ptrdiff_t>(i));
      ctx_->log.info(kComponent, "full-sync-done",
                     {{"member", id_text(m)},
                      {"waited-ms", ms3(waited)},
                      {"reason", "the member's heartbeat reports every HyperSync session whole (SYNCED)"}});
      carry_out(now, core_->on_sync_done(now, m));
      return;
    }
  }

  void sync_timeouts(Clock::time_point now) {
    while (!waiting_sync_.empty()) {
      auto it = std::find_if(waiting_sync_.begin(), waiting_sync_.end(),
                             [&](const SyncWait& w) { return now >= w.since + kSyncWaitTimeout; });
      if (it == waiting_sync_.end()) return;
      const MemberId m = it->member;
      waiting_sync_.erase(it);
      ctx_->log.warn(kComponent, "full-sync-timeout",
                     {{"member", id_text(m)},
                      {"waited-ms", ms3(std::chrono::duration_cast<cl::Duration>(kSyncWaitTimeout))},
                      {"reason", "no heartbeat reporting SYNCED within the timeout: taken as done"}});
      carry_out(now, core_->on_sync_done(now, m));
    }
  }

  void carry_out(Clock::time_point now, const cl::CoreActions& actions) {
    using K = cl::CoreAction::Kind;
    Controller& ctl = ctx_->controller;
    for (const auto& a : actions) {
      Status st = ok_status();
      Logger::Fields f{{"reason", a.reason}};
      switch (a.kind) {
        case K::kMemberHealth:
          f.insert(f.begin(), {"member", id_text(a.member)});
          if (!a.up) {
            f.emplace_back("silent-ms", ms3(a.silent_for));
            failovers_->inc();
            detection_->set(static_cast<double>(a.silent_for.count()) / 1e6);
          }
          ctx_->log.log(a.up ? config::LogLevel::kInfo : config::LogLevel::kWarn, kComponent,
                        a.up ? "member-up" : "member-down", std::move(f));
          break;
        case K::kSiteOnline:
          f.insert(f.begin(), {"site", std::to_string(a.site)});
          if (!a.up) site_losses_->inc();
          ctx_->log.log(a.up ? config::LogLevel::kInfo : config::LogLevel::kWarn, kComponent,
                        a.up ? "site-online" : "site-offline", std::move(f));
          break;
        case K::kActiveSite:
          f.insert(f.begin(), {"site", std::to_string(a.site)});
          f.emplace_back("controller-active-site", std::to_string(ctl.active_site()));
          active_changes_->inc();
          ctx_->log.warn(kComponent, "active-site", std::move(f));
          break;
        case K::kSetWeight:
          f.insert(f.begin(), {"weight", std::to_string(a.weight)});
          f.insert(f.begin(), {"member", id_text(a.member)});
          f.insert(f.begin(), {"group", a.group});
          ctx_->log.info(kComponent, "autoscale-weight", std::move(f));
          break;
        case K::kAddMember:
          f.insert(f.begin(), {"member", id_text(a.member)});
          f.insert(f.begin(), {"group", a.group});
          decision_counter(a.group, "scale-out").inc();
          ctx_->log.info(kComponent, "scale-out", std::move(f));
          break;
        case K::kStartFullSync:
          // The joining member's own agent runs the HyperSync sessions with its peers (they send it
          // a full sync when it asks); its heartbeat reports SYNCED once every session is whole. The
          // weight step waits for that, at most kSyncWaitTimeout.
          f.insert(f.begin(), {"member", id_text(a.member)});
          f.emplace_back("sync", "waiting for the member's heartbeat to report SYNCED (timeout " +
                                     std::to_string(kSyncWaitTimeout.count()) + " s)");
          ctx_->log.info(kComponent, "full-sync", std::move(f));
          pending_sync_.push_back(a.member);
          break;
        case K::kRemoveMember:
          f.insert(f.begin(), {"member", id_text(a.member)});
          f.insert(f.begin(), {"group", a.group});
          ctx_->log.info(kComponent, "scale-in-removed", std::move(f));
          break;
      }
      st = apply_cluster_action(ctl, a);
      if (a.kind == K::kSetWeight && a.weight == 0 && a.reason.rfind("scale-in", 0) == 0)
        decision_counter(a.group, "scale-in").inc();
      if (!st) {
        controller_errors_->inc();
        ctx_->log.error(kComponent, "controller-refused",
                        {{"action", std::string(cl::core_action_name(a.kind))}, {"error", st.error().message}});
      }
    }
    // Joining members wait for their SYNCED heartbeat (ordered after the add).
    for (const MemberId m : pending_sync_) {
      waiting_sync_.erase(
          std::remove_if(waiting_sync_.begin(), waiting_sync_.end(), [&](const SyncWait& w) { return w.member == m; }),
          waiting_sync_.end());
      waiting_sync_.push_back({m, now});
    }
    pending_sync_.clear();
  }

  Counter& decision_counter(const std::string& group, const char* kind) {
    return ctx_->metrics.counter("conductord_cluster_autoscale_decisions_total", "Auto-scaling decisions",
                                 {{"group", group}, {"kind", kind}});
  }

  void register_metrics() {
    Metrics& m = ctx_->metrics;
    failovers_ =
        &m.counter("conductord_cluster_member_failures_total", "Members marked down by missed heartbeats or leaving");
    site_losses_ = &m.counter("conductord_cluster_site_losses_total", "Sites marked offline by the cluster service");
    active_changes_ =
        &m.counter("conductord_cluster_active_site_changes_total", "ActiveSite changes decided by the cluster service");
    controller_errors_ =
        &m.counter("conductord_cluster_controller_errors_total", "Cluster actions the Controller refused");
    detection_ = &m.gauge("conductord_cluster_last_detection_seconds",
                          "Time from a failed member's last heartbeat to it being marked down (last failure)");
    up_ = &m.gauge("conductord_cluster_members_up", "Members whose heartbeats arrive");
    down_ = &m.gauge("conductord_cluster_members_down", "Members marked down");
    unknown_ = &m.gauge("conductord_cluster_members_unknown", "Members not heard since start");
    active_ = &m.gauge("conductord_cluster_active_site", "ActiveSite as the cluster service sees it");
    heartbeats_ = &m.gauge("conductord_cluster_heartbeats_accepted", "Heartbeats accepted since start");
    reports_ = &m.counter("conductord_sync_reports_total", "Member sync reports accepted");
    for (size_t r = 0; r < cl::kSyncReportRejectCount; ++r)
      report_rejects_[r] =
          &m.counter("conductord_sync_report_rejects_total", "Member sync report datagrams rejected, by reason",
                     {{"reason", std::string(cl::sync_report_reject_name(static_cast<cl::SyncReportReject>(r)))}});
    for (size_t r = 0; r < cl::kHeartbeatRejectCount; ++r)
      reject_counters_[r] =
          &m.counter("conductord_cluster_heartbeat_rejects_total", "Heartbeat datagrams rejected, by reason",
                     {{"reason", std::string(cl::heartbeat_reject_name(static_cast<cl::HeartbeatReject>(r)))}});
    update_gauges();
  }

  void update_gauges() {
    uint32_t up = 0, down = 0, unknown = 0;
    for (const auto& [id, m] : core_->liveness().members()) {
      if (m.health == cl::Health::kUp)
        ++up;
      else if (m.health == cl::Health::kDown)
        ++down;
      else
        ++unknown;
    }
    up_->set(up);
    down_->set(down);
    unknown_->set(unknown);
    active_->set(core_->sites().active_site());
    heartbeats_->set(static_cast<double>(core_->liveness().stats().accepted));
    update_sync_gauges(ctx_->loop.now());
  }

  // Report ages; a stale report's peers count as not whole (logged once when it turns stale).
  void update_sync_gauges(Clock::time_point now) {
    Metrics& m = ctx_->metrics;
    size_t not_whole = 0;
    for (const auto& [id, e] : health_->members()) {
      const bool stale = health_->stale(now, e);
      m.gauge("conductord_sync_report_age_seconds", "Time since the member's last sync report",
              {{"member", id_text(id)}})
          .set(std::chrono::duration<double>(now - e.received).count());
      for (const cl::PeerSyncHealth& p : e.report.peers) {
        if (stale || !p.whole()) ++not_whole;
        if (stale)
          m.gauge("conductord_sync_peer_whole", "1 while the member's session for the peer has committed a full sync",
                  {{"member", id_text(id)}, {"peer", id_text(p.peer)}})
              .set(0);
      }
      if (stale && stale_logged_.insert(id).second)
        ctx_->log.warn(kComponent, "sync-report-stale",
                       {{"member", id_text(id)},
                        {"silent-ms", ms3(std::chrono::duration_cast<cl::Duration>(now - e.received))},
                        {"reason", "no sync report for 3 heartbeat timeouts: its peers count as not whole"}});
      if (!stale) stale_logged_.erase(id);
    }
    m.gauge("conductord_sync_members_reporting", "Members whose sync reports the cluster service holds")
        .set(static_cast<double>(health_->members().size()));
    m.gauge("conductord_sync_peers_not_whole", "(member, peer) pairs not whole, counting a stale report's peers")
        .set(static_cast<double>(not_whole));
  }

  void register_commands() {
    const std::string liveness_help =
        "each member's heartbeats (health, last heard, load, losses), sites as heartbeats see them";
    ctx_->commands.add({.name = "show liveness", .help = liveness_help},
                       [this](const std::vector<std::string>&) -> Expected<std::string> {
                         const auto now = ctx_->loop.now();
                         return "listening on " + listen_.text() + "\n" + core_->show_members(now) +
                                core_->show_sites(now);
                       });
    ctx_->commands.add({.name = "show autoscale",
                        .help = "per policy its members, load, hold timers, phase and decisions with reasons"},
                       [this](const std::vector<std::string>&) -> Expected<std::string> {
                         return core_->show_autoscale(ctx_->loop.now());
                       });
  }

  DaemonContext* ctx_ = nullptr;
  std::optional<cl::ClusterCore> core_;
  Listen listen_{};
  int fd_ = -1;
  uint64_t timer_ = 0;
  std::vector<MemberId> pending_sync_;
  struct SyncWait {
    MemberId member{};
    Clock::time_point since{};
  };
  std::vector<SyncWait> waiting_sync_;
  Clock::time_point last_reject_log_{};
  Counter* failovers_ = nullptr;
  Counter* site_losses_ = nullptr;
  Counter* active_changes_ = nullptr;
  Counter* controller_errors_ = nullptr;
  Gauge* detection_ = nullptr;
  Gauge* up_ = nullptr;
  Gauge* down_ = nullptr;
  Gauge* unknown_ = nullptr;
  Gauge* active_ = nullptr;
  Gauge* heartbeats_ = nullptr;
  std::array<Counter*, cl::kHeartbeatRejectCount> reject_counters_{};
  cl::SyncHealth own_health_;  // when the daemon gives none (in-process tests)
  cl::SyncHealth* health_ = &own_health_;
  std::set<MemberId> stale_logged_;
  Clock::time_point last_report_reject_log_{};
  Counter* reports_ = nullptr;
  std::array<Counter*, cl::kSyncReportRejectCount> report_rejects_{};
};

}  // namespace

Status apply_cluster_action(Controller& ctl, const cl::CoreAction& a) {
  using K = cl::CoreAction::Kind;
  switch (a.kind) {
    case K::kMemberHealth:
      return ctl.set_member_health(a.member, a.up, a.reason);
    case K::kSiteOnline:
      return ctl.set_site_online(a.site, a.up, a.reason);
    case K::kSetWeight:
      return ctl.set_member_weight(a.member, a.weight, a.reason);
    case K::kAddMember:
      return ctl.add_group_member(a.group, a.member, a.reason);
    case K::kRemoveMember:
      return ctl.remove_group_member(a.group, a.member, a.reason);
    case K::kActiveSite:
    case K::kStartFullSync:
      return ok_status();
  }
  return ok_status();
}

std::unique_ptr<Service> make_cluster_service() { return std::make_unique<ClusterService>(); }

}  // namespace conductor::daemon
