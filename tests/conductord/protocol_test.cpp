// The pieces of conductord without I/O: ctl line protocol, HTTP request parser, metrics text,
// command registry, JSON log lines, event-loop timers and fds, option parsing.
#include <gtest/gtest.h>
#include <unistd.h>

#include "host/conductord/commands.hpp"
#include "host/conductord/ctl_protocol.hpp"
#include "host/conductord/daemon.hpp"
#include "host/conductord/event_loop.hpp"
#include "host/conductord/http.hpp"
#include "host/conductord/log.hpp"
#include "host/conductord/metrics.hpp"

namespace conductor::daemon {
namespace {

TEST(CtlProtocol, ParsesWords) {
  auto w = parse_request("  show \tdistribution  verification ");
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(*w, (std::vector<std::string>{"show", "distribution", "verification"}));
  EXPECT_EQ(parse_request("").error().message, "empty request (try: help)");
  EXPECT_EQ(parse_request("show\x01").error().message, "request byte 4 is not printable ASCII (1)");
  EXPECT_EQ(parse_request("caf\xc3\xa9").error().message, "request byte 3 is not printable ASCII (195)");
  EXPECT_EQ(parse_request(std::string(2000, 'a')).error().message, "request longer than 1024 bytes");
  std::string many;
  for (int i = 0; i < 17; ++i) many += "w ";
  EXPECT_EQ(parse_request(many).error().message, "more than 16 words");
}

TEST(CtlProtocol, ResponsesRoundTrip) {
  const std::string ok = format_response(std::string("line 1\nOK\nline 3"));
  EXPECT_EQ(ok, "line 1\nOK\nline 3\nOK\n");
  auto r = parse_response(ok);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->ok);
  EXPECT_EQ(r->body, "line 1\nOK\nline 3\n");
  const std::string err = format_response(Error{Errc::kCorrupt, "2 differences:\nbucket 1: a\nbucket 2: b\n"});
  EXPECT_EQ(err, "bucket 1: a\nbucket 2: b\nERR corrupt 2 differences:\n");
  r = parse_response(err);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->ok);
  EXPECT_EQ(r->code, Errc::kCorrupt);
  EXPECT_EQ(r->message, "2 differences:");
  EXPECT_EQ(r->body, "bucket 1: a\nbucket 2: b\n");
  EXPECT_FALSE(parse_response("partial").ok());
  EXPECT_FALSE(parse_response("ERR bogus x\n").ok());
  EXPECT_FALSE(parse_response("WHAT\n").ok());
  EXPECT_TRUE(parse_response("OK\n")->ok);
}

TEST(Http, ParsesRequests) {
  auto r = parse_http_request("GET /metrics?x=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: */*\r\n\r\n");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->method, "GET");
  EXPECT_EQ(r->target, "/metrics");
  EXPECT_EQ(http_head_end("GET / HTTP/1.0\r\n\r\nrest"), 18u);
  EXPECT_EQ(http_head_end("GET / HTTP/1.0\n\n"), 16u);
  EXPECT_EQ(http_head_end("GET / HTTP/1.0\r\n"), std::string::npos);
  EXPECT_FALSE(parse_http_request("GET metrics HTTP/1.0\r\n\r\n").ok());
  EXPECT_FALSE(parse_http_request("GET /metrics HTTP/2\r\n\r\n").ok());
  EXPECT_FALSE(parse_http_request(" /metrics HTTP/1.0\r\n\r\n").ok());
  EXPECT_FALSE(parse_http_request("GET /metrics HTTP/1.0\r\nbad header\r\n\r\n").ok());
  EXPECT_FALSE(parse_http_request("GET /m\x01 HTTP/1.0\r\n\r\n").ok());
  EXPECT_EQ(http_response(404, "text/plain", "no\n"),
            "HTTP/1.0 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nConnection: close\r\n\r\nno\n");
}

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

TEST(Commands, LongestPrefixAndUnknown) {
  CommandRegistry r;
  std::vector<std::string> seen;
  r.add("show distribution", "a", [&](const std::vector<std::string>& a) -> Expected<std::string> { seen = a; return std::string("d"); });
  r.add("show distribution verification", "b", [&](const std::vector<std::string>&) -> Expected<std::string> { return std::string("v"); });
  EXPECT_EQ(*r.run({"show", "distribution"}), "d");
  EXPECT_EQ(*r.run({"show", "distribution", "verification"}), "v");
  EXPECT_EQ(*r.run({"show", "distribution", "x"}), "d");
  EXPECT_EQ(seen, std::vector<std::string>{"x"});
  auto u = r.run({"show", "nothing"});
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.error().message,
            "unknown command 'show nothing' (commands starting so: show distribution, show distribution verification)");
  EXPECT_EQ(r.run({"frobnicate"}).error().message, "unknown command 'frobnicate' (try: help)");
  EXPECT_EQ(r.help(), "a\nb\n");
}

TEST(Log, JsonLines) {
  EXPECT_EQ(Logger::format("2026-01-01T00:00:00.000Z", config::LogLevel::kWarn, "control", "request",
                           {{"command", "say \"hi\"\n"}, {"x", "\x01"}}),
            "{\"ts\":\"2026-01-01T00:00:00.000Z\",\"level\":\"warn\",\"component\":\"control\",\"event\":\"request\","
            "\"command\":\"say \\\"hi\\\"\\n\",\"x\":\"\\u0001\"}");
  // Bytes that are not UTF-8 (a client's words) still give a JSON line.
  EXPECT_EQ(Logger::format("t", config::LogLevel::kInfo, "control", "request", {{"command", "a\xff"}}),
            "{\"ts\":\"t\",\"level\":\"info\",\"component\":\"control\",\"event\":\"request\",\"command\":\"a\xef\xbf\xbd\"}");
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

TEST(Options, ParsesAndRejects) {
  auto o = parse_options({"--config", "c.conf", "--name", "east-a", "--device", "soft", "--foreground"});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->config_path, "c.conf");
  EXPECT_EQ(o->name, "east-a");
  EXPECT_EQ(*o->device, config::DeviceType::kSoft);
  EXPECT_EQ(parse_options({}).error().message, "--config is required");
  EXPECT_EQ(parse_options({"--config", "c", "--device", "fpga"}).error().message,
            "--device: 'fpga' is not a device type (sim or soft)");
  EXPECT_EQ(parse_options({"--config"}).error().message, "--config: 1 required FILE missing");
  EXPECT_EQ(parse_options({"--config", "c", "--bogus"}).error().message, "The following argument was not expected: --bogus");
  auto help = parse_options({"--help"});
  EXPECT_EQ(help.error().code, Errc::kNotFound);
  EXPECT_NE(help.error().message.find("--device sim|soft"), std::string::npos) << help.error().message;
  EXPECT_EQ(parse_options({"--version"}).error().message, "conductord 0.1.0\n");
}

}  // namespace
}  // namespace conductor::daemon
