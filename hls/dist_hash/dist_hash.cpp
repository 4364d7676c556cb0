// C++17. HLS top of dist_hash: only the interface; the work is dist_hash_core (dist_hash.hpp).
//
// Ports Vitis HLS generates from this (docs/architecture.md, "dist_hash"):
//   ap_clk, ap_rst_n
//   s_key_TDATA[319:0] / s_key_TVALID / s_key_TREADY    FLOW_KEY
//   m_dec_TDATA[63:0]  / m_dec_TVALID / m_dec_TREADY    DECISION
//   s_axi_control_*                                     CTRL, KEY0..KEY9, BUCKETS
// Register offsets as in rtl/csr/conductor.regs (block dist_hash): KEY0..KEY9 0x0010..0x0034 (one
// 320-bit scalar: HLS puts bits 32w+31..32w at 0x10 + 4w, i.e. KEYw), CTRL 0x0040, BUCKETS
// 0x10000..0x1FFFF (ap_uint<8> array: element i in byte i%4 of word i/4). Nothing sits below 0x10:
// Vitis HLS reserves 0x00..0x0C of an s_axilite bundle for the block-level protocol even under
// ap_ctrl_none, so the map leaves it free. (Not yet run through csynth here: no Vitis on Debian.)
#include "dist_hash/dist_hash.hpp"

void dist_hash_top(hls::stream<ap_uint<320>>& s_key, hls::stream<ap_uint<64>>& m_dec,
                   ap_uint<32> ctrl, ap_uint<320> key,
                   const ap_uint<8> buckets[conductor::kDistHashBuckets]) {
#pragma HLS INTERFACE mode=ap_ctrl_none port=return
#pragma HLS INTERFACE mode=axis port=s_key register_mode=both
#pragma HLS INTERFACE mode=axis port=m_dec register_mode=both
#pragma HLS INTERFACE mode=s_axilite port=ctrl bundle=control offset=0x0040
#pragma HLS INTERFACE mode=s_axilite port=key bundle=control offset=0x0010
#pragma HLS INTERFACE mode=s_axilite port=buckets bundle=control offset=0x10000
#pragma HLS PIPELINE II=1
  const ap_uint<320> flow_key = s_key.read();
  m_dec.write(conductor::dist_hash_core<conductor::kDistHashBucketLog2Max>(flow_key, ctrl, key, buckets));
}
