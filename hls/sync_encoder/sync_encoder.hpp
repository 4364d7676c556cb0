// C++17. The sync_encoder kernel's core: SYNC_RECORD words in, HyperSync frames out
// (docs/hypersync.md for the wire format, docs/sync_encoder.md for the kernel).
//
//   SyncRecord           the SYNC_RECORD input word as a struct, pack() / unpack_sync_record()
//   SyncEncoderConfig    the register values of block sync_encoder (rtl/csr/conductor.regs)
//   SyncEncoderCore<M>   the frame builder: fixed storage, no allocation, MaxMtu M. It is the golden
//                        model every test and the RTL co-simulation score against.
//
// Timing contract (what the RTL does, and what makes the model exact without being cycle-driven):
// a record accepted at clock t joins the open frame when it is not dropped, names the open frame's
// destination, fits the MTU and t - t0 < FLUSH_CYCLES (t0: the clock the frame's first record was
// accepted); otherwise the open frame closes and the record opens the next one. An open frame also
// closes on its own at t0 + FLUSH_CYCLES, and right after a record that leaves less room than the
// smallest record (16 bytes). So the frames depend only on the records and the clocks
// at which they were accepted: accept(record, t) in handshake order gives exactly the RTL's frames.
// The RTL stamps each record with its handshake clock and decides on the stamps a few clocks later
// in its pipeline, so these are its frames even when a record waits there for a buffer.
// tick(t) closes a frame whose time is up (the RTL closes it at that clock, or once the records
// on their way are in; the bytes are the same whenever the model does it, as long as it is before
// the next accept).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "common/ap_shim.hpp"
#include "common/gen/conductor_regs.hpp"
#include "common/hls_stream_shim.hpp"
#include "common/hypersync_wire.hpp"
#include "common/siphash.hpp"

namespace conductor::sync_encoder {

inline constexpr unsigned kDestSlots = regs::SYNC_ENCODER_DESTS;             // DEST0..3
inline constexpr unsigned kDelayClasses = regs::SYNC_ENCODER_DELAY_CLASSES;  // DELAY_PORT0..3
inline constexpr unsigned kMinMtu = regs::SYNC_ENCODER_MIN_MTU;              // MTU is clamped to [kMinMtu, MaxMtu]
inline constexpr unsigned kHeaderAt = 42;        // frame byte of the sync header (14 + 20 + 8)
inline constexpr unsigned kRecordsAt = 62;       // frame byte of the first record
inline constexpr unsigned kFrameOverhead = 70;   // frame bytes besides the records (62 + tag 8)
inline constexpr unsigned kRoundsPerClock = 1;   // SipRounds per clock of the default RTL build (GEOMETRY.ROUNDS)

using Op = regs::SyncRecordOp;  // SYNC_RECORD.OP (rtl/csr/conductor.regs)

// SYNC_RECORD. Addresses as in host/sync FlowKey: network order, IPv4 in bytes [0..3].
struct SyncRecord {
  Op op = Op::kNew;
  bool ipv6 = false;
  std::array<uint8_t, 16> a_addr{};
  std::array<uint8_t, 16> b_addr{};
  uint16_t a_port = 0;
  uint16_t b_port = 0;
  uint8_t proto = 0;
  uint8_t sg_id = 0;
  uint64_t value = 0;    // FLOW_VALUE
  uint8_t dest = 0;      // member byte
  uint32_t created = 0;  // ticks
  uint32_t now = 0;      // ticks
};

namespace detail {
template <int W>
inline void put_bits(ap_uint<W>& w, unsigned lsb, unsigned width, uint64_t v) {
  w.range(lsb + width - 1, lsb) = ap_uint<64>(v);
}
template <int W>
inline uint64_t get_bits(const ap_uint<W>& w, unsigned lsb, unsigned width) {
  return ap_uint<64>(w.range(lsb + width - 1, lsb)).to_uint64();
}
// An address field as a big-endian integer (first octet most significant; IPv4 in bits 31:0).
template <int W>
inline void put_addr(ap_uint<W>& w, unsigned lsb, const std::array<uint8_t, 16>& a, bool v6) {
  const unsigned n = v6 ? 16 : 4;
  for (unsigned i = 0; i < n; ++i) put_bits(w, lsb + 8 * (n - 1 - i), 8, a[i]);
}
template <int W>
inline std::array<uint8_t, 16> get_addr(const ap_uint<W>& w, unsigned lsb, bool v6) {
  std::array<uint8_t, 16> a{};
  const unsigned n = v6 ? 16 : 4;
  for (unsigned i = 0; i < n; ++i) a[i] = static_cast<uint8_t>(get_bits(w, lsb + 8 * (n - 1 - i), 8));
  return a;
}
}  // namespace detail

inline ap_uint<448> pack(const SyncRecord& r) {
  using namespace regs;
  using detail::put_bits;
  ap_uint<448> w = 0;
  detail::put_addr(w, FLOW_ENTRY_A_ADDR_LSB, r.a_addr, r.ipv6);
  detail::put_addr(w, FLOW_ENTRY_B_ADDR_LSB, r.b_addr, r.ipv6);
  put_bits(w, FLOW_ENTRY_A_PORT_LSB, 16, r.a_port);
  put_bits(w, FLOW_ENTRY_B_PORT_LSB, 16, r.b_port);
  put_bits(w, FLOW_ENTRY_PROTO_LSB, 8, r.proto);
  put_bits(w, FLOW_ENTRY_IS_IPV6_LSB, 1, r.ipv6 ? 1 : 0);
  put_bits(w, FLOW_ENTRY_SG_ID_LSB, 8, r.sg_id);
  put_bits(w, SYNC_RECORD_VALUE_LSB, 64, r.value);
  put_bits(w, SYNC_RECORD_OP_LSB, SYNC_RECORD_OP_WIDTH, static_cast<uint64_t>(r.op));
  put_bits(w, SYNC_RECORD_DEST_LSB, 8, r.dest);
  put_bits(w, SYNC_RECORD_CREATED_LSB, 32, r.created);
  put_bits(w, SYNC_RECORD_NOW_LSB, 32, r.now);
  return w;
}

inline SyncRecord unpack_sync_record(const ap_uint<448>& w) {
  using namespace regs;
  using detail::get_bits;
  SyncRecord r;
  r.ipv6 = get_bits(w, FLOW_ENTRY_IS_IPV6_LSB, 1) != 0;
  r.a_addr = detail::get_addr(w, FLOW_ENTRY_A_ADDR_LSB, r.ipv6);
  r.b_addr = detail::get_addr(w, FLOW_ENTRY_B_ADDR_LSB, r.ipv6);
  r.a_port = static_cast<uint16_t>(get_bits(w, FLOW_ENTRY_A_PORT_LSB, 16));
  r.b_port = static_cast<uint16_t>(get_bits(w, FLOW_ENTRY_B_PORT_LSB, 16));
  r.proto = static_cast<uint8_t>(get_bits(w, FLOW_ENTRY_PROTO_LSB, 8));
  r.sg_id = static_cast<uint8_t>(get_bits(w, FLOW_ENTRY_SG_ID_LSB, 8));
  r.value = get_bits(w, SYNC_RECORD_VALUE_LSB, 64);
  r.op = static_cast<Op>(get_bits(w, SYNC_RECORD_OP_LSB, SYNC_RECORD_OP_WIDTH));
  r.dest = static_cast<uint8_t>(get_bits(w, SYNC_RECORD_DEST_LSB, 8));
  r.created = static_cast<uint32_t>(get_bits(w, SYNC_RECORD_CREATED_LSB, 32));
  r.now = static_cast<uint32_t>(get_bits(w, SYNC_RECORD_NOW_LSB, 32));
  return r;
}

// The register values of block sync_encoder (MACs as 48-bit integers, IPv4 addresses as 32-bit
// integers with the first octet in bits 31:24).
struct SyncEncoderConfig {
  uint8_t key_number = 0;
  uint16_t cluster_id = 0;
  uint8_t source = 0;
  uint32_t epoch = 0;
  uint32_t mtu = 1500;
  uint32_t flush_cycles = 30000;
  std::array<uint8_t, 16> key{};  // SipHash key bytes (sync::SipKey, common/siphash.hpp)
  uint64_t src_mac = 0;
  uint32_t src_ip = 0;
  uint16_t src_port = sync::kUdpPort;
  uint16_t dst_port = sync::kUdpPort;
  uint8_t ttl = 64;
  uint8_t dscp = 48;
  struct Dest {
    bool valid = false;
    uint8_t member = 0;
    uint64_t mac = 0;
    uint32_t ip = 0;
  };
  std::array<Dest, kDestSlots> dest{};
  uint32_t delay_default = 3000;
  struct DelayClass {
    bool valid = false;
    uint16_t port = 0;
    uint8_t proto = 0;  // 0: any
    uint32_t ticks = 0;
  };
  std::array<DelayClass, kDelayClasses> delay{};
};

struct SyncEncoderCounters {
  uint32_t frames = 0, frame_bytes = 0, records = 0, record_bytes = 0;
  uint32_t young = 0, young_bytes = 0, no_route = 0, invalid = 0;
  uint32_t close_timer = 0, close_full = 0, close_dest = 0;
  std::array<uint32_t, kDestSlots> seq{};
};

// Wire size of a record (0 for an invalid op).
constexpr unsigned record_bytes(Op op, bool ipv6) {
  return op == Op::kInvalid ? 0
         : op == Op::kDelete ? (ipv6 ? sync::kDeleteV6Bytes : sync::kDeleteV4Bytes)
                             : (ipv6 ? sync::kDeltaV6Bytes : sync::kDeltaV4Bytes);
}

template <unsigned MaxMtu = regs::SYNC_ENCODER_MAX_MTU>
class SyncEncoderCore {
  static_assert(MaxMtu >= kMinMtu && MaxMtu <= 65535, "MaxMtu in [128, 65535]");

 public:
  static constexpr unsigned kMaxFrameBytes = 14 + MaxMtu;
  static constexpr unsigned kQueue = 4;  // closed frames not yet taken

  void configure(const SyncEncoderConfig& c) { cfg_ = c; }
  const SyncEncoderConfig& config() const { return cfg_; }
  const SyncEncoderCounters& counters() const { return cnt_; }
  void clear_counters() {
    const auto seq = cnt_.seq;
    cnt_ = SyncEncoderCounters{};
    cnt_.seq = seq;
  }
  void clear_sequences() { cnt_.seq = {}; }

  unsigned mtu() const { return cfg_.mtu < kMinMtu ? kMinMtu : cfg_.mtu > MaxMtu ? MaxMtu : cfg_.mtu; }
  uint32_t flush() const { return cfg_.flush_cycles == 0 ? 1 : cfg_.flush_cycles; }
  unsigned max_records_bytes() const { return mtu() - 20 - 8 - 28; }

  // The delayed-notification threshold of a record: the first port class that matches, else the default.
  uint32_t threshold(const SyncRecord& r) const {
    for (unsigned i = 0; i < kDelayClasses; ++i) {
#pragma HLS UNROLL
      const auto& d = cfg_.delay[i];
      if (d.valid && (d.proto == 0 || d.proto == r.proto) && (d.port == r.a_port || d.port == r.b_port))
        return d.ticks;
    }
    return cfg_.delay_default;
  }

  // Closes the open frame if its time is up at clock `cycle`.
  bool tick(uint64_t cycle) {
    if (open_ && cycle - t0_ >= flush()) {
      close(Close::kTimer);
      return true;
    }
    return false;
  }

  // A record accepted at clock `cycle` (non-decreasing between calls).
  void accept(const SyncRecord& r, uint64_t cycle) {
    tick(cycle);
    const unsigned len = record_bytes(r.op, r.ipv6);
    if (len == 0) {
      ++cnt_.invalid;
      return;
    }
    unsigned slot = kDestSlots;
    for (unsigned i = kDestSlots; i-- > 0;)
      if (cfg_.dest[i].valid && cfg_.dest[i].member == r.dest) slot = i;
    if (slot == kDestSlots) {
      ++cnt_.no_route;
      return;
    }
    if (r.now - r.created < threshold(r)) {
      ++cnt_.young;
      cnt_.young_bytes += len;
      return;
    }
    if (open_ && slot != slot_) close(Close::kDest);
    if (open_ && rb_ + len > max_records_bytes()) close(Close::kFull);
    if (!open_) {
      open_ = true;
      slot_ = slot;
      rb_ = 0;
      count_ = 0;
      t0_ = cycle;
    }
    write_record(r, len);
    ++count_;
    ++cnt_.records;
    cnt_.record_bytes += len;
    // Full: not even the smallest record fits any more. Closed now, so that the MAC can start while
    // the next frame waits for a buffer (the RTL closes it one clock later; same bytes).
    if (max_records_bytes() - rb_ < sync::kDeleteV4Bytes) close(Close::kFull);
  }

  // Closes the open frame now (end of a test run; the RTL would close it by its timer).
  void flush_now() {
    if (open_) close(Close::kTimer);
  }

  bool open() const { return open_; }
  bool frame_ready() const { return q_head_ != q_tail_; }
  const uint8_t* frame() const { return q_[q_head_ % kQueue].bytes; }
  unsigned frame_len() const { return q_[q_head_ % kQueue].len; }
  void pop_frame() { ++q_head_; }

 private:
  enum class Close { kTimer, kFull, kDest };
  struct Frame {
    uint8_t bytes[kMaxFrameBytes];
    unsigned len;
  };

  void write_record(const SyncRecord& r, unsigned len) {
    uint8_t* p = rec_ + rb_;
    const uint8_t type = static_cast<uint8_t>(static_cast<uint8_t>(r.op) | (r.ipv6 ? 0x10 : 0));
    unsigned n = 0;
    p[n++] = type;
    p[n++] = static_cast<uint8_t>(len);
    const unsigned alen = r.ipv6 ? 16 : 4;
    for (unsigned i = 0; i < alen; ++i) p[n++] = r.a_addr[i];
    for (unsigned i = 0; i < alen; ++i) p[n++] = r.b_addr[i];
    p[n++] = static_cast<uint8_t>(r.a_port >> 8);
    p[n++] = static_cast<uint8_t>(r.a_port);
    p[n++] = static_cast<uint8_t>(r.b_port >> 8);
    p[n++] = static_cast<uint8_t>(r.b_port);
    p[n++] = r.proto;
    p[n++] = r.sg_id;
    if (r.op != Op::kDelete)
      for (int i = 7; i >= 0; --i) p[n++] = static_cast<uint8_t>(r.value >> (8 * i));
    rb_ += len;
  }

  static void put16(uint8_t* p, uint32_t v) {
    p[0] = static_cast<uint8_t>(v >> 8);
    p[1] = static_cast<uint8_t>(v);
  }
  static void put32(uint8_t* p, uint32_t v) {
    put16(p, v >> 16);
    put16(p + 2, v);
  }
  static void put_mac(uint8_t* p, uint64_t mac) {
    for (int i = 0; i < 6; ++i) p[i] = static_cast<uint8_t>(mac >> (8 * (5 - i)));
  }
  // RFC 1071 sum of big-endian 16-bit words (n even).
  static uint32_t csum_add(uint32_t sum, const uint8_t* p, unsigned n) {
    for (unsigned i = 0; i < n; i += 2) sum += (uint32_t{p[i]} << 8) | p[i + 1];
    return sum;
  }
  static uint16_t csum_fold(uint32_t sum) {
    while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
    return static_cast<uint16_t>(~sum & 0xFFFF);
  }

  void close(Close why) {
    (why == Close::kTimer ? cnt_.close_timer : why == Close::kFull ? cnt_.close_full : cnt_.close_dest)++;
    const uint32_t seq = ++cnt_.seq[slot_];
    const auto& d = cfg_.dest[slot_];
    Frame& f = q_[q_tail_ % kQueue];
    ++q_tail_;
    uint8_t* b = f.bytes;
    const unsigned udp_len = 8 + 20 + rb_ + 8;
    f.len = 14 + 20 + udp_len;
    // Ethernet II.
    put_mac(b, d.mac);
    put_mac(b + 6, cfg_.src_mac);
    put16(b + 12, 0x0800);
    // IPv4: DF, no options, identification 0 (RFC 6864: atomic datagram).
    uint8_t* ip = b + 14;
    ip[0] = 0x45;
    ip[1] = static_cast<uint8_t>((cfg_.dscp & 0x3F) << 2);
    put16(ip + 2, 20 + udp_len);
    put16(ip + 4, 0);
    put16(ip + 6, 0x4000);
    ip[8] = cfg_.ttl;
    ip[9] = 17;
    put16(ip + 10, 0);
    put32(ip + 12, cfg_.src_ip);
    put32(ip + 16, d.ip);
    put16(ip + 10, csum_fold(csum_add(0, ip, 20)));
    // UDP.
    uint8_t* udp = b + 34;
    put16(udp, cfg_.src_port);
    put16(udp + 2, cfg_.dst_port);
    put16(udp + 4, udp_len);
    put16(udp + 6, 0);
    // Sync header.
    uint8_t* h = b + kHeaderAt;
    put16(h + sync::kOffMagic, sync::kMagic);
    h[sync::kOffVersion] = static_cast<uint8_t>(sync::kVersionMajor << 4 | sync::kVersionMinor);
    h[sync::kOffFlags] = static_cast<uint8_t>((cfg_.key_number & 3) << sync::kKeyNumberShift);
    put16(h + sync::kOffCluster, cfg_.cluster_id);
    h[sync::kOffSource] = cfg_.source & 0x7F;
    h[sync::kOffDestination] = d.member;
    put32(h + sync::kOffEpoch, cfg_.epoch);
    put32(h + sync::kOffSequence, seq);
    put16(h + sync::kOffRecordCount, count_);
    put16(h + sync::kOffRecordsBytes, rb_);
    for (unsigned i = 0; i < rb_; ++i) b[kRecordsAt + i] = rec_[i];
    const auto tag = sync::siphash24_bytes(cfg_.key, h, 20 + rb_);
    for (unsigned i = 0; i < 8; ++i) b[kRecordsAt + rb_ + i] = tag[i];
    // UDP checksum over the pseudo-header and the datagram; 0 is sent as 0xFFFF.
    uint32_t sum = csum_add(0, ip + 12, 8);
    sum += 17 + udp_len;
    sum = csum_add(sum, udp, udp_len);
    uint16_t c = csum_fold(sum);
    if (c == 0) c = 0xFFFF;
    put16(udp + 6, c);
    ++cnt_.frames;
    cnt_.frame_bytes += f.len;
    open_ = false;
  }

  SyncEncoderConfig cfg_{};
  SyncEncoderCounters cnt_{};
  bool open_ = false;
  unsigned slot_ = 0;
  unsigned rb_ = 0;
  unsigned count_ = 0;
  uint64_t t0_ = 0;
  uint8_t rec_[MaxMtu]{};
  Frame q_[kQueue]{};
  unsigned q_head_ = 0, q_tail_ = 0;
};

}  // namespace conductor::sync_encoder

// The HLS top (sync_encoder.cpp): one call is one clock of the free-running kernel (ap_ctrl_none);
// SYNC_RECORD words on s_rec, 512-bit frame beats on m_axis, the configuration and the frame count on
// the s_axi_control port. In the global namespace so that `set_top sync_encoder_top` finds it.
struct SyncBeat {
  ap_uint<512> data;
  ap_uint<64> keep;
  bool last;
};
void sync_encoder_top(hls::stream<ap_uint<448>>& s_rec, hls::stream<SyncBeat>& m_axis,
                      const conductor::sync_encoder::SyncEncoderConfig& config, uint64_t* frames_out);
