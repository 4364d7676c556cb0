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
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

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

int usage(const std::string& why) {
  std::fprintf(stderr,
               "vrrp_node: %s\nusage: vrrp_node --interface IF --address A --vip V [--vip V2 ...] [--vrid N]\n"
               "                 [--priority P] [--interval-cs N] [--no-preempt] [--checksum pseudo|message]\n",
               why.c_str());
  return 2;
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
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    auto value = [&]() -> std::optional<std::string> {
      if (i + 1 >= argc) return std::nullopt;
      return std::string(argv[++i]);
    };
    auto number = [&](long lo, long hi) -> std::optional<long> {
      auto v = value();
      if (!v) return std::nullopt;
      char* end = nullptr;
      const long n = std::strtol(v->c_str(), &end, 10);
      if (end == v->c_str() || *end != '\0' || n < lo || n > hi) return std::nullopt;
      return n;
    };
    if (arg == "--interface") {
      auto v = value();
      if (!v) return usage("--interface needs a name");
      cfg.interface = *v;
    } else if (arg == "--address" || arg == "--vip") {
      auto v = value();
      if (!v) return usage(std::string(arg) + " needs an address");
      auto ip = IpAddress::parse(*v);
      if (!ip) return usage(std::string(arg) + " " + *v + ": " + ip.error().message);
      if (arg == "--address")
        cfg.vrrp.primary_address = *ip;
      else
        cfg.vrrp.addresses.push_back(*ip);
    } else if (arg == "--vrid") {
      auto n = number(1, 255);
      if (!n) return usage("--vrid needs 1..255");
      cfg.vrrp.vrid = static_cast<uint8_t>(*n);
    } else if (arg == "--priority") {
      auto n = number(1, 255);
      if (!n) return usage("--priority needs 1..255");
      cfg.vrrp.priority = static_cast<uint8_t>(*n);
    } else if (arg == "--interval-cs") {
      auto n = number(1, 4095);
      if (!n) return usage("--interval-cs needs 1..4095");
      cfg.vrrp.advert_interval_cs = static_cast<uint16_t>(*n);
    } else if (arg == "--no-preempt") {
      cfg.vrrp.preempt = false;
    } else if (arg == "--checksum") {
      auto v = value();
      if (v == "pseudo")
        cfg.ipv4_checksum = Ipv4Checksum::kPseudoHeader;
      else if (v == "message")
        cfg.ipv4_checksum = Ipv4Checksum::kMessageOnly;
      else
        return usage("--checksum needs pseudo or message");
    } else {
      return usage("unknown argument '" + std::string(arg) + "'");
    }
  }

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
