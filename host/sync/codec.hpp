// HyperSync frames (docs/hypersync.md): encoding, and decoding with every receive check, as pure
// functions over bytes (docs/architecture.md rule 4: no sockets, no clock). C++17.
//
//   encode_frame(header, records, key)            -> the UDP payload (sync header, records, tag)
//   encode_udp_packet(header, records, key, l2l3) -> the same behind Ethernet/IPv4|IPv6/UDP 8116
//   decode_frame(bytes, keys, replay, membership) -> DecodedFrame, or a SyncReject with a reason
//   Receiver                                       -> decode_frame + a counter per reason + a log line
//
// Receive checks, in order (each failure is its own SyncRxError and counter):
//   kTruncated       shorter than header + tag
//   kBadMagic        bytes 0..1 are not 0x4853
//   kBadVersion      major version is not 1 (any minor is accepted: see the version rules)
//   kLengthMismatch  records-bytes disagrees with the payload size
//   kUnknownCluster  cluster id is not ours
//   kUnknownMember   the source is not a member of the cluster (or is ourselves)
//   kWrongDestination the destination is neither us nor broadcast
//   kUnknownKey      no key is installed in the frame's key slot
//   kBadTag          the SipHash-2-4 tag does not match (unauthenticated)
//   kOldEpoch        the source's epoch is older than one already accepted
//   kReplayed        the sequence number was seen, or is older than the 64-frame window
//   kBadRecordLength a record's length is below its type's size (or below 2) or runs past the end
//   kUnknownRecordType a "must understand" type (bit 7 set) that this version does not know
//   kRecordCountMismatch the records do not number record-count
// The replay window moves only when the whole frame is accepted.
#pragma once

#include <array>
#include <bitset>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "common/hypersync_wire.hpp"
#include "common/siphash.hpp"
#include "host/common/status.hpp"

namespace conductor::sync {

// ---- Content -------------------------------------------------------------------------------------

// The canonical key in FLOW_ENTRY's layout and order (docs/flow_table.md "Key and value"); the codec
// carries it as given. An IPv4 address uses bytes [0..3] (network order), the rest stay zero.
struct FlowKey {
  bool is_ipv6 = false;
  std::array<uint8_t, 16> a_addr{};
  std::array<uint8_t, 16> b_addr{};
  uint16_t a_port = 0;
  uint16_t b_port = 0;
  uint8_t proto = 0;
  uint8_t sg_id = 0;

  friend bool operator==(const FlowKey& x, const FlowKey& y) {
    return x.is_ipv6 == y.is_ipv6 && x.a_addr == y.a_addr && x.b_addr == y.b_addr && x.a_port == y.a_port &&
           x.b_port == y.b_port && x.proto == y.proto && x.sg_id == y.sg_id;
  }
};

// FLOW_VALUE (rtl/csr/conductor.regs) as one 64-bit word, and its fields.
struct FlowValueFields {
  unsigned owner_member = 0, owner_site = 0;
  unsigned lb_member = 0, lb_valid = 0;
  unsigned rb_member = 0, rb_site = 0, rb_valid = 0;
  unsigned state = 0, sync_flags = 0;
  uint32_t last_seen = 0;
};
uint64_t pack_flow_value(const FlowValueFields& f);
FlowValueFields unpack_flow_value(uint64_t word);

// One record. Which fields mean something depends on `type`:
//   kNew*/kUpdate*: key, value        kDelete*: key
//   kFullSyncBegin/End: session, count (Begin: entries to come; End: entries sent)
//   kAck/kNack: epoch, first_seq, last_seq (the acknowledged / missing range, inclusive)
//   kHeartbeat: first_seq = the highest sequence sent to this destination in this epoch
// `extension` holds bytes after the v1.0 fields (a later minor version's), or the whole body of a
// record whose type this version does not know (skippable types only); both are kept so that a
// decoded frame re-encodes to the same bytes.
struct Record {
  RecordType type = RecordType::kNewV4;
  FlowKey key;
  uint64_t value = 0;
  uint32_t session = 0;
  uint32_t count = 0;
  uint32_t epoch = 0;
  uint32_t first_seq = 0;
  uint32_t last_seq = 0;
  std::vector<uint8_t> extension;

  friend bool operator==(const Record& x, const Record& y) {
    return x.type == y.type && x.key == y.key && x.value == y.value && x.session == y.session && x.count == y.count &&
           x.epoch == y.epoch && x.first_seq == y.first_seq && x.last_seq == y.last_seq && x.extension == y.extension;
  }
};

// Convenience constructors (IPv4 keys: the address as a host-order uint32_t, 198.18.0.1 = 0xC6120001).
FlowKey key_v4(uint32_t a_addr, uint32_t b_addr, uint16_t a_port, uint16_t b_port, uint8_t proto, uint8_t sg_id = 0);
FlowKey key_v6(const std::array<uint8_t, 16>& a_addr, const std::array<uint8_t, 16>& b_addr, uint16_t a_port,
               uint16_t b_port, uint8_t proto, uint8_t sg_id = 0);
Record new_record(const FlowKey& key, uint64_t value);     // kNewV4 / kNewV6 by the key's family
Record update_record(const FlowKey& key, uint64_t value);  // kUpdateV4 / kUpdateV6
Record delete_record(const FlowKey& key);                  // kDeleteV4 / kDeleteV6
Record full_sync_begin(uint32_t session, uint32_t entries);
Record full_sync_end(uint32_t session, uint32_t entries);
Record ack_record(uint32_t epoch, uint32_t first_seq, uint32_t last_seq);
Record nack_record(uint32_t epoch, uint32_t first_seq, uint32_t last_seq);
Record heartbeat_record(uint32_t highest_seq);

// The header fields a sender chooses (record count and records-bytes are derived).
struct FrameHeader {
  uint8_t version_minor = kVersionMinor;  // 0..15
  uint8_t flags = 0;                      // kFlag* and reserved bits 3..5 (bits 0..5)
  uint8_t key_number = 0;                 // 0..3
  uint16_t cluster_id = 0;
  uint8_t source = 0;                // member_byte()
  uint8_t destination = kBroadcast;  // member_byte() or kBroadcast
  uint32_t epoch = 0;
  uint32_t sequence = 0;

  friend bool operator==(const FrameHeader& x, const FrameHeader& y) {
    return x.version_minor == y.version_minor && x.flags == y.flags && x.key_number == y.key_number &&
           x.cluster_id == y.cluster_id && x.source == y.source && x.destination == y.destination &&
           x.epoch == y.epoch && x.sequence == y.sequence;
  }
};

// The encoded size of a record (its v1.0 size plus its extension).
size_t encoded_size(const Record& r);

// ---- Send ----------------------------------------------------------------------------------------

// Fails (kInvalidArgument) on a key number above 3, a minor version above 15, flags with bits 6..7,
// a member byte with bit 7 set, a record longer than 255 bytes, a record whose key family disagrees
// with its type, an unknown type with bit 7 set, more than 65535 records or records bytes.
Expected<std::vector<uint8_t>> encode_frame(const FrameHeader& header, const std::vector<Record>& records,
                                            const SipKey& key);

// Ethernet II + IPv4 (or IPv6) + UDP around the payload, with the IPv4 header checksum and the UDP
// checksum filled in (RFC 768 / RFC 8200 §8.1 pseudo-headers).
struct UdpEncap {
  std::array<uint8_t, 6> dst_mac{};
  std::array<uint8_t, 6> src_mac{};
  bool ipv6 = false;
  std::array<uint8_t, 16> src_ip{};  // IPv4 in bytes [0..3]
  std::array<uint8_t, 16> dst_ip{};
  uint16_t src_port = kUdpPort;
  uint16_t dst_port = kUdpPort;
  uint8_t ttl = 64;    // TTL / Hop Limit
  uint8_t dscp = 48;   // CS6 (network control), as cluster-control traffic
  uint16_t ip_id = 0;  // IPv4 identification (DF is set)
};
Expected<std::vector<uint8_t>> encode_udp_packet(const FrameHeader& header, const std::vector<Record>& records,
                                                 const SipKey& key, const UdpEncap& encap);

// Split records into as few frames as the payload limit allows, in order (a record never straddles).
std::vector<std::vector<Record>> batch_records(const std::vector<Record>& records, size_t max_payload);

// ---- Receive -------------------------------------------------------------------------------------

// The §8 checks (hls/common/hypersync_wire.hpp, shared with the sync_decoder kernel); the codec
// rejects with the first kSyncRxErrorCount of them, never kNotSync or kNone.
using SyncRxError = RxCheck;
inline constexpr size_t kSyncRxErrorCount = kRxChecks;
std::string_view sync_rx_error_name(SyncRxError e);

struct SyncReject {
  SyncRxError reason = SyncRxError::kTruncated;
  std::string message;  // one line: what was wrong, with the offending values

  operator Error() const { return make_error(Errc::kCorrupt, message); }
};

// Either a T or a SyncReject: status.hpp's Expected with a reason code for counters
// (result.error().reason); the reject converts to the project's Error (code kCorrupt).
template <class T>
using SyncResult = Expected<T, SyncReject>;

// Who we are and who may send to us.
struct Membership {
  uint16_t cluster_id = 0;
  uint8_t self = 0;          // our member byte
  std::bitset<128> members;  // member bytes (site << 6 | member) of the cluster, self included

  void add(uint8_t member) { members.set(member & 0x7F); }
  bool contains(uint8_t member) const { return member < 0x80 && members.test(member); }
};

// Keys by key number (the flags' bits 6..7); an empty slot rejects frames that name it.
struct KeyRing {
  std::array<std::optional<SipKey>, kKeySlots> slots;

  // A ring holding `key` in `slot` only (a slot above 3 gives an empty ring). Built by emplace() in
  // a loop on purpose: with GCC 12.2 at -O2, `ring.slots[variable] = key` on a local ring that is
  // then returned was seen to leave the slot empty (every frame rejected as unknown-key).
  static KeyRing single(size_t slot, const SipKey& key) {
    KeyRing k{};
    for (size_t i = 0; i < kKeySlots; ++i) {
      if (i == slot) k.slots[i].emplace(key);
    }
    return k;
  }
};

// Anti-replay state per (source, destination kind): the newest epoch, the highest sequence accepted
// in it and a 64-frame window below it (RFC 4303 §3.4.3 style).
class ReplayState {
 public:
  static constexpr unsigned kWindow = 64;
  struct Window {
    bool valid = false;
    uint32_t epoch = 0;
    uint32_t highest = 0;
    uint64_t seen = 0;  // bit i: highest - i was accepted
  };
  // nullopt when (epoch, sequence) may be accepted; does not change the state.
  std::optional<SyncRxError> check(uint8_t source, bool broadcast, uint32_t epoch, uint32_t sequence) const;
  void commit(uint8_t source, bool broadcast, uint32_t epoch, uint32_t sequence);
  const Window& window(uint8_t source, bool broadcast) const { return w_[index(source, broadcast)]; }

 private:
  static size_t index(uint8_t source, bool broadcast) { return (source & 0x7F) | (broadcast ? 0x80 : 0); }
  std::array<Window, 256> w_{};
};

struct DecodedFrame {
  FrameHeader header;
  std::vector<Record> records;
  size_t skipped_records = 0;  // records of skippable types this version does not know
};

// All the checks above; on success the replay window has moved.
SyncResult<DecodedFrame> decode_frame(const uint8_t* data, size_t size, const KeyRing& keys, ReplayState& replay,
                                      const Membership& membership);
inline SyncResult<DecodedFrame> decode_frame(const std::vector<uint8_t>& bytes, const KeyRing& keys,
                                             ReplayState& replay, const Membership& membership) {
  return decode_frame(bytes.data(), bytes.size(), keys, replay, membership);
}

// decode_frame with a counter per reject reason and one log line per reject:
//   "hypersync: drop frame (<reason>): <message>"
struct RxCounters {
  uint64_t accepted = 0;
  uint64_t records = 0;
  uint64_t skipped_records = 0;
  std::array<uint64_t, kSyncRxErrorCount> rejected{};
  uint64_t rejects(SyncRxError e) const { return rejected[static_cast<size_t>(e)]; }
};

class Receiver {
 public:
  using LogSink = std::function<void(std::string_view line)>;
  Receiver(Membership membership, KeyRing keys, LogSink log = {});

  SyncResult<DecodedFrame> receive(const uint8_t* data, size_t size);
  SyncResult<DecodedFrame> receive(const std::vector<uint8_t>& bytes) { return receive(bytes.data(), bytes.size()); }

  const RxCounters& counters() const { return counters_; }
  const ReplayState& replay() const { return replay_; }
  void set_key(size_t slot, std::optional<SipKey> key) { keys_.slots.at(slot) = key; }

 private:
  Membership membership_;
  KeyRing keys_;
  LogSink log_;
  ReplayState replay_;
  RxCounters counters_;
};

}  // namespace conductor::sync
