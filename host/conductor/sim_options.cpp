#include "host/conductor/sim_options.hpp"

#include <cctype>
#include <charconv>
#include <cstdlib>
#include <string_view>

#include "core/core_model.hpp"
#include "dist_hash/dist_hash_model.hpp"
#include "flow_table/flow_table.hpp"
#include "host/common/cli.hpp"
#include "host/config/values.hpp"
#include "rtl_core.hpp"

namespace conductor {

uint32_t flow_capacity_of(uint32_t bucket_log2) {
  return 2u * (1u << bucket_log2) * static_cast<uint32_t>(flow::kSlots) + static_cast<uint32_t>(flow::kStashSize);
}

uint32_t flow_bucket_log2_max(FlowTable t) {
  return static_cast<uint32_t>(t == FlowTable::kHbm ? kCoreHbmFlowBucketLog2Max : kCoreFlowBucketLog2Max);
}

Expected<uint32_t> flow_bucket_log2_for(uint32_t entries, FlowTable t) {
  const uint32_t max = flow_bucket_log2_max(t);
  for (uint32_t l = 0; l <= max; ++l)
    if (flow_capacity_of(l) >= entries) return l;
  if (t == FlowTable::kHbm)
    return make_error(Errc::kInvalidArgument, "--flow-capacity: " + std::to_string(entries) +
                                                  " connections exceed the HBM flow table (at most " +
                                                  std::to_string(flow_capacity_of(max)) + " entries)");
  return make_error(Errc::kInvalidArgument,
                    "--flow-capacity: " + std::to_string(entries) +
                        " connections exceed the core's flow table (at most " + std::to_string(flow_capacity_of(max)) +
                        " entries); --flow-table hbm holds up to " +
                        std::to_string(flow_capacity_of(flow_bucket_log2_max(FlowTable::kHbm))));
}

Status check_sim_options(const SimOptions& o) {
  if (o.flow_capacity)
    if (auto l = flow_bucket_log2_for(*o.flow_capacity, o.flow_table); !l) return l.error();
  return ok_status();
}

const char* engine_name(Engine e) { return e == Engine::kRtl ? "rtl" : "model"; }

const char* flow_table_name(FlowTable t) { return t == FlowTable::kHbm ? "hbm" : "onchip"; }

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
      return bad("--rss-key", std::string("'") + c + "' at position " + std::to_string(i + 1) + " is not a hex digit");
    digits += c;
  }
  if (digits.size() != 80)
    return bad("--rss-key", "needs 40 bytes (80 hex digits), got " + std::to_string(digits.size()) + " hex digits");
  std::array<uint8_t, 40> key{};
  for (size_t i = 0; i < 40; ++i) key[i] = static_cast<uint8_t>(hexval(digits[2 * i]) << 4 | hexval(digits[2 * i + 1]));
  return key;
}

Expected<MemberId> parse_member(const std::string& text) {
  std::string_view s = text;
  MemberId id{};
  if (auto slash = s.find('/'); slash != std::string_view::npos) {
    auto site = to_uint<unsigned>(s.substr(0, slash));
    if (!site || *site >= kMaxSites) return bad(text, "site must be 0 or 1");
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
    if (colon == std::string::npos) return bad("--weights", "'" + item + "' is not ID:WEIGHT or SITE/ID:WEIGHT");
    auto id = parse_member(item.substr(0, colon));
    if (!id) return bad("--weights", "'" + item + "': " + id.error().message);
    auto w = to_uint<unsigned>(std::string_view(item).substr(colon + 1));
    if (!w) return bad("--weights", "'" + item + "': weight must be a number 0..512");
    if (*w > kMaxWeight) return bad("--weights", "'" + item + "': weight " + std::to_string(*w) + " is above 512");
    if (out.count(*id)) return bad("--weights", "'" + item + "': " + id->to_string() + " given twice");
    out[*id] = static_cast<uint16_t>(*w);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

SimOptions default_sim_options() {
  SimOptions o;
  o.rss_key = default_rss_key();
  for (uint8_t m = 1; m <= 4; ++m) o.weights[MemberId{0, m}] = 100;
  return o;
}

namespace {

// One of a few words, mapped to a value: "'WORD' is not A or B".
template <class T>
auto one_of(std::vector<std::pair<std::string, T>> words, std::string names) {
  return [words = std::move(words), names = std::move(names)](const std::string& v) -> Expected<T> {
    for (const auto& [w, t] : words)
      if (v == w) return t;
    return make_error(Errc::kInvalidArgument, "'" + v + "' is not " + names);
  };
}

}  // namespace

void add_sim_options(CLI::App& app, SimOptions& o) {
  app.description("Runs frames through the Conductor pipeline and prints a JSON summary on stdout.");
  cli::add_parsed(
      app, "--pcap", o.pcap, [](const std::string& v) -> Expected<std::string> { return v; },
      "frames from a pcap/pcapng file (Ethernet); synthetic traffic if absent")
      ->type_name("FILE");
  cli::add_uint(app, "--packets", o.packets, 1, 1'000'000'000, "synthetic frames (default 10000)");
  cli::add_uint(app, "--flows", o.flows, 1, 10'000'000, "synthetic flows (default 512)");
  cli::add_uint(app, "--seed", o.seed, 0, UINT64_MAX, "synthetic traffic seed (default 1)");
  app.add_flag("--min-size", o.min_size, "synthetic minimum-size (60-byte) frames only");
  cli::add_parsed(app, "--engine", o.engine,
                  one_of<Engine>({{"model", Engine::kModel}, {"rtl", Engine::kRtl}}, "model or rtl"),
                  "HLS C++ model, or the Verilated RTL core (default model)")
      ->type_name("model|rtl");
  cli::add_parsed(
      app, "--hash-mode", o.hash_mode,
      one_of<HashMode>({{"rss", HashMode::kRss}, {"sym-l4", HashMode::kSymL4}, {"sym-ip", HashMode::kSymIp}},
                       "rss, sym-l4 or sym-ip"),
      "Microsoft RSS, or symmetric on 4-tuple / IP pair (default sym-l4)")
      ->type_name("rss|sym-l4|sym-ip");
  cli::add_parsed(app, "--rss-key", o.rss_key, parse_rss_key,
                  "40-byte Toeplitz key as 80 hex digits (':' or '-' separators allowed)")
      ->type_name("HEX");
  cli::add_parsed(app, "--weights", o.weights, parse_weights,
                  "member weights 0..512 (S = site 0..1, default 0; ID = 0..63)\n"
                  "(default 1:100,2:100,3:100,4:100)")
      ->type_name("[S/]ID:W,...");
  cli::add_parsed(
      app, "--buckets", o.buckets,
      [](const std::string& v) -> Expected<uint32_t> {
        auto n = cli::parse_uint(v, kMinBuckets, kMaxBuckets);
        if (!n) return n.error();
        if ((*n & (*n - 1)) != 0) return make_error(Errc::kInvalidArgument, v + " is not a power of two");
        return static_cast<uint32_t>(*n);
      },
      "bucket-table size, a power of two 1..65536 (default 4096)")
      ->type_name("N");
  cli::add_parsed(
      app, "--out", o.out, [](const std::string& v) -> Expected<std::string> { return v; },
      "one JSON object per frame (hash, bucket, site, member, ...)")
      ->type_name("FILE");
  cli::add_parsed(app, "--default-action", o.drop_unparsed,
                  one_of<bool>({{"steer", false}, {"drop", true}}, "steer or drop"),
                  "frames the parser cannot parse (default steer)")
      ->type_name("steer|drop");
  cli::add_parsed(app, "--default-dest", o.default_dest, parse_member, "where steered unparsed frames go (default 0/0)")
      ->type_name("[S/]ID");
  cli::add_uint(app, "--idle", o.idle_percent, 0, 99, "rtl: random idle cycles on the input, 0..99 (default 0)")
      ->type_name("PCT");
  cli::add_uint(app, "--backpressure", o.backpressure_percent, 0, 99,
                "rtl: random stalls of the output, 0..99 (default 0)")
      ->type_name("PCT");
  cli::add_parsed(
      app, "--events", o.events, [](const std::string& v) -> Expected<std::string> { return v; },
      "scripted changes, one per line ('#' comments), applied before frame N as one\n"
      "Controller call each (docs/conductord.md):\n"
      "  at N weights [S/]ID:W,...   (merged into the current weights)\n"
      "  at N member-down S/M | member-up S/M | site-down S | site-up S\n"
      "  at N orchestrator-failover (--standby: the traffic moves to the standby)\n"
      "a site that goes down hands the ActiveSite to the other site (no failback)")
      ->type_name("FILE");
  cli::add_uint(app, "--age-frames", o.age_frames, 0, UINT32_MAX,
                "an AGE op (one flow-table sweep unit) after every N frames; 0: no\n"
                "ageing (default 8192, the reset value of steer.AGE_FRAMES)");
  cli::add_uint(app, "--learn-hold", o.learn_hold, 0, UINT32_MAX,
                "a bucket pair whose INSERT failed (table full) is not offered again for\n"
                "TICKS ticks (steer.LEARN_HOLD; default 1000; 0: offer every frame)")
      ->type_name("TICKS");
  cli::add_parsed(
      app, "--flow-timeout", o.flow_timeout,
      [](const std::string& v) -> Expected<std::optional<uint32_t>> {
        auto n = cli::parse_uint(v, 1, UINT32_MAX);
        if (!n) return n.error();
        return std::optional<uint32_t>(static_cast<uint32_t>(*n));
      },
      "idle ticks after which a flow expires, all states, 1..2^32-1 (frame i is\n"
      "stamped with tick i; default: the flow table's reset timeouts, 25000 for\n"
      "new flows)")
      ->type_name("TICKS");
  cli::add_parsed(
      app, "--flow-capacity", o.flow_capacity,
      [](const std::string& v) -> Expected<std::optional<uint32_t>> {
        auto n = cli::parse_uint(v, 1, UINT32_MAX);
        if (!n) return n.error();
        return std::optional<uint32_t>(static_cast<uint32_t>(*n));  // against the table: check_sim_options
      },
      "flow-table size: the smallest build size that holds N connections\n"
      "(2 x 2^k x 4 + 16 entries; on chip k = 0..15, default the largest,\n"
      "262160; with --flow-table hbm k = 0..20, default 8388624)")
      ->type_name("N");
  cli::add_parsed(app, "--flow-table", o.flow_table,
                  one_of<FlowTable>({{"onchip", FlowTable::kOnChip}, {"hbm", FlowTable::kHbm}}, "onchip or hbm"),
                  "where the core's flow table lives: on chip (2 x 2^15 buckets, the\n"
                  "default), or in HBM (2 x 2^20 buckets behind AXI, no cuckoo walk; the\n"
                  "model engine models that build). rtl: the core's HBM build with a\n"
                  "memory model; it clears its table for 2^20 clocks after reset, about\n"
                  "a minute of simulation before the first frame (twice with --standby)")
      ->type_name("onchip|hbm");
  cli::add_parsed(
      app, "--clock", o.clock_mhz,
      [](const std::string& v) -> Expected<double> {
        char* end = nullptr;
        const double mhz = std::strtod(v.c_str(), &end);
        if (v.empty() || end != v.c_str() + v.size() || !(mhz >= 1.0 && mhz <= 2000.0))
          return make_error(Errc::kInvalidArgument, "'" + v + "' is not a clock in MHz within 1..2000");
        return mhz;
      },
      "rtl: core clock for the Mpps and Gbit/s figures, 1..2000 (default 300)")
      ->type_name("MHZ");
  cli::add_parsed(
      app, "--sync-out", o.sync_out,
      [](const std::string& v) -> Expected<std::optional<std::string>> { return std::optional<std::string>(v); },
      "rtl: write the core's HyperSync frames (m_sync, UDP 8116) to FILE as a\n"
      "pcap (docs/hypersync.md; Wireshark decodes them with the project's\n"
      "dissector); the summary gets a \"sync\" object")
      ->type_name("FILE");
  cli::add_parsed(
      app, "--sync-key", o.sync_key,
      [](const std::string& v) -> Expected<std::array<uint8_t, 16>> {
        auto k = config::parse_hex(v, 16, 16);
        if (!k) return k.error();
        std::array<uint8_t, 16> key{};
        std::copy(k->begin(), k->end(), key.begin());
        return key;
      },
      "SipHash-2-4 key of the sync frames, 16 bytes as 32 hex digits\n"
      "(default 000102...0f: a demo key, not a secret)")
      ->type_name("HEX");
  cli::add_uint(app, "--sync-delay", o.sync_delay, 0, UINT32_MAX,
                "delayed notifications: a connection is synced once it has lived\n"
                "TICKS (frame i is tick i), rounded up to whole ageing sweeps; 0: at\n"
                "its insert (default 0)")
      ->type_name("TICKS");
  app.add_flag("--standby", o.standby,
               "rtl: run a standby orchestrator's core beside the active one, fed by\n"
               "its HyperSync frames through a sync link; `at N orchestrator-failover`\n"
               "in --events moves the traffic to it; the summary gets a \"standby\" object");
  cli::add_uint(app, "--link-latency", o.link_latency, 0, 100000000,
                "--standby: clocks from a sync frame leaving the active core to its\n"
                "arrival at the standby (default 3000: 10 us at 300 MHz)")
      ->type_name("CLOCKS");
  cli::add_uint(app, "--link-loss", o.link_loss, 0, 100, "--standby: chance a sync frame is lost, 0..100 (default 0)")
      ->type_name("PCT");
  cli::add_uint(app, "--link-reorder", o.link_reorder, 0, 100,
                "--standby: chance a sync frame is held back 1..latency clocks more,\n"
                "so later ones overtake it, 0..100 (default 0)")
      ->type_name("PCT");
  app.add_flag("--report", o.report, "print a readable distribution report before the JSON summary");
  app.add_flag("--progress", o.progress, "progress on stderr");
  // Checks across options, once all are parsed: CLI11 reports the error like an option's own.
  app.final_callback([&o] {
    if (Status s = check_sim_options(o); !s) throw CLI::ValidationError(s.error().message);
  });
}

Expected<SimOptions> parse_sim_options(const std::vector<std::string>& args) {
  SimOptions o = default_sim_options();
  CLI::App app{"", "conductor sim"};
  cli::setup(app);
  add_sim_options(app, o);
  if (Status s = cli::parse(app, args); !s) return s.error();
  return o;
}

}  // namespace conductor
