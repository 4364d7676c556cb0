#include "host/conductor/sim_events.hpp"

#include <charconv>
#include <fstream>
#include <sstream>

#include "host/conductor/sim_options.hpp"

namespace conductor {

const char* sim_event_name(SimEvent::Kind k) {
  switch (k) {
    case SimEvent::Kind::kWeights:
      return "weights";
    case SimEvent::Kind::kMemberDown:
      return "member-down";
    case SimEvent::Kind::kMemberUp:
      return "member-up";
    case SimEvent::Kind::kSiteDown:
      return "site-down";
    case SimEvent::Kind::kSiteUp:
      return "site-up";
    case SimEvent::Kind::kOrchestratorFailover:
      return "orchestrator-failover";
  }
  return "?";
}

Expected<std::vector<SimEvent>> parse_sim_events(const std::string& text, const std::string& name) {
  std::vector<SimEvent> out;
  std::istringstream in(text);
  std::string line;
  int n = 0;
  uint64_t last_at = 0;
  while (std::getline(in, line)) {
    ++n;
    auto fail = [&](const std::string& why) {
      return make_error(Errc::kInvalidArgument, name + ":" + std::to_string(n) + ": " + why);
    };
    if (auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    std::istringstream words(line);
    std::vector<std::string> w;
    for (std::string t; words >> t;) w.push_back(t);
    if (w.empty()) continue;
    if (w[0] != "at") return fail("'" + w[0] + "': an event starts with 'at N'");
    if (w.size() < 3) return fail("needs 'at N EVENT ARG'");
    SimEvent e;
    e.line = n;
    {
      const std::string& s = w[1];
      auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), e.at);
      if (ec != std::errc() || p != s.data() + s.size()) return fail("'" + s + "' is not a frame number");
    }
    if (!out.empty() && e.at < last_at)
      return fail("frame " + w[1] + " comes before the previous event's frame " + std::to_string(last_at));
    last_at = e.at;
    const std::string& what = w[2];
    if (what == "orchestrator-failover") {
      if (w.size() != 3) return fail("'orchestrator-failover' takes no argument");
      for (const SimEvent& p : out)
        if (p.kind == SimEvent::Kind::kOrchestratorFailover)
          return fail("a second orchestrator-failover (the first is on line " + std::to_string(p.line) +
                      "): there is one standby");
      e.kind = SimEvent::Kind::kOrchestratorFailover;
      out.push_back(std::move(e));
      continue;
    }
    if (w.size() != 4) return fail("'" + what + "' takes exactly one argument");
    const std::string& arg = w[3];
    if (what == "weights") {
      e.kind = SimEvent::Kind::kWeights;
      auto ws = parse_weights(arg);
      if (!ws) return fail(ws.error().message);
      e.weights = *ws;
    } else if (what == "member-down" || what == "member-up") {
      e.kind = what == "member-down" ? SimEvent::Kind::kMemberDown : SimEvent::Kind::kMemberUp;
      if (arg.find('/') == std::string::npos) return fail("'" + arg + "': a member is SITE/ID");
      auto m = parse_member(arg);
      if (!m) return fail(m.error().message);
      e.member = *m;
    } else if (what == "site-down" || what == "site-up") {
      e.kind = what == "site-down" ? SimEvent::Kind::kSiteDown : SimEvent::Kind::kSiteUp;
      if (arg != "0" && arg != "1") return fail("'" + arg + "': site must be 0 or 1");
      e.site = static_cast<uint8_t>(arg[0] - '0');
    } else {
      return fail("'" + what + "' is not weights, member-down, member-up, site-down, site-up or orchestrator-failover");
    }
    out.push_back(std::move(e));
  }
  return out;
}

Expected<std::vector<SimEvent>> load_sim_events(const std::string& path) {
  std::ifstream f(path);
  if (!f) return make_error(Errc::kInvalidArgument, "--events " + path + ": cannot open");
  std::ostringstream ss;
  ss << f.rdbuf();
  return parse_sim_events(ss.str(), path);
}

Status apply_sim_event(const SimEvent& e, control::Controller& controller) {
  const std::string reason = "conductor sim event, line " + std::to_string(e.line);
  switch (e.kind) {
    case SimEvent::Kind::kWeights:
      return controller.set_member_weights(e.weights, reason);
    case SimEvent::Kind::kMemberDown:
    case SimEvent::Kind::kMemberUp:
      return controller.set_member_admin(e.member, e.kind == SimEvent::Kind::kMemberUp, reason);
    case SimEvent::Kind::kSiteDown:
    case SimEvent::Kind::kSiteUp:
      return controller.set_site_online(e.site, e.kind == SimEvent::Kind::kSiteUp, reason);
    case SimEvent::Kind::kOrchestratorFailover:
      return ok_status();
  }
  return make_error(Errc::kInvalidArgument, "unknown event");
}

}  // namespace conductor
