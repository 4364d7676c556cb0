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
//     or the member ControllerOptions::default_dest pins (`conductor sim --default-dest`).
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

  // Reads back the bucket table, MEMBER_UP0..3, SITE_UP, the backup map and the hash CTRL/KEY, and
  // returns every difference (at most `limit`; *total gets the full count). A read error is one
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

  uint64_t bucket_moves_ = 0;
  uint64_t writes_ = 0;
  Counter* c_writes_;
  Counter* c_write_errors_;
  Counter* c_moves_;
  Counter* c_rebalances_;
};

}  // namespace conductor::control
