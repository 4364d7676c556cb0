// The cluster configuration as a typed model (docs/conductord.conf.md describes the file format).
//
// One ClusterConfig describes the whole cluster: sites with their VRRP settings, orchestrators,
// members, security groups, auto-scaling policies, timers, HyperSync, the control socket, the
// device to drive and the dist_hash settings. parse_config() (parser.hpp) builds it from a file and
// validates every value and reference; a ClusterConfig it returns is consistent. Every field has
// its default here, so code and tests build configurations with designated initializers:
//
//   ClusterConfig c{.sites = {{.id = 0, .virtual_addresses = {*parse_ip("198.18.0.1")}}},
//                   .sync = {.key = key}};
//
// to_text() writes a configuration back in the file format (canonical order, every value
// explicit), so parse_config(to_text(c)) == c for every c that parse_config() returned.
#pragma once

#include <array>
#include <chrono>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dist_hash/dist_hash.hpp"          // HashMode
#include "host/alloc/bucket_allocator.hpp"  // MemberId, Weights, kMaxWeight, kDefaultBuckets

namespace conductor::config {

using Duration = std::chrono::microseconds;

// An IPv4 or IPv6 address (IPv4 in bytes[0..3], the rest zero).
struct IpAddress {
  enum class Family : uint8_t { kV4, kV6 };
  Family family = Family::kV4;
  std::array<uint8_t, 16> bytes{};

  bool is_v4() const { return family == Family::kV4; }
  bool is_loopback() const;       // 127.0.0.0/8, ::1
  bool is_unspecified() const;    // 0.0.0.0, ::
  bool is_multicast() const;      // 224.0.0.0/4, ff00::/8
  bool is_link_local() const;     // 169.254.0.0/16, fe80::/10
  std::string to_string() const;  // inet_ntop form
  friend auto operator<=>(const IpAddress&, const IpAddress&) = default;
};

// address:port; IPv6 written [addr]:port.
struct Endpoint {
  IpAddress address{};
  uint16_t port = 0;
  std::string to_string() const;
  friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

enum class LogLevel : uint8_t { kError, kWarn, kInfo, kDebug, kTrace };
enum class DeviceType : uint8_t { kSim, kSoft };
enum class AdminState : uint8_t { kUp, kDown };

std::string_view log_level_name(LogLevel l);
std::string_view device_type_name(DeviceType d);
std::string_view admin_state_name(AdminState a);
std::string_view hash_mode_config_name(HashMode m);  // rss, sym-l4, sym-ip

inline constexpr uint16_t kDefaultSyncPort = regs::SYNC_UDP_PORT;  // rtl/csr/conductor.regs
inline constexpr uint16_t kDefaultHeartbeatPort = 8117;
inline constexpr size_t kMaxInterfaceNameLength = 15;  // IFNAMSIZ - 1 on Linux
// HyperSync authenticates frames with SipHash-2-4 under a 128-bit cluster key (docs/hypersync.md).
inline constexpr size_t kSyncKeyBytes = 16;
using SyncKey = std::array<uint8_t, kSyncKeyBytes>;
inline constexpr size_t kMaxOrchestratorsPerSite = 2;
inline constexpr size_t kMaxSecurityGroups = 256;                             // SG_ID is 8 bits
inline constexpr size_t kMaxClusterMembers = kMaxSites * kMaxMembersPerSite;  // 128
inline constexpr size_t kMaxNameLength = 32;

// The Toeplitz key the dist_hash registers reset to (Microsoft's RSS key), from conductor.regs.
std::array<uint8_t, 40> default_hash_key();

// [cluster]
struct ClusterSettings {
  std::string name = "conductor";
  uint8_t active_site = 0;  // the site that is ActiveSite when both are healthy
  bool failback = false;    // the ActiveSite returns to active_site when that site can serve again
  friend bool operator==(const ClusterSettings&, const ClusterSettings&) = default;
};

// [site N]: a site and its orchestrators' VRRP group.
struct Site {
  uint8_t id = 0;                              // 0..1
  std::string name{};                          // optional label
  uint8_t vrid = 1;                            // VRRP virtual router id 1..255 (the file's default: 1 + id)
  uint16_t advert_interval_cs = 20;            // VRRP advertisement interval, centiseconds (1..4095)
  bool preempt = true;                         // a higher-priority orchestrator takes over when it comes back
  bool accept_mode = false;                    // the master accepts packets addressed to the virtual addresses
  std::vector<IpAddress> virtual_addresses{};  // one family; IPv6: the first is link-local (RFC 5798)
  friend bool operator==(const Site&, const Site&) = default;
};

// [orchestrator NAME]
struct Orchestrator {
  std::string name{};
  uint8_t site = 0;
  IpAddress address{};       // its own (VRRP source and control) address
  uint8_t priority = 100;    // VRRP priority 1..254 within its site's group
  std::string interface {};  // network interface for VRRP; empty: the one that holds `address`
  friend bool operator==(const Orchestrator&, const Orchestrator&) = default;
};

// [member S/M]
struct Member {
  MemberId id{};
  std::string name{};                  // optional label
  std::optional<IpAddress> address{};  // its sync / heartbeat address
  uint16_t weight = 100;               // 0..512; 0 = drained (no new connections)
  AdminState admin = AdminState::kUp;  // down = clusterXL_admin down: weight 0, backups take over
  friend bool operator==(const Member&, const Member&) = default;
};

// [security-group NAME]
struct SecurityGroup {
  std::string name{};
  uint8_t id = 0;                   // SG_ID of FLOW_KEY (s_axis_tuser)
  std::vector<MemberId> members{};  // active members, in file order, unique
  friend bool operator==(const SecurityGroup&, const SecurityGroup&) = default;
};

// [autoscale NAME]: auto-scaling policy of security group NAME. Loads are averages over the
// group's active members; a threshold must hold for the whole *-after time before the group scales,
// and no scaling happens within `cooldown` of the last one.
struct Autoscale {
  std::string group{};
  bool enabled = true;
  uint32_t min_members = 1;
  uint32_t max_members = kMaxClusterMembers;  // the file's default: the group's members + spares
  std::vector<MemberId> spares{};             // members that may join the group, in order of preference
  uint8_t scale_out_cpu_percent = 80;
  uint8_t scale_in_cpu_percent = 30;
  std::optional<uint64_t> scale_out_bps{};  // throughput per member, bits/s; unset: CPU only
  std::optional<uint64_t> scale_in_bps{};
  Duration scale_out_after = std::chrono::seconds{60};
  Duration scale_in_after = std::chrono::seconds{300};
  Duration cooldown = std::chrono::seconds{300};
  friend bool operator==(const Autoscale&, const Autoscale&) = default;
};

// [timers]: member liveness.
struct Timers {
  Duration heartbeat_interval = std::chrono::milliseconds{50};
  Duration heartbeat_timeout = std::chrono::milliseconds{150};  // a member missing heartbeats this long is failed
  uint16_t heartbeat_port = kDefaultHeartbeatPort;  // UDP port on each orchestrator's address for heartbeats
  friend bool operator==(const Timers&, const Timers&) = default;
};

// [sync]: HyperSync.
struct Sync {
  uint16_t port = kDefaultSyncPort;               // UDP
  SyncKey key{};                                  // authentication key (required in the file; all zero: unset)
  Duration delay = std::chrono::seconds{3};       // delayed notifications: younger connections are not synced
  Duration flush = std::chrono::milliseconds{1};  // a partly filled sync frame leaves after at most this long
  uint16_t mtu = 1500;                            // sync frames are batched up to this IP MTU
  uint16_t window = 768;                          // frames in flight per destination before new ones wait for ACKs
  uint64_t rate = 1'000'000'000;                  // bits/s per destination (IP packets) the sync traffic is paced to
  friend bool operator==(const Sync&, const Sync&) = default;
};

// [control]: how the daemon is operated.
struct Control {
  std::string socket = "/run/conductor/conductord.sock";  // conductorctl's Unix socket
  std::string socket_group{};                             // group allowed to use it; empty: owner only
  std::optional<Endpoint> metrics{};                      // Prometheus endpoint (loopback only); unset: off
  LogLevel log_level = LogLevel::kInfo;
  friend bool operator==(const Control&, const Control&) = default;
};

// [device]: what the daemon drives (conductord --device overrides `type`).
struct Device {
  DeviceType type = DeviceType::kSim;
  std::string eal_args{};  // soft: DPDK EAL arguments
  friend bool operator==(const Device&, const Device&) = default;
};

// [hash]: dist_hash.
struct Hash {
  HashMode mode = HashMode::kSymL4;
  std::array<uint8_t, 40> key = default_hash_key();
  uint32_t buckets = kDefaultBuckets;  // power of two 1..65536
  friend bool operator==(const Hash&, const Hash&) = default;
};

struct ClusterConfig {
  ClusterSettings cluster{};
  std::vector<Site> sites{};                  // ascending id
  std::vector<Orchestrator> orchestrators{};  // file order
  std::vector<Member> members{};              // ascending id
  std::vector<SecurityGroup> groups{};        // file order
  std::vector<Autoscale> autoscale{};         // file order, at most one per group
  Timers timers{};
  Sync sync{};
  Control control{};
  Device device{};
  Hash hash{};

  const Site* site(uint8_t id) const;
  const Member* member(MemberId id) const;
  const Orchestrator* orchestrator(std::string_view name) const;
  const SecurityGroup* group(std::string_view name) const;
  const Autoscale* autoscale_of(std::string_view group) const;
  // The group a member is active in, if any.
  const SecurityGroup* group_of(MemberId id) const;
  // The weights to give BucketAllocator::set_weights for a group: each member's weight, 0 for
  // members that are administratively down.
  Weights weights_of(const SecurityGroup& g) const;

  friend bool operator==(const ClusterConfig&, const ClusterConfig&) = default;
};

// The configuration in the file format: every section and value written out, canonical order.
std::string to_text(const ClusterConfig& c);

// "0/3"
std::string member_id_text(MemberId id);

}  // namespace conductor::config
