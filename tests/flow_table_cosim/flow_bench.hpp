// A bench around one Verilated flow_table (rtl/flow_table) and the golden model FlowTableModel:
// two AXI-Stream sources (s_lookup, s_op), two sinks (m_result, m_event), AXI-Lite registers.
// Every handshake is recorded with its clock; at the end of each clock a sequencer applies the ops
// and lookups that fired in that clock to the model (ops first: a lookup accepted in the same clock
// as an op sees it, docs/flow_table.md "Visibility"), stamped with the count of enabled clocks (the
// activity marks' timing, "Activity"), and queues the model's words as expectations, so every RTL
// output word is compared bit for bit with the model's. Used by the co-simulation
// (tests/flow_table_cosim) and by bench_flow (RTL operations per clock).
#pragma once

#include <Vflow_table.h>

#include <cstdint>
#include <memory>

#include "flow_stimulus.hpp"
#include "table_bench.hpp"

namespace conductor::flowsim {

#ifndef FLOW_BENCH_BUCKET_LOG2
#define FLOW_BENCH_BUCKET_LOG2 9
#endif
constexpr int kBucketLog2Max = FLOW_BENCH_BUCKET_LOG2;  // -GBucketLog2Max of the Verilated build
constexpr unsigned kLatencyCycles = 7;                  // flow_table.sv LatencyCycles
constexpr unsigned kOpCycles = 8;                       // handshake to handshake, simple ops without HINT
constexpr unsigned kHintedOpCycles = 2;                 // with HINT, when no earlier op's pending write conflicts

class FlowBench : public TableBench<Vflow_table> {
 public:
  explicit FlowBench(uint64_t seed, Knobs k = {})
      : TableBench(std::make_unique<VerilatedContext>(), "flow_table", kBucketLog2Max, seed, k, 4000000) {
    start(1u << 20);
  }

 private:
  // Ops and lookups are visible from their handshake clock: all that fired in this clock, ops first.
  void sequence() override {
    while (!taken_op_.empty()) apply_op();
    while (!taken_lk_.empty()) apply_lookup();
    end_clock();
  }
};

}  // namespace conductor::flowsim
