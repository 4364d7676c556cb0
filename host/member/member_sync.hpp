// The member agent's HyperSync (docs/cluster.md, "Member agent: HyperSync"): one UDP socket on the
// member's address and [sync] port, a Sender per peer for the connections the agent owns and a
// Session + BackupStore per peer that syncs to it. Peers: the other members of the security groups
// the member belongs to (as member or autoscale spare), and those groups' spares.
//
// One socket serves every peer, so datagrams are demultiplexed here: the source member byte picks
// the peer, and the frame's content the endpoint: ACK/NACK frames (flags clear, first record ACK or
// NACK) go to that peer's Sender, everything else (deltas, resends, full syncs, heartbeats) to its
// Session. A peer that is not up yet misses frames; the protocol repairs it (heartbeats reveal the
// tail, the session NACKs or asks for a full sync).
//
// The agent's connections are synthetic (the agent has no data path): `--connections N` becomes N
// connections with deterministic keys derived from the member id, owned by the member, in the
// FLOW_VALUE layout, old enough to be synced at once (no delayed-notification wait).
#pragma once

#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "host/cluster/sync_report_wire.hpp"
#include "host/common/status.hpp"
#include "host/config/cluster_config.hpp"
#include "host/sync/backup_store.hpp"
#include "host/sync/impairment.hpp"
#include "host/sync/sender.hpp"
#include "host/sync/session.hpp"

namespace conductor::member {

inline constexpr uint32_t kMaxSyntheticConnections = 1u << 20;

// The N connections member `self` owns (sorted like BackupStore::snapshot), SG `sg_id`.
sync::BackupStore::Snapshot synthetic_connections(MemberId self, uint32_t n, uint8_t sg_id);
// The security group whose connections the member owns: the first it is a member or spare of (0: none).
uint8_t owned_group(const config::ClusterConfig& cfg, MemberId self);
// Who syncs with `self`, ascending.
std::vector<MemberId> sync_peers(const config::ClusterConfig& cfg, MemberId self);
// The backups `owner`'s connections are synced to: its local and its remote backup by the steer
// BACKUP rule (host/control/backup_map.hpp) over the candidates, which are the configured members of
// owner's security group (spares serve only once the autoscaler adds them, so they are not
// candidates) that are in `up`, and owner itself. Ascending; empty when no other candidate exists.
std::vector<MemberId> backups_of(const config::ClusterConfig& cfg, MemberId owner, const std::vector<MemberId>& up);

class MemberSync {
 public:
  // Binds `address`:[sync] port; `connections` synthetic connections go to this member's backups
  // (backups_of), every other peer gets an empty full sync.
  static Expected<std::unique_ptr<MemberSync>> open(const config::ClusterConfig& cfg, MemberId self,
                                                    const config::IpAddress& address, uint32_t connections,
                                                    uint32_t epoch, sync::TimePoint now);
  ~MemberSync();
  MemberSync(const MemberSync&) = delete;
  MemberSync& operator=(const MemberSync&) = delete;

  int fd() const { return fd_; }
  // Reads and handles at most a batch of datagrams (64); returns how many it read.
  int on_readable(sync::TimePoint now);
  sync::TimePoint next_deadline() const;
  void on_deadline(sync::TimePoint now);

  size_t peers() const { return peers_.size(); }
  // Every peer's session has committed a full sync of the peer's current epoch.
  bool all_in_sync() const;
  size_t in_sync_count() const;
  size_t backup_connections() const;
  // The peers this member's connections are synced to now (backups_of over the peers it hears).
  std::vector<MemberId> backups() const;
  // Times the backups changed (a peer went silent or came back).
  uint64_t backup_changes() const { return backup_changes_; }
  // "in-sync 2/3 backup 0/0=100(digest 0123abcd...) 0/1=..." : one line for logs and tests. It sorts
  // every peer's copy: call it when something changed, not per datagram.
  std::string summary() const;
  // Per peer, the sender's and the session's counters on one line each (for the agent's last words).
  std::string counters() const;
  const sync::BackupStore& store() const { return store_; }
  uint64_t rx_unknown() const { return rx_unknown_; }
  uint64_t tx_errors() const { return tx_errors_; }
  // The socket buffer sizes the kernel granted (bytes, as getsockopt reports them).
  int rcvbuf() const { return rcvbuf_; }
  int sndbuf() const { return sndbuf_; }
  // A peer not heard from (any sync frame: data, heartbeat, ACK) for this long is taken as down and
  // stops being a backup; it is a backup again once heard. Long against the pauses of a busy agent:
  // taking a million connections in or out stops its loop for a good part of a second. Time this
  // agent itself spent stalled does not count as the peers' silence.
  static constexpr auto kPeerTimeout = std::chrono::seconds{3};
  // Test/diagnostic (`--sync-impair`, member_sync_impair.cpp): every sync datagram this agent sends
  // goes through a seeded loss/reorder/duplicate shim first. Null: none.
  void set_impairment(const sync::ImpairmentConfig& c);
  const sync::Impairment* impairment() const { return impair_.get(); }

 private:
  struct Peer {
    MemberId id{};
    uint8_t byte = 0;
    sockaddr_storage addr{};
    socklen_t len = 0;
    std::unique_ptr<sync::Sender> sender;
    std::unique_ptr<sync::Session> session;
    sync::TimePoint last_heard{};
    bool backup = false;  // this member's connections go to it
  };
  MemberSync() = default;
  void send(Peer& p, sync::SyncEndpoint& e);
  void refresh_backups(sync::TimePoint now);
  void impair(const Peer& p, std::vector<uint8_t> datagram);
  void release_impaired(sync::TimePoint now);

  int fd_ = -1;
  int rcvbuf_ = 0, sndbuf_ = 0;
  config::ClusterConfig cfg_;
  MemberId self_{};
  sync::BackupStore::Snapshot conns_;  // what this member owns
  sync::TimePoint created_{};          // when they were established (long enough ago to be offered)
  sync::TimePoint next_check_{};
  sync::TimePoint last_check_{};
  sync::BackupStore store_;
  std::vector<Peer> peers_;
  uint64_t rx_unknown_ = 0, tx_errors_ = 0, backup_changes_ = 0;
  std::unique_ptr<sync::Impairment> impair_;

  // ---- Sync health (the sync report, docs/cluster.md "Sync report") ----
 public:
  // Per peer, ascending: whole (its session committed a full sync of its current epoch), a full sync
  // being sent to it, lag (Sender::lag), frames and records sent to it, frames accepted from it,
  // records held from it, unacknowledged frames kept, frames from it rejected by the decoder.
  std::vector<cluster::PeerSyncHealth> health(sync::TimePoint now) const;
};

}  // namespace conductor::member
