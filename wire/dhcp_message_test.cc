#include "wire/dhcp_message.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "wire/dhcp_option_values.h"
#include "wire/dhcp_test_util.h"
#include "wire/pxe_options.h"

namespace pxelab::wire::dhcp {
namespace {

using testing::concat;
using testing::golden_header;
using testing::put_text;
using testing::text;

const Bytes kCookie = {0x63, 0x82, 0x53, 0x63};
const MacAddress kMac{{0x52, 0x54, 0x00, 0x12, 0x34, 0x56}};
const std::array<std::uint8_t, 16> kGuid = {0x4c, 0x4c, 0x45, 0x44, 0x00, 0x4d, 0x36, 0x10,
                                            0x80, 0x57, 0xb9, 0xc0, 0x4f, 0x4a, 0x4e, 0x32};

// An iPXE-style DISCOVER (FW-02), assembled octet by octet.
Bytes golden_discover() {
  Bytes options = {
      0x35, 0x01, 0x01,                          // 53 DHCPDISCOVER
      0x39, 0x02, 0x05, 0xc0,                    // 57 max message size 1472
      0x37, 0x05, 0x01, 0x03, 0x2b, 0x3c, 0x43,  // 55 PRL 1 3 43 60 67
      0x3c, 0x20,                                // 60, 32 octets
  };
  append(options, text("PXEClient:Arch:00000:UNDI:002001"));
  append(options, Bytes{0x5d, 0x02, 0x00, 0x00});        // 93 x86 BIOS
  append(options, Bytes{0x5e, 0x03, 0x01, 0x02, 0x01});  // 94 UNDI 2.1
  append(options, Bytes{0x61, 0x11, 0x00});              // 97 type 0 + GUID
  append(options, kGuid);
  append(options, Bytes{0x4d, 0x04, 'i', 'P', 'X', 'E'});  // 77 raw (FW-02)
  options.push_back(0xff);
  return concat({golden_header(1, 0x2d9a1c47, 0, 0x8000), kCookie, options});
}

Message api_discover() {
  Message m;
  m.xid = 0x2d9a1c47;
  m.flags = kBroadcastFlag;
  m.set_mac(kMac);
  set_message_type(m, MessageType::kDiscover);
  set_max_message_size(m, 1472);
  set_parameter_request_list(m, {1, 3, 43, 60, 67});
  set_vendor_class(m, "PXEClient:Arch:00000:UNDI:002001");
  m.set(code::kClientArch, encode_client_arch({arch::kX86Bios}));
  m.set(code::kClientNdi, encode_client_ndi({1, 2, 1}));
  m.set(code::kClientMachineId, encode_client_machine_id({0, kGuid}));
  m.set(code::kUserClass, *encode_user_class({UserClass::Form::kRaw, {"iPXE"}}));
  return m;
}

// A PXE OFFER with 43 (discovery control, boot servers, menu, prompt, boot item).
Bytes golden_pxe_offer() {
  Bytes h = golden_header(2, 0x2d9a1c47, 0, 0x8000, {0, 0, 0, 0, 192, 0, 2, 10, 192, 0, 2, 1});
  put_text(h, kFileOffset, "pxelinux.0");
  Bytes options = {
      0x35, 0x01, 0x02,                          // 53 DHCPOFFER
      0x36, 0x04, 0xc0, 0x00, 0x02, 0x01,        // 54 server id 192.0.2.1
      0x33, 0x04, 0x00, 0x00, 0x0e, 0x10,        // 51 lease 3600 s
      0x01, 0x04, 0xff, 0xff, 0xff, 0x00,        // 1 mask /24
      0x03, 0x04, 0xc0, 0x00, 0x02, 0x01,        // 3 router
      0x3c, 0x09, 'P', 'X', 'E', 'C', 'l', 'i', 'e', 'n', 't',
      0x2b, 0x2a,                                // 43, 42 octets:
      0x06, 0x01, 0x03,                          //   6 discovery control 3
      0x08, 0x07, 0x80, 0x00, 0x01, 0xc0, 0x00, 0x02, 0x01,  // 8 type 0x8000, 1 server
      0x09, 0x0e, 0x80, 0x00, 0x0b,              //   9 type 0x8000, 11 octets
  };
  append(options, text("pxelab boot"));
  append(options, Bytes{0x0a, 0x05, 0x0a, 'B', 'o', 'o', 't'});  // 10 timeout 10, "Boot"
  append(options, Bytes{0x47, 0x04, 0x80, 0x00, 0x00, 0x00});   // 71 type 0x8000 layer 0
  append(options, Bytes{0xff, 0xff});                           // END of 43, END
  return concat({h, kCookie, options});
}

PxeVendorOptions api_pxe_43() {
  PxeVendorOptions p;
  p.discovery_control = discovery::kNoBroadcast | discovery::kNoMulticast;
  p.boot_servers = std::vector<BootServer>{{0x8000, {Ipv4Address::from_octets(192, 0, 2, 1)}}};
  p.boot_menu = std::vector<BootMenuEntry>{{0x8000, "pxelab boot"}};
  p.menu_prompt = MenuPrompt{10, "Boot"};
  p.boot_item = BootItem{0x8000, 0};
  return p;
}

Message api_pxe_offer() {
  Message m;
  m.op = kBootReply;
  m.xid = 0x2d9a1c47;
  m.flags = kBroadcastFlag;
  m.yiaddr = Ipv4Address::from_octets(192, 0, 2, 10);
  m.siaddr = Ipv4Address::from_octets(192, 0, 2, 1);
  m.set_mac(kMac);
  m.file = "pxelinux.0";
  set_message_type(m, MessageType::kOffer);
  set_server_id(m, Ipv4Address::from_octets(192, 0, 2, 1));
  set_lease_time(m, 3600);
  set_subnet_mask(m, Ipv4Address::from_octets(255, 255, 255, 0));
  set_routers(m, {Ipv4Address::from_octets(192, 0, 2, 1)});
  set_vendor_class(m, "PXEClient");
  m.set(code::kVendorSpecific, *encode_pxe_vendor_options(api_pxe_43()));
  return m;
}

// RFC 951 BOOTREQUEST with RFC 1497 extensions: cookie, END, padded to 300.
Bytes golden_bootp_request() {
  Bytes b = concat({golden_header(1, 0x00000abc, 3, 0), kCookie, Bytes{0xff}});
  b.resize(300, 0);
  return b;
}

void expect_error(const Result<Message>& r, const std::string& field, std::size_t offset) {
  ASSERT_FALSE(r.ok()) << "expected an error at " << field;
  EXPECT_EQ(r.error().field, field) << r.error().to_string();
  EXPECT_EQ(r.error().offset, offset) << r.error().to_string();
}

TEST(DhcpMessage, GoldenDiscoverParses) {
  Bytes bytes = golden_discover();
  auto r = parse(bytes);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  const Message& m = *r;
  EXPECT_EQ(m.op, kBootRequest);
  EXPECT_EQ(m.xid, 0x2d9a1c47u);
  EXPECT_EQ(m.flags, kBroadcastFlag);
  EXPECT_EQ(m.mac(), kMac);
  EXPECT_EQ(message_type(m), MessageType::kDiscover);
  EXPECT_EQ(max_message_size(m), 1472);
  EXPECT_EQ(parameter_request_list(m), (std::vector<std::uint8_t>{1, 3, 43, 60, 67}));
  EXPECT_TRUE(is_pxe_client(m));
  EXPECT_FALSE(m.is_bootp());
  EXPECT_EQ(*decode_client_arch(m.find(93)->data), std::vector<std::uint16_t>{0});
  EXPECT_EQ(*decode_client_ndi(m.find(94)->data), (ClientNdi{1, 2, 1}));
  EXPECT_EQ(decode_client_machine_id(m.find(97)->data)->guid, kGuid);
  auto uc = decode_user_class(m.find(77)->data);
  ASSERT_TRUE(uc.ok());
  EXPECT_EQ(uc->form, UserClass::Form::kRaw);
  EXPECT_EQ(uc->classes, std::vector<std::string>{"iPXE"});
  EXPECT_TRUE(m.sname.empty());
  EXPECT_TRUE(m.file.empty());
}

TEST(DhcpMessage, GoldenDiscoverEmits) {
  auto bytes = emit(api_discover());
  ASSERT_TRUE(bytes.ok()) << bytes.error().to_string();
  EXPECT_EQ(*bytes, golden_discover());
  EXPECT_EQ(*parse(golden_discover()), api_discover());
}

TEST(DhcpMessage, GoldenPxeOfferBothWays) {
  auto bytes = emit(api_pxe_offer());
  ASSERT_TRUE(bytes.ok()) << bytes.error().to_string();
  EXPECT_EQ(*bytes, golden_pxe_offer());
  auto m = parse(golden_pxe_offer());
  ASSERT_TRUE(m.ok()) << m.error().to_string();
  EXPECT_EQ(*m, api_pxe_offer());
  EXPECT_EQ(m->file, "pxelinux.0");
  EXPECT_EQ(m->yiaddr.to_string(), "192.0.2.10");
  EXPECT_EQ(server_id(*m)->to_string(), "192.0.2.1");
  EXPECT_EQ(lease_time(*m), 3600u);
  auto p = decode_pxe_vendor_options(m->find(43)->data);
  ASSERT_TRUE(p.ok()) << p.error().to_string();
  EXPECT_EQ(*p, api_pxe_43());
  EXPECT_TRUE(p->is_pxe10());
  EXPECT_FALSE(p->is_wfm11a());
}

TEST(DhcpMessage, GoldenBootpRequestWithCookie) {
  Bytes bytes = golden_bootp_request();
  auto m = parse(bytes);
  ASSERT_TRUE(m.ok()) << m.error().to_string();
  EXPECT_TRUE(m->is_bootp());
  EXPECT_EQ(m->vendor_format, VendorFormat::kOptions);
  EXPECT_TRUE(m->options.empty());
  EXPECT_EQ(m->secs, 3);
  EmitOptions eo;
  eo.pad_to_bootp_minimum = true;
  EXPECT_EQ(*emit(*m, eo), bytes);
  EXPECT_EQ(emit(*m)->size(), 241u);  // without padding: header, cookie, END
}

TEST(DhcpMessage, BootpWithoutCookieIsRaw) {
  Bytes bytes = golden_header(1, 7, 0, 0);
  bytes.resize(300, 0);  // RFC 951: 64-octet vend, all zero
  auto m = parse(bytes);
  ASSERT_TRUE(m.ok()) << m.error().to_string();
  EXPECT_EQ(m->vendor_format, VendorFormat::kRaw);
  EXPECT_EQ(m->vendor_raw, Bytes(64, 0));
  EXPECT_TRUE(m->is_bootp());
  EXPECT_EQ(*emit(*m), bytes);

  // A header alone (no vendor area at all) is a BOOTP message too.
  auto bare = parse(ByteView(bytes).first(236));
  ASSERT_TRUE(bare.ok());
  EXPECT_TRUE(bare->vendor_raw.empty());

  // Options cannot ride without the cookie.
  Message bad = *m;
  set_message_type(bad, MessageType::kDiscover);
  auto e = emit(bad);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().field, "dhcp.options");
}

TEST(DhcpMessage, VendorSpecificAreaNeedsOptIn) {
  Bytes bytes = golden_header(1, 7, 0, 0);
  append(bytes, text("CMU\0abcdef"));  // some other vendor's format (RFC 951 "vend")
  bytes.resize(300, 0);
  expect_error(parse(bytes), "dhcp.magic_cookie", 236);
  ParseOptions po;
  po.accept_vendor_specific_area = true;
  auto m = parse(bytes, po);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->vendor_format, VendorFormat::kRaw);
  EXPECT_EQ(*emit(*m), bytes);
}

TEST(DhcpMessage, RoundTripsValues) {
  std::vector<Message> messages = {api_discover(), api_pxe_offer()};
  Message long_opt = api_pxe_offer();
  long_opt.set(209, Bytes(700, 'x'));  // RFC 3396 long option
  messages.push_back(long_opt);
  Message empty_unknown;
  empty_unknown.set(224, {});  // zero-length option of an unknown code
  messages.push_back(empty_unknown);
  for (const auto& m : messages) {
    EmitOptions eo;
    eo.max_message_size = 2000;
    auto bytes = emit(m, eo);
    ASSERT_TRUE(bytes.ok()) << bytes.error().to_string();
    auto back = parse(*bytes);
    ASSERT_TRUE(back.ok()) << back.error().to_string();
    EXPECT_EQ(*back, m);
    EXPECT_EQ(*emit(*back, eo), *bytes);
  }
}

TEST(DhcpMessage, LongOptionSplitsIntoConsecutiveInstances) {
  Message m;
  set_message_type(m, MessageType::kAck);
  Bytes big(600);
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<std::uint8_t>(i);
  m.set(code::kPxelinuxConfigFile, big);
  set_lease_time(m, 60);
  EmitOptions eo;
  eo.max_message_size = 1500;
  auto bytes = emit(m, eo);
  ASSERT_TRUE(bytes.ok()) << bytes.error().to_string();
  auto view = MessageView::make(*bytes);
  ASSERT_TRUE(view.ok());
  auto scan = scan_options(*view);
  ASSERT_TRUE(scan.ok()) << scan.error().to_string();
  ASSERT_EQ(scan->instances.size(), 5u);
  EXPECT_EQ(scan->instances[1].code, 209);
  EXPECT_EQ(scan->instances[1].data.size(), 255u);
  EXPECT_EQ(scan->instances[2].code, 209);
  EXPECT_EQ(scan->instances[2].data.size(), 255u);
  EXPECT_EQ(scan->instances[3].code, 209);
  EXPECT_EQ(scan->instances[3].data.size(), 90u);
  EXPECT_EQ(scan->instances[4].code, code::kLeaseTime);
  EXPECT_EQ(parse(*bytes)->find(209)->data, big);
}

TEST(DhcpMessage, JoinsInstancesAcrossAreasInRfc3396Order) {
  // 52 = 3: options field, then file, then sname (RFC 3396 §7, RFC 2131 §4.1).
  Bytes b = golden_header(2, 1, 0, 0);
  Bytes file_opts = {0x0c, 0x02, 'c', 'd', 0x0f, 0x03, 'l', 'a', 'b', 0xff};
  Bytes sname_opts = {0x0c, 0x02, 'e', 'f', 0xff};
  std::copy(file_opts.begin(), file_opts.end(), b.begin() + kFileOffset);
  std::copy(sname_opts.begin(), sname_opts.end(), b.begin() + kSnameOffset);
  append(b, kCookie);
  append(b, Bytes{0x0c, 0x02, 'a', 'b', 0x34, 0x01, 0x03, 0x35, 0x01, 0x05, 0xff});
  auto m = parse(b);
  ASSERT_TRUE(m.ok()) << m.error().to_string();
  EXPECT_EQ(host_name(*m), "abcdef");
  EXPECT_EQ(get_string(*m, code::kDomainName), "lab");
  EXPECT_FALSE(m->has(code::kOverload));
  EXPECT_TRUE(m->file.empty());
  EXPECT_TRUE(m->sname.empty());
  ASSERT_EQ(m->options.size(), 3u);
  EXPECT_EQ(m->options[0].code, 12);  // order of first appearance
  EXPECT_EQ(m->options[1].code, 53);
  EXPECT_EQ(m->options[2].code, 15);
  auto scan = scan_options(*MessageView::make(b));
  ASSERT_TRUE(scan.ok());
  EXPECT_EQ(scan->overload, 3);
  EXPECT_EQ(scan->instances[3].area, OptionArea::kFile);
  EXPECT_EQ(scan->instances.back().area, OptionArea::kSname);
}

Message crowded_ack() {
  Message m = api_pxe_offer();
  m.file.clear();
  set_message_type(m, MessageType::kAck);
  set_string(m, code::kPxelinuxConfigFile, std::string(200, 'c'));
  set_string(m, code::kPxelinuxPathPrefix, std::string(90, 'p'));
  set_string(m, code::kDomainName, std::string(60, 'd'));
  return m;
}

TEST(DhcpMessage, OverloadSpillsIntoFileThenSname) {
  Message m = crowded_ack();
  auto bytes = emit(m);
  ASSERT_TRUE(bytes.ok()) << bytes.error().to_string();
  EXPECT_LE(bytes->size() + kIpUdpOverhead, 576u);
  auto view = MessageView::make(*bytes);
  auto scan = scan_options(*view);
  ASSERT_TRUE(scan.ok()) << scan.error().to_string();
  EXPECT_EQ(scan->overload, 3);
  EXPECT_EQ((*bytes)[kOptionsOffset], code::kOverload);
  // 209 (200 octets) fills most of options; 210 (90) goes whole into file, 15 (60)
  // whole into sname.
  bool in_file = false, in_sname = false;
  for (const auto& in : scan->instances) {
    in_file |= in.area == OptionArea::kFile;
    in_sname |= in.area == OptionArea::kSname;
  }
  EXPECT_TRUE(in_file);
  EXPECT_TRUE(in_sname);
  const auto& last = scan->instances.back();
  EXPECT_EQ(last.code, code::kDomainName);
  EXPECT_EQ(last.area, OptionArea::kSname);
  EXPECT_EQ(scan->instances[scan->instances.size() - 2].code, code::kPxelinuxPathPrefix);
  EXPECT_EQ(scan->instances[scan->instances.size() - 2].area, OptionArea::kFile);
  auto back = parse(*bytes);
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  EXPECT_EQ(*back, m);
}

TEST(DhcpMessage, MalformedOverloadMissingEnd) {
  // The overloaded fields lose their END (a server fault for DHCP-OVERLOAD-END); the
  // options field keeps its own.
  auto good = emit(crowded_ack());
  EmitOptions eo;
  eo.malformations = Malformation::kOverloadMissingEnd;
  auto bad = emit(crowded_ack(), eo);
  ASSERT_TRUE(good.ok() && bad.ok());
  ASSERT_EQ(good->size(), bad->size());
  std::size_t differ = 0;
  for (std::size_t i = 0; i < good->size(); ++i) {
    if ((*good)[i] != (*bad)[i]) {
      ++differ;
      EXPECT_EQ((*good)[i], code::kEnd);
      EXPECT_EQ((*bad)[i], 0);
      EXPECT_TRUE(i >= 44 && i < 236) << "only sname/file change, not the options field (" << i << ")";
    }
  }
  EXPECT_EQ(differ, 2u);  // file and sname
  EXPECT_EQ(bad->back(), code::kEnd);
}

TEST(DhcpMessage, OverloadUsesOnlyFreeFields) {
  Message m = crowded_ack();
  m.file = "pxelinux.0";  // file in use: only sname may carry options
  m.remove(code::kPxelinuxPathPrefix);
  auto bytes = emit(m);
  ASSERT_TRUE(bytes.ok()) << bytes.error().to_string();
  auto scan = scan_options(*MessageView::make(*bytes));
  ASSERT_TRUE(scan.ok());
  EXPECT_EQ(scan->overload, 2);
  EXPECT_EQ(*parse(*bytes), m);

  EmitOptions no_overload;
  no_overload.allow_overload = false;
  auto e = emit(m, no_overload);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().field, "dhcp.options");

  // Honouring a client's larger 57 avoids the overload altogether.
  EmitOptions big;
  big.max_message_size = 1472;
  auto fits = emit(m, big);
  ASSERT_TRUE(fits.ok());
  EXPECT_EQ(scan_options(*MessageView::make(*fits))->overload, 0);
}

TEST(DhcpMessage, MalformedMissingEnd) {
  EmitOptions eo;
  eo.malformations = Malformation::kMissingEnd;
  auto bytes = emit(api_discover(), eo);
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(bytes->size(), golden_discover().size() - 1);
  expect_error(parse(*bytes), "dhcp.options.end", bytes->size());
  ParseOptions lenient;
  lenient.require_end = false;
  auto m = parse(*bytes, lenient);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(*m, api_discover());
  EXPECT_TRUE(scan_options(*MessageView::make(*bytes), lenient)->end_missing);
}

TEST(DhcpMessage, MalformedBadCookie) {
  EmitOptions eo;
  eo.malformations = Malformation::kBadMagicCookie;
  auto bytes = emit(api_discover(), eo);
  ASSERT_TRUE(bytes.ok());
  expect_error(parse(*bytes), "dhcp.magic_cookie", 236);
}

TEST(DhcpMessage, MalformedWrongOptionLength) {
  // 77 is the last option: a declared length of 200 runs past the options field.
  EmitOptions eo;
  eo.malformations = Malformation::kWrongOptionLength;
  eo.wrong_length_code = code::kUserClass;
  eo.wrong_length_value = 200;
  auto bytes = emit(api_discover(), eo);
  ASSERT_TRUE(bytes.ok());
  std::size_t at77 = golden_discover().size() - 7;  // 4d 04 i P X E ff
  ASSERT_EQ((*bytes)[at77], 77);
  expect_error(parse(*bytes), "dhcp.option[77].length", at77 + 1);

  // A length that stays inside the area but breaks the table: 53 with 2 octets.
  Bytes b = concat({golden_header(1, 1, 0, 0), kCookie, Bytes{0x35, 0x02, 0x01, 0x00, 0xff}});
  expect_error(parse(b), "dhcp.option[53].length", 241);
  ParseOptions unchecked;
  unchecked.check_option_lengths = false;
  EXPECT_TRUE(parse(b, unchecked).ok());

  // List unit: 3 (routers) with 6 octets.
  Bytes r = concat({golden_header(2, 1, 0, 0), kCookie, Bytes{0x03, 0x06, 1, 2, 3, 4, 5, 6, 0xff}});
  expect_error(parse(r), "dhcp.option[3].length", 241);
}

TEST(DhcpMessage, MalformedUnterminatedFileAndSname) {
  Message m = api_pxe_offer();
  m.sname = "boot";
  EmitOptions eo;
  eo.malformations = Malformation::kUnterminatedFile | Malformation::kUnterminatedSname;
  auto bytes = emit(m, eo);
  ASSERT_TRUE(bytes.ok());
  auto view = MessageView::make(*bytes);
  EXPECT_EQ(std::count(view->file().begin(), view->file().end(), 0), 0);
  EXPECT_EQ(std::count(view->sname().begin(), view->sname().end(), 0), 0);
  auto back = parse(*bytes);
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  EXPECT_EQ(back->file.size(), kFileSize);  // no NUL: the whole field (FW-38)
  EXPECT_EQ(back->file.substr(0, 10), "pxelinux.0");
  EXPECT_EQ(static_cast<unsigned char>(back->file[10]), 0xff);
  EXPECT_EQ(back->sname.size(), kSnameSize);
}

TEST(DhcpMessage, MalformedTruncated) {
  EmitOptions eo;
  eo.malformations = Malformation::kTruncated;
  eo.truncate_to = 250;
  auto bytes = emit(api_discover(), eo);
  ASSERT_TRUE(bytes.ok());
  ASSERT_EQ(bytes->size(), 250u);
  // 55 at 247 declares 5 octets; only one is left.
  expect_error(parse(*bytes), "dhcp.option[55].length", 248);
  eo.truncate_to = 100;
  expect_error(parse(*emit(api_discover(), eo)), "dhcp.header", 100);
}

TEST(DhcpMessage, OverloadErrors) {
  Bytes base = golden_header(2, 1, 0, 0);
  // 52 with a value outside 1..3
  expect_error(parse(concat({base, kCookie, Bytes{0x34, 0x01, 0x04, 0xff}})), "dhcp.option[52].value", 242);
  // 52 with two octets
  expect_error(parse(concat({base, kCookie, Bytes{0x34, 0x02, 0x01, 0x01, 0xff}})), "dhcp.option[52].length",
               241);
  // 52 = 1 but the file field has no END (it is all zero: PADs)
  expect_error(parse(concat({base, kCookie, Bytes{0x34, 0x01, 0x01, 0xff}})), "dhcp.file.end", 236);
  // 52 inside an overloaded field
  Bytes f = base;
  f[kFileOffset] = 0x34;
  f[kFileOffset + 1] = 0x01;
  f[kFileOffset + 2] = 0x01;
  f[kFileOffset + 3] = 0xff;
  expect_error(parse(concat({f, kCookie, Bytes{0x34, 0x01, 0x01, 0xff}})), "dhcp.option[52]", kFileOffset);
  // an option in sname running past the field
  Bytes s = base;
  s[kFileOffset - 2] = 0x0c;
  s[kFileOffset - 1] = 0x05;
  expect_error(parse(concat({s, kCookie, Bytes{0x34, 0x01, 0x02, 0xff}})), "dhcp.option[12].length",
               kFileOffset - 1);
}

TEST(DhcpMessage, OptionWithoutLengthOctet) {
  Bytes b = concat({golden_header(1, 1, 0, 0), kCookie, Bytes{0x35}});
  expect_error(parse(b), "dhcp.option[53].length", 241);
}

TEST(DhcpMessage, EveryPrefixFailsCleanlyOrParses) {
  // Each message with the shortest prefix that may still parse: the whole message,
  // or, for the padded BOOTP request, anything that keeps END (padding cut).
  std::vector<std::pair<Bytes, std::size_t>> messages = {
      {golden_discover(), golden_discover().size()},
      {golden_pxe_offer(), golden_pxe_offer().size()},
      {golden_bootp_request(), 241},
  };
  Bytes crowded = *emit(crowded_ack());
  messages.emplace_back(crowded, crowded.size());
  ParseOptions lenient;
  lenient.require_end = false;
  lenient.check_option_lengths = false;
  lenient.accept_vendor_specific_area = true;
  for (const auto& [full, shortest_ok] : messages) {
    for (std::size_t n = 0; n <= full.size(); ++n) {
      // A copy of exactly n octets, so ASan catches any read past the prefix.
      Bytes prefix(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
      auto r = parse(prefix);
      if (r.ok()) {
        // The bare header is a BOOTP message without vendor area.
        EXPECT_TRUE(n >= shortest_ok || n == kFixedHeaderSize) << "prefix " << n;
      } else {
        EXPECT_FALSE(r.error().field.empty());
        EXPECT_LE(r.error().offset, n);
      }
      (void)parse(prefix, lenient);
    }
  }
}

TEST(DhcpMessage, EmitRejectsOversizedFields) {
  Message m;
  m.sname = std::string(65, 's');
  auto e = emit(m);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().field, "dhcp.sname");
  m.sname = std::string(64, 's');  // exactly full: legal, unterminated
  m.file = std::string(129, 'f');
  e = emit(m);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().field, "dhcp.file");
}

TEST(DhcpMessage, SetReplacesInPlaceAndKeepsOrder) {
  Message m;
  set_message_type(m, MessageType::kOffer);
  set_subnet_mask(m, Ipv4Address::from_octets(255, 255, 255, 0));
  set_routers(m, {Ipv4Address::from_octets(192, 0, 2, 1)});
  set_message_type(m, MessageType::kAck);
  ASSERT_EQ(m.options.size(), 3u);
  EXPECT_EQ(m.options[0].code, 53);
  EXPECT_EQ(message_type(m), MessageType::kAck);
  m.remove(1);
  EXPECT_EQ(m.options.size(), 2u);
  EXPECT_FALSE(subnet_mask(m).has_value());
}

TEST(DhcpMessage, ErrorTextNamesFieldAndOffset) {
  Bytes b = concat({golden_header(1, 1, 0, 0), kCookie, Bytes(10, 0), Bytes{0x34, 0x02, 0x01, 0x01, 0xff}});
  auto r = parse(b);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().to_string(), "dhcp.option[52].length at byte 251: 2 octets, dhcp-option-overload needs 1");
}

}  // namespace
}  // namespace pxelab::wire::dhcp
