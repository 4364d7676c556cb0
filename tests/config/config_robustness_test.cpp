// Random and mutated inputs: the parser never crashes, and every input either parses (to a model
// that keeps the format's invariants and survives to_text() unchanged) or yields errors whose line
// numbers exist in the input and whose messages are short printable ASCII.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "host/config/parser.hpp"
#include "tests/config/config_test_util.hpp"

namespace conductor::config {
namespace {

uint32_t line_count(const std::string& text) {
  uint32_t n = static_cast<uint32_t>(std::count(text.begin(), text.end(), '\n'));
  return (!text.empty() && text.back() != '\n') ? n + 1 : n;
}

// What a parsed configuration always satisfies.
void check_model(const ClusterConfig& c, const std::string& text) {
  ASSERT_FALSE(c.sites.empty()) << text;
  ASSERT_NE(c.site(c.cluster.active_site), nullptr) << text;
  for (size_t i = 1; i < c.sites.size(); ++i) ASSERT_LT(c.sites[i - 1].id, c.sites[i].id) << text;
  for (size_t i = 1; i < c.members.size(); ++i) ASSERT_LT(c.members[i - 1].id, c.members[i].id) << text;
  std::set<MemberId> active;
  for (const Member& m : c.members) {
    ASSERT_TRUE(m.id.in_range()) << text;
    ASSERT_LE(m.weight, kMaxWeight) << text;
    ASSERT_NE(c.site(m.id.site), nullptr) << text;
  }
  std::set<uint8_t> ids;
  for (const SecurityGroup& g : c.groups) {
    ASSERT_TRUE(ids.insert(g.id).second) << text;
    for (MemberId id : g.members) {
      ASSERT_NE(c.member(id), nullptr) << text;
      ASSERT_TRUE(active.insert(id).second) << text;
    }
  }
  for (const Autoscale& a : c.autoscale) {
    ASSERT_NE(c.group(a.group), nullptr) << text;
    ASSERT_LE(a.min_members, a.max_members) << text;
    ASSERT_LT(a.scale_in_cpu_percent, a.scale_out_cpu_percent) << text;
    for (MemberId id : a.spares) ASSERT_EQ(active.count(id), 0u) << text;
  }
  for (const Orchestrator& o : c.orchestrators) ASSERT_NE(c.site(o.site), nullptr) << text;
  ASSERT_TRUE(std::any_of(c.sync.key.begin(), c.sync.key.end(), [](uint8_t b) { return b != 0; })) << text;
  ASSERT_TRUE(c.hash.buckets != 0 && (c.hash.buckets & (c.hash.buckets - 1)) == 0) << text;
  ASSERT_GE(c.timers.heartbeat_timeout, 2 * c.timers.heartbeat_interval) << text;
}

void check(const std::string& text) {
  const ParseOptions opt;
  const ParseResult r = parse_config(text, "fuzz.conf", opt);
  ASSERT_EQ(r.ok(), r.errors.empty()) << text;
  const uint32_t lines = line_count(text);
  ASSERT_LE(r.errors.size(), opt.max_errors + 1) << text;
  uint32_t last = 0;
  for (size_t i = 0; i < r.errors.size(); ++i) {
    const Diagnostic& d = r.errors[i];
    ASSERT_LE(d.line, lines) << d.to_string() << "\n" << text;
    ASSERT_EQ(d.file, "fuzz.conf");
    ASSERT_FALSE(d.message.empty());
    ASSERT_LT(d.message.size(), 400u) << d.message;
    for (char ch : d.message) ASSERT_TRUE(ch >= 0x20 && ch < 0x7f) << d.message;
    const bool dropped_note = i + 1 == r.errors.size() && d.message.find("not shown") != std::string::npos;
    if (!dropped_note) {
      ASSERT_GE(d.line, last) << "errors out of line order:\n" << test::diagnostics(r);
      last = d.line;
    }
  }
  if (r.ok()) {
    check_model(*r.config, text);
    const std::string again = to_text(*r.config);
    const ParseResult r2 = parse_config(again, "again.conf");
    ASSERT_TRUE(r2.ok()) << test::diagnostics(r2) << again;
    ASSERT_TRUE(*r2.config == *r.config) << text << "\n---\n" << again;
  }
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    out.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& l : lines) out += l + "\n";
  return out;
}

const std::vector<std::string> kTokens = {
    "[",
    "]",
    "=",
    "#",
    ",",
    "/",
    "-",
    ":",
    ".",
    "%",
    " ",
    "\t",
    "\r",
    "0",
    "1",
    "2",
    "3",
    "7",
    "64",
    "255",
    "512",
    "513",
    "65536",
    "99999999999999999999",
    "site",
    "member",
    "orchestrator",
    "security-group",
    "autoscale",
    "sync",
    "control",
    "device",
    "hash",
    "timers",
    "cluster",
    "weight",
    "address",
    "members",
    "spares",
    "key",
    "port",
    "vrid",
    "min-members",
    "max-members",
    "scale-in-cpu",
    "scale-out-cpu",
    "heartbeat-interval",
    "heartbeat-timeout",
    "virtual-addresses",
    "metrics",
    "ms",
    "s",
    "min",
    "h",
    "us",
    "cs",
    "Gbps",
    "198.18.0.1",
    "::1",
    "[::1]:9816",
    "127.0.0.1:9816",
    "0/0-3",
    "1/0-63",
    "true",
    "off",
    "sym-l4",
    "sg1",
    "\xc3\xa9",
    "\x01",
    "\x00",
    "\xff",
    "6d5a56da255b0ec24167253d43a38fb0d0ca2bcbae7b30b477cb2da38030f20c6a42b73bbeac01fa",
    "00112233445566778899aabbccddeeff",
    "\n"};

class Rng {
 public:
  explicit Rng(uint64_t seed) : g_(seed) {}
  size_t below(size_t n) { return n == 0 ? 0 : std::uniform_int_distribution<size_t>(0, n - 1)(g_); }
  bool chance(int percent) { return below(100) < static_cast<size_t>(percent); }

 private:
  std::mt19937_64 g_;
};

std::string mutate(const std::string& base, Rng& rng) {
  std::vector<std::string> lines = split_lines(base);
  const int edits = 1 + static_cast<int>(rng.below(4));
  for (int e = 0; e < edits && !lines.empty(); ++e) {
    std::string& l = lines[rng.below(lines.size())];
    switch (rng.below(9)) {
      case 0:
        lines.erase(lines.begin() + static_cast<long>(rng.below(lines.size())));
        break;
      case 1:
        lines.insert(lines.begin() + static_cast<long>(rng.below(lines.size())), lines[rng.below(lines.size())]);
        break;
      case 2:
        std::swap(lines[rng.below(lines.size())], lines[rng.below(lines.size())]);
        break;
      case 3:
        if (!l.empty()) l[rng.below(l.size())] = static_cast<char>(rng.below(256));
        break;
      case 4:
        l.insert(rng.below(l.size() + 1), kTokens[rng.below(kTokens.size())]);
        break;
      case 5:
        if (!l.empty()) l.erase(rng.below(l.size()), 1 + rng.below(4));
        break;
      case 6: {  // replace the value with a token
        const size_t eq = l.find('=');
        if (eq != std::string::npos) l = l.substr(0, eq + 1) + " " + kTokens[rng.below(kTokens.size())];
        break;
      }
      case 7: {  // a digit moves by one
        for (char& ch : l) {
          if (ch >= '0' && ch <= '9' && rng.chance(30)) ch = static_cast<char>('0' + (ch - '0' + 1) % 10);
        }
        break;
      }
      default:
        l = kTokens[rng.below(kTokens.size())] + l;
        break;
    }
  }
  std::string out = join_lines(lines);
  if (rng.chance(10)) out.resize(rng.below(out.size() + 1));  // truncated file
  return out;
}

TEST(ConfigRobustness, MutatedExamples) {
  Rng rng(0xC0FFEE);
  const std::string bases[] = {test::example_text(), test::kMinimal};
  int parsed = 0;
  for (int i = 0; i < 3000; ++i) {
    const std::string text = mutate(bases[i % 2], rng);
    check(text);
    if (HasFatalFailure()) return;
    parsed += parse_config(text).ok() ? 1 : 0;
  }
  // Both outcomes are exercised: some mutations keep the file valid, most do not.
  EXPECT_GT(parsed, 100);
  EXPECT_LT(parsed, 2900);
}

TEST(ConfigRobustness, RandomBytes) {
  Rng rng(42);
  for (int i = 0; i < 1000; ++i) {
    std::string text(rng.below(600), '\0');
    for (char& ch : text) ch = static_cast<char>(rng.below(256));
    check(text);
    if (HasFatalFailure()) return;
  }
}

TEST(ConfigRobustness, RandomTokens) {
  Rng rng(7);
  for (int i = 0; i < 2000; ++i) {
    std::string text;
    const size_t n = rng.below(80);
    for (size_t t = 0; t < n; ++t) text += kTokens[rng.below(kTokens.size())];
    check(text);
    if (HasFatalFailure()) return;
  }
}

TEST(ConfigRobustness, PathologicalShapes) {
  check(std::string(1 << 20, '\n'));               // a million empty lines
  check(std::string(100000, '['));                 // one long line
  check(std::string(5000, 'a') + "\n[site 0]\n");  // over-long first line
  std::string many;
  for (int i = 0; i < 20000; ++i) many += "[member 0/" + std::to_string(i % 70) + "]\n";  // duplicates, ranges
  check(many);
  std::string keys = "[device]\n";
  for (int i = 0; i < 20000; ++i) keys += "type = sim\n";
  check(keys);
  check("[site 0]\n[sync]\nkey = " + std::string(4000, 'f') + "\n");
  check("[hash]\nkey = " + std::string(4000, '0') + "\n");
  check("[security-group g]\nmembers = " + std::string(2000, ',') + "\n");
  check("[security-group g]\nmembers = 0/0-63, 1/0-63, 0/0-63\n");
  check(std::string("[site 0]\n[sync]\nkey = 00112233445566778899aabbccddeeff\n\0\n", 50));
  std::string distinct = "[device]\n";  // ~1 MiB of distinct unknown keys in one section
  for (int i = 0; i < 80000; ++i) distinct += "k" + std::to_string(i) + " = 1\n";
  check(distinct);
  std::string groups;  // many groups, and policies whose groups are missing
  for (int i = 0; i < 3000; ++i)
    groups += "[security-group g" + std::to_string(i) + "]\nmembers = 0/0\n[autoscale h" + std::to_string(i) + "]\n";
  check(groups);
}

TEST(ConfigRobustness, StopsAfterTooManySections) {
  std::string text = test::kMinimal;
  for (int i = 0; i < 1100; ++i) text += "[security-group g" + std::to_string(i) + "]\nmembers = 0/0\n";
  const ParseResult r = parse_config(text, "big.conf");
  ASSERT_FALSE(r.ok());
  // [site 0] and [sync] are sections 1 and 2; group g1022 on line 4 + 2 * 1022 is the 1025th.
  const Diagnostic want{"big.conf", 2048, "more than 1024 sections; the rest of the file is not read"};
  EXPECT_NE(std::find(r.errors.begin(), r.errors.end(), want), r.errors.end()) << test::diagnostics(r);
}

}  // namespace
}  // namespace conductor::config
