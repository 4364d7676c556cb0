// The sync impairment shim (host/sync/impairment.hpp): option parsing, a clean pass-through, seeded
// loss / duplicate / reorder fractions within tolerance, due-time order, determinism per seed.
#include "host/sync/impairment.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace conductor::sync {
namespace {

using namespace std::chrono_literals;

std::vector<uint8_t> bytes_of(uint32_t i) {
  return {static_cast<uint8_t>(i), static_cast<uint8_t>(i >> 8), static_cast<uint8_t>(i >> 16),
          static_cast<uint8_t>(i >> 24)};
}
uint32_t id_of(const std::vector<uint8_t>& b) { return b[0] | b[1] << 8 | b[2] << 16 | uint32_t(b[3]) << 24; }

TEST(SyncImpairment, ParsesEveryKeyAndRejectsBadValues) {
  auto c = parse_impairment("loss=0.1,reorder=5%,duplicate=0.02,seed=9,delay=3ms");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_DOUBLE_EQ(c->loss, 0.1);
  EXPECT_DOUBLE_EQ(c->reorder, 0.05);
  EXPECT_DOUBLE_EQ(c->duplicate, 0.02);
  EXPECT_EQ(c->seed, 9u);
  EXPECT_EQ(c->reorder_delay, Duration{3000});
  EXPECT_TRUE(c->active());
  auto back = parse_impairment(to_string(*c));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, *c);
  EXPECT_FALSE(parse_impairment("")->active());
  EXPECT_EQ(parse_impairment("delay=200us")->reorder_delay, Duration{200});
  EXPECT_EQ(parse_impairment("delay=2")->reorder_delay, Duration{2000});
  for (const char* bad :
       {"loss=1.5", "loss=-0.1", "loss=x", "reorder=101%", "seed=-1", "jitter=1", "loss", "delay=11s", "delay=xms"}) {
    auto r = parse_impairment(bad);
    EXPECT_FALSE(r) << bad;
    if (!r) {
      EXPECT_EQ(r.error().message.find('\n'), std::string::npos);
    }
  }
}

TEST(SyncImpairment, NoImpairmentPassesEverythingAtOnceInOrder) {
  Impairment imp({});
  const TimePoint t0{};
  for (uint32_t i = 0; i < 100; ++i) imp.push(t0, i % 3, bytes_of(i));
  EXPECT_EQ(imp.next_deadline(), t0);
  auto out = imp.take_due(t0);
  ASSERT_EQ(out.size(), 100u);
  for (uint32_t i = 0; i < 100; ++i) {
    EXPECT_EQ(id_of(out[i].bytes), i);
    EXPECT_EQ(out[i].tag, i % 3);
  }
  EXPECT_EQ(imp.next_deadline(), kNever);
  EXPECT_EQ(imp.counters().out, 100u);
}

TEST(SyncImpairment, FractionsHoldAndReorderedDatagramsAreOvertaken) {
  Impairment imp({.loss = 0.1, .reorder = 0.2, .duplicate = 0.05, .seed = 42, .reorder_delay = Duration{3000}});
  TimePoint now{};
  std::vector<uint32_t> got;
  constexpr uint32_t kN = 20000;
  for (uint32_t i = 0; i < kN; ++i) {
    imp.push(now, 0, bytes_of(i));
    EXPECT_GE(imp.next_deadline(), imp.held() ? TimePoint{} : kNever);
    for (auto& d : imp.take_due(now)) got.push_back(id_of(d.bytes));
    now += 100us;
  }
  // Everything still held is due within the delay.
  EXPECT_LE(imp.next_deadline(), now + 3ms);
  for (auto& d : imp.take_due(now + 3ms)) got.push_back(id_of(d.bytes));
  EXPECT_EQ(imp.held(), 0u);
  EXPECT_EQ(imp.next_deadline(), kNever);

  const auto& c = imp.counters();
  EXPECT_EQ(c.in, kN);
  EXPECT_NEAR(double(c.lost) / kN, 0.1, 0.01);
  EXPECT_NEAR(double(c.duplicated) / (kN - c.lost), 0.05, 0.01);
  EXPECT_NEAR(double(c.reordered) / (kN - c.lost + c.duplicated), 0.2, 0.015);
  EXPECT_EQ(c.out, got.size());
  EXPECT_EQ(got.size(), kN - c.lost + c.duplicated);

  std::map<uint32_t, int> seen;
  size_t inversions = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    ++seen[got[i]];
    if (i > 0 && got[i] < got[i - 1]) ++inversions;
  }
  EXPECT_EQ(seen.size(), kN - c.lost);
  size_t twice = 0;
  for (const auto& [id, n] : seen) {
    EXPECT_LE(n, 2);
    twice += n == 2;
  }
  EXPECT_EQ(twice, c.duplicated);
  EXPECT_GT(inversions, kN / 20);  // reordering happened (held up to 30 later datagrams)
}

TEST(SyncImpairment, DueOrderAndDeterminismPerSeed) {
  auto run = [](uint64_t seed) {
    Impairment imp({.loss = 0.3, .reorder = 0.5, .duplicate = 0.3, .seed = seed, .reorder_delay = Duration{1000}});
    std::vector<std::pair<int64_t, uint32_t>> out;
    TimePoint now{};
    for (uint32_t i = 0; i < 500; ++i) {
      imp.push(now, 0, bytes_of(i));
      now += 10us;
      while (imp.next_deadline() <= now) {
        const TimePoint due = imp.next_deadline();
        for (auto& d : imp.take_due(due)) out.emplace_back(due.time_since_epoch().count(), id_of(d.bytes));
      }
    }
    for (auto& d : imp.take_due(now + 1ms)) out.emplace_back(-1, id_of(d.bytes));
    return out;
  };
  const auto a = run(1), b = run(1), c = run(2);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  // Taken at its due time, never earlier: the due times never go backwards.
  for (size_t i = 1; i < a.size(); ++i)
    if (a[i].first >= 0) EXPECT_LE(a[i - 1].first, a[i].first);
}

}  // namespace
}  // namespace conductor::sync
