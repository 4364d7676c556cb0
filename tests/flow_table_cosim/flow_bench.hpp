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

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "axil_master.hpp"
#include "axis.hpp"
#include "common/gen/conductor_regs.hpp"
#include "common/packing.hpp"
#include "flow_stimulus.hpp"
#include "flow_table/flow_table_model.hpp"
#include "ports.hpp"
#include "scoreboard.hpp"
#include "sim_ctrl.hpp"

namespace conductor::flowsim {

#ifndef FLOW_BENCH_BUCKET_LOG2
#define FLOW_BENCH_BUCKET_LOG2 9
#endif
constexpr int kBucketLog2Max = FLOW_BENCH_BUCKET_LOG2;  // -GBucketLog2Max of the Verilated build
constexpr unsigned kLatencyCycles = 7;                  // flow_table.sv LatencyCycles
constexpr unsigned kOpCycles = 8;                       // handshake to handshake, simple ops without HINT
constexpr unsigned kHintedOpCycles = 2;                 // with HINT, when no earlier op's pending write conflicts

using ResultWord = std::array<uint32_t, (regs::FLOW_RESULT_BITS + 31) / 32>;
using EventWord = std::array<uint32_t, (regs::FLOW_EVENT_BITS + 31) / 32>;

inline std::string print_result(const ResultWord& w) {
  return to_string(unpack_flow_result(from_words<regs::FLOW_RESULT_BITS>(w)));
}
inline std::string print_event(const EventWord& w) {
  const flow::EventWord x = from_words<regs::FLOW_EVENT_BITS>(w);
  char raw[40];
  std::snprintf(raw, sizeof raw, " [value word 0x%016llx]",
                static_cast<unsigned long long>(
                    x.range(regs::FLOW_EVENT_VALUE_LSB + 63, regs::FLOW_EVENT_VALUE_LSB).to_uint64()));
  return to_string(unpack_flow_event(x)) + raw;
}

struct Knobs {
  int lookup_idle = 0;   // % of clocks the lookup source waits
  int op_idle = 0;       // % of clocks the op source waits
  int result_stall = 0;  // % of clocks m_result_TREADY is low
  int event_stall = 0;   // % of clocks m_event_TREADY is low
};

class FlowBench {
 public:
  explicit FlowBench(uint64_t seed, Knobs k = {})
      : top_(std::make_unique<Vflow_table>(&ctx_, "flow_table")),
        ctrl(*top_, top_->ap_clk, top_->ap_rst_n, "flow_table"),
        axil(ctrl, 4000),
        lk_src({[this](const sim::AxisBeat& b, bool v) {
                  sim::set_port(top_->s_lookup_TDATA, b.data);
                  top_->s_lookup_TVALID = v;
                },
                [this] { return top_->s_lookup_TREADY != 0; }},
               seed * 3 + 1, k.lookup_idle),
        op_src({[this](const sim::AxisBeat& b, bool v) {
                  sim::set_port(top_->s_op_TDATA, b.data);
                  top_->s_op_TVALID = v;
                },
                [this] { return top_->s_op_TREADY != 0; }},
               seed * 5 + 2, k.op_idle),
        res_sink({[this] { return top_->m_result_TVALID != 0; },
                  [this] {
                    sim::AxisBeat b;
                    b.data = sim::get_port(top_->m_result_TDATA);
                    return b;
                  },
                  [this](bool r) { top_->m_result_TREADY = r; }},
                 seed * 7 + 3, 100 - k.result_stall),
        ev_sink({[this] { return top_->m_event_TVALID != 0; },
                 [this] {
                   sim::AxisBeat b;
                   b.data = sim::get_port(top_->m_event_TDATA);
                   return b;
                 },
                 [this](bool r) { top_->m_event_TREADY = r; }},
                seed * 11 + 4, 100 - k.event_stall),
        results("flow_table results", print_result),
        events("flow_table events", print_event),
        model(kBucketLog2Max) {
    ctrl.add(&lk_src);
    ctrl.add(&op_src);
    ctrl.add(&res_sink);
    ctrl.add(&ev_sink);
    ctrl.add(&seq_);
    seq_.bench = this;
    lk_src.on_fire = [this](const sim::AxisBeat& b) {
      lk_cycles.push_back(ctrl.cycle());
      fired_lk_.push_back(b);
    };
    op_src.on_fire = [this](const sim::AxisBeat& b) {
      op_cycles.push_back(ctrl.cycle());
      fired_op_.push_back(b);
    };
    res_sink.on_beat = [this](const sim::AxisBeat& b) {
      res_cycles.push_back(ctrl.cycle());
      ResultWord w{};
      for (size_t i = 0; i < w.size(); ++i) w[i] = b.data[i];
      got_results.push_back(unpack_flow_result(from_words<regs::FLOW_RESULT_BITS>(w)));
      results.step(w);
    };
    ev_sink.on_beat = [this](const sim::AxisBeat& b) {
      EventWord w{};
      for (size_t i = 0; i < w.size(); ++i) w[i] = b.data[i];
      got_events.push_back(unpack_flow_event(from_words<regs::FLOW_EVENT_BITS>(w)));
      events.step(w);
    };
    ctrl.reset();
    init_cycles = ctrl.cycle();
    ctrl.run_until([this] { return top_->s_lookup_TREADY != 0; }, 1u << 20, "the table clear after reset");
    init_cycles = ctrl.cycle() - init_cycles;
  }

  // Registers: program the RTL over AXI-Lite and the model alike.
  void program(const flow::Config& c) {
    axil.write_ok(regs::FLOW_TABLE_CTRL_OFFSET, c.ctrl);
    axil.write_ok(regs::FLOW_TABLE_TIMEOUT_NEW_OFFSET, c.timeout_new);
    axil.write_ok(regs::FLOW_TABLE_TIMEOUT_EST_OFFSET, c.timeout_est);
    axil.write_ok(regs::FLOW_TABLE_TIMEOUT_CLOSING_OFFSET, c.timeout_closing);
    axil.write_ok(regs::FLOW_TABLE_SYNC_MATURE_OFFSET, c.sync_mature);
    axil.write_ok(regs::FLOW_TABLE_HASH_SEED1_OFFSET, c.seed1);
    axil.write_ok(regs::FLOW_TABLE_HASH_SEED2_OFFSET, c.seed2);
    model.set_config(c);
  }

  void lookup(const ap_uint<384>& w) {
    sim::AxisBeat b;
    b.data.resize((regs::FLOW_LOOKUP_BITS + 31) / 32);
    to_words(w, b.data.data());
    lk_src.push(std::move(b));
  }
  void lookup(const FlowLookup& l) { lookup(pack(l)); }
  void op(const flow::OpWord& w) {
    sim::AxisBeat b;
    b.data.resize((regs::FLOW_OP_BITS + 31) / 32);
    to_words(w, b.data.data());
    op_src.push(std::move(b));
  }
  void op(const FlowOp& o) { op(pack(o)); }

  bool drain(uint64_t max_cycles = 4000000) {
    return ctrl.run_until(
        [this] {
          return lk_src.idle() && op_src.idle() && results.outstanding() == 0 && events.outstanding() == 0 &&
                 fired_op_.empty() && fired_lk_.empty();
        },
        max_cycles, "all results and events");
  }

  // Every register of block flow_table: RTL (AXI-Lite) against the model; mismatches printed.
  int compare_registers() {
    int bad = 0;
    for (size_t i = 0; i < regs::kNumRegisters; ++i) {
      const regs::RegInfo& r = regs::kRegisters[i];
      if (std::string(r.block) != "flow_table" || r.access == regs::Access::kW1p) continue;
      const uint32_t got = axil.read_ok(r.offset);
      const uint32_t want = model.read_reg(r.offset);
      if (got != want) {
        std::fprintf(stderr, "register %s: rtl %u model %u\n", r.name, got, want);
        ++bad;
      }
    }
    return bad;
  }

  Vflow_table& top() { return *top_; }

 private:
  // Runs last in every clock: feeds what fired in this clock to the model, ops first.
  struct Sequencer : sim::Agent {
    FlowBench* bench = nullptr;
    bool en = false;  // the table's global enable in the clock that just ended
    void sample() override { en = !bench->top_->m_result_TVALID || bench->top_->m_result_TREADY; }
    void drive() override { bench->sequence(en); }
  };
  void sequence(bool en) {
    for (const sim::AxisBeat& b : fired_op_) {
      flow::EventWord ev[flow::kMaxEvents];
      const int n = model.apply_word_at(from_words<regs::FLOW_OP_BITS>(b.data.data()), ev, en_clock_);
      for (int i = 0; i < n; ++i) events.expect(to_words(ev[i]));
    }
    for (const sim::AxisBeat& b : fired_lk_) {
      results.expect(to_words(model.lookup_word_at(from_words<regs::FLOW_LOOKUP_BITS>(b.data.data()), en_clock_)));
    }
    fired_op_.clear();
    fired_lk_.clear();
    if (en) ++en_clock_;
  }

  VerilatedContext ctx_;
  std::unique_ptr<Vflow_table> top_;

 public:
  sim::SimCtrl<Vflow_table> ctrl;
  sim::AxilMaster<Vflow_table> axil;
  sim::AxisSource lk_src, op_src;
  sim::AxisSink res_sink, ev_sink;
  sim::Scoreboard<ResultWord> results;
  sim::Scoreboard<EventWord> events;
  FlowTableModel model;
  std::vector<uint64_t> lk_cycles, op_cycles, res_cycles;
  std::vector<FlowResult> got_results;
  std::vector<FlowEvent> got_events;
  uint64_t init_cycles = 0;

 private:
  Sequencer seq_;
  std::vector<sim::AxisBeat> fired_lk_, fired_op_;
  uint64_t en_clock_ = 0;  // enabled clocks so far
};

}  // namespace conductor::flowsim
