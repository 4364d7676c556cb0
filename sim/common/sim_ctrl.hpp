// One reusable simulation controller for every Verilator bench (OpenTitan verilator_sim_ctrl idea):
// clock, reset, agents that sample before and drive after each rising edge, a cycle budget so a
// hang fails instead of hanging, and FST tracing only when asked: CONDUCTOR_TRACE=1 in the
// environment (CONDUCTOR_TRACE_DIR names the folder, default the working directory), for models
// built with TRACE_FST.
#pragma once

#include <verilated.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#if __has_include(<verilated_fst_c.h>) && defined(VM_TRACE_FST) && VM_TRACE_FST
#include <verilated_fst_c.h>
#define CONDUCTOR_SIM_HAS_FST 1
#else
#define CONDUCTOR_SIM_HAS_FST 0
#endif

namespace conductor::sim {

// A bench component that takes part in every clock cycle. sample() runs after the inputs have
// settled and before the rising edge (a handshake seen here completes at this edge); drive() runs
// after the edge and sets the inputs for the next cycle.
class Agent {
 public:
  virtual ~Agent() = default;
  virtual void sample() {}
  virtual void drive() {}
};

template <class Top>
class SimCtrl {
 public:
  // clk and rst_n are the top's clock and active-low reset ports.
  SimCtrl(Top& top, uint8_t& clk, uint8_t& rst_n, std::string name)
      : top_(top), clk_(clk), rst_n_(rst_n), name_(std::move(name)) {
    // Reset is asserted with a falling edge, so asynchronous resets act at once even in a model
    // that starts from random register contents.
    clk_ = 0;
    rst_n_ = 1;
    top_.eval();
    rst_n_ = 0;
    top_.eval();
    open_trace_if_asked();
  }
  ~SimCtrl() { close_trace(); }
  SimCtrl(const SimCtrl&) = delete;
  SimCtrl& operator=(const SimCtrl&) = delete;

  void add(Agent* agent) { agents_.push_back(agent); }

  // Holds reset for `cycles` clocks, then releases it. Agents sit reset out: what a DUT shows
  // while in reset is not traffic (AXI: VALID outputs are only defined after reset).
  void reset(int cycles = 8) {
    rst_n_ = 0;
    agents_enabled_ = false;
    for (int i = 0; i < cycles; ++i) tick();
    rst_n_ = 1;
    tick();
    agents_enabled_ = true;
  }

  // One full clock period.
  void tick() {
    clk_ = 0;
    top_.eval();
    if (agents_enabled_)
      for (Agent* a : agents_) a->sample();
    dump(2 * cycle_);
    clk_ = 1;
    top_.eval();
    dump(2 * cycle_ + 1);
    ++cycle_;
    if (agents_enabled_)
      for (Agent* a : agents_) a->drive();
    clk_ = 0;
    top_.eval();
  }

  // Ticks until done() is true; false (and a message) when max_cycles pass first.
  bool run_until(const std::function<bool()>& done, uint64_t max_cycles, const char* what = "") {
    for (uint64_t i = 0; i < max_cycles; ++i) {
      if (done()) return true;
      tick();
    }
    if (done()) return true;
    std::fprintf(stderr, "%s: timeout after %llu cycles waiting for %s (cycle %llu)\n", name_.c_str(),
                 static_cast<unsigned long long>(max_cycles), what, static_cast<unsigned long long>(cycle_));
    return false;
  }

  uint64_t cycle() const { return cycle_; }
  Top& top() { return top_; }
  const std::string& name() const { return name_; }

 private:
  static bool trace_requested() {
    const char* env = std::getenv("CONDUCTOR_TRACE");
    return env && *env && std::string(env) != "0";
  }

  void open_trace_if_asked() {
#if CONDUCTOR_SIM_HAS_FST
    if (!trace_requested()) return;
    Verilated::traceEverOn(true);
    trace_ = std::make_unique<VerilatedFstC>();
    top_.trace(trace_.get(), 99);
    std::string dir = std::getenv("CONDUCTOR_TRACE_DIR") ? std::getenv("CONDUCTOR_TRACE_DIR") : ".";
    std::string path = dir + "/" + name_ + ".fst";
    trace_->open(path.c_str());
    std::fprintf(stderr, "%s: tracing to %s\n", name_.c_str(), path.c_str());
#else
    if (trace_requested())
      std::fprintf(stderr, "%s: tracing asked for, but this model was built without TRACE_FST\n", name_.c_str());
#endif
  }
  void dump([[maybe_unused]] uint64_t t) {
#if CONDUCTOR_SIM_HAS_FST
    if (trace_) trace_->dump(t);
#endif
  }
  void close_trace() {
#if CONDUCTOR_SIM_HAS_FST
    if (trace_) trace_->close();
#endif
  }

  Top& top_;
  uint8_t& clk_;
  uint8_t& rst_n_;
  std::string name_;
  std::vector<Agent*> agents_;
  bool agents_enabled_ = true;
  uint64_t cycle_ = 0;
#if CONDUCTOR_SIM_HAS_FST
  std::unique_ptr<VerilatedFstC> trace_;
#endif
};

}  // namespace conductor::sim
