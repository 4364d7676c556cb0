// C++17. The sync_decoder kernel's core: HyperSync frames in (Ethernet II + IPv4 + UDP 8116 + sync
// payload), FLOW_OP words out (docs/hypersync.md for the wire format, docs/sync_decoder.md for the
// kernel).
//
//   SyncDecoderConfig    the register values of block sync_decoder (rtl/csr/conductor.regs)
//   SyncDecoderCounters  its counters; rejects[] in the order of Reject
//   Reject               the receive checks of docs/hypersync.md §8, in their order (the same order
//                        as host/sync's SyncRxError, which tests/sync_decoder asserts), plus kNotSync
//   SyncDecoderCore<M>   the decoder: fixed storage, no allocation, MaxMtu M. It is the golden model
//                        every test and the RTL co-simulation score against.
//
// Contract (what the RTL does; it makes the model exact without being cycle-driven): a frame is
// judged as a whole once its last beat is in. Not IPv4 (version 4, IHL 5, not a fragment) / UDP /
// destination port 8116, IP or UDP lengths inconsistent with the frame, or longer than 14 + MaxMtu:
// kNotSync. Otherwise the payload goes through the §8 checks in order; the first that fails names
// the reject and the frame changes nothing but that counter. An accepted frame moves its replay
// window, then its records are applied in order: NEW/UPDATE -> one UPSERT op, DELETE -> one DELETE
// op, control records (FULL_SYNC_BEGIN/END, ACK, NACK, HEARTBEAT) counted, no op; unknown types
// with bit 7 clear skipped by their length and counted. So the ops and counters depend only on the
// frames and their order: receive(frame) in input order gives exactly the RTL's op stream.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "common/ap_shim.hpp"
#include "common/gen/conductor_regs.hpp"
#include "common/hls_stream_shim.hpp"
#include "common/hypersync_wire.hpp"
#include "common/siphash.hpp"

namespace conductor::sync_decoder {

inline constexpr unsigned kKeySlots = sync::kKeySlots;            // KEY0..3
inline constexpr unsigned kRejects = regs::SYNC_DECODER_REJECTS;  // TRUNCATED .. RECORD_COUNT_MISMATCH
inline constexpr unsigned kWindow = regs::SYNC_REPLAY_WINDOW;     // 64 frames
inline constexpr unsigned kPayloadAt = 42;                        // frame byte of the sync header (14 + 20 + 8)
inline constexpr unsigned kRecordsAt = 62;                        // frame byte of the first record
inline constexpr unsigned kMinFrame = 42;                         // Ethernet + IPv4 + UDP headers
inline constexpr unsigned kRoundsPerClock = 1;                    // the default RTL build (GEOMETRY.ROUNDS)

// The receive checks in order (docs/hypersync.md §8, the host codec's list); kNotSync (counter
// NOT_SYNC) is checked before all of them, kNone is an accepted frame.
using Reject = sync::RxCheck;
static_assert(static_cast<unsigned>(Reject::kRecordCountMismatch) + 1 == kRejects, "one counter per §8 reason");

// The register values of block sync_decoder.
struct SyncDecoderConfig {
  uint16_t cluster_id = 0;
  uint8_t self = 0;                   // our member byte
  std::array<uint32_t, 4> members{};  // bit i of word w: member byte 32w + i is a member
  struct Key {
    bool valid = false;
    std::array<uint8_t, 16> key{};  // SipHash key bytes (sync::SipKey)
  };
  std::array<Key, kKeySlots> keys{};

  void add_member(uint8_t m) { members[(m >> 5) & 3] |= 1u << (m & 31); }
  bool is_member(uint8_t m) const { return m < 0x80 && ((members[m >> 5] >> (m & 31)) & 1u); }
};

struct SyncDecoderCounters {
  uint32_t frames = 0, records = 0, skipped = 0, control = 0, ops = 0, not_sync = 0;
  std::array<uint32_t, kRejects> rejects{};
  uint32_t reject(Reject r) const { return rejects[static_cast<unsigned>(r)]; }
};

inline bool operator==(const SyncDecoderCounters& a, const SyncDecoderCounters& b) {
  return a.frames == b.frames && a.records == b.records && a.skipped == b.skipped && a.control == b.control &&
         a.ops == b.ops && a.not_sync == b.not_sync && a.rejects == b.rejects;
}

// One replay window (docs/hypersync.md §4), per (source, destination kind).
struct ReplayWindow {
  bool valid = false;
  uint32_t epoch = 0;
  uint32_t highest = 0;
  uint64_t seen = 0;  // bit i: highest - i was accepted
};

// FLOW_OP (rtl/csr/conductor.regs) of one flow record. KEY in FLOW_KEY's layout: SRC = the record's
// A endpoint, DST = B (the flow table canonicalises either order), IP_VALID and L4_VALID set, IS_FRAG
// clear; VALUE = the record's FLOW_VALUE (0 for DELETE), TIME = its LAST_SEEN, TAG = source member
// byte in bits 7:0, the frame's FULL_SYNC flag in bit 8, broadcast destination in bit 9.
inline constexpr unsigned kTagFullSyncBit = 8;
inline constexpr unsigned kTagBroadcastBit = 9;
using OpWord = ap_uint<regs::FLOW_OP_BITS>;

namespace detail {
inline uint32_t get16(const uint8_t* p) { return (uint32_t{p[0]} << 8) | p[1]; }
inline uint32_t get32(const uint8_t* p) { return (get16(p) << 16) | get16(p + 2); }
inline uint64_t get64(const uint8_t* p) { return (uint64_t{get32(p)} << 32) | get32(p + 4); }
template <int W>
inline void put_bits(ap_uint<W>& w, unsigned lsb, unsigned width, uint64_t v) {
  w.range(lsb + width - 1, lsb) = ap_uint<64>(v);
}
// The v1.0 size of a known record type, 0 for an unknown one.
inline unsigned known_bytes(uint8_t t) {
  return static_cast<unsigned>(sync::record_bytes(static_cast<sync::RecordType>(t)));
}
}  // namespace detail

// The op of a flow record at `r` (type, length, key, [value]); `tag` is its TAG.
inline OpWord make_op(const uint8_t* r, uint32_t tag) {
  using namespace regs;
  using detail::put_bits;
  const uint8_t t = r[0];
  const bool v6 = (t & 0xF0) == 0x10;
  const bool del = (t & 0x0F) == 0x03;
  const unsigned n = v6 ? 16 : 4;
  const uint8_t* k = r + sync::kRecordHeadBytes;
  OpWord w = 0;
  for (unsigned i = 0; i < n; ++i) {
    put_bits(w, FLOW_OP_KEY_LSB + FLOW_KEY_SRC_ADDR_LSB + 8 * (n - 1 - i), 8, k[i]);
    put_bits(w, FLOW_OP_KEY_LSB + FLOW_KEY_DST_ADDR_LSB + 8 * (n - 1 - i), 8, k[n + i]);
  }
  put_bits(w, FLOW_OP_KEY_LSB + FLOW_KEY_SRC_PORT_LSB, 16, detail::get16(k + 2 * n));
  put_bits(w, FLOW_OP_KEY_LSB + FLOW_KEY_DST_PORT_LSB, 16, detail::get16(k + 2 * n + 2));
  put_bits(w, FLOW_OP_KEY_LSB + FLOW_KEY_PROTO_LSB, 8, k[2 * n + 4]);
  put_bits(w, FLOW_OP_KEY_LSB + FLOW_KEY_IS_IPV6_LSB, 1, v6 ? 1 : 0);
  put_bits(w, FLOW_OP_KEY_LSB + FLOW_KEY_L4_VALID_LSB, 1, 1);
  put_bits(w, FLOW_OP_KEY_LSB + FLOW_KEY_IP_VALID_LSB, 1, 1);
  put_bits(w, FLOW_OP_KEY_LSB + FLOW_KEY_SG_ID_LSB, 8, k[2 * n + 5]);
  const uint64_t value = del ? 0 : detail::get64(k + 2 * n + 6);
  put_bits(w, FLOW_OP_VALUE_LSB, 64, value);
  put_bits(w, FLOW_OP_TIME_LSB, 32, value >> 32);
  put_bits(w, FLOW_OP_TAG_LSB, FLOW_OP_TAG_WIDTH, tag);
  put_bits(w, FLOW_OP_OPCODE_LSB, FLOW_OP_OPCODE_WIDTH,
           static_cast<uint64_t>(del ? FlowOpOpcode::kDelete : FlowOpOpcode::kUpsert));
  return w;
}

template <unsigned MaxMtu = regs::SYNC_DECODER_MAX_MTU>
class SyncDecoderCore {
  static_assert(MaxMtu >= 128 && MaxMtu <= 65535, "MaxMtu in [128, 65535]");

 public:
  static constexpr unsigned kMaxFrameBytes = 14 + MaxMtu;
  // Ops of one frame at most: its records bytes (MTU - 56) in the smallest flow records (16 bytes).
  static constexpr unsigned kMaxOps = (MaxMtu - 56) / sync::kDeleteV4Bytes;

  void configure(const SyncDecoderConfig& c) { cfg_ = c; }
  const SyncDecoderConfig& config() const { return cfg_; }
  const SyncDecoderCounters& counters() const { return cnt_; }
  void clear_counters() { cnt_ = SyncDecoderCounters{}; }
  void clear_replay() {
    for (auto& w : win_) w = ReplayWindow{};
  }
  const ReplayWindow& window(uint8_t source, bool broadcast) const { return win_[index(source, broadcast)]; }

  // One whole frame (Ethernet header first) of `len` bytes. Returns the verdict; an accepted
  // frame's ops are queued (op_ready / op / pop_op), the previous frame's must be taken first.
  Reject receive(const uint8_t* f, unsigned len) {
    n_ops_ = 0;
    op_head_ = 0;
    const Reject r = judge(f, len);
    if (r == Reject::kNotSync)
      ++cnt_.not_sync;
    else if (r != Reject::kNone)
      ++cnt_.rejects[static_cast<unsigned>(r)];
    else
      apply(f);
    return r;
  }

  bool op_ready() const { return op_head_ < n_ops_; }
  const OpWord& op() const { return ops_[op_head_]; }
  void pop_op() { ++op_head_; }

 private:
  static unsigned index(uint8_t source, bool broadcast) { return (source & 0x7Fu) | (broadcast ? 0x80u : 0u); }

  // The first check the frame fails, kNone when it passes all; changes nothing.
  Reject judge(const uint8_t* f, unsigned len) const {
    using detail::get16;
    using detail::get32;
    // Encapsulation: Ethernet II, IPv4 without options and not fragmented, UDP to port 8116.
    if (len < kMinFrame || len > kMaxFrameBytes) return Reject::kNotSync;
    if (get16(f + 12) != 0x0800 || f[14] != 0x45 || (f[20] & 0x3F) != 0 || f[21] != 0 || f[23] != 17)
      return Reject::kNotSync;
    const unsigned ip_total = get16(f + 16);
    if (ip_total < 28 || 14 + ip_total > len) return Reject::kNotSync;
    if (get16(f + 36) != sync::kUdpPort || get16(f + 38) != ip_total - 20) return Reject::kNotSync;
    const unsigned payload = ip_total - 28;  // UDP length - 8
    const uint8_t* h = f + kPayloadAt;
    // §8, in order.
    if (payload < sync::kFrameOverheadBytes) return Reject::kTruncated;
    if (get16(h + sync::kOffMagic) != sync::kMagic) return Reject::kBadMagic;
    if ((h[sync::kOffVersion] >> 4) != sync::kVersionMajor) return Reject::kBadVersion;
    const unsigned rb = get16(h + sync::kOffRecordsBytes);
    if (rb + sync::kFrameOverheadBytes != payload) return Reject::kLengthMismatch;
    if (get16(h + sync::kOffCluster) != cfg_.cluster_id) return Reject::kUnknownCluster;
    const uint8_t src = h[sync::kOffSource];
    if (!cfg_.is_member(src) || src == (cfg_.self & 0x7F)) return Reject::kUnknownMember;
    const uint8_t dst = h[sync::kOffDestination];
    const bool bcast = dst == sync::kBroadcast;
    if (!bcast && dst != (cfg_.self & 0x7F)) return Reject::kWrongDestination;
    const auto& slot = cfg_.keys[h[sync::kOffFlags] >> sync::kKeyNumberShift];
    if (!slot.valid) return Reject::kUnknownKey;
    const uint64_t tag = sync::siphash24(slot.key, h, sync::kHeaderBytes + rb);
    uint64_t got = 0;
    for (int i = 7; i >= 0; --i) got = (got << 8) | h[sync::kHeaderBytes + rb + i];
    if ((tag ^ got) != 0) return Reject::kBadTag;  // every bit compared: one 64-bit XOR, then OR
    const ReplayWindow& w = win_[index(src, bcast)];
    const uint32_t epoch = get32(h + sync::kOffEpoch), seq = get32(h + sync::kOffSequence);
    if (w.valid && epoch < w.epoch) return Reject::kOldEpoch;
    if (w.valid && epoch == w.epoch && seq <= w.highest) {
      const uint32_t back = w.highest - seq;
      if (back >= kWindow || ((w.seen >> back) & 1)) return Reject::kReplayed;
    }
    // The record walk (nothing applied yet).
    unsigned p = 0, n = 0;
    while (p < rb) {
      const unsigned left = rb - p;
      if (left < sync::kRecordHeadBytes) return Reject::kBadRecordLength;
      const uint8_t t = f[kRecordsAt + p];
      const unsigned rl = f[kRecordsAt + p + 1];
      if (rl < sync::kRecordHeadBytes || rl > left) return Reject::kBadRecordLength;
      const unsigned base = detail::known_bytes(t);
      if (base == 0 && (t & sync::kMustUnderstand)) return Reject::kUnknownRecordType;
      if (base != 0 && rl < base) return Reject::kBadRecordLength;
      p += rl;
      ++n;
    }
    if (n != get16(h + sync::kOffRecordCount)) return Reject::kRecordCountMismatch;
    return Reject::kNone;
  }

  // An accepted frame: the window moves, then every record is applied.
  void apply(const uint8_t* f) {
    using detail::get16;
    using detail::get32;
    const uint8_t* h = f + kPayloadAt;
    const uint8_t src = h[sync::kOffSource];
    const bool bcast = h[sync::kOffDestination] == sync::kBroadcast;
    const uint32_t epoch = get32(h + sync::kOffEpoch), seq = get32(h + sync::kOffSequence);
    ReplayWindow& w = win_[index(src, bcast)];
    if (!w.valid || epoch > w.epoch) {
      w = ReplayWindow{true, epoch, seq, 1};
    } else if (seq > w.highest) {
      const uint32_t shift = seq - w.highest;
      w.seen = shift >= kWindow ? 1 : ((w.seen << shift) | 1);
      w.highest = seq;
    } else {
      w.seen |= uint64_t{1} << (w.highest - seq);
    }
    ++cnt_.frames;
    const uint32_t tag = src | ((h[sync::kOffFlags] & sync::kFlagFullSync) ? 1u << kTagFullSyncBit : 0u) |
                         (bcast ? 1u << kTagBroadcastBit : 0u);
    const unsigned rb = get16(h + sync::kOffRecordsBytes);
    for (unsigned p = 0; p < rb;) {
      const uint8_t* r = f + kRecordsAt + p;
      const auto t = static_cast<sync::RecordType>(r[0]);
      if (detail::known_bytes(r[0]) == 0) {
        ++cnt_.skipped;
      } else if (sync::is_flow_record(t)) {
        ++cnt_.records;
        ++cnt_.ops;
        ops_[n_ops_++] = make_op(r, tag);
      } else {
        ++cnt_.records;
        ++cnt_.control;
      }
      p += r[1];
    }
  }

  SyncDecoderConfig cfg_{};
  SyncDecoderCounters cnt_{};
  std::array<ReplayWindow, 256> win_{};
  OpWord ops_[kMaxOps > 0 ? kMaxOps : 1];
  unsigned n_ops_ = 0, op_head_ = 0;
};

}  // namespace conductor::sync_decoder

// The HLS top (sync_decoder.cpp): one call is one clock of the free-running kernel (ap_ctrl_none):
// 512-bit frame beats on s_axis, FLOW_OP words on m_op, the configuration and the accepted-frame
// count on the s_axi_control port. In the global namespace so that `set_top sync_decoder_top` finds it.
struct SyncDecBeat {
  ap_uint<512> data;
  ap_uint<64> keep;
  bool last;
};
void sync_decoder_top(hls::stream<SyncDecBeat>& s_axis, hls::stream<ap_uint<512>>& m_op,
                      const conductor::sync_decoder::SyncDecoderConfig& config, uint64_t* frames_out);
