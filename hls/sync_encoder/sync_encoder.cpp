// C++17. HLS top of the sync_encoder: only the interface; the work is SyncEncoderCore
// (sync_encoder.hpp). One call is one clock of a free-running kernel (ap_ctrl_none): the timer is
// checked, at most one SYNC_RECORD is taken from s_rec, and at most one 512-bit beat of the oldest
// closed frame goes out on m_axis.
//
// Ports Vitis HLS generates from this (the hand RTL, rtl/sync_encoder/sync_encoder.sv, has them):
//   ap_clk, ap_rst_n
//   s_rec_TDATA[447:0] / _TVALID / _TREADY             SYNC_RECORD
//   m_axis_TDATA[511:0] / _TKEEP[63:0] / _TLAST / _TVALID / _TREADY   frames
//   s_axi_control_*                                    block sync_encoder of rtl/csr/conductor.regs
// Not run through csynth here (no Vitis on Debian). This top builds a whole frame in the clock it
// closes (the model's way); the hand RTL MACs it over ~2 clocks per 8 bytes and double-buffers
// (docs/sync_encoder.md). Both produce the same bytes for the same accept clocks.
#include "sync_encoder/sync_encoder.hpp"

using conductor::sync_encoder::SyncEncoderConfig;
using conductor::sync_encoder::SyncEncoderCore;

void sync_encoder_top(hls::stream<ap_uint<448>>& s_rec, hls::stream<SyncBeat>& m_axis,
                      const SyncEncoderConfig& config, uint64_t* frames_out) {
#pragma HLS INTERFACE mode=ap_ctrl_none port=return
#pragma HLS INTERFACE mode=axis port=s_rec register_mode=both
#pragma HLS INTERFACE mode=axis port=m_axis register_mode=both
#pragma HLS INTERFACE mode=s_axilite port=config bundle=control
#pragma HLS INTERFACE mode=s_axilite port=frames_out bundle=control
  static SyncEncoderCore<conductor::regs::SYNC_ENCODER_MAX_MTU> core;
  static uint64_t cycle = 0;
  static unsigned sent = 0;  // bytes of the current frame already sent
  core.configure(config);
  core.tick(cycle);
  ap_uint<448> w;
  if (s_rec.read_nb(w)) core.accept(conductor::sync_encoder::unpack_sync_record(w), cycle);
  if (core.frame_ready()) {
    SyncBeat b;
    b.data = 0;
    b.keep = 0;
    const unsigned len = core.frame_len();
    for (unsigned i = 0; i < 64; ++i) {
#pragma HLS UNROLL
      if (sent + i < len) {
        b.data.range(8 * i + 7, 8 * i) = ap_uint<8>(core.frame()[sent + i]);
        b.keep[i] = 1;
      }
    }
    sent += 64;
    b.last = sent >= len;
    if (b.last) {
      sent = 0;
      core.pop_frame();
    }
    m_axis.write(b);
  }
  *frames_out = core.counters().frames;
  ++cycle;
}
