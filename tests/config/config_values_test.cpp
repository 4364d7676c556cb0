// The value syntax, one type at a time (docs/conductord.conf.md, "Values").
#include <gtest/gtest.h>

#include "host/config/values.hpp"

namespace conductor::config {
namespace {

using std::chrono::hours;
using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(ConfigValues, Durations) {
  const Duration lo{0}, hi = hours{24};
  EXPECT_EQ(*parse_duration("250us", lo, hi), microseconds{250});
  EXPECT_EQ(*parse_duration("100ms", lo, hi), milliseconds{100});
  EXPECT_EQ(*parse_duration("20cs", lo, hi), milliseconds{200});
  EXPECT_EQ(*parse_duration("3s", lo, hi), seconds{3});
  EXPECT_EQ(*parse_duration("1.5s", lo, hi), milliseconds{1500});
  EXPECT_EQ(*parse_duration("10 min", lo, hi), seconds{600});
  EXPECT_EQ(*parse_duration("2h", lo, hi), hours{2});
  EXPECT_EQ(*parse_duration("0s", lo, hi), Duration{0});
  EXPECT_FALSE(parse_duration("3", lo, hi));
  EXPECT_FALSE(parse_duration("s", lo, hi));
  EXPECT_FALSE(parse_duration("1.s", lo, hi));
  EXPECT_FALSE(parse_duration(".5s", lo, hi));
  EXPECT_FALSE(parse_duration("-1s", lo, hi));
  EXPECT_FALSE(parse_duration("3S", lo, hi));  // units are case-sensitive: ms vs Ms would be ambiguous
  EXPECT_FALSE(parse_duration("25h", lo, hi));
  EXPECT_EQ(parse_duration("99999999999999999999h", lo, hi).error().message, "'99999999999999999999h' is out of range");
  EXPECT_EQ(format_duration(milliseconds{1500}), "1500ms");
  EXPECT_EQ(format_duration(seconds{600}), "10min");
  EXPECT_EQ(format_duration(hours{3}), "3h");
  EXPECT_EQ(format_duration(microseconds{7}), "7us");
  EXPECT_EQ(format_duration(Duration{0}), "0s");
}

TEST(ConfigValues, Rates) {
  EXPECT_EQ(*parse_rate("40Gbps"), 40'000'000'000u);
  EXPECT_EQ(*parse_rate("2.5 gbps"), 2'500'000'000u);
  EXPECT_EQ(*parse_rate("100Tbps"), 100'000'000'000'000u);
  EXPECT_EQ(*parse_rate("800kbps"), 800'000u);
  EXPECT_FALSE(parse_rate("0bps"));
  EXPECT_EQ(parse_rate("1.5bps").error().message, "'1.5bps' is not a whole number of bits per second");
  EXPECT_FALSE(parse_rate("0.1bps"));
  EXPECT_FALSE(parse_rate("40G"));
  EXPECT_EQ(format_rate(40'000'000'000), "40Gbps");
  EXPECT_EQ(format_rate(2'500'000'000), "2500Mbps");
  EXPECT_EQ(format_rate(1), "1bps");
}

TEST(ConfigValues, Percent) {
  EXPECT_EQ(*parse_percent("80%"), 80);
  EXPECT_EQ(*parse_percent("80"), 80);
  EXPECT_EQ(*parse_percent("100 %"), 100);
  EXPECT_FALSE(parse_percent("0%"));
  EXPECT_FALSE(parse_percent("101%"));
  EXPECT_FALSE(parse_percent("%"));
  EXPECT_FALSE(parse_percent("8.5%"));
}

TEST(ConfigValues, Addresses) {
  auto v4 = parse_ip("198.18.0.1");
  ASSERT_TRUE(v4);
  EXPECT_TRUE(v4->is_v4());
  EXPECT_EQ(v4->to_string(), "198.18.0.1");
  EXPECT_FALSE(v4->is_loopback());
  auto v6 = parse_ip("::1");
  ASSERT_TRUE(v6);
  EXPECT_FALSE(v6->is_v4());
  EXPECT_TRUE(v6->is_loopback());
  EXPECT_TRUE(parse_ip("127.3.2.1")->is_loopback());
  EXPECT_TRUE(parse_ip("0.0.0.0")->is_unspecified());
  EXPECT_TRUE(parse_ip("ff02::12")->is_multicast());
  EXPECT_TRUE(parse_ip("224.0.0.18")->is_multicast());
  EXPECT_EQ(parse_ip("2001:2:0:0::1")->to_string(), "2001:2::1");
  EXPECT_FALSE(parse_ip("198.18.0"));
  EXPECT_FALSE(parse_ip("198.18.0.1.2"));
  EXPECT_FALSE(parse_ip("198.018.0.1"));
  EXPECT_FALSE(parse_ip("fe80::1%eth0"));
  EXPECT_FALSE(parse_ip(""));
  EXPECT_FALSE(parse_ip(std::string(100, ':')));
  EXPECT_TRUE(*parse_ip("198.18.0.1") < *parse_ip("198.18.0.2"));
}

TEST(ConfigValues, Endpoints) {
  auto e = parse_endpoint("127.0.0.1:9816");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->port, 9816);
  EXPECT_EQ(e->to_string(), "127.0.0.1:9816");
  auto e6 = parse_endpoint("[::1]:9816");
  ASSERT_TRUE(e6);
  EXPECT_EQ(e6->to_string(), "[::1]:9816");
  EXPECT_FALSE(parse_endpoint("127.0.0.1"));
  EXPECT_FALSE(parse_endpoint("127.0.0.1:"));
  EXPECT_FALSE(parse_endpoint("127.0.0.1:65536"));
  EXPECT_FALSE(parse_endpoint("[::1]9816"));
  EXPECT_FALSE(parse_endpoint("[::1"));
  EXPECT_FALSE(parse_endpoint("::1:9816"));
}

TEST(ConfigValues, Hex) {
  auto k = parse_hex("0x00:11-22 33", 4, 4);
  ASSERT_TRUE(k);
  EXPECT_EQ(*k, (std::vector<uint8_t>{0x00, 0x11, 0x22, 0x33}));
  EXPECT_EQ(format_hex(*k), "00112233");
  EXPECT_EQ(parse_hex("0011223", 4, 4).error().message, "needs 4 bytes (8 hex digits), got 7 hex digits");
  EXPECT_EQ(parse_hex("00112233", 16, 64).error().message, "needs 16..64 bytes (32..128 hex digits), got 8 hex digits");
  EXPECT_EQ(parse_hex("0x0g", 1, 1).error().message, "'g' at position 4 is not a hex digit");
}

TEST(ConfigValues, MemberIdsAndLists) {
  EXPECT_EQ(*parse_member_id("1/63"), (MemberId{1, 63}));
  EXPECT_EQ(parse_member_id("2/0").error().message, "site '2' is out of range (sites are 0 and 1)");
  EXPECT_EQ(parse_member_id("0/64").error().message, "member '64' is out of range (0..63)");
  EXPECT_EQ(parse_member_id("0/").error().message, "not a member id SITE/MEMBER (e.g. 0/3)");
  EXPECT_FALSE(parse_member_id("/1"));
  EXPECT_FALSE(parse_member_id("0/1/2"));
  auto l = parse_member_list("0/0-2, 1/5 ,1/7-7");
  ASSERT_TRUE(l);
  EXPECT_EQ(*l, (std::vector<MemberId>{{0, 0}, {0, 1}, {0, 2}, {1, 5}, {1, 7}}));
  EXPECT_EQ(parse_member_list("0/0,").error().message, "empty item in the list (a stray comma?)");
  EXPECT_EQ(parse_member_list("0/0-64").error().message, "'0/0-64': range end '64' is not a member 0..63");
  EXPECT_EQ(parse_member_list(" ").error().message, "empty list");
  EXPECT_EQ(parse_member_list("0/1-0/3").error().message, "'0/1-0/3': range end '0/3' is not a member 0..63");
}

TEST(ConfigValues, NamesAndWords) {
  EXPECT_EQ(*parse_name("east-a_1.x"), "east-a_1.x");
  EXPECT_FALSE(parse_name("-a"));
  EXPECT_FALSE(parse_name(std::string(33, 'a')));
  EXPECT_TRUE(parse_name(std::string(32, 'a')));
  EXPECT_FALSE(parse_name("a/b"));
  EXPECT_EQ(*parse_bool("yes"), true);
  EXPECT_EQ(*parse_bool("Off"), false);
  EXPECT_EQ(*parse_log_level("debug"), LogLevel::kDebug);
  EXPECT_EQ(*parse_device_type("soft"), DeviceType::kSoft);
  EXPECT_EQ(*parse_hash_mode("sym-ip"), HashMode::kSymIp);
  EXPECT_FALSE(parse_hash_mode("reserved"));
  EXPECT_EQ(*parse_admin_state("down"), AdminState::kDown);
  EXPECT_EQ(*parse_uint("0007", 0, 10), 7u);
  EXPECT_EQ(parse_uint("18446744073709551616", 0, 10).error().message,
            "'18446744073709551616' is above 10 (allowed 0..10)");
}

TEST(ConfigValues, DidYouMean) {
  const std::string_view keys[] = {"weight", "address", "admin", "name"};
  EXPECT_EQ(closest("wieght", keys), "weight");
  EXPECT_EQ(closest("ADDRESS", keys), "address");
  EXPECT_EQ(closest("adress", keys), "address");
  EXPECT_EQ(closest("nam", keys), "name");
  EXPECT_FALSE(closest("zzzzzz", keys));
  EXPECT_FALSE(closest("ab", keys));
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
}

}  // namespace
}  // namespace conductor::config
