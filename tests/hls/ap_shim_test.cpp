// Tests of the C-simulation shim: ap_uint<W> and hls::stream<T> (hls/common/ap_shim.hpp,
// hls/common/hls_stream_shim.hpp). Wide values are checked against a bit-by-bit reference.
#include <gtest/gtest.h>

#include <bitset>
#include <cstdint>
#include <random>
#include <sstream>
#include <string>
#include <type_traits>

#include "common/ap_shim.hpp"
#include "common/hls_stream_shim.hpp"

namespace {

// Bit-by-bit reference of a W-bit value.
template <int W>
std::bitset<W> bits_of(const ap_uint<W>& x) {
  std::bitset<W> b;
  for (int i = 0; i < W; ++i) b[i] = x.get_bit(i);
  return b;
}

template <int W>
ap_uint<W> random_ap(std::mt19937_64& rng) {
  ap_uint<W> x;
  for (int lo = 0; lo < W; lo += 64) x.range(lo + 63 < W ? lo + 63 : W - 1, lo) = rng();
  return x;
}

TEST(ApShim, ConstructFromIntegers) {
  EXPECT_EQ(ap_uint<8>(0x1ff).to_uint(), 0xffu);  // truncates
  EXPECT_EQ(ap_uint<8>(-1).to_uint(), 0xffu);     // negative: sign-extend, then truncate
  const ap_uint<100> minus_one(-1);
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(minus_one[i]) << i;
  EXPECT_EQ(ap_uint<100>(int8_t{-2}).get_u64(0, 64), ~uint64_t{1});
  EXPECT_EQ(ap_uint<100>(uint8_t{0xfe}).get_u64(0, 64), 0xfeu);  // unsigned: zero-extend
  EXPECT_EQ(ap_uint<1>(true).to_uint(), 1u);
  EXPECT_EQ(ap_uint<64>(~uint64_t{0}).to_uint64(), ~uint64_t{0});
  EXPECT_EQ(ap_uint<7>::length(), 7);
  EXPECT_EQ((ap_uint<1024>().length()), 1024);
  static_assert(std::is_trivially_copyable_v<ap_uint<320>>);
  static_assert(sizeof(ap_uint<320>) == 40);
  constexpr ap_uint<12> c(0xabc);  // constexpr construction
  static_assert(c.to_uint() == 0xabc);
}

TEST(ApShim, ConstructFromOtherWidthsAndStrings) {
  const ap_uint<128> wide("0x0123456789abcdef_fedcba9876543210");
  EXPECT_EQ(wide.get_u64(0, 64), 0xfedcba9876543210ull);
  EXPECT_EQ(wide.get_u64(64, 64), 0x0123456789abcdefull);
  const ap_uint<40> narrow = wide;  // truncate
  EXPECT_EQ(narrow.to_uint64(), 0x9876543210ull);
  const ap_uint<200> widened = wide;  // zero-extend
  EXPECT_EQ(widened.get_u64(128, 64), 0u);
  EXPECT_EQ(widened.get_u64(64, 64), 0x0123456789abcdefull);
  EXPECT_EQ(ap_uint<16>("0b1010").to_uint(), 10u);
  EXPECT_EQ(ap_uint<16>("1234").to_uint(), 1234u);
  EXPECT_EQ(ap_uint<16>("ff", 16).to_uint(), 255u);
  EXPECT_EQ(ap_uint<130>("1361129467683753853853498429727072845823").to_string(16),
            "0x3ffffffffffffffffffffffffffffffff");  // 2^130 - 1 in decimal, truncated to 130 bits
}

TEST(ApShim, RangeGetSet) {
  std::mt19937_64 rng(1);
  for (int iter = 0; iter < 2000; ++iter) {
    ap_uint<320> x = random_ap<320>(rng);
    const std::bitset<320> before = bits_of(x);
    const int lo = static_cast<int>(rng() % 320);
    const int hi = lo + static_cast<int>(rng() % (320 - lo));
    // get
    const ap_uint<320> got = x.range(hi, lo);
    for (int i = 0; i < 320; ++i) {
      ASSERT_EQ(got[i], i <= hi - lo ? before[lo + i] : false) << lo << ".." << hi << " bit " << i;
    }
    // set
    const ap_uint<320> val = random_ap<320>(rng);
    x.range(hi, lo) = val;
    for (int i = 0; i < 320; ++i) {
      const bool want = (i >= lo && i <= hi) ? val[i - lo] : before[i];
      ASSERT_EQ(x[i], want) << lo << ".." << hi << " bit " << i;
    }
  }
}

TEST(ApShim, RangeOfConstAndConversions) {
  const ap_uint<320> k("0x6d5a56da255b0ec24167253d43a38fb0d0ca2bcbae7b30b477cb2da38030f20c6a42b73bbeac01fa");
  const uint32_t top = k.range(319, 288);  // vendor-style implicit conversion of the proxy
  EXPECT_EQ(top, 0x6d5a56dau);
  EXPECT_EQ(k.range(31, 0).to_uint(), 0xbeac01fau);
  EXPECT_EQ(k(39, 8).to_uint(), 0x3bbeac01u);
  EXPECT_EQ(k.range(303, 288).to_uint64(), 0x56dau);
  EXPECT_EQ(k.range(7, 0).length(), 8);
  ap_uint<16> small = k.range(15, 0);
  EXPECT_EQ(small.to_uint(), 0x01fau);
  EXPECT_TRUE(k.range(7, 0) == 0xfa);
  EXPECT_TRUE(small == k.range(15, 0));
}

TEST(ApShim, BitGetSet) {
  ap_uint<130> x;
  x[129] = true;
  x[64] = 1;
  x[0] = x[64];
  EXPECT_TRUE(x[129]);
  EXPECT_TRUE(x[0]);
  EXPECT_FALSE(x[1]);
  x[64] = false;
  EXPECT_EQ(x.get_u64(64, 64), 0u);
  EXPECT_EQ(x.to_string(16), "0x200000000000000000000000000000001");
  x.set_bit(5, true);
  EXPECT_TRUE(x.get_bit(5));
}

TEST(ApShim, BitwiseAndShiftsMatchBitset) {
  std::mt19937_64 rng(2);
  for (int iter = 0; iter < 500; ++iter) {
    const ap_uint<200> a = random_ap<200>(rng);
    const ap_uint<200> b = random_ap<200>(rng);
    const std::bitset<200> A = bits_of(a), B = bits_of(b);
    EXPECT_EQ(bits_of(a & b), A & B);
    EXPECT_EQ(bits_of(a | b), A | B);
    EXPECT_EQ(bits_of(a ^ b), A ^ B);
    EXPECT_EQ(bits_of(~a), ~A);
    const int n = static_cast<int>(rng() % 210);
    EXPECT_EQ(bits_of(a << n), A << n) << n;
    EXPECT_EQ(bits_of(a >> n), A >> n) << n;
    EXPECT_EQ(bits_of(a << ap_uint<9>(n)), A << n) << n;
    ap_uint<200> c = a;
    c ^= b;
    c <<= 3;
    EXPECT_EQ(bits_of(c), (A ^ B) << 3);
  }
}

TEST(ApShim, MixedWidthsAndIntegers) {
  const ap_uint<8> a(0xf0);
  const ap_uint<16> b(0x0ff0);
  const auto r = a | b;
  static_assert(std::is_same_v<std::decay_t<decltype(r)>, ap_uint<16>>);
  EXPECT_EQ(r.to_uint(), 0x0ff0u);
  EXPECT_EQ((a & 0x3c).to_uint(), 0x30u);
  EXPECT_EQ((0x3c & a).to_uint(), 0x30u);
  const ap_uint<128> w(1);
  EXPECT_TRUE(((w & -1) == 1));  // -1 sign-extends to all ones
  EXPECT_EQ((ap_uint<128>(-1) & -1), ap_uint<128>(-1));
  const auto sum = ap_uint<8>(255) + ap_uint<8>(1);  // one more bit, as the vendor type
  static_assert(std::is_same_v<std::decay_t<decltype(sum)>, ap_uint<9>>);
  EXPECT_EQ(sum.to_uint(), 256u);
  ap_uint<8> wrap(255);
  wrap += 1;
  EXPECT_EQ(wrap.to_uint(), 0u);
  ++wrap;
  EXPECT_EQ((wrap++).to_uint(), 1u);
  EXPECT_EQ(wrap.to_uint(), 2u);
  // carries across limbs
  ap_uint<192> big;
  big.range(127, 0) = ap_uint<128>(-1);
  const ap_uint<193> big1 = big + 1;
  EXPECT_EQ(big1.to_string(16), "0x100000000000000000000000000000000");
  // concatenation
  const auto cat = (ap_uint<4>(0xa), ap_uint<8>(0x5b));
  static_assert(std::is_same_v<std::decay_t<decltype(cat)>, ap_uint<12>>);
  EXPECT_EQ(cat.to_uint(), 0xa5bu);
  // narrow values convert like C integers
  const unsigned long long u = ap_uint<40>(0x123456789aull);
  EXPECT_EQ(u, 0x123456789aull);
  int table[4] = {10, 11, 12, 13};
  EXPECT_EQ(table[ap_uint<2>(3)], 13);
}

TEST(ApShim, UnsignedCompare) {
  std::mt19937_64 rng(3);
  for (int iter = 0; iter < 1000; ++iter) {
    ap_uint<160> a = random_ap<160>(rng);
    ap_uint<160> b = random_ap<160>(rng);
    if (iter % 3 == 0) b = a;
    if (iter % 5 == 0) b.range(159, 100) = a.range(159, 100);  // differ only in low limbs
    const std::string sa = bits_of(a).to_string(), sb = bits_of(b).to_string();
    EXPECT_EQ(a == b, sa == sb);
    EXPECT_EQ(a != b, sa != sb);
    EXPECT_EQ(a < b, sa < sb);
    EXPECT_EQ(a <= b, sa <= sb);
    EXPECT_EQ(a > b, sa > sb);
    EXPECT_EQ(a >= b, sa >= sb);
  }
  EXPECT_TRUE(ap_uint<8>(200) > 100);
  EXPECT_TRUE(ap_uint<8>(200) > ap_uint<4>(15));
  EXPECT_TRUE(ap_uint<128>(1) < ap_uint<200>(ap_uint<128>(1)) + 1);
}

TEST(ApShim, Printing) {
  std::ostringstream os;
  os << ap_uint<16>(1234) << ' ' << ap_uint<100>(255);
  EXPECT_EQ(os.str(), "1234 0xff");
  EXPECT_EQ(ap_uint<5>(5).to_string(), "0b101");
  EXPECT_EQ(ap_uint<5>(0).to_string(16), "0x0");
  EXPECT_EQ(ap_uint<70>(ap_uint<70>(1) << 69).to_string(10), "590295810358705651712");
}

TEST(ApShim, StreamFifoOrderAndNonBlocking) {
  hls::stream<ap_uint<320>> s("keys");
  EXPECT_TRUE(s.empty());
  EXPECT_FALSE(s.full());
  for (int i = 0; i < 5; ++i) s.write(ap_uint<320>(i));
  s << ap_uint<320>(5);
  EXPECT_EQ(s.size(), 6u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(s.read().to_uint(), static_cast<unsigned>(i));
  ap_uint<320> x;
  s >> x;
  EXPECT_EQ(x.to_uint(), 5u);
  EXPECT_FALSE(s.read_nb(x));
  EXPECT_EQ(x.to_uint(), 5u);  // untouched on failure
  EXPECT_TRUE(s.write_nb(7));
  EXPECT_TRUE(s.read_nb(x));
  EXPECT_EQ(x.to_uint(), 7u);
  EXPECT_EQ(s.name(), "keys");
}

TEST(ApShim, StreamDepthBoundsTheFifo) {
  hls::stream<int, 2> s;
  EXPECT_TRUE(s.write_nb(1));
  EXPECT_TRUE(s.write_nb(2));
  EXPECT_TRUE(s.full());
  EXPECT_FALSE(s.write_nb(3));
  EXPECT_EQ(s.read(), 1);
  EXPECT_FALSE(s.full());
}

TEST(ApShimDeathTest, StreamReadWhileEmptyAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  hls::stream<int> s("lonely");
  EXPECT_DEATH(s.read(), "lonely.*read while empty");
}

}  // namespace
