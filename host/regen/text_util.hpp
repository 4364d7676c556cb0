// Small text helpers shared by the emitters.
#pragma once

#include <cctype>
#include <cstdint>
#include <string>
#include <string_view>

namespace conductor::regen {

// At least `digits` upper-case hex digits.
inline std::string hex_digits(uint64_t v, int digits) {
  std::string r;
  while (v != 0 || static_cast<int>(r.size()) < digits) {
    r.insert(r.begin(), "0123456789ABCDEF"[v & 0xF]);
    v >>= 4;
  }
  return r;
}

// "0x" + at least `digits` upper-case hex digits.
inline std::string hex0x(uint64_t v, int digits = 8) { return "0x" + hex_digits(v, digits); }

// SV sized literal, e.g. sv_hex(12, 0x4) = "12'h004".
inline std::string sv_hex(uint32_t bits, uint64_t v) {
  return std::to_string(bits) + "'h" + hex_digits(v, static_cast<int>((bits + 3) / 4));
}

inline std::string pad(std::string s, size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

// KEY_0 / build_hash -> Key0 / BuildHash (SV localparam style).
inline std::string camel(std::string_view s) {
  std::string r;
  bool up = true;
  for (char c : s) {
    if (c == '_') {
      up = true;
      continue;
    }
    unsigned char u = static_cast<unsigned char>(c);
    r.push_back(static_cast<char>(up ? std::toupper(u) : std::tolower(u)));
    up = false;
  }
  return r;
}

inline std::string bits_range(uint64_t lsb, uint64_t width) {
  if (width == 1) return "[" + std::to_string(lsb) + "]";
  return "[" + std::to_string(lsb + width - 1) + ":" + std::to_string(lsb) + "]";
}

}  // namespace conductor::regen
