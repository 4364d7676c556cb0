// C++17 (Vitis HLS and SystemC translation units include it).
// Arbitrary-precision unsigned integers for the HLS C++: `ap_uint<W>`.
//
// Under Vitis HLS (__SYNTHESIS__ or __VITIS_HLS__, i.e. synthesis and the tool's own C-simulation)
// this includes the vendor <ap_int.h>. Everywhere else (g++/clang builds: unit tests, Verilator
// scoreboards, the host's software data path) it defines a small C-simulation shim with the subset
// of the vendor API the kernels use:
//   construction from integers (negative values sign-extend, then truncate to W), from other widths
//   (truncate / zero-extend) and from strings ("0x..", "0b..", decimal);
//   range(hi, lo) / (hi, lo) get and set, operator[] bit get and set, get_bit / set_bit;
//   to_uint / to_int / to_ulong / to_uint64 / to_bool / to_string; implicit conversion to
//   unsigned long long for W <= 64 (as the vendor type);
//   & | ^ ~ << >> + (and the compound forms), ++, unsigned comparisons, concatenation (a, b);
//   length().
// Result widths follow the vendor rules that matter for bit-exact code: & | ^ give the wider
// width, + gives one more bit, ~ << >> keep the width. An integer operand counts as an unsigned
// value of its own width (a negative one is sign-extended to the other operand's width first).
// Deliberately absent (use plain integers or the vendor type): ap_int (signed), - * / %, ap_fixed.
//
// Storage is an array of uint64_t limbs, least significant first; bits above W are always zero,
// so equality is a limb compare and the object is trivially copyable.
#pragma once

#if defined(__SYNTHESIS__) || defined(__VITIS_HLS__)
#include <ap_int.h>
#else

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string>
#include <type_traits>

template <int W>
class ap_uint;

namespace conductor_ap_detail {

constexpr int max_int(int a, int b) { return a > b ? a : b; }
constexpr int limbs_for(int w) { return (w + 63) / 64; }
constexpr uint64_t low_mask(int n) { return n >= 64 ? ~uint64_t{0} : ((uint64_t{1} << n) - 1); }

template <typename T>
constexpr int int_bits = std::is_same_v<T, bool> ? 1 : static_cast<int>(8 * sizeof(T));

template <typename T>
constexpr bool is_int = std::is_integral_v<T>;

// Reads n (1..64) bits starting at bit lo from a limb array of nl limbs (bits past the end are 0).
constexpr uint64_t get_bits(const uint64_t* v, int nl, int lo, int n) {
  const int idx = lo >> 6;
  const int sh = lo & 63;
  uint64_t x = idx < nl ? v[idx] >> sh : 0;
  if (sh != 0 && idx + 1 < nl) x |= v[idx + 1] << (64 - sh);
  return x & low_mask(n);
}

// Writes the low n (1..64) bits of x at bit lo (bits that fall past the end are dropped).
constexpr void set_bits(uint64_t* v, int nl, int lo, int n, uint64_t x) {
  const uint64_t m = low_mask(n);
  x &= m;
  const int idx = lo >> 6;
  const int sh = lo & 63;
  if (idx < nl) v[idx] = (v[idx] & ~(m << sh)) | (x << sh);
  if (sh != 0 && sh + n > 64 && idx + 1 < nl) {
    v[idx + 1] = (v[idx + 1] & ~(m >> (64 - sh))) | (x >> (64 - sh));
  }
}

template <int W, bool kConst>
class range_ref;
template <int W>
class bit_ref;

template <typename T>
struct ap_traits {
  static constexpr bool is_ap = false;
};
template <int W>
struct ap_traits<ap_uint<W>> {
  static constexpr bool is_ap = true;
  static constexpr int width = W;
};
template <int W, bool C>
struct ap_traits<range_ref<W, C>> {
  static constexpr bool is_ap = true;
  static constexpr int width = W;
};
template <int W>
struct ap_traits<bit_ref<W>> {
  static constexpr bool is_ap = true;
  static constexpr int width = 1;
};

template <typename T, typename = void>
struct is_bit_ref : std::false_type {};
template <int W>
struct is_bit_ref<bit_ref<W>> : std::true_type {};

template <typename T>
constexpr int operand_width() {
  if constexpr (ap_traits<T>::is_ap) {
    return ap_traits<T>::width;
  } else {
    return int_bits<T>;
  }
}

// Both operands are ap-like or integers, and at least one is ap-like.
template <typename A, typename B>
constexpr bool ap_binary = (ap_traits<A>::is_ap || ap_traits<B>::is_ap) &&
                           (ap_traits<A>::is_ap || is_int<A>)&&(ap_traits<B>::is_ap || is_int<B>);

template <typename A, typename B>
constexpr int common_width = max_int(operand_width<A>(), operand_width<B>());

}  // namespace conductor_ap_detail

template <int W>
class ap_uint {
  static_assert(W >= 1 && W <= 4096, "ap_uint shim: width 1..4096");

 public:
  static constexpr int kLimbs = conductor_ap_detail::limbs_for(W);
  static constexpr int width = W;

  constexpr ap_uint() = default;

  template <typename T, std::enable_if_t<std::is_integral_v<T>, int> = 0>
  constexpr ap_uint(T x) {  // NOLINT(google-explicit-constructor): vendor semantics
    if constexpr (std::is_same_v<T, bool>) {
      v_[0] = x ? 1 : 0;
    } else {
      v_[0] = static_cast<uint64_t>(static_cast<std::make_unsigned_t<T>>(x));
    }
    if constexpr (std::is_signed_v<T>) {
      // Sign-extend into the whole width first; normalize() then truncates to W.
      if (x < 0) {
        v_[0] = static_cast<uint64_t>(static_cast<int64_t>(x));
        for (int i = 1; i < kLimbs; ++i) v_[i] = ~uint64_t{0};
      }
    }
    normalize();
  }

  template <int W2>
  constexpr ap_uint(const ap_uint<W2>& o) {  // NOLINT: vendor semantics (truncate / zero-extend)
    constexpr int n = kLimbs < ap_uint<W2>::kLimbs ? kLimbs : ap_uint<W2>::kLimbs;
    for (int i = 0; i < n; ++i) v_[i] = o.limb(i);
    normalize();
  }

  template <int W2, bool C>
  constexpr ap_uint(const conductor_ap_detail::range_ref<W2, C>& r);  // NOLINT

  template <int W2>
  constexpr ap_uint(const conductor_ap_detail::bit_ref<W2>& b);  // NOLINT

  // "0x..." (hex), "0b..." (binary), "0o..." (octal) or decimal; '_' and '\'' are skipped.
  // With an explicit radix the string has no prefix.
  explicit ap_uint(const char* s) { parse(s, 0); }
  ap_uint(const char* s, int radix) { parse(s, radix); }

  // ---- bit access -------------------------------------------------------------------------
  static constexpr int length() { return W; }

  constexpr bool get_bit(int i) const { return (v_[i >> 6] >> (i & 63)) & 1u; }
  constexpr void set_bit(int i, bool b) {
    const uint64_t m = uint64_t{1} << (i & 63);
    v_[i >> 6] = b ? (v_[i >> 6] | m) : (v_[i >> 6] & ~m);
  }
  constexpr bool operator[](int i) const { return get_bit(i); }
  constexpr conductor_ap_detail::bit_ref<W> operator[](int i);

  // Bits hi..lo (hi >= lo). The proxy reads as ap_uint<W> (or unsigned long long) and can be
  // assigned, like the vendor ap_range_ref.
  constexpr conductor_ap_detail::range_ref<W, false> range(int hi, int lo);
  constexpr conductor_ap_detail::range_ref<W, true> range(int hi, int lo) const;
  constexpr conductor_ap_detail::range_ref<W, false> range() { return range(W - 1, 0); }
  constexpr conductor_ap_detail::range_ref<W, true> range() const { return range(W - 1, 0); }
  constexpr conductor_ap_detail::range_ref<W, false> operator()(int hi, int lo) { return range(hi, lo); }
  constexpr conductor_ap_detail::range_ref<W, true> operator()(int hi, int lo) const { return range(hi, lo); }

  // Bits [lo, lo+n) for n <= 64, and the same as a write; the fast path behind range().
  constexpr uint64_t get_u64(int lo, int n) const { return conductor_ap_detail::get_bits(v_, kLimbs, lo, n); }
  constexpr void set_u64(int lo, int n, uint64_t x) {
    conductor_ap_detail::set_bits(v_, kLimbs, lo, n, x);
    normalize();
  }

  // ---- conversions ------------------------------------------------------------------------
  constexpr unsigned to_uint() const { return static_cast<unsigned>(v_[0]); }
  constexpr int to_int() const { return static_cast<int>(static_cast<unsigned>(v_[0])); }
  constexpr unsigned long to_ulong() const { return static_cast<unsigned long>(v_[0]); }
  constexpr unsigned long long to_uint64() const { return v_[0]; }
  constexpr bool to_bool() const { return !is_zero(); }
  constexpr bool is_zero() const {
    for (int i = 0; i < kLimbs; ++i) {
      if (v_[i] != 0) return false;
    }
    return true;
  }

  // Like the vendor type, narrow values convert implicitly to a C integer (and so to bool).
  // (A non-template conversion, so that the usual integer conversions apply; wider values convert
  // to a private tag type, i.e. not at all.)
  struct NotNarrow {};
  using NarrowInt = std::conditional_t<(W <= 64), unsigned long long, NotNarrow>;
  constexpr operator NarrowInt() const {  // NOLINT(google-explicit-constructor)
    if constexpr (W <= 64) {
      return v_[0];
    } else {
      return NotNarrow{};
    }
  }
  constexpr explicit operator bool() const { return !is_zero(); }

  // radix 2, 8, 16 (with the "0b"/"0o"/"0x" prefix) or 10.
  std::string to_string(int radix = 2) const {
    if (radix == 10) return to_decimal();
    const int bits_per_digit = radix == 16 ? 4 : radix == 8 ? 3 : 1;
    std::string digits;
    for (int lo = 0; lo < W; lo += bits_per_digit) {
      const int n = W - lo < bits_per_digit ? W - lo : bits_per_digit;
      digits.insert(digits.begin(), "0123456789abcdef"[get_u64(lo, n)]);
    }
    const auto first = digits.find_first_not_of('0');
    digits = first == std::string::npos ? "0" : digits.substr(first);
    return (radix == 16 ? "0x" : radix == 8 ? "0o" : "0b") + digits;
  }

  // ---- operators that keep the width ---------------------------------------------------------
  constexpr ap_uint operator~() const {
    ap_uint r;
    for (int i = 0; i < kLimbs; ++i) r.v_[i] = ~v_[i];
    r.normalize();
    return r;
  }
  constexpr bool operator!() const { return is_zero(); }

  constexpr ap_uint operator<<(int n) const {
    ap_uint r;
    if (n < 0) return *this >> -n;
    if (n >= W) return r;
    const int ls = n >> 6;
    const int bs = n & 63;
    for (int i = kLimbs - 1; i >= ls; --i) {
      uint64_t x = v_[i - ls] << bs;
      if (bs != 0 && i - ls - 1 >= 0) x |= v_[i - ls - 1] >> (64 - bs);
      r.v_[i] = x;
    }
    r.normalize();
    return r;
  }
  constexpr ap_uint operator>>(int n) const {
    ap_uint r;
    if (n < 0) return *this << -n;
    if (n >= W) return r;
    const int ls = n >> 6;
    const int bs = n & 63;
    for (int i = 0; i + ls < kLimbs; ++i) {
      uint64_t x = v_[i + ls] >> bs;
      if (bs != 0 && i + ls + 1 < kLimbs) x |= v_[i + ls + 1] << (64 - bs);
      r.v_[i] = x;
    }
    return r;
  }
  template <int W2>
  constexpr ap_uint operator<<(const ap_uint<W2>& n) const {
    return n.get_u64(0, W2 < 64 ? W2 : 64) >= static_cast<uint64_t>(W) || !n.high_zero64()
               ? ap_uint()
               : *this << static_cast<int>(n.to_uint64());
  }
  template <int W2>
  constexpr ap_uint operator>>(const ap_uint<W2>& n) const {
    return n.get_u64(0, W2 < 64 ? W2 : 64) >= static_cast<uint64_t>(W) || !n.high_zero64()
               ? ap_uint()
               : *this >> static_cast<int>(n.to_uint64());
  }

  template <typename T>
  constexpr ap_uint& operator&=(const T& o) {
    return *this = *this & o;
  }
  template <typename T>
  constexpr ap_uint& operator|=(const T& o) {
    return *this = *this | o;
  }
  template <typename T>
  constexpr ap_uint& operator^=(const T& o) {
    return *this = *this ^ o;
  }
  template <typename T>
  constexpr ap_uint& operator+=(const T& o) {
    return *this = *this + o;
  }
  constexpr ap_uint& operator<<=(int n) { return *this = *this << n; }
  constexpr ap_uint& operator>>=(int n) { return *this = *this >> n; }
  constexpr ap_uint& operator++() { return *this = *this + 1; }
  constexpr ap_uint operator++(int) {
    const ap_uint old = *this;
    ++*this;
    return old;
  }

  // ---- limb access (shim only: fast paths and the operator templates) ---------------------
  constexpr uint64_t limb(int i) const { return v_[i]; }
  constexpr void set_limb(int i, uint64_t x) {
    v_[i] = x;
    if (i == kLimbs - 1) normalize();
  }
  constexpr bool high_zero64() const {  // every bit above bit 63 is zero
    for (int i = 1; i < kLimbs; ++i) {
      if (v_[i] != 0) return false;
    }
    return true;
  }

 private:
  constexpr void normalize() { v_[kLimbs - 1] &= conductor_ap_detail::low_mask(W - 64 * (kLimbs - 1)); }

  void parse(const char* s, int radix) {
    for (auto& x : v_) x = 0;
    if (s == nullptr) return;
    if (radix == 0) {
      radix = 10;
      if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        radix = 16, s += 2;
      else if (s[0] == '0' && (s[1] == 'b' || s[1] == 'B'))
        radix = 2, s += 2;
      else if (s[0] == '0' && (s[1] == 'o' || s[1] == 'O'))
        radix = 8, s += 2;
    }
    for (; *s != '\0'; ++s) {
      const char c = *s;
      int d;
      if (c >= '0' && c <= '9')
        d = c - '0';
      else if (c >= 'a' && c <= 'f')
        d = c - 'a' + 10;
      else if (c >= 'A' && c <= 'F')
        d = c - 'A' + 10;
      else
        continue;  // separators
      if (d >= radix) continue;
      mul_add(static_cast<uint32_t>(radix), static_cast<uint32_t>(d));
    }
    normalize();
  }
  void mul_add(uint32_t m, uint32_t a) {
    unsigned __int128 carry = a;
    for (int i = 0; i < kLimbs; ++i) {
      const unsigned __int128 p = static_cast<unsigned __int128>(v_[i]) * m + carry;
      v_[i] = static_cast<uint64_t>(p);
      carry = p >> 64;
    }
  }
  std::string to_decimal() const {
    ap_uint t = *this;
    std::string out;
    do {
      unsigned __int128 rem = 0;
      for (int i = kLimbs - 1; i >= 0; --i) {
        const unsigned __int128 cur = (rem << 64) | t.v_[i];
        t.v_[i] = static_cast<uint64_t>(cur / 10);
        rem = cur % 10;
      }
      out.insert(out.begin(), static_cast<char>('0' + static_cast<int>(rem)));
    } while (!t.is_zero());
    return out;
  }

  uint64_t v_[kLimbs] = {};
};

namespace conductor_ap_detail {

// Proxy for x.range(hi, lo): reads as ap_uint<W> (value in the low bits), assignable when !kConst.
template <int W, bool kConst>
class range_ref {
 public:
  using Parent = std::conditional_t<kConst, const ap_uint<W>, ap_uint<W>>;
  constexpr range_ref(Parent* p, int hi, int lo) : p_(p), hi_(hi), lo_(lo) {}

  constexpr int length() const { return hi_ - lo_ + 1; }
  // n (<= 64) bits of the range starting at its bit off.
  constexpr uint64_t parent_bits(int off, int n) const { return p_->get_u64(lo_ + off, n); }
  constexpr ap_uint<W> get() const {
    ap_uint<W> r;
    const int n = length();
    for (int off = 0; off < n; off += 64) {
      const int k = n - off < 64 ? n - off : 64;
      r.set_u64(off, k, p_->get_u64(lo_ + off, k));
    }
    return r;
  }
  constexpr unsigned to_uint() const { return static_cast<unsigned>(p_->get_u64(lo_, len64())); }
  constexpr int to_int() const { return static_cast<int>(to_uint()); }
  constexpr unsigned long to_ulong() const { return static_cast<unsigned long>(to_uint64()); }
  constexpr unsigned long long to_uint64() const { return p_->get_u64(lo_, len64()); }
  constexpr bool to_bool() const { return !get().is_zero(); }
  constexpr operator unsigned long long() const { return to_uint64(); }  // NOLINT: vendor semantics
  std::string to_string(int radix = 2) const { return get().to_string(radix); }

  template <int W2>
  constexpr range_ref& operator=(const ap_uint<W2>& x) {
    static_assert(!kConst, "range of a const ap_uint is read-only");
    const int n = length();
    for (int off = 0; off < n; off += 64) {
      const int k = n - off < 64 ? n - off : 64;
      p_->set_u64(lo_ + off, k, off < W2 ? x.get_u64(off, k) : 0);
    }
    return *this;
  }
  template <typename T, std::enable_if_t<std::is_integral_v<T>, int> = 0>
  constexpr range_ref& operator=(T x) {
    return *this = ap_uint<max_int(W, int_bits<T>)>(x);
  }
  template <int W2, bool C2>
  constexpr range_ref& operator=(const range_ref<W2, C2>& x) {
    return *this = x.get();
  }
  constexpr range_ref& operator=(const range_ref& x) { return *this = x.get(); }

 private:
  constexpr int len64() const { return length() < 64 ? length() : 64; }
  Parent* p_;
  int hi_;
  int lo_;
};

template <int W>
class bit_ref {
 public:
  constexpr bit_ref(ap_uint<W>* p, int i) : p_(p), i_(i) {}
  constexpr operator bool() const { return p_->get_bit(i_); }  // NOLINT: vendor semantics
  constexpr bool to_bool() const { return p_->get_bit(i_); }
  constexpr bool operator~() const { return !p_->get_bit(i_); }
  constexpr bit_ref& operator=(bool b) {
    p_->set_bit(i_, b);
    return *this;
  }
  constexpr bit_ref& operator=(const bit_ref& o) { return *this = static_cast<bool>(o); }
  template <int W2>
  constexpr bit_ref& operator=(const bit_ref<W2>& o) {
    return *this = static_cast<bool>(o);
  }

 private:
  ap_uint<W>* p_;
  int i_;
};

// Any ap-like or integer operand as ap_uint<Wt>.
template <int Wt, typename T>
constexpr ap_uint<Wt> as_ap(const T& x) {
  if constexpr (ap_traits<T>::is_ap) {
    if constexpr (is_bit_ref<T>::value) {
      return ap_uint<Wt>(static_cast<bool>(x));
    } else {
      return ap_uint<Wt>(ap_uint<ap_traits<T>::width>(x));
    }
  } else {
    return ap_uint<Wt>(x);  // integers: sign-extended into Wt bits when negative
  }
}

template <int W>
constexpr int compare(const ap_uint<W>& a, const ap_uint<W>& b) {
  for (int i = ap_uint<W>::kLimbs - 1; i >= 0; --i) {
    if (a.limb(i) != b.limb(i)) return a.limb(i) < b.limb(i) ? -1 : 1;
  }
  return 0;
}

}  // namespace conductor_ap_detail

template <int W>
template <int W2, bool C>
constexpr ap_uint<W>::ap_uint(const conductor_ap_detail::range_ref<W2, C>& r) {
  // Straight from the parent's limbs (no W2-bit temporary): the common narrow-field read.
  const int n = r.length() < W ? r.length() : W;
  for (int off = 0, i = 0; off < n; off += 64, ++i) {
    v_[i] = r.parent_bits(off, n - off < 64 ? n - off : 64);
  }
  normalize();
}

template <int W>
template <int W2>
constexpr ap_uint<W>::ap_uint(const conductor_ap_detail::bit_ref<W2>& b)
    : ap_uint(static_cast<int>(static_cast<bool>(b))) {}

template <int W>
constexpr conductor_ap_detail::bit_ref<W> ap_uint<W>::operator[](int i) {
  return conductor_ap_detail::bit_ref<W>(this, i);
}

template <int W>
constexpr conductor_ap_detail::range_ref<W, false> ap_uint<W>::range(int hi, int lo) {
  return conductor_ap_detail::range_ref<W, false>(this, hi, lo);
}

template <int W>
constexpr conductor_ap_detail::range_ref<W, true> ap_uint<W>::range(int hi, int lo) const {
  return conductor_ap_detail::range_ref<W, true>(this, hi, lo);
}

// ---- binary operators over ap_uint, range/bit proxies and integers ----------------------------
#define CONDUCTOR_AP_BITWISE(op)                                                                     \
  template <typename A, typename B, std::enable_if_t<conductor_ap_detail::ap_binary<A, B>, int> = 0> \
  constexpr ap_uint<conductor_ap_detail::common_width<A, B>> operator op(const A& a, const B& b) {   \
    constexpr int Wr = conductor_ap_detail::common_width<A, B>;                                      \
    const ap_uint<Wr> x = conductor_ap_detail::as_ap<Wr>(a);                                         \
    const ap_uint<Wr> y = conductor_ap_detail::as_ap<Wr>(b);                                         \
    ap_uint<Wr> r;                                                                                   \
    for (int i = 0; i < ap_uint<Wr>::kLimbs; ++i) r.set_limb(i, x.limb(i) op y.limb(i));             \
    return r;                                                                                        \
  }
CONDUCTOR_AP_BITWISE(&)
CONDUCTOR_AP_BITWISE(|)
CONDUCTOR_AP_BITWISE(^)
#undef CONDUCTOR_AP_BITWISE

template <typename A, typename B, std::enable_if_t<conductor_ap_detail::ap_binary<A, B>, int> = 0>
constexpr ap_uint<conductor_ap_detail::common_width<A, B> + 1> operator+(const A& a, const B& b) {
  constexpr int Wr = conductor_ap_detail::common_width<A, B> + 1;
  const ap_uint<Wr> x = conductor_ap_detail::as_ap<Wr>(a);
  const ap_uint<Wr> y = conductor_ap_detail::as_ap<Wr>(b);
  ap_uint<Wr> r;
  uint64_t carry = 0;
  for (int i = 0; i < ap_uint<Wr>::kLimbs; ++i) {
    const uint64_t s = x.limb(i) + y.limb(i);
    const uint64_t c1 = s < x.limb(i) ? 1 : 0;
    const uint64_t s2 = s + carry;
    const uint64_t c2 = s2 < s ? 1 : 0;
    r.set_limb(i, s2);
    carry = c1 | c2;
  }
  return r;
}

#define CONDUCTOR_AP_COMPARE(op)                                                                                    \
  template <typename A, typename B, std::enable_if_t<conductor_ap_detail::ap_binary<A, B>, int> = 0>                \
  constexpr bool operator op(const A& a, const B& b) {                                                              \
    constexpr int Wr = conductor_ap_detail::common_width<A, B>;                                                     \
    return conductor_ap_detail::compare(conductor_ap_detail::as_ap<Wr>(a), conductor_ap_detail::as_ap<Wr>(b)) op 0; \
  }
CONDUCTOR_AP_COMPARE(==)
CONDUCTOR_AP_COMPARE(!=)
CONDUCTOR_AP_COMPARE(<)
CONDUCTOR_AP_COMPARE(<=)
CONDUCTOR_AP_COMPARE(>)
CONDUCTOR_AP_COMPARE(>=)
#undef CONDUCTOR_AP_COMPARE

// Concatenation: (a, b) is a in the high bits, b in the low bits.
template <int W1, int W2>
constexpr ap_uint<W1 + W2> operator,(const ap_uint<W1>& hi, const ap_uint<W2>& lo) {
  return (ap_uint<W1 + W2>(hi) << W2) | ap_uint<W1 + W2>(lo);
}

template <int W>
std::ostream& operator<<(std::ostream& os, const ap_uint<W>& x) {
  // Decimal like the vendor type for narrow values; wide ones are unreadable in decimal.
  return os << (W <= 64 ? x.to_string(10) : x.to_string(16));
}

#endif  // !__SYNTHESIS__ && !__VITIS_HLS__
