// Member heartbeat / load report wire format v1 (docs/cluster.md, "Wire format"). Pure: bytes in,
// a report or a reject with its reason out. Every member agent (`conductor member`) sends one
// datagram every [timers] heartbeat-interval to each orchestrator's address at UDP
// [timers] heartbeat-port; conductord decodes it here and feeds MemberLiveness and the autoscaler.
//
// Layout (40 bytes, multi-byte fields big-endian = network order, tag little-endian as SipHash's
// reference output):
//   off size field
//   0   2    magic 0x4342 ("CB", Conductor Beat)
//   2   1    version = 1
//   3   1    type: 1 = heartbeat with load
//   4   1    site (0..1)
//   5   1    member (0..63)
//   6   2    flags: bit 0 LEAVING (clean shutdown: mark down now), bit 1 DRAINED (no connections
//            left), bit 2 SYNCED (every HyperSync session the member receives has committed a
//            full sync of its peer's current epoch: its backup copy is whole); other bits must be zero
//   8   4    incarnation: chosen at agent start (a restart is a new incarnation, not a replay)
//   12  4    sequence: +1 per report within an incarnation
//   16  2    cpu in hundredths of a percent, 0..10000
//   18  2    reserved, zero
//   20  4    established connections
//   24  8    throughput, bits/s
//   32  8    SipHash-2-4 tag over bytes 0..31 under the cluster's [sync] key
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/siphash.hpp"
#include "host/alloc/bucket_allocator.hpp"  // MemberId
#include "host/common/status.hpp"

namespace conductor::cluster {

inline constexpr uint16_t kHeartbeatMagic = 0x4342;
inline constexpr uint8_t kHeartbeatVersion = 1;
inline constexpr uint8_t kHeartbeatTypeLoad = 1;
inline constexpr size_t kHeartbeatBytes = 40;
inline constexpr size_t kHeartbeatTagOffset = 32;
inline constexpr uint16_t kFlagLeaving = 0x0001;
inline constexpr uint16_t kFlagDrained = 0x0002;
inline constexpr uint16_t kFlagSynced = 0x0004;  // every HyperSync session of the member is whole
inline constexpr uint16_t kKnownFlags = kFlagLeaving | kFlagDrained | kFlagSynced;
inline constexpr uint16_t kMaxCpuCentiPercent = 10000;
// [timers] heartbeat-port default: the orchestrators listen for heartbeats on this UDP port.
inline constexpr uint16_t kDefaultHeartbeatPort = 8117;

// What a member reports about its load.
struct Load {
  uint16_t cpu_centipercent = 0;  // 0..10000 = 0.00..100.00 %
  uint64_t bps = 0;               // throughput through the member, bits/s
  uint32_t connections = 0;       // established connections it owns
  double cpu_percent() const { return cpu_centipercent / 100.0; }
  friend bool operator==(const Load&, const Load&) = default;
};

struct Heartbeat {
  MemberId member{};
  uint16_t flags = 0;
  uint32_t incarnation = 0;
  uint32_t sequence = 0;
  Load load{};
  bool leaving() const { return flags & kFlagLeaving; }
  friend bool operator==(const Heartbeat&, const Heartbeat&) = default;
};

enum class HeartbeatReject : uint8_t {
  kLength,    // not exactly 40 bytes
  kMagic,     // not a Conductor heartbeat
  kVersion,   // a version this build does not read
  kType,      // unknown message type
  kMember,    // site or member out of range
  kFlags,     // unknown flag bits set
  kCpu,       // cpu above 100.00 %
  kReserved,  // reserved bytes not zero
  kTag,       // authentication tag does not match the key
};
inline constexpr size_t kHeartbeatRejectCount = 9;
std::string_view heartbeat_reject_name(HeartbeatReject r);

struct HeartbeatError {
  HeartbeatReject reason = HeartbeatReject::kLength;
  std::string message;  // one line, names the field and the bad value

  operator Error() const { return make_error(Errc::kCorrupt, message); }
};

// Encodes `hb` (fields must be in range: member in range, cpu <= 10000, only known flags).
std::array<uint8_t, kHeartbeatBytes> encode_heartbeat(const Heartbeat& hb, const sync::SipKey& key);

// Decodes and authenticates one datagram. Checks run in the order of HeartbeatReject, so the
// cheapest structural checks come first and the tag last.
using HeartbeatDecodeResult = Expected<Heartbeat, HeartbeatError>;  // host/common/status.hpp
HeartbeatDecodeResult decode_heartbeat(std::span<const uint8_t> bytes, const sync::SipKey& key);

}  // namespace conductor::cluster
