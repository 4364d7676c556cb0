#include "host/config/cluster_config.hpp"

#include <arpa/inet.h>

#include <algorithm>

#include "common/gen/conductor_regs.hpp"
#include "host/config/render.hpp"
#include "host/config/values.hpp"

namespace conductor::config {

bool IpAddress::is_loopback() const {
  if (is_v4()) return bytes[0] == 127;
  for (size_t i = 0; i < 15; ++i)
    if (bytes[i] != 0) return false;
  return bytes[15] == 1;
}

bool IpAddress::is_unspecified() const {
  const size_t n = is_v4() ? 4 : 16;
  return std::all_of(bytes.begin(), bytes.begin() + n, [](uint8_t b) { return b == 0; });
}

bool IpAddress::is_multicast() const { return is_v4() ? (bytes[0] & 0xf0) == 0xe0 : bytes[0] == 0xff; }

bool IpAddress::is_link_local() const {
  return is_v4() ? (bytes[0] == 169 && bytes[1] == 254) : (bytes[0] == 0xfe && (bytes[1] & 0xc0) == 0x80);
}

std::string IpAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(is_v4() ? AF_INET : AF_INET6, bytes.data(), buf, sizeof buf);
  return buf;
}

std::string Endpoint::to_string() const {
  const std::string a = address.to_string();
  return (address.is_v4() ? a : "[" + a + "]") + ":" + std::to_string(port);
}

std::string_view log_level_name(LogLevel l) {
  switch (l) {
    case LogLevel::kError:
      return "error";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kTrace:
      return "trace";
  }
  return "?";
}

std::string_view device_type_name(DeviceType d) {
  switch (d) {
    case DeviceType::kSim:
      return "sim";
    case DeviceType::kSoft:
      return "soft";
  }
  return "?";
}

std::string_view admin_state_name(AdminState a) { return a == AdminState::kDown ? "down" : "up"; }

std::string_view hash_mode_config_name(HashMode m) {
  switch (m) {
    case HashMode::kRss:
      return "rss";
    case HashMode::kSymL4:
      return "sym-l4";
    case HashMode::kSymIp:
      return "sym-ip";
    case HashMode::kReserved:
      return "reserved";
  }
  return "?";
}

std::array<uint8_t, 40> default_hash_key() {
  using namespace regs;
  const uint32_t words[10] = {DIST_HASH_KEY0_RESET, DIST_HASH_KEY1_RESET, DIST_HASH_KEY2_RESET, DIST_HASH_KEY3_RESET,
                              DIST_HASH_KEY4_RESET, DIST_HASH_KEY5_RESET, DIST_HASH_KEY6_RESET, DIST_HASH_KEY7_RESET,
                              DIST_HASH_KEY8_RESET, DIST_HASH_KEY9_RESET};
  std::array<uint8_t, 40> key{};
  for (size_t w = 0; w < 10; ++w)
    for (size_t b = 0; b < 4; ++b) key[4 * w + b] = static_cast<uint8_t>(words[w] >> (24 - 8 * b));
  return key;
}

std::string member_id_text(MemberId id) { return std::to_string(id.site) + "/" + std::to_string(id.member); }

const Site* ClusterConfig::site(uint8_t id) const {
  for (const Site& s : sites)
    if (s.id == id) return &s;
  return nullptr;
}

const Member* ClusterConfig::member(MemberId id) const {
  for (const Member& m : members)
    if (m.id == id) return &m;
  return nullptr;
}

const Orchestrator* ClusterConfig::orchestrator(std::string_view name) const {
  for (const Orchestrator& o : orchestrators)
    if (o.name == name) return &o;
  return nullptr;
}

const SecurityGroup* ClusterConfig::group(std::string_view name) const {
  for (const SecurityGroup& g : groups)
    if (g.name == name) return &g;
  return nullptr;
}

const Autoscale* ClusterConfig::autoscale_of(std::string_view group) const {
  for (const Autoscale& a : autoscale)
    if (a.group == group) return &a;
  return nullptr;
}

const SecurityGroup* ClusterConfig::group_of(MemberId id) const {
  for (const SecurityGroup& g : groups)
    if (std::find(g.members.begin(), g.members.end(), id) != g.members.end()) return &g;
  return nullptr;
}

Weights ClusterConfig::weights_of(const SecurityGroup& g) const {
  Weights w;
  for (MemberId id : g.members) {
    const Member* m = member(id);
    w[id] = (m && m->admin == AdminState::kUp) ? m->weight : 0;
  }
  return w;
}

namespace {

void section(std::string& t, const std::string& head, const std::vector<Field>& fs) {
  if (!t.empty()) t += "\n";
  t += head + "\n";
  for (const Field& f : fs)
    if (f.value) t += std::string(f.key) + " = " + *f.value + "\n";
}

}  // namespace

std::string to_text(const ClusterConfig& c) {
  std::string t;
  section(t, "[cluster]", fields(c.cluster));
  for (const Site& s : c.sites) section(t, header(s), fields(s));
  for (const Orchestrator& o : c.orchestrators) section(t, header(o), fields(o));
  for (const Member& m : c.members) section(t, header(m), fields(m));
  for (const SecurityGroup& g : c.groups) section(t, header(g), fields(g));
  for (const Autoscale& a : c.autoscale) section(t, header(a), fields(a));
  section(t, "[timers]", fields(c.timers));
  section(t, "[sync]", fields(c.sync));
  section(t, "[control]", fields(c.control));
  section(t, "[device]", fields(c.device));
  section(t, "[hash]", fields(c.hash));
  return t;
}

}  // namespace conductor::config
