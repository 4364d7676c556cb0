// Every kind of error: its exact FILE:LINE and message. Each case's text comes first in the file
// (so its line numbers are the case's own) and is followed by the minimal valid configuration
// unless the case replaces it.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "host/config/parser.hpp"
#include "tests/config/config_test_util.hpp"

namespace conductor::config {
namespace {

struct Case {
  const char* name;
  std::string text;
  std::vector<std::string> errors;  // exact, in order
  bool with_minimal = true;         // append test::kMinimal
};

std::vector<std::string> errors_of(const std::string& text) {
  const ParseResult r = parse_config(text, "t.conf");
  std::vector<std::string> out;
  for (const Diagnostic& d : r.errors) out.push_back(d.to_string());
  EXPECT_EQ(r.ok(), out.empty());
  return out;
}

// Test parameters print as their names (ctest lists them).
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class ConfigErrors : public ::testing::TestWithParam<Case> {};

TEST_P(ConfigErrors, ReportsFileLineAndReason) {
  const Case& c = GetParam();
  const std::string text = c.with_minimal ? c.text + test::kMinimal : c.text;
  EXPECT_EQ(errors_of(text), c.errors) << text;
}

const std::string k40 = "6d5a56da255b0ec24167253d43a38fb0d0ca2bcbae7b30b477cb2da38030f20c6a42b73bbeac01fa";

// Members 0/0..0/3 and 0/9 in site 0 (lines 1..5), for group and autoscale cases.
const std::string kMembers = "[member 0/0]\n[member 0/1]\n[member 0/2]\n[member 0/3]\n[member 0/9]\n";

INSTANTIATE_TEST_SUITE_P(
    ConfigSyntax, ConfigErrors,
    ::testing::Values(
        Case{"UnknownKeyDidYouMean",
             "[member 0/0]\nwieght = 5\n",
             {"t.conf:2: unknown key 'wieght' in [member 0/0] (did you mean 'weight'?)"}},
        Case{"UnknownKeyCaseOnly",
             "[device]\nType = soft\n",
             {"t.conf:2: unknown key 'Type' in [device] (did you mean 'type'?)"}},
        Case{"KeyOfAnotherSection",
             "[timers]\nweight = 5\n",
             {"t.conf:2: unknown key 'weight' in [timers] (it belongs in [member SITE/MEMBER])"}},
        Case{"UnknownKeyListsKeys",
             "[device]\nfrobnicate = 1\n",
             {"t.conf:2: unknown key 'frobnicate' in [device] (keys: type, eal-args)"}},
        Case{"UnknownSectionDidYouMean", "[sites 1]\n", {"t.conf:1: unknown section [sites] (did you mean [site]?)"}},
        Case{"UnknownSectionListsSections",
             "[frobnicate]\nx = 1\n",
             {"t.conf:1: unknown section [frobnicate] (sections: cluster, site, orchestrator, member, "
              "security-group, autoscale, timers, sync, control, device, hash)"}},
        Case{"HeaderWithoutBracket", "[site 1\n", {"t.conf:1: section header is missing its closing ']'"}},
        Case{"TextAfterHeader", "[site 1] extra\n", {"t.conf:1: unexpected text after the section header's ']'"}},
        Case{"EmptyHeader",
             "[ ]\n",
             {"t.conf:1: empty section header (sections: cluster, site, orchestrator, member, security-group, "
              "autoscale, timers, sync, control, device, hash)"}},
        Case{"HeaderNeedsArgument", "[member]\n", {"t.conf:1: [member] needs SITE/MEMBER, e.g. [member 0/3]"}},
        Case{"HeaderTakesNoArgument", "[device x]\n", {"t.conf:1: [device] takes no argument (got 'x')"}},
        Case{"SiteIdOutOfRange", "[site 2]\n", {"t.conf:1: [site 2]: the site id must be 0 or 1"}},
        Case{"MemberIdOutOfRange", "[member 0/64]\n", {"t.conf:1: [member 0/64]: member '64' is out of range (0..63)"}},
        Case{"MemberIdSyntax", "[member 3]\n", {"t.conf:1: [member 3]: not a member id SITE/MEMBER (e.g. 0/3)"}},
        Case{"BadSectionName",
             "[orchestrator east a]\n",
             {"t.conf:1: [orchestrator east a]: 'east a' is not a name: use letters, digits, '_', '.' and '-', "
              "starting with a letter or digit"}},
        Case{"DuplicateSection",
             "[member 0/0]\n[member 0/0]\nweight = 1\n",
             {"t.conf:2: duplicate section [member 0/0] (first at line 1)"}},
        Case{"DuplicateKey",
             "[member 0/0]\nweight = 1\nweight = 2\n",
             {"t.conf:3: weight: given twice in [member 0/0] (first at line 2)"}},
        Case{"NoEquals",
             "[device]\ntype sim\n",
             {"t.conf:2: expected 'key = value' or a [section] header, got 'type sim'"}},
        Case{"NoKey", "[device]\n= sim\n", {"t.conf:2: missing key before '='"}},
        Case{"KeyOutsideSection",
             "weight = 5\n",
             {"t.conf:1: key 'weight' is outside any section (start with a header such as [cluster])"}},
        Case{"EmptyValue", "[device]\ntype =   # nothing\n", {"t.conf:2: type: empty value"}},
        Case{"ControlCharacter", "[device]\ntype = s\x01im\n", {"t.conf:2: control character '\\x01' at column 9"}},
        Case{"NonAsciiOutsideComment",
             "[cluster]\nname = caf\xC3\xA9\n",
             {"t.conf:2: non-ASCII byte '\\xc3' at column 11 (only comments may hold other characters)"}},
        Case{"LongLine",
             "[cluster]\n# " + std::string(5000, 'x') + "\n",
             {"t.conf:2: line is longer than 4096 characters"}}),
    [](const auto& info) { return std::string(info.param.name); });

INSTANTIATE_TEST_SUITE_P(
    ConfigValue, ConfigErrors,
    ::testing::Values(
        Case{"WeightAbove512", "[member 0/0]\nweight = 600\n", {"t.conf:2: weight: 600 is above 512 (allowed 0..512)"}},
        Case{"WeightNotANumber",
             "[member 0/0]\nweight = heavy\n",
             {"t.conf:2: weight: 'heavy' is not a whole number (allowed 0..512)"}},
        Case{"WeightNegative",
             "[member 0/0]\nweight = -1\n",
             {"t.conf:2: weight: '-1' is not a whole number (allowed 0..512)"}},
        Case{"AdminState", "[member 0/0]\nadmin = off\n", {"t.conf:2: admin: 'off' is not up or down"}},
        Case{"DurationWithoutUnit",
             "[timers]\nheartbeat-interval = 100\n",
             {"t.conf:2: heartbeat-interval: '100' needs a unit: us, ms, cs, s, min or h (e.g. 100ms)"}},
        Case{"DurationUnknownUnit",
             "[timers]\nheartbeat-interval = 100 sec\n",
             {"t.conf:2: heartbeat-interval: '100 sec': unknown unit 'sec' (use us, ms, cs, s, min or h)"}},
        Case{"DurationBelowRange",
             "[timers]\nheartbeat-interval = 5ms\n",
             {"t.conf:2: heartbeat-interval: 5ms is below 10ms (allowed 10ms..10s)"}},
        Case{"DurationAboveRange",
             "[timers]\nheartbeat-timeout = 2min\n",
             {"t.conf:2: heartbeat-timeout: 2min is above 1min (allowed 20ms..1min)"}},
        Case{"DurationFractionTooFine",
             "[sync]\ndelay = 1.0000001s\nkey = 00112233445566778899aabbccddeeff\n[site 0]\n",
             {"t.conf:2: delay: '1.0000001s' is not a whole number of microseconds"},
             false},
        Case{"AdvertNotCentiseconds",
             "[site 1]\nadvert-interval = 15ms\n",
             {"t.conf:2: advert-interval: 15ms is not a multiple of 10ms (VRRP counts centiseconds)"}},
        Case{"Bool",
             "[site 1]\npreempt = maybe\n",
             {"t.conf:2: preempt: 'maybe' is not true or false (also yes/no, on/off)"}},
        Case{"Vrid", "[site 1]\nvrid = 256\n", {"t.conf:2: vrid: 256 is above 255 (allowed 1..255)"}},
        Case{"VirtualAddressList",
             "[site 1]\nvirtual-addresses = 198.18.0.1, , 198.18.0.2\n",
             {"t.conf:2: virtual-addresses: empty item in the list (a stray comma?)"}},
        Case{"VirtualAddressTwice",
             "[site 1]\nvirtual-addresses = 198.18.0.1, 198.18.0.1\n",
             {"t.conf:2: virtual-addresses: 198.18.0.1 is listed twice"}},
        Case{"HashKeyLength",
             "[hash]\nkey = 6d5a\n",
             {"t.conf:2: key: needs 40 bytes (80 hex digits), got 4 hex digits"}},
        Case{"HashKeyDigit",
             "[hash]\nkey = 6g" + k40.substr(2) + "\n",
             {"t.conf:2: key: 'g' at position 2 is not a hex digit"}},
        Case{"HashKeyTooLong",
             "[hash]\nkey = " + k40 + "00\n",
             {"t.conf:2: key: needs 40 bytes (80 hex digits), got 82 hex digits"}},
        Case{"HashMode", "[hash]\nmode = sym-l3\n", {"t.conf:2: mode: 'sym-l3' is not rss, sym-l4 or sym-ip"}},
        Case{"Buckets",
             "[hash]\nbuckets = 1000\n",
             {"t.conf:2: buckets: 1000 is not a power of two (1, 2, 4, ... 65536)"}},
        Case{"BucketsTooMany",
             "[hash]\nbuckets = 131072\n",
             {"t.conf:2: buckets: 131072 is above 65536 (allowed 1..65536)"}},
        Case{"SyncKeyAllZero",
             "[site 0]\n[sync]\nkey = 00000000000000000000000000000000\n",
             {"t.conf:3: key: an all-zero key authenticates nothing; generate one (e.g. openssl rand -hex 16)"},
             false},
        Case{"SyncKeyOddDigits",
             "[site 0]\n[sync]\nkey = 00112233445566778899aabbccddeeff0\n",
             {"t.conf:3: key: needs 16 bytes (32 hex digits), got 33 hex digits"},
             false},
        Case{"SyncKeyMissing",
             "[site 0]\n[sync]\nport = 8116\n",
             {"t.conf:2: [sync]: missing required key 'key'"},
             false},
        Case{"SyncPort",
             "[site 0]\n[sync]\nport = 70000\nkey = 00112233445566778899aabbccddeeff\n",
             {"t.conf:3: port: 70000 is above 65535 (allowed 1..65535)"},
             false},
        Case{"SyncMtu",
             "[site 0]\n[sync]\nmtu = 9000000000000000000000\nkey = 00112233445566778899aabbccddeeff\n",
             {"t.conf:3: mtu: '9000000000000000000000' is above 9216 (allowed 1280..9216)"},
             false},
        Case{"OrchestratorAddress",
             "[orchestrator o1]\nsite = 1\naddress = 198.18.0.256\n[site 1]\nvirtual-addresses = 198.19.0.1\n",
             {"t.conf:3: address: '198.18.0.256' is not an IPv4 address (dotted quad, e.g. 198.18.0.1)"}},
        Case{"OrchestratorIpv6Address",
             "[orchestrator o1]\nsite = 1\naddress = 2001:2::zz\n[site 1]\nvirtual-addresses = 198.19.0.1\n",
             {"t.conf:3: address: '2001:2::zz' is not an IPv6 address"}},
        Case{"AddressWithPrefix",
             "[orchestrator o1]\nsite = 1\naddress = 198.18.0.0/15\n[site 1]\nvirtual-addresses = 198.19.0.1\n",
             {"t.conf:3: address: '198.18.0.0/15' has a prefix length: give a single address"}},
        Case{"AddressMulticast",
             "[member 0/0]\naddress = 224.0.0.18\n",
             {"t.conf:2: address: 224.0.0.18 is a multicast address, not a host address"}},
        Case{"AddressUnspecified",
             "[member 0/0]\naddress = ::\n",
             {"t.conf:2: address: :: is the unspecified address, not a host address"}},
        Case{"OrchestratorPriorityReserved",
             "[orchestrator o1]\nsite = 1\naddress = 198.18.0.2\npriority = 255\n[site 1]\nvirtual-addresses = "
             "198.19.0.1\n",
             {"t.conf:4: priority: 255 is reserved for the VRRP address owner (allowed 1..254)"}},
        Case{"OrchestratorMissingKeys",
             "[orchestrator o1]\npriority = 10\n",
             {"t.conf:1: [orchestrator o1]: missing required key 'site'",
              "t.conf:1: [orchestrator o1]: missing required key 'address'"}},
        Case{"OrchestratorInterfaceTooLong",
             "[orchestrator o1]\nsite = 1\naddress = 198.18.0.2\ninterface = abcdefghijklmnop\n[site "
             "1]\nvirtual-addresses = 198.19.0.1\n",
             {"t.conf:4: interface: 'abcdefghijklmnop' is 16 characters long; an interface name has at most 15"}},
        Case{"OrchestratorInterfaceSlash",
             "[orchestrator o1]\nsite = 1\naddress = 198.18.0.2\ninterface = eth0/1\n[site 1]\nvirtual-addresses = "
             "198.19.0.1\n",
             {"t.conf:4: interface: 'eth0/1' is not an interface name (no '/', ':' or white space)"}},
        Case{"OrchestratorInterfaceDot",
             "[orchestrator o1]\nsite = 1\naddress = 198.18.0.2\ninterface = ..\n[site 1]\nvirtual-addresses = "
             "198.19.0.1\n",
             {"t.conf:4: interface: '..' is not an interface name"}},
        Case{"HeartbeatPortZero",
             "[timers]\nheartbeat-port = 0\n",
             {"t.conf:2: heartbeat-port: 0 is below 1 (allowed 1..65535)"}},
        Case{"OrchestratorSite",
             "[orchestrator o1]\nsite = 2\naddress = 198.18.0.2\n",
             {"t.conf:2: site: '2' is not a site id (sites are 0 and 1)"}},
        Case{"MetricsNotLoopback",
             "[control]\nmetrics = 198.18.0.1:9816\n",
             {"t.conf:2: metrics: 198.18.0.1 is not a loopback address (127.0.0.0/8 or ::1): the endpoint has no "
              "authentication"}},
        Case{"MetricsIpv6WithoutBrackets",
             "[control]\nmetrics = ::1:9816\n",
             {"t.conf:2: metrics: '::1:9816': write an IPv6 address in brackets, e.g. [::1]:9816"}},
        Case{"MetricsPort",
             "[control]\nmetrics = [::1]:0\n",
             {"t.conf:2: metrics: port 0 is below 1 (allowed 1..65535)"}},
        Case{"MetricsWord",
             "[control]\nmetrics = none\n",
             {"t.conf:2: metrics: 'none' is not ADDRESS:PORT or off (e.g. 127.0.0.1:9816)"}},
        Case{"SocketRelative",
             "[control]\nsocket = run/conductord.sock\n",
             {"t.conf:2: socket: 'run/conductord.sock' is not an absolute path"}},
        Case{"SocketTooLong",
             "[control]\nsocket = /" + std::string(120, 's') + "\n",
             {"t.conf:2: socket: path is 121 bytes long; a Unix socket path holds at most 107"}},
        Case{"SocketGroup",
             "[control]\nsocket-group = Wheel Group\n",
             {"t.conf:2: socket-group: 'Wheel Group' is not a group name (lower-case letters, digits, '_' and '-', up "
              "to 32)"}},
        Case{"LogLevel",
             "[control]\nlog-level = verbose\n",
             {"t.conf:2: log-level: 'verbose' is not error, warn, info, debug or trace"}},
        Case{"DeviceType", "[device]\ntype = pcie\n", {"t.conf:2: type: 'pcie' is not sim or soft"}},
        Case{"Percent",
             "[autoscale sg1]\nscale-out-cpu = 120%\n[security-group sg1]\nmembers = 0/0\n[member 0/0]\n",
             {"t.conf:2: scale-out-cpu: '120%' is not a percentage 1..100 (e.g. 80%)"}},
        Case{"Rate",
             "[autoscale sg1]\nscale-out-throughput = 40 Gbit\n[security-group sg1]\nmembers = 0/0\n[member 0/0]\n",
             {"t.conf:2: scale-out-throughput: '40 Gbit': unknown unit 'Gbit' (use bps, kbps, Mbps, Gbps or Tbps)"}},
        Case{"RateAboveRange",
             "[autoscale sg1]\nscale-out-throughput = 200Tbps\n[security-group sg1]\nmembers = 0/0\n[member 0/0]\n",
             {"t.conf:2: scale-out-throughput: 200Tbps is above 100Tbps (allowed 1bps..100Tbps)"}},
        Case{"MemberListRangeBackwards",
             kMembers + "[security-group sg1]\nmembers = 0/3-1\n",
             {"t.conf:7: members: '0/3-1' is a range that runs backwards"}},
        Case{"MemberListItem",
             kMembers + "[security-group sg1]\nmembers = 0/0, 0/x\n",
             {"t.conf:7: members: '0/x': not a member id SITE/MEMBER (e.g. 0/3)"}},
        Case{"MemberListSpaces",
             kMembers + "[security-group sg1]\nmembers = 0/0 0/1\n",
             {"t.conf:7: members: '0/0 0/1': not a member id SITE/MEMBER (separate items with commas)"}},
        Case{"MemberListTwice",
             kMembers + "[security-group sg1]\nmembers = 0/0-2, 0/1\n",
             {"t.conf:7: members: 0/1 is listed twice"}}),
    [](const auto& info) { return std::string(info.param.name); });

INSTANTIATE_TEST_SUITE_P(
    ConfigReference, ConfigErrors,
    ::testing::Values(
        Case{"MemberSiteMissing", "[member 1/0]\n", {"t.conf:1: [member 1/0]: site 1 has no [site 1] section"}},
        Case{"OrchestratorSiteMissing",
             "[orchestrator o1]\nsite = 1\naddress = 198.18.0.2\n",
             {"t.conf:2: site: site 1 has no [site 1] section"}},
        Case{"ThirdOrchestrator",
             "[site 1]\nvirtual-addresses = 198.19.0.1\n"
             "[orchestrator a]\nsite = 1\naddress = 198.19.0.2\n"
             "[orchestrator b]\nsite = 1\naddress = 198.19.0.3\n"
             "[orchestrator c]\nsite = 1\naddress = 198.19.0.4\n",
             {"t.conf:9: [orchestrator c]: site 1 already has two orchestrators (a and b)"}},
        Case{"SiteWithoutVirtualAddress",
             "[site 1]\n[orchestrator a]\nsite = 1\naddress = 198.19.0.2\n",
             {"t.conf:1: [site 1]: virtual-addresses is required when the site has orchestrators"}},
        Case{"AddressUsedTwice",
             "[site 1]\nvirtual-addresses = 198.19.0.1\n[orchestrator a]\nsite = 1\naddress = 198.19.0.2\n"
             "[member 1/0]\naddress = 198.19.0.2\n",
             {"t.conf:7: address: 198.19.0.2 is already used by [orchestrator a] (line 3)"}},
        Case{"VirtualAddressFamilies",
             "[site 1]\nvirtual-addresses = 198.19.0.1, ::1\n",
             {"t.conf:2: virtual-addresses: mixes IPv4 and IPv6; a site's VRRP group is one address family"}},
        Case{"VirtualAddressIpv6NotLinkLocal",
             "[site 1]\nvirtual-addresses = ::1\n",
             {"t.conf:2: virtual-addresses: ::1 comes first, but an IPv6 VRRP group's first address must be its "
              "link-local address (fe80::/10)"}},
        Case{"OrchestratorFamily",
             "[site 1]\nvirtual-addresses = 198.19.0.1\n[orchestrator a]\nsite = 1\naddress = ::1\n",
             {"t.conf:5: address: ::1 is IPv6 but site 1's virtual addresses are IPv4"}},
        Case{"VirtualAddressIsMemberAddress",
             "[site 1]\nvirtual-addresses = 198.19.0.1\n[member 1/0]\naddress = 198.19.0.1\n",
             {"t.conf:4: address: 198.19.0.1 is already used by [site 1] (line 1)"}},
        Case{"GroupMemberMissing",
             kMembers + "[security-group sg1]\nmembers = 0/0-1, 0/7, 0/8\n",
             {"t.conf:7: members: 0/7 and 0/8 have no [member] sections"}},
        Case{"GroupMemberMissingOne",
             kMembers + "[security-group sg1]\nmembers = 0/0, 0/8\n",
             {"t.conf:7: members: 0/8 has no [member 0/8] section"}},
        Case{"GroupMembersRequired",
             "[security-group sg1]\nid = 3\n",
             {"t.conf:1: [security-group sg1]: missing required key 'members'"}},
        Case{
            "MemberInTwoGroups",
            kMembers + "[security-group sg1]\nid = 1\nmembers = 0/0-2\n[security-group sg2]\nid = 2\nmembers = 0/2-3\n",
            {"t.conf:11: members: 0/2 is already in [security-group sg1] (line 6) (a member serves one group)"}},
        Case{"GroupIdTwice",
             kMembers + "[security-group sg1]\nmembers = 0/0\n[security-group sg2]\nmembers = 0/1\n",
             {"t.conf:8: id: 0 is already the id of [security-group sg1] (line 6) (the default id is 0)"}},
        Case{"AutoscaleUnknownGroup",
             kMembers + "[security-group sg1]\nmembers = 0/0\n[autoscale sg2]\n",
             {"t.conf:8: [autoscale sg2]: no [security-group sg2] section (did you mean sg1?)"}},
        Case{"SpareIsActive",
             kMembers + "[security-group sg1]\nmembers = 0/0-1\n[autoscale sg1]\nmax-members = 3\nspares = 0/1, 0/2\n",
             {"t.conf:10: spares: 0/1 is an active member of [security-group sg1] (line 6); a spare must not be in "
              "any group"}},
        Case{"SpareMissing",
             kMembers + "[security-group sg1]\nmembers = 0/0-1\n[autoscale sg1]\nspares = 0/5\n",
             {"t.conf:9: spares: 0/5 has no [member 0/5] section"}},
        Case{"CpuHysteresis",
             kMembers +
                 "[security-group sg1]\nmembers = 0/0-1\n[autoscale sg1]\nscale-out-cpu = 70%\nscale-in-cpu = 70\n",
             {"t.conf:10: scale-in-cpu: 70% must be below scale-out-cpu 70% (the gap is the hysteresis)"}},
        Case{"ThroughputPair",
             kMembers + "[security-group sg1]\nmembers = 0/0-1\n[autoscale sg1]\nscale-in-throughput = 1Gbps\n",
             {"t.conf:9: scale-in-throughput: needs scale-out-throughput as well (both thresholds or neither)"}},
        Case{"ThroughputHysteresis",
             kMembers + "[security-group sg1]\nmembers = 0/0-1\n[autoscale sg1]\nscale-out-throughput = 1Gbps\n"
                        "scale-in-throughput = 1000Mbps\n",
             {"t.conf:10: scale-in-throughput: 1Gbps must be below scale-out-throughput 1Gbps (the gap is the "
              "hysteresis)"}},
        Case{"MinAboveMax",
             kMembers + "[security-group sg1]\nmembers = 0/0-1\n[autoscale sg1]\nmin-members = 3\nmax-members = 2\n",
             {"t.conf:9: min-members: 3 is above max-members 2"}},
        Case{"MinAboveGroup",
             kMembers + "[security-group sg1]\nmembers = 0/0-1\n[autoscale sg1]\nmin-members = 3\n",
             {"t.conf:9: min-members: 3 is more than the 2 members of [security-group sg1]"}},
        Case{"MaxBelowGroup",
             kMembers + "[security-group sg1]\nmembers = 0/0-2\n[autoscale sg1]\nmax-members = 2\n",
             {"t.conf:9: max-members: 2 is less than the 3 members of [security-group sg1]"}},
        Case{"MaxAboveMembersPlusSpares",
             kMembers + "[security-group sg1]\nmembers = 0/0-1\n[autoscale sg1]\nspares = 0/9\nmax-members = 4\n",
             {"t.conf:10: max-members: 4 is more than the 2 members of [security-group sg1] plus 1 spare"}},
        Case{"HeartbeatTimeoutTooShort",
             "[timers]\nheartbeat-interval = 100ms\nheartbeat-timeout = 150ms\n",
             {"t.conf:3: heartbeat-timeout: 150ms must be at least twice heartbeat-interval (100ms)"}},
        Case{"NoSite",
             "[sync]\nkey = 00112233445566778899aabbccddeeff\n",
             {"t.conf: no [site] section: at least one site is required, e.g. [site 0]"},
             false},
        Case{"NoSync",
             "[site 0]\n",
             {"t.conf: no [sync] section: its key (the HyperSync authentication key) is required"},
             false},
        Case{"ActiveSiteMissing",
             "[cluster]\nactive-site = 1\n",
             {"t.conf:2: active-site: site 1 has no [site 1] section"}},
        Case{"DefaultActiveSiteMissing",
             "[cluster]\nname = x\n[site 1]\n[sync]\nkey = 00112233445566778899aabbccddeeff\n",
             {"t.conf:1: active-site is 0 (the default) but there is no [site 0] section; set [cluster] active-site"},
             false},
        Case{"EmptyFile",
             "",
             {"t.conf: no [site] section: at least one site is required, e.g. [site 0]",
              "t.conf: no [sync] section: its key (the HyperSync authentication key) is required"},
             false}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(ConfigErrorsTogether, EveryErrorInLineOrder) {
  const std::string text =
      "[cluster]\n"               // 1
      "name = lab\n"              // 2
      "colour = blue\n"           // 3 unknown key
      "[site 0]\n"                // 4
      "vrid = 0\n"                // 5 range
      "[member 0/0]\n"            // 6
      "weight = 513\n"            // 7 range
      "[member 1/0]\n"            // 8 site 1 missing
      "[security-group sg1]\n"    // 9
      "members = 0/0, 0/5\n"      // 10 0/5 missing
      "[timers]\n"                // 11
      "heartbeat-interval = 1\n"  // 12 no unit
      "[hash]\n"                  // 13
      "buckets = 3\n";            // 14 not a power of two
  // (and no [sync] section)
  const ParseResult r = parse_config(text, "many.conf");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(test::diagnostics(r),
            "many.conf: no [sync] section: its key (the HyperSync authentication key) is required\n"
            "many.conf:3: unknown key 'colour' in [cluster] (keys: name, active-site, failback)\n"
            "many.conf:5: vrid: 0 is below 1 (allowed 1..255)\n"
            "many.conf:7: weight: 513 is above 512 (allowed 0..512)\n"
            "many.conf:8: [member 1/0]: site 1 has no [site 1] section\n"
            "many.conf:10: members: 0/5 has no [member 0/5] section\n"
            "many.conf:12: heartbeat-interval: '1' needs a unit: us, ms, cs, s, min or h (e.g. 100ms)\n"
            "many.conf:14: buckets: 3 is not a power of two (1, 2, 4, ... 65536)\n");
}

TEST(ConfigErrorsTogether, StopsListingAtTheLimit) {
  std::string text = test::kMinimal;
  text += "[device]\n";                                                         // line 4
  for (int i = 0; i < 30; ++i) text += "bogus" + std::to_string(i) + " = 1\n";  // lines 5..34
  const ParseResult r = parse_config(text, "lots.conf", {.max_errors = 5});
  ASSERT_EQ(r.errors.size(), 6u);
  EXPECT_EQ(r.errors[0].to_string(), "lots.conf:5: unknown key 'bogus0' in [device] (keys: type, eal-args)");
  EXPECT_EQ(r.errors[4].line, 9u);
  EXPECT_EQ(r.errors[5].to_string(), "lots.conf: 25 more errors not shown");
}

TEST(ConfigErrorsTogether, DefaultLimitIsTwenty) {
  std::string text = test::kMinimal;
  text += "[device]\n";
  for (int i = 0; i < 21; ++i) text += "bogus = " + std::to_string(i) + "\n";
  const ParseResult r = parse_config(text, "lots.conf");
  ASSERT_EQ(r.errors.size(), 21u);
  EXPECT_EQ(r.errors.back().to_string(), "lots.conf: 1 more error not shown");
}

TEST(ConfigErrorsTogether, BrokenSectionDoesNotCascade) {
  // The group's member list fails to parse: no autoscale checks against its (empty) member list.
  const std::string text = kMembers + "[security-group sg1]\nmembers = 0/0, zz\n[autoscale sg1]\nmin-members = 2\n";
  EXPECT_EQ(errors_of(text + test::kMinimal),
            std::vector<std::string>{"t.conf:7: members: 'zz': not a member id SITE/MEMBER (e.g. 0/3)"});
  // A header line with a bad byte ends the previous section: its keys are not the previous one's.
  EXPECT_EQ(errors_of(std::string("[device]\n[member 0/0\x01]\nweight = 1\n") + test::kMinimal),
            std::vector<std::string>{"t.conf:2: control character '\\x01' at column 12"});
  // A rejected header's keys are not reported again.
  EXPECT_EQ(errors_of(std::string("[member 9/9]\nweight = 999\nbogus = 1\n") + test::kMinimal),
            std::vector<std::string>{"t.conf:1: [member 9/9]: site '9' is out of range (sites are 0 and 1)"});
}

}  // namespace
}  // namespace conductor::config
