// HyperSync over real UDP on 127.0.0.1 between two processes: this test is the backup (Session +
// BackupStore behind a UdpTransport on an ephemeral port) and starts hsync_peer as the primary. Both
// sides drop 10% of what they send, so NACKs and resends cross real sockets. The backup must end up
// with exactly the connections the primary reports (count and digest). Bounded waits (poll with
// timeouts, 20 s at most); the child is always reaped (stdin closed, then SIGKILL after 5 s), by
// tests/common/process.hpp.
#include <poll.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <string>

#include "host/sync/backup_store.hpp"
#include "host/sync/session.hpp"
#include "host/sync/udp_transport.hpp"
#include "tests/common/process.hpp"
#include "tests/sync/sync_fuzz_input.hpp"

namespace conductor::sync {
namespace {

using namespace std::chrono_literals;

using testing::ExitStatus;
using testing::Process;

TEST(SyncUdp, BackupConvergesWithAPrimaryInAnotherProcess) {
  BackupStore store;
  SessionConfig sc;
  sc.cluster_id = fuzz::kFuzzCluster;
  sc.self = member_byte(1, 0);
  sc.peer = member_byte(2, 0);
  sc.key = fuzz::fuzz_key();
  sc.log = [](std::string_view) {};
  Session session(sc, store);
  auto t = UdpTransport::open({.bind = "127.0.0.1", .port = 0, .drop_tx = 0.1, .drop_seed = 9}, session);
  ASSERT_TRUE(t) << t.error().message;
  UdpTransport& udp = **t;
  const uint16_t port = udp.local_port();
  ASSERT_NE(port, 0);

  // stdin a pipe: hsync_peer exits when it closes (child.stop).
  Process child({.argv = {HSYNC_PEER, "--peer-port", std::to_string(port), "--seed", "5", "--conns", "800", "--run-ms",
                          "800", "--drop", "0.1", "--delay-ms", "50"},
                 .pipe_output = true,
                 .pipe_stdin = true});
  ASSERT_TRUE(child.started());
  bool have_peer = false, reported = false, converged = false;
  size_t want_count = 0;
  uint64_t want_digest = 0;
  const auto deadline = Clock::now() + 20s;
  while (Clock::now() < deadline && !converged) {
    TimePoint now = Clock::now();
    const TimePoint wake = std::min(udp.next_deadline(), now + 50ms);
    pollfd fds[2] = {{udp.fd(), POLLIN, 0}, {child.stdout_fd(), POLLIN, 0}};
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(wake - now).count();
    ASSERT_GE(::poll(fds, 2, static_cast<int>(std::clamp<int64_t>(ms + 1, 0, 50))), 0);
    now = Clock::now();
    if (fds[1].revents & (POLLIN | POLLHUP)) {
      child.read_available();
      ASSERT_GE(child.stdout_fd(), 0) << "hsync_peer exited early:\n" << child.err();
      for (const auto& l : child.take_lines()) {
        unsigned p = 0;
        unsigned long long d = 0;
        size_t n = 0;
        if (std::sscanf(l.c_str(), "ready %u", &p) == 1) {
          ASSERT_TRUE(udp.set_peer("127.0.0.1", static_cast<uint16_t>(p)));
          have_peer = true;
        } else if (std::sscanf(l.c_str(), "done %zu %llx", &n, &d) == 2) {
          want_count = n, want_digest = d, reported = true;
        }
      }
    }
    if (fds[0].revents & POLLIN) udp.on_readable(now);
    if (now >= udp.next_deadline()) udp.on_deadline(now);
    if (reported && session.in_sync()) {
      const auto snap = store.snapshot(sc.peer);
      converged = snap.size() == want_count && BackupStore::digest(snap) == want_digest;
    }
  }
  EXPECT_TRUE(have_peer);
  ASSERT_TRUE(reported) << "hsync_peer never reported its state";
  EXPECT_TRUE(converged) << "backup holds " << store.size(sc.peer) << " connections, the primary " << want_count;
  EXPECT_GT(want_count, 100u);
  EXPECT_GT(udp.stats().rx_datagrams, 10u);
  EXPECT_GT(session.stats().nacks_sent, 0u);  // losses were repaired over the sockets
  EXPECT_EQ(child.stop(5s), ExitStatus{.code = 0}) << child.err();
}

TEST(SyncUdp, BadAddressesAreNamed) {
  BackupStore store;
  Session session(SessionConfig{}, store);
  auto t = UdpTransport::open({.bind = "localhost"}, session);
  ASSERT_FALSE(t);
  EXPECT_NE(t.error().message.find("\"localhost\" is not an IPv4 or IPv6 address literal"), std::string::npos);
  auto u = UdpTransport::open({.bind = "::1", .port = 0}, session);
  if (u) {
    EXPECT_NE((*u)->local_port(), 0);  // IPv6 loopback, where the kernel has it
  }
}

}  // namespace
}  // namespace conductor::sync
