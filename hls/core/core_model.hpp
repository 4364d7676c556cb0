// C++17 (Vitis HLS and SystemC translation units include it).
// Golden model of conductor_core (rtl/core/conductor_core.sv): parser -> dist_hash -> steer, with
// the parser block's counters. The core co-simulation and `conductor sim --engine model` use it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/flow_key.hpp"
#include "dist_hash/dist_hash_model.hpp"
#include "parser/parser_model.hpp"

namespace conductor {

// Everything the host programs into the core (the rw registers of rtl/csr/conductor.regs).
struct CoreRegs {
  DistHashRegs hash;          // dist_hash block: CTRL, KEY0..9, BUCKETS
  uint32_t parser_ctrl = 0;   // parser.CTRL
  uint32_t default_dest = 0;  // parser.DEFAULT_DEST
};

// The parser block's counters (the RTL's are 32-bit and wrap; compare modulo 2^32).
struct CoreCounters {
  uint64_t rx_pkts = 0;
  uint64_t parsed_ok = 0;
  uint64_t non_ip = 0;
  uint64_t truncated = 0;
  uint64_t bad_header = 0;
  uint64_t ext_limit = 0;
  uint64_t defaulted = 0;
  uint64_t dropped = 0;

  friend bool operator==(const CoreCounters& a, const CoreCounters& b) {
    return a.rx_pkts == b.rx_pkts && a.parsed_ok == b.parsed_ok && a.non_ip == b.non_ip &&
           a.truncated == b.truncated && a.bad_header == b.bad_header &&
           a.ext_limit == b.ext_limit && a.defaulted == b.defaulted && a.dropped == b.dropped;
  }
  friend bool operator!=(const CoreCounters& a, const CoreCounters& b) { return !(a == b); }
};

// The steer stage: parse status + DECISION + parser registers -> STEER_META.
SteerMeta core_steer(const CoreRegs& regs, ParseStatus status, const Decision& dec);

// Counts one frame's STEER_META into the counters, as the RTL does.
void core_count(CoreCounters& c, const SteerMeta& meta);

// One frame through the whole core model.
SteerMeta core_process(const CoreRegs& regs, const uint8_t* frame, size_t len, uint8_t sg_id,
                       CoreCounters* counters);

}  // namespace conductor
