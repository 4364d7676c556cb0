// conductor sim's scripted events as Controller calls (host/conductor/sim_events.hpp): each event
// changes the Controller's state as the matching conductorctl command does, a weights event moves
// the buckets once, and an event the Controller refuses changes nothing.
#include <gtest/gtest.h>

#include <cstdio>

#include "common/gen/conductor_regs.hpp"
#include "host/conductor/sim_events.hpp"
#include "host/device/fake_device.hpp"

namespace conductor {
namespace {

class SimEventsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    null_ = std::fopen("/dev/null", "w");
    log_ = std::make_unique<control::Logger>(null_);
    controller_ = std::make_unique<control::Controller>(dev_, *log_, metrics_);
    config::ClusterConfig c;
    c.sites = {config::Site{.id = 0}, config::Site{.id = 1}};
    config::SecurityGroup g{.name = "sim"};
    for (MemberId id : {MemberId{0, 1}, MemberId{0, 2}, MemberId{0, 3}, MemberId{1, 1}}) {
      c.members.push_back(config::Member{.id = id, .weight = 100});
      g.members.push_back(id);
    }
    c.groups.push_back(g);
    ASSERT_TRUE(controller_->start(c).ok());
  }
  void TearDown() override {
    controller_.reset();
    log_.reset();
    std::fclose(null_);
  }
  std::vector<SimEvent> parse(const std::string& text) {
    auto ev = parse_sim_events(text, "ev.txt");
    EXPECT_TRUE(ev.ok()) << ev.error().message;
    return ev.ok() ? *ev : std::vector<SimEvent>{};
  }

  std::FILE* null_ = nullptr;
  device::FakeDevice dev_;
  control::Metrics metrics_;
  std::unique_ptr<control::Logger> log_;
  std::unique_ptr<control::Controller> controller_;
};

TEST_F(SimEventsTest, EachEventIsOneControllerChange) {
  control::Controller& c = *controller_;
  const auto events = parse(
      "at 1 weights 1:300,2:0\nat 2 member-down 0/3\nat 3 site-down 0\nat 4 site-up 0\n"
      "at 4 member-up 0/3\n");
  ASSERT_EQ(events.size(), 5u);
  const uint64_t rebalances = metrics_.find_counter("conductord_rebalances_total")->value();
  ASSERT_TRUE(apply_sim_event(events[0], c).ok());
  EXPECT_EQ(metrics_.find_counter("conductord_rebalances_total")->value(), rebalances + 1);
  EXPECT_EQ(c.member({0, 1})->weight, 300u);
  EXPECT_EQ(c.member({0, 2})->buckets, 0u);
  ASSERT_TRUE(apply_sim_event(events[1], c).ok());
  EXPECT_FALSE(c.member({0, 3})->admin_up);
  EXPECT_FALSE(c.member({0, 3})->status_up);
  EXPECT_EQ(c.member({0, 3})->buckets, 0u);
  ASSERT_TRUE(apply_sim_event(events[2], c).ok());
  EXPECT_EQ(dev_.regs[regs::STEER_SITE_UP_ADDR], 2u);
  EXPECT_EQ(c.active_site(), 1);
  EXPECT_EQ(c.member({1, 1})->buckets, 4096u);
  ASSERT_TRUE(apply_sim_event(events[3], c).ok());
  ASSERT_TRUE(apply_sim_event(events[4], c).ok());
  EXPECT_EQ(dev_.regs[regs::STEER_SITE_UP_ADDR], 3u);
  EXPECT_TRUE(c.member({0, 3})->status_up);
  EXPECT_EQ(c.active_site(), 1);  // no failback
  EXPECT_TRUE(c.verify().empty());
}

TEST_F(SimEventsTest, RefusedEventChangesNothing) {
  const auto events = parse("at 1 weights 1:50,0/9:10\nat 2 member-down 1/7\n");
  ASSERT_EQ(events.size(), 2u);
  dev_.writes.clear();
  Status s = apply_sim_event(events[0], *controller_);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, "member 0/9 is not configured (no [member 0/9] section)");
  EXPECT_EQ(controller_->member({0, 1})->weight, 100u);
  EXPECT_FALSE(apply_sim_event(events[1], *controller_).ok());
  EXPECT_TRUE(dev_.writes.empty());
}

// orchestrator-failover (--standby) takes no argument, comes once, and writes nothing.
TEST_F(SimEventsTest, OrchestratorFailoverIsTheRunsOwn) {
  const auto events = parse("at 1 weights 1:50\nat 7 orchestrator-failover   # the standby takes over\n");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].kind, SimEvent::Kind::kOrchestratorFailover);
  EXPECT_EQ(events[1].at, 7u);
  EXPECT_STREQ(sim_event_name(events[1].kind), "orchestrator-failover");
  dev_.writes.clear();
  ASSERT_TRUE(apply_sim_event(events[1], *controller_).ok());
  EXPECT_TRUE(dev_.writes.empty());
  auto twice = parse_sim_events("at 1 orchestrator-failover\nat 2 orchestrator-failover\n", "ev.txt");
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().message,
            "ev.txt:2: a second orchestrator-failover (the first is on line 1): there is one standby");
  auto arg = parse_sim_events("at 1 orchestrator-failover now\n", "ev.txt");
  ASSERT_FALSE(arg.ok());
  EXPECT_EQ(arg.error().message, "ev.txt:1: 'orchestrator-failover' takes no argument");
}

}  // namespace
}  // namespace conductor
