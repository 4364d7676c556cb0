// C++17 (Vitis HLS and SystemC translation units include it).
// dist_hash: flow key -> Toeplitz hash -> bucket -> bucket-table entry -> DECISION, exactly as
// docs/architecture.md ("dist_hash") specifies. This is the synthesizable core: one FLOW_KEY word in,
// one DECISION word out, no state, fixed loop bounds, everything unrolled for II = 1.
// dist_hash.cpp wraps it in the HLS top `dist_hash_top` (interface pragmas only);
// dist_hash_model.hpp has the plain C++ API (registers as a struct, FlowKey/Decision in and out).
#pragma once

#include <cstdint>

#include "common/ap_shim.hpp"
#include "common/gen/conductor_regs.hpp"
#include "common/hls_stream_shim.hpp"

namespace conductor {

constexpr int kDistHashKeyBytes = 40;    // Toeplitz key: KEY0..KEY9
constexpr int kDistHashKeyWords = 10;
constexpr int kDistHashInputBytes = 36;  // longest hash input: IPv6 pair + two ports
constexpr int kDistHashBucketLog2Max = 16;  // this build's table capacity (CAPS.BUCKET_LOG2_MAX)
constexpr int kDistHashBuckets = 1 << kDistHashBucketLog2Max;

// CTRL.MODE (rtl/csr/conductor.regs). 3 is reserved and hashes like kRss.
using HashMode = regs::DistHashCtrlMode;

// The core. BucketLog2Max (1..16) is the table capacity the hardware is built for; CTRL.BUCKET_LOG2
// above it is clamped to it.
//   flow_key  FLOW_KEY word (s_key_TDATA)
//   ctrl      register CTRL (MODE, BUCKET_LOG2)
//   key       KEY0..KEY9 as one word: KEYw in bits 32w+31..32w (the AXI-Lite register order;
//             key byte 0 is bits 31:24, key byte 39 bits 295:288)
//   buckets   the BUCKETS window, one BUCKET_ENTRY byte per bucket: anything whose operator[]
//             returns an 8-bit value (an ap_uint<8> array in the HLS top, a byte array elsewhere),
//             at least 2^BucketLog2Max entries
// Returns the DECISION word (m_dec_TDATA).
template <int BucketLog2Max, typename BucketTable>
ap_uint<64> dist_hash_core(const ap_uint<320>& flow_key, const ap_uint<32>& ctrl,
                           const ap_uint<320>& key, const BucketTable& buckets) {
#pragma HLS INLINE
  static_assert(BucketLog2Max >= 1 && BucketLog2Max <= 16, "bucket index is a 16-bit field");
  using namespace regs;

  // ---- unpack the flow key
  const ap_uint<128> src = flow_key.range(FLOW_KEY_SRC_ADDR_LSB + 127, FLOW_KEY_SRC_ADDR_LSB);
  const ap_uint<128> dst = flow_key.range(FLOW_KEY_DST_ADDR_LSB + 127, FLOW_KEY_DST_ADDR_LSB);
  const ap_uint<16> sport = flow_key.range(FLOW_KEY_SRC_PORT_LSB + 15, FLOW_KEY_SRC_PORT_LSB);
  const ap_uint<16> dport = flow_key.range(FLOW_KEY_DST_PORT_LSB + 15, FLOW_KEY_DST_PORT_LSB);
  const ap_uint<8> proto = flow_key.range(FLOW_KEY_PROTO_LSB + 7, FLOW_KEY_PROTO_LSB);
  const bool is_ipv6 = flow_key[FLOW_KEY_IS_IPV6_LSB];
  const bool is_frag = flow_key[FLOW_KEY_IS_FRAG_LSB];
  const bool l4_valid = flow_key[FLOW_KEY_L4_VALID_LSB];
  const bool ip_valid = flow_key[FLOW_KEY_IP_VALID_LSB];
  const ap_uint<8> sg_id = flow_key.range(FLOW_KEY_SG_ID_LSB + 7, FLOW_KEY_SG_ID_LSB);

  // ---- mode: port inclusion and canonical order
  const ap_uint<2> mode = ctrl.range(DIST_HASH_CTRL_MODE_LSB + 1, DIST_HASH_CTRL_MODE_LSB);
  const bool sym_l4 = mode == static_cast<int>(HashMode::kSymL4);
  const bool sym_ip = mode == static_cast<int>(HashMode::kSymIp);
  const bool tcp_udp = proto == 6 || proto == 17;  // kProtoTcp, kProtoUdp
  const bool sctp = proto == 132;                  // kProtoSctp
  const bool proto_has_ports = sym_ip ? false : sym_l4 ? (tcp_udp || sctp) : tcp_udp;
  const bool with_ports = l4_valid && !is_frag && proto_has_ports;
  const bool swap = (sym_l4 || sym_ip) && (src > dst || (src == dst && with_ports && sport > dport));
  const ap_uint<128> a = swap ? dst : src;
  const ap_uint<128> b = swap ? src : dst;
  const ap_uint<16> pa = swap ? dport : sport;
  const ap_uint<16> pb = swap ? sport : dport;

  // ---- hash input, left-aligned in 288 bits (input bit i = bit 287 - i); trailing zero bits do
  // not change a Toeplitz hash, so every input length uses the same 288-bit datapath.
  ap_uint<288> x = 0;
  if (ip_valid) {
    if (is_ipv6) {
      x.range(287, 160) = a;
      x.range(159, 32) = b;
      if (with_ports) {
        x.range(31, 16) = pa;
        x.range(15, 0) = pb;
      }
    } else {
      x.range(287, 256) = a.range(31, 0);
      x.range(255, 224) = b.range(31, 0);
      if (with_ports) {
        x.range(223, 208) = pa;
        x.range(207, 192) = pb;
      }
    }
  }

  // ---- Toeplitz: key bit k (bit 7 of key byte 0 is k = 0) sits at kbits bit 319 - k
  ap_uint<320> kbits = 0;
KEY_WORDS:
  for (int w = 0; w < 10; ++w) {
#pragma HLS UNROLL
    kbits.range(319 - 32 * w, 288 - 32 * w) = key.range(32 * w + 31, 32 * w);
  }
  // hash = XOR over the set input bits i of key bits i .. i+31: an AND-XOR tree in hardware,
  // written as a mask (not a branch) so the C-simulation does not mispredict on random bits.
  ap_uint<32> hash = 0;
TOEPLITZ:
  for (int i = 0; i < 288; ++i) {
#pragma HLS UNROLL
    const ap_uint<32> window = kbits.range(319 - i, 288 - i);
    const ap_uint<32> take = x[287 - i] ? ap_uint<32>(0xffffffffu) : ap_uint<32>(0);
    hash ^= window & take;
  }

  // ---- bucket and table entry
  const ap_uint<5> log2_req = ctrl.range(DIST_HASH_CTRL_BUCKET_LOG2_LSB + 4, DIST_HASH_CTRL_BUCKET_LOG2_LSB);
  const ap_uint<5> log2 = log2_req > BucketLog2Max ? ap_uint<5>(BucketLog2Max) : log2_req;
  const ap_uint<BucketLog2Max + 1> mask = ~(ap_uint<BucketLog2Max + 1>(-1) << log2);
  const ap_uint<BucketLog2Max> bucket = ap_uint<BucketLog2Max>(hash.range(BucketLog2Max - 1, 0)) & mask;
  const ap_uint<8> entry = buckets[bucket.to_uint()];

  // ---- DECISION
  ap_uint<64> dec = 0;
  dec.range(DECISION_HASH_LSB + 31, DECISION_HASH_LSB) = hash;
  dec.range(DECISION_BUCKET_LSB + 15, DECISION_BUCKET_LSB) = ap_uint<16>(bucket);
  dec.range(DECISION_MEMBER_LSB + DECISION_MEMBER_WIDTH - 1, DECISION_MEMBER_LSB) =
      entry.range(BUCKET_ENTRY_MEMBER_LSB + BUCKET_ENTRY_MEMBER_WIDTH - 1, BUCKET_ENTRY_MEMBER_LSB);
  dec[DECISION_SITE_LSB] = entry[BUCKET_ENTRY_SITE_LSB];
  dec[DECISION_VALID_LSB] = entry[BUCKET_ENTRY_VALID_LSB];
  dec.range(DECISION_SG_ID_LSB + 7, DECISION_SG_ID_LSB) = sg_id;
  return dec;
}

}  // namespace conductor

// The HLS top (dist_hash.cpp): free-running (ap_ctrl_none), one FLOW_KEY per clock on s_key, one
// DECISION per key on m_dec; ctrl, key and buckets on the s_axi_control port. In the global
// namespace so that `set_top dist_hash_top` finds it.
void dist_hash_top(hls::stream<ap_uint<320>>& s_key, hls::stream<ap_uint<64>>& m_dec,
                   ap_uint<32> ctrl, ap_uint<320> key,
                   const ap_uint<8> buckets[conductor::kDistHashBuckets]);
