// vrrp_node: one VRRPv3 router on one interface over real sockets (host/election VrrpEndpoint), for the
// network-namespace interop tests. It logs one JSON object per line on stderr, flushed at once:
//
//   {"t_us":123,"mono_us":4567,"event":"become-master","reason":"master-down","vrid":51,"silence_us":360990}
//   {"t_us":456,"event":"master","address":"198.18.0.1","priority":200}   (who the Master is changed)
//   {"t_us":789,"event":"error","message":"..."}
//
// silence_us: how long before becoming Master the previous Master's last advert arrived (the failure
// detection time, independent of when in its advert period the Master died).
// t_us counts from the start of the process, mono_us is steady_clock (CLOCK_MONOTONIC, the same in
// every network namespace) in microseconds: a test compares it with its own clock to time events
// without the delay of reading the pipe.
//
// SIGTERM / SIGINT: a clean shutdown (a Master sends priority 0 and removes its addresses), then exit 0.
//
//   vrrp_node --interface IF --address A --vip V [--vip V2 ...] [--vrid N] [--priority P]
//             [--interval-cs N] [--no-preempt] [--checksum pseudo|message]
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "host/common/cli.hpp"
#include "host/election/vrrp_socket.hpp"

using namespace conductor::election;

namespace {

const TimePoint g_t0 = Clock::now();

// One JSON line on stderr: t_us (since start), mono_us (steady_clock, shared with the test), then body's fields.
void emit(TimePoint now, const nlohmann::ordered_json& body) {
  nlohmann::ordered_json line = {
      {"t_us", std::chrono::duration_cast<std::chrono::microseconds>(now - g_t0).count()},
      {"mono_us", std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count()}};
  line.update(body);
  std::fprintf(stderr, "%s\n", line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace).c_str());
  std::fflush(stderr);
}

struct Reporter {
  uint8_t vrid;
  std::optional<IpAddress> master_address;
  std::optional<TimePoint> other_master_heard;  // the last advert of another Master

  void report(TimePoint now, const VrrpEndpoint& ep, const Step& step) {
    for (const Action& a : step.actions) {
      if (a.kind == ActionKind::kSendAdvert || a.kind == ActionKind::kAnnounce) continue;
      nlohmann::ordered_json body = {
          {"event", action_kind_name(a.kind)}, {"reason", reason_name(a.reason)}, {"vrid", vrid}};
      // How long the previous Master had been silent: the detection time, whatever the moment it died.
      if (a.kind == ActionKind::kBecomeMaster && other_master_heard) {
        body["silence_us"] = std::chrono::duration_cast<std::chrono::microseconds>(now - *other_master_heard).count();
      }
      emit(now, body);
    }
    for (const auto& e : step.errors) emit(now, {{"event", "error"}, {"message", e.message}});
    const auto& m = ep.router().master();
    if (ep.router().state() == State::kBackup) other_master_heard = m ? std::optional(m->last_heard) : std::nullopt;
    std::optional<IpAddress> addr = m ? std::optional<IpAddress>(m->address) : std::nullopt;
    if (addr != master_address) {
      master_address = addr;
      emit(now,
           {{"event", "master"}, {"address", addr ? addr->to_string() : "none"}, {"priority", m ? m->priority : 0}});
    }
  }
};

}  // namespace

int main(int argc, char** argv) {
  EndpointConfig cfg;
  CLI::App app{
      "One VRRPv3 router on one interface over real sockets, for the network-namespace tests: "
      "one JSON line per event on stderr.",
      "vrrp_node"};
  conductor::cli::setup(app);
  auto parse_ip = [](const std::string& v) { return IpAddress::parse(v); };
  app.add_option("--interface", cfg.interface, "the interface that carries --address")->required()->type_name("IF");
  conductor::cli::add_parsed(app, "--address", cfg.vrrp.primary_address, parse_ip, "this router's primary address")
      ->required()
      ->type_name("A");
  app.add_option_function<std::vector<std::string>>(
         "--vip",
         [&cfg, parse_ip](const std::vector<std::string>& vs) {
           for (const std::string& v : vs) {
             auto ip = parse_ip(v);
             if (!ip) throw CLI::ValidationError("--vip: " + ip.error().message);
             cfg.vrrp.addresses.push_back(*ip);
           }
         },
         "a virtual address (repeat for more)")
      ->required()
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->type_name("V");
  conductor::cli::add_uint(app, "--vrid", cfg.vrrp.vrid, 1, 255, "the virtual router id (default 1)");
  conductor::cli::add_uint(app, "--priority", cfg.vrrp.priority, 1, 255,
                           "this router's priority (default 100; 255 owns the addresses)");
  conductor::cli::add_uint(app, "--interval-cs", cfg.vrrp.advert_interval_cs, 1, 4095,
                           "the advert interval in centiseconds (default 100)");
  app.add_flag_callback(
      "--no-preempt", [&cfg] { cfg.vrrp.preempt = false; }, "do not take over from a Master of lower priority");
  conductor::cli::add_parsed(
      app, "--checksum", cfg.ipv4_checksum,
      [](const std::string& v) -> conductor::Expected<Ipv4Checksum> {
        if (v == "pseudo") return Ipv4Checksum::kPseudoHeader;
        if (v == "message") return Ipv4Checksum::kMessageOnly;
        return conductor::make_error(conductor::Errc::kInvalidArgument, "'" + v + "' is not pseudo or message");
      },
      "the IPv4 checksum sent: over the pseudo-header (default, as keepalived) or the message only")
      ->type_name("pseudo|message");
  if (conductor::Status s = conductor::cli::parse(app, std::vector<std::string>(argv + 1, argv + argc)); !s)
    return conductor::cli::report(s, "vrrp_node");

  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  sigprocmask(SIG_BLOCK, &mask, nullptr);
  const int sfd = signalfd(-1, &mask, SFD_CLOEXEC);

  auto ep = VrrpEndpoint::open(cfg);
  if (!ep) {
    emit(Clock::now(), {{"event", "error"}, {"message", ep.error().message}});
    return 1;
  }
  Reporter rep{cfg.vrrp.vrid, std::nullopt};
  TimePoint now = Clock::now();
  emit(now, {{"event", "started"}, {"interface", cfg.interface}});
  rep.report(now, *ep, ep->start(now));

  for (;;) {
    int timeout_ms = -1;
    if (auto d = ep->next_deadline()) {
      const auto left = std::chrono::duration_cast<std::chrono::microseconds>(*d - Clock::now()).count();
      timeout_ms = left <= 0 ? 0 : static_cast<int>((left + 999) / 1000);  // round up: never wake early
    }
    pollfd fds[2] = {{ep->fd(), POLLIN, 0}, {sfd, POLLIN, 0}};
    const int n = poll(fds, 2, timeout_ms);
    now = Clock::now();
    if (n < 0) continue;  // EINTR
    if (fds[1].revents & POLLIN) {
      signalfd_siginfo si;
      (void)!read(sfd, &si, sizeof si);
      rep.report(now, *ep, ep->shutdown(now));
      emit(Clock::now(), {{"event", "stopped"}});
      return 0;
    }
    if (fds[0].revents & POLLIN) rep.report(now, *ep, ep->on_readable(now));
    if (auto d = ep->next_deadline(); d && now >= *d) rep.report(now, *ep, ep->on_deadline(now));
  }
}
