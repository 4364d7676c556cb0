// The event loop conductord runs on: poll(2), single-threaded, level-triggered file descriptors and one-shot
// timers on the steady clock. Handlers run one at a time on the loop's thread; a handler may watch,
// unwatch, add or cancel anything, including itself. A file descriptor is watched for reading
// (the default), writing, both, or neither (events 0: the handler still runs on an error or hang-up,
// which poll(2) always reports); the handler finds out which by trying, non-blocking.
//
//   EventLoop loop;
//   loop.watch_fd(sock, [&](Clock::time_point now) { accept_one(now); });
//   loop.add_timer(loop.now() + 50ms, [&](Clock::time_point now) { tick(now); });
//   loop.watch_fd(client, [&](Clock::time_point) { flush(client); }, EventLoop::kWritable);
//   loop.run();   // until stop()
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <vector>

namespace conductor::control {

using Clock = std::chrono::steady_clock;

class EventLoop {
 public:
  using Handler = std::function<void(Clock::time_point now)>;
  using Events = unsigned;
  static constexpr Events kReadable = 1;  // POLLIN
  static constexpr Events kWritable = 2;  // POLLOUT

  // Replaces an earlier handler of the same fd.
  void watch_fd(int fd, Handler on_ready, Events events = kReadable);
  // Changes what a watched fd waits for (keeps its handler); false when fd is not watched.
  bool set_events(int fd, Events events);
  void unwatch_fd(int fd);
  uint64_t add_timer(Clock::time_point when, Handler fn);  // one-shot; returns an id (never 0)
  void cancel_timer(uint64_t id);
  void stop();  // run() returns after the current handler
  void run();
  // One round: waits at most `max_wait` (or until the next timer) and runs what is ready. Returns
  // false once stop() was called. Tests drive the loop with it.
  bool run_once(Clock::duration max_wait);
  Clock::time_point now() const { return Clock::now(); }

  size_t watched() const { return fds_.size(); }
  size_t timers() const { return timers_.size(); }

 private:
  struct Watch {
    std::shared_ptr<Handler> fn;
    Events events = kReadable;
  };
  std::map<int, Watch> fds_;
  std::multimap<Clock::time_point, uint64_t> timer_order_;
  std::map<uint64_t, std::pair<Clock::time_point, Handler>> timers_;
  uint64_t next_timer_ = 1;
  bool stopped_ = false;
};

}  // namespace conductor::control
