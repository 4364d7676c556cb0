// The orchestrator election as a conductord service; see election_service.hpp.
#include "host/conductord/election_service.hpp"

#include <array>
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <utility>

#include "host/election/vrrp_socket.hpp"

namespace conductor::daemon {

using control::Clock;
using control::Counter;
using control::Gauge;
using control::Logger;

namespace {

namespace el = conductor::election;
constexpr std::string_view kComponent = "election";
// An I/O error that repeats (a link down: every advert fails) is logged at most this often.
constexpr auto kErrorLogInterval = std::chrono::seconds{10};

el::IpAddress to_election(const config::IpAddress& a) {
  el::IpAddress out;
  out.family = a.is_v4() ? el::Family::kIpv4 : el::Family::kIpv6;
  out.bytes = a.bytes;
  return out;
}

// The VRRP part of the configuration for orchestrator `name`, or why there is none.
struct ElectionSettings {
  el::EndpointConfig endpoint;
  uint8_t site = 0;
  friend bool operator==(const ElectionSettings& a, const ElectionSettings& b) {
    const auto& x = a.endpoint;
    const auto& y = b.endpoint;
    return a.site == b.site && x.interface == y.interface && x.vrrp.vrid == y.vrrp.vrid &&
           x.vrrp.priority == y.vrrp.priority && x.vrrp.advert_interval_cs == y.vrrp.advert_interval_cs &&
           x.vrrp.preempt == y.vrrp.preempt && x.vrrp.accept == y.vrrp.accept && x.vrrp.family == y.vrrp.family &&
           x.vrrp.primary_address == y.vrrp.primary_address && x.vrrp.addresses == y.vrrp.addresses;
  }
};

Expected<ElectionSettings> settings_for(const config::ClusterConfig& c, const std::string& name) {
  const config::Orchestrator* o = c.orchestrator(name);
  if (o == nullptr) {
    return make_error(Errc::kNotFound,
                      "election: --name " + name + " names no [orchestrator " + name + "] in the configuration");
  }
  const config::Site* site = c.site(o->site);
  if (site == nullptr) {
    return make_error(Errc::kNotFound, "election: [orchestrator " + name + "] is in site " + std::to_string(o->site) +
                                           ", which has no [site] section");
  }
  if (site->virtual_addresses.empty()) {
    return make_error(Errc::kInvalidArgument, "election: [site " + std::to_string(site->id) +
                                                  "] has no virtual-addresses for [orchestrator " + name + "]");
  }
  ElectionSettings s;
  s.site = site->id;
  el::EndpointConfig& e = s.endpoint;
  e.vrrp.vrid = site->vrid;
  e.vrrp.priority = o->priority;
  e.vrrp.advert_interval_cs = site->advert_interval_cs;
  e.vrrp.preempt = site->preempt;
  e.vrrp.accept = site->accept_mode;
  e.vrrp.primary_address = to_election(o->address);
  e.vrrp.family = e.vrrp.primary_address.family;
  for (const auto& a : site->virtual_addresses) e.vrrp.addresses.push_back(to_election(a));
  if (!o->interface.empty()) {
    e.interface = o->interface;
  } else {
    auto ifname = el::interface_holding(e.vrrp.primary_address);
    if (!ifname) {
      return make_error(ifname.error().code,
                        "election: [orchestrator " + name + "] has no interface and " + ifname.error().message);
    }
    e.interface = *ifname;
  }
  return s;
}

std::string ms_text(el::Duration d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f ms", static_cast<double>(d.count()) / 1000.0);
  return buf;
}

class ElectionService final : public Service {
 public:
  std::string_view name() const override { return kComponent; }

  Status start(DaemonContext& ctx) override {
    ctx_ = &ctx;
    ctx.commands.add({.name = "show election", .help = "VRRP state, timers, the Master last heard and counters"},
                     [this](const std::vector<std::string>&) -> Expected<std::string> { return show(); });
    if (ctx.self_name.empty()) {
      ctx.log.info(kComponent, "disabled", {{"reason", "no --name: this daemon is no orchestrator"}});
      return ok_status();
    }
    auto s = settings_for(ctx.config, ctx.self_name);
    if (!s) return s.error();
    return open_and_start(std::move(*s), ctx.loop.now());
  }

  void reload(DaemonContext& ctx, const config::ClusterConfig& /*old_config*/) override {
    ctx_ = &ctx;
    if (ctx.self_name.empty()) return;
    auto s = settings_for(ctx.config, ctx.self_name);
    if (!s) {
      ctx.log.error(kComponent, "reconfigure-failed", {{"error", s.error().message}, {"kept", "running settings"}});
      return;
    }
    if (settings_ && *s == *settings_) return;
    // A changed VRID, priority, interval, address list or interface: leave the group cleanly (a
    // Master sends priority 0) and join again with the new settings.
    ctx.log.info(
        kComponent, "reconfigure",
        {{"vrid", std::to_string(s->endpoint.vrrp.vrid)}, {"priority", std::to_string(s->endpoint.vrrp.priority)}});
    const auto now = ctx.loop.now();
    stop(now);
    if (Status st = open_and_start(std::move(*s), now); !st) {
      ctx.log.error(kComponent, "reconfigure-failed", {{"error", st.error().message}});
    }
  }

  void stop(Clock::time_point now) override {
    if (!endpoint_) return;
    handle(now, endpoint_->shutdown(now));
    ctx_->loop.unwatch_fd(endpoint_->fd());
    if (timer_ != 0) ctx_->loop.cancel_timer(timer_);
    timer_ = 0;
    ctx_->log.info(kComponent, "stop",
                   {{"vrid", std::to_string(endpoint_->router().config().vrid)},
                    {"adverts-sent", std::to_string(endpoint_->router().stats().adverts_sent)}});
    endpoint_.reset();
  }

 private:
  Status open_and_start(ElectionSettings s, Clock::time_point now) {
    auto ep = el::VrrpEndpoint::open(s.endpoint);
    if (!ep) return make_error(ep.error().code, "election: " + ep.error().message);
    endpoint_.emplace(std::move(*ep));
    settings_ = std::move(s);
    last_stats_ = {};
    last_io_ = {};
    register_metrics();
    const auto& v = endpoint_->router().config();
    ctx_->log.info(kComponent, "start",
                   {{"vrid", std::to_string(v.vrid)},
                    {"interface", endpoint_->config().interface},
                    {"address", v.primary_address.to_string()},
                    {"priority", std::to_string(v.priority)},
                    {"advert-interval", ms_text(el::centiseconds(v.advert_interval_cs))},
                    {"preempt", v.preempt ? "true" : "false"},
                    {"virtual-addresses", std::to_string(v.addresses.size())},
                    {"loopback", endpoint_->loopback() ? "true" : "false"}});
    ctx_->loop.watch_fd(endpoint_->fd(), [this](Clock::time_point t) {
      if (endpoint_) handle(t, endpoint_->on_readable(t));
    });
    handle(now, endpoint_->start(now));
    return ok_status();
  }

  // Logs and counts what a step did, then re-arms the timer for the router's next deadline.
  void handle(Clock::time_point now, const el::Step& step) {
    const auto& r = endpoint_->router();
    for (const el::Action& a : step.actions) {
      if (a.kind == el::ActionKind::kSendAdvert || a.kind == el::ActionKind::kAnnounce) continue;
      Logger::Fields f{{"vrid", std::to_string(r.config().vrid)},
                       {"reason", std::string(el::reason_name(a.reason))},
                       {"priority", std::to_string(r.config().priority)}};
      if (const auto& m = r.master(); m && a.kind == el::ActionKind::kBecomeBackup) {
        f.emplace_back("master", m->address.to_string());
        f.emplace_back("master-priority", std::to_string(m->priority));
      }
      ctx_->log.info(kComponent, el::action_kind_name(a.kind), std::move(f));
      const char* to = a.kind == el::ActionKind::kBecomeMaster   ? "master"
                       : a.kind == el::ActionKind::kBecomeBackup ? "backup"
                                                                 : "initialize";
      ctx_->metrics.counter("conductord_election_transitions_total", "VRRP state transitions", {{"to", to}}).inc();
    }
    for (const Error& e : step.errors) {
      io_errors_->inc();
      if (e.message != last_error_ || now - last_error_logged_ >= kErrorLogInterval) {
        ctx_->log.warn(kComponent, "io-error", {{"error", e.message}});
        last_error_ = e.message;
        last_error_logged_ = now;
      }
    }
    // The Master as this router knows it; logged when it changes.
    std::optional<el::IpAddress> master;
    if (r.master()) master = r.master()->address;
    if (master != last_master_) {
      last_master_ = master;
      ctx_->log.debug(kComponent, "master-changed", {{"master", master ? master->to_string() : "none"}});
    }
    update_metrics();
    if (timer_ != 0) ctx_->loop.cancel_timer(timer_);
    timer_ = 0;
    if (auto d = endpoint_->next_deadline()) {
      timer_ = ctx_->loop.add_timer(*d, [this](Clock::time_point t) {
        timer_ = 0;
        if (!endpoint_) return;
        // The loop may run a timer a little early or late; the router only acts at or after its deadline.
        handle(t, endpoint_->on_deadline(std::max(t, Clock::now())));
      });
    }
  }

  void register_metrics() {
    const std::string vrid = std::to_string(endpoint_->router().config().vrid);
    state_ = &ctx_->metrics.gauge("conductord_election_state", "VRRP state: 0 Initialize, 1 Backup, 2 Master",
                                  {{"vrid", vrid}});
    sent_ = &ctx_->metrics.counter("conductord_election_adverts_sent_total", "VRRP adverts sent", {{"vrid", vrid}});
    received_ = &ctx_->metrics.counter("conductord_election_adverts_received_total",
                                       "VRRP adverts that passed every check", {{"vrid", vrid}});
    io_errors_ = &ctx_->metrics.counter("conductord_election_io_errors_total",
                                        "Election socket, address and ARP errors", {{"vrid", vrid}});
  }

  // Counters follow the router's and endpoint's cumulative statistics by their increase.
  void update_metrics() {
    const auto& s = endpoint_->router().stats();
    state_->set(static_cast<double>(endpoint_->router().state()));
    sent_->inc(s.adverts_sent - last_stats_.adverts_sent);
    received_->inc(s.adverts_received - last_stats_.adverts_received);
    auto drop = [&](std::string_view reason, uint64_t now_v, uint64_t before) {
      if (now_v != before) {
        ctx_->metrics
            .counter("conductord_election_dropped_total", "VRRP adverts dropped, by reason",
                     {{"reason", std::string(reason)}})
            .inc(now_v - before);
      }
    };
    for (size_t i = 0; i < el::kRxErrorCount; ++i) {
      drop(el::rx_error_name(static_cast<el::RxError>(i)), s.rx_errors[i], last_stats_.rx_errors[i]);
    }
    drop("vrid-mismatch", s.vrid_mismatch, last_stats_.vrid_mismatch);
    drop("family-mismatch", s.family_mismatch, last_stats_.family_mismatch);
    drop("own-advert", s.own_adverts, last_stats_.own_adverts);
    drop("owner-discard", s.owner_discards, last_stats_.owner_discards);
    drop("address-list-mismatch", s.address_list_mismatch, last_stats_.address_list_mismatch);
    drop("not-running", s.not_running, last_stats_.not_running);
    drop("other-vrid", endpoint_->stats().other_vrid, last_io_.other_vrid);
    last_stats_ = s;
    last_io_ = endpoint_->stats();
  }

  std::string show() const {
    if (!endpoint_) {
      return ctx_ != nullptr && ctx_->self_name.empty() ? "election: off (no --name)\n" : "election: not running\n";
    }
    const auto& r = endpoint_->router();
    const auto& v = r.config();
    const auto& s = r.stats();
    const auto& io = endpoint_->stats();
    std::string out;
    auto line = [&](std::string_view k, const std::string& val) {
      out += std::string(k);
      out.append(k.size() < 24 ? 24 - k.size() : 1, ' ');
      out += val + "\n";
    };
    line("state", std::string(el::state_name(r.state())));
    line("vrid", std::to_string(v.vrid));
    line("interface", endpoint_->config().interface + (endpoint_->loopback() ? " (loopback)" : ""));
    line("address", v.primary_address.to_string());
    line("priority", std::to_string(v.priority) + (r.is_owner() ? " (address owner)" : ""));
    line("advert interval", ms_text(r.advertisement_interval()));
    line("preempt", v.preempt ? "yes" : "no");
    line("accept mode", v.accept ? "yes" : "no");
    std::string vips;
    for (const auto& a : v.addresses) vips += (vips.empty() ? "" : " ") + a.to_string();
    line("virtual addresses", vips);
    if (const auto& m = r.master()) {
      line("master", m->address.to_string() + " priority " + std::to_string(m->priority) + " interval " +
                         ms_text(el::centiseconds(m->adver_interval_cs)));
    } else {
      line("master", "unknown");
    }
    line("master down interval", ms_text(r.master_down_interval()) + " (skew " + ms_text(r.skew_time()) + ")");
    line("adverts sent",
         std::to_string(s.adverts_sent) + " (priority 0: " + std::to_string(s.priority_zero_sent) + ")");
    line("adverts received",
         std::to_string(s.adverts_received) + " (priority 0: " + std::to_string(s.priority_zero_received) + ")");
    line("became master", std::to_string(s.became_master));
    line("became backup", std::to_string(s.became_backup));
    line("dropped", std::to_string(s.dropped()) + " (other VRID on the link: " + std::to_string(io.other_vrid) + ")");
    line("io errors", std::to_string(io.send_errors + io.receive_errors + io.address_errors + io.garp_errors));
    line("gratuitous ARPs", std::to_string(io.garps_sent));
    return out;
  }

  DaemonContext* ctx_ = nullptr;
  std::optional<el::VrrpEndpoint> endpoint_;
  std::optional<ElectionSettings> settings_;
  uint64_t timer_ = 0;
  el::VrrpStats last_stats_{};
  el::EndpointStats last_io_{};
  std::optional<el::IpAddress> last_master_;
  std::string last_error_;
  Clock::time_point last_error_logged_{};
  Gauge* state_ = nullptr;
  Counter* sent_ = nullptr;
  Counter* received_ = nullptr;
  Counter* io_errors_ = nullptr;
};

}  // namespace

std::unique_ptr<Service> make_election_service() { return std::make_unique<ElectionService>(); }

}  // namespace conductor::daemon
