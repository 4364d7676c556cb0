// Frames <-> 512-bit AXI-Stream beats, by the rules of docs/architecture.md: byte j of beat k is
// tdata[8j+7:8j] and byte 64k+j of the frame; the last beat's TKEEP has one bit per byte present.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "axis.hpp"

namespace conductor::sim {

constexpr std::size_t kBeatBytes = 64;
constexpr std::size_t kBeatWords = kBeatBytes / 4;

// Byte j of a beat is bits 8j+7:8j of the word vector, which is memory order on a little-endian host.
constexpr bool kLittleEndianHost = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__;

inline void copy_into_words(uint32_t* words, const uint8_t* bytes, std::size_t n) {
  if constexpr (kLittleEndianHost) {
    std::memcpy(words, bytes, n);
  } else {
    for (std::size_t j = 0; j < n; ++j) words[j / 4] |= uint32_t{bytes[j]} << (8 * (j % 4));
  }
}

inline uint64_t keep_for_bytes(std::size_t n) { return n >= 64 ? ~uint64_t{0} : ((uint64_t{1} << n) - 1); }

// A zero-length frame becomes one beat with TKEEP 0. user goes on every beat.
inline std::vector<AxisBeat> frame_to_beats(const uint8_t* bytes, std::size_t len, const std::vector<uint32_t>& user) {
  std::vector<AxisBeat> beats;
  std::size_t nbeats = len == 0 ? 1 : (len + kBeatBytes - 1) / kBeatBytes;
  beats.reserve(nbeats);
  for (std::size_t b = 0; b < nbeats; ++b) {
    AxisBeat beat;
    beat.data.assign(kBeatWords, 0);
    std::size_t base = b * kBeatBytes;
    std::size_t n = len > base ? (len - base < kBeatBytes ? len - base : kBeatBytes) : 0;
    copy_into_words(beat.data.data(), bytes + base, n);
    beat.last = b + 1 == nbeats;
    beat.keep = beat.last ? keep_for_bytes(n) : ~uint64_t{0};
    beat.user = user;
    beats.push_back(std::move(beat));
  }
  return beats;
}

// Bytes of one beat that belong to the frame (all 64 unless last; then the leading ones of TKEEP).
inline std::size_t beat_bytes(const AxisBeat& beat) {
  if (!beat.last) return kBeatBytes;
  std::size_t n = 0;
  while (n < kBeatBytes && ((beat.keep >> n) & 1)) ++n;
  return n;
}

inline void append_beat(std::vector<uint8_t>& frame, const AxisBeat& beat) {
  std::size_t n = beat_bytes(beat);
  std::size_t at = frame.size();
  frame.resize(at + n);
  if constexpr (kLittleEndianHost) {
    std::memcpy(frame.data() + at, beat.data.data(), n);
  } else {
    for (std::size_t j = 0; j < n; ++j) frame[at + j] = static_cast<uint8_t>(beat.data[j / 4] >> (8 * (j % 4)));
  }
}

}  // namespace conductor::sim
