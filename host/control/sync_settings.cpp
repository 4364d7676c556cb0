// The HyperSync settings conductord programs (controller.hpp, SyncSettings): who this orchestrator
// is, who its peer is, and how [sync] delay becomes a number of ageing sweeps.
#include <algorithm>

#include "common/gen/conductor_regs.hpp"
#include "common/hypersync_wire.hpp"
#include "host/control/controller.hpp"

namespace conductor::control {

namespace {

constexpr uint8_t kOrchestratorTopMember = kMaxMembersPerSite - 1;  // orchestrator k of a site: member 63 - k

// Orchestrator `o`'s index among its site's orchestrators, in file order.
uint8_t index_in_site(const config::ClusterConfig& c, const config::Orchestrator& o) {
  uint8_t k = 0;
  for (const config::Orchestrator& x : c.orchestrators) {
    if (&x == &o) break;
    if (x.site == o.site) ++k;
  }
  return k;
}

uint8_t byte_of(const config::ClusterConfig& c, const config::Orchestrator& o) {
  return sync::member_byte(kOrchestratorTopMember - index_in_site(c, o), o.site);
}

uint32_t ipv4_of(const config::IpAddress& a) {
  if (!a.is_v4()) return 0;
  return uint32_t{a.bytes[0]} << 24 | uint32_t{a.bytes[1]} << 16 | uint32_t{a.bytes[2]} << 8 | a.bytes[3];
}

}  // namespace

std::optional<uint8_t> orchestrator_sync_byte(const config::ClusterConfig& c, std::string_view name) {
  const config::Orchestrator* o = c.orchestrator(name);
  if (!o) return std::nullopt;
  return byte_of(c, *o);
}

std::vector<std::string> check_sync_identities(const config::ClusterConfig& c) {
  std::vector<std::string> out;
  for (const config::Orchestrator& o : c.orchestrators) {
    const MemberId id{o.site, static_cast<uint8_t>(kOrchestratorTopMember - index_in_site(c, o))};
    if (c.member(id))
      out.push_back("[member " + config::member_id_text(id) + "] has the HyperSync member byte of [orchestrator " +
                    o.name + "] (orchestrators of a site are its members 63 and 62, in file order): use another id");
  }
  return out;
}

SyncSettings make_sync_settings(const config::ClusterConfig& c, std::string_view orchestrator, uint32_t epoch) {
  SyncSettings s;
  s.sync = c.sync;
  s.epoch = epoch;
  // Who we are: --name's orchestrator, else orchestrator 0 of the preferred ActiveSite.
  const config::Orchestrator* self = orchestrator.empty() ? nullptr : c.orchestrator(orchestrator);
  if (!self)
    for (const config::Orchestrator& o : c.orchestrators)
      if (o.site == c.cluster.active_site) {
        self = &o;
        break;
      }
  const uint8_t site = self ? self->site : c.cluster.active_site;
  s.self = self ? byte_of(c, *self) : sync::member_byte(kOrchestratorTopMember, site);
  s.source_ip = self ? ipv4_of(self->address) : 0;
  // The peer: the other orchestrator of our site.
  for (const config::Orchestrator& o : c.orchestrators)
    if (o.site == site && &o != self && byte_of(c, o) != s.self) {
      s.destination = byte_of(c, o);
      if (const uint32_t ip = ipv4_of(o.address)) s.destination_ip = ip;
      break;
    }
  if (s.destination_ip == 0xFFFFFFFFu) s.destination = sync::kBroadcast;  // no IPv4 peer: every member
  // Who may send to us: the cluster's orchestrators (the decoder itself refuses SELF).
  auto set = [&](uint8_t b) { s.members[b / 32] |= 1u << (b % 32); };
  set(s.self);
  for (const config::Orchestrator& o : c.orchestrators) set(byte_of(c, o));
  return s;
}

uint64_t sweep_period_us(uint32_t age_frames, uint32_t sweep_units) {
  return uint64_t{age_frames} * sweep_units / regs::CORE_CLOCK_MHZ;  // frames at one per clock
}

std::optional<uint32_t> mature_sweeps(uint64_t delay, uint64_t period) {
  constexpr uint32_t kMax = regs::FLOW_TABLE_SYNC_MATURE_SWEEPS_MASK >> regs::FLOW_TABLE_SYNC_MATURE_SWEEPS_LSB;
  period = std::max<uint64_t>(period, 1);
  const uint64_t n = (delay + period - 1) / period + 1;  // matures after at least ceil(delay / period) periods
  if (n > kMax) return std::nullopt;
  return static_cast<uint32_t>(n);
}

std::optional<uint32_t> sync_sweeps(config::Duration delay, uint32_t age_frames, uint32_t sweep_units) {
  if (age_frames == 0) return 1;  // no ageing: nothing matures anyway
  return mature_sweeps(static_cast<uint64_t>(std::max<int64_t>(delay.count(), 0)),
                       sweep_period_us(age_frames, sweep_units));
}

}  // namespace conductor::control
