// VRRPv3 over real sockets (IPv4); see vrrp_socket.hpp.
#include "host/election/vrrp_socket.hpp"

#include <net/if.h>  // before any <linux/...> header, which would bring linux/if.h
#include <net/if_arp.h>
#include <netpacket/packet.h>
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <linux/if_ether.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <utility>

namespace conductor::election {
namespace {

Error sys_error(const std::string& what) { return make_error(Errc::kIo, what + ": " + std::strerror(errno)); }

in_addr to_in_addr(const IpAddress& a) {
  in_addr in{};
  std::memcpy(&in.s_addr, a.bytes.data(), 4);
  return in;
}

// Appends one rtattr to a netlink message held in `buf` (whose nlmsg_len is updated).
void add_attr(std::vector<uint8_t>& buf, uint16_t type, const void* data, size_t len) {
  const size_t at = NLMSG_ALIGN(buf.size());
  buf.resize(at + RTA_SPACE(len), 0);
  auto* rta = reinterpret_cast<rtattr*>(buf.data() + at);
  rta->rta_type = type;
  rta->rta_len = static_cast<uint16_t>(RTA_LENGTH(len));
  std::memcpy(RTA_DATA(rta), data, len);
  reinterpret_cast<nlmsghdr*>(buf.data())->nlmsg_len = static_cast<uint32_t>(buf.size());
}

bool is_loopback_v4(const IpAddress& a) { return a.family == Family::kIpv4 && a.bytes[0] == 127; }

// The flags of interface `ifname` (0 when it has no address at all).
unsigned interface_flags(const std::string& ifname) {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return 0;
  unsigned flags = 0;
  for (ifaddrs* i = list; i != nullptr; i = i->ifa_next) {
    if (ifname == i->ifa_name) flags = i->ifa_flags;
  }
  freeifaddrs(list);
  return flags;
}

}  // namespace

Expected<std::vector<IpAddress>> interface_addresses(const std::string& ifname) {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return sys_error("getifaddrs");
  std::vector<IpAddress> out;
  for (ifaddrs* i = list; i != nullptr; i = i->ifa_next) {
    if (i->ifa_addr == nullptr || ifname != i->ifa_name) continue;
    if (i->ifa_addr->sa_family == AF_INET) {
      const auto* sin = reinterpret_cast<const sockaddr_in*>(i->ifa_addr);
      out.push_back(IpAddress::from_bytes(Family::kIpv4, {reinterpret_cast<const uint8_t*>(&sin->sin_addr), 4}));
    } else if (i->ifa_addr->sa_family == AF_INET6) {
      const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(i->ifa_addr);
      out.push_back(IpAddress::from_bytes(Family::kIpv6, {reinterpret_cast<const uint8_t*>(&sin6->sin6_addr), 16}));
    }
  }
  freeifaddrs(list);
  return out;
}

Expected<std::string> interface_holding(const IpAddress& address) {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return sys_error("getifaddrs");
  std::optional<std::string> found;
  std::optional<std::string> loopback;
  for (ifaddrs* i = list; i != nullptr && !found; i = i->ifa_next) {
    if ((i->ifa_flags & IFF_LOOPBACK) != 0 && !loopback) loopback = i->ifa_name;
    if (i->ifa_addr == nullptr) continue;
    if (i->ifa_addr->sa_family == AF_INET && address.family == Family::kIpv4) {
      const auto* sin = reinterpret_cast<const sockaddr_in*>(i->ifa_addr);
      if (std::memcmp(&sin->sin_addr, address.bytes.data(), 4) == 0) found = i->ifa_name;
    } else if (i->ifa_addr->sa_family == AF_INET6 && address.family == Family::kIpv6) {
      const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(i->ifa_addr);
      if (std::memcmp(&sin6->sin6_addr, address.bytes.data(), 16) == 0) found = i->ifa_name;
    }
  }
  freeifaddrs(list);
  // All of 127.0.0.0/8 is local on the loopback interface, assigned or not.
  if (!found && is_loopback_v4(address)) found = loopback;
  if (!found) return make_error(Errc::kNotFound, "no interface holds address " + address.to_string());
  return *found;
}

Expected<VrrpEndpoint> VrrpEndpoint::open(EndpointConfig config) {
  if (Status s = validate(config.vrrp); !s) return s.error();
  if (config.vrrp.family != Family::kIpv4) {
    return make_error(Errc::kUnsupported, "VRRP endpoint: only IPv4 is carried over sockets (virtual router " +
                                              std::to_string(config.vrrp.vrid) + " is IPv6)");
  }
  if (config.interface.empty() || config.interface.size() >= IFNAMSIZ) {
    return make_error(Errc::kInvalidArgument, "VRRP endpoint: interface name '" + config.interface +
                                                  "' is empty or longer than " + std::to_string(IFNAMSIZ - 1));
  }
  if (config.address_prefix_len == 0 || config.address_prefix_len > 32) {
    return make_error(Errc::kInvalidArgument, "VRRP endpoint: address prefix length " +
                                                  std::to_string(config.address_prefix_len) + " (valid: 1..32)");
  }
  const int ifindex = static_cast<int>(if_nametoindex(config.interface.c_str()));
  if (ifindex == 0) return sys_error("VRRP endpoint: interface '" + config.interface + "'");
  auto addrs = interface_addresses(config.interface);
  if (!addrs) return addrs.error();
  const bool local_loopback = (interface_flags(config.interface) & IFF_LOOPBACK) != 0 &&
                              is_loopback_v4(config.vrrp.primary_address);  // all of 127/8 is local there
  if (!local_loopback && std::find(addrs->begin(), addrs->end(), config.vrrp.primary_address) == addrs->end()) {
    return make_error(Errc::kInvalidArgument, "VRRP endpoint: primary address " +
                                                  config.vrrp.primary_address.to_string() +
                                                  " is not an address of interface " + config.interface);
  }
  auto router = VrrpRouter::create(config.vrrp);
  if (!router) return router.error();

  VrrpEndpoint ep(std::move(config), std::move(*router));
  ep.ifindex_ = ifindex;
  const EndpointConfig& c = ep.config_;
  auto fail = [&](const std::string& what) -> Error {
    return sys_error("VRRP endpoint on " + c.interface + ": " + what);
  };

  ep.fd_ = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, kIpProtoVrrp);
  if (ep.fd_ < 0) return fail("socket(AF_INET, SOCK_RAW, 112)");
  if (setsockopt(ep.fd_, SOL_SOCKET, SO_BINDTODEVICE, c.interface.c_str(),
                 static_cast<socklen_t>(c.interface.size() + 1)) != 0) {
    return fail("SO_BINDTODEVICE");
  }
  ip_mreqn mreq{};
  mreq.imr_multiaddr = to_in_addr(vrrp_group(Family::kIpv4));
  mreq.imr_address = to_in_addr(c.vrrp.primary_address);
  mreq.imr_ifindex = ifindex;
  if (setsockopt(ep.fd_, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof mreq) != 0) {
    return fail("IP_ADD_MEMBERSHIP 224.0.0.18");
  }
  ip_mreqn mif{};
  mif.imr_address = to_in_addr(c.vrrp.primary_address);  // the source of our adverts
  mif.imr_ifindex = ifindex;
  if (setsockopt(ep.fd_, IPPROTO_IP, IP_MULTICAST_IF, &mif, sizeof mif) != 0) return fail("IP_MULTICAST_IF");
  const int ttl = kVrrpTtl;
  if (setsockopt(ep.fd_, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof ttl) != 0) return fail("IP_MULTICAST_TTL");
  // On a loopback interface the peers share the host, so multicast must loop back for them to hear
  // each other (our own adverts come back too and are dropped by source address: own_adverts).
  ifreq flags{};
  std::memcpy(flags.ifr_name, c.interface.c_str(), c.interface.size() + 1);
  if (ioctl(ep.fd_, SIOCGIFFLAGS, &flags) != 0) return fail("SIOCGIFFLAGS");
  ep.loopback_ = (flags.ifr_flags & IFF_LOOPBACK) != 0;
  const int loop = ep.loopback_ ? 1 : 0;
  if (setsockopt(ep.fd_, IPPROTO_IP, IP_MULTICAST_LOOP, &loop, sizeof loop) != 0) return fail("IP_MULTICAST_LOOP");
  if (ep.loopback_) {
    // Every peer sits on the same interface (and all of 127/8 is local already): adding and removing
    // the addresses would undo each other, and there is no link to announce them on.
    ep.config_.manage_addresses = false;
    ep.config_.announce = false;
  }
  const int tos = 0xC0;
  if (setsockopt(ep.fd_, IPPROTO_IP, IP_TOS, &tos, sizeof tos) != 0) return fail("IP_TOS");

  if (c.manage_addresses) {
    ep.netlink_fd_ = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (ep.netlink_fd_ < 0) return fail("socket(AF_NETLINK, NETLINK_ROUTE)");
    sockaddr_nl local{};
    local.nl_family = AF_NETLINK;
    if (bind(ep.netlink_fd_, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) return fail("bind netlink");
    timeval tv{.tv_sec = 1, .tv_usec = 0};  // the kernel answers at once; never hang the loop on it
    setsockopt(ep.netlink_fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  if (c.announce) {
    ep.packet_fd_ = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_ARP));
    if (ep.packet_fd_ < 0) return fail("socket(AF_PACKET, ETH_P_ARP)");
    ifreq ifr{};
    std::memcpy(ifr.ifr_name, c.interface.c_str(), c.interface.size() + 1);
    if (ioctl(ep.packet_fd_, SIOCGIFHWADDR, &ifr) != 0) return fail("SIOCGIFHWADDR");
    if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER) {
      return make_error(Errc::kUnsupported, "VRRP endpoint: interface " + c.interface +
                                                " is not Ethernet (gratuitous ARP needs a MAC); set announce = false");
    }
    std::memcpy(ep.mac_.data(), ifr.ifr_hwaddr.sa_data, 6);
  }
  return ep;
}

VrrpEndpoint::VrrpEndpoint(EndpointConfig config, VrrpRouter router)
    : config_(std::move(config)), router_(std::move(router)) {}

VrrpEndpoint::VrrpEndpoint(VrrpEndpoint&& o) noexcept
    : config_(std::move(o.config_)),
      router_(std::move(o.router_)),
      stats_(o.stats_),
      fd_(std::exchange(o.fd_, -1)),
      netlink_fd_(std::exchange(o.netlink_fd_, -1)),
      packet_fd_(std::exchange(o.packet_fd_, -1)),
      ifindex_(o.ifindex_),
      mac_(o.mac_),
      netlink_seq_(o.netlink_seq_),
      loopback_(o.loopback_) {}

VrrpEndpoint& VrrpEndpoint::operator=(VrrpEndpoint&& o) noexcept {
  if (this != &o) {
    close_all();
    config_ = std::move(o.config_);
    router_ = std::move(o.router_);
    stats_ = o.stats_;
    fd_ = std::exchange(o.fd_, -1);
    netlink_fd_ = std::exchange(o.netlink_fd_, -1);
    packet_fd_ = std::exchange(o.packet_fd_, -1);
    ifindex_ = o.ifindex_;
    mac_ = o.mac_;
    netlink_seq_ = o.netlink_seq_;
    loopback_ = o.loopback_;
  }
  return *this;
}

VrrpEndpoint::~VrrpEndpoint() { close_all(); }

void VrrpEndpoint::close_all() {
  for (int* f : {&fd_, &netlink_fd_, &packet_fd_}) {
    if (*f >= 0) ::close(*f);
    *f = -1;
  }
}

Step VrrpEndpoint::start(TimePoint now) {
  Step step;
  if (router_.state() == State::kInitialize && config_.manage_addresses) {
    if (Status s = set_addresses(false); !s) step.errors.push_back(s.error());
  }
  carry_out(router_.start(now), step);
  return step;
}

Step VrrpEndpoint::shutdown(TimePoint now) {
  Step step;
  carry_out(router_.shutdown(now), step);
  return step;
}

Step VrrpEndpoint::on_deadline(TimePoint now) {
  Step step;
  carry_out(router_.on_timer(now), step);
  return step;
}

Step VrrpEndpoint::on_readable(TimePoint now) {
  Step step;
  std::array<uint8_t, 2048> buf;
  for (;;) {
    const ssize_t n = recv(fd_, buf.data(), buf.size(), MSG_TRUNC);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      if (errno == EINTR) continue;
      ++stats_.receive_errors;
      step.errors.push_back(sys_error("VRRP receive on " + config_.interface));
      break;
    }
    ++stats_.datagrams_received;
    // A datagram longer than the buffer cannot be a VRRP advert we take (255 IPv4 addresses fit):
    // the codec sees the cut copy and its length check rejects it.
    const size_t len = std::min(static_cast<size_t>(n), buf.size());
    std::span<const uint8_t> datagram{buf.data(), len};
    // Several virtual routers may share a LAN: another VRID (byte 1 of the VRRP message, after the
    // IPv4 header) is not ours to count as a drop.
    const size_t ihl = len > 0 ? size_t{buf[0] & 0x0Fu} * 4 : 0;
    if (ihl >= 20 && len > ihl + 1 && (buf[ihl] >> 4) == kVrrpVersion && buf[ihl + 1] != config_.vrrp.vrid) {
      ++stats_.other_vrid;
      continue;
    }
    carry_out(router_.on_ipv4_datagram(now, datagram, config_.rx), step);
  }
  return step;
}

void VrrpEndpoint::carry_out(const Actions& actions, Step& step) {
  for (const Action& a : actions) {
    Status s = ok_status();
    switch (a.kind) {
      case ActionKind::kSendAdvert:
        s = send_advert(a.advert);
        break;
      case ActionKind::kAnnounce:
        if (config_.announce) s = announce();
        break;
      case ActionKind::kBecomeMaster:
        if (config_.manage_addresses) s = set_addresses(true);
        break;
      case ActionKind::kBecomeBackup:
      case ActionKind::kBecomeInitialize:
        if (config_.manage_addresses) s = set_addresses(false);
        break;
    }
    if (!s) step.errors.push_back(s.error());
    step.actions.push_back(a);
  }
}

Status VrrpEndpoint::send_advert(const Advert& advert) {
  const IpAddress group = vrrp_group(Family::kIpv4);
  auto msg = encode_advert(advert, config_.vrrp.primary_address, group, config_.ipv4_checksum);
  if (!msg) return msg.error();
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_addr = to_in_addr(group);
  const ssize_t n = sendto(fd_, msg->data(), msg->size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
  if (n != static_cast<ssize_t>(msg->size())) {
    ++stats_.send_errors;
    return sys_error("VRRP advert (VRID " + std::to_string(advert.vrid) + ", priority " +
                     std::to_string(advert.priority) + ") on " + config_.interface);
  }
  ++stats_.datagrams_sent;
  return ok_status();
}

// RTM_NEWADDR / RTM_DELADDR for every virtual address, each acknowledged by the kernel.
Status VrrpEndpoint::set_addresses(bool present) {
  Status result = ok_status();
  for (const IpAddress& vip : config_.vrrp.addresses) {
    std::vector<uint8_t> buf(NLMSG_SPACE(sizeof(ifaddrmsg)), 0);
    auto* nh = reinterpret_cast<nlmsghdr*>(buf.data());
    nh->nlmsg_len = static_cast<uint32_t>(buf.size());
    nh->nlmsg_type = present ? RTM_NEWADDR : RTM_DELADDR;
    nh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (present ? (NLM_F_CREATE | NLM_F_REPLACE) : 0);
    const uint32_t seq = ++netlink_seq_;
    nh->nlmsg_seq = seq;
    auto* ifa = reinterpret_cast<ifaddrmsg*>(NLMSG_DATA(nh));
    ifa->ifa_family = AF_INET;
    ifa->ifa_prefixlen = config_.address_prefix_len;
    ifa->ifa_scope = RT_SCOPE_UNIVERSE;
    ifa->ifa_index = static_cast<uint32_t>(ifindex_);
    // add_attr grows `buf`: nh and ifa are not used after this point.
    add_attr(buf, IFA_LOCAL, vip.bytes.data(), 4);
    add_attr(buf, IFA_ADDRESS, vip.bytes.data(), 4);

    const std::string what = std::string(present ? "adding " : "removing ") + vip.to_string() + "/" +
                             std::to_string(config_.address_prefix_len) + " on " + config_.interface;
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    if (sendto(netlink_fd_, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) < 0) {
      ++stats_.address_errors;
      result = sys_error(what);
      continue;
    }
    // Read until the acknowledgement of this request (stale answers of a timed-out one are skipped).
    int err = 0;
    bool acked = false;
    while (!acked) {
      std::array<uint8_t, 4096> reply;
      int n = static_cast<int>(recv(netlink_fd_, reply.data(), reply.size(), 0));
      if (n < 0) {
        if (errno == EINTR) continue;
        err = errno;
        break;
      }
      for (auto* r = reinterpret_cast<nlmsghdr*>(reply.data()); NLMSG_OK(r, static_cast<unsigned>(n));
           r = NLMSG_NEXT(r, n)) {
        if (r->nlmsg_type == NLMSG_ERROR && r->nlmsg_seq == seq) {
          err = -reinterpret_cast<nlmsgerr*>(NLMSG_DATA(r))->error;
          acked = true;
          break;
        }
      }
    }
    // Removing an address that is not there (EADDRNOTAVAIL) is what start() does on a clean interface.
    if (!present && err == EADDRNOTAVAIL) continue;
    if (err != 0) {
      ++stats_.address_errors;
      errno = err;
      result = sys_error(what);
      continue;
    }
    if (present)
      ++stats_.addresses_added;
    else
      ++stats_.addresses_removed;
  }
  return result;
}

// One gratuitous ARP request per virtual address (RFC 5798 §6.4.1 item (+) "broadcast a gratuitous
// ARP request"; RFC 5227 §3 form: sender = target = the address, target MAC zero).
Status VrrpEndpoint::announce() {
  Status result = ok_status();
  for (const IpAddress& vip : config_.vrrp.addresses) {
    std::array<uint8_t, 28> arp{};
    arp[0] = 0x00, arp[1] = 0x01;  // hardware: Ethernet
    arp[2] = 0x08, arp[3] = 0x00;  // protocol: IPv4
    arp[4] = 6, arp[5] = 4;        // lengths
    arp[6] = 0x00, arp[7] = 0x01;  // request
    std::memcpy(&arp[8], mac_.data(), 6);
    std::memcpy(&arp[14], vip.bytes.data(), 4);
    // arp[18..23]: target MAC zero
    std::memcpy(&arp[24], vip.bytes.data(), 4);
    sockaddr_ll to{};
    to.sll_family = AF_PACKET;
    to.sll_protocol = htons(ETH_P_ARP);
    to.sll_ifindex = ifindex_;
    to.sll_halen = 6;
    std::fill_n(to.sll_addr, 6, 0xFF);
    if (sendto(packet_fd_, arp.data(), arp.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to) !=
        static_cast<ssize_t>(arp.size())) {
      ++stats_.garp_errors;
      result = sys_error("gratuitous ARP for " + vip.to_string() + " on " + config_.interface);
      continue;
    }
    ++stats_.garps_sent;
  }
  return result;
}

}  // namespace conductor::election
