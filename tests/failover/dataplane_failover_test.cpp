// No established connection lost across member and site failures: the soft device (CoreModel, the
// data path's golden model) programmed by the daemon's Controller, driven by ClusterCore on a fake
// clock through apply_cluster_action() (exactly what conductord's cluster service does). N TCP
// flows are established, then members stop sending heartbeats; after each failure every flow's next
// frame must be delivered, to its owner if the owner is alive or else to a live member that the
// backup rule names (local backup, or remote backup once the site is gone). Counted, asserted 0.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <set>

#include "common/gen/conductor_regs.hpp"
#include "host/cluster/cluster_core.hpp"
#include "host/conductord/cluster_service.hpp"
#include "host/control/controller.hpp"
#include "host/device/soft_device.hpp"
#include "host/traffic/generator.hpp"

namespace conductor::failover {
namespace {

using namespace std::chrono_literals;
using cluster::TimePoint;
using K = cluster::CoreAction::Kind;

config::ClusterConfig cluster_config() {
  config::ClusterConfig c;
  c.sites = {{.id = 0}, {.id = 1}};
  config::SecurityGroup g{.name = "sg1", .id = 1};
  for (uint8_t s = 0; s < 2; ++s)
    for (uint8_t m = 0; m < 4; ++m) {
      c.members.push_back({.id = {s, m}, .weight = 100});
      g.members.push_back({s, m});
    }
  c.groups = {g};
  c.sync.key[0] = 1;
  c.device.type = config::DeviceType::kSoft;
  return c;
}

struct Flow {
  device::TimedFrame probe;
  MemberId owner{};
};

struct DataplaneFailover : ::testing::Test {
  config::ClusterConfig cfg = cluster_config();
  device::SoftDevice dev;
  std::FILE* logfile = std::tmpfile();
  control::Logger log{logfile};
  control::Metrics metrics;
  control::Controller ctl{dev, log, metrics};
  TimePoint now = TimePoint{} + 1h;
  std::optional<cluster::ClusterCore> core;
  std::map<MemberId, uint32_t> seq;
  std::set<MemberId> alive;
  std::vector<Flow> flows;
  uint32_t ticks = 1;

  void SetUp() override {
    ASSERT_TRUE(ctl.start(cfg));
    auto c = cluster::ClusterCore::create(cfg, {}, now);
    ASSERT_TRUE(c) << c.error().message;
    core.emplace(std::move(*c));
    for (const auto& m : cfg.members) alive.insert(m.id);
    run(500ms);
  }
  void TearDown() override {
    if (logfile) std::fclose(logfile);
  }
  void apply(const cluster::CoreActions& acts) {
    for (const auto& a : acts) ASSERT_TRUE(daemon::apply_cluster_action(ctl, a)) << a.reason;
  }
  // Members in `alive` beat every 50 ms; the core's timers run at their deadlines.
  void run(cluster::Duration d) {
    const TimePoint end = now + d;
    TimePoint beat = now;
    while (now < end) {
      TimePoint t = std::min(beat, end);
      if (auto dl = core->next_deadline(); dl && *dl < t) t = *dl;
      now = std::max(now, t);
      apply(core->on_timer(now));
      if (now >= beat) {
        for (MemberId m : alive) {
          cluster::Heartbeat hb{.member = m, .incarnation = 1, .sequence = ++seq[m]};
          apply(core->on_heartbeat(now, hb));
        }
        beat += 50ms;
      }
    }
  }
  void establish(uint32_t n) {
    GeneratorConfig g{.seed = 42, .flows = n, .sg_id = 1};
    g.mix = TrafficMix{.ipv4_tcp = 1,
                       .ipv4_udp = 0,
                       .ipv4_sctp = 0,
                       .icmp = 0,
                       .ipv6_tcp = 0,
                       .ipv6_udp = 0,
                       .ipv6_sctp = 0,
                       .icmpv6 = 0};
    g.vlan1_permille = g.vlan2_permille = g.ipv4_options_permille = g.ipv6_ext_permille = 0;
    g.ipv6_long_chain_permille = g.fragment_permille = g.arp_permille = g.malformed_permille = 0;
    auto gen = TrafficGenerator::create(g);
    ASSERT_TRUE(gen) << gen.error().message;
    std::map<uint32_t, device::TimedFrame> first;
    for (int i = 0; i < 200 * static_cast<int>(n) && first.size() < n; ++i) {
      FrameInfo info;
      Frame f = gen->next(&info);
      if (info.flow != FrameInfo::kNoFlow && !info.reply && !first.count(info.flow))
        first.emplace(info.flow, device::TimedFrame{f, 0});
    }
    ASSERT_EQ(first.size(), n);
    std::vector<device::TimedFrame> frames;
    for (auto& [i, f] : first) frames.push_back(f);
    auto out = send(frames);
    size_t k = 0;
    for (auto& [i, f] : first) {
      ASSERT_TRUE(out[k].deliver);
      ASSERT_EQ(out[k].action, 0) << "flow " << i << " should be new";
      flows.push_back(Flow{f, MemberId{out[k].site, out[k].member}});
      ++k;
    }
  }
  std::vector<device::FrameResult> send(std::vector<device::TimedFrame> frames) {
    for (auto& f : frames) f.time = ticks++;
    auto out = dev.process(frames);
    EXPECT_TRUE(out) << out.error().message;
    return out ? *out : std::vector<device::FrameResult>{};
  }
  // Sends every flow's probe again; returns how many flows were lost (not delivered, or delivered
  // to a member that is not alive, or moved although their owner is alive). Updates owners.
  uint32_t check(const char* when, uint32_t* moved_out = nullptr) {
    std::vector<device::TimedFrame> frames;
    for (auto& f : flows) frames.push_back(f.probe);
    auto out = send(frames);
    uint32_t lost = 0, moved = 0;
    for (size_t i = 0; i < flows.size(); ++i) {
      const MemberId dest{out[i].site, out[i].member};
      const bool owner_alive = alive.count(flows[i].owner) > 0;
      bool ok = out[i].deliver && alive.count(dest) > 0 && out[i].action != 0;
      if (owner_alive) ok = ok && dest == flows[i].owner;
      if (!ok) {
        ++lost;
        ADD_FAILURE() << when << ": flow " << i << " owner " << flows[i].owner.to_string() << " -> "
                      << (out[i].deliver ? dest.to_string() : std::string("dropped")) << " action "
                      << int(out[i].action);
      }
      if (dest != flows[i].owner) ++moved;
      flows[i].owner = dest;
    }
    if (moved_out) *moved_out = moved;
    return lost;
  }
};

TEST_F(DataplaneFailover, NoEstablishedFlowLostOnMemberThenSiteFailure) {
  constexpr uint32_t kFlows = 400;
  establish(kFlows);
  EXPECT_EQ(check("before any failure"), 0u);

  // Member 0/1 stops (kill -9): no heartbeats.
  uint32_t on_victim = 0;
  for (auto& f : flows) on_victim += f.owner == MemberId{0, 1};
  ASSERT_GT(on_victim, 0u);
  // Its local backup, as the backup map names it before the failure.
  const uint16_t entry = ctl.member({0, 1})->backup;
  ASSERT_TRUE((entry >> regs::BACKUP_ENTRY_LB_VALID_LSB) & 1);
  const MemberId lb{0, static_cast<uint8_t>((entry >> regs::BACKUP_ENTRY_LB_MEMBER_LSB) & 0x3F)};
  std::vector<bool> was_on_victim;
  for (auto& f : flows) was_on_victim.push_back(f.owner == MemberId{0, 1});
  alive.erase({0, 1});
  run(300ms);
  EXPECT_FALSE(ctl.member({0, 1})->alive);
  uint32_t moved = 0;
  const uint32_t lost_member = check("after member 0/1 failed", &moved);
  EXPECT_EQ(moved, on_victim) << "exactly the failed member's flows move";
  for (size_t i = 0; i < flows.size(); ++i)
    if (was_on_victim[i]) EXPECT_EQ(flows[i].owner, lb) << "flow " << i << " not at the local backup";

  // Site 0 stops entirely.
  uint32_t on_site0 = 0;
  for (auto& f : flows) on_site0 += f.owner.site == 0;
  for (uint8_t m = 0; m < 4; ++m) alive.erase({0, m});
  run(300ms);
  EXPECT_EQ(core->sites().active_site(), 1);
  EXPECT_EQ(ctl.active_site(), 1);
  const uint32_t lost_site = check("after site 0 failed", &moved);
  EXPECT_EQ(moved, on_site0);
  for (auto& f : flows) EXPECT_EQ(f.owner.site, 1);

  std::printf("%u established flows: %u on member 0/1 moved to backups, %u on site 0 moved to site 1; lost %u + %u\n",
              kFlows, on_victim, on_site0, lost_member, lost_site);
  EXPECT_EQ(lost_member + lost_site, 0u);
  EXPECT_EQ(core->member_failovers(), 4u);  // 0/1, then 0/0, 0/2, 0/3
}

}  // namespace
}  // namespace conductor::failover
