// Elections on a simulated LAN (vrrp_lan.hpp): every advert goes through the codec, time is fake.
#include <gtest/gtest.h>

#include <cstdio>
#include <vector>

#include "host/election/vrrp_fsm.hpp"
#include "vrrp_lan.hpp"
#include "vrrp_test_util.hpp"

namespace conductor::election {
namespace {

using namespace std::chrono_literals;
using test::ip;
using test::kT0;
using test::Lan;

VrrpConfig v4(uint8_t host, uint8_t priority, uint16_t interval_cs = 10) {
  VrrpConfig c;
  c.vrid = 7;
  c.priority = priority;
  c.advert_interval_cs = interval_cs;
  c.primary_address = IpAddress::v4(198, 18, 0, host);
  c.addresses = {IpAddress::v4(198, 18, 0, 100), IpAddress::v4(198, 18, 0, 101)};
  return c;
}

VrrpConfig v6(uint8_t host, uint8_t priority, uint16_t interval_cs = 10) {
  VrrpConfig c;
  c.vrid = 7;
  c.family = Family::kIpv6;
  c.priority = priority;
  c.advert_interval_cs = interval_cs;
  std::array<uint8_t, 16> b{0xFE, 0x80};
  b[15] = host;
  c.primary_address = IpAddress::v6(b);
  c.addresses = {ip("fe80::100"), ip("2001:db8::100")};
  return c;
}

using Masters = std::vector<size_t>;

Duration between(TimePoint from, TimePoint to) { return std::chrono::duration_cast<Duration>(to - from); }

// Time from `from` to the first event of `kind` by `router` at or after it; a failure if there is none.
Duration until_first(const Lan& lan, size_t router, ActionKind kind, TimePoint from) {
  auto at = lan.first(router, kind, from);
  EXPECT_TRUE(at.has_value()) << "router " << router << " never did " << action_kind_name(kind);
  return at ? between(from, *at) : Duration::max();
}

// When `router` last sent an advert, and with which priority; a failure if it never did.
test::LanEvent last_advert(const Lan& lan, size_t router) {
  auto e = lan.last(router, ActionKind::kSendAdvert);
  EXPECT_TRUE(e.has_value()) << "router " << router << " never sent an advert";
  return e.value_or(test::LanEvent{});
}

TEST(VrrpLan, TwoRoutersElectTheHigherPriority) {
  Lan lan;
  const size_t a = lan.add(v4(1, 100)), b = lan.add(v4(2, 200));
  lan.start_all();
  EXPECT_EQ(lan.masters(), Masters{});
  lan.run_for(5s);
  EXPECT_EQ(lan.masters(), Masters{b});
  // b's Master_Down_Interval (3 x 100 ms + 21.875 ms) runs out before a's (360.937 ms).
  EXPECT_EQ(lan.first(b, ActionKind::kBecomeMaster), kT0 + 321'875us);
  EXPECT_FALSE(lan.first(a, ActionKind::kBecomeMaster));
  ASSERT_TRUE(lan.router(a).master());
  EXPECT_EQ(lan.router(a).master()->address, IpAddress::v4(198, 18, 0, 2));
  // b sends one advert per 100 ms from 321.875 ms on: 47 in 5 s, all taken by a.
  EXPECT_EQ(lan.router(b).stats().adverts_sent, 47u);
  EXPECT_EQ(lan.router(a).stats().adverts_received, 47u);
  EXPECT_EQ(lan.router(a).stats().dropped(), 0u);
}

TEST(VrrpLan, EqualPriorityTheHigherAddressWins) {
  Lan lan;
  const size_t low = lan.add(v4(1, 100)), high = lan.add(v4(2, 100));
  lan.start_all();
  // Both Master_Down_Timers run out at the same instant: both become Master and advertise ...
  lan.run_until(kT0 + 360'937us);
  EXPECT_EQ(lan.first(low, ActionKind::kBecomeMaster), kT0 + 360'937us);
  EXPECT_EQ(lan.first(high, ActionKind::kBecomeMaster), kT0 + 360'937us);
  // ... and at that same instant the lower address yields (§6.4.3 tie-break).
  EXPECT_EQ(lan.masters(), Masters{high});
  auto yielded = lan.last(low, ActionKind::kBecomeBackup);
  ASSERT_TRUE(yielded);
  EXPECT_EQ(yielded->at, kT0 + 360'937us);
  EXPECT_EQ(yielded->reason, Reason::kAddressTieBreak);
  lan.run_for(10s);
  EXPECT_EQ(lan.masters(), Masters{high});
}

TEST(VrrpLan, PreemptionHigherPriorityTakesOverAfterItsMasterDownInterval) {
  Lan lan;
  const size_t a = lan.add(v4(1, 100)), b = lan.add(v4(2, 200));
  lan.start(a);
  lan.run_until(kT0 + 1s);
  EXPECT_EQ(lan.masters(), Masters{a});
  const TimePoint joined = lan.now();
  lan.start(b);
  lan.run_for(2s);
  // b discards a's lower-priority adverts, so its Master_Down_Timer runs out: it preempts.
  EXPECT_EQ(lan.masters(), Masters{b});
  EXPECT_EQ(lan.first(b, ActionKind::kBecomeMaster), joined + 321'875us);
  auto stepped_down = lan.last(a, ActionKind::kBecomeBackup);
  ASSERT_TRUE(stepped_down);
  EXPECT_EQ(stepped_down->at, joined + 321'875us);
  EXPECT_EQ(stepped_down->reason, Reason::kHigherPriority);
  EXPECT_GE(lan.router(b).stats().preempt_discards, 3u);
}

TEST(VrrpLan, NoPreemptionTheRunningMasterStays) {
  Lan lan;
  VrrpConfig cb = v4(2, 200);
  cb.preempt = false;
  const size_t a = lan.add(v4(1, 100)), b = lan.add(cb);
  lan.start(a);
  lan.run_until(kT0 + 1s);
  lan.start(b);
  lan.run_for(10s);
  EXPECT_EQ(lan.masters(), Masters{a});
  EXPECT_EQ(lan.router(b).state(), State::kBackup);
  EXPECT_EQ(lan.router(b).stats().preempt_discards, 0u);
  // It still takes over when the Master goes.
  lan.crash(a);
  lan.run_for(1s);
  EXPECT_EQ(lan.masters(), Masters{b});
}

TEST(VrrpLan, MasterCrashBackupTakesOverAfterMasterDownInterval) {
  Lan lan;
  const size_t m = lan.add(v4(1, 200)), b = lan.add(v4(2, 100));
  lan.start_all();
  lan.run_until(kT0 + 321'875us + 10 * 100ms);  // m became Master at 321.875 ms; this is its 11th advert
  ASSERT_EQ(lan.masters(), Masters{m});
  const TimePoint crash = lan.now();
  EXPECT_EQ(last_advert(lan, m).at, crash) << "crash right after an advert: the worst case";
  lan.crash(m);
  lan.run_for(2s);
  EXPECT_EQ(lan.masters(), Masters{b});
  const Duration failover = until_first(lan, b, ActionKind::kBecomeMaster, crash);
  EXPECT_EQ(failover, 3 * 100ms + 60'937us);  // Master_Down_Interval of priority 100 at 100 ms
  EXPECT_LT(failover, 1s);
}

TEST(VrrpLan, MasterCleanShutdownBackupTakesOverAfterSkewTime) {
  Lan lan;
  const size_t m = lan.add(v4(1, 200)), b = lan.add(v4(2, 100));
  lan.start_all();
  lan.run_until(kT0 + 1'234'567us);  // between two adverts
  ASSERT_EQ(lan.masters(), Masters{m});
  const TimePoint stop = lan.now();
  lan.shutdown(m);
  EXPECT_EQ(last_advert(lan, m).priority, kPriorityShutdown);
  EXPECT_EQ(lan.router(b).stats().priority_zero_received, 1u);
  lan.run_for(1s);
  EXPECT_EQ(lan.masters(), Masters{b});
  const Duration failover = until_first(lan, b, ActionKind::kBecomeMaster, stop);
  EXPECT_EQ(failover, 60'937us);  // Skew_Time of priority 100 at 100 ms
}

TEST(VrrpLan, PartitionHealingLeavesExactlyOneMasterWithinOneAdvertInterval) {
  for (uint8_t other_priority : {100, 200}) {  // lower priority, then equal priority (address decides)
    Lan lan;
    const size_t a = lan.add(v4(2, 200), 0), b = lan.add(v4(1, other_priority), 1);
    lan.start_all();
    lan.run_until(kT0 + 3s);
    EXPECT_EQ(lan.masters(), (Masters{a, b})) << "split brain while partitioned";
    const TimePoint healed = kT0 + 3'050'001us;  // not aligned with anyone's adverts
    lan.run_until(healed);
    lan.set_segment(b, 0);
    lan.run_for(100ms);
    EXPECT_EQ(lan.masters(), Masters{a}) << "priority " << int{other_priority};
    auto yielded = lan.last(b, ActionKind::kBecomeBackup);
    ASSERT_TRUE(yielded);
    EXPECT_GE(yielded->at, healed);
    EXPECT_LE(yielded->at, healed + 100ms);
    EXPECT_EQ(yielded->reason, other_priority == 200 ? Reason::kAddressTieBreak : Reason::kHigherPriority);
    lan.run_for(5s);
    EXPECT_EQ(lan.masters(), Masters{a});
  }
}

TEST(VrrpLan, BackupLearnsTheMastersIntervalAndTimesOutOnIt) {
  Lan lan;
  const size_t m = lan.add(v4(1, 200, 50)), b = lan.add(v4(2, 100, 100));  // 500 ms vs 1 s configured
  lan.start_all();
  lan.run_for(10s);
  ASSERT_EQ(lan.masters(), Masters{m});
  EXPECT_EQ(lan.router(b).master_adver_interval_cs(), 50);
  EXPECT_EQ(lan.router(b).stats().interval_changes, 1u);
  const TimePoint last = last_advert(lan, m).at;
  lan.crash(m);
  lan.run_for(5s);
  EXPECT_EQ(until_first(lan, b, ActionKind::kBecomeMaster, last), 3 * 500ms + 304'687us);
}

TEST(VrrpLan, Ipv6ElectionAndTieBreak) {
  Lan lan;
  const size_t a = lan.add(v6(1, 150)), b = lan.add(v6(2, 150)), c = lan.add(v6(3, 100));
  lan.start_all();
  lan.run_for(3s);
  EXPECT_EQ(lan.masters(), Masters{b}) << "equal priority: fe80::2 > fe80::1";
  EXPECT_EQ(lan.router(a).state(), State::kBackup);
  EXPECT_EQ(lan.router(c).state(), State::kBackup);
  EXPECT_EQ(lan.router(c).stats().dropped(), 0u);
  lan.shutdown(b);
  lan.run_for(1s);
  EXPECT_EQ(lan.masters(), Masters{a});
}

TEST(VrrpLan, StrangersOnTheLinkAreCountedNotObeyed) {
  Lan lan;
  VrrpConfig other = v4(9, 250);
  other.vrid = 8;  // another virtual router on the same LAN
  const size_t a = lan.add(v4(1, 100)), b = lan.add(v4(2, 200)), s = lan.add(other);
  lan.start_all();
  lan.run_for(2s);
  EXPECT_EQ(lan.masters(), (Masters{b, s}));
  EXPECT_GT(lan.router(a).stats().vrid_mismatch, 10u);
  EXPECT_GT(lan.router(s).stats().vrid_mismatch, 10u);
  EXPECT_EQ(lan.router(a).stats().adverts_received, lan.router(b).stats().adverts_sent);
}

TEST(VrrpLan, Ipv4ChecksumFormsInteroperateOnlyWhereAccepted) {
  // b sends RFC 9568 message-only checksums; a accepts either form (the default): one Master.
  {
    Lan lan;
    const size_t a = lan.add(v4(1, 100)), b = lan.add(v4(2, 200));
    lan.node(b).tx_checksum = Ipv4Checksum::kMessageOnly;
    lan.start_all();
    lan.run_for(2s);
    EXPECT_EQ(lan.masters(), Masters{b});
    EXPECT_EQ(lan.router(a).stats().rx_error(RxError::kBadChecksum), 0u);
  }
  // a insists on the pseudo-header form (keepalived without v3_checksum_as_v2): it drops every advert
  // of b and becomes Master too. This is the interop failure the counters make visible.
  {
    Lan lan;
    const size_t a = lan.add(v4(1, 100)), b = lan.add(v4(2, 200));
    lan.node(b).tx_checksum = Ipv4Checksum::kMessageOnly;
    lan.node(a).rx.ipv4_checksum = Ipv4ChecksumAccept::kPseudoHeader;
    lan.start_all();
    lan.run_for(2s);
    EXPECT_EQ(lan.masters(), (Masters{a, b}));
    EXPECT_GT(lan.router(a).stats().rx_error(RxError::kBadChecksum), 10u);
  }
}

// ---- Failover times ------------------------------------------------------------------------------

struct FailoverCase {
  uint16_t interval_cs;
  uint8_t backup_priority;
};

class VrrpFailover : public ::testing::TestWithParam<FailoverCase> {};

// Master priority 250, one Backup of the given priority. Crash: the Master dies right after an
// advert (the worst case), the Backup takes over after its Master_Down_Interval. Clean shutdown: the
// Backup takes over Skew_Time after the priority-0 advert.
TEST_P(VrrpFailover, CrashAndCleanShutdownTimes) {
  const FailoverCase p = GetParam();
  const Duration want_crash = master_down_interval(p.backup_priority, p.interval_cs);
  const Duration want_clean = skew_time(p.backup_priority, p.interval_cs);

  Duration crash_time{}, clean_time{};
  for (bool clean : {false, true}) {
    Lan lan;
    const size_t m = lan.add(v4(1, 250, p.interval_cs)), b = lan.add(v4(2, p.backup_priority, p.interval_cs));
    lan.start_all();
    lan.run_for(2s);
    ASSERT_EQ(lan.masters(), Masters{m});
    const TimePoint at = *lan.router(m).next_deadline();  // its next advert ...
    lan.run_until(at);
    ASSERT_EQ(last_advert(lan, m).at, at);  // ... is out: stop right after it
    if (clean) {
      lan.shutdown(m);
    } else {
      lan.crash(m);
    }
    lan.run_for(2s);
    ASSERT_EQ(lan.masters(), Masters{b});
    (clean ? clean_time : crash_time) = until_first(lan, b, ActionKind::kBecomeMaster, at);
  }
  EXPECT_EQ(crash_time, want_crash);
  EXPECT_EQ(clean_time, want_clean);
  EXPECT_LT(crash_time, 1s);
  std::printf("[ failover ] adverts %4u ms  backup priority %3u  crash %9.3f ms  clean shutdown %7.3f ms\n",
              unsigned{p.interval_cs} * 10, unsigned{p.backup_priority}, crash_time.count() / 1000.0,
              clean_time.count() / 1000.0);
}

INSTANTIATE_TEST_SUITE_P(Table, VrrpFailover,
                         ::testing::Values(FailoverCase{10, 100}, FailoverCase{10, 200}, FailoverCase{1, 100},
                                           FailoverCase{1, 200}),
                         [](const ::testing::TestParamInfo<FailoverCase>& i) {
                           return "Adverts" + std::to_string(i.param.interval_cs * 10) + "msPriority" +
                                  std::to_string(i.param.backup_priority);
                         });

}  // namespace
}  // namespace conductor::election
