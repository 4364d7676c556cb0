// The control library's support pieces: metrics text, JSON log lines, event-loop timers and fds.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "host/control/event_loop.hpp"
#include "host/control/log.hpp"
#include "host/control/metrics.hpp"

namespace conductor::control {
namespace {

TEST(Metrics, ExpositionFormat) {
  Metrics m;
  m.counter("conductord_x_total", "Things\nseen", {{"kind", "a\"b"}}).inc(3);
  m.counter("conductord_x_total", "ignored", {{"kind", "c"}}).inc();
  m.gauge("conductord_g", "A gauge").set(1.5);
  m.gauge("conductord_h", "Whole").set(42);
  EXPECT_EQ(m.exposition(),
            "# HELP conductord_g A gauge\n# TYPE conductord_g gauge\nconductord_g 1.5\n"
            "# HELP conductord_h Whole\n# TYPE conductord_h gauge\nconductord_h 42\n"
            "# HELP conductord_x_total Things\\nseen\n# TYPE conductord_x_total counter\n"
            "conductord_x_total{kind=\"a\\\"b\"} 3\nconductord_x_total{kind=\"c\"} 1\n");
  EXPECT_EQ(m.find_counter("conductord_x_total", {{"kind", "c"}})->value(), 1u);
  EXPECT_EQ(m.find_counter("conductord_nope"), nullptr);
}

TEST(Log, JsonLines) {
  EXPECT_EQ(Logger::format("2026-01-01T00:00:00.000Z", config::LogLevel::kWarn, "control", "request",
                           {{"command", "say \"hi\"\n"}, {"x", "\x01"}}),
            "{\"ts\":\"2026-01-01T00:00:00.000Z\",\"level\":\"warn\",\"component\":\"control\",\"event\":\"request\","
            "\"command\":\"say \\\"hi\\\"\\n\",\"x\":\"\\u0001\"}");
  // Bytes that are not UTF-8 (a client's words) still give a JSON line.
  EXPECT_EQ(Logger::format("t", config::LogLevel::kInfo, "control", "request", {{"command", "a\xff"}}),
            "{\"ts\":\"t\",\"level\":\"info\",\"component\":\"control\",\"event\":\"request\",\"command\":"
            "\"a\xef\xbf\xbd\"}");
  char* buf = nullptr;
  size_t len = 0;
  FILE* mem = open_memstream(&buf, &len);
  Logger log(mem, config::LogLevel::kWarn);
  log.info("a", "dropped");
  log.error("a", "kept");
  std::fflush(mem);
  EXPECT_NE(std::string(buf, len).find("\"event\":\"kept\""), std::string::npos);
  EXPECT_EQ(std::string(buf, len).find("dropped"), std::string::npos);
  EXPECT_EQ(log.lines(config::LogLevel::kError), 1u);
  std::fclose(mem);
  std::free(buf);
}

TEST(EventLoop, TimersInOrderCancelAndFds) {
  EventLoop loop;
  std::vector<int> order;
  const auto t = loop.now();
  loop.add_timer(t + std::chrono::milliseconds{2}, [&](Clock::time_point) { order.push_back(2); });
  loop.add_timer(t, [&](Clock::time_point) { order.push_back(1); });
  const uint64_t c = loop.add_timer(t, [&](Clock::time_point) { order.push_back(99); });
  loop.cancel_timer(c);
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  int reads = 0;
  loop.watch_fd(fds[0], [&](Clock::time_point) {
    char b;
    ASSERT_EQ(::read(fds[0], &b, 1), 1);
    ++reads;
    loop.unwatch_fd(fds[0]);  // a handler may unwatch itself
  });
  ASSERT_EQ(::write(fds[1], "x", 1), 1);
  const auto deadline = Clock::now() + std::chrono::seconds{5};
  while ((order.size() < 2 || reads == 0) && Clock::now() < deadline) loop.run_once(std::chrono::milliseconds{50});
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
  EXPECT_EQ(reads, 1);
  EXPECT_EQ(loop.watched(), 0u);
  loop.stop();
  EXPECT_FALSE(loop.run_once(std::chrono::milliseconds{0}));
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST(EventLoop, WritableAndNoEvents) {
  EventLoop loop;
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  int calls = 0;
  // An empty pipe's write end is writable at once; with no events the handler does not run.
  loop.watch_fd(
      fds[1], [&](Clock::time_point) { ++calls; }, EventLoop::kWritable);
  loop.run_once(std::chrono::milliseconds{0});
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(loop.set_events(fds[1], 0));
  loop.run_once(std::chrono::milliseconds{10});
  EXPECT_EQ(calls, 1);
  EXPECT_FALSE(loop.set_events(fds[0], EventLoop::kReadable));  // not watched
  // Nothing to read: the read end does not fire for kReadable.
  int reads = 0;
  loop.watch_fd(fds[0], [&](Clock::time_point) { ++reads; });
  loop.run_once(std::chrono::milliseconds{10});
  EXPECT_EQ(reads, 0);
  ::close(fds[0]);
  ::close(fds[1]);
}

}  // namespace
}  // namespace conductor::control
