// C++17. HLS top of the flow table: only the interface; the work is FlowTableCore (flow_table.hpp).
//
// Ports Vitis HLS generates from this (docs/flow_table.md, "Ports"):
//   ap_clk, ap_rst_n
//   s_lookup_TDATA[383:0] / _TVALID / _TREADY   FLOW_LOOKUP
//   m_result_TDATA[135:0] / _TVALID / _TREADY   FLOW_RESULT
//   s_op_TDATA[447:0]     / _TVALID / _TREADY   FLOW_OP
//   m_event_TDATA[447:0]  / _TVALID / _TREADY   FLOW_EVENT
//   s_axi_control_*                             block flow_table of rtl/csr/conductor.regs
// Each register sits at its conductor.regs offset (nothing below 0x10: Vitis reserves 0x00..0x0C).
// COUNTER_CLEAR is a level here (a rising bit 0 clears); the hand RTL's CSR block makes it a pulse.
// This top runs an op to completion before it takes the next lookup, so lookups stall while an op
// runs; the hand RTL (rtl/flow_table) overlaps them with the same visible behaviour. Not run
// through csynth here (no Vitis on Debian); the same C++ is the model every test runs.
#include "flow_table/flow_table.hpp"

void flow_table_top(hls::stream<ap_uint<384>>& s_lookup, hls::stream<conductor::flow::ResultWord>& m_result,
                    hls::stream<conductor::flow::OpWord>& s_op, hls::stream<conductor::flow::EventWord>& m_event,
                    ap_uint<32> ctrl, ap_uint<32> timeout_new, ap_uint<32> timeout_est,
                    ap_uint<32> timeout_closing, ap_uint<32> sync_mature, ap_uint<32> hash_seed1,
                    ap_uint<32> hash_seed2,
                    ap_uint<32> counter_clear, ap_uint<32>* geometry, ap_uint<32>* capacity,
                    ap_uint<32>* occupancy, ap_uint<32>* stash_used, ap_uint<32>* now,
                    ap_uint<32>* age_cursor, ap_uint<32>* first_full_occupancy,
                    ap_uint<32>* lookups, ap_uint<32>* hits, ap_uint<32>* inserts,
                    ap_uint<32>* insert_full, ap_uint<32>* insert_exists, ap_uint<32>* updates,
                    ap_uint<32>* touches, ap_uint<32>* deletes, ap_uint<32>* not_found,
                    ap_uint<32>* expiries, ap_uint<32>* age_steps, ap_uint<32>* invalid_ops,
                    ap_uint<32>* moves, ap_uint<32>* matured) {
#pragma HLS INTERFACE mode=ap_ctrl_none port=return
#pragma HLS INTERFACE mode=axis port=s_lookup register_mode=both
#pragma HLS INTERFACE mode=axis port=m_result register_mode=both
#pragma HLS INTERFACE mode=axis port=s_op register_mode=both
#pragma HLS INTERFACE mode=axis port=m_event register_mode=both
#pragma HLS INTERFACE mode=s_axilite port=geometry bundle=control offset=0x010
#pragma HLS INTERFACE mode=s_axilite port=capacity bundle=control offset=0x014
#pragma HLS INTERFACE mode=s_axilite port=occupancy bundle=control offset=0x018
#pragma HLS INTERFACE mode=s_axilite port=stash_used bundle=control offset=0x01C
#pragma HLS INTERFACE mode=s_axilite port=ctrl bundle=control offset=0x040
#pragma HLS INTERFACE mode=s_axilite port=timeout_new bundle=control offset=0x050
#pragma HLS INTERFACE mode=s_axilite port=timeout_est bundle=control offset=0x054
#pragma HLS INTERFACE mode=s_axilite port=timeout_closing bundle=control offset=0x058
#pragma HLS INTERFACE mode=s_axilite port=sync_mature bundle=control offset=0x05C
#pragma HLS INTERFACE mode=s_axilite port=hash_seed1 bundle=control offset=0x060
#pragma HLS INTERFACE mode=s_axilite port=hash_seed2 bundle=control offset=0x064
#pragma HLS INTERFACE mode=s_axilite port=now bundle=control offset=0x070
#pragma HLS INTERFACE mode=s_axilite port=age_cursor bundle=control offset=0x074
#pragma HLS INTERFACE mode=s_axilite port=first_full_occupancy bundle=control offset=0x078
#pragma HLS INTERFACE mode=s_axilite port=lookups bundle=control offset=0x080
#pragma HLS INTERFACE mode=s_axilite port=hits bundle=control offset=0x084
#pragma HLS INTERFACE mode=s_axilite port=inserts bundle=control offset=0x088
#pragma HLS INTERFACE mode=s_axilite port=insert_full bundle=control offset=0x08C
#pragma HLS INTERFACE mode=s_axilite port=insert_exists bundle=control offset=0x090
#pragma HLS INTERFACE mode=s_axilite port=updates bundle=control offset=0x094
#pragma HLS INTERFACE mode=s_axilite port=touches bundle=control offset=0x098
#pragma HLS INTERFACE mode=s_axilite port=deletes bundle=control offset=0x09C
#pragma HLS INTERFACE mode=s_axilite port=not_found bundle=control offset=0x0A0
#pragma HLS INTERFACE mode=s_axilite port=expiries bundle=control offset=0x0A4
#pragma HLS INTERFACE mode=s_axilite port=age_steps bundle=control offset=0x0A8
#pragma HLS INTERFACE mode=s_axilite port=invalid_ops bundle=control offset=0x0AC
#pragma HLS INTERFACE mode=s_axilite port=moves bundle=control offset=0x0B0
#pragma HLS INTERFACE mode=s_axilite port=matured bundle=control offset=0x0B4
#pragma HLS INTERFACE mode=s_axilite port=counter_clear bundle=control offset=0x0C0
  using namespace conductor::flow;
  static FlowTableCore<FlowStaticStorage<kHlsBucketLog2>> core;
#pragma HLS BIND_STORAGE variable=core type=ram_2p impl=uram
  static bool clear_seen = false;

  Config cfg;
  cfg.ctrl = ctrl.to_uint();
  cfg.timeout_new = timeout_new.to_uint();
  cfg.timeout_est = timeout_est.to_uint();
  cfg.timeout_closing = timeout_closing.to_uint();
  cfg.sync_mature = sync_mature.to_uint();
  cfg.seed1 = hash_seed1.to_uint();
  cfg.seed2 = hash_seed2.to_uint();
  core.set_config(cfg);
  const bool clear = counter_clear[0];
  if (clear && !clear_seen) core.clear_counters();
  clear_seen = clear;

  conductor::flow::OpWord op;
  if (s_op.read_nb(op)) {
    conductor::flow::EventWord ev[kMaxEvents];
    const int n = core.execute_word(op, ev);
  EVENTS:
    for (int i = 0; i < kMaxEvents; ++i) {
#pragma HLS PIPELINE II=1
      if (i < n) m_event.write(ev[i]);
    }
  }
  ap_uint<384> req;
  if (s_lookup.read_nb(req)) m_result.write(core.lookup_word(req));

  const Counters& c = core.counters();
  *geometry = core.geometry();
  *capacity = core.capacity();
  *occupancy = c.occupancy;
  *stash_used = c.stash_used;
  *now = c.now;
  *age_cursor = c.age_cursor;
  *first_full_occupancy = c.first_full_occupancy;
  *lookups = c.lookups;
  *hits = c.hits;
  *inserts = c.inserts;
  *insert_full = c.insert_full;
  *insert_exists = c.insert_exists;
  *updates = c.updates;
  *touches = c.touches;
  *deletes = c.deletes;
  *not_found = c.not_found;
  *expiries = c.expiries;
  *age_steps = c.age_steps;
  *invalid_ops = c.invalid_ops;
  *moves = c.moves;
  *matured = c.matured;
}
