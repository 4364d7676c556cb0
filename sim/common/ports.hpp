// Conversions between Verilator port types and little-endian 32-bit word vectors (word 0 = bits
// 31:0, the layout of VlWide and of conductor::to_words()).
#pragma once

#include <verilated.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace conductor::sim {

template <std::size_t N>
inline void set_port(VlWide<N>& port, const std::vector<uint32_t>& words) {
  for (std::size_t i = 0; i < N; ++i) port[i] = i < words.size() ? words[i] : 0u;
}
inline void set_port(QData& port, const std::vector<uint32_t>& words) {
  port = (words.size() > 0 ? words[0] : 0u) | (uint64_t{words.size() > 1 ? words[1] : 0u} << 32);
}
inline void set_port(IData& port, const std::vector<uint32_t>& words) { port = words.empty() ? 0u : words[0]; }
inline void set_port(SData& port, const std::vector<uint32_t>& words) {
  port = static_cast<SData>(words.empty() ? 0u : words[0]);
}
inline void set_port(CData& port, const std::vector<uint32_t>& words) {
  port = static_cast<CData>(words.empty() ? 0u : words[0]);
}

template <std::size_t N>
inline std::vector<uint32_t> get_port(const VlWide<N>& port) {
  std::vector<uint32_t> w(N);
  for (std::size_t i = 0; i < N; ++i) w[i] = port[i];
  return w;
}
inline std::vector<uint32_t> get_port(QData port) {
  return {static_cast<uint32_t>(port), static_cast<uint32_t>(port >> 32)};
}
inline std::vector<uint32_t> get_port(IData port) { return {port}; }
inline std::vector<uint32_t> get_port(SData port) { return {port}; }
inline std::vector<uint32_t> get_port(CData port) { return {port}; }

inline uint64_t words_to_u64(const std::vector<uint32_t>& w) {
  return (w.size() > 0 ? w[0] : 0u) | (uint64_t{w.size() > 1 ? w[1] : 0u} << 32);
}
inline std::vector<uint32_t> u64_to_words(uint64_t v) {
  return {static_cast<uint32_t>(v), static_cast<uint32_t>(v >> 32)};
}

}  // namespace conductor::sim
