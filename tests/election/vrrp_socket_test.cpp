// The parts of the socket layer that need no network namespace: VrrpEndpoint's configuration checks
// (each fails with a message naming the bad input, before any socket is opened), the interface
// lookups, and VrrpRouter::on_ipv4_datagram (the raw-socket entry point). The endpoint's I/O runs in
// tests/election_netns (real sockets in namespaces, against keepalived).
#include "host/election/vrrp_socket.hpp"

#include <gtest/gtest.h>

#include "vrrp_lan.hpp"
#include "vrrp_test_util.hpp"

namespace conductor::election {
namespace {

using namespace std::chrono_literals;
using test::ip;
using test::kT0;

EndpointConfig loopback_config() {
  EndpointConfig c;
  c.interface = "lo";
  c.vrrp.vrid = 9;
  c.vrrp.primary_address = IpAddress::v4(127, 0, 0, 1);
  c.vrrp.addresses = {IpAddress::v4(198, 18, 0, 100)};
  return c;
}

void expect_error(const Expected<VrrpEndpoint>& ep, Errc code, std::string_view needle) {
  ASSERT_FALSE(ep.ok());
  EXPECT_EQ(ep.error().code, code) << ep.error().message;
  EXPECT_NE(ep.error().message.find(needle), std::string::npos) << ep.error().message;
}

TEST(VrrpEndpointConfig, RejectsEachBadFieldByName) {
  EndpointConfig c = loopback_config();
  c.interface = "no-such-if0";
  expect_error(VrrpEndpoint::open(c), Errc::kIo, "no-such-if0");

  c = loopback_config();
  c.interface = "";
  expect_error(VrrpEndpoint::open(c), Errc::kInvalidArgument, "interface name");
  c.interface = "an-interface-name-too-long";
  expect_error(VrrpEndpoint::open(c), Errc::kInvalidArgument, "an-interface-name-too-long");

  c = loopback_config();
  c.vrrp.primary_address = IpAddress::v4(198, 18, 0, 77);  // not on lo
  expect_error(VrrpEndpoint::open(c), Errc::kInvalidArgument, "198.18.0.77 is not an address of interface lo");

  c = loopback_config();
  c.address_prefix_len = 33;
  expect_error(VrrpEndpoint::open(c), Errc::kInvalidArgument, "prefix length 33");

  c = loopback_config();
  c.vrrp.vrid = 0;
  expect_error(VrrpEndpoint::open(c), Errc::kInvalidArgument, "VRID 0");

  c = loopback_config();
  c.vrrp.family = Family::kIpv6;
  c.vrrp.primary_address = ip("::1");
  c.vrrp.addresses = {ip("fe80::100")};
  expect_error(VrrpEndpoint::open(c), Errc::kUnsupported, "only IPv4");
}

TEST(VrrpEndpointConfig, FindsLoopbackAddressesAndInterface) {
  auto addrs = interface_addresses("lo");
  ASSERT_TRUE(addrs.ok()) << addrs.error().message;
  EXPECT_NE(std::find(addrs->begin(), addrs->end(), IpAddress::v4(127, 0, 0, 1)), addrs->end());
  auto none = interface_addresses("no-such-if0");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());

  auto lo = interface_holding(IpAddress::v4(127, 0, 0, 1));
  ASSERT_TRUE(lo.ok()) << lo.error().message;
  EXPECT_EQ(*lo, "lo");
  auto lo_any = interface_holding(IpAddress::v4(127, 45, 6, 1));  // unassigned, but local on lo
  ASSERT_TRUE(lo_any.ok()) << lo_any.error().message;
  EXPECT_EQ(*lo_any, "lo");
  auto missing = interface_holding(IpAddress::v4(198, 18, 0, 77));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::kNotFound);
  EXPECT_NE(missing.error().message.find("198.18.0.77"), std::string::npos);
}

// ---- VrrpRouter::on_ipv4_datagram ----------------------------------------------------------------

TEST(VrrpFsm, Ipv4DatagramEntryDecodesTheHeaderAndCountsRejects) {
  VrrpConfig c;
  c.vrid = 7;
  c.advert_interval_cs = 10;
  c.primary_address = IpAddress::v4(198, 18, 0, 1);
  c.addresses = {IpAddress::v4(198, 18, 0, 100)};
  auto r = VrrpRouter::create(c);
  ASSERT_TRUE(r.ok());
  (void)r->start(kT0);

  const IpAddress peer = IpAddress::v4(198, 18, 0, 2), group = vrrp_group(Family::kIpv4);
  const Advert good{Family::kIpv4, 7, 200, 10, c.addresses};
  auto datagram = *encode_ipv4_packet(good, peer, group);

  EXPECT_TRUE(r->on_ipv4_datagram(kT0 + 1ms, datagram).empty());
  EXPECT_EQ(r->stats().adverts_received, 1u);
  ASSERT_TRUE(r->master());
  EXPECT_EQ(r->master()->address, peer);

  auto routed = datagram;
  routed[8] = 254;  // TTL: came through a router (the header checksum is not the raw socket's business)
  EXPECT_TRUE(r->on_ipv4_datagram(kT0 + 2ms, routed).empty());
  EXPECT_EQ(r->stats().rx_error(RxError::kBadTtl), 1u);

  EXPECT_TRUE(r->on_ipv4_datagram(kT0 + 3ms, std::span<const uint8_t>(datagram).first(12)).empty());
  EXPECT_EQ(r->stats().dropped(), 2u);
  EXPECT_EQ(r->stats().adverts_received, 1u);
}

}  // namespace
}  // namespace conductor::election
