// Member sync health report wire format v1 (docs/cluster.md, "Sync report"). Pure: bytes in, a
// report or a reject with its reason out. A member agent that runs HyperSync sends one report to
// each orchestrator along with every heartbeat (same socket, same [timers] heartbeat-port); it tells
// per peer what the heartbeat's single SYNCED flag sums up. conductord tells it from a heartbeat by
// its magic (0x4353 "CS" against the heartbeat's 0x4342 "CB") before decode_heartbeat runs.
//
// Layout (24 + 48 * N bytes; multi-byte fields big-endian, the tag little-endian as SipHash's
// reference output):
//   off size field
//   0   2    magic 0x4353 ("CS", Conductor Sync)
//   2   1    version = 1
//   3   1    N: peer entries, 0..127
//   4   1    site (0..1)
//   5   1    member (0..63)
//   6   2    reserved, zero
//   8   4    incarnation: the heartbeat's (chosen at agent start)
//   12  4    sequence: the heartbeat's it goes with
//   16  48*N peer entries, ascending by peer, no duplicates, never the member itself:
//            +0  1  peer site (0..1)
//            +1  1  peer member (0..63)
//            +2  1  flags: bit 0 WHOLE (our Session for this peer has committed a full sync of the
//                   peer's current epoch), bit 1 FULL_SYNC_OUT (a full sync is being sent to the
//                   peer); other bits must be zero
//            +3  1  reserved, zero
//            +4  4  lag, microseconds: age of the oldest frame sent to the peer and not yet
//                   acknowledged (0: everything acknowledged; saturates at 0xffffffff)
//            +8  8  frames sent to the peer (SenderStats::frames)
//            +16 8  records sent to the peer (SenderStats NEW + UPDATE + DELETE records)
//            +24 8  frames accepted from the peer (SessionStats::frames)
//            +32 4  records held from the peer (BackupStore::size)
//            +36 4  unacknowledged frames kept for resending (Sender::kept_frames)
//            +40 8  frames from the peer rejected by the decoder (sum of RxCounters::rejected)
//   16+48N 8  SipHash-2-4 tag over bytes 0..16+48N-1 under the cluster's [sync] key
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/siphash.hpp"
#include "host/alloc/bucket_allocator.hpp"  // MemberId
#include "host/common/status.hpp"

namespace conductor::cluster {

inline constexpr uint16_t kSyncReportMagic = 0x4353;
inline constexpr uint8_t kSyncReportVersion = 1;
inline constexpr size_t kSyncReportHeaderBytes = 16;
inline constexpr size_t kSyncReportPeerBytes = 48;
inline constexpr size_t kSyncReportTagBytes = 8;
inline constexpr size_t kSyncReportMaxPeers = 127;
inline constexpr size_t kSyncReportMinBytes = kSyncReportHeaderBytes + kSyncReportTagBytes;
inline constexpr size_t kSyncReportMaxBytes = kSyncReportMinBytes + kSyncReportMaxPeers * kSyncReportPeerBytes;
inline constexpr uint8_t kPeerWhole = 0x01;
inline constexpr uint8_t kPeerFullSyncOut = 0x02;
inline constexpr uint8_t kPeerKnownFlags = kPeerWhole | kPeerFullSyncOut;

// Bytes of a report with `peers` entries.
constexpr size_t sync_report_bytes(size_t peers) { return kSyncReportMinBytes + peers * kSyncReportPeerBytes; }
// The first two bytes are a sync report's magic (the datagram is not a heartbeat).
inline bool is_sync_report(std::span<const uint8_t> bytes) {
  return bytes.size() >= 2 && (bytes[0] << 8 | bytes[1]) == kSyncReportMagic;
}

// One peer as the reporting member sees it.
struct PeerSyncHealth {
  MemberId peer{};
  uint8_t flags = 0;
  uint32_t lag_us = 0;
  uint64_t frames_sent = 0;
  uint64_t records_sent = 0;
  uint64_t frames_received = 0;
  uint32_t records_held = 0;
  uint32_t unacked = 0;
  uint64_t rejects = 0;
  bool whole() const { return flags & kPeerWhole; }
  friend bool operator==(const PeerSyncHealth&, const PeerSyncHealth&) = default;
};

struct SyncReport {
  MemberId member{};
  uint32_t incarnation = 0;
  uint32_t sequence = 0;
  std::vector<PeerSyncHealth> peers;  // ascending by peer
  friend bool operator==(const SyncReport&, const SyncReport&) = default;
};

enum class SyncReportReject : uint8_t {
  kLength,    // shorter than a report without peers, or not 24 + 48 * N bytes
  kMagic,     // not a Conductor sync report
  kVersion,   // a version this build does not read
  kCount,     // more than 127 peer entries
  kMember,    // reporting site or member out of range
  kReserved,  // a reserved byte (header or entry) not zero
  kPeer,      // a peer out of range, the member itself, or not ascending (duplicate)
  kFlags,     // unknown peer flag bits set
  kTag,       // authentication tag does not match the key
};
inline constexpr size_t kSyncReportRejectCount = 9;
std::string_view sync_report_reject_name(SyncReportReject r);

struct SyncReportError {
  SyncReportReject reason = SyncReportReject::kLength;
  std::string message;  // one line, names the field and the bad value

  operator Error() const { return make_error(Errc::kCorrupt, message); }
};

// Encodes `r`: peers must be at most 127, in range, ascending, not the member itself, with only
// known flags (what decode accepts); the caller sorts and clamps.
std::vector<uint8_t> encode_sync_report(const SyncReport& r, const sync::SipKey& key);

// Decodes and authenticates one datagram. Checks run in the order of SyncReportReject (the length
// twice: the fixed part first, the total once N is known), the tag last.
using SyncReportDecodeResult = Expected<SyncReport, SyncReportError>;
SyncReportDecodeResult decode_sync_report(std::span<const uint8_t> bytes, const sync::SipKey& key);

}  // namespace conductor::cluster
