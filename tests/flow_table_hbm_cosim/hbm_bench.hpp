// A bench around one Verilated flow_table_hbm (rtl/flow_table/flow_table_hbm.sv), its memory
// model (sim/common/hbm_model.hpp) and the golden model FlowTableModel. Lookups are taken into the
// reorder buffer on s_lookup and applied to the model in the clock the kernel releases them
// (released_o); ops are taken into the op gate on s_op and applied in the clock the engine takes
// them (op_applied_o); ops first within a clock, stamped with the count of enabled clocks: the
// HBM build's visibility rule (docs/flow_table.md, "Connections in HBM"). Every result and event
// word is compared bit for bit with the model's.
#pragma once

#include <Vflow_table_hbm.h>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <random>
#include <vector>

#include "flow_stimulus.hpp"
#include "hbm_model.hpp"
#include "table_bench.hpp"

namespace conductor::flowsim {

#ifndef HBM_BENCH_BUCKET_LOG2
#define HBM_BENCH_BUCKET_LOG2 9
#endif
#ifndef HBM_BENCH_CHANNELS
#define HBM_BENCH_CHANNELS 8
#endif
#ifndef HBM_BENCH_ADDR_BITS
#define HBM_BENCH_ADDR_BITS 20
#endif
#ifndef HBM_BENCH_ID_BITS
#define HBM_BENCH_ID_BITS 9
#endif
constexpr int kHbmBucketLog2Max = HBM_BENCH_BUCKET_LOG2;

struct HbmKnobs : Knobs {
  int release_idle = 0;   // % of clocks release_i is low
  bool age_hold = false;  // release_i low while an AGE is in the op gate, as the core holds its lookups
  bool random_init = false;
  sim::HbmConfig mem{};  // channels, addr_bits and id_bits are set by the bench
};

class HbmBench : public TableBench<Vflow_table_hbm> {
 public:
  explicit HbmBench(uint64_t seed, HbmKnobs k = {})
      : TableBench(make_ctx(k.random_init), "flow_table_hbm", kHbmBucketLog2Max, seed, k, 8000000),
        hbm(*top_, mem_config(k.mem, seed)) {
    // GEOMETRY is left out of compare_registers(): WALK_MAX is 0 here, the model's build has a walk.
    skip_reg_ = regs::FLOW_TABLE_GEOMETRY_OFFSET;
    top_->release_i = 0;
    rel_.bench = this;
    rel_.idle = k.release_idle;
    rel_.age_hold = k.age_hold;
    rel_.g.seed(seed * 13 + 5);
    ctrl.add(&hbm);
    ctrl.add(&rel_);
    start(1u << 22);
  }

  uint64_t released() const { return released_; }
  uint64_t applied() const { return applied_; }
  uint64_t forced_frees() const { return forced_; }
  // Clocks in which a lookup was released, in order.
  const std::vector<uint64_t>& release_cycles() const { return release_cycles_; }

 private:
  static std::unique_ptr<VerilatedContext> make_ctx(bool random_init) {
    auto ctx = std::make_unique<VerilatedContext>();
    ctx->randReset(random_init ? 2 : 0);  // random initial register contents (built with --x-initial unique)
    return ctx;
  }
  static sim::HbmConfig mem_config(sim::HbmConfig m, uint64_t seed) {
    m.channels = HBM_BENCH_CHANNELS;
    m.addr_bits = HBM_BENCH_ADDR_BITS;
    m.id_bits = HBM_BENCH_ID_BITS;
    m.seed = seed * 17 + 6;
    return m;
  }

  // release_i: high unless the knob idles it or an AGE is in the op gate (age_hold).
  struct Releaser : sim::Agent {
    HbmBench* bench = nullptr;
    int idle = 0;
    bool age_hold = false;
    std::mt19937_64 g;
    void drive() override {
      bool r = idle == 0 || static_cast<int>(g() % 100) >= idle;
      if (age_hold) {
        for (const sim::AxisBeat& op : bench->taken_op_) {
          const flow::OpWord w = from_words<regs::FLOW_OP_BITS>(op.data.data());
          if (w.range(regs::FLOW_OP_OPCODE_LSB + 3, regs::FLOW_OP_OPCODE_LSB) == regs::FLOW_OP_OPCODE_AGE) r = false;
        }
      }
      bench->top_->release_i = r;
    }
  };
  // The op the engine took and the lookup released in this clock go to the model, ops first.
  void sample_clock() override {
    TableBench::sample_clock();
    released_now_ = top_->released_o != 0;
    applied_now_ = top_->op_applied_o != 0;
    if (top_->force_free_o) ++forced_;
  }
  void sequence() override {
    if (applied_now_) {
      if (taken_op_.empty()) {
        std::fprintf(stderr, "op_applied_o without an op taken\n");
        ++protocol_errors;
      } else {
        apply_op();
        ++applied_;
      }
    }
    if (released_now_) {
      if (taken_lk_.empty()) {
        std::fprintf(stderr, "released_o without a lookup taken\n");
        ++protocol_errors;
      } else {
        apply_lookup();
        ++released_;
        release_cycles_.push_back(ctrl.cycle());
      }
    }
    end_clock();
  }

 public:
  sim::HbmModel<Vflow_table_hbm> hbm;
  int protocol_errors = 0;

 private:
  Releaser rel_;
  bool released_now_ = false, applied_now_ = false;
  uint64_t released_ = 0, applied_ = 0, forced_ = 0;
  std::vector<uint64_t> release_cycles_;
};

}  // namespace conductor::flowsim
