// An address of the configuration (IpAddress, port) as a socket address for bind/connect/sendto: the
// one conversion the daemon, its services and the member agent share.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>

#include "host/config/cluster_config.hpp"

namespace conductor::config {

// Fills `out` (zeroed first) and returns its length: sockaddr_in for IPv4, sockaddr_in6 for IPv6.
inline socklen_t to_sockaddr(const IpAddress& ip, uint16_t port, sockaddr_storage* out) {
  std::memset(out, 0, sizeof *out);
  if (ip.is_v4()) {
    auto* a = reinterpret_cast<sockaddr_in*>(out);
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    std::memcpy(&a->sin_addr, ip.bytes.data(), 4);
    return sizeof(sockaddr_in);
  }
  auto* a = reinterpret_cast<sockaddr_in6*>(out);
  a->sin6_family = AF_INET6;
  a->sin6_port = htons(port);
  std::memcpy(&a->sin6_addr, ip.bytes.data(), 16);
  return sizeof(sockaddr_in6);
}

}  // namespace conductor::config
