// C++17 (Vitis HLS and SystemC translation units include it).
// Packed forms of the words that cross between the kernels, the RTL and the host, exactly as the
// `struct` statements of rtl/csr/conductor.regs lay them out (bit 0 = LSB of TDATA/TUSER):
//   FLOW_KEY   (320 bits)  parser -> dist_hash  s_key_TDATA      pack(FlowKey) / unpack_flow_key
//   DECISION   (64 bits)   dist_hash            m_dec_TDATA      pack(Decision) / unpack_decision
//   STEER_META (64 bits)   conductor_core       m_axis_tuser     pack(SteerMeta) / unpack_steer_meta
//   BUCKET_ENTRY (8 bits)  bucket-table byte                     pack_bucket_entry / ...
// and the conversion to and from Verilator's wide-signal layout (arrays of uint32_t, word 0 = bits
// 31:0): to_words / from_words. Signals of 64 bits or less are plain integers in Verilator: use
// ap_uint<64>::to_uint64() and the ap_uint<64>(uint64_t) constructor.
//
// Addresses: FlowKey holds 16-byte big-endian integers; byte 0 is bits 127:120 of the field and
// byte 15 bits 7:0, so an IPv4 address (bytes 12..15) sits in bits 31:0 with its first octet in
// bits 31:24.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "common/ap_shim.hpp"
#include "common/flow_key.hpp"
#include "common/gen/conductor_regs.hpp"

namespace conductor {

// Field positions of the packed words, from the generated register header (one source:
// rtl/csr/conductor.regs). The Field triples let the packing code and its tests walk the fields.
namespace layout {

struct Field {
  const char* name;  // as in conductor.regs
  int lsb;
  int width;
};

#define CONDUCTOR_PACK_FIELD(S, F) \
  constexpr Field S##_##F{#F, static_cast<int>(regs::S##_##F##_LSB), static_cast<int>(regs::S##_##F##_WIDTH)}
CONDUCTOR_PACK_FIELD(FLOW_KEY, SRC_ADDR);
CONDUCTOR_PACK_FIELD(FLOW_KEY, DST_ADDR);
CONDUCTOR_PACK_FIELD(FLOW_KEY, SRC_PORT);
CONDUCTOR_PACK_FIELD(FLOW_KEY, DST_PORT);
CONDUCTOR_PACK_FIELD(FLOW_KEY, PROTO);
CONDUCTOR_PACK_FIELD(FLOW_KEY, IS_IPV6);
CONDUCTOR_PACK_FIELD(FLOW_KEY, IS_FRAG);
CONDUCTOR_PACK_FIELD(FLOW_KEY, L4_VALID);
CONDUCTOR_PACK_FIELD(FLOW_KEY, IP_VALID);
CONDUCTOR_PACK_FIELD(FLOW_KEY, SG_ID);
CONDUCTOR_PACK_FIELD(DECISION, HASH);
CONDUCTOR_PACK_FIELD(DECISION, BUCKET);
CONDUCTOR_PACK_FIELD(DECISION, MEMBER);
CONDUCTOR_PACK_FIELD(DECISION, SITE);
CONDUCTOR_PACK_FIELD(DECISION, VALID);
CONDUCTOR_PACK_FIELD(DECISION, SG_ID);
CONDUCTOR_PACK_FIELD(BUCKET_ENTRY, MEMBER);
CONDUCTOR_PACK_FIELD(BUCKET_ENTRY, SITE);
CONDUCTOR_PACK_FIELD(BUCKET_ENTRY, VALID);
CONDUCTOR_PACK_FIELD(STEER_META, HASH);
CONDUCTOR_PACK_FIELD(STEER_META, BUCKET);
CONDUCTOR_PACK_FIELD(STEER_META, MEMBER);
CONDUCTOR_PACK_FIELD(STEER_META, SITE);
CONDUCTOR_PACK_FIELD(STEER_META, DELIVER);
CONDUCTOR_PACK_FIELD(STEER_META, STATUS);
CONDUCTOR_PACK_FIELD(STEER_META, DEFAULTED);
CONDUCTOR_PACK_FIELD(STEER_META, ACTION);  // packed with the rest by pack_core_out (hls/core)
CONDUCTOR_PACK_FIELD(STEER_META, OP_DROPPED);  // likewise
#undef CONDUCTOR_PACK_FIELD

static_assert(regs::FLOW_KEY_BITS == 320 && regs::DECISION_BITS == 64 &&
                  regs::STEER_META_BITS == 64 && regs::BUCKET_ENTRY_BITS == 8,
              "packing.hpp: a stream word changed width; update the ap_uint widths below");
static_assert(FLOW_KEY_SRC_ADDR.width == 128 && FLOW_KEY_DST_ADDR.width == 128,
              "packing.hpp: addresses are 16-byte fields");

// Every field of each struct, in conductor.regs order (the consistency test walks these).
constexpr Field kFlowKeyFields[] = {FLOW_KEY_SRC_ADDR, FLOW_KEY_DST_ADDR, FLOW_KEY_SRC_PORT,
                                    FLOW_KEY_DST_PORT, FLOW_KEY_PROTO,    FLOW_KEY_IS_IPV6,
                                    FLOW_KEY_IS_FRAG,  FLOW_KEY_L4_VALID, FLOW_KEY_IP_VALID,
                                    FLOW_KEY_SG_ID};
constexpr Field kDecisionFields[] = {DECISION_HASH, DECISION_BUCKET, DECISION_MEMBER,
                                     DECISION_SITE, DECISION_VALID,  DECISION_SG_ID};
constexpr Field kBucketEntryFields[] = {BUCKET_ENTRY_MEMBER, BUCKET_ENTRY_SITE, BUCKET_ENTRY_VALID};
constexpr Field kSteerMetaFields[] = {STEER_META_HASH,    STEER_META_BUCKET, STEER_META_MEMBER,
                                      STEER_META_SITE,    STEER_META_DELIVER, STEER_META_STATUS,
                                      STEER_META_DEFAULTED, STEER_META_ACTION, STEER_META_OP_DROPPED};

}  // namespace layout

namespace packing_detail {

template <int W>
inline void put(ap_uint<W>& w, const layout::Field& f, uint64_t v) {
#pragma HLS INLINE
  w.range(f.lsb + f.width - 1, f.lsb) = ap_uint<64>(v);
}

template <int W>
inline uint64_t get(const ap_uint<W>& w, const layout::Field& f) {
#pragma HLS INLINE
  return ap_uint<64>(w.range(f.lsb + f.width - 1, f.lsb)).to_uint64();
}

// A 16-byte big-endian address into / out of a 128-bit field.
template <int W>
inline void put_addr(ap_uint<W>& w, const layout::Field& f, const std::array<uint8_t, 16>& a) {
#pragma HLS INLINE
ADDR_BYTES:
  for (int i = 0; i < 16; ++i) {
#pragma HLS UNROLL
    const int lo = f.lsb + 8 * (15 - i);
    w.range(lo + 7, lo) = a[i];
  }
}

template <int W>
inline std::array<uint8_t, 16> get_addr(const ap_uint<W>& w, const layout::Field& f) {
#pragma HLS INLINE
  std::array<uint8_t, 16> a{};
ADDR_BYTES:
  for (int i = 0; i < 16; ++i) {
#pragma HLS UNROLL
    const int lo = f.lsb + 8 * (15 - i);
    a[i] = static_cast<uint8_t>(ap_uint<8>(w.range(lo + 7, lo)).to_uint());
  }
  return a;
}

}  // namespace packing_detail

// ---- FLOW_KEY ----------------------------------------------------------------------------------
inline ap_uint<320> pack(const FlowKey& k) {
#pragma HLS INLINE
  using namespace layout;
  ap_uint<320> w = 0;
  packing_detail::put_addr(w, FLOW_KEY_SRC_ADDR, k.src_addr);
  packing_detail::put_addr(w, FLOW_KEY_DST_ADDR, k.dst_addr);
  packing_detail::put(w, FLOW_KEY_SRC_PORT, k.src_port);
  packing_detail::put(w, FLOW_KEY_DST_PORT, k.dst_port);
  packing_detail::put(w, FLOW_KEY_PROTO, k.proto);
  packing_detail::put(w, FLOW_KEY_IS_IPV6, k.is_ipv6);
  packing_detail::put(w, FLOW_KEY_IS_FRAG, k.is_frag);
  packing_detail::put(w, FLOW_KEY_L4_VALID, k.l4_valid);
  packing_detail::put(w, FLOW_KEY_IP_VALID, k.ip_valid);
  packing_detail::put(w, FLOW_KEY_SG_ID, k.sg_id);
  return w;
}

// Bits that belong to no field (300..303, 312..319) are ignored.
inline FlowKey unpack_flow_key(const ap_uint<320>& w) {
#pragma HLS INLINE
  using namespace layout;
  FlowKey k;
  k.src_addr = packing_detail::get_addr(w, FLOW_KEY_SRC_ADDR);
  k.dst_addr = packing_detail::get_addr(w, FLOW_KEY_DST_ADDR);
  k.src_port = static_cast<uint16_t>(packing_detail::get(w, FLOW_KEY_SRC_PORT));
  k.dst_port = static_cast<uint16_t>(packing_detail::get(w, FLOW_KEY_DST_PORT));
  k.proto = static_cast<uint8_t>(packing_detail::get(w, FLOW_KEY_PROTO));
  k.is_ipv6 = packing_detail::get(w, FLOW_KEY_IS_IPV6) != 0;
  k.is_frag = packing_detail::get(w, FLOW_KEY_IS_FRAG) != 0;
  k.l4_valid = packing_detail::get(w, FLOW_KEY_L4_VALID) != 0;
  k.ip_valid = packing_detail::get(w, FLOW_KEY_IP_VALID) != 0;
  k.sg_id = static_cast<uint8_t>(packing_detail::get(w, FLOW_KEY_SG_ID));
  return k;
}

// ---- DECISION ----------------------------------------------------------------------------------
// member is truncated to 6 bits and site to 1 bit, as the hardware field widths.
inline ap_uint<64> pack(const Decision& d) {
#pragma HLS INLINE
  using namespace layout;
  ap_uint<64> w = 0;
  packing_detail::put(w, DECISION_HASH, d.hash);
  packing_detail::put(w, DECISION_BUCKET, d.bucket);
  packing_detail::put(w, DECISION_MEMBER, d.member);
  packing_detail::put(w, DECISION_SITE, d.site);
  packing_detail::put(w, DECISION_VALID, d.valid);
  packing_detail::put(w, DECISION_SG_ID, d.sg_id);
  return w;
}

inline Decision unpack_decision(const ap_uint<64>& w) {
#pragma HLS INLINE
  using namespace layout;
  Decision d;
  d.hash = static_cast<uint32_t>(packing_detail::get(w, DECISION_HASH));
  d.bucket = static_cast<uint16_t>(packing_detail::get(w, DECISION_BUCKET));
  d.member = static_cast<uint8_t>(packing_detail::get(w, DECISION_MEMBER));
  d.site = static_cast<uint8_t>(packing_detail::get(w, DECISION_SITE));
  d.valid = packing_detail::get(w, DECISION_VALID) != 0;
  d.sg_id = static_cast<uint8_t>(packing_detail::get(w, DECISION_SG_ID));
  return d;
}

// ---- STEER_META --------------------------------------------------------------------------------
inline ap_uint<64> pack(const SteerMeta& m) {
#pragma HLS INLINE
  using namespace layout;
  ap_uint<64> w = 0;
  packing_detail::put(w, STEER_META_HASH, m.hash);
  packing_detail::put(w, STEER_META_BUCKET, m.bucket);
  packing_detail::put(w, STEER_META_MEMBER, m.member);
  packing_detail::put(w, STEER_META_SITE, m.site);
  packing_detail::put(w, STEER_META_DELIVER, m.deliver);
  packing_detail::put(w, STEER_META_STATUS, static_cast<uint8_t>(m.status));
  packing_detail::put(w, STEER_META_DEFAULTED, m.defaulted);
  return w;
}

inline SteerMeta unpack_steer_meta(const ap_uint<64>& w) {
#pragma HLS INLINE
  using namespace layout;
  SteerMeta m;
  m.hash = static_cast<uint32_t>(packing_detail::get(w, STEER_META_HASH));
  m.bucket = static_cast<uint16_t>(packing_detail::get(w, STEER_META_BUCKET));
  m.member = static_cast<uint8_t>(packing_detail::get(w, STEER_META_MEMBER));
  m.site = static_cast<uint8_t>(packing_detail::get(w, STEER_META_SITE));
  m.deliver = packing_detail::get(w, STEER_META_DELIVER) != 0;
  m.status = static_cast<ParseStatus>(packing_detail::get(w, STEER_META_STATUS));
  m.defaulted = packing_detail::get(w, STEER_META_DEFAULTED) != 0;
  return m;
}

// ---- BUCKET_ENTRY (one byte of the dist_hash BUCKETS window) ----------------------------------
struct BucketEntry {
  uint8_t member = 0;  // 6 bits
  uint8_t site = 0;    // 1 bit
  bool valid = false;

  friend bool operator==(const BucketEntry& a, const BucketEntry& b) {
    return a.member == b.member && a.site == b.site && a.valid == b.valid;
  }
  friend bool operator!=(const BucketEntry& a, const BucketEntry& b) { return !(a == b); }
};

constexpr uint8_t pack_bucket_entry(const BucketEntry& e) {
  return static_cast<uint8_t>(((e.member & 0x3fu) << layout::BUCKET_ENTRY_MEMBER.lsb) |
                              ((e.site & 0x1u) << layout::BUCKET_ENTRY_SITE.lsb) |
                              ((e.valid ? 1u : 0u) << layout::BUCKET_ENTRY_VALID.lsb));
}

constexpr BucketEntry unpack_bucket_entry(uint8_t b) {
  BucketEntry e;
  e.member = static_cast<uint8_t>((b >> layout::BUCKET_ENTRY_MEMBER.lsb) & 0x3fu);
  e.site = static_cast<uint8_t>((b >> layout::BUCKET_ENTRY_SITE.lsb) & 0x1u);
  e.valid = ((b >> layout::BUCKET_ENTRY_VALID.lsb) & 0x1u) != 0;
  return e;
}

// ---- Verilator wide-signal layout -----------------------------------------------------------------
// Word i holds bits 32i+31 .. 32i (Verilator's VlWide<N>; pass `sig.data()` or `sig.m_storage`).
template <int W>
inline void to_words(const ap_uint<W>& x, uint32_t* out) {
  for (int i = 0; i < (W + 31) / 32; ++i) {
#pragma HLS UNROLL
    const int lo = 32 * i;
    const int n = W - lo < 32 ? W - lo : 32;
    out[i] = static_cast<uint32_t>(ap_uint<32>(x.range(lo + n - 1, lo)).to_uint());
  }
}

template <int W>
inline std::array<uint32_t, (W + 31) / 32> to_words(const ap_uint<W>& x) {
  std::array<uint32_t, (W + 31) / 32> out{};
  to_words(x, out.data());
  return out;
}

// Bits of the last word above W are ignored.
template <int W>
inline ap_uint<W> from_words(const uint32_t* words) {
  ap_uint<W> x = 0;
  for (int i = 0; i < (W + 31) / 32; ++i) {
#pragma HLS UNROLL
    const int lo = 32 * i;
    const int n = W - lo < 32 ? W - lo : 32;
    x.range(lo + n - 1, lo) = ap_uint<32>(words[i]);
  }
  return x;
}

template <int W, std::size_t N>
inline ap_uint<W> from_words(const std::array<uint32_t, N>& words) {
  static_assert(N == (W + 31) / 32, "from_words: word count must match the width");
  return from_words<W>(words.data());
}

}  // namespace conductor
