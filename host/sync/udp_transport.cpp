// UdpTransport (udp_transport.hpp).
#include "host/sync/udp_transport.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace conductor::sync {

Expected<std::pair<sockaddr_storage, socklen_t>> udp_address(const std::string& address, uint16_t port) {
  sockaddr_storage ss{};
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (inet_pton(AF_INET, address.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    return std::make_pair(ss, static_cast<socklen_t>(sizeof(sockaddr_in)));
  }
  if (inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    return std::make_pair(ss, static_cast<socklen_t>(sizeof(sockaddr_in6)));
  }
  return make_error(Errc::kInvalidArgument, "sync udp: \"" + address + "\" is not an IPv4 or IPv6 address literal");
}

std::pair<int, int> grow_socket_buffers(int fd, int bytes) {
  auto grow = [fd, bytes](int force, int plain) {
    if (::setsockopt(fd, SOL_SOCKET, force, &bytes, sizeof bytes) != 0)
      ::setsockopt(fd, SOL_SOCKET, plain, &bytes, sizeof bytes);
    int got = 0;
    socklen_t len = sizeof got;
    ::getsockopt(fd, SOL_SOCKET, plain, &got, &len);
    return got;
  };
  return {grow(SO_RCVBUFFORCE, SO_RCVBUF), grow(SO_SNDBUFFORCE, SO_SNDBUF)};
}

Expected<std::unique_ptr<UdpTransport>> UdpTransport::open(const UdpOptions& o, SyncEndpoint& endpoint) {
  auto addr = udp_address(o.bind, o.port);
  if (!addr) return addr.error();
  const int fd = ::socket(addr->first.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return make_error(Errc::kIo, std::string("sync udp: socket: ") + std::strerror(errno));
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&addr->first), addr->second) != 0) {
    const int e = errno;
    ::close(fd);
    return make_error(Errc::kIo,
                      "sync udp: bind " + o.bind + " port " + std::to_string(o.port) + ": " + std::strerror(e));
  }
  return std::unique_ptr<UdpTransport>(new UdpTransport(fd, endpoint, o));
}

UdpTransport::UdpTransport(int fd, SyncEndpoint& endpoint, const UdpOptions& o)
    : fd_(fd), endpoint_(endpoint), drop_tx_(o.drop_tx), rng_(o.drop_seed) {}

UdpTransport::~UdpTransport() {
  if (fd_ >= 0) ::close(fd_);
}

Status UdpTransport::set_peer(const std::string& address, uint16_t port) {
  auto a = udp_address(address, port);
  if (!a) return a.error();
  peer_ = a->first;
  peer_len_ = a->second;
  return ok_status();
}

uint16_t UdpTransport::local_port() const {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return 0;
  if (ss.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  return ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
}

void UdpTransport::on_readable(TimePoint now) {
  std::vector<uint8_t>& buf = rx_buf_;  // one buffer for the transport's life: no 64 KiB per call
  for (;;) {
    sockaddr_storage from{};
    socklen_t from_len = sizeof from;
    const ssize_t n = ::recvfrom(fd_, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &from_len);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) ++stats_.rx_errors;
      break;
    }
    ++stats_.rx_datagrams;
    stats_.rx_bytes += static_cast<uint64_t>(n);
    endpoint_.on_frame(now, buf.data(), static_cast<size_t>(n));
    // Learn the peer from the first datagram that made the endpoint answer (it was authentic).
    if (peer_len_ == 0) {
      auto out = endpoint_.take_output();
      if (!out.empty()) {
        peer_ = from;
        peer_len_ = from_len;
      }
      for (auto& b : out) {
        ++stats_.tx_datagrams;
        stats_.tx_bytes += b.size();
        if (::sendto(fd_, b.data(), b.size(), 0, reinterpret_cast<const sockaddr*>(&peer_), peer_len_) < 0)
          ++stats_.tx_errors;
      }
    }
  }
  flush();
}

void UdpTransport::on_deadline(TimePoint now) {
  endpoint_.on_timer(now);
  flush();
}

void UdpTransport::flush() {
  for (auto& b : endpoint_.take_output()) {
    if (peer_len_ == 0) {
      ++stats_.tx_without_peer;
      continue;
    }
    if (drop_tx_ > 0 && std::uniform_real_distribution<double>(0, 1)(rng_) < drop_tx_) {
      ++stats_.tx_dropped_by_hook;
      continue;
    }
    if (::sendto(fd_, b.data(), b.size(), 0, reinterpret_cast<const sockaddr*>(&peer_), peer_len_) < 0) {
      ++stats_.tx_errors;
      continue;
    }
    ++stats_.tx_datagrams;
    stats_.tx_bytes += b.size();
  }
}

}  // namespace conductor::sync
