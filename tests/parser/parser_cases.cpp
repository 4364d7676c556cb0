#include "parser/parser_cases.hpp"

namespace conductor::test {
namespace {

constexpr uint8_t kProtoGre = 47;
constexpr uint8_t kProtoEsp = 50;
constexpr uint8_t kProtoAh = 51;
constexpr uint8_t kNoNextHeader = 59;

ParseResult ok(const FlowKey& k) { return {k, ParseStatus::kOk}; }
ParseResult ext_limit(const FlowKey& k) { return {k, ParseStatus::kExtLimit}; }
ParseResult failed(ParseStatus s, uint8_t sg) { return {empty_key(sg), s}; }

class Cases {
 public:
  void add(std::string name, const FrameBuilder& f, uint8_t sg, ParseResult r, size_t needed) {
    if (r.status == ParseStatus::kTruncated) needed = f.size();
    v_.push_back({std::move(name), f.build(), sg, r, needed});
  }
  std::vector<ParserCase> take() { return std::move(v_); }

 private:
  std::vector<ParserCase> v_;
};

size_t l3_of(int tags) { return 14 + 4u * tags; }

void ethernet_cases(Cases& c) {
  c.add("arp_untagged", FrameBuilder().ethernet(0x0806).pad_to(60), 1, failed(ParseStatus::kNonIp, 1), 14);
  c.add("arp_vlan1", FrameBuilder().ethernet(0x0806, 1).pad_to(60), 2, failed(ParseStatus::kNonIp, 2), 18);
  c.add("arp_vlan2", FrameBuilder().ethernet(0x0806, 2).pad_to(60), 3, failed(ParseStatus::kNonIp, 3), 22);
  c.add("lldp_untagged", FrameBuilder().ethernet(0x88CC).pad_to(60), 4, failed(ParseStatus::kNonIp, 4), 14);
  // A third tag is non-ip even when an IPv4 packet follows it; the third TPID is seen at 20..21.
  FrameBuilder three;
  three.macs().vlan(0x88A8).vlan(0x8100).vlan(0x8100).u16(kEtherTypeIpv4).ipv4({}).l4(kProtoTcp, 1, 2);
  c.add("vlan3_ipv4", three, 5, failed(ParseStatus::kNonIp, 5), 22);
  FrameBuilder three_qinq;
  three_qinq.macs().vlan(0x88A8).vlan(0x88A8).vlan(0x88A8).u16(kEtherTypeIpv6).ipv6({});
  c.add("vlan3_qinq_ipv6", three_qinq, 6, failed(ParseStatus::kNonIp, 6), 22);
  // Only the TPIDs 0x8100 and 0x88A8 are tags; 0x9100 is just another non-IP EtherType.
  c.add("tpid_9100", FrameBuilder().macs().vlan(0x9100).u16(kEtherTypeIpv4).ipv4({}).l4(kProtoTcp, 1, 2), 7,
        failed(ParseStatus::kNonIp, 7), 14);
}

void ipv4_cases(Cases& c) {
  // TCP, UDP, SCTP behind 0, 1 and 2 tags (0x8100 alone, 0x88A8 alone, QinQ 0x88A8 + 0x8100).
  struct L4 {
    const char* name;
    uint8_t proto;
  };
  const L4 l4s[] = {{"tcp", kProtoTcp}, {"udp", kProtoUdp}, {"sctp", kProtoSctp}};
  uint8_t sg = 10;
  for (const L4& l : l4s) {
    for (int tags = 0; tags <= 2; ++tags) {
      Ipv4Header h{.proto = l.proto};
      FrameBuilder f;
      f.ethernet(kEtherTypeIpv4, tags).ipv4(h).l4(l.proto, 40000 + tags, 443).payload(10);
      c.add(std::string("ipv4_") + l.name + "_vlan" + std::to_string(tags), f, sg,
            ok(ipv4_key(h, sg, true, static_cast<uint16_t>(40000 + tags), 443)), l3_of(tags) + 24);
      ++sg;
    }
  }
  {
    Ipv4Header h{.proto = kProtoUdp};
    FrameBuilder f;
    f.macs().vlan(0x88A8, 7).u16(kEtherTypeIpv4).ipv4(h).l4(kProtoUdp, 53, 5353);
    c.add("ipv4_udp_qinq_outer_only", f, 20, ok(ipv4_key(h, 20, true, 53, 5353)), 18 + 24);
    FrameBuilder g;
    g.macs().vlan(0x8100, 1).vlan(0x8100, 2).u16(kEtherTypeIpv4).ipv4(h).l4(kProtoUdp, 53, 5353);
    c.add("ipv4_udp_vlan2_8100_8100", g, 21, ok(ipv4_key(h, 21, true, 53, 5353)), 22 + 24);
  }
  // Protocols without ports.
  {
    Ipv4Header h{.proto = kProtoIcmp};
    c.add("ipv4_icmp", FrameBuilder().ethernet(kEtherTypeIpv4).ipv4(h).bytes({8, 0, 0, 0}).pad_to(60), 22,
          ok(ipv4_key(h, 22)), 34);
    Ipv4Header g{.proto = kProtoGre};
    c.add("ipv4_gre_vlan1", FrameBuilder().ethernet(kEtherTypeIpv4, 1).ipv4(g).pad_to(60), 23, ok(ipv4_key(g, 23)), 38);
    // ICMP with the frame ending right after the IP header: no L4 bytes needed.
    c.add("ipv4_icmp_no_payload", FrameBuilder().ethernet(kEtherTypeIpv4).ipv4(h), 24, ok(ipv4_key(h, 24)), 34);
  }
  // Options: IHL 6..15, ports right behind them.
  for (uint8_t ihl : {6, 7, 10, 15}) {
    for (int tags : {0, 2}) {
      Ipv4Header h{.proto = kProtoTcp, .ihl = ihl};
      FrameBuilder f;
      f.ethernet(kEtherTypeIpv4, tags).ipv4(h).l4(kProtoTcp, 1000 + ihl, 80);
      c.add("ipv4_options_ihl" + std::to_string(ihl) + "_vlan" + std::to_string(tags), f,
            static_cast<uint8_t>(30 + ihl + tags),
            ok(ipv4_key(h, static_cast<uint8_t>(30 + ihl + tags), true, static_cast<uint16_t>(1000 + ihl), 80)),
            l3_of(tags) + 4u * ihl + 4);
    }
  }
  // Bad headers (the 20-byte fixed header is all that is needed to see them).
  for (uint8_t ihl : {0, 1, 4}) {
    Ipv4Header h{.ihl = ihl};
    c.add("ipv4_bad_ihl" + std::to_string(ihl), FrameBuilder().ethernet(kEtherTypeIpv4).ipv4(h).pad_to(80), 50,
          failed(ParseStatus::kBadHeader, 50), 34);
  }
  for (uint8_t version : {0, 5, 6, 15}) {
    Ipv4Header h{.version = version};
    c.add("ipv4_bad_version" + std::to_string(version),
          FrameBuilder().ethernet(kEtherTypeIpv4, 1).ipv4(h).l4(kProtoTcp, 1, 2), 51,
          failed(ParseStatus::kBadHeader, 51), 38);
  }
  {
    Ipv4Header h{.ihl = 5, .total_length = 19};
    c.add("ipv4_total_length_19", FrameBuilder().ethernet(kEtherTypeIpv4).ipv4(h).l4(kProtoTcp, 1, 2), 52,
          failed(ParseStatus::kBadHeader, 52), 34);
    Ipv4Header g{.ihl = 6, .total_length = 23};
    c.add("ipv4_total_length_23_ihl6", FrameBuilder().ethernet(kEtherTypeIpv4).ipv4(g).l4(kProtoTcp, 1, 2), 53,
          failed(ParseStatus::kBadHeader, 53), 34);
    Ipv4Header z{.ihl = 5, .total_length = 0};
    c.add("ipv4_total_length_0", FrameBuilder().ethernet(kEtherTypeIpv4).ipv4(z).l4(kProtoTcp, 1, 2), 54,
          failed(ParseStatus::kBadHeader, 54), 34);
    // Boundary: total length = header length is fine (and is not compared with the frame length).
    Ipv4Header e{.proto = kProtoUdp, .ihl = 6, .total_length = 24};
    c.add("ipv4_total_length_eq_header", FrameBuilder().ethernet(kEtherTypeIpv4).ipv4(e).l4(kProtoUdp, 7, 9), 55,
          ok(ipv4_key(e, 55, true, 7, 9)), 14 + 24 + 4);
    Ipv4Header big{.proto = kProtoUdp, .total_length = 65535};
    c.add("ipv4_total_length_65535", FrameBuilder().ethernet(kEtherTypeIpv4).ipv4(big).l4(kProtoUdp, 7, 9), 56,
          ok(ipv4_key(big, 56, true, 7, 9)), 14 + 24);
  }
  // Precedence: a bad version is reported before the options are missing; missing options before
  // the ports; a header with IHL 15 in a frame that ends after 20 bytes of it is truncated.
  {
    Ipv4Header h{.version = 5, .ihl = 15};
    FrameBuilder f;
    f.ethernet(kEtherTypeIpv4).ipv4(h);
    Bytes b = f.build();
    b.resize(14 + 20);
    FrameBuilder g;
    for (uint8_t x : b) g.u8(x);
    c.add("ipv4_bad_version_before_options", g, 57, failed(ParseStatus::kBadHeader, 57), 34);
    Ipv4Header t{.ihl = 15};
    FrameBuilder u;
    u.ethernet(kEtherTypeIpv4).ipv4(t);
    Bytes bt = u.build();
    bt.resize(14 + 59);
    FrameBuilder v;
    for (uint8_t x : bt) v.u8(x);
    c.add("ipv4_options_truncated", v, 58, failed(ParseStatus::kTruncated, 58), 0);
    FrameBuilder w;
    w.ethernet(kEtherTypeIpv4, 2).ipv4(Ipv4Header{.proto = kProtoSctp}).bytes({0x12, 0x34, 0x56});
    c.add("ipv4_ports_truncated", w, 59, failed(ParseStatus::kTruncated, 59), 0);
  }
  // Fragments: no ports, and no L4 bytes needed.
  struct Frag {
    const char* name;
    bool mf;
    uint16_t offset;
    bool df;
  };
  const Frag frags[] = {{"first", true, 0, false},
                        {"middle", true, 185, false},
                        {"last", false, 370, false},
                        {"last_max_offset", false, 0x1FFF, false},
                        {"first_df", true, 0, true}};
  sg = 60;
  for (const Frag& fr : frags) {
    Ipv4Header h{.proto = kProtoTcp, .more_fragments = fr.mf, .dont_fragment = fr.df, .frag_offset = fr.offset};
    c.add(std::string("ipv4_frag_") + fr.name, FrameBuilder().ethernet(kEtherTypeIpv4).ipv4(h).payload(30), sg,
          ok(ipv4_key(h, sg)), 34);
    ++sg;
  }
  {
    Ipv4Header h{.proto = kProtoUdp, .ihl = 8, .more_fragments = true};
    c.add("ipv4_frag_first_options_no_l4", FrameBuilder().ethernet(kEtherTypeIpv4, 1).ipv4(h), 66, ok(ipv4_key(h, 66)),
          18 + 32);
    // DF alone is not a fragment: ports are read.
    Ipv4Header d{.proto = kProtoTcp, .dont_fragment = true};
    c.add("ipv4_df_not_frag", FrameBuilder().ethernet(kEtherTypeIpv4).ipv4(d).l4(kProtoTcp, 22, 2222), 67,
          ok(ipv4_key(d, 67, true, 22, 2222)), 38);
  }
  // Frames far longer than the window parse the same.
  {
    Ipv4Header h{.proto = kProtoTcp, .total_length = 1500 - 14};
    c.add("ipv4_tcp_1500", FrameBuilder().ethernet(kEtherTypeIpv4).ipv4(h).l4(kProtoTcp, 5001, 80).payload(1446), 68,
          ok(ipv4_key(h, 68, true, 5001, 80)), 38);
  }
}

void ipv6_cases(Cases& c) {
  uint8_t sg = 100;
  struct L4 {
    const char* name;
    uint8_t proto;
  };
  const L4 l4s[] = {{"tcp", kProtoTcp}, {"udp", kProtoUdp}, {"sctp", kProtoSctp}};
  for (const L4& l : l4s) {
    for (int tags = 0; tags <= 2; ++tags) {
      Ipv6Header h{.next_header = l.proto};
      FrameBuilder f;
      f.ethernet(kEtherTypeIpv6, tags).ipv6(h).l4(l.proto, 50000, static_cast<uint16_t>(8000 + tags));
      c.add(std::string("ipv6_") + l.name + "_vlan" + std::to_string(tags), f, sg,
            ok(ipv6_key(h, l.proto, sg, true, 50000, static_cast<uint16_t>(8000 + tags))), l3_of(tags) + 44);
      ++sg;
    }
  }
  {
    Ipv6Header h{.next_header = kProtoIcmpV6};
    c.add("ipv6_icmpv6", FrameBuilder().ethernet(kEtherTypeIpv6).ipv6(h).bytes({128, 0, 0, 0}), 110,
          ok(ipv6_key(h, kProtoIcmpV6, 110)), 54);
    c.add("ipv6_icmpv6_no_payload", FrameBuilder().ethernet(kEtherTypeIpv6, 2).ipv6(h), 111,
          ok(ipv6_key(h, kProtoIcmpV6, 111)), 62);
    for (uint8_t version : {4, 0, 7}) {
      Ipv6Header b{.version = version};
      c.add("ipv6_bad_version" + std::to_string(version),
            FrameBuilder().ethernet(kEtherTypeIpv6).ipv6(b).l4(kProtoTcp, 1, 2), 112,
            failed(ParseStatus::kBadHeader, 112), 54);
    }
  }
  // 0..4 extension headers of every kind before TCP; the ports follow the last one.
  const uint8_t chain[] = {kIpv6HopByHop, kIpv6Routing, kIpv6DestOpts, kIpv6Fragment};
  for (int n = 1; n <= 4; ++n) {
    for (int tags : {0, 2}) {
      Ipv6Header h{.next_header = chain[0]};
      FrameBuilder f;
      f.ethernet(kEtherTypeIpv6, tags).ipv6(h);
      size_t len = 0;
      for (int i = 0; i < n; ++i) {
        const uint8_t nh = i + 1 < n ? chain[i + 1] : kProtoTcp;
        if (chain[i] == kIpv6Fragment) {
          f.frag6(nh, 0, false);  // atomic fragment: skipped, not a fragment
          len += 8;
        } else {
          const uint8_t hel = static_cast<uint8_t>(i & 1);  // 8 or 16 bytes
          f.ext6(nh, hel);
          len += 8u * (hel + 1u);
        }
      }
      f.l4(kProtoTcp, 443, 60000).payload(8);
      c.add("ipv6_ext" + std::to_string(n) + "_tcp_vlan" + std::to_string(tags), f, sg,
            ok(ipv6_key(h, kProtoTcp, sg, true, 443, 60000)), l3_of(tags) + 40 + len + 4);
      ++sg;
    }
  }
  // Four Destination Options headers then a fifth extension header: ext-limit, PROTO = the fifth.
  for (uint8_t fifth : {kIpv6HopByHop, kIpv6Routing, kIpv6Fragment, kIpv6DestOpts}) {
    Ipv6Header h{.next_header = kIpv6DestOpts};
    FrameBuilder f;
    f.ethernet(kEtherTypeIpv6).ipv6(h).ext6(kIpv6DestOpts).ext6(kIpv6DestOpts).ext6(kIpv6DestOpts).ext6(fifth);
    f.fill(8, 0);  // the fifth header's bytes (never read)
    c.add("ipv6_ext5_nh" + std::to_string(fifth), f, sg, ext_limit(ipv6_key(h, fifth, sg)), 54 + 32);
    ++sg;
  }
  {
    // Five headers where the fifth would lie past the window: the limit, not the window, decides.
    Ipv6Header h{.next_header = kIpv6HopByHop};
    FrameBuilder f;
    f.ethernet(kEtherTypeIpv6, 2).ipv6(h).ext6(kIpv6Routing, 1).ext6(kIpv6DestOpts, 1).ext6(kIpv6HopByHop, 1);
    f.ext6(kIpv6Routing, 0).payload(40);  // 4 headers end at 22 + 40 + 56 = 118
    c.add("ipv6_ext5_at_window_edge", f, sg, ext_limit(ipv6_key(h, kIpv6Routing, sg)), 118);
    ++sg;
  }
  // Atomic fragment (offset 0, M 0): skipped, ports read, not a fragment.
  {
    Ipv6Header h{.next_header = kIpv6Fragment};
    c.add("ipv6_atomic_frag_udp",
          FrameBuilder().ethernet(kEtherTypeIpv6).ipv6(h).frag6(kProtoUdp, 0, false).l4(kProtoUdp, 1111, 2222), sg,
          ok(ipv6_key(h, kProtoUdp, sg, true, 1111, 2222)), 54 + 8 + 4);
    ++sg;
  }
  // Real fragments end the chain: IS_FRAG, PROTO = the Fragment header's Next Header, no ports.
  struct Frag {
    const char* name;
    uint16_t offset;
    bool m;
  };
  const Frag frags[] = {{"first", 0, true}, {"middle", 100, true}, {"last", 200, false}, {"max", 0x1FFF, false}};
  for (const Frag& fr : frags) {
    Ipv6Header h{.next_header = kIpv6Fragment};
    c.add(std::string("ipv6_frag_") + fr.name,
          FrameBuilder().ethernet(kEtherTypeIpv6).ipv6(h).frag6(kProtoTcp, fr.offset, fr.m).payload(24), sg,
          ok(ipv6_key(h, kProtoTcp, sg, false, 0, 0, true)), 62);
    ++sg;
  }
  {
    Ipv6Header h{.next_header = kIpv6HopByHop};
    FrameBuilder f;
    f.ethernet(kEtherTypeIpv6, 1)
        .ipv6(h)
        .ext6(kIpv6Fragment, 1)
        .frag6(kIpv6DestOpts, 0, true)
        .ext6(kProtoUdp)
        .l4(kProtoUdp, 1, 2);
    c.add("ipv6_hbh_frag_first_destopts", f, sg, ok(ipv6_key(h, kIpv6DestOpts, sg, false, 0, 0, true)),
          18 + 40 + 16 + 8);
    ++sg;
    // A real fragment as the fourth header still ends the chain normally.
    FrameBuilder g;
    Ipv6Header h2{.next_header = kIpv6DestOpts};
    g.ethernet(kEtherTypeIpv6).ipv6(h2).ext6(kIpv6DestOpts).ext6(kIpv6Routing).ext6(kIpv6Fragment);
    g.frag6(kIpv6HopByHop, 3, false).payload(16);
    c.add("ipv6_frag_fourth", g, sg, ok(ipv6_key(h2, kIpv6HopByHop, sg, false, 0, 0, true)), 54 + 32);
    ++sg;
  }
  // AH, ESP, No Next Header: the chain ends without ports.
  for (uint8_t nh : {kProtoAh, kProtoEsp, kNoNextHeader}) {
    Ipv6Header h{.next_header = kIpv6HopByHop};
    c.add("ipv6_hbh_nh" + std::to_string(nh), FrameBuilder().ethernet(kEtherTypeIpv6).ipv6(h).ext6(nh).payload(24), sg,
          ok(ipv6_key(h, nh, sg)), 62);
    ++sg;
    Ipv6Header d{.next_header = nh};
    c.add("ipv6_nh" + std::to_string(nh), FrameBuilder().ethernet(kEtherTypeIpv6).ipv6(d).payload(4), sg,
          ok(ipv6_key(d, nh, sg)), 54);
    ++sg;
  }
  // The chain reaching past the 128-byte window: ext-limit when the whole window is there.
  {
    // Ports past the window: one 80-byte Hop-by-Hop header at 54 puts TCP at 134.
    Ipv6Header h{.next_header = kIpv6HopByHop};
    FrameBuilder f;
    f.ethernet(kEtherTypeIpv6).ipv6(h).ext6(kProtoTcp, 9).l4(kProtoTcp, 1, 2).payload(40);
    c.add("ipv6_ports_past_window", f, sg, ext_limit(ipv6_key(h, kProtoTcp, sg)), 128);
    ++sg;
    // The same chain in a frame that ends inside the window: truncated.
    Bytes b = f.build();
    b.resize(120);
    FrameBuilder g;
    for (uint8_t x : b) g.u8(x);
    c.add("ipv6_ports_past_frame_end", g, sg, failed(ParseStatus::kTruncated, sg), 0);
    ++sg;
    // An extension header whose 8 bytes straddle the window end: 54 + 56 + 16 = 126, Routing at 126.
    FrameBuilder e;
    e.ethernet(kEtherTypeIpv6).ipv6(h).ext6(kIpv6DestOpts, 6).ext6(kIpv6Routing, 1).ext6(kProtoUdp).l4(kProtoUdp, 3, 4);
    c.add("ipv6_ext_straddles_window", e, sg, ext_limit(ipv6_key(h, kIpv6Routing, sg)), 128);
    ++sg;
    // (No header can start exactly at byte 128: IPv6 headers sit at 14/18/22 + 40 + 8k.)
    // A huge Hop-by-Hop (Hdr Ext Len 255: 2048 bytes) then ICMPv6: no bytes of ICMPv6 are needed.
    FrameBuilder big;
    big.ethernet(kEtherTypeIpv6).ipv6(h).u8(kProtoIcmpV6).u8(255).fill(6, 0).payload(16);
    c.add("ipv6_huge_hbh_icmpv6", big, sg, ok(ipv6_key(h, kProtoIcmpV6, sg)), 62);
    ++sg;
    FrameBuilder bigt;
    bigt.ethernet(kEtherTypeIpv6).ipv6(h).u8(kProtoTcp).u8(255).fill(6, 0).payload(16);
    c.add("ipv6_huge_hbh_tcp_short", bigt, sg, failed(ParseStatus::kTruncated, sg), 0);
    ++sg;
    FrameBuilder bigw;
    bigw.ethernet(kEtherTypeIpv6).ipv6(h).u8(kProtoTcp).u8(255).fill(6, 0).payload(200);
    c.add("ipv6_huge_hbh_tcp_long", bigw, sg, ext_limit(ipv6_key(h, kProtoTcp, sg)), 128);
    ++sg;
    // Exactly 128 bytes: the window is complete, so past-the-window is ext-limit (not truncated).
    Bytes x = f.build();
    x.resize(128);
    FrameBuilder f128;
    for (uint8_t y : x) f128.u8(y);
    c.add("ipv6_ports_past_window_len128", f128, sg, ext_limit(ipv6_key(h, kProtoTcp, sg)), 128);
    ++sg;
  }
}

}  // namespace

std::vector<ParserCase> parser_cases() {
  Cases c;
  ethernet_cases(c);
  ipv4_cases(c);
  ipv6_cases(c);
  return c.take();
}

}  // namespace conductor::test

namespace conductor::test {
namespace {

class Rand {
 public:
  explicit Rand(std::mt19937_64& rng) : rng_(rng) {}
  uint64_t below(uint64_t n) { return std::uniform_int_distribution<uint64_t>(0, n - 1)(rng_); }
  bool chance(unsigned percent) { return below(100) < percent; }
  uint8_t byte() { return static_cast<uint8_t>(below(256)); }
  template <typename T, size_t N>
  T pick(const T (&v)[N]) {
    return v[below(N)];
  }

 private:
  std::mt19937_64& rng_;
};

uint8_t random_l4_proto(Rand& r) {
  const uint8_t common[] = {kProtoTcp, kProtoUdp, kProtoSctp, kProtoIcmp, kProtoIcmpV6, 47, 50, 51, 59};
  return r.chance(85) ? r.pick(common) : r.byte();
}

void random_ipv4(Rand& r, FrameBuilder& f) {
  Ipv4Header h;
  for (auto& b : h.src) b = r.byte();
  for (auto& b : h.dst) b = r.byte();
  h.proto = random_l4_proto(r);
  h.version = r.chance(92) ? 4 : static_cast<uint8_t>(r.below(16));
  h.ihl = r.chance(60) ? 5 : static_cast<uint8_t>(r.chance(90) ? 5 + r.below(11) : r.below(16));
  if (r.chance(10))
    h.total_length = static_cast<int>(r.below(80));
  else if (r.chance(10))
    h.total_length = static_cast<int>(r.below(65536));
  if (r.chance(25)) {
    h.more_fragments = r.chance(50);
    h.frag_offset = r.chance(50) ? 0 : static_cast<uint16_t>(r.below(0x2000));
  }
  h.dont_fragment = r.chance(30);
  f.ipv4(h);
  if (h.proto == kProtoTcp || h.proto == kProtoUdp || h.proto == kProtoSctp) {
    f.l4(h.proto, static_cast<uint16_t>(r.below(65536)), static_cast<uint16_t>(r.below(65536)));
  }
}

void random_ipv6(Rand& r, FrameBuilder& f) {
  Ipv6Header h;
  for (auto& b : h.src) b = r.byte();
  for (auto& b : h.dst) b = r.byte();
  h.version = r.chance(92) ? 6 : static_cast<uint8_t>(r.below(16));
  const uint8_t exts[] = {kIpv6HopByHop, kIpv6Routing, kIpv6Fragment, kIpv6DestOpts};
  const int n_ext = r.chance(40) ? 0 : static_cast<int>(r.below(7));
  std::vector<uint8_t> chain;
  for (int i = 0; i < n_ext; ++i) chain.push_back(r.pick(exts));
  const uint8_t upper = random_l4_proto(r);
  h.next_header = chain.empty() ? upper : chain[0];
  f.ipv6(h);
  for (size_t i = 0; i < chain.size(); ++i) {
    const uint8_t nh = i + 1 < chain.size() ? chain[i + 1] : upper;
    if (chain[i] == kIpv6Fragment) {
      const bool real = r.chance(30);
      f.frag6(nh, real && r.chance(60) ? static_cast<uint16_t>(r.below(0x2000)) : 0, real && r.chance(60));
    } else if (r.chance(5)) {
      f.u8(nh).u8(static_cast<uint8_t>(16 + r.below(240))).fill(6, 0x11);  // claims far more than it has
    } else {
      f.ext6(nh, static_cast<uint8_t>(r.chance(70) ? r.below(2) : r.below(10)));
    }
  }
  if (upper == kProtoTcp || upper == kProtoUdp || upper == kProtoSctp) {
    f.l4(upper, static_cast<uint16_t>(r.below(65536)), static_cast<uint16_t>(r.below(65536)));
  }
}

}  // namespace

Bytes random_frame(std::mt19937_64& rng, size_t max_len) {
  Rand r(rng);
  Bytes b;
  if (r.chance(8)) {  // garbage
    b.resize(r.below(max_len + 1));
    for (auto& x : b) x = r.byte();
    return b;
  }
  FrameBuilder f;
  f.macs();
  const int tags = r.chance(55) ? 0 : r.chance(80) ? static_cast<int>(1 + r.below(2)) : 3;
  const uint16_t tpids[] = {kEtherTypeVlan, kEtherTypeQinQ};
  for (int t = 0; t < tags; ++t) f.vlan(r.pick(tpids), static_cast<uint16_t>(r.below(65536)));
  const unsigned kind = static_cast<unsigned>(r.below(100));
  if (kind < 45) {
    f.u16(kEtherTypeIpv4);
    random_ipv4(r, f);
  } else if (kind < 92) {
    f.u16(kEtherTypeIpv6);
    random_ipv6(r, f);
  } else {
    const uint16_t others[] = {0x0806, 0x88CC, 0x8847, 0x9100, 0x0000, 0xFFFF};
    f.u16(r.pick(others));
  }
  // Payload: short, or enough to make the frame longer than the window.
  f.payload(r.chance(70) ? r.below(32) : r.below(200));
  b = f.build();
  if (r.chance(5)) b[r.below(b.size())] = r.byte();   // corrupt one byte
  if (r.chance(25)) b.resize(r.below(b.size() + 1));  // cut anywhere
  if (b.size() > max_len) b.resize(max_len);
  return b;
}

}  // namespace conductor::test
