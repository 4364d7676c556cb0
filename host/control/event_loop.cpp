#include "host/control/event_loop.hpp"

#include <poll.h>

#include <cerrno>

namespace conductor::control {

void EventLoop::watch_fd(int fd, Handler on_ready, Events events) {
  fds_[fd] = Watch{std::make_shared<Handler>(std::move(on_ready)), events};
}

bool EventLoop::set_events(int fd, Events events) {
  auto it = fds_.find(fd);
  if (it == fds_.end()) return false;
  it->second.events = events;
  return true;
}

void EventLoop::unwatch_fd(int fd) { fds_.erase(fd); }

uint64_t EventLoop::add_timer(Clock::time_point when, Handler fn) {
  const uint64_t id = next_timer_++;
  timers_.emplace(id, std::make_pair(when, std::move(fn)));
  timer_order_.emplace(when, id);
  return id;
}

void EventLoop::cancel_timer(uint64_t id) {
  auto it = timers_.find(id);
  if (it == timers_.end()) return;
  auto [lo, hi] = timer_order_.equal_range(it->second.first);
  for (auto o = lo; o != hi; ++o)
    if (o->second == id) {
      timer_order_.erase(o);
      break;
    }
  timers_.erase(it);
}

void EventLoop::stop() { stopped_ = true; }

bool EventLoop::run_once(Clock::duration max_wait) {
  if (stopped_) return false;
  Clock::time_point start = Clock::now();
  Clock::duration wait = max_wait;
  if (!timer_order_.empty())
    wait = std::min(wait, std::max(Clock::duration::zero(), timer_order_.begin()->first - start));
  std::vector<pollfd> pfds;
  pfds.reserve(fds_.size());
  for (const auto& [fd, w] : fds_) {
    const short ev = static_cast<short>(((w.events & kReadable) ? POLLIN : 0) | ((w.events & kWritable) ? POLLOUT : 0));
    pfds.push_back(pollfd{fd, ev, 0});
  }
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(wait).count();
  int n = ::poll(pfds.data(), pfds.size(), static_cast<int>(std::min<int64_t>(ms, 60'000)));
  if (n < 0 && errno != EINTR) return !stopped_;
  const Clock::time_point now = Clock::now();
  // File descriptors first (in fd order), then due timers; a handler may change either set.
  for (const pollfd& p : pfds) {
    if (stopped_) return false;
    if (p.revents == 0) continue;
    auto it = fds_.find(p.fd);
    if (it == fds_.end()) continue;               // unwatched by an earlier handler
    std::shared_ptr<Handler> fn = it->second.fn;  // survives unwatch_fd inside the handler
    (*fn)(now);
  }
  while (!stopped_ && !timer_order_.empty() && timer_order_.begin()->first <= Clock::now()) {
    const uint64_t id = timer_order_.begin()->second;
    timer_order_.erase(timer_order_.begin());
    auto it = timers_.find(id);
    if (it == timers_.end()) continue;
    Handler fn = std::move(it->second.second);
    timers_.erase(it);
    fn(Clock::now());
  }
  return !stopped_;
}

void EventLoop::run() {
  while (run_once(std::chrono::seconds{60})) {
  }
}

}  // namespace conductor::control
