#include <gtest/gtest.h>

#include "host/cluster/site_monitor.hpp"
#include "tests/cluster/cluster_test_util.hpp"

namespace conductor::cluster {
namespace {

using namespace test;

SiteMonitorConfig two_sites(bool failback = false) {
  SiteMonitorConfig c{.sites = {0, 1}, .preferred_active = 0, .failback = failback};
  for (uint8_t s = 0; s < 2; ++s)
    for (uint8_t m = 0; m < 3; ++m) c.members[MemberId{s, m}] = s;
  return c;
}

void all(SiteMonitor& sm, TimePoint now, uint8_t site, Health h, SiteActions& out) {
  for (uint8_t m = 0; m < 3; ++m)
    for (auto& a : sm.on_member_health(now, MemberId{site, m}, h)) out.push_back(a);
}

TEST(SiteMonitor, StartsOnlineWithPreferredActive) {
  FakeClock c;
  SiteMonitor sm(two_sites(), c.now());
  EXPECT_EQ(sm.active_site(), 0);
  EXPECT_TRUE(sm.sites().at(0).online);
  EXPECT_TRUE(sm.sites().at(1).online);
}

TEST(SiteMonitor, SiteLostWhenLastMemberDownOtherBecomesActive) {
  FakeClock c;
  SiteMonitor sm(two_sites(), c.now());
  SiteActions out;
  all(sm, c.now(), 0, Health::kUp, out);
  all(sm, c.now(), 1, Health::kUp, out);
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(sm.on_member_health(c.advance(1s), MemberId{0, 0}, Health::kDown).empty());
  EXPECT_TRUE(sm.on_member_health(c.now(), MemberId{0, 1}, Health::kDown).empty());
  out = sm.on_member_health(c.now(), MemberId{0, 2}, Health::kDown);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].kind, SiteAction::Kind::kSetSiteOnline);
  EXPECT_EQ(out[0].site, 0);
  EXPECT_FALSE(out[0].online);
  EXPECT_NE(out[0].reason.find("all 3 members are down"), std::string::npos) << out[0].reason;
  EXPECT_EQ(out[1].kind, SiteAction::Kind::kSetActiveSite);
  EXPECT_EQ(out[1].site, 1);
  EXPECT_EQ(sm.active_site(), 1);
  EXPECT_EQ(sm.sites().at(0).losses, 1u);
}

TEST(SiteMonitor, UnknownMembersKeepSiteOnline) {
  FakeClock c;
  SiteMonitor sm(two_sites(), c.now());
  EXPECT_TRUE(sm.on_member_health(c.now(), MemberId{0, 0}, Health::kDown).empty());
  EXPECT_TRUE(sm.on_member_health(c.now(), MemberId{0, 1}, Health::kDown).empty());
  EXPECT_TRUE(sm.sites().at(0).online);
}

TEST(SiteMonitor, ReturningSiteDoesNotTakeActiveBackWithoutFailback) {
  FakeClock c;
  SiteMonitor sm(two_sites(false), c.now());
  SiteActions out;
  all(sm, c.now(), 1, Health::kUp, out);
  all(sm, c.now(), 0, Health::kDown, out);
  EXPECT_EQ(sm.active_site(), 1);
  out.clear();
  auto a = sm.on_member_health(c.advance(5s), MemberId{0, 1}, Health::kUp);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].kind, SiteAction::Kind::kSetSiteOnline);
  EXPECT_TRUE(a[0].online);
  EXPECT_EQ(sm.active_site(), 1);  // no flap back
  EXPECT_EQ(sm.active_site_changes(), 1u);
}

TEST(SiteMonitor, FailbackMovesActiveBack) {
  FakeClock c;
  SiteMonitor sm(two_sites(true), c.now());
  SiteActions out;
  all(sm, c.now(), 1, Health::kUp, out);
  all(sm, c.now(), 0, Health::kDown, out);
  EXPECT_EQ(sm.active_site(), 1);
  auto a = sm.on_member_health(c.advance(5s), MemberId{0, 1}, Health::kUp);
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[1].kind, SiteAction::Kind::kSetActiveSite);
  EXPECT_EQ(a[1].site, 0);
  EXPECT_NE(a[1].reason.find("failback"), std::string::npos);
}

TEST(SiteMonitor, OperatorOfflineDrill) {
  FakeClock c;
  SiteMonitor sm(two_sites(), c.now());
  SiteActions out;
  all(sm, c.now(), 0, Health::kUp, out);
  all(sm, c.now(), 1, Health::kUp, out);
  auto a = sm.set_admin_offline(c.now(), 0, true);
  ASSERT_EQ(a.size(), 2u);
  EXPECT_FALSE(a[0].online);
  EXPECT_NE(a[0].reason.find("operator"), std::string::npos);
  EXPECT_EQ(sm.active_site(), 1);
  EXPECT_TRUE(sm.set_admin_offline(c.now(), 0, true).empty());  // idempotent
  a = sm.set_admin_offline(c.now(), 0, false);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_TRUE(a[0].online);
  EXPECT_EQ(sm.active_site(), 1);
}

TEST(SiteMonitor, OrchestratorsGoneTakesSiteOffline) {
  FakeClock c;
  SiteMonitor sm(two_sites(), c.now());
  SiteActions out;
  all(sm, c.now(), 0, Health::kUp, out);
  all(sm, c.now(), 1, Health::kUp, out);
  auto a = sm.on_orchestrators(c.now(), 1, false);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_FALSE(a[0].online);
  EXPECT_EQ(sm.active_site(), 0);
}

TEST(SiteMonitor, BothSitesLostActiveStays) {
  FakeClock c;
  SiteMonitor sm(two_sites(), c.now());
  SiteActions out;
  all(sm, c.now(), 0, Health::kDown, out);
  all(sm, c.now(), 1, Health::kDown, out);
  EXPECT_EQ(sm.active_site(), 1);  // moved to 1 when 0 went, stays with nothing online
  EXPECT_FALSE(sm.sites().at(0).online);
  EXPECT_FALSE(sm.sites().at(1).online);
  // The first site to come back becomes active.
  out.clear();
  all(sm, c.now(), 0, Health::kUp, out);
  EXPECT_EQ(sm.active_site(), 0);
}

}  // namespace
}  // namespace conductor::cluster
