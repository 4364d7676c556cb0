// The directed parser cases: hand-built frames with the flow key and status docs/architecture.md
// gives them, worked out by hand (not by running the model). The model unit tests, the RTL
// co-simulation and the fuzz seed corpus all use this one list.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "parser/frame_builder.hpp"
#include "parser/parser_model.hpp"

namespace conductor::test {

struct ParserCase {
  std::string name;  // a valid gtest parameter name: [A-Za-z0-9_]
  Bytes frame;
  uint8_t sg_id = 0;
  ParseResult expected;
  // The shortest prefix of `frame` that parses to `expected`: every shorter prefix is truncated,
  // every longer one gives `expected`. Cases whose expected status is truncated have needed = size.
  size_t needed = 0;
};

std::vector<ParserCase> parser_cases();

// A random frame of 0..max_len bytes: mostly well-formed IPv4/IPv6 frames with 0..3 tags, options,
// fragments and IPv6 extension chains (some past the window), with random field values, cuts and
// corruptions mixed in, plus some pure garbage. Deterministic for a given generator state.
Bytes random_frame(std::mt19937_64& rng, size_t max_len = 300);

}  // namespace conductor::test
