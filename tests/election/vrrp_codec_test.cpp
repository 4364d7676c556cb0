// VRRPv3 codec: outside wire vectors, round trips, and every rejection (host/election/vrrp_codec.hpp).
#include "host/election/vrrp_codec.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <random>
#include <set>
#include <span>
#include <vector>

#include "vrrp_test_util.hpp"

namespace conductor::election {
namespace {

using test::from_hex;
using test::ip;

std::span<const uint8_t> after(const std::vector<uint8_t>& v, size_t offset) {
  return std::span<const uint8_t>(v).subspan(offset);
}

// ---- Vectors from outside ------------------------------------------------------------------------

TEST(VrrpCodecVectors, KeepalivedUnicastDatagramFromIssue1175) {
  const auto datagram = from_hex(test::kKeepalived1175Datagram);
  ASSERT_EQ(datagram.size(), 32u);

  // Unicast destination: rejected unless unicast peers are allowed.
  auto strict = decode_ipv4_packet(datagram);
  ASSERT_FALSE(strict.ok());
  EXPECT_EQ(strict.error().reason, RxError::kBadDestination);

  auto rx = decode_ipv4_packet(datagram, RxOptions{.allow_unicast = true});
  ASSERT_TRUE(rx.ok()) << rx.error().message;
  EXPECT_EQ(rx->source, ip("10.1.0.3"));
  EXPECT_EQ(rx->destination, ip("10.1.0.1"));
  EXPECT_EQ(rx->checksum_form, ChecksumForm::kIpv4PseudoHeader);
  EXPECT_EQ(rx->advert.family, Family::kIpv4);
  EXPECT_EQ(rx->advert.vrid, 88);
  EXPECT_EQ(rx->advert.priority, 198);
  EXPECT_EQ(rx->advert.max_adver_interval_cs, 100);
  EXPECT_EQ(rx->advert.addresses, std::vector<IpAddress>{ip("10.195.76.227")});

  // Our encoder produces keepalived's bytes exactly, checksum included.
  auto message = encode_advert(rx->advert, rx->source, rx->destination);
  ASSERT_TRUE(message.ok());
  EXPECT_EQ(*message, std::vector<uint8_t>(datagram.begin() + 20, datagram.end()));
  EXPECT_EQ(vrrp_checksum(*message, rx->source, rx->destination, ChecksumForm::kIpv4PseudoHeader), 0x9c19);

  // Strict RFC 9568 (message-only) receivers reject keepalived's default checksum.
  auto rfc9568 = decode_ipv4_packet(datagram, RxOptions{Ipv4ChecksumAccept::kMessageOnly, true});
  ASSERT_FALSE(rfc9568.ok());
  EXPECT_EQ(rfc9568.error().reason, RxError::kBadChecksum);
}

TEST(VrrpCodecVectors, KeepalivedMulticastAdvertFromIssue1490) {
  const auto message = from_hex(test::kKeepalived1490Message);
  const IpAddress src = ip("10.0.0.3"), dst = ip("224.0.0.18");
  auto rx = decode_advert(message, src, dst);
  ASSERT_TRUE(rx.ok()) << rx.error().message;
  EXPECT_EQ(rx->checksum_form, ChecksumForm::kIpv4PseudoHeader);
  EXPECT_EQ(rx->advert.vrid, 2);
  EXPECT_EQ(rx->advert.priority, 150);
  EXPECT_EQ(rx->advert.max_adver_interval_cs, 100);
  EXPECT_EQ(rx->advert.addresses, (std::vector<IpAddress>{ip("185.203.112.1"), ip("10.0.0.1"), ip("10.0.8.1")}));
  EXPECT_EQ(vrrp_checksum(message, src, dst, ChecksumForm::kIpv4PseudoHeader), 0x082d);
  EXPECT_EQ(vrrp_checksum(message, src, dst, ChecksumForm::kIpv4MessageOnly), 0xf2c6);
  EXPECT_EQ(*encode_advert(rx->advert, src, dst), message);
}

TEST(VrrpCodecVectors, PcapPlusPlusIpv4Sample) {
  const auto frame = from_hex(test::kPcapPlusPlusIpv4Frame);
  auto rx = decode_ipv4_packet(after(frame, 14));
  ASSERT_TRUE(rx.ok()) << rx.error().message;
  EXPECT_EQ(rx->source, ip("192.168.0.30"));
  EXPECT_EQ(rx->destination, vrrp_group(Family::kIpv4));
  EXPECT_EQ(rx->checksum_form, ChecksumForm::kIpv4PseudoHeader);
  EXPECT_EQ(rx->advert.vrid, 1);
  EXPECT_EQ(rx->advert.priority, 100);
  EXPECT_EQ(rx->advert.max_adver_interval_cs, 1);
  EXPECT_EQ(rx->advert.addresses, (std::vector<IpAddress>{ip("192.168.0.1"), ip("192.168.0.2")}));

  // The whole datagram (IPv4 header and its checksum too) is what encode_ipv4_packet builds.
  auto datagram = encode_ipv4_packet(rx->advert, rx->source, rx->destination, Ipv4Checksum::kPseudoHeader, 0);
  ASSERT_TRUE(datagram.ok());
  std::vector<uint8_t> want(frame.begin() + 14, frame.end());
  // We send DSCP CS6 (network control) as keepalived does; the sample has TOS 0. So set TOS and
  // recompute the expected IPv4 header checksum independently.
  want[1] = 0xC0;
  want[10] = want[11] = 0;
  uint32_t sum = 0;
  for (size_t i = 0; i < 20; i += 2) sum += uint32_t{want[i]} << 8 | want[i + 1];
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  want[10] = static_cast<uint8_t>(~sum >> 8), want[11] = static_cast<uint8_t>(~sum);
  EXPECT_EQ(*datagram, want);
}

TEST(VrrpCodecVectors, PcapPlusPlusIpv6Sample) {
  const auto frame = from_hex(test::kPcapPlusPlusIpv6Frame);
  const auto ip6 = after(frame, 14);
  IpMeta meta;
  meta.family = Family::kIpv6;
  meta.protocol = ip6[6];
  meta.ttl = ip6[7];
  meta.source = IpAddress::from_bytes(Family::kIpv6, ip6.subspan(8, 16));
  meta.destination = IpAddress::from_bytes(Family::kIpv6, ip6.subspan(24, 16));
  const auto message = ip6.subspan(40);
  ASSERT_EQ(message.size(), size_t{ip6[4]} << 8 | ip6[5]);  // payload length

  auto rx = decode_packet(meta, message);
  ASSERT_TRUE(rx.ok()) << rx.error().message;
  EXPECT_EQ(rx->source, ip("fe80::1"));
  EXPECT_EQ(rx->destination, vrrp_group(Family::kIpv6));
  EXPECT_EQ(rx->checksum_form, ChecksumForm::kIpv6PseudoHeader);
  EXPECT_EQ(rx->advert.family, Family::kIpv6);
  EXPECT_EQ(rx->advert.vrid, 1);
  EXPECT_EQ(rx->advert.priority, 100);
  EXPECT_EQ(rx->advert.max_adver_interval_cs, 1);
  EXPECT_EQ(rx->advert.addresses, (std::vector<IpAddress>{ip("fe80::254"), ip("2001:db8::1"), ip("2001:db8::2")}));
  EXPECT_TRUE(rx->advert.addresses.front().is_link_local_v6());
  auto again = encode_advert(rx->advert, meta.source, meta.destination);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, std::vector<uint8_t>(message.begin(), message.end()));
}

// ---- Addresses -----------------------------------------------------------------------------------

TEST(VrrpCodec, AddressParseFormatAndOrder) {
  EXPECT_EQ(ip("198.18.0.1").to_string(), "198.18.0.1");
  EXPECT_EQ(ip("FE80::0:1").to_string(), "fe80::1");
  EXPECT_EQ(ip("198.18.0.1").family, Family::kIpv4);
  EXPECT_EQ(ip("2001:db8::1").family, Family::kIpv6);
  EXPECT_FALSE(IpAddress::parse("198.18.0.256").ok());
  EXPECT_FALSE(IpAddress::parse("").ok());
  EXPECT_FALSE(IpAddress::parse("fe80::1%eth0").ok());
  // Unsigned, network byte order (RFC 9568 §6.4.3): 198.18.0.10 > 198.18.0.9 > 10.255.255.255.
  EXPECT_GT(ip("198.18.0.10"), ip("198.18.0.9"));
  EXPECT_GT(ip("198.18.0.9"), ip("10.255.255.255"));
  EXPECT_GT(ip("128.0.0.0"), ip("127.255.255.255"));  // no sign bit
  EXPECT_GT(ip("fe80::2"), ip("fe80::1"));
  EXPECT_TRUE(ip("224.0.0.18").is_multicast());
  EXPECT_FALSE(ip("198.18.0.1").is_multicast());
  EXPECT_TRUE(ip("ff02::12").is_multicast());
  EXPECT_TRUE(ip("fe80::1").is_link_local_v6());
  EXPECT_TRUE(ip("febf::1").is_link_local_v6());
  EXPECT_FALSE(ip("fec0::1").is_link_local_v6());
  EXPECT_EQ(vrrp_group(Family::kIpv4), ip("224.0.0.18"));
  EXPECT_EQ(vrrp_group(Family::kIpv6), ip("ff02::12"));
}

// ---- Round trips ---------------------------------------------------------------------------------

Advert v4_advert() { return Advert{Family::kIpv4, 7, 200, 10, {ip("198.18.0.100"), ip("198.18.0.101")}}; }

TEST(VrrpCodec, EncodesTheFieldsWhereRfc5798Section5PutsThem) {
  const IpAddress src = ip("198.18.0.1"), dst = vrrp_group(Family::kIpv4);
  auto m = encode_advert(Advert{Family::kIpv4, 0xA5, 0x5A, 0xABC, {ip("198.18.1.2")}}, src, dst);
  ASSERT_TRUE(m.ok());
  ASSERT_EQ(m->size(), 12u);
  EXPECT_EQ((*m)[0], 0x31);  // version 3, type 1
  EXPECT_EQ((*m)[1], 0xA5);  // VRID
  EXPECT_EQ((*m)[2], 0x5A);  // priority
  EXPECT_EQ((*m)[3], 1);     // count
  EXPECT_EQ((*m)[4], 0x0A);  // reserved nibble 0, interval high nibble
  EXPECT_EQ((*m)[5], 0xBC);
  EXPECT_EQ((std::vector<uint8_t>(m->begin() + 8, m->end())), (std::vector<uint8_t>{198, 18, 1, 2}));
  // The checksum field holds exactly what vrrp_checksum computes over the rest.
  EXPECT_EQ(uint16_t((*m)[6] << 8 | (*m)[7]), vrrp_checksum(*m, src, dst, ChecksumForm::kIpv4PseudoHeader));
}

TEST(VrrpCodec, RoundTripIpv4BothChecksumForms) {
  const IpAddress src = ip("198.18.0.1"), dst = vrrp_group(Family::kIpv4);
  for (Ipv4Checksum mode : {Ipv4Checksum::kPseudoHeader, Ipv4Checksum::kMessageOnly}) {
    auto m = encode_advert(v4_advert(), src, dst, mode);
    ASSERT_TRUE(m.ok());
    auto rx = decode_advert(*m, src, dst);
    ASSERT_TRUE(rx.ok()) << rx.error().message;
    EXPECT_EQ(rx->advert, v4_advert());
    EXPECT_EQ(rx->checksum_form, checksum_form_for(Family::kIpv4, mode));
  }
}

TEST(VrrpCodec, RoundTripIpv6) {
  const IpAddress src = ip("fe80::1"), dst = vrrp_group(Family::kIpv6);
  Advert a{Family::kIpv6, 42, 255, 4095, {ip("fe80::42"), ip("2001:db8::42")}};
  auto m = encode_advert(a, src, dst, Ipv4Checksum::kMessageOnly);  // IPv4 mode is ignored for IPv6
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->size(), 8u + 2 * 16);
  auto rx = decode_advert(*m, src, dst);
  ASSERT_TRUE(rx.ok()) << rx.error().message;
  EXPECT_EQ(rx->advert, a);
  EXPECT_EQ(rx->checksum_form, ChecksumForm::kIpv6PseudoHeader);
}

TEST(VrrpCodec, RoundTripIpv4Datagram) {
  const IpAddress src = ip("198.18.0.1"), dst = vrrp_group(Family::kIpv4);
  auto d = encode_ipv4_packet(v4_advert(), src, dst, Ipv4Checksum::kPseudoHeader, 0x1234);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->size(), 20u + 16);
  EXPECT_EQ((*d)[8], 255);  // TTL
  EXPECT_EQ((*d)[9], 112);  // protocol
  uint32_t sum = 0;
  for (size_t i = 0; i < 20; i += 2) sum += uint32_t{(*d)[i]} << 8 | (*d)[i + 1];
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  EXPECT_EQ(sum, 0xFFFFu) << "IPv4 header checksum";
  auto rx = decode_ipv4_packet(*d);
  ASSERT_TRUE(rx.ok()) << rx.error().message;
  EXPECT_EQ(rx->advert, v4_advert());
  EXPECT_FALSE(
      encode_ipv4_packet(Advert{Family::kIpv6, 1, 1, 1, {ip("fe80::1")}}, ip("fe80::2"), vrrp_group(Family::kIpv6))
          .ok());
}

TEST(VrrpCodec, RandomAdvertsRoundTrip) {
  std::mt19937 rng(5798);
  auto byte = [&] { return static_cast<uint8_t>(rng()); };
  for (int i = 0; i < 2000; ++i) {
    const Family f = (i % 2) ? Family::kIpv6 : Family::kIpv4;
    Advert a;
    a.family = f;
    a.vrid = static_cast<uint8_t>(1 + rng() % 255);
    a.priority = byte();
    a.max_adver_interval_cs = static_cast<uint16_t>(1 + rng() % kMaxAdverIntervalCs);
    const size_t count = (i % 50 == 0) ? kMaxAddresses : 1 + rng() % 8;
    for (size_t k = 0; k < count; ++k) {
      IpAddress x;
      x.family = f;
      for (size_t b = 0; b < address_bytes(f); ++b) x.bytes[b] = byte();
      a.addresses.push_back(x);
    }
    IpAddress src, dst = vrrp_group(f);
    src.family = f;
    for (size_t b = 0; b < address_bytes(f); ++b) src.bytes[b] = byte();
    const auto mode = (i % 3 == 0) ? Ipv4Checksum::kMessageOnly : Ipv4Checksum::kPseudoHeader;
    auto m = encode_advert(a, src, dst, mode);
    ASSERT_TRUE(m.ok()) << m.error().message;
    ASSERT_EQ(m->size(), kVrrpHeaderBytes + count * address_bytes(f));
    auto rx = decode_advert(*m, src, dst);
    ASSERT_TRUE(rx.ok()) << i << ": " << rx.error().message;
    ASSERT_EQ(rx->advert, a) << i;
    ASSERT_EQ(rx->checksum_form, checksum_form_for(f, mode)) << i;
  }
}

TEST(VrrpCodec, EncodeRejectsWhatCannotBeSent) {
  const IpAddress src = ip("198.18.0.1"), dst = vrrp_group(Family::kIpv4);
  auto with = [&](auto change) {
    Advert a = v4_advert();
    change(a);
    return encode_advert(a, src, dst);
  };
  EXPECT_FALSE(with([](Advert& a) { a.vrid = 0; }).ok());
  EXPECT_FALSE(with([](Advert& a) { a.max_adver_interval_cs = 0; }).ok());
  EXPECT_FALSE(with([](Advert& a) { a.max_adver_interval_cs = 4096; }).ok());
  EXPECT_TRUE(with([](Advert& a) { a.max_adver_interval_cs = 4095; }).ok());
  EXPECT_FALSE(with([](Advert& a) { a.addresses.clear(); }).ok());
  EXPECT_FALSE(with([](Advert& a) { a.addresses.assign(256, a.addresses[0]); }).ok());
  EXPECT_TRUE(with([](Advert& a) { a.addresses.assign(255, a.addresses[0]); }).ok());
  EXPECT_FALSE(with([](Advert& a) { a.addresses.push_back(ip("2001:db8::1")); }).ok());
  EXPECT_TRUE(with([](Advert& a) { a.priority = 0; }).ok());
  EXPECT_FALSE(encode_advert(v4_advert(), ip("fe80::1"), dst).ok());
  EXPECT_FALSE(encode_advert(v4_advert(), src, vrrp_group(Family::kIpv6)).ok());
}

// ---- Rejections ----------------------------------------------------------------------------------

// A valid advert from 198.18.0.1 to the group, and a way to fix its checksum after a mutation so the
// mutation, not the checksum, is what gets rejected.
struct Fixture {
  IpAddress src = ip("198.18.0.1");
  IpAddress dst = vrrp_group(Family::kIpv4);
  Advert advert{Family::kIpv4, 7, 100, 100, {ip("198.18.0.100")}};
  std::vector<uint8_t> message = *encode_advert(advert, src, dst);

  std::vector<uint8_t> fixed(std::vector<uint8_t> m) const {
    const uint16_t c = vrrp_checksum(m, src, dst, ChecksumForm::kIpv4PseudoHeader);
    if (m.size() >= 8) m[6] = static_cast<uint8_t>(c >> 8), m[7] = static_cast<uint8_t>(c);
    return m;
  }
  IpMeta meta() const { return IpMeta{Family::kIpv4, src, dst, 255, 112}; }
};

struct RejectCase {
  const char* name;
  RxError want;
  std::function<RxResult<ReceivedAdvert>(const Fixture&)> run;
};

std::vector<RejectCase> reject_cases() {
  auto msg = [](auto change, bool fix = true) {
    return [=](const Fixture& f) {
      std::vector<uint8_t> m = f.message;
      change(m);
      if (fix) m = f.fixed(m);
      return decode_advert(m, f.src, f.dst);
    };
  };
  auto meta = [](auto change) {
    return [=](const Fixture& f) {
      IpMeta ip = f.meta();
      change(ip);
      return decode_packet(ip, f.message);
    };
  };
  auto datagram = [](auto change) {
    return [=](const Fixture& f) {
      std::vector<uint8_t> d = *encode_ipv4_packet(f.advert, f.src, f.dst);
      change(d);
      return decode_ipv4_packet(d);
    };
  };
  return {
      {"empty", RxError::kTruncated, msg([](auto& m) { m.clear(); }, false)},
      {"seven bytes", RxError::kTruncated, msg([](auto& m) { m.resize(7); }, false)},
      {"header only", RxError::kTruncated, msg([](auto& m) { m.resize(8); })},
      {"count 2, one address", RxError::kTruncated, msg([](auto& m) { m[3] = 2; })},
      {"address cut short", RxError::kTruncated, msg([](auto& m) { m.resize(11); })},
      {"version 2", RxError::kBadVersion, msg([](auto& m) { m[0] = 0x21; })},
      {"version 4", RxError::kBadVersion, msg([](auto& m) { m[0] = 0x41; })},
      {"version 0", RxError::kBadVersion, msg([](auto& m) { m[0] = 0x01; })},
      {"type 0", RxError::kBadType, msg([](auto& m) { m[0] = 0x30; })},
      {"type 2", RxError::kBadType, msg([](auto& m) { m[0] = 0x32; })},
      {"type 15", RxError::kBadType, msg([](auto& m) { m[0] = 0x3F; })},
      {"count 0", RxError::kZeroAddressCount, msg([](auto& m) { m[3] = 0; })},
      {"count 0, no address", RxError::kZeroAddressCount, msg([](auto& m) { m[3] = 0, m.resize(8); })},
      {"an uncounted address", RxError::kAddressCountMismatch, msg([](auto& m) {
         m.insert(m.end(), {198, 18, 0, 101});
       })},
      {"one trailing byte", RxError::kAddressCountMismatch, msg([](auto& m) { m.push_back(0); })},
      {"checksum off by one", RxError::kBadChecksum, msg([](auto& m) { m[7] ^= 1; }, false)},
      {"address changed", RxError::kBadChecksum, msg([](auto& m) { m[11] ^= 0x80; }, false)},
      {"priority changed", RxError::kBadChecksum, msg([](auto& m) { m[2] = 101; }, false)},
      {"interval 0", RxError::kZeroInterval, msg([](auto& m) { m[4] = 0, m[5] = 0; })},
      {"interval 0, reserved bits set", RxError::kZeroInterval, msg([](auto& m) { m[4] = 0xF0, m[5] = 0; })},
      {"TTL 254", RxError::kBadTtl, meta([](IpMeta& i) { i.ttl = 254; })},
      {"TTL 1", RxError::kBadTtl, meta([](IpMeta& i) { i.ttl = 1; })},
      {"protocol 17", RxError::kBadProtocol, meta([](IpMeta& i) { i.protocol = 17; })},
      {"protocol 51 (AH)", RxError::kBadProtocol, meta([](IpMeta& i) { i.protocol = 51; })},
      {"destination 224.0.0.19", RxError::kBadDestination, meta([](IpMeta& i) { i.destination = ip("224.0.0.19"); })},
      {"unicast destination", RxError::kBadDestination, meta([](IpMeta& i) { i.destination = ip("198.18.0.2"); })},
      {"IPv6 header, IPv4 addresses", RxError::kFamilyMismatch, meta([](IpMeta& i) { i.family = Family::kIpv6; })},
      {"IPv6 source", RxError::kFamilyMismatch, meta([](IpMeta& i) { i.source = ip("fe80::1"); })},
      {"IPv4 datagram of 19 bytes", RxError::kTruncated, datagram([](auto& d) { d.resize(19); })},
      {"IP version 6", RxError::kBadIpHeader, datagram([](auto& d) { d[0] = 0x65; })},
      {"IHL 4", RxError::kBadIpHeader, datagram([](auto& d) { d[0] = 0x44; })},
      {"more fragments", RxError::kBadIpHeader, datagram([](auto& d) { d[6] = 0x20; })},
      {"fragment offset", RxError::kBadIpHeader, datagram([](auto& d) { d[7] = 0x01; })},
      {"total length short", RxError::kBadLength, datagram([](auto& d) { d[3] -= 1; })},
      {"total length long", RxError::kBadLength, datagram([](auto& d) { d[3] += 4; })},
      {"IHL past the end", RxError::kBadLength, datagram([](auto& d) { d[0] = 0x4F, d[3] = 36; })},
      {"datagram TTL 64", RxError::kBadTtl, datagram([](auto& d) { d[8] = 64; })},
  };
}

TEST(VrrpCodecReject, EveryCaseWithItsReason) {
  Fixture f;
  ASSERT_TRUE(decode_advert(f.message, f.src, f.dst).ok());
  std::set<RxError> seen;
  for (const RejectCase& c : reject_cases()) {
    auto r = c.run(f);
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_EQ(r.error().reason, c.want) << c.name << ": got " << rx_error_name(r.error().reason) << " ("
                                        << r.error().message << ")";
    EXPECT_FALSE(r.error().message.empty()) << c.name;
    EXPECT_EQ(Error(r.error()).code, Errc::kCorrupt) << c.name;
    seen.insert(r.error().reason);
  }
  // Every reason the codec has is produced by at least one case above.
  for (size_t e = 0; e < kRxErrorCount; ++e) {
    EXPECT_TRUE(seen.count(static_cast<RxError>(e))) << rx_error_name(static_cast<RxError>(e)) << " is never tested";
    EXPECT_NE(rx_error_name(static_cast<RxError>(e)), "unknown");
  }
}

TEST(VrrpCodecReject, EveryPrefixIsTruncated) {
  Fixture f;
  for (size_t n = 0; n < f.message.size(); ++n) {
    auto r = decode_advert(std::span<const uint8_t>(f.message).first(n), f.src, f.dst);
    ASSERT_FALSE(r.ok()) << n;
    EXPECT_EQ(r.error().reason, RxError::kTruncated) << n;
  }
}

TEST(VrrpCodecReject, EverySingleBitFlipIsRejected) {
  Fixture f;
  for (size_t bit = 0; bit < f.message.size() * 8; ++bit) {
    std::vector<uint8_t> m = f.message;
    m[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    auto r = decode_advert(m, f.src, f.dst);
    EXPECT_FALSE(r.ok()) << "bit " << bit;
  }
}

TEST(VrrpCodec, ReservedBitsAreIgnoredOnReceipt) {
  Fixture f;
  std::vector<uint8_t> m = f.message;
  m[4] |= 0xF0;
  auto r = decode_advert(f.fixed(m), f.src, f.dst);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->advert.max_adver_interval_cs, 100);
}

TEST(VrrpCodec, Ipv4ChecksumAcceptanceFollowsTheOption) {
  Fixture f;
  const Advert a = v4_advert();
  const auto pseudo = *encode_advert(a, f.src, f.dst, Ipv4Checksum::kPseudoHeader);
  const auto message_only = *encode_advert(a, f.src, f.dst, Ipv4Checksum::kMessageOnly);
  ASSERT_NE(pseudo, message_only);
  auto form = [&](const std::vector<uint8_t>& m, Ipv4ChecksumAccept accept) -> std::optional<ChecksumForm> {
    auto r = decode_advert(m, f.src, f.dst, RxOptions{accept});
    if (!r) {
      EXPECT_EQ(r.error().reason, RxError::kBadChecksum);
      return std::nullopt;
    }
    return r->checksum_form;
  };
  EXPECT_EQ(form(pseudo, Ipv4ChecksumAccept::kEither), ChecksumForm::kIpv4PseudoHeader);
  EXPECT_EQ(form(message_only, Ipv4ChecksumAccept::kEither), ChecksumForm::kIpv4MessageOnly);
  EXPECT_EQ(form(pseudo, Ipv4ChecksumAccept::kPseudoHeader), ChecksumForm::kIpv4PseudoHeader);
  EXPECT_EQ(form(message_only, Ipv4ChecksumAccept::kPseudoHeader), std::nullopt);
  EXPECT_EQ(form(pseudo, Ipv4ChecksumAccept::kMessageOnly), std::nullopt);
  EXPECT_EQ(form(message_only, Ipv4ChecksumAccept::kMessageOnly), ChecksumForm::kIpv4MessageOnly);

  // The pseudo-header binds the checksum to the endpoints: another source fails it, the message-only
  // form does not notice.
  EXPECT_FALSE(decode_advert(pseudo, ip("198.18.0.2"), f.dst).ok());
  EXPECT_TRUE(decode_advert(message_only, ip("198.18.0.2"), f.dst).ok());
}

TEST(VrrpCodec, Ipv6ChecksumCoversThePseudoHeader) {
  const IpAddress src = ip("fe80::1"), dst = vrrp_group(Family::kIpv6);
  const auto m = *encode_advert(Advert{Family::kIpv6, 1, 100, 100, {ip("fe80::100")}}, src, dst);
  EXPECT_TRUE(decode_advert(m, src, dst).ok());
  auto other = decode_advert(m, ip("fe80::2"), dst);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().reason, RxError::kBadChecksum);
  // The IPv4 acceptance option does not loosen IPv6.
  EXPECT_FALSE(decode_advert(m, ip("fe80::2"), dst, RxOptions{Ipv4ChecksumAccept::kMessageOnly}).ok());
}

TEST(VrrpCodec, UnicastDestinationWhenAllowed) {
  const IpAddress src = ip("198.18.0.1"), peer = ip("198.18.0.2");
  const auto m = *encode_advert(v4_advert(), src, peer);
  IpMeta meta{Family::kIpv4, src, peer, 255, 112};
  EXPECT_EQ(decode_packet(meta, m).error().reason, RxError::kBadDestination);
  auto r = decode_packet(meta, m, RxOptions{.allow_unicast = true});
  ASSERT_TRUE(r.ok()) << r.error().message;
  // Another multicast group is still refused; so is a TTL below 255.
  meta.destination = ip("224.0.0.19");
  EXPECT_EQ(decode_packet(meta, m, RxOptions{.allow_unicast = true}).error().reason, RxError::kBadDestination);
  meta.destination = peer;
  meta.ttl = 254;
  EXPECT_EQ(decode_packet(meta, m, RxOptions{.allow_unicast = true}).error().reason, RxError::kBadTtl);
}

TEST(VrrpCodec, Ipv4HeaderOptionsAreSkipped) {
  const IpAddress src = ip("198.18.0.1"), dst = vrrp_group(Family::kIpv4);
  auto d = *encode_ipv4_packet(v4_advert(), src, dst);
  // IHL 6: one 4-byte option word (Router Alert, RFC 2113) between the header and the message.
  d.insert(d.begin() + 20, {0x94, 0x04, 0x00, 0x00});
  d[0] = 0x46;
  d[3] = static_cast<uint8_t>(d.size());
  auto r = decode_ipv4_packet(d);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->advert, v4_advert());
}

}  // namespace
}  // namespace conductor::election
