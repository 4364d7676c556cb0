// MemberSync's impairment shim (`--sync-impair`, a test/diagnostic option, docs/cluster.md): every
// sync datagram the agent sends passes through a seeded sync::Impairment (loss, reordering,
// duplication) before the socket. Kept apart from member_sync.cpp so the protocol code stays as it is;
// MemberSync::send, next_deadline and on_deadline have one hook each.
#include <sys/socket.h>

#include <algorithm>

#include "host/member/member_sync.hpp"

namespace conductor::member {

void MemberSync::set_impairment(const sync::ImpairmentConfig& c) {
  impair_ = c.active() ? std::make_unique<sync::Impairment>(c) : nullptr;
}

void MemberSync::impair(const Peer& p, std::vector<uint8_t> datagram) {
  const sync::TimePoint now = sync::Clock::now();
  impair_->push(now, p.byte, std::move(datagram));
  release_impaired(now);
}

void MemberSync::release_impaired(sync::TimePoint now) {
  for (const auto& d : impair_->take_due(now)) {
    auto it = std::find_if(peers_.begin(), peers_.end(), [&](const Peer& p) { return p.byte == d.tag; });
    if (it == peers_.end()) continue;
    if (::sendto(fd_, d.bytes.data(), d.bytes.size(), 0, reinterpret_cast<const sockaddr*>(&it->addr), it->len) < 0)
      ++tx_errors_;
  }
}

}  // namespace conductor::member
