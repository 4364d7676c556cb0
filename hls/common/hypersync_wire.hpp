// HyperSync wire format v1.0 (docs/hypersync.md): constants and layouts, the one source for the
// sync_encoder kernel (hls/sync_encoder) and the host codec (host/sync), which includes it from here.
// C++17, no allocation, nothing from host/.
//
// UDP payload (every multi-byte field in network byte order, i.e. big-endian):
//
//   0       2       3       4               6       7       8
//   +-------+-------+-------+---------------+-------+-------+
//   | magic |version| flags |  cluster id   |source | dest  |     magic 0x4853 ("HS"),
//   +-------+-------+-------+---------------+-------+-------+     version major<<4 | minor
//   |            epoch (32)         |        sequence (32)  |     8..15
//   +---------------+---------------+-----------------------+
//   | record count  | records bytes |                             16..19
//   +---------------+---------------+
//   | records (records-bytes bytes) ...                     |
//   +-------------------------------------------------------+
//   | tag: SipHash-2-4 over bytes 0 .. 20+records-bytes-1   |     8 bytes (reference output order)
//   +-------------------------------------------------------+
//
// Record: type (1), length (1, whole record in bytes, type and length included), body.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/gen/conductor_regs.hpp"

namespace conductor::sync {

// The numbers the RTL and the dissector share are const statements of rtl/csr/conductor.regs.
inline constexpr uint16_t kUdpPort = regs::SYNC_UDP_PORT;
inline constexpr uint16_t kMagic = regs::SYNC_MAGIC;  // "HS"
inline constexpr uint8_t kVersionMajor = regs::SYNC_VERSION_MAJOR;
inline constexpr uint8_t kVersionMinor = regs::SYNC_VERSION_MINOR;

inline constexpr size_t kHeaderBytes = regs::SYNC_HEADER_BYTES;
inline constexpr size_t kTagBytes = regs::SYNC_TAG_BYTES;
inline constexpr size_t kFrameOverheadBytes = kHeaderBytes + kTagBytes;  // 28 per UDP payload

// Header offsets.
inline constexpr size_t kOffMagic = 0;
inline constexpr size_t kOffVersion = 2;
inline constexpr size_t kOffFlags = 3;
inline constexpr size_t kOffCluster = 4;
inline constexpr size_t kOffSource = 6;
inline constexpr size_t kOffDestination = 7;
inline constexpr size_t kOffEpoch = 8;
inline constexpr size_t kOffSequence = 12;
inline constexpr size_t kOffRecordCount = 16;
inline constexpr size_t kOffRecordsBytes = 18;

// Flags byte: bits 0..2 defined, 3..5 reserved (sent 0, ignored, kept), 6..7 key number.
inline constexpr uint8_t kFlagRetransmit = 0x01;  // the frame is a resend (after a NACK)
inline constexpr uint8_t kFlagFullSync = 0x02;    // the records belong to a full sync
inline constexpr uint8_t kFlagAckRequest = 0x04;  // the receiver should ACK now
inline constexpr uint8_t kFlagBitsMask = 0x3F;
inline constexpr unsigned kKeyNumberShift = 6;  // 2-bit key number (MACsec AN style), 4 slots
inline constexpr size_t kKeySlots = 4;

// Member byte (source, destination): bits 5..0 member id, bit 6 site, bit 7 zero.
// 0xFF as destination: every member of the cluster (the frame is for all backups).
inline constexpr uint8_t kBroadcast = regs::SYNC_BROADCAST;
constexpr uint8_t member_byte(unsigned member, unsigned site) {
  return static_cast<uint8_t>((member & 0x3F) | ((site & 1u) << 6));
}

// Record types. Bit 7 set: "must understand" (a receiver that does not know the type rejects the
// frame); bit 7 clear: a receiver that does not know the type skips the record by its length.
enum class RecordType : uint8_t {
  kNewV4 = 0x01,
  kUpdateV4 = 0x02,
  kDeleteV4 = 0x03,
  kNewV6 = 0x11,
  kUpdateV6 = 0x12,
  kDeleteV6 = 0x13,
  kFullSyncBegin = 0x21,
  kFullSyncEnd = 0x22,
  kAck = 0x31,
  kNack = 0x32,
  kHeartbeat = 0x41,
};
inline constexpr uint8_t kMustUnderstand = 0x80;

inline constexpr size_t kRecordHeadBytes = 2;                   // type, length
inline constexpr size_t kKeyV4Bytes = 4 + 4 + 2 + 2 + 1 + 1;    // 14: A addr, B addr, A port, B port, proto, SG
inline constexpr size_t kKeyV6Bytes = 16 + 16 + 2 + 2 + 1 + 1;  // 38
inline constexpr size_t kValueBytes = 8;                        // FLOW_VALUE, one big-endian 64-bit word

inline constexpr size_t kDeltaV4Bytes = kRecordHeadBytes + kKeyV4Bytes + kValueBytes;  // 24
inline constexpr size_t kDeleteV4Bytes = kRecordHeadBytes + kKeyV4Bytes;               // 16
inline constexpr size_t kDeltaV6Bytes = kRecordHeadBytes + kKeyV6Bytes + kValueBytes;  // 48
inline constexpr size_t kDeleteV6Bytes = kRecordHeadBytes + kKeyV6Bytes;               // 40
inline constexpr size_t kFullSyncBytes = kRecordHeadBytes + 4 + 4;                     // 10: session, count
inline constexpr size_t kAckBytes = kRecordHeadBytes + 4 + 4 + 4;                      // 14: epoch, first, last
inline constexpr size_t kHeartbeatBytes = kRecordHeadBytes + 4;                        // 6: highest sequence
inline constexpr size_t kMaxRecordBytes = 255;

static_assert(kDeltaV4Bytes <= 32, "issue 4: an IPv4 delta record is at most 32 bytes");
static_assert(kValueBytes * 8 == regs::FLOW_VALUE_BITS, "the value is FLOW_VALUE verbatim");

// The fixed (v1.0) size of a known type, 0 for an unknown one.
constexpr size_t record_bytes(RecordType t) {
  switch (t) {
    case RecordType::kNewV4:
    case RecordType::kUpdateV4:
      return kDeltaV4Bytes;
    case RecordType::kDeleteV4:
      return kDeleteV4Bytes;
    case RecordType::kNewV6:
    case RecordType::kUpdateV6:
      return kDeltaV6Bytes;
    case RecordType::kDeleteV6:
      return kDeleteV6Bytes;
    case RecordType::kFullSyncBegin:
    case RecordType::kFullSyncEnd:
      return kFullSyncBytes;
    case RecordType::kAck:
    case RecordType::kNack:
      return kAckBytes;
    case RecordType::kHeartbeat:
      return kHeartbeatBytes;
  }
  return 0;
}

// A flow record (NEW, UPDATE or DELETE of a connection, IPv4 or IPv6), not a control record.
constexpr bool is_flow_record(RecordType t) {
  switch (t) {
    case RecordType::kNewV4:
    case RecordType::kUpdateV4:
    case RecordType::kDeleteV4:
    case RecordType::kNewV6:
    case RecordType::kUpdateV6:
    case RecordType::kDeleteV6:
      return true;
    default:
      return false;
  }
}

// Encapsulation.
inline constexpr size_t kEthernetBytes = 14;
inline constexpr size_t kIpv4HeaderBytes = 20;
inline constexpr size_t kIpv6HeaderBytes = 40;
inline constexpr size_t kUdpHeaderBytes = 8;
inline constexpr size_t kDefaultMtu = 1500;

// Largest UDP payload (sync header + records + tag) for an IP MTU.
constexpr size_t max_payload_for_mtu(size_t mtu, bool ipv6_transport) {
  const size_t ip = ipv6_transport ? kIpv6HeaderBytes : kIpv4HeaderBytes;
  return mtu > ip + kUdpHeaderBytes ? mtu - ip - kUdpHeaderBytes : 0;
}
// How many records of `record_size` bytes fit one frame at that MTU.
constexpr size_t records_per_frame(size_t mtu, bool ipv6_transport, size_t record_size) {
  const size_t p = max_payload_for_mtu(mtu, ipv6_transport);
  return p > kFrameOverheadBytes ? (p - kFrameOverheadBytes) / record_size : 0;
}
static_assert(records_per_frame(kDefaultMtu, false, kDeltaV4Bytes) == 60, "docs/hypersync.md byte table");

// The receive checks of docs/hypersync.md §8, in their order: one list for the host codec
// (host/sync: SyncRxError) and the sync_decoder kernel (hls/sync_decoder: Reject, one counter each,
// TRUNCATED .. RECORD_COUNT_MISMATCH of block sync_decoder). The kernel also says kNotSync (not an
// IPv4/UDP 8116 frame, checked before all of them) and kNone (accepted); the codec never does.
enum class RxCheck : uint8_t {
  kTruncated,
  kBadMagic,
  kBadVersion,
  kLengthMismatch,
  kUnknownCluster,
  kUnknownMember,
  kWrongDestination,
  kUnknownKey,
  kBadTag,
  kOldEpoch,
  kReplayed,
  kBadRecordLength,
  kUnknownRecordType,
  kRecordCountMismatch,
  kNotSync,
  kNone,
};
inline constexpr size_t kRxChecks = static_cast<size_t>(RxCheck::kRecordCountMismatch) + 1;  // the §8 checks

}  // namespace conductor::sync
