// What the flow-table benches share, for any Verilated build of the kernel (Top: Vflow_table,
// Vflow_table_hbm): the golden model FlowTableModel, two AXI-Stream sources (s_lookup, s_op), two
// sinks (m_result, m_event), AXI-Lite registers, and the scoreboards that compare every result and
// event word bit for bit with the model's. Each handshake is recorded with its clock; a sequencer,
// the last agent of every clock, hands the ops and lookups that reached their visibility clock to
// the model (sequence(), the build's rule), stamped with the count of enabled clocks, and queues the
// model's words as expectations. The builds: tests/flow_table_cosim/flow_bench.hpp (on chip),
// tests/flow_table_hbm_cosim/hbm_bench.hpp (HBM).
#pragma once

#include <verilated.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "axil_master.hpp"
#include "axis.hpp"
#include "common/gen/conductor_regs.hpp"
#include "common/packing.hpp"
#include "flow_table/flow_table_model.hpp"
#include "ports.hpp"
#include "scoreboard.hpp"
#include "sim_ctrl.hpp"

namespace conductor::flowsim {

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

template <class Top>
class TableBench {
 public:
  TableBench(const TableBench&) = delete;
  TableBench& operator=(const TableBench&) = delete;
  virtual ~TableBench() = default;

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

  // Runs until every pushed lookup and op went through and every expected word came out; 0: the
  // build's default limit.
  bool drain(uint64_t max_cycles = 0) {
    return ctrl.run_until(
        [this] {
          return lk_src.idle() && op_src.idle() && results.outstanding() == 0 && events.outstanding() == 0 &&
                 taken_op_.empty() && taken_lk_.empty();
        },
        max_cycles != 0 ? max_cycles : drain_cycles_, "all results and events");
  }

  // Every register of block flow_table (but skip_reg_): RTL (AXI-Lite) against the model;
  // mismatches printed.
  int compare_registers() {
    int bad = 0;
    for (size_t i = 0; i < regs::kNumRegisters; ++i) {
      const regs::RegInfo& r = regs::kRegisters[i];
      if (std::string(r.block) != "flow_table" || r.access == regs::Access::kW1p) continue;
      if (r.offset == skip_reg_) continue;
      const uint32_t got = axil.read_ok(r.offset);
      const uint32_t want = model.read_reg(r.offset);
      if (got != want) {
        std::fprintf(stderr, "register %s: rtl %u model %u\n", r.name, got, want);
        ++bad;
      }
    }
    return bad;
  }

  Top& top() { return *top_; }

 protected:
  // name: the Verilated top's instance name; bucket_log2: its -GBucketLog2Max (the model's build).
  TableBench(std::unique_ptr<VerilatedContext> ctx, const char* name, int bucket_log2, uint64_t seed, const Knobs& k,
             uint64_t drain_cycles)
      : ctx_(std::move(ctx)),
        top_(std::make_unique<Top>(ctx_.get(), name)),
        ctrl(*top_, top_->ap_clk, top_->ap_rst_n, name),
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
        results(std::string(name) + " results", print_result),
        events(std::string(name) + " events", print_event),
        model(bucket_log2),
        drain_cycles_(drain_cycles) {
    ctrl.add(&lk_src);
    ctrl.add(&op_src);
    ctrl.add(&res_sink);
    ctrl.add(&ev_sink);
    seq_.bench = this;
    lk_src.on_fire = [this](const sim::AxisBeat& b) {
      lk_cycles.push_back(ctrl.cycle());
      taken_lk_.push_back(b);
    };
    op_src.on_fire = [this](const sim::AxisBeat& b) {
      op_cycles.push_back(ctrl.cycle());
      taken_op_.push_back(b);
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
  }

  // The end of the build's constructor, after it added its own agents: the sequencer last, reset,
  // and the clocks until the table takes lookups (init_cycles).
  void start(uint64_t init_limit) {
    ctrl.add(&seq_);
    ctrl.reset();
    init_cycles = ctrl.cycle();
    ctrl.run_until([this] { return top_->s_lookup_TREADY != 0; }, init_limit, "the table clear after reset");
    init_cycles = ctrl.cycle() - init_cycles;
  }

  // The sequencer's halves: sample_clock() reads the clock's outputs (en_: the table's global
  // enable), sequence() hands the model what became visible in the clock and ends with end_clock().
  virtual void sample_clock() { en_ = !top_->m_result_TVALID || top_->m_result_TREADY; }
  virtual void sequence() = 0;
  void end_clock() {
    if (en_) ++en_clock_;
  }
  // The oldest op / lookup taken, to the model at this enabled clock; its words expected.
  void apply_op() {
    flow::EventWord ev[flow::kMaxEvents];
    const int n = model.apply_word_at(from_words<regs::FLOW_OP_BITS>(taken_op_.front().data.data()), ev, en_clock_);
    for (int i = 0; i < n; ++i) events.expect(to_words(ev[i]));
    taken_op_.pop_front();
  }
  void apply_lookup() {
    results.expect(
        to_words(model.lookup_word_at(from_words<regs::FLOW_LOOKUP_BITS>(taken_lk_.front().data.data()), en_clock_)));
    taken_lk_.pop_front();
  }

  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<Top> top_;

 public:
  sim::SimCtrl<Top> ctrl;
  sim::AxilMaster<Top> axil;
  sim::AxisSource lk_src, op_src;
  sim::AxisSink res_sink, ev_sink;
  sim::Scoreboard<ResultWord> results;
  sim::Scoreboard<EventWord> events;
  FlowTableModel model;
  std::vector<uint64_t> lk_cycles, op_cycles;  // clocks of the s_lookup / s_op handshakes, in order
  std::vector<uint64_t> res_cycles;            // clocks in which a result was taken, in order
  std::vector<FlowResult> got_results;
  std::vector<FlowEvent> got_events;
  uint64_t init_cycles = 0;

 protected:
  std::deque<sim::AxisBeat> taken_lk_, taken_op_;  // taken on s_lookup / s_op, not yet in the model
  bool en_ = false;                                // the table's global enable in this clock
  uint64_t en_clock_ = 0;                          // enabled clocks so far
  uint64_t drain_cycles_;
  uint32_t skip_reg_ = ~0u;  // a register offset compare_registers() leaves out

 private:
  struct Sequencer : sim::Agent {
    TableBench* bench = nullptr;
    void sample() override { bench->sample_clock(); }
    void drive() override { bench->sequence(); }
  };
  Sequencer seq_;
};

}  // namespace conductor::flowsim
