// Unit tests of the parser golden model (hls/parser/parser_model.hpp) against the contract in
// docs/architecture.md ("Parser"). The directed frames live in parser_cases.cpp (shared with the RTL
// co-simulation); this file checks each one whole, at every prefix length and with noise past its end,
// then hammers the model with random frames and checks the invariants every key must satisfy.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <set>
#include <sstream>

#include "parser/parser_cases.hpp"
#include "parser/parser_model.hpp"

namespace conductor {

// gtest prints these on failure.
void PrintTo(const ParseStatus& s, std::ostream* os) { *os << parse_status_name(s); }
void PrintTo(const FlowKey& k, std::ostream* os) {
  auto hex = [os](const std::array<uint8_t, 16>& a) {
    static const char* d = "0123456789abcdef";
    for (uint8_t b : a) *os << d[b >> 4] << d[b & 15];
  };
  *os << "{src=";
  hex(k.src_addr);
  *os << " dst=";
  hex(k.dst_addr);
  *os << " sport=" << k.src_port << " dport=" << k.dst_port << " proto=" << int(k.proto) << " v6=" << k.is_ipv6
      << " frag=" << k.is_frag << " l4=" << k.l4_valid << " ip=" << k.ip_valid << " sg=" << int(k.sg_id) << "}";
}

namespace {

using test::Bytes;
using test::ParserCase;

ParseResult parse(const Bytes& b, size_t len, uint8_t sg) {
  // Copy exactly `len` bytes so that a read past the end is a heap overflow (ASan, fuzz build).
  std::vector<uint8_t> exact(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(len));
  return parse_frame(exact.data(), len, sg);
}

// Invariants that hold for every frame whatever its bytes (also asserted by the fuzz target).
void check_invariants(const ParseResult& r, uint8_t sg, const std::string& what) {
  SCOPED_TRACE(what);
  const FlowKey& k = r.key;
  EXPECT_EQ(k.sg_id, sg);
  EXPECT_LE(static_cast<int>(r.status), static_cast<int>(ParseStatus::kExtLimit));
  EXPECT_EQ(k.ip_valid, !status_takes_default(r.status));
  if (!k.ip_valid) {
    FlowKey empty;
    empty.sg_id = sg;
    EXPECT_EQ(k, empty);
  }
  if (k.l4_valid) {
    EXPECT_TRUE(k.proto == kProtoTcp || k.proto == kProtoUdp || k.proto == kProtoSctp);
    EXPECT_FALSE(k.is_frag);
  } else {
    EXPECT_EQ(k.src_port, 0);
    EXPECT_EQ(k.dst_port, 0);
  }
  if (k.ip_valid && !k.is_ipv6) {
    for (int i = 0; i < 12; ++i) {
      EXPECT_EQ(k.src_addr[i], 0);
      EXPECT_EQ(k.dst_addr[i], 0);
    }
  }
  if (r.status == ParseStatus::kExtLimit) {
    EXPECT_TRUE(k.is_ipv6);
    EXPECT_FALSE(k.l4_valid);
  }
}

std::string case_name(const testing::TestParamInfo<ParserCase>& info) { return info.param.name; }

class ParserCaseTest : public testing::TestWithParam<ParserCase> {};

TEST_P(ParserCaseTest, FullFrame) {
  const ParserCase& c = GetParam();
  const ParseResult r = parse(c.frame, c.frame.size(), c.sg_id);
  EXPECT_EQ(r.status, c.expected.status);
  EXPECT_EQ(r.key, c.expected.key);
  check_invariants(r, c.sg_id, c.name);
}

// Every prefix shorter than `needed` is truncated (never a crash, never a partial key); every longer
// prefix gives the full frame's result.
TEST_P(ParserCaseTest, EveryPrefix) {
  const ParserCase& c = GetParam();
  ASSERT_LE(c.needed, c.frame.size());
  for (size_t len = 0; len <= c.frame.size(); ++len) {
    SCOPED_TRACE("prefix length " + std::to_string(len));
    const ParseResult r = parse(c.frame, len, c.sg_id);
    if (len < c.needed) {
      EXPECT_EQ(r.status, ParseStatus::kTruncated);
      EXPECT_EQ(r.key, test::empty_key(c.sg_id));
    } else {
      EXPECT_EQ(r.status, c.expected.status);
      EXPECT_EQ(r.key, c.expected.key);
    }
  }
}

// Bytes past `len` never matter (the RTL sees garbage after tkeep ends).
TEST_P(ParserCaseTest, BytesPastEndIgnored) {
  const ParserCase& c = GetParam();
  for (size_t len = 0; len <= std::min<size_t>(c.frame.size(), 140); ++len) {
    const ParseResult exact = parse(c.frame, len, c.sg_id);
    for (uint8_t fill : {0x00, 0xFF, 0x86}) {
      Bytes noisy(c.frame.begin(), c.frame.begin() + static_cast<std::ptrdiff_t>(len));
      noisy.resize(len + 200, fill);
      const ParseResult r = parse_frame(noisy.data(), len, c.sg_id);
      EXPECT_EQ(r.status, exact.status) << "len " << len << " fill " << int(fill);
      EXPECT_EQ(r.key, exact.key) << "len " << len << " fill " << int(fill);
    }
  }
}

TEST_P(ParserCaseTest, SgIdOnlyChangesSgId) {
  const ParserCase& c = GetParam();
  for (int sg : {0, 1, 0x80, 0xFF}) {
    const ParseResult r = parse(c.frame, c.frame.size(), static_cast<uint8_t>(sg));
    FlowKey want = c.expected.key;
    want.sg_id = static_cast<uint8_t>(sg);
    EXPECT_EQ(r.status, c.expected.status);
    EXPECT_EQ(r.key, want);
  }
}

INSTANTIATE_TEST_SUITE_P(ParserCases, ParserCaseTest, testing::ValuesIn(test::parser_cases()), case_name);

TEST(ParserCasesCatalog, CoversEveryStatusAndIsUnique) {
  const auto cases = test::parser_cases();
  int per_status[5] = {};
  std::set<std::string> names;
  for (const auto& c : cases) {
    ++per_status[static_cast<int>(c.expected.status)];
    EXPECT_TRUE(names.insert(c.name).second) << c.name;
  }
  for (int s = 0; s < 5; ++s) EXPECT_GT(per_status[s], 0) << parse_status_name(static_cast<ParseStatus>(s));
}

TEST(ParserEthernet, EmptyFrame) {
  const ParseResult r = parse_frame(nullptr, 0, 42);
  EXPECT_EQ(r.status, ParseStatus::kTruncated);
  EXPECT_EQ(r.key, test::empty_key(42));
}

TEST(ParserEthernet, ShorterThan14IsTruncatedWhateverTheBytes) {
  std::mt19937_64 rng(1);
  for (int i = 0; i < 2000; ++i) {
    Bytes b(14);
    for (auto& x : b) x = static_cast<uint8_t>(rng());
    if (i & 1) b[12] = 0x08, b[13] = 0x00;
    for (size_t len = 0; len < 14; ++len) EXPECT_EQ(parse(b, len, 3).status, ParseStatus::kTruncated);
  }
}

// The window rule: a header past byte 128 is ext-limit when the frame reaches byte 128 (the hardware
// cannot see further), truncated when the frame ends before.
TEST(ParserWindow, PastWindowIsExtLimitOnlyWithTheWholeWindow) {
  test::FrameBuilder f;
  f.ethernet(kEtherTypeIpv6).ipv6({.next_header = kIpv6HopByHop}).ext6(kProtoUdp, 9).l4(kProtoUdp, 1, 2).payload(300);
  const Bytes b = f.build();
  for (size_t len = 62; len < b.size(); ++len) {
    const ParseResult r = parse(b, len, 0);
    EXPECT_EQ(r.status, len < 128 ? ParseStatus::kTruncated : ParseStatus::kExtLimit) << len;
  }
}

// Only the first 128 bytes matter: every frame parses like its 128-byte prefix.
TEST(ParserWindow, BytesPastTheWindowNeverMatter) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 20000; ++i) {
    Bytes b = test::random_frame(rng, 400);
    if (b.size() <= 128) continue;
    const ParseResult full = parse(b, b.size(), 9);
    const ParseResult window = parse(b, 128, 9);
    ASSERT_EQ(full.status, window.status);
    ASSERT_EQ(full.key, window.key);
    for (size_t j = 128; j < b.size(); ++j) b[j] = static_cast<uint8_t>(rng());
    const ParseResult other = parse(b, b.size(), 9);
    ASSERT_EQ(full.key, other.key);
  }
}

TEST(ParserStatus, Names) {
  EXPECT_STREQ(parse_status_name(ParseStatus::kOk), "ok");
  EXPECT_STREQ(parse_status_name(ParseStatus::kNonIp), "non-ip");
  EXPECT_STREQ(parse_status_name(ParseStatus::kTruncated), "truncated");
  EXPECT_STREQ(parse_status_name(ParseStatus::kBadHeader), "bad-header");
  EXPECT_STREQ(parse_status_name(ParseStatus::kExtLimit), "ext-limit");
}

// Random structured frames (tags, options, fragments, extension chains, cuts, corruptions) and
// pure garbage: never a crash, every invariant holds, and every status and branch is reached.
TEST(ParserRandom, StructuredFramesKeepInvariants) {
  std::mt19937_64 rng(2024);
  int per_status[5] = {};
  int v4 = 0, v6 = 0, frag = 0, l4 = 0;
  for (int i = 0; i < 100000; ++i) {
    const Bytes b = test::random_frame(rng);
    const uint8_t sg = static_cast<uint8_t>(i);
    const ParseResult r = parse(b, b.size(), sg);
    check_invariants(r, sg, "random frame " + std::to_string(i));
    if (HasFailure()) return;
    ++per_status[static_cast<int>(r.status)];
    v4 += r.key.ip_valid && !r.key.is_ipv6;
    v6 += r.key.is_ipv6;
    frag += r.key.is_frag;
    l4 += r.key.l4_valid;
  }
  for (int s = 0; s < 5; ++s) EXPECT_GT(per_status[s], 500) << parse_status_name(static_cast<ParseStatus>(s));
  EXPECT_GT(v4, 5000);
  EXPECT_GT(v6, 5000);
  EXPECT_GT(frag, 1000);
  EXPECT_GT(l4, 10000);
}

TEST(ParserRandom, GarbageKeepsInvariants) {
  std::mt19937_64 rng(99);
  for (int i = 0; i < 100000; ++i) {
    Bytes b(rng() % 301);
    for (auto& x : b) x = static_cast<uint8_t>(rng());
    // Make IP likely: garbage behind a real EtherType exercises the IP branches.
    if (b.size() >= 14 && (i & 3) != 0) {
      b[12] = (i & 1) ? 0x08 : 0x86;
      b[13] = (i & 1) ? 0x00 : 0xDD;
      if (b.size() >= 15 && (i & 4)) b[14] = (i & 1) ? 0x45 : 0x60;
    }
    const uint8_t sg = static_cast<uint8_t>(rng());
    check_invariants(parse(b, b.size(), sg), sg, "garbage " + std::to_string(i));
    if (HasFailure()) return;
  }
}

TEST(ParserRandom, MutatedCasesKeepInvariants) {
  std::mt19937_64 rng(5);
  const auto cases = test::parser_cases();
  for (int i = 0; i < 50000; ++i) {
    Bytes b = cases[rng() % cases.size()].frame;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int j = 0; j < flips && !b.empty(); ++j) b[rng() % b.size()] = static_cast<uint8_t>(rng());
    const size_t len = rng() % 4 == 0 ? rng() % (b.size() + 1) : b.size();
    check_invariants(parse(b, len, 77), 77, "mutation " + std::to_string(i));
    if (HasFailure()) return;
  }
}

}  // namespace
}  // namespace conductor
