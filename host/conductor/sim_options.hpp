// Command line of `conductor sim`: parsed into SimOptions, every bad flag or value rejected with a
// message naming the flag and what is wrong.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/gen/conductor_regs.hpp"
#include "dist_hash/dist_hash.hpp"
#include "host/alloc/bucket_allocator.hpp"
#include "host/common/status.hpp"

namespace CLI {
class App;
}

namespace conductor {

enum class Engine { kModel, kRtl };

const char* engine_name(Engine e);

// Where the core's flow table lives: on chip (conductor_core, 2 x 2^15 buckets) or in HBM (the
// FlowHbm build, 2 x 2^20 buckets, no cuckoo walk).
enum class FlowTable { kOnChip, kHbm };

const char* flow_table_name(FlowTable t);  // "onchip", "hbm"

struct SimOptions {
  std::optional<std::string> pcap;        // --pcap FILE; synthetic traffic when absent
  uint64_t packets = 10000;               // --packets N (synthetic)
  uint32_t flows = 512;                   // --flows N (synthetic)
  uint64_t seed = 1;                      // --seed N
  bool min_size = false;                  // --min-size: synthetic minimum-size frames only
  Engine engine = Engine::kModel;         // --engine model|rtl
  HashMode hash_mode = HashMode::kSymL4;  // --hash-mode rss|sym-l4|sym-ip
  std::array<uint8_t, 40> rss_key{};      // --rss-key HEX (80 hex digits); Microsoft's by default
  std::map<MemberId, uint16_t> weights;   // --weights [S/]ID:W,...
  uint32_t buckets = kDefaultBuckets;     // --buckets N
  std::optional<std::string> out;         // --out FILE: one JSON object per packet
  bool drop_unparsed = false;             // --default-action steer|drop
  MemberId default_dest{};                // --default-dest [S/]ID
  int idle_percent = 0;                   // --idle PCT (rtl): random idle cycles on the input
  int backpressure_percent = 0;           // --backpressure PCT (rtl): random output stalls
  bool report = false;                    // --report: readable distribution report before the JSON
  bool progress = false;                  // --progress: progress lines on stderr
  std::optional<std::string> events;      // --events FILE: scripted weight/member/site changes
  uint32_t age_frames = regs::STEER_AGE_FRAMES_RESET;
  uint32_t learn_hold = regs::
      STEER_LEARN_HOLD_RESET;  // --learn-hold TICKS: steer.LEARN_HOLD (0: filter off)  // --age-frames N: steer.AGE_FRAMES (0: no ageing)
  std::optional<uint32_t> flow_timeout;       // --flow-timeout TICKS: every flow_table.TIMEOUT_* (frames)
  std::optional<uint32_t> flow_capacity;      // --flow-capacity N: smallest flow-table size >= N entries
  FlowTable flow_table = FlowTable::kOnChip;  // --flow-table onchip|hbm
  double clock_mhz = 300.0;                   // --clock MHZ: core clock for Mpps and Gbit/s (rtl)
  // HyperSync out of the core (rtl): --sync-out FILE writes its sync frames as a pcap; --sync-key
  // HEX the SipHash key (16 bytes); --sync-delay TICKS the delayed-notification threshold (0: every
  // connection at its insert).
  std::optional<std::string> sync_out;
  std::array<uint8_t, 16> sync_key{0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                                   0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f};
  uint32_t sync_delay = 0;
  // --standby (rtl): a second core, the standby orchestrator's, fed by the first one's sync frames
  // through a link with --link-latency CLOCKS, --link-loss PCT and --link-reorder PCT; the event
  // `at N orchestrator-failover` moves the traffic to it (docs/hypersync.md §13.3).
  bool standby = false;
  uint64_t link_latency = 3000;
  unsigned link_loss = 0;
  unsigned link_reorder = 0;
};

// The largest BUCKET_LOG2 of the table's build: kCoreFlowBucketLog2Max on chip,
// kCoreHbmFlowBucketLog2Max in HBM.
uint32_t flow_bucket_log2_max(FlowTable t);

// The flow table's active size for --flow-capacity N: the smallest BUCKET_LOG2 whose capacity
// 2 * 2^BUCKET_LOG2 * 4 + 16 holds N entries, within the build of table t; an error naming
// --flow-capacity and the largest capacity when N does not fit (on chip: and that --flow-table hbm
// holds more).
Expected<uint32_t> flow_bucket_log2_for(uint32_t entries, FlowTable t = FlowTable::kOnChip);
uint32_t flow_capacity_of(uint32_t bucket_log2);

// The checks that involve more than one option, made once every option is parsed (so options may
// come in any order): --flow-capacity against the table --flow-table chooses.
Status check_sim_options(const SimOptions& o);

// The default Microsoft RSS key (the reset value of KEY0..KEY9).
std::array<uint8_t, 40> default_rss_key();

Expected<std::array<uint8_t, 40>> parse_rss_key(const std::string& text);
Expected<std::map<MemberId, uint16_t>> parse_weights(const std::string& text);
Expected<MemberId> parse_member(const std::string& text);

// SimOptions with the defaults the flags document (Microsoft's key, weights 1:100,2:100,3:100,4:100).
SimOptions default_sim_options();

// Adds the flags of `conductor sim` to app (the subcommand's CLI11 App), each parsed into o.
void add_sim_options(CLI::App& app, SimOptions& o);

// args exclude the program name and the "sim" word. --help comes back as Errc::kNotFound carrying
// the help text (host/common/cli.hpp).
Expected<SimOptions> parse_sim_options(const std::vector<std::string>& args);

}  // namespace conductor
