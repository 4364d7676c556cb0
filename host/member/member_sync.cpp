#include "host/member/member_sync.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <tuple>

#include "common/hypersync_wire.hpp"
#include "host/config/sockaddr.hpp"
#include "host/control/backup_map.hpp"
#include "common/gen/conductor_regs.hpp"
#include "host/sync/sync_config.hpp"
#include "host/sync/udp_transport.hpp"

namespace conductor::member {

namespace {

uint8_t byte_of(MemberId m) { return sync::member_byte(m.member, m.site); }

}  // namespace

sync::BackupStore::Snapshot synthetic_connections(MemberId self, uint32_t n, uint8_t sg_id) {
  n = std::min(n, kMaxSyntheticConnections);
  sync::BackupStore::Snapshot out;
  out.reserve(n);
  sync::FlowValueFields f;
  f.owner_member = self.member;
  f.owner_site = self.site;
  f.state = 1;
  const uint64_t value = sync::pack_flow_value(f);
  for (uint32_t i = 0; i < n; ++i) {
    sync::FlowKey k;
    k.a_addr[0] = 10;
    k.a_addr[1] = byte_of(self);
    k.a_addr[2] = static_cast<uint8_t>(i >> 8);
    k.a_addr[3] = static_cast<uint8_t>(i);
    k.b_addr[0] = 192, k.b_addr[1] = 0, k.b_addr[2] = 2, k.b_addr[3] = 1;
    k.a_port = static_cast<uint16_t>(1024 + (i >> 16));
    k.b_port = 443;
    k.proto = 6;
    k.sg_id = sg_id;
    out.emplace_back(k, value);
  }
  std::sort(out.begin(), out.end(), [](const auto& x, const auto& y) { return sync::key_less(x.first, y.first); });
  return out;
}

uint8_t owned_group(const config::ClusterConfig& cfg, MemberId self) {
  for (const auto& g : cfg.groups) {
    if (std::find(g.members.begin(), g.members.end(), self) != g.members.end()) return g.id;
    for (const auto& a : cfg.autoscale)
      if (a.group == g.name && std::find(a.spares.begin(), a.spares.end(), self) != a.spares.end()) return g.id;
  }
  return 0;
}

std::vector<MemberId> sync_peers(const config::ClusterConfig& cfg, MemberId self) {
  std::vector<MemberId> out;
  for (const auto& g : cfg.groups) {
    std::vector<MemberId> all = g.members;
    for (const auto& a : cfg.autoscale)
      if (a.group == g.name) all.insert(all.end(), a.spares.begin(), a.spares.end());
    if (std::find(all.begin(), all.end(), self) == all.end()) continue;
    for (const auto& m : all)
      if (!(m == self) && std::find(out.begin(), out.end(), m) == out.end()) out.push_back(m);
  }
  std::sort(out.begin(), out.end(),
            [](MemberId a, MemberId b) { return a.site != b.site ? a.site < b.site : a.member < b.member; });
  return out;
}

std::vector<MemberId> backups_of(const config::ClusterConfig& cfg, MemberId owner, const std::vector<MemberId>& up) {
  Weights candidates;
  for (const auto& g : cfg.groups) {
    if (std::find(g.members.begin(), g.members.end(), owner) == g.members.end()) continue;
    for (const MemberId m : g.members)
      if (m == owner || std::find(up.begin(), up.end(), m) != up.end()) candidates[m] = 1;
  }
  if (!candidates.count(owner)) return {};
  const uint16_t e = control::compute_backup_map(candidates)[owner.site * 64u + owner.member];
  std::vector<MemberId> out;
  if ((e >> regs::BACKUP_ENTRY_LB_VALID_LSB) & 1)
    out.push_back({owner.site, static_cast<uint8_t>((e >> regs::BACKUP_ENTRY_LB_MEMBER_LSB) & 63)});
  if ((e >> regs::BACKUP_ENTRY_RB_VALID_LSB) & 1)
    out.push_back({static_cast<uint8_t>((e >> regs::BACKUP_ENTRY_RB_SITE_LSB) & 1),
                   static_cast<uint8_t>((e >> regs::BACKUP_ENTRY_RB_MEMBER_LSB) & 63)});
  std::sort(out.begin(), out.end(),
            [](MemberId a, MemberId b) { return a.site != b.site ? a.site < b.site : a.member < b.member; });
  return out;
}

namespace {

constexpr auto kCheckEvery = std::chrono::milliseconds{100};
constexpr int kReadBatch = 64;
constexpr int kDrainBatches = 64;  // at most 4096 datagrams before the timers

}  // namespace

Expected<std::unique_ptr<MemberSync>> MemberSync::open(const config::ClusterConfig& cfg, MemberId self,
                                                       const config::IpAddress& address, uint32_t connections,
                                                       uint32_t epoch, sync::TimePoint now) {
  std::unique_ptr<MemberSync> ms(new MemberSync());
  const uint16_t port = cfg.sync.port;
  ms->fd_ = ::socket(address.is_v4() ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (ms->fd_ < 0) return make_error(Errc::kIo, std::string("sync socket: ") + std::strerror(errno));
  sockaddr_storage ss;
  socklen_t len;
  len = config::to_sockaddr(address, port, &ss);
  if (::bind(ms->fd_, reinterpret_cast<sockaddr*>(&ss), len) != 0)
    return make_error(Errc::kIo,
                      "sync: cannot bind " + config::Endpoint{address, port}.to_string() + ": " + std::strerror(errno));
  // Several peers' windows arrive at this one socket.
  std::tie(ms->rcvbuf_, ms->sndbuf_) = sync::grow_socket_buffers(ms->fd_);
  ms->cfg_ = cfg;
  ms->self_ = self;
  ms->conns_ = synthetic_connections(self, connections, owned_group(cfg, self));
  // Established long ago: offered at once, whatever [sync] delay is.
  ms->created_ = now - std::chrono::duration_cast<sync::Duration>(cfg.sync.delay) - std::chrono::seconds{1};
  for (const MemberId id : sync_peers(cfg, self)) {
    const config::Member* m = cfg.member(id);
    if (!m || !m->address || m->address->is_v4() != address.is_v4()) continue;  // unreachable from this socket
    Peer p;
    p.id = id;
    p.byte = byte_of(id);
    p.len = config::to_sockaddr(*m->address, port, &p.addr);
    p.last_heard = now;  // every peer counts as up until it has been silent for kPeerTimeout
    auto sc = sync::make_sender_config(cfg.sync, 0, byte_of(self), p.byte, epoch);
    sc.ipv6_transport = !address.is_v4();
    if (auto st = sync::validate(sc); !st.ok()) return st.error();
    p.sender = std::make_unique<sync::Sender>(std::move(sc));
    p.session = std::make_unique<sync::Session>(sync::make_session_config(cfg.sync, 0, byte_of(self), p.byte, epoch),
                                                ms->store_);
    ms->peers_.push_back(std::move(p));
  }
  std::vector<MemberId> up;
  for (const auto& p : ms->peers_) up.push_back(p.id);
  const auto backups = backups_of(cfg, self, up);
  for (auto& p : ms->peers_) {
    p.backup = std::find(backups.begin(), backups.end(), p.id) != backups.end();
    if (p.backup) {
      p.sender->replace(now, ms->conns_, ms->created_);  // the start-up full sync carries them
    } else {
      p.sender->start(now);  // an empty full sync: the peer's copy of this member is whole and empty
    }
  }
  // Silence is measured from when the member is ready: building a million connections takes a while.
  const sync::TimePoint ready = std::max(now, sync::Clock::now());
  for (auto& p : ms->peers_) p.last_heard = ready;
  ms->next_check_ = ready + kCheckEvery;
  ms->last_check_ = ready;
  for (auto& p : ms->peers_) ms->send(p, *p.sender);
  return ms;
}

// A peer that went silent stops being a backup, one heard again becomes one again (backups_of over
// the peers heard within kPeerTimeout). A peer whose duty changes gets a full sync of its new share:
// all of this member's connections, or none.
void MemberSync::refresh_backups(sync::TimePoint now) {
  next_check_ = now + kCheckEvery;
  // This agent's own stall (a long commit, a big table swap) is nobody's silence.
  if (last_check_ != sync::TimePoint{} && now - last_check_ > 2 * kCheckEvery) {
    const auto stall = now - last_check_ - kCheckEvery;
    for (auto& p : peers_) p.last_heard = std::min(now, p.last_heard + stall);
  }
  last_check_ = now;
  std::vector<MemberId> up;
  for (const auto& p : peers_)
    if (now - p.last_heard < kPeerTimeout) up.push_back(p.id);
  const auto backups = backups_of(cfg_, self_, up);
  bool changed = false;
  for (auto& p : peers_) {
    const bool want = std::find(backups.begin(), backups.end(), p.id) != backups.end();
    if (want == p.backup) continue;
    p.backup = want;
    changed = true;
    p.sender->replace(now, want ? conns_ : sync::BackupStore::Snapshot{}, created_);
    send(p, *p.sender);
  }
  if (changed) ++backup_changes_;
}

std::vector<MemberId> MemberSync::backups() const {
  std::vector<MemberId> out;
  for (const auto& p : peers_)
    if (p.backup) out.push_back(p.id);
  return out;
}

size_t MemberSync::in_sync_count() const {
  return static_cast<size_t>(
      std::count_if(peers_.begin(), peers_.end(), [](const Peer& p) { return p.session->in_sync(); }));
}

MemberSync::~MemberSync() {
  if (fd_ >= 0) ::close(fd_);
}

void MemberSync::send(Peer& p, sync::SyncEndpoint& e) {
  for (auto& b : e.take_output()) {
    if (impair_) {  // --sync-impair
      impair(p, std::move(b));
      continue;
    }
    if (::sendto(fd_, b.data(), b.size(), 0, reinterpret_cast<const sockaddr*>(&p.addr), p.len) < 0) ++tx_errors_;
  }
}

int MemberSync::on_readable(sync::TimePoint now) {
  uint8_t buf[9216];
  int got = 0;
  // A bounded batch: under a full sync the socket never drains, and heartbeats, timers and the clock
  // (`now`) must move on between batches.
  for (int i = 0; i < kReadBatch; ++i) {
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n < 0) break;
    ++got;
    if (static_cast<size_t>(n) <= sync::kHeaderBytes) {
      ++rx_unknown_;
      continue;
    }
    const uint8_t source = buf[sync::kOffSource];
    auto it = std::find_if(peers_.begin(), peers_.end(), [&](const Peer& p) { return p.byte == source; });
    if (it == peers_.end()) {
      ++rx_unknown_;
      continue;
    }
    const bool was_silent = now - it->last_heard >= kPeerTimeout;
    it->last_heard = now;
    if (was_silent) refresh_backups(now);  // before its frame: a joining peer's full sync request gets its share
    // A backup's reply: flags clear and ACK/NACK first. A sender's NACK echo always comes flagged RETRANSMIT.
    const uint8_t flags = buf[sync::kOffFlags] & 0x07;
    const uint8_t first = buf[sync::kHeaderBytes];
    const bool reply = flags == 0 && (first == static_cast<uint8_t>(sync::RecordType::kAck) ||
                                      first == static_cast<uint8_t>(sync::RecordType::kNack));
    sync::SyncEndpoint& e = reply ? static_cast<sync::SyncEndpoint&>(*it->sender) : *it->session;
    e.on_frame(now, buf, static_cast<size_t>(n));
    send(*it, *it->sender);
    send(*it, *it->session);
  }
  return got;
}

sync::TimePoint MemberSync::next_deadline() const {
  sync::TimePoint t = next_check_;
  for (const auto& p : peers_) t = std::min({t, p.sender->next_deadline(), p.session->next_deadline()});
  if (impair_) t = std::min(t, impair_->next_deadline());
  return t;
}

void MemberSync::on_deadline(sync::TimePoint now) {
  // What already arrived first: after a stall (a big commit) the timers are late, and a session must
  // not ask for a full sync while that full sync's frames sit unread in the socket.
  for (int i = 0; i < kDrainBatches && on_readable(now) == kReadBatch; ++i) {
  }
  if (now >= next_check_) refresh_backups(now);
  for (auto& p : peers_) {
    if (p.sender->next_deadline() <= now) p.sender->on_timer(now);
    if (p.session->next_deadline() <= now) p.session->on_timer(now);
    send(p, *p.sender);
    send(p, *p.session);
  }
  if (impair_) release_impaired(now);
}

bool MemberSync::all_in_sync() const {
  return std::all_of(peers_.begin(), peers_.end(), [](const Peer& p) { return p.session->in_sync(); });
}

size_t MemberSync::backup_connections() const {
  size_t n = 0;
  for (const auto& p : peers_) n += store_.size(p.byte);
  return n;
}

std::string MemberSync::counters() const {
  std::string out;
  char buf[512];
  for (const auto& p : peers_) {
    const auto& t = p.sender->stats();
    const auto& r = p.session->stats();
    std::snprintf(buf, sizeof buf,
                  "to %u/%u: frames %llu (full sync %llu in %llu runs, resent %llu, probes %llu), full-sync requests "
                  "%llu, NACKs %llu (coalesced %llu, superseded %llu), window waits %llu; from it: frames %llu, gaps "
                  "%llu, NACKs %llu, full-sync requests %llu, unrepairable %llu\n",
                  p.id.site, p.id.member, (unsigned long long)t.frames, (unsigned long long)t.full_sync_frames,
                  (unsigned long long)t.full_syncs, (unsigned long long)t.retransmit_frames,
                  (unsigned long long)t.probes, (unsigned long long)t.full_sync_requests, (unsigned long long)t.nacks,
                  (unsigned long long)t.nacks_coalesced, (unsigned long long)t.nacks_superseded,
                  (unsigned long long)t.window_waits, (unsigned long long)r.frames, (unsigned long long)r.gaps,
                  (unsigned long long)r.nacks_sent, (unsigned long long)r.full_sync_requests,
                  (unsigned long long)r.unrepairable);
    out += buf;
  }
  std::snprintf(buf, sizeof buf, "backup store: %llu full syncs committed, %llu records applied, %llu staged\n",
                (unsigned long long)store_.stats().full_syncs, (unsigned long long)store_.stats().applied,
                (unsigned long long)store_.stats().staged);
  return out + buf;
}

std::string MemberSync::summary() const {
  char buf[64];
  std::snprintf(buf, sizeof buf, "in-sync %zu/%zu backup", in_sync_count(), peers_.size());
  std::string s = buf;
  for (const auto& p : peers_) {
    std::snprintf(buf, sizeof buf, " %u/%u=%zu/%016llx", p.id.site, p.id.member, store_.size(p.byte),
                  static_cast<unsigned long long>(sync::BackupStore::digest(store_.snapshot(p.byte))));
    s.append(buf);
  }
  return s;
}

// ---- Sync health (the sync report) ----------------------------------------------------------------

std::vector<cluster::PeerSyncHealth> MemberSync::health(sync::TimePoint now) const {
  std::vector<cluster::PeerSyncHealth> out;
  out.reserve(peers_.size());
  for (const Peer& p : peers_) {
    cluster::PeerSyncHealth h;
    h.peer = p.id;
    h.flags = static_cast<uint8_t>((p.session->in_sync() ? cluster::kPeerWhole : 0) |
                                   (p.sender->full_sync_active() ? cluster::kPeerFullSyncOut : 0));
    const auto lag = std::chrono::duration_cast<std::chrono::microseconds>(p.sender->lag(now)).count();
    h.lag_us = lag <= 0 ? 0 : lag >= 0xFFFFFFFFLL ? 0xFFFFFFFFu : static_cast<uint32_t>(lag);
    const sync::SenderStats& ss = p.sender->stats();
    h.frames_sent = ss.frames;
    h.records_sent = ss.records_new + ss.records_update + ss.records_delete;
    h.frames_received = p.session->stats().frames;
    const size_t held = store_.size(p.byte);
    h.records_held = held > 0xFFFFFFFFu ? 0xFFFFFFFFu : static_cast<uint32_t>(held);
    const size_t kept = p.sender->kept_frames();
    h.unacked = kept > 0xFFFFFFFFu ? 0xFFFFFFFFu : static_cast<uint32_t>(kept);
    for (const uint64_t r : p.session->counters().rejected) h.rejects += r;
    out.push_back(h);
  }
  std::sort(out.begin(), out.end(),
            [](const cluster::PeerSyncHealth& a, const cluster::PeerSyncHealth& b) { return a.peer < b.peer; });
  return out;
}

}  // namespace conductor::member
