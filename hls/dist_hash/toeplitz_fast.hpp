// C++17. Host only (not synthesizable): fast Toeplitz hash for the software data path, bit-identical
// to toeplitz() in dist_hash_model.hpp (tests/hls/toeplitz_fast_test.cpp checks random keys and
// inputs against it). Three implementations, the best one the CPU supports chosen at run time:
//
//   kTable   portable. 36 tables of 256 x uint32 (36 KiB) built when the key is set: the hash is
//            the XOR of one lookup per input byte.
//   kClmul   x86-64 with PCLMULQDQ + SSSE3. Toeplitz is a carry-less product: with the input bits
//            reflected (input bit i at x^i) and the key in natural order (key bit k at x^(351-k)),
//            hash bit 31-j is the coefficient of x^(351-j), so the hash is bits 320..351 of
//            X(x) * K(x) — the low half of limb 5 of the product. Only the limb products a+b = 5
//            (their low 64 bits) and a+b = 4 (their high 64 bits) reach it: 4 PCLMULQDQ for inputs
//            up to 16 bytes, 10 up to 36. Reflecting the input is a per-byte bit reversal (pshufb);
//            the byte order stays as in memory.
//   kAvx512  x86-64 with AVX-512 BW/VL, VPCLMULQDQ and GFNI: the same product four 128-bit lanes
//            at a time. One masked 64-byte load (no padding needed, nothing read past len), one
//            GF2P8AFFINEQB to reflect the bits, four VPCLMULQDQ, a lane reduction.
//
// Inputs are at most kToeplitzFastMaxLen (36) bytes: the longest dist_hash input, and the most a
// 40-byte key covers.
#pragma once

#include <array>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#define CONDUCTOR_TOEPLITZ_X86 1
#define CONDUCTOR_TARGET_CLMUL __attribute__((target("pclmul,ssse3,sse4.1")))
#define CONDUCTOR_TARGET_AVX512 __attribute__((target("avx2,avx512f,avx512bw,avx512vl,gfni,vpclmulqdq,pclmul,sse4.1")))
#endif

namespace conductor {

constexpr size_t kToeplitzFastMaxLen = 36;

class ToeplitzFast {
 public:
  enum class Impl : uint8_t { kTable = 0, kClmul = 1, kAvx512 = 2 };

  // key40: the 40-byte Toeplitz key (KEY0..KEY9 as bytes, key byte 0 first).
  explicit ToeplitzFast(const uint8_t* key40) : impl_(best_impl()) { set_key(key40); }
  ToeplitzFast(const uint8_t* key40, Impl impl) : impl_(impl) {
    assert(supported(impl));
    set_key(key40);
  }

  // Rebuilds the tables and key vectors (about 10 us).
  void set_key(const uint8_t* key40);
  const std::array<uint8_t, 40>& key() const { return key_; }

  static bool supported(Impl impl);
  static Impl best_impl();
  static const char* impl_name(Impl impl);
  Impl impl() const { return impl_; }
  void set_impl(Impl impl) {
    assert(supported(impl));
    impl_ = impl;
  }

  // Toeplitz hash of in[0..len), len <= 36, with the selected implementation.
  uint32_t hash(const uint8_t* in, size_t len) const;
  // Same, when in[len..40) is readable and zero (HashInput::bytes is): saves a copy on kClmul.
  uint32_t hash_padded(const uint8_t* in40, size_t len) const;

  // The dist_hash input of an address pair (16-byte big-endian arrays; IPv4 uses bytes 12..15), in
  // this order, followed by the ports when with_ports: ports = (first port << 16) | second port.
  // Same result as hashing the bytes hash_input() builds, without building them.
  uint32_t hash_tuple(const uint8_t* a16, const uint8_t* b16, bool ipv6, bool with_ports, uint32_t ports) const;

  // The implementations themselves (the benchmark and the tests call them directly; the caller
  // checks supported()).
  uint32_t hash_table(const uint8_t* in, size_t len) const;
#if CONDUCTOR_TOEPLITZ_X86
  CONDUCTOR_TARGET_CLMUL uint32_t hash_clmul_padded(const uint8_t* in40, size_t len) const;
  CONDUCTOR_TARGET_AVX512 uint32_t hash_avx512(const uint8_t* in, size_t len) const;
#endif

 private:
  // 32 key bits starting at key bit s (bits past the key's end are zero).
  uint32_t key_window(int s) const;
  // Limb b (0..5) of K(x): bit t is key bit 351 - 64b - t.
  uint64_t key_limb(int b) const;
#if CONDUCTOR_TOEPLITZ_X86
  CONDUCTOR_TARGET_CLMUL static __m128i reflect_bytes(__m128i v);
  CONDUCTOR_TARGET_CLMUL __m128i clmul_lane(int l, __m128i x) const;
  CONDUCTOR_TARGET_AVX512 uint32_t avx512_short(__m128i raw) const;  // input bytes 0..15
  CONDUCTOR_TARGET_AVX512 uint32_t avx512_long(__m512i raw) const;   // input bytes 0..39
  CONDUCTOR_TARGET_AVX512 uint32_t hash_tuple_avx512(const uint8_t* a16, const uint8_t* b16, bool ipv6, bool with_ports,
                                                     uint32_t ports) const;
#endif

  std::array<uint8_t, 40> key_{};
  Impl impl_;
  // Per lane l (of four 128-bit lanes): a = [K(5-2l), K(4-2l)], b = [K(4-2l), K(3-2l)]; limbs
  // below 0 are zero. Lane l multiplies input limbs 2l (low qword) and 2l+1 (high qword).
  alignas(64) uint64_t ka_[8] = {};
  alignas(64) uint64_t kb_[8] = {};
  alignas(64) std::array<std::array<uint32_t, 256>, kToeplitzFastMaxLen> table_{};
};

// ---- implementation ----------------------------------------------------------------------------

inline uint32_t ToeplitzFast::key_window(int s) const {
  uint64_t w = 0;  // key bits 8(s/8) .. 8(s/8)+39, MSB first
  for (int i = 0; i < 5; ++i) {
    const int idx = s / 8 + i;
    w = (w << 8) | (idx < 40 ? key_[idx] : 0);
  }
  return static_cast<uint32_t>(w >> (8 - s % 8));
}

inline uint64_t ToeplitzFast::key_limb(int b) const {
  uint64_t limb = 0;
  for (int t = 0; t < 64; ++t) {
    const int k = 351 - 64 * b - t;
    if (k >= 0 && k < 320 && ((key_[k / 8] >> (7 - k % 8)) & 1)) limb |= uint64_t{1} << t;
  }
  return limb;
}

inline void ToeplitzFast::set_key(const uint8_t* key40) {
  std::memcpy(key_.data(), key40, key_.size());
  for (size_t p = 0; p < kToeplitzFastMaxLen; ++p) {
    auto& t = table_[p];
    t[0] = 0;
    for (int bit = 7; bit >= 0; --bit) {                             // LSB first, so t[low] is complete for low < v
      const uint32_t w = key_window(static_cast<int>(8 * p) + bit);  // input bit 8p + bit
      const int v = 0x80 >> bit;
      for (int low = 0; low < v; ++low) t[v | low] = t[low] ^ w;  // linear in the byte
    }
  }
  uint64_t k[6];
  for (int b = 0; b < 6; ++b) k[b] = key_limb(b);
  for (int l = 0; l < 4; ++l) {
    auto limb = [&k](int b) { return b >= 0 && b < 6 ? k[b] : uint64_t{0}; };
    ka_[2 * l] = l < 3 ? limb(5 - 2 * l) : 0;
    ka_[2 * l + 1] = l < 3 ? limb(4 - 2 * l) : 0;
    kb_[2 * l] = l < 3 ? limb(4 - 2 * l) : 0;
    kb_[2 * l + 1] = l < 3 ? limb(3 - 2 * l) : 0;
  }
}

inline bool ToeplitzFast::supported(Impl impl) {
  switch (impl) {
    case Impl::kTable:
      return true;
#if CONDUCTOR_TOEPLITZ_X86
    case Impl::kClmul:
      __builtin_cpu_init();
      return __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("ssse3") && __builtin_cpu_supports("sse4.1");
    case Impl::kAvx512:
      __builtin_cpu_init();
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("gfni") &&
             __builtin_cpu_supports("vpclmulqdq") && __builtin_cpu_supports("pclmul");
#endif
    default:
      return false;
  }
}

inline ToeplitzFast::Impl ToeplitzFast::best_impl() {
  static const Impl best = supported(Impl::kAvx512)  ? Impl::kAvx512
                           : supported(Impl::kClmul) ? Impl::kClmul
                                                     : Impl::kTable;
  return best;
}

inline const char* ToeplitzFast::impl_name(Impl impl) {
  switch (impl) {
    case Impl::kTable:
      return "table";
    case Impl::kClmul:
      return "clmul";
    case Impl::kAvx512:
      return "avx512";
  }
  return "?";
}

inline uint32_t ToeplitzFast::hash_table(const uint8_t* in, size_t len) const {
  assert(len <= kToeplitzFastMaxLen);
  uint32_t h0 = 0, h1 = 0;  // two chains: the lookups are independent
  size_t p = 0;
  for (; p + 2 <= len; p += 2) {
    h0 ^= table_[p][in[p]];
    h1 ^= table_[p + 1][in[p + 1]];
  }
  if (p < len) h0 ^= table_[p][in[p]];
  return h0 ^ h1;
}

#if CONDUCTOR_TOEPLITZ_X86

// Reverses the bits of every byte (two nibble lookups).
CONDUCTOR_TARGET_CLMUL inline __m128i ToeplitzFast::reflect_bytes(__m128i v) {
  const __m128i rev_lo =
      _mm_setr_epi8(0x00, 0x08, 0x04, 0x0c, 0x02, 0x0a, 0x06, 0x0e, 0x01, 0x09, 0x05, 0x0d, 0x03, 0x0b, 0x07, 0x0f);
  const __m128i rev_hi = _mm_slli_epi16(rev_lo, 4);  // the same table in the high nibble
  const __m128i nib = _mm_set1_epi8(0x0f);
  const __m128i lo = _mm_and_si128(v, nib);
  const __m128i hi = _mm_and_si128(_mm_srli_epi16(v, 4), nib);
  return _mm_or_si128(_mm_shuffle_epi8(rev_hi, lo), _mm_shuffle_epi8(rev_lo, hi));
}

// Lane l: input limbs 2l (low qword of x) and 2l+1 (high qword). Low 64 bits of the a+b = 5
// products XOR high 64 bits of the a+b = 4 products, in the low qword.
CONDUCTOR_TARGET_CLMUL inline __m128i ToeplitzFast::clmul_lane(int l, __m128i x) const {
  const __m128i ka = _mm_load_si128(reinterpret_cast<const __m128i*>(ka_ + 2 * l));
  const __m128i kb = _mm_load_si128(reinterpret_cast<const __m128i*>(kb_ + 2 * l));
  const __m128i p5 = _mm_xor_si128(_mm_clmulepi64_si128(x, ka, 0x00), _mm_clmulepi64_si128(x, ka, 0x11));
  const __m128i p4 = _mm_xor_si128(_mm_clmulepi64_si128(x, kb, 0x00), _mm_clmulepi64_si128(x, kb, 0x11));
  return _mm_xor_si128(p5, _mm_srli_si128(p4, 8));
}

CONDUCTOR_TARGET_CLMUL inline uint32_t ToeplitzFast::hash_clmul_padded(const uint8_t* in40, size_t len) const {
  assert(len <= kToeplitzFastMaxLen);
  __m128i acc = clmul_lane(0, reflect_bytes(_mm_loadu_si128(reinterpret_cast<const __m128i*>(in40))));
  if (len > 16) {
    const __m128i x1 = reflect_bytes(_mm_loadu_si128(reinterpret_cast<const __m128i*>(in40 + 16)));
    const __m128i x2 = reflect_bytes(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(in40 + 32)));
    acc = _mm_xor_si128(acc, _mm_xor_si128(clmul_lane(1, x1), clmul_lane(2, x2)));
  }
  return static_cast<uint32_t>(_mm_cvtsi128_si32(acc));
}

CONDUCTOR_TARGET_AVX512 inline uint32_t ToeplitzFast::avx512_short(__m128i raw) const {
  const __m128i x = _mm_gf2p8affine_epi64_epi8(raw, _mm_set1_epi64x(0x8040201008040201ll), 0);
  return static_cast<uint32_t>(_mm_cvtsi128_si32(clmul_lane(0, x)));
}

CONDUCTOR_TARGET_AVX512 inline uint32_t ToeplitzFast::avx512_long(__m512i raw) const {
  const __m512i bitrev = _mm512_set1_epi64(0x8040201008040201ll);  // GF(2) matrix: reverse bits
  const __m512i x = _mm512_gf2p8affine_epi64_epi8(raw, bitrev, 0);
  const __m512i ka = _mm512_load_si512(ka_);
  const __m512i kb = _mm512_load_si512(kb_);
  const __m512i p5 = _mm512_xor_si512(_mm512_clmulepi64_epi128(x, ka, 0x00), _mm512_clmulepi64_epi128(x, ka, 0x11));
  const __m512i p4 = _mm512_xor_si512(_mm512_clmulepi64_epi128(x, kb, 0x00), _mm512_clmulepi64_epi128(x, kb, 0x11));
  const __m512i c = _mm512_xor_si512(p5, _mm512_bsrli_epi128(p4, 8));
  // XOR the four lanes (shuffles rather than 256/128-bit extracts: GCC 12's extract intrinsics trip
  // -Wmaybe-uninitialized inside its own headers).
  const __m512i c2 = _mm512_xor_si512(c, _mm512_maskz_shuffle_i64x2(0xff, c, c, 0x4e));     // 2,3,0,1
  const __m512i c1 = _mm512_xor_si512(c2, _mm512_maskz_shuffle_i64x2(0xff, c2, c2, 0xb1));  // 1,0,3,2
  return static_cast<uint32_t>(_mm512_cvtsi512_si32(c1));
}

CONDUCTOR_TARGET_AVX512 inline uint32_t ToeplitzFast::hash_avx512(const uint8_t* in, size_t len) const {
  assert(len <= kToeplitzFastMaxLen);
  if (len <= 16) return avx512_short(_mm_maskz_loadu_epi8(static_cast<__mmask16>((1u << len) - 1), in));
  return avx512_long(_mm512_maskz_loadu_epi8((uint64_t{1} << len) - 1, in));
}

// The tuple goes straight into registers: building it in memory first and loading it back as one
// vector would stall on store forwarding.
CONDUCTOR_TARGET_AVX512 inline uint32_t ToeplitzFast::hash_tuple_avx512(const uint8_t* a16, const uint8_t* b16,
                                                                        bool ipv6, bool with_ports,
                                                                        uint32_t ports) const {
  const uint32_t pw = with_ports ? __builtin_bswap32(ports) : 0;  // big-endian bytes in memory order
  if (!ipv6) {
    uint32_t a, b;
    std::memcpy(&a, a16 + 12, 4);
    std::memcpy(&b, b16 + 12, 4);
    return avx512_short(_mm_setr_epi32(static_cast<int>(a), static_cast<int>(b), static_cast<int>(pw), 0));
  }
  const __m512i lo = _mm512_inserti32x4(_mm512_zextsi128_si512(_mm_loadu_si128(reinterpret_cast<const __m128i*>(a16))),
                                        _mm_loadu_si128(reinterpret_cast<const __m128i*>(b16)), 1);
  return avx512_long(_mm512_inserti32x4(lo, _mm_cvtsi32_si128(static_cast<int>(pw)), 2));
}

#endif  // CONDUCTOR_TOEPLITZ_X86

inline uint32_t ToeplitzFast::hash_padded(const uint8_t* in40, size_t len) const {
#if CONDUCTOR_TOEPLITZ_X86
  if (impl_ == Impl::kAvx512) return hash_avx512(in40, len);
  if (impl_ == Impl::kClmul) return hash_clmul_padded(in40, len);
#endif
  return hash_table(in40, len);
}

inline uint32_t ToeplitzFast::hash_tuple(const uint8_t* a16, const uint8_t* b16, bool ipv6, bool with_ports,
                                         uint32_t ports) const {
#if CONDUCTOR_TOEPLITZ_X86
  if (impl_ == Impl::kAvx512) return hash_tuple_avx512(a16, b16, ipv6, with_ports, ports);
#endif
  alignas(16) uint8_t buf[40] = {};
  const size_t alen = ipv6 ? 16 : 4;
  std::memcpy(buf, a16 + 16 - alen, alen);
  std::memcpy(buf + alen, b16 + 16 - alen, alen);
  const uint8_t pb[4] = {static_cast<uint8_t>(ports >> 24), static_cast<uint8_t>(ports >> 16),
                         static_cast<uint8_t>(ports >> 8), static_cast<uint8_t>(ports)};
  if (with_ports) std::memcpy(buf + 2 * alen, pb, 4);
  return hash_padded(buf, 2 * alen + (with_ports ? 4 : 0));
}

inline uint32_t ToeplitzFast::hash(const uint8_t* in, size_t len) const {
#if CONDUCTOR_TOEPLITZ_X86
  if (impl_ == Impl::kAvx512) return hash_avx512(in, len);  // masked load: reads only in[0..len)
  if (impl_ == Impl::kClmul) {
    alignas(16) uint8_t buf[40] = {};
    std::memcpy(buf, in, len);
    return hash_clmul_padded(buf, len);
  }
#endif
  return hash_table(in, len);
}

}  // namespace conductor
