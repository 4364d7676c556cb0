#include "host/conductor/sim_options.hpp"

#include <cctype>
#include <charconv>
#include <cstdlib>
#include <string_view>

#include "core/core_model.hpp"
#include "dist_hash/dist_hash_model.hpp"
#include "flow_table/flow_table.hpp"

namespace conductor {

const char* const kSimUsage = R"(usage: conductor sim [flags]
Runs frames through the Conductor pipeline and prints a JSON summary on stdout.
  --pcap FILE              frames from a pcap/pcapng file (Ethernet); synthetic traffic if absent
  --packets N              synthetic frames (default 10000)
  --flows N                synthetic flows (default 512)
  --seed N                 synthetic traffic seed (default 1)
  --min-size               synthetic minimum-size (60-byte) frames only
  --engine model|rtl       HLS C++ model, or the Verilated RTL core (default model)
  --hash-mode rss|sym-l4|sym-ip
                           Microsoft RSS, or symmetric on 4-tuple / IP pair (default sym-l4)
  --rss-key HEX            40-byte Toeplitz key as 80 hex digits (':' or '-' separators allowed)
  --weights [S/]ID:W,...   member weights 0..512 (S = site 0..1, default 0; ID = 0..63)
                           (default 1:100,2:100,3:100,4:100)
  --buckets N              bucket-table size, a power of two 1..65536 (default 4096)
  --out FILE               one JSON object per frame (hash, bucket, site, member, ...)
  --default-action steer|drop
                           frames the parser cannot parse (default steer)
  --default-dest [S/]ID    where steered unparsed frames go (default 0/0)
  --idle PCT               rtl: random idle cycles on the input, 0..99 (default 0)
  --backpressure PCT       rtl: random stalls of the output, 0..99 (default 0)
  --events FILE            scripted changes, one per line ('#' comments), applied before frame N:
                             at N weights [S/]ID:W,...   (merged into the current weights)
                             at N member-down S/M | member-up S/M | site-down S | site-up S
  --age-frames N           an AGE op (one flow-table sweep unit) after every N frames; 0: no
                           ageing (default 8192, the reset value of steer.AGE_FRAMES)
  --learn-hold TICKS       a bucket pair whose INSERT failed (table full) is not offered again for
                           TICKS ticks (steer.LEARN_HOLD; default 1000; 0: offer every frame)
  --flow-timeout TICKS     idle ticks after which a flow expires, all states, 1..2^32-1 (frame i is
                           stamped with tick i; default: the flow table's reset timeouts, 25000 for
                           new flows)
  --flow-capacity N        flow-table size: the smallest build size that holds N connections
                           (2 x 2^k x 4 + 16 entries, k = 0..15; default the largest, 262160)
  --clock MHZ              rtl: core clock for the Mpps and Gbit/s figures, 1..2000 (default 300)
  --report                 print a readable distribution report before the JSON summary
  --progress               progress on stderr
)";

uint32_t flow_capacity_of(uint32_t bucket_log2) {
  return 2u * (1u << bucket_log2) * static_cast<uint32_t>(flow::kSlots) + static_cast<uint32_t>(flow::kStashSize);
}

Expected<uint32_t> flow_bucket_log2_for(uint32_t entries) {
  for (uint32_t l = 0; l <= static_cast<uint32_t>(kCoreFlowBucketLog2Max); ++l)
    if (flow_capacity_of(l) >= entries) return l;
  return make_error(Errc::kInvalidArgument,
                    std::to_string(entries) + " connections exceed the core's flow table (at most " +
                        std::to_string(flow_capacity_of(kCoreFlowBucketLog2Max)) + " entries)");
}

const char* engine_name(Engine e) { return e == Engine::kRtl ? "rtl" : "model"; }

const char* hash_mode_name(HashMode m) {
  switch (m) {
    case HashMode::kRss: return "rss";
    case HashMode::kSymL4: return "sym-l4";
    case HashMode::kSymIp: return "sym-ip";
    case HashMode::kReserved: return "reserved";
  }
  return "?";
}

std::array<uint8_t, 40> default_rss_key() { return kMicrosoftRssKey; }

namespace {

Error bad(const std::string& flag, const std::string& why) {
  return make_error(Errc::kInvalidArgument, flag + ": " + why);
}

template <class T>
std::optional<T> to_uint(std::string_view s) {
  T v{};
  if (s.empty()) return std::nullopt;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Expected<std::array<uint8_t, 40>> parse_rss_key(const std::string& text) {
  std::string_view s = text;
  if (s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s.remove_prefix(2);
  std::string digits;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == ':' || c == '-' || c == ' ') continue;
    if (hexval(c) < 0)
      return bad("--rss-key", std::string("'") + c + "' at position " + std::to_string(i + 1) +
                                  " is not a hex digit");
    digits += c;
  }
  if (digits.size() != 80)
    return bad("--rss-key", "needs 40 bytes (80 hex digits), got " + std::to_string(digits.size()) +
                                " hex digits");
  std::array<uint8_t, 40> key{};
  for (size_t i = 0; i < 40; ++i)
    key[i] = static_cast<uint8_t>(hexval(digits[2 * i]) << 4 | hexval(digits[2 * i + 1]));
  return key;
}

Expected<MemberId> parse_member(const std::string& text) {
  std::string_view s = text;
  MemberId id{};
  if (auto slash = s.find('/'); slash != std::string_view::npos) {
    auto site = to_uint<unsigned>(s.substr(0, slash));
    if (!site || *site >= kMaxSites)
      return bad(text, "site must be 0 or 1");
    id.site = static_cast<uint8_t>(*site);
    s.remove_prefix(slash + 1);
  }
  auto m = to_uint<unsigned>(s);
  if (!m) return bad(text, "member id must be a number 0..63");
  if (*m >= kMaxMembersPerSite) return bad(text, "member id " + std::to_string(*m) + " is above 63");
  id.member = static_cast<uint8_t>(*m);
  return id;
}

Expected<std::map<MemberId, uint16_t>> parse_weights(const std::string& text) {
  std::map<MemberId, uint16_t> out;
  if (text.empty()) return bad("--weights", "empty list");
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    auto colon = item.rfind(':');
    if (colon == std::string::npos)
      return bad("--weights", "'" + item + "' is not ID:WEIGHT or SITE/ID:WEIGHT");
    auto id = parse_member(item.substr(0, colon));
    if (!id) return bad("--weights", "'" + item + "': " + id.error().message);
    auto w = to_uint<unsigned>(std::string_view(item).substr(colon + 1));
    if (!w) return bad("--weights", "'" + item + "': weight must be a number 0..512");
    if (*w > kMaxWeight)
      return bad("--weights", "'" + item + "': weight " + std::to_string(*w) + " is above 512");
    if (out.count(*id)) return bad("--weights", "'" + item + "': " + id->to_string() + " given twice");
    out[*id] = static_cast<uint16_t>(*w);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

Expected<SimOptions> parse_sim_options(const std::vector<std::string>& args) {
  SimOptions o;
  o.rss_key = default_rss_key();
  bool weights_given = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](const std::string& flag) -> Expected<std::string> {
      if (i + 1 >= args.size()) return bad(flag, "needs a value");
      return args[++i];
    };
    auto number = [&](const std::string& flag, uint64_t lo, uint64_t hi) -> Expected<uint64_t> {
      auto v = value(flag);
      if (!v) return v.error();
      auto n = to_uint<uint64_t>(*v);
      if (!n || *n < lo || *n > hi)
        return bad(flag, "'" + *v + "' is not a number in " + std::to_string(lo) + ".." + std::to_string(hi));
      return *n;
    };
    if (a == "--pcap") {
      auto v = value(a); if (!v) return v.error(); o.pcap = *v;
    } else if (a == "--packets") {
      auto n = number(a, 1, 1'000'000'000); if (!n) return n.error(); o.packets = *n;
    } else if (a == "--flows") {
      auto n = number(a, 1, 10'000'000); if (!n) return n.error(); o.flows = static_cast<uint32_t>(*n);
    } else if (a == "--seed") {
      auto n = number(a, 0, UINT64_MAX); if (!n) return n.error(); o.seed = *n;
    } else if (a == "--min-size") {
      o.min_size = true;
    } else if (a == "--engine") {
      auto v = value(a); if (!v) return v.error();
      if (*v == "model") o.engine = Engine::kModel;
      else if (*v == "rtl") o.engine = Engine::kRtl;
      else return bad(a, "'" + *v + "' is not model or rtl");
    } else if (a == "--hash-mode") {
      auto v = value(a); if (!v) return v.error();
      if (*v == "rss") o.hash_mode = HashMode::kRss;
      else if (*v == "sym-l4") o.hash_mode = HashMode::kSymL4;
      else if (*v == "sym-ip") o.hash_mode = HashMode::kSymIp;
      else return bad(a, "'" + *v + "' is not rss, sym-l4 or sym-ip");
    } else if (a == "--rss-key") {
      auto v = value(a); if (!v) return v.error();
      auto k = parse_rss_key(*v); if (!k) return k.error();
      o.rss_key = *k;
    } else if (a == "--weights") {
      auto v = value(a); if (!v) return v.error();
      auto w = parse_weights(*v); if (!w) return w.error();
      o.weights = *w;
      weights_given = true;
    } else if (a == "--buckets") {
      auto n = number(a, kMinBuckets, kMaxBuckets); if (!n) return n.error();
      if ((*n & (*n - 1)) != 0) return bad(a, std::to_string(*n) + " is not a power of two");
      o.buckets = static_cast<uint32_t>(*n);
    } else if (a == "--out") {
      auto v = value(a); if (!v) return v.error(); o.out = *v;
    } else if (a == "--default-action") {
      auto v = value(a); if (!v) return v.error();
      if (*v == "steer") o.drop_unparsed = false;
      else if (*v == "drop") o.drop_unparsed = true;
      else return bad(a, "'" + *v + "' is not steer or drop");
    } else if (a == "--default-dest") {
      auto v = value(a); if (!v) return v.error();
      auto m = parse_member(*v); if (!m) return bad(a, m.error().message);
      o.default_dest = *m;
    } else if (a == "--idle") {
      auto n = number(a, 0, 99); if (!n) return n.error(); o.idle_percent = static_cast<int>(*n);
    } else if (a == "--backpressure") {
      auto n = number(a, 0, 99); if (!n) return n.error(); o.backpressure_percent = static_cast<int>(*n);
    } else if (a == "--events") {
      auto v = value(a); if (!v) return v.error(); o.events = *v;
    } else if (a == "--learn-hold") {
      auto n = number(a, 0, UINT32_MAX); if (!n) return n.error(); o.learn_hold = static_cast<uint32_t>(*n);
    } else if (a == "--age-frames") {
      auto n = number(a, 0, UINT32_MAX); if (!n) return n.error(); o.age_frames = static_cast<uint32_t>(*n);
    } else if (a == "--flow-timeout") {
      auto n = number(a, 1, UINT32_MAX); if (!n) return n.error(); o.flow_timeout = static_cast<uint32_t>(*n);
    } else if (a == "--flow-capacity") {
      auto n = number(a, 1, UINT32_MAX); if (!n) return n.error();
      auto l = flow_bucket_log2_for(static_cast<uint32_t>(*n)); if (!l) return bad(a, l.error().message);
      o.flow_capacity = static_cast<uint32_t>(*n);
    } else if (a == "--clock") {
      auto v = value(a); if (!v) return v.error();
      char* end = nullptr;
      double mhz = std::strtod(v->c_str(), &end);
      if (v->empty() || end != v->c_str() + v->size() || !(mhz >= 1.0 && mhz <= 2000.0))
        return bad(a, "'" + *v + "' is not a clock in MHz within 1..2000");
      o.clock_mhz = mhz;
    } else if (a == "--report") {
      o.report = true;
    } else if (a == "--progress") {
      o.progress = true;
    } else {
      return bad(a, "unknown flag (see conductor sim --help)");
    }
  }
  if (!weights_given) {
    for (uint8_t m = 1; m <= 4; ++m) o.weights[MemberId{0, m}] = 100;
  }
  return o;
}

}  // namespace conductor
