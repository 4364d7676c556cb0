// VRRP router state machine (RFC 5798 §6.4 / RFC 9568 §6.4); see vrrp_fsm.hpp.
#include "host/election/vrrp_fsm.hpp"

#include <algorithm>
#include <numeric>
#include <string>

namespace conductor::election {

std::string_view state_name(State s) {
  switch (s) {
    case State::kInitialize:
      return "Initialize";
    case State::kBackup:
      return "Backup";
    case State::kMaster:
      return "Master";
  }
  return "unknown";
}

std::string_view action_kind_name(ActionKind k) {
  switch (k) {
    case ActionKind::kSendAdvert:
      return "send-advert";
    case ActionKind::kAnnounce:
      return "announce";
    case ActionKind::kBecomeMaster:
      return "become-master";
    case ActionKind::kBecomeBackup:
      return "become-backup";
    case ActionKind::kBecomeInitialize:
      return "become-initialize";
  }
  return "unknown";
}

std::string_view reason_name(Reason r) {
  switch (r) {
    case Reason::kStartup:
      return "startup";
    case Reason::kOwnerStartup:
      return "owner-startup";
    case Reason::kMasterDown:
      return "master-down";
    case Reason::kAdverTimer:
      return "adver-timer";
    case Reason::kHigherPriority:
      return "higher-priority";
    case Reason::kAddressTieBreak:
      return "address-tie-break";
    case Reason::kPriorityZero:
      return "priority-zero";
    case Reason::kAssertMaster:
      return "assert-master";
    case Reason::kShutdown:
      return "shutdown";
  }
  return "unknown";
}

uint64_t VrrpStats::dropped() const {
  return std::accumulate(rx_errors.begin(), rx_errors.end(), uint64_t{0}) + vrid_mismatch + family_mismatch +
         own_adverts + owner_discards + address_list_mismatch + not_running;
}

Status validate(const VrrpConfig& c) {
  auto bad = [](std::string what) { return make_error(Errc::kInvalidArgument, "VRRP config: " + std::move(what)); };
  if (c.vrid == 0) return bad("VRID 0 (valid: 1..255)");
  if (c.priority == 0) return bad("priority 0 (valid: 1..255; 0 is only sent when leaving)");
  if (c.advert_interval_cs == 0 || c.advert_interval_cs > kMaxAdverIntervalCs) {
    return bad("advertisement interval " + std::to_string(c.advert_interval_cs) + " cs (valid: 1..4095)");
  }
  if (c.addresses.empty() || c.addresses.size() > kMaxAddresses) {
    return bad(std::to_string(c.addresses.size()) + " virtual addresses (valid: 1..255)");
  }
  if (c.primary_address.family != c.family) {
    return bad("primary address " + c.primary_address.to_string() + " is not " + std::string(family_name(c.family)));
  }
  for (const IpAddress& a : c.addresses) {
    if (a.family != c.family) {
      return bad("virtual address " + a.to_string() + " is not " + std::string(family_name(c.family)));
    }
  }
  // RFC 5798 §5.2.9 (RFC 9568 erratum 8300): the first IPv6 address is the link-local one.
  if (c.family == Family::kIpv6 && !c.addresses.front().is_link_local_v6()) {
    return bad("the first IPv6 virtual address " + c.addresses.front().to_string() + " is not link-local");
  }
  return ok_status();
}

Expected<VrrpRouter> VrrpRouter::create(VrrpConfig config) {
  if (Status s = validate(config); !s) return s.error();
  return VrrpRouter(std::move(config));
}

VrrpRouter::VrrpRouter(VrrpConfig config)
    : config_(std::move(config)), master_adver_interval_cs_(config_.advert_interval_cs) {}

Advert VrrpRouter::make_advert(uint8_t priority) const {
  return Advert{config_.family, config_.vrid, priority, config_.advert_interval_cs, config_.addresses};
}

void VrrpRouter::send_advert(uint8_t priority, Reason reason, Actions& out) {
  out.push_back(Action{ActionKind::kSendAdvert, reason, make_advert(priority)});
  ++stats_.adverts_sent;
  if (priority == kPriorityShutdown) ++stats_.priority_zero_sent;
}

// §6.4.1 and §6.4.2 "Master_Down_Timer fires": send an ADVERTISEMENT, announce the
// addresses, set the Adver_Timer, become Master. The transition comes first in the action list so
// that the daemon forwards before the advert and the announcements attract the traffic.
void VrrpRouter::become_master(TimePoint now, Reason reason, Actions& out) {
  state_ = State::kMaster;
  master_down_timer_.reset();
  adver_timer_ = now + advertisement_interval();
  master_ = MasterInfo{config_.primary_address, config_.priority, config_.advert_interval_cs, now};
  ++stats_.became_master;
  out.push_back(Action{ActionKind::kBecomeMaster, reason, {}});
  send_advert(config_.priority, reason, out);
  out.push_back(Action{ActionKind::kAnnounce, reason, {}});
}

// §6.4.2 / §6.4.3: take the sender as the Master and restart the
// Master_Down_Timer from its interval.
void VrrpRouter::learn_master(TimePoint now, const ReceivedAdvert& rx) {
  const uint16_t interval = rx.advert.max_adver_interval_cs;
  if (interval != master_adver_interval_cs_) ++stats_.interval_changes;
  master_adver_interval_cs_ = interval;  // Skew_Time and Master_Down_Interval follow from it
  master_down_timer_ = now + master_down_interval();
  master_ = MasterInfo{rx.source, rx.advert.priority, interval, now};
}

void VrrpRouter::become_backup(TimePoint now, const ReceivedAdvert& rx, Reason reason, Actions& out) {
  state_ = State::kBackup;
  adver_timer_.reset();
  learn_master(now, rx);
  ++stats_.became_backup;
  out.push_back(Action{ActionKind::kBecomeBackup, reason, {}});
}

bool VrrpRouter::same_addresses(const std::vector<IpAddress>& other) const {
  if (other.size() != config_.addresses.size()) return false;
  return std::all_of(config_.addresses.begin(), config_.addresses.end(),
                     [&](const IpAddress& a) { return std::find(other.begin(), other.end(), a) != other.end(); });
}

Actions VrrpRouter::start(TimePoint now) {
  Actions out;
  if (state_ != State::kInitialize) return out;  // Startup only means something in Initialize
  if (is_owner()) {
    become_master(now, Reason::kOwnerStartup, out);  // §6.4.1
    return out;
  }
  // §6.4.1
  state_ = State::kBackup;
  master_adver_interval_cs_ = config_.advert_interval_cs;
  master_down_timer_ = now + master_down_interval();
  master_.reset();
  ++stats_.became_backup;
  out.push_back(Action{ActionKind::kBecomeBackup, Reason::kStartup, {}});
  return out;
}

Actions VrrpRouter::shutdown(TimePoint /*now*/) {
  Actions out;
  switch (state_) {
    case State::kInitialize:
      return out;
    case State::kMaster:  // §6.4.3: cancel Adver_Timer, advert with priority 0
      adver_timer_.reset();
      send_advert(kPriorityShutdown, Reason::kShutdown, out);
      break;
    case State::kBackup:  // §6.4.2: cancel Master_Down_Timer
      master_down_timer_.reset();
      break;
  }
  state_ = State::kInitialize;
  master_.reset();
  out.push_back(Action{ActionKind::kBecomeInitialize, Reason::kShutdown, {}});
  return out;
}

Actions VrrpRouter::on_timer(TimePoint now) {
  Actions out;
  if (state_ == State::kBackup && master_down_timer_ && now >= *master_down_timer_) {
    become_master(now, Reason::kMasterDown, out);  // §6.4.2
  } else if (state_ == State::kMaster && adver_timer_ && now >= *adver_timer_) {
    send_advert(config_.priority, Reason::kAdverTimer, out);  // §6.4.3
    adver_timer_ = now + advertisement_interval();
  }
  return out;
}

std::optional<TimePoint> VrrpRouter::next_deadline() const {
  switch (state_) {
    case State::kBackup:
      return master_down_timer_;
    case State::kMaster:
      return adver_timer_;
    case State::kInitialize:
      return std::nullopt;
  }
  return std::nullopt;
}

Actions VrrpRouter::on_packet(TimePoint now, const IpMeta& ip, std::span<const uint8_t> message, const RxOptions& rx) {
  auto decoded = decode_packet(ip, message, rx);
  if (!decoded) {
    ++stats_.rx_errors[static_cast<size_t>(decoded.error().reason)];
    return {};
  }
  return on_advert(now, *decoded);
}

Actions VrrpRouter::on_ipv4_datagram(TimePoint now, std::span<const uint8_t> datagram, const RxOptions& rx) {
  auto decoded = decode_ipv4_packet(datagram, rx);
  if (!decoded) {
    ++stats_.rx_errors[static_cast<size_t>(decoded.error().reason)];
    return {};
  }
  return on_advert(now, *decoded);
}

Actions VrrpRouter::on_advert(TimePoint now, const ReceivedAdvert& rx) {
  Actions out;
  const Advert& a = rx.advert;
  // §7.1 checks that need the configuration.
  if (state_ == State::kInitialize) {
    ++stats_.not_running;
    return out;
  }
  if (a.family != config_.family || rx.source.family != config_.family) {
    ++stats_.family_mismatch;
    return out;
  }
  if (a.vrid != config_.vrid) {
    ++stats_.vrid_mismatch;
    return out;
  }
  if (rx.source == config_.primary_address) {
    ++stats_.own_adverts;
    return out;
  }
  if (is_owner()) {  // "...and the local router is not the IPvX Address owner"
    ++stats_.owner_discards;
    return out;
  }
  if (!same_addresses(a.addresses) && a.priority != kPriorityOwner) {
    ++stats_.address_list_mismatch;
    return out;
  }
  ++stats_.adverts_received;
  if (a.priority == kPriorityShutdown) ++stats_.priority_zero_received;

  if (state_ == State::kBackup) {
    if (a.priority == kPriorityShutdown) {
      // §6.4.2: the Master left; take over after Skew_Time unless a better one speaks.
      master_down_timer_ = now + skew_time();
      master_.reset();
    } else if (!config_.preempt || a.priority >= config_.priority) {
      learn_master(now, rx);  // §6.4.2
    } else {
      ++stats_.preempt_discards;  // §6.4.2: preempt; the Master_Down_Timer runs out
    }
    return out;
  }

  // Master, §6.4.3.
  if (a.priority == kPriorityShutdown) {
    send_advert(config_.priority, Reason::kPriorityZero, out);
    adver_timer_ = now + advertisement_interval();
  } else if (a.priority > config_.priority) {
    become_backup(now, rx, Reason::kHigherPriority, out);
  } else if (a.priority == config_.priority && rx.source > config_.primary_address) {
    become_backup(now, rx, Reason::kAddressTieBreak, out);
  } else {
    // RFC 9568 §6.4.3: discard it, and send an advert at once to assert Master to the sender (and to
    // learning bridges). RFC 5798 only discarded it. The Adver_Timer keeps running.
    send_advert(config_.priority, Reason::kAssertMaster, out);
  }
  return out;
}

}  // namespace conductor::election
