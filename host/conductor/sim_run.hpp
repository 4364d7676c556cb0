// `conductor sim`: frames (a pcap or synthetic traffic) through the model or the Verilated core.
#pragma once

#include <cstdio>

#include "host/conductor/sim_options.hpp"

namespace conductor {

// Runs the simulation; the JSON summary goes to `out`, errors and progress to `err`.
// Returns the process exit code (0 ok, 1 run failed, 2 bad input).
int run_sim(const SimOptions& options, std::FILE* out, std::FILE* err);

}  // namespace conductor
