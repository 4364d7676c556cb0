#include <gtest/gtest.h>

#include "host/member/member_agent.hpp"

namespace conductor::member {
namespace {

TEST(MemberOptions, ParsesEverything) {
  auto o = parse_member_options({"--config", "c.conf", "--id", "1/7", "--cpu", "55.5", "--connections", "12",
                                 "--throughput", "10Gbps", "--load-file", "l.txt", "--heartbeat-port", "9000", "--bind",
                                 "127.0.0.9", "--count", "3", "--verbose"});
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->config_path, "c.conf");
  EXPECT_EQ(o->id, (MemberId{1, 7}));
  EXPECT_EQ(o->load.cpu_centipercent, 5550);
  EXPECT_EQ(o->load.connections, 12u);
  EXPECT_EQ(o->load.bps, 10'000'000'000ULL);
  EXPECT_EQ(o->load_file, "l.txt");
  EXPECT_EQ(*o->heartbeat_port, 9000);
  EXPECT_EQ(*o->bind_address, "127.0.0.9");
  EXPECT_EQ(o->count, 3u);
  EXPECT_TRUE(o->verbose);
}

TEST(MemberOptions, ErrorsNameTheFlag) {
  struct Case {
    std::vector<std::string> args;
    const char* needle;
  };
  const Case cases[] = {
      {{"--id", "0/1"}, "--config"},
      {{"--config", "c"}, "--id"},
      {{"--config", "c", "--id", "2/1"}, "--id"},
      {{"--config", "c", "--id", "0/1", "--cpu", "101"}, "cpu"},
      {{"--config", "c", "--id", "0/1", "--cpu", "x"}, "cpu"},
      {{"--config", "c", "--id", "0/1", "--connections", "-1"}, "--connections"},
      {{"--config", "c", "--id", "0/1", "--heartbeat-port", "0"}, "--heartbeat-port"},
      {{"--config", "c", "--id", "0/1", "--throughput", "fast"}, "throughput"},
      {{"--config", "c", "--id", "0/1", "--bind", "nowhere"}, "--bind: "},
      {{"--config", "c", "--id", "0/1", "--bogus", "1"}, "not expected: 1 --bogus"},
      {{"--config"}, "--config: 1 required FILE missing"},
  };
  for (const auto& c : cases) {
    auto o = parse_member_options(c.args);
    ASSERT_FALSE(o) << c.needle;
    EXPECT_NE(o.error().message.find(c.needle), std::string::npos) << o.error().message;
  }
}

TEST(MemberOptions, LoadText) {
  cluster::Load base{.cpu_centipercent = 100, .bps = 5, .connections = 9};
  auto l = parse_load_text("cpu=85\nthroughput=400Mbps", base);
  ASSERT_TRUE(l) << l.error().message;
  EXPECT_EQ(l->cpu_centipercent, 8500);
  EXPECT_EQ(l->bps, 400'000'000ULL);
  EXPECT_EQ(l->connections, 9u);  // kept
  EXPECT_FALSE(parse_load_text("cpu", base));
  EXPECT_FALSE(parse_load_text("memory=3", base));
  EXPECT_FALSE(parse_load_text("connections=99999999999", base));
  auto empty = parse_load_text("", base);
  ASSERT_TRUE(empty);
  EXPECT_EQ(*empty, base);
}

}  // namespace
}  // namespace conductor::member
