// C++17 (Vitis HLS and SystemC translation units include it).
// `hls::stream<T>` for C-simulation. Under Vitis HLS (__SYNTHESIS__ or __VITIS_HLS__) this includes
// the vendor <hls_stream.h>; elsewhere it defines a FIFO with the vendor API subset the kernels and
// testbenches use: read / write (blocking), read_nb / write_nb, empty, full, size, >> and <<.
//
// Differences from the vendor C-simulation model, on purpose:
// - A blocking read of an empty stream aborts with the stream's name: in hardware it would wait
//   forever, and a silent default value would hide the bug.
// - Depth > 0 (the second template argument, as in newer Vitis) bounds the FIFO: full() is true at
//   Depth elements, write_nb() then fails and a blocking write() aborts. Depth 0 (the default) is
//   unbounded, like the vendor C-simulation.
#pragma once

#if defined(__SYNTHESIS__) || defined(__VITIS_HLS__)
#include <hls_stream.h>
#else

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <string>
#include <utility>

namespace hls {

template <typename T, int Depth = 0>
class stream {
  static_assert(Depth >= 0, "hls::stream depth must be >= 0");

 public:
  stream() : name_("hls::stream") {}
  explicit stream(const char* name) : name_(name != nullptr ? name : "hls::stream") {}
  stream(const stream&) = delete;
  stream& operator=(const stream&) = delete;

  bool empty() const { return q_.empty(); }
  bool full() const { return Depth > 0 && q_.size() >= static_cast<std::size_t>(Depth); }
  std::size_t size() const { return q_.size(); }
  const std::string& name() const { return name_; }

  T read() {
    if (q_.empty()) die("read while empty (a deadlock in hardware)");
    T x = std::move(q_.front());
    q_.pop_front();
    return x;
  }
  void read(T& out) { out = read(); }
  bool read_nb(T& out) {
    if (q_.empty()) return false;
    out = read();
    return true;
  }

  void write(const T& x) {
    if (full()) die("write while full (a deadlock in hardware)");
    q_.push_back(x);
  }
  bool write_nb(const T& x) {
    if (full()) return false;
    q_.push_back(x);
    return true;
  }

  stream& operator>>(T& out) {
    read(out);
    return *this;
  }
  stream& operator<<(const T& x) {
    write(x);
    return *this;
  }

 private:
  [[noreturn]] void die(const char* what) const {
    std::fprintf(stderr, "hls::stream '%s': %s\n", name_.c_str(), what);
    std::abort();
  }

  std::deque<T> q_;
  std::string name_;
};

}  // namespace hls

#endif  // !__SYNTHESIS__ && !__VITIS_HLS__
