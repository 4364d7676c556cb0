// The pieces of conductord without I/O: ctl line protocol, HTTP request parser, command registry,
// option parsing (the event loop, logs and metrics of host/control: tests/control/support_test.cpp).
#include <gtest/gtest.h>

#include "host/conductord/commands.hpp"
#include "host/conductord/ctl_protocol.hpp"
#include "host/conductord/daemon.hpp"
#include "host/conductord/http.hpp"

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

TEST(Commands, LongestPrefixAndUnknown) {
  CommandRegistry r;
  std::vector<std::string> seen;
  r.add({.name = "show distribution", .help = "a", .max_args = kAnyArgs},
        [&](const std::vector<std::string>& a) -> Expected<std::string> {
          seen = a;
          return std::string("d");
        });
  r.add({.name = "show distribution verification", .help = "b"},
        [&](const std::vector<std::string>&) -> Expected<std::string> { return std::string("v"); });
  EXPECT_EQ(*r.run({"show", "distribution"}), "d");
  EXPECT_EQ(*r.run({"show", "distribution", "verification"}), "v");
  EXPECT_EQ(*r.run({"show", "distribution", "x"}), "d");
  EXPECT_EQ(seen, std::vector<std::string>{"x"});
  auto u = r.run({"show", "nothing"});
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.error().message,
            "unknown command 'show nothing' (commands starting so: show distribution, show distribution verification)");
  EXPECT_EQ(r.run({"frobnicate"}).error().message, "unknown command 'frobnicate' (try: help)");
  EXPECT_EQ(r.help(), "show distribution: a\nshow distribution verification: b\n");
}

// The registry, not the handler, formats the help line and the usage error and checks the count.
TEST(Commands, SpecGivesHelpUsageAndArgumentCount) {
  CommandRegistry r;
  int runs = 0;
  r.add({.name = "member weight",
         .args = "ID W",
         .help = "set",
         .min_args = 2,
         .max_args = 2,
         .usage_args = "SITE/MEMBER WEIGHT"},
        [&](const std::vector<std::string>&) -> Expected<std::string> { return std::to_string(++runs); });
  r.add({.name = "site online", .args = "ID", .help = "up", .min_args = 1, .max_args = 1},
        [&](const std::vector<std::string>&) -> Expected<std::string> { return std::to_string(++runs); });
  EXPECT_EQ(r.help(), "member weight ID W: set\nsite online ID: up\n");
  EXPECT_EQ(r.run({"member", "weight", "0/1"}).error().message, "usage: member weight SITE/MEMBER WEIGHT");
  EXPECT_EQ(r.run({"member", "weight", "0/1", "5", "6"}).error().message, "usage: member weight SITE/MEMBER WEIGHT");
  EXPECT_EQ(r.run({"site", "online"}).error().message, "usage: site online ID");
  EXPECT_EQ(runs, 0);
  EXPECT_EQ(*r.run({"member", "weight", "0/1", "5"}), "1");
  EXPECT_EQ(*r.run({"site", "online", "1"}), "2");
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
  EXPECT_EQ(parse_options({"--config", "c", "--bogus"}).error().message,
            "The following argument was not expected: --bogus");
  auto help = parse_options({"--help"});
  EXPECT_EQ(help.error().code, Errc::kNotFound);
  EXPECT_NE(help.error().message.find("--device sim|soft"), std::string::npos) << help.error().message;
  EXPECT_EQ(parse_options({"--version"}).error().message, "conductord 0.1.0\n");
}

}  // namespace
}  // namespace conductor::daemon
