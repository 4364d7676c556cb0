// C++17. HLS top of the sync_decoder: only the interface; the work is SyncDecoderCore
// (sync_decoder.hpp). One call is one clock of a free-running kernel (ap_ctrl_none): while no op of
// the previous frame is pending, at most one 512-bit beat is taken from s_axis into the frame buffer
// (the whole frame is judged in the call that takes its last beat), and at most one FLOW_OP goes
// out on m_op.
//
// Ports Vitis HLS generates from this (the hand RTL, rtl/sync_decoder/sync_decoder.sv, has them):
//   ap_clk, ap_rst_n
//   s_axis_TDATA[511:0] / _TKEEP[63:0] / _TLAST / _TVALID / _TREADY   frames
//   m_op_TDATA[511:0] / _TVALID / _TREADY                              FLOW_OP
//   s_axi_control_*                                    block sync_decoder of rtl/csr/conductor.regs
// Not run through csynth here (no Vitis on Debian). This top judges a frame in the clock its last
// beat arrives (the model's way); the hand RTL MACs it at one SipRound per clock and walks the
// records twice (docs/sync_decoder.md). Both emit the same ops for the same frames.
#include "sync_decoder/sync_decoder.hpp"

using conductor::sync_decoder::SyncDecoderConfig;
using conductor::sync_decoder::SyncDecoderCore;

void sync_decoder_top(hls::stream<SyncDecBeat>& s_axis, hls::stream<ap_uint<512>>& m_op,
                      const SyncDecoderConfig& config, uint64_t* frames_out) {
#pragma HLS INTERFACE mode=ap_ctrl_none port=return
#pragma HLS INTERFACE mode=axis port=s_axis register_mode=both
#pragma HLS INTERFACE mode=axis port=m_op register_mode=both
#pragma HLS INTERFACE mode=s_axilite port=config bundle=control
#pragma HLS INTERFACE mode=s_axilite port=frames_out bundle=control
  using Core = SyncDecoderCore<conductor::regs::SYNC_DECODER_MAX_MTU>;
  static Core core;
  static uint8_t frame[Core::kMaxFrameBytes];
  static unsigned len = 0;  // bytes of the frame so far (may pass the buffer: then NOT_SYNC)
  core.configure(config);
  SyncDecBeat b;
  if (!core.op_ready() && s_axis.read_nb(b)) {
    unsigned n = 64;
    if (b.last) {
      n = 0;
      for (unsigned i = 0; i < 64; ++i) {
#pragma HLS UNROLL
        n += b.keep[i] ? 1u : 0u;
      }
    }
    for (unsigned i = 0; i < n; ++i) {
#pragma HLS UNROLL
      if (len + i < Core::kMaxFrameBytes) frame[len + i] = static_cast<uint8_t>(b.data.range(8 * i + 7, 8 * i).to_uint64());
    }
    len += n;
    if (b.last) {
      core.receive(frame, len);
      len = 0;
    }
  }
  if (core.op_ready()) {
    m_op.write(core.op());
    core.pop_op();
  }
  *frames_out = core.counters().frames;
}
