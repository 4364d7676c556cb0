// Cross-check with the parser golden model (hls/parser): every generated frame gets the parse
// status the generator meant it to have, so `conductor sim` runs exercise each parser path.
#include <gtest/gtest.h>

#include <map>

#include "host/traffic/generator.hpp"
#include "parser/parser_model.hpp"

namespace conductor {
namespace {

TEST(TrafficGen, ParserModelSeesTheIntendedStatus) {
  std::vector<FrameInfo> infos;
  auto frames = generate_traffic({.seed = 9, .flows = 3000, .packets = 60000, .sg_id = 3}, &infos);
  ASSERT_TRUE(frames.ok());
  std::map<ParseStatus, int> seen;
  for (size_t i = 0; i < frames->size(); ++i) {
    const auto& b = (*frames)[i].bytes;
    const FrameInfo& fi = infos[i];
    const ParseResult r = parse_frame(b.data(), b.size(), (*frames)[i].sg_id);
    SCOPED_TRACE("frame " + std::to_string(i) + " " + frame_kind_name(fi.kind));
    ++seen[r.status];
    EXPECT_EQ(r.key.sg_id, 3);
    switch (fi.kind) {
      case FrameKind::kArp:
        EXPECT_EQ(r.status, ParseStatus::kNonIp);
        continue;
      case FrameKind::kTruncated:
        EXPECT_EQ(r.status, ParseStatus::kTruncated);
        continue;
      case FrameKind::kBadHeader:
        EXPECT_EQ(r.status, ParseStatus::kBadHeader);
        continue;
      default:
        break;
    }
    const bool v6 = fi.kind == FrameKind::kIpv6Tcp || fi.kind == FrameKind::kIpv6Udp ||
                    fi.kind == FrameKind::kIpv6Sctp || fi.kind == FrameKind::kIcmpv6;
    EXPECT_TRUE(r.key.ip_valid);
    EXPECT_EQ(r.key.is_ipv6, v6);
    if (fi.fragment != 0) {
      EXPECT_EQ(r.status, ParseStatus::kOk);
      EXPECT_TRUE(r.key.is_frag);
      EXPECT_FALSE(r.key.l4_valid);
      continue;
    }
    if (fi.ipv6_ext_headers > kParserMaxIpv6ExtHeaders) {
      EXPECT_EQ(r.status, ParseStatus::kExtLimit);
      continue;
    }
    EXPECT_EQ(r.status, ParseStatus::kOk);
    EXPECT_FALSE(r.key.is_frag);
    const bool ports = fi.kind != FrameKind::kIcmp && fi.kind != FrameKind::kIcmpv6;
    EXPECT_EQ(r.key.l4_valid, ports);
  }
  for (ParseStatus s : {ParseStatus::kOk, ParseStatus::kNonIp, ParseStatus::kTruncated, ParseStatus::kBadHeader,
                        ParseStatus::kExtLimit}) {
    EXPECT_GT(seen[s], 20) << parse_status_name(s);
  }
}

}  // namespace
}  // namespace conductor
