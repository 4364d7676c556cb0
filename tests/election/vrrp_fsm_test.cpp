// The VRRP router state machine alone, driven call by call on a fake clock (host/election/vrrp_fsm.hpp).
#include "host/election/vrrp_fsm.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "vrrp_lan.hpp"
#include "vrrp_test_util.hpp"

namespace conductor::election {
namespace {

using namespace std::chrono_literals;
using test::ip;
using test::kT0;

constexpr uint8_t kVrid = 7;

VrrpConfig v4_config(uint8_t host, uint8_t priority, uint16_t interval_cs = 10) {
  VrrpConfig c;
  c.vrid = kVrid;
  c.priority = priority;
  c.advert_interval_cs = interval_cs;
  c.primary_address = IpAddress::v4(198, 18, 0, host);
  c.addresses = {IpAddress::v4(198, 18, 0, 100)};
  return c;
}

VrrpRouter make(const VrrpConfig& c) {
  auto r = VrrpRouter::create(c);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return std::move(*r);
}

// An advert from 198.18.0.<host> for the same virtual router, as the codec would hand it over.
ReceivedAdvert advert_from(uint8_t host, uint8_t priority, uint16_t interval_cs = 10) {
  ReceivedAdvert rx;
  rx.advert = Advert{Family::kIpv4, kVrid, priority, interval_cs, {IpAddress::v4(198, 18, 0, 100)}};
  rx.source = IpAddress::v4(198, 18, 0, host);
  rx.destination = vrrp_group(Family::kIpv4);
  return rx;
}

std::vector<ActionKind> kinds(const Actions& actions) {
  std::vector<ActionKind> out;
  for (const Action& a : actions) out.push_back(a.kind);
  return out;
}

const Action* find(const Actions& actions, ActionKind kind) {
  for (const Action& a : actions) {
    if (a.kind == kind) return &a;
  }
  return nullptr;
}

// A router of priority `priority` that has become Master on its own (no other router heard).
VrrpRouter master(uint8_t host, uint8_t priority) {
  VrrpRouter r = make(v4_config(host, priority));
  (void)r.start(kT0);
  (void)r.on_timer(*r.next_deadline());
  EXPECT_EQ(r.state(), State::kMaster);
  return r;
}

// ---- Timers --------------------------------------------------------------------------------------

TEST(VrrpFsmTimers, SkewTimeAndMasterDownIntervalFollowSection6_1) {
  // RFC 5798 §6.1 with the default 1 s interval and priority 100: Skew_Time = 156/256 s.
  EXPECT_EQ(skew_time(100, 100), 609'375us);
  EXPECT_EQ(master_down_interval(100, 100), 3'609'375us);
  // 100 ms adverts.
  EXPECT_EQ(skew_time(100, 10), 60'937us);  // 60.9375 ms, truncated to the microsecond
  EXPECT_EQ(master_down_interval(100, 10), 360'937us);
  EXPECT_EQ(skew_time(200, 10), 21'875us);
  EXPECT_EQ(master_down_interval(200, 10), 321'875us);
  // 10 ms adverts.
  EXPECT_EQ(skew_time(100, 1), 6'093us);
  EXPECT_EQ(master_down_interval(100, 1), 36'093us);
  EXPECT_EQ(skew_time(200, 1), 2'187us);
  EXPECT_EQ(master_down_interval(200, 1), 32'187us);
  // Extremes: the owner skews least, priority 1 most; the 12-bit maximum interval does not overflow.
  EXPECT_EQ(skew_time(255, 100), 3'906us);
  EXPECT_EQ(skew_time(1, 100), 996'093us);
  EXPECT_EQ(master_down_interval(1, 4095), 3 * 40'950'000us + 40'790'039us);
  EXPECT_EQ(centiseconds(1), 10ms);
}

// ---- Configuration -------------------------------------------------------------------------------

TEST(VrrpFsmConfig, ValidateRejectsEachBadField) {
  EXPECT_TRUE(validate(v4_config(1, 100)).ok());
  auto rejects = [](auto change) {
    VrrpConfig c = v4_config(1, 100);
    change(c);
    Status s = validate(c);
    EXPECT_FALSE(s.ok());
    if (!s) {
      EXPECT_EQ(s.error().code, Errc::kInvalidArgument);
    }
    return !s.ok() && !VrrpRouter::create(c).ok();
  };
  EXPECT_TRUE(rejects([](VrrpConfig& c) { c.vrid = 0; }));
  EXPECT_TRUE(rejects([](VrrpConfig& c) { c.priority = 0; }));
  EXPECT_TRUE(rejects([](VrrpConfig& c) { c.advert_interval_cs = 0; }));
  EXPECT_TRUE(rejects([](VrrpConfig& c) { c.advert_interval_cs = 4096; }));
  EXPECT_TRUE(rejects([](VrrpConfig& c) { c.addresses.clear(); }));
  EXPECT_TRUE(rejects([](VrrpConfig& c) { c.addresses.assign(256, c.addresses[0]); }));
  EXPECT_TRUE(rejects([](VrrpConfig& c) { c.primary_address = ip("fe80::1"); }));
  EXPECT_TRUE(rejects([](VrrpConfig& c) { c.addresses.push_back(ip("2001:db8::1")); }));
  // IPv6: the first virtual address must be link-local (RFC 5798 §5.2.9).
  VrrpConfig v6;
  v6.family = Family::kIpv6;
  v6.primary_address = ip("fe80::1");
  v6.addresses = {ip("fe80::100"), ip("2001:db8::100")};
  EXPECT_TRUE(validate(v6).ok());
  std::swap(v6.addresses[0], v6.addresses[1]);
  EXPECT_FALSE(validate(v6).ok());
}

// ---- Startup and timers --------------------------------------------------------------------------

TEST(VrrpFsm, StartsInInitializeWithNoDeadline) {
  VrrpRouter r = make(v4_config(1, 100));
  EXPECT_EQ(r.state(), State::kInitialize);
  EXPECT_FALSE(r.next_deadline());
  EXPECT_TRUE(r.on_timer(kT0 + 10s).empty());
  EXPECT_TRUE(r.shutdown(kT0).empty());
  EXPECT_FALSE(r.accepts_traffic());
}

TEST(VrrpFsm, SingleRouterBecomesMasterAfterMasterDownInterval) {
  VrrpRouter r = make(v4_config(1, 100));
  Actions a = r.start(kT0);
  ASSERT_EQ(kinds(a), std::vector<ActionKind>{ActionKind::kBecomeBackup});
  EXPECT_EQ(a[0].reason, Reason::kStartup);
  EXPECT_EQ(r.state(), State::kBackup);
  EXPECT_EQ(r.master_adver_interval_cs(), 10);
  ASSERT_TRUE(r.next_deadline());
  EXPECT_EQ(*r.next_deadline(), kT0 + 3 * 100ms + 60'937us);
  EXPECT_TRUE(r.start(kT0).empty()) << "Startup outside Initialize does nothing";

  // One microsecond early: nothing.
  EXPECT_TRUE(r.on_timer(kT0 + 360'936us).empty());
  EXPECT_EQ(r.state(), State::kBackup);

  a = r.on_timer(kT0 + 360'937us);
  ASSERT_EQ(kinds(a),
            (std::vector<ActionKind>{ActionKind::kBecomeMaster, ActionKind::kSendAdvert, ActionKind::kAnnounce}));
  for (const Action& x : a) EXPECT_EQ(x.reason, Reason::kMasterDown);
  const Action* send = find(a, ActionKind::kSendAdvert);
  EXPECT_EQ(send->advert, (Advert{Family::kIpv4, kVrid, 100, 10, {IpAddress::v4(198, 18, 0, 100)}}));
  EXPECT_EQ(r.state(), State::kMaster);
  ASSERT_TRUE(r.master());
  EXPECT_EQ(r.master()->address, IpAddress::v4(198, 18, 0, 1));
  EXPECT_EQ(*r.next_deadline(), kT0 + 460'937us);

  // Then one advert per Advertisement_Interval.
  a = r.on_timer(kT0 + 460'937us);
  ASSERT_EQ(kinds(a), std::vector<ActionKind>{ActionKind::kSendAdvert});
  EXPECT_EQ(a[0].reason, Reason::kAdverTimer);
  EXPECT_EQ(*r.next_deadline(), kT0 + 560'937us);
  EXPECT_EQ(r.stats().adverts_sent, 2u);
  EXPECT_EQ(r.stats().became_master, 1u);
  EXPECT_EQ(r.stats().became_backup, 1u);
}

TEST(VrrpFsm, OwnerBecomesMasterAtStartup) {
  VrrpRouter r = make(v4_config(1, kPriorityOwner));
  EXPECT_TRUE(r.is_owner());
  Actions a = r.start(kT0);
  ASSERT_EQ(kinds(a),
            (std::vector<ActionKind>{ActionKind::kBecomeMaster, ActionKind::kSendAdvert, ActionKind::kAnnounce}));
  EXPECT_EQ(a[0].reason, Reason::kOwnerStartup);
  EXPECT_EQ(find(a, ActionKind::kSendAdvert)->advert.priority, 255);
  EXPECT_EQ(r.state(), State::kMaster);
  EXPECT_EQ(*r.next_deadline(), kT0 + 100ms);
  EXPECT_TRUE(r.accepts_traffic()) << "the owner accepts whatever Accept_Mode says";
}

TEST(VrrpFsm, AcceptsTrafficOnlyAsMasterWithAcceptMode) {
  VrrpConfig c = v4_config(1, 100);
  VrrpRouter plain = make(c);
  c.accept = true;
  VrrpRouter accepting = make(c);
  for (VrrpRouter* r : {&plain, &accepting}) {
    (void)r->start(kT0);
    EXPECT_FALSE(r->accepts_traffic());
    (void)r->on_timer(*r->next_deadline());
  }
  EXPECT_FALSE(plain.accepts_traffic());
  EXPECT_TRUE(accepting.accepts_traffic());
}

// ---- Backup --------------------------------------------------------------------------------------

TEST(VrrpFsm, BackupLearnsTheMastersAdvertInterval) {
  VrrpRouter r = make(v4_config(1, 100, 100));  // configured 1 s
  (void)r.start(kT0);
  const TimePoint t = kT0 + 250ms;
  EXPECT_TRUE(r.on_advert(t, advert_from(2, 200, 50)).empty());
  EXPECT_EQ(r.master_adver_interval_cs(), 50);
  EXPECT_EQ(r.skew_time(), 304'687us);  // 156 * 500 ms / 256
  EXPECT_EQ(*r.next_deadline(), t + 3 * 500ms + 304'687us);
  EXPECT_EQ(r.stats().interval_changes, 1u);
  ASSERT_TRUE(r.master());
  EXPECT_EQ(r.master()->address, IpAddress::v4(198, 18, 0, 2));
  EXPECT_EQ(r.master()->priority, 200);
  EXPECT_EQ(r.master()->adver_interval_cs, 50);
  EXPECT_EQ(r.master()->last_heard, t);
  // Its own Advertisement_Interval is unchanged: that is what it sends once Master.
  EXPECT_EQ(r.advertisement_interval(), 1s);
  Actions a = r.on_timer(*r.next_deadline());
  ASSERT_NE(find(a, ActionKind::kSendAdvert), nullptr);
  EXPECT_EQ(find(a, ActionKind::kSendAdvert)->advert.max_adver_interval_cs, 100);
}

TEST(VrrpFsm, BackupTakesOverSkewTimeAfterPriorityZero) {
  VrrpRouter r = make(v4_config(1, 100));
  (void)r.start(kT0);
  (void)r.on_advert(kT0 + 10ms, advert_from(2, 200));
  const TimePoint t = kT0 + 50ms;
  EXPECT_TRUE(r.on_advert(t, advert_from(2, kPriorityShutdown)).empty());
  EXPECT_EQ(*r.next_deadline(), t + 60'937us);
  EXPECT_FALSE(r.master()) << "the Master said it is leaving";
  EXPECT_EQ(r.stats().priority_zero_received, 1u);
  EXPECT_TRUE(r.on_timer(t + 60'936us).empty());
  Actions a = r.on_timer(t + 60'937us);
  ASSERT_FALSE(a.empty());
  EXPECT_EQ(a.front().kind, ActionKind::kBecomeMaster);
  EXPECT_EQ(r.state(), State::kMaster);
}

TEST(VrrpFsm, BackupWithPreemptDiscardsALowerPriority) {
  VrrpRouter r = make(v4_config(1, 200));
  (void)r.start(kT0);
  const TimePoint deadline = *r.next_deadline();
  EXPECT_TRUE(r.on_advert(kT0 + 10ms, advert_from(2, 100)).empty());
  EXPECT_EQ(*r.next_deadline(), deadline) << "a lower priority does not hold the timer back";
  EXPECT_EQ(r.stats().preempt_discards, 1u);
  EXPECT_FALSE(r.master());
  // Equal priority is accepted (">=", §6.4.2).
  (void)r.on_advert(kT0 + 20ms, advert_from(2, 200));
  EXPECT_EQ(*r.next_deadline(), kT0 + 20ms + r.master_down_interval());
}

TEST(VrrpFsm, BackupWithoutPreemptAcceptsALowerPriority) {
  VrrpConfig c = v4_config(1, 200);
  c.preempt = false;
  VrrpRouter r = make(c);
  (void)r.start(kT0);
  (void)r.on_advert(kT0 + 10ms, advert_from(2, 100));
  EXPECT_EQ(*r.next_deadline(), kT0 + 10ms + 321'875us);
  EXPECT_EQ(r.stats().preempt_discards, 0u);
  ASSERT_TRUE(r.master());
  EXPECT_EQ(r.master()->priority, 100);
}

// ---- Master --------------------------------------------------------------------------------------

TEST(VrrpFsm, MasterStepsDownForAHigherPriority) {
  VrrpRouter r = master(1, 100);
  const TimePoint t = kT0 + 1s;
  Actions a = r.on_advert(t, advert_from(2, 150, 20));
  ASSERT_EQ(kinds(a), std::vector<ActionKind>{ActionKind::kBecomeBackup});
  EXPECT_EQ(a[0].reason, Reason::kHigherPriority);
  EXPECT_EQ(r.state(), State::kBackup);
  EXPECT_FALSE(r.adver_timer()) << "Adver_Timer cancelled";
  EXPECT_EQ(r.master_adver_interval_cs(), 20);
  EXPECT_EQ(*r.next_deadline(), t + master_down_interval(100, 20));
  EXPECT_EQ(r.stats().became_backup, 2u);  // startup, then this
}

TEST(VrrpFsm, MasterStepsDownForEqualPriorityFromAHigherAddress) {
  VrrpRouter r = master(5, 100);
  Actions a = r.on_advert(kT0 + 1s, advert_from(6, 100));
  ASSERT_EQ(kinds(a), std::vector<ActionKind>{ActionKind::kBecomeBackup});
  EXPECT_EQ(a[0].reason, Reason::kAddressTieBreak);
}

TEST(VrrpFsm, MasterAssertsItselfAgainstLowerPriorityOrLowerAddress) {
  for (const ReceivedAdvert& rx : {advert_from(6, 99), advert_from(4, 100)}) {
    VrrpRouter r = master(5, 100);
    const TimePoint timer = *r.next_deadline();
    Actions a = r.on_advert(kT0 + 1s, rx);
    // RFC 9568 §6.4.3: discard, and send an advert at once; the Adver_Timer keeps running.
    ASSERT_EQ(kinds(a), std::vector<ActionKind>{ActionKind::kSendAdvert});
    EXPECT_EQ(a[0].reason, Reason::kAssertMaster);
    EXPECT_EQ(a[0].advert.priority, 100);
    EXPECT_EQ(r.state(), State::kMaster);
    EXPECT_EQ(*r.next_deadline(), timer);
  }
}

TEST(VrrpFsm, MasterAnswersPriorityZeroAndRestartsItsTimer) {
  VrrpRouter r = master(5, 100);
  const TimePoint t = kT0 + 1s;
  Actions a = r.on_advert(t, advert_from(6, kPriorityShutdown));
  ASSERT_EQ(kinds(a), std::vector<ActionKind>{ActionKind::kSendAdvert});
  EXPECT_EQ(a[0].reason, Reason::kPriorityZero);
  EXPECT_EQ(*r.next_deadline(), t + 100ms);
  EXPECT_EQ(r.state(), State::kMaster);
}

// ---- Shutdown ------------------------------------------------------------------------------------

TEST(VrrpFsm, ShutdownAsMasterSendsPriorityZero) {
  VrrpRouter r = master(1, 100);
  Actions a = r.shutdown(kT0 + 1s);
  ASSERT_EQ(kinds(a), (std::vector<ActionKind>{ActionKind::kSendAdvert, ActionKind::kBecomeInitialize}));
  EXPECT_EQ(a[0].advert.priority, kPriorityShutdown);
  EXPECT_EQ(a[0].reason, Reason::kShutdown);
  EXPECT_EQ(r.state(), State::kInitialize);
  EXPECT_FALSE(r.next_deadline());
  EXPECT_EQ(r.stats().priority_zero_sent, 1u);
  // It can start again, as a Backup.
  ASSERT_EQ(kinds(r.start(kT0 + 2s)), std::vector<ActionKind>{ActionKind::kBecomeBackup});
}

TEST(VrrpFsm, ShutdownAsBackupSendsNothing) {
  VrrpRouter r = make(v4_config(1, 100));
  (void)r.start(kT0);
  Actions a = r.shutdown(kT0 + 1ms);
  ASSERT_EQ(kinds(a), std::vector<ActionKind>{ActionKind::kBecomeInitialize});
  EXPECT_FALSE(r.next_deadline());
  EXPECT_EQ(r.stats().adverts_sent, 0u);
}

// ---- Receive checks ------------------------------------------------------------------------------

TEST(VrrpFsm, BadAdvertsAreIgnoredWithCounters) {
  VrrpRouter r = make(v4_config(1, 100));
  const IpAddress peer = IpAddress::v4(198, 18, 0, 2), group = vrrp_group(Family::kIpv4);
  const IpMeta meta{Family::kIpv4, peer, group, 255, 112};
  const Advert good{Family::kIpv4, kVrid, 200, 10, {IpAddress::v4(198, 18, 0, 100)}};
  auto bytes = [&](Advert a, IpAddress src) { return *encode_advert(a, src, group); };

  // Not running yet.
  EXPECT_TRUE(r.on_packet(kT0, meta, bytes(good, peer)).empty());
  EXPECT_EQ(r.stats().not_running, 1u);

  (void)r.start(kT0);
  const TimePoint deadline = *r.next_deadline();
  const TimePoint t = kT0 + 10ms;

  Advert other_vrid = good;
  other_vrid.vrid = kVrid + 1;
  EXPECT_TRUE(r.on_packet(t, meta, bytes(other_vrid, peer)).empty());

  std::vector<uint8_t> v2 = bytes(good, peer);  // VRRPv2 header byte
  v2[0] = 0x21;
  EXPECT_TRUE(r.on_packet(t, meta, v2).empty());

  std::vector<uint8_t> corrupt = bytes(good, peer);
  corrupt.back() ^= 1;
  EXPECT_TRUE(r.on_packet(t, meta, corrupt).empty());

  IpMeta routed = meta;
  routed.ttl = 254;  // came through a router
  EXPECT_TRUE(r.on_packet(t, routed, bytes(good, peer)).empty());

  const IpAddress self = IpAddress::v4(198, 18, 0, 1);
  EXPECT_TRUE(r.on_packet(t, IpMeta{Family::kIpv4, self, group, 255, 112}, bytes(good, self)).empty());

  Advert other_vip = good;
  other_vip.addresses = {IpAddress::v4(198, 18, 0, 200)};
  EXPECT_TRUE(r.on_packet(t, meta, bytes(other_vip, peer)).empty());

  const IpAddress peer6 = ip("fe80::2"), group6 = vrrp_group(Family::kIpv6);
  const Advert v6{Family::kIpv6, kVrid, 200, 10, {ip("fe80::100")}};
  EXPECT_TRUE(
      r.on_packet(t, IpMeta{Family::kIpv6, peer6, group6, 255, 112}, *encode_advert(v6, peer6, group6)).empty());

  const VrrpStats& s = r.stats();
  EXPECT_EQ(s.vrid_mismatch, 1u);
  EXPECT_EQ(s.rx_error(RxError::kBadVersion), 1u);
  EXPECT_EQ(s.rx_error(RxError::kBadChecksum), 1u);
  EXPECT_EQ(s.rx_error(RxError::kBadTtl), 1u);
  EXPECT_EQ(s.own_adverts, 1u);
  EXPECT_EQ(s.address_list_mismatch, 1u);
  EXPECT_EQ(s.family_mismatch, 1u);
  EXPECT_EQ(s.dropped(), 8u);
  EXPECT_EQ(s.adverts_received, 0u);
  EXPECT_EQ(*r.next_deadline(), deadline) << "no dropped advert touched the Master_Down_Timer";
  EXPECT_FALSE(r.master());

  // The owner's advert is taken even with another address list (§7.1), and a good one is taken.
  Advert owner = other_vip;
  owner.priority = kPriorityOwner;
  (void)r.on_packet(t, meta, bytes(owner, peer));
  EXPECT_EQ(s.adverts_received, 1u);
  (void)r.on_packet(t + 1ms, meta, bytes(good, peer));
  EXPECT_EQ(s.adverts_received, 2u);
  EXPECT_EQ(*r.next_deadline(), t + 1ms + r.master_down_interval());
  EXPECT_EQ(s.dropped(), 8u);
}

TEST(VrrpFsm, TheAddressOwnerDiscardsEveryAdvert) {
  VrrpRouter r = make(v4_config(1, kPriorityOwner));
  (void)r.start(kT0);
  EXPECT_TRUE(r.on_advert(kT0 + 1ms, advert_from(2, 255)).empty());
  EXPECT_TRUE(r.on_advert(kT0 + 2ms, advert_from(2, 0)).empty());
  EXPECT_EQ(r.stats().owner_discards, 2u);
  EXPECT_EQ(r.state(), State::kMaster);
}

}  // namespace
}  // namespace conductor::election
