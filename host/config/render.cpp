#include "host/config/render.hpp"

#include <algorithm>

#include "host/config/values.hpp"

namespace conductor::config {

namespace {

constexpr Apply kLive = Apply::kLive;
constexpr Apply kRestart = Apply::kRestart;

std::string yes(bool b) { return b ? "true" : "false"; }

std::string join_members(const std::vector<MemberId>& ids) {
  std::string out;
  for (MemberId id : ids) out += (out.empty() ? "" : ", ") + member_id_text(id);
  return out;
}

std::optional<std::string> unless_empty(std::string s) {
  return s.empty() ? std::nullopt : std::optional<std::string>(std::move(s));
}

}  // namespace

std::vector<Field> fields(const ClusterSettings& c) {
  return {{"name", c.name, kLive},
          {"active-site", std::to_string(c.active_site), kLive},
          {"failback", yes(c.failback), kLive}};
}

std::vector<Field> fields(const Site& s) {
  std::string vips;
  for (const IpAddress& a : s.virtual_addresses) vips += (vips.empty() ? "" : ", ") + a.to_string();
  return {{"name", unless_empty(s.name), kLive},
          {"vrid", std::to_string(s.vrid), kRestart},
          {"advert-interval", format_duration(Duration{s.advert_interval_cs * int64_t{10'000}}), kLive},
          {"preempt", yes(s.preempt), kLive},
          {"accept-mode", yes(s.accept_mode), kLive},
          {"virtual-addresses", unless_empty(vips), kLive}};
}

std::vector<Field> fields(const Orchestrator& o) {
  return {{"site", std::to_string(o.site), kRestart},
          {"address", o.address.to_string(), kRestart},
          {"priority", std::to_string(o.priority), kLive},
          {"interface", unless_empty(o.interface), kRestart}};
}

std::vector<Field> fields(const Member& m) {
  return {{"name", unless_empty(m.name), kLive},
          {"address", m.address ? std::optional<std::string>(m.address->to_string()) : std::nullopt, kLive},
          {"weight", std::to_string(m.weight), kLive},
          {"admin", std::string(admin_state_name(m.admin)), kLive}};
}

std::vector<Field> fields(const SecurityGroup& g) {
  return {{"id", std::to_string(g.id), kRestart}, {"members", join_members(g.members), kLive}};
}

std::vector<Field> fields(const Autoscale& a) {
  return {{"enabled", yes(a.enabled), kLive},
          {"min-members", std::to_string(a.min_members), kLive},
          {"max-members", std::to_string(a.max_members), kLive},
          {"spares", unless_empty(join_members(a.spares)), kLive},
          {"scale-out-cpu", std::to_string(a.scale_out_cpu_percent) + "%", kLive},
          {"scale-in-cpu", std::to_string(a.scale_in_cpu_percent) + "%", kLive},
          {"scale-out-throughput",
           a.scale_out_bps ? std::optional<std::string>(format_rate(*a.scale_out_bps)) : std::nullopt, kLive},
          {"scale-in-throughput",
           a.scale_in_bps ? std::optional<std::string>(format_rate(*a.scale_in_bps)) : std::nullopt, kLive},
          {"scale-out-after", format_duration(a.scale_out_after), kLive},
          {"scale-in-after", format_duration(a.scale_in_after), kLive},
          {"cooldown", format_duration(a.cooldown), kLive}};
}

std::vector<Field> fields(const Timers& t) {
  return {{"heartbeat-interval", format_duration(t.heartbeat_interval), kLive},
          {"heartbeat-timeout", format_duration(t.heartbeat_timeout), kLive},
          {"heartbeat-port", std::to_string(t.heartbeat_port), kRestart}};
}

std::vector<Field> fields(const Sync& s) {
  return {{"port", std::to_string(s.port), kRestart},
          {"key",
           std::all_of(s.key.begin(), s.key.end(), [](uint8_t b) { return b == 0; })
               ? std::nullopt
               : std::optional<std::string>(format_hex(s.key)),
           kLive, true},
          {"delay", format_duration(s.delay), kLive},
          {"flush", format_duration(s.flush), kLive},
          {"mtu", std::to_string(s.mtu), kLive},
          {"window", std::to_string(s.window), kLive},
          {"rate", format_rate(s.rate), kLive}};
}

std::vector<Field> fields(const Control& c) {
  return {{"socket", c.socket, kRestart},
          {"socket-group", unless_empty(c.socket_group), kRestart},
          {"metrics", c.metrics ? c.metrics->to_string() : "off", kRestart},
          {"log-level", std::string(log_level_name(c.log_level)), kLive}};
}

std::vector<Field> fields(const Device& d) {
  return {{"type", std::string(device_type_name(d.type)), kRestart}, {"eal-args", unless_empty(d.eal_args), kRestart}};
}

std::vector<Field> fields(const Hash& h) {
  return {{"mode", std::string(hash_mode_config_name(h.mode)), kLive},
          {"key", format_hex(h.key), kLive},
          {"buckets", std::to_string(h.buckets), kLive}};
}

std::string header(const Site& s) { return "[site " + std::to_string(s.id) + "]"; }
std::string header(const Orchestrator& o) { return "[orchestrator " + o.name + "]"; }
std::string header(const Member& m) { return "[member " + member_id_text(m.id) + "]"; }
std::string header(const SecurityGroup& g) { return "[security-group " + g.name + "]"; }
std::string header(const Autoscale& a) { return "[autoscale " + a.group + "]"; }

}  // namespace conductor::config
