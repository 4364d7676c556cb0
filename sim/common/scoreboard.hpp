// In-order scoreboard: the reference model's expected items against what the DUT produced.
// step() returns false on a mismatch; every mismatch is printed (up to a limit), and summary()
// says how many items matched.
#pragma once

#include <cstdint>
#include <cstdio>
#include <deque>
#include <functional>
#include <string>
#include <utility>

namespace conductor::sim {

template <class T>
class Scoreboard {
 public:
  using Printer = std::function<std::string(const T&)>;
  Scoreboard(std::string name, Printer print, int max_printed = 20)
      : name_(std::move(name)), print_(std::move(print)), max_printed_(max_printed) {}

  void expect(T item) { expected_.push_back(std::move(item)); }

  bool step(const T& got) {
    ++index_;
    if (expected_.empty()) {
      report("unexpected extra item", nullptr, got);
      return false;
    }
    T want = std::move(expected_.front());
    expected_.pop_front();
    if (want == got) {
      ++matched_;
      return true;
    }
    report("mismatch", &want, got);
    return false;
  }

  uint64_t matched() const { return matched_; }
  uint64_t mismatches() const { return mismatches_; }
  std::size_t outstanding() const { return expected_.size(); }
  bool clean() const { return mismatches_ == 0 && expected_.empty(); }

  std::string summary() const {
    char buf[256];
    std::snprintf(buf, sizeof buf, "%s: %llu matched, %llu mismatched, %zu expected but not seen", name_.c_str(),
                  static_cast<unsigned long long>(matched_), static_cast<unsigned long long>(mismatches_),
                  expected_.size());
    return buf;
  }

 private:
  void report(const char* what, const T* want, const T& got) {
    ++mismatches_;
    if (mismatches_ > static_cast<uint64_t>(max_printed_)) return;
    std::fprintf(stderr, "%s: item %llu: %s\n  want: %s\n  got:  %s\n", name_.c_str(),
                 static_cast<unsigned long long>(index_ - 1), what, want ? print_(*want).c_str() : "(nothing)",
                 print_(got).c_str());
  }

  std::string name_;
  Printer print_;
  int max_printed_;
  std::deque<T> expected_;
  uint64_t index_ = 0;
  uint64_t matched_ = 0;
  uint64_t mismatches_ = 0;
};

}  // namespace conductor::sim
