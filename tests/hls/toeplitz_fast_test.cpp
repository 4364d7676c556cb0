// The fast Toeplitz implementations (hls/dist_hash/toeplitz_fast.hpp) against the bit-serial model
// toeplitz(): random keys, every input length 0..36, sparse and dense inputs, and the RSS suite key.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <random>
#include <vector>

#include "dist_hash/dist_hash_model.hpp"
#include "dist_hash/toeplitz_fast.hpp"

namespace conductor {
namespace {

using Impl = ToeplitzFast::Impl;

std::vector<Impl> available_impls() {
  std::vector<Impl> out;
  for (Impl i : {Impl::kTable, Impl::kClmul, Impl::kAvx512}) {
    if (ToeplitzFast::supported(i)) out.push_back(i);
  }
  return out;
}

uint32_t run(const ToeplitzFast& t, Impl impl, const uint8_t* in, size_t len) {
  switch (impl) {
#if CONDUCTOR_TOEPLITZ_X86
    case Impl::kClmul: {
      std::array<uint8_t, 40> buf{};
      std::copy(in, in + len, buf.begin());
      return t.hash_clmul_padded(buf.data(), len);
    }
    case Impl::kAvx512:
      return t.hash_avx512(in, len);
#endif
    default:
      return t.hash_table(in, len);
  }
}

TEST(DistHashToeplitzFast, ImplementationsAvailable) {
  EXPECT_TRUE(ToeplitzFast::supported(Impl::kTable));
  EXPECT_TRUE(ToeplitzFast::supported(ToeplitzFast::best_impl()));
  std::printf("ToeplitzFast: best implementation on this CPU: %s\n",
              ToeplitzFast::impl_name(ToeplitzFast::best_impl()));
}

TEST(DistHashToeplitzFast, MatchesModelOnRandomKeysAndInputs) {
  std::mt19937_64 rng(21);
  const auto impls = available_impls();
  for (int k = 0; k < 40; ++k) {
    std::array<uint8_t, 40> key;
    for (auto& b : key) b = static_cast<uint8_t>(rng());
    if (k == 0) key = kMicrosoftRssKey;
    if (k == 1) key.fill(0xff);
    if (k == 2) key.fill(0);
    ToeplitzFast fast(key.data());
    for (int iter = 0; iter < 400; ++iter) {
      const size_t len = iter % (kToeplitzFastMaxLen + 1);
      // Exactly the bytes of the input, so reading past len would be caught by ASan.
      std::vector<uint8_t> in(len);
      const int density = iter % 4;  // 0: random, 1: sparse, 2: all ones, 3: single bit
      for (size_t i = 0; i < len; ++i) {
        in[i] = density == 0   ? static_cast<uint8_t>(rng())
                : density == 1 ? static_cast<uint8_t>(rng() % 7 == 0 ? rng() : 0)
                : density == 2 ? 0xff
                               : 0;
      }
      if (density == 3 && len > 0) in[rng() % len] = static_cast<uint8_t>(1u << (rng() % 8));
      const uint32_t want = toeplitz(key.data(), in.data(), len);
      for (Impl impl : impls) {
        ASSERT_EQ(run(fast, impl, in.data(), len), want)
            << ToeplitzFast::impl_name(impl) << " key#" << k << " len " << len;
      }
      ASSERT_EQ(fast.hash(in.data(), len), want) << "dispatching hash()";
    }
  }
}

TEST(DistHashToeplitzFast, HashPaddedMatchesHashInput) {
  std::mt19937_64 rng(22);
  std::array<uint8_t, 40> key;
  for (auto& b : key) b = static_cast<uint8_t>(rng());
  for (Impl impl : available_impls()) {
    ToeplitzFast fast(key.data(), impl);
    for (int iter = 0; iter < 2000; ++iter) {
      FlowKey fk;
      fk.ip_valid = true;
      fk.is_ipv6 = rng() & 1;
      for (size_t i = fk.is_ipv6 ? 0 : 12; i < 16; ++i) {
        fk.src_addr[i] = static_cast<uint8_t>(rng());
        fk.dst_addr[i] = static_cast<uint8_t>(rng());
      }
      fk.proto = kProtoTcp;
      fk.l4_valid = rng() & 1;
      fk.src_port = static_cast<uint16_t>(rng());
      fk.dst_port = static_cast<uint16_t>(rng());
      const HashInput in = hash_input(fk, static_cast<HashMode>(rng() % 4));
      ASSERT_EQ(fast.hash_padded(in.bytes.data(), in.len), toeplitz(key.data(), in.bytes.data(), in.len))
          << ToeplitzFast::impl_name(impl);
    }
  }
}

TEST(DistHashToeplitzFast, HashTupleMatchesBytes) {
  std::mt19937_64 rng(23);
  std::array<uint8_t, 40> key;
  for (auto& b : key) b = static_cast<uint8_t>(rng());
  for (Impl impl : available_impls()) {
    ToeplitzFast fast(key.data(), impl);
    for (int iter = 0; iter < 4000; ++iter) {
      std::array<uint8_t, 16> a, b;
      for (auto& x : a) x = static_cast<uint8_t>(rng());
      for (auto& x : b) x = static_cast<uint8_t>(rng());
      const bool ipv6 = iter & 1, ports = iter & 2;
      const uint32_t pw = static_cast<uint32_t>(rng());
      std::vector<uint8_t> in;
      const size_t alen = ipv6 ? 16 : 4;
      in.insert(in.end(), a.end() - alen, a.end());
      in.insert(in.end(), b.end() - alen, b.end());
      if (ports) {
        for (int sh : {24, 16, 8, 0}) in.push_back(static_cast<uint8_t>(pw >> sh));
      }
      ASSERT_EQ(fast.hash_tuple(a.data(), b.data(), ipv6, ports, pw), toeplitz(key.data(), in.data(), in.size()))
          << ToeplitzFast::impl_name(impl) << " ipv6 " << ipv6 << " ports " << ports;
    }
  }
}

TEST(DistHashToeplitzFast, SetKeyRebuilds) {
  std::array<uint8_t, 40> k1{}, k2{};
  k1.fill(0x11);
  k2.fill(0xa5);
  const uint8_t in[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  ToeplitzFast fast(k1.data());
  EXPECT_EQ(fast.hash(in, 12), toeplitz(k1.data(), in, 12));
  fast.set_key(k2.data());
  EXPECT_EQ(fast.key(), k2);
  for (Impl impl : available_impls()) {
    EXPECT_EQ(run(fast, impl, in, 12), toeplitz(k2.data(), in, 12)) << ToeplitzFast::impl_name(impl);
  }
}

}  // namespace
}  // namespace conductor
