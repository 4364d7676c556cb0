// The intended data-plane state (of conductord and `conductor sim`) and the one place that programs the Device.
//
// State: per member its weight (0..512), admin state (member down|up) and health (heartbeats, set
// by the cluster service; alive until told otherwise), per site online/offline, the security
// group's members, the hash settings. From it the Controller derives what the core must hold:
//   - a member can serve when it is in the group, has a weight, is admin up and alive, and its
//     site is online;
//   - ActiveSite: starts as [cluster] active-site; it stays where it is while that site is online
//     and has a member that can serve; when it cannot, the preferred site (active-site) takes it if
//     it can serve, else the other site (site failover). With [cluster] failback = on it returns to
//     active-site as soon as that site can serve again; off (the default), no automatic flap back;
//   - bucket table (dist_hash BUCKETS): the serving members of the ActiveSite by weight
//     (BucketAllocator: minimal moves; only changed words are written);
//   - MEMBER_UP bit of a member: configured, admin up and alive (a drained or failed member's
//     connections go to its backups); SITE_UP bit of a site: configured and online;
//   - backup map (steer BACKUP): compute_backup_map() over the members that can serve, in both
//     sites (backup_map.hpp gives the rule);
//   - dist_hash CTRL (mode, BUCKET_LOG2) and KEY0..9 from [hash];
//   - parser DEFAULT_DEST (where frames the parser cannot key go): the serving member of the
//     ActiveSite with the lowest id (0/0 when none serves), so they never go to a drained member;
//     or the member ControllerOptions::default_dest pins (`conductor sim --default-dest`);
//   - HyperSync (conductord): the feed, the encoder and the decoder from [sync], program_sync().
// The core has one bucket table (dist_hash does not index it by SG_ID), so the Controller drives
// one security group; a configuration with more is refused.
//
// Every change writes only the registers whose intended value changed; verify() reads back what
// the Controller owns and lists every difference from the intended state. conductord and
// `conductor sim` (its scripted events) both program the core through it.
#pragma once

#include <array>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/core_model.hpp"
#include "host/alloc/bucket_allocator.hpp"
#include "host/config/cluster_config.hpp"
#include "host/control/backup_map.hpp"
#include "host/control/log.hpp"
#include "host/control/metrics.hpp"
#include "host/device/device.hpp"

namespace conductor::control {

struct MemberView {
  MemberId id{};
  std::string name;
  std::string group;    // "" for a member in no group (a spare)
  uint16_t weight = 0;  // configured (or set at run time)
  bool admin_up = true;
  bool alive = true;
  bool site_online = true;
  bool serving = false;        // can serve (see above)
  uint16_t bucket_weight = 0;  // the weight the bucket table follows (0 outside the ActiveSite)
  uint32_t buckets = 0;
  bool status_up = false;  // its MEMBER_UP bit
  uint16_t backup = 0;     // its BACKUP_ENTRY
};

struct SiteView {
  uint8_t id = 0;
  std::string name;
  bool configured = false;
  bool online = true;
  bool active = false;
  uint32_t members = 0;          // configured members of the site
  uint32_t serving_members = 0;  // members that can serve
};

struct GroupView {
  std::string name;
  uint8_t id = 0;
  std::vector<MemberView> members;  // the group's members, ascending id
  uint32_t buckets = 0;             // table size
  uint32_t unassigned = 0;
};

// One difference between the device and the intended state.
struct Difference {
  std::string what;    // "bucket 17", "MEMBER_UP0", "BACKUP[0/3]", "dist_hash CTRL"
  std::string device;  // as read back
  std::string intended;
  std::string to_string() const { return what + ": device " + device + ", intended " + intended; }
};

// The device's HyperSync registers (docs/hypersync.md §13.3): what program_sync() programs, from the
// file's [sync] section and who this orchestrator is. make_sync_settings() builds it for conductord.
//
// Identity: HyperSync names peers by member byte (bits 5..0 member id, bit 6 site). An
// orchestrator's member byte is that of member 63 - k of its site, k its index among the site's
// [orchestrator] sections in file order (0 or 1), so member ids 63 and 62 of a site with orchestrators
// are theirs (conductord refuses a [member] that takes one). A daemon without --name stands for
// orchestrator 0 of [cluster] active-site. Its peer is the other orchestrator of its own site (the
// VRRP pair): frames go to that peer's address when it is IPv4, else to every member (0xFF,
// 255.255.255.255). The configuration names no MAC address: frames carry the broadcast MAC as
// destination and the locally administered 02:00:00:00:00:<member byte> as source.
struct SyncSettings {
  config::Sync sync{};                    // key (all zero: no key, the feed stays off), delay, flush, mtu, port
  uint16_t cluster_id = 0;                // sync header cluster id (HyperSync's member agents use 0 too)
  uint8_t self = 0;                       // this orchestrator's member byte (encoder SOURCE, decoder SELF)
  uint8_t destination = 0xFF;             // the peer's member byte, 0xFF every member (steer SYNC.DEST)
  uint32_t source_ip = 0;                 // this orchestrator's IPv4 address, first octet in bits 31:24 (0: none)
  uint32_t destination_ip = 0xFFFFFFFFu;  // the peer's IPv4 address, or the limited broadcast
  std::array<uint32_t, 4> members{};      // decoder MEMBERS0..3: bit i = member byte i may send to us
  uint32_t epoch = 0;                     // encoder EPOCH: conductord's start time (Unix seconds)
  friend bool operator==(const SyncSettings&, const SyncSettings&) = default;
};

// The member byte of orchestrator `name` (see SyncSettings); nullopt when it is not configured.
std::optional<uint8_t> orchestrator_sync_byte(const config::ClusterConfig& c, std::string_view name);
// Problems of the identities above: a [member] that takes an orchestrator's member byte ("[member
// 0/63] has the member byte of orchestrator east-a (HyperSync identity)").
std::vector<std::string> check_sync_identities(const config::ClusterConfig& c);
// SyncSettings for conductord --name `orchestrator` ("" without --name).
SyncSettings make_sync_settings(const config::ClusterConfig& c, std::string_view orchestrator, uint32_t epoch);

// flow_table.SYNC_MATURE.SWEEPS for [sync] delay: the rule of docs/flow_table.md ("Maturing"),
// N = ceil(delay / sweep period) + 1, where the sweep period is the time the ageing sweep takes to
// visit every sweep unit once at the core's line rate (one frame per clock at CORE_CLOCK_MHZ):
// sweep_units * AGE_FRAMES frames. A connection matures between N - 1 and N sweep periods after its
// insert, so never before `delay` at line rate; at lower traffic the sweep is slower and the
// connection matures later: the delay in hardware is approximate, a lower bound. nullopt when N
// would exceed 15 (the field's limit). age_frames 0 (no ageing: nothing matures) gives 1.
std::optional<uint32_t> sync_sweeps(config::Duration delay, uint32_t age_frames, uint32_t sweep_units);
// The rule itself in any one unit (time, or frames when frame i is tick i as in `conductor sim`):
// ceil(delay / period) + 1, nullopt above 15; period 0 counts as 1.
std::optional<uint32_t> mature_sweeps(uint64_t delay, uint64_t period);
// The sweep period at line rate, in microseconds.
uint64_t sweep_period_us(uint32_t age_frames, uint32_t sweep_units);

// One register program_sync() owns, with the value it intends.
struct SyncRegister {
  uint32_t addr = 0;
  std::string name;  // "sync_encoder KEY0", "steer SYNC"
  uint32_t value = 0;
  friend bool operator==(const SyncRegister&, const SyncRegister&) = default;
};

// What a user of the Controller may fix instead of the rules above.
struct ControllerOptions {
  // parser DEFAULT_DEST pinned to this member instead of the ActiveSite's first serving member.
  std::optional<MemberId> default_dest{};
};

class Controller {
 public:
  Controller(device::Device& dev, Logger& log, Metrics& metrics, ControllerOptions options = {});

  // Takes the configuration and programs the whole device. Fails on more than one security group
  // or when the device refuses a write (the error names the register).
  Status start(const config::ClusterConfig& c);
  // SIGHUP: the new running configuration (live changes only). Values changed in the file win over
  // run-time changes (member down/up, weights); run-time state of unchanged entries is kept, and
  // nothing is reset on the device: only changed registers are written.
  Status reload(const config::ClusterConfig& old_config, const config::ClusterConfig& new_config);

  Status set_member_admin(MemberId id, bool up, std::string_view reason);      // member down|up
  Status set_member_health(MemberId id, bool alive, std::string_view reason);  // heartbeats
  Status set_member_weight(MemberId id, uint16_t weight, std::string_view reason);
  // Several weights at once: all checked first, then one recomputation (the buckets move once).
  Status set_member_weights(const Weights& weights, std::string_view reason);
  Status add_group_member(std::string_view group, MemberId id, std::string_view reason);     // scale-out
  Status remove_group_member(std::string_view group, MemberId id, std::string_view reason);  // scale-in
  Status set_site_online(uint8_t site, bool online, std::string_view reason);

  // Views.
  std::vector<MemberView> members() const;
  std::optional<MemberView> member(MemberId id) const;
  std::vector<SiteView> sites() const;
  std::vector<GroupView> groups() const;
  uint8_t active_site() const { return active_site_; }
  const BucketAllocator& allocator() const { return alloc_; }
  const SteerRegs& intended_steer() const { return steer_; }
  uint32_t intended_hash_ctrl() const;
  uint32_t intended_default_dest() const { return default_dest_; }

  // HyperSync (conductord, at start and after every reload): the core's sync feed, its encoder and,
  // when the device has one (sync_decoder GEOMETRY reads non-zero), the decoder, from `s`:
  //   sync_encoder  CTRL.KEY_NUMBER 0, CLUSTER, SOURCE, EPOCH (then COUNTER_CLEAR.SEQ when it
  //                 changed), MTU, FLUSH_CYCLES = flush at CORE_CLOCK_MHZ, KEY0..3 (key byte 0 in
  //                 KEY0 bits 7:0), SRC_MAC, SRC_IP, UDP_PORTS (both [sync] port), DEST0 (the
  //                 destination, VALID), DEST1..3 unused, DELAY_DEFAULT and the delay classes 0
  //                 (the table delays: §13.2), IP_OPTS at reset; all through the kernel's own
  //                 sync_encoder::register_writes() (the decoder's likewise)
  //   flow_table    SYNC_MATURE: SWEEPS from sync_sweeps(delay, steer AGE_FRAMES, the table's sweep
  //                 units), 0 when delay is 0 or there is no key; GEN 0
  //   sync_decoder  CLUSTER, SELF, MEMBERS0..3, KEY0_CTRL.VALID and KEY0_0..3 (the same key), slots
  //                 1..3 empty
  //   steer         SYNC: ENABLE when the key is set, AT_INSERT when delay is 0, DEST (written last)
  // Everything is computed and checked before the first write: a value the device cannot hold (an
  // MTU above its GEOMETRY.MAX_MTU, a delay beyond 15 sweeps) fails naming the [sync] key and
  // nothing is written. Later calls write only the registers whose value changed.
  Status program_sync(const SyncSettings& s);
  // The registers program_sync(s) would write, or why it would refuse (reads the device's geometry
  // and AGE_FRAMES; writes nothing).
  Expected<std::vector<SyncRegister>> plan_sync(const SyncSettings& s);
  // The sync registers as last programmed (empty before program_sync()).
  const std::vector<SyncRegister>& intended_sync() const { return sync_regs_; }
  bool device_has_sync_decoder();

  // Reads back the bucket table, MEMBER_UP0..3, SITE_UP, the backup map, the hash CTRL/KEY and the
  // sync registers (intended_sync()), and returns every difference (at most `limit`; *total gets the full count). A read error is one
  // difference ("read failed").
  std::vector<Difference> verify(size_t limit = 1000, size_t* total = nullptr);

  // Decision counters since start (also exported as metrics).
  uint64_t bucket_moves() const { return bucket_moves_; }
  uint64_t device_writes() const { return writes_; }

 private:
  struct MemberState {
    std::string name;
    uint16_t weight = 100;
    bool admin_up = true;
    bool alive = true;
  };
  struct Group {
    std::string name;
    uint8_t id = 0;
    std::vector<MemberId> members;
  };

  bool serving(MemberId id) const;
  const Group* group_of(MemberId id) const;
  void compute();       // intended state from the state above: bucket weights, steer regs, active site
  void compute_rest();  // compute() after the ActiveSite is chosen
  Status write(uint32_t addr, uint32_t value, uint8_t strb = 0xF);
  Status program_all();
  // Recomputes and writes what changed: status bits first (connections move to backups at once),
  // then buckets, then the backup map.
  Status apply(std::string_view cause);
  Status write_bucket_words(const std::vector<uint32_t>& words);
  void update_gauges();
  Status check_groups(const config::ClusterConfig& c) const;
  Status known(MemberId id) const;

  device::Device& dev_;
  Logger& log_;
  Metrics& metrics_;
  ControllerOptions options_;

  std::map<MemberId, MemberState> members_;
  std::optional<Group> group_;
  bool site_configured_[2] = {false, false};
  bool site_online_[2] = {true, true};
  std::string site_name_[2];
  uint8_t preferred_site_ = 0;
  bool failback_ = false;
  config::Hash hash_{};

  // Intended device state.
  BucketAllocator alloc_;
  Weights bucket_weights_;
  SteerRegs steer_{};
  uint32_t default_dest_ = 0;  // parser DEFAULT_DEST
  uint8_t active_site_ = 0;
  std::vector<SyncRegister> sync_regs_;  // program_sync()'s registers, in write order

  uint64_t bucket_moves_ = 0;
  uint64_t writes_ = 0;
  Counter* c_writes_;
  Counter* c_write_errors_;
  Counter* c_moves_;
  Counter* c_rebalances_;
};

}  // namespace conductor::control
