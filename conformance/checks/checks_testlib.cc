// The helpers of checks_testlib.h (built traces for check tests; linked by the tests
// of this folder and of the folders above through pxelab_checks_testlib).

#include "conformance/checks/checks_testlib.h"

namespace pxelab::conformance::testing {

namespace code = dhcp::code;

Message request_msg(MessageType type, std::uint32_t xid) {
  Message m;
  m.xid = xid;
  m.flags = dhcp::kBroadcastFlag;
  m.set_mac(kClientMac);
  dhcp::set_message_type(m, type);
  m.set(code::kClientId, Bytes{1, 2, 0, 0, 0, 0, 0x10});
  dhcp::set_parameter_request_list(m, {1, 3, 6});
  return m;
}

Message pxe_discover(std::uint16_t arch, std::uint32_t xid) {
  Message m = request_msg(MessageType::kDiscover, xid);
  dhcp::set_max_message_size(m, 1472);
  dhcp::set_vendor_class(m, arch == 0 ? "PXEClient:Arch:00000:UNDI:002001" : "PXEClient:Arch:00007:UNDI:003000");
  m.set(code::kClientArch, dhcp::encode_client_arch({arch}));
  m.set(code::kClientNdi, dhcp::encode_client_ndi({1, 2, 1}));
  m.set(code::kClientMachineId, dhcp::encode_client_machine_id({}));
  return m;
}

Message reply_msg(const Message& q, MessageType type, Ipv4Address yiaddr, Ipv4Address server) {
  Message r;
  r.op = dhcp::kBootReply;
  r.xid = q.xid;
  r.flags = q.flags;
  r.giaddr = q.giaddr;
  r.chaddr = q.chaddr;
  r.htype = q.htype;
  r.hlen = q.hlen;
  r.yiaddr = yiaddr;
  dhcp::set_message_type(r, type);
  dhcp::set_server_id(r, server);
  if ((type == MessageType::kOffer || type == MessageType::kAck) && !yiaddr.is_any()) {
    dhcp::set_lease_time(r, 3600);
    dhcp::set_renewal_time(r, 1800);
    dhcp::set_rebinding_time(r, 3150);
    dhcp::set_subnet_mask(r, Ipv4Address::from_octets(255, 255, 255, 0));
    dhcp::set_routers(r, {Ipv4Address::from_octets(192, 0, 2, 254)});
  }
  if (auto id = q.find(code::kClientId); id != nullptr && type != MessageType::kNak) r.set(code::kClientId, id->data);
  return r;
}

void add_dora(Lab& lab, const DoraHooks& h) {
  Message d = h.pxe ? pxe_discover(h.arch) : request_msg(MessageType::kDiscover);
  if (h.discover) h.discover(d);
  lab.dhcp(client68(), bcast(67), d, h.discover_emit);
  Message o = reply_msg(d, MessageType::kOffer, kYiaddr);
  if (h.pxe) {
    o.siaddr = kServerIp;
    dhcp::set_vendor_class(o, "PXEClient");
    dhcp::PxeVendorOptions pv;
    pv.discovery_control = dhcp::discovery::kUseBootfile;
    o.set(code::kVendorSpecific, *dhcp::encode_pxe_vendor_options(pv));
    dhcp::set_bootfile_name(o, h.arch == 0 ? "pxelinux.0" : "grubx64.efi", dhcp::Nul::kAppend);
  }
  if (h.offer) h.offer(o);
  UdpEndpoint odst = (o.flags & dhcp::kBroadcastFlag) ? bcast(68) : UdpEndpoint{kClientMac, kYiaddr, 68};
  if (h.offer_dst) h.offer_dst(odst);
  lab.dhcp(server67(), odst, o, h.offer_emit);
  Message q = h.pxe ? pxe_discover(h.arch) : request_msg(MessageType::kDiscover);
  dhcp::set_message_type(q, MessageType::kRequest);
  dhcp::set_server_id(q, kServerIp);
  dhcp::set_requested_address(q, kYiaddr);
  if (h.request) h.request(q);
  lab.dhcp(client68(), bcast(67), q);
  Message a = reply_msg(q, MessageType::kAck, kYiaddr);
  for (const auto& opt : o.options) {  // the ACK carries what the OFFER did
    if (!a.has(opt.code)) a.set(opt.code, opt.data);
  }
  a.siaddr = o.siaddr;
  if (h.ack) h.ack(a);
  UdpEndpoint adst = (a.flags & dhcp::kBroadcastFlag) ? bcast(68) : UdpEndpoint{kClientMac, kYiaddr, 68};
  if (h.ack_dst) h.ack_dst(adst);
  lab.dhcp(server67(), adst, a, h.ack_emit, h.ack_bytes);
}

Lab dora(const DoraHooks& h) {
  Lab lab;
  add_dora(lab, h);
  return lab;
}

UdpEndpoint tftp_client(std::uint16_t port) { return {kClientMac, kYiaddr, port}; }
UdpEndpoint tftp_server(std::uint16_t port) { return {kServerMac, kServerIp, port}; }

void add_transfer(Lab& lab, const TransferSpec& s) {
  const UdpEndpoint c = tftp_client(s.client_port), srv = tftp_server(s.server_port);
  lab.tftp(c, tftp_server(69), wire::TftpRequest{wire::TftpOpcode::kRrq, s.file, "octet", s.request});
  std::size_t blksize = 512;
  std::optional<wire::TftpOptions> oack = s.oack;
  if (!oack && !s.request.empty()) oack = s.request;
  if (oack) {
    if (auto b = oack->blksize()) blksize = *b;
    lab.tftp(srv, c, wire::TftpOack{*oack});
    lab.tftp(c, srv, wire::TftpAck{0});
  }
  const std::size_t chunk = s.data_size_override ? s.data_size_override : blksize;
  Bytes data(s.size, 0x5a);
  std::size_t sent = 0;
  std::uint16_t block = 1;
  while (true) {
    const std::size_t n = std::min(chunk, s.size - sent);
    if (n == 0 && !s.final_empty_block) break;
    lab.tftp(srv, c, wire::TftpData{block, wire::ByteView(data.data() + sent, n)});
    lab.tftp(c, srv, wire::TftpAck{block});
    sent += n;
    ++block;
    if (n < chunk) break;
  }
}

Run capture_run(const Lab& lab) {
  Run run;
  run.trace = &lab.trace;
  run.from_capture = true;
  return run;
}

CheckedLab::CheckedLab(const Lab& lab)
    : run(capture_run(lab)), analyzed(run), results(run_checks(analyzed.analysis(), *select_checks(""))) {}

CheckResult judge(const Lab& lab, std::string_view id, Run run) {
  run.trace = &lab.trace;
  AnalyzedRun analyzed(run);
  const Check* c = find_check(id);
  EXPECT_NE(c, nullptr) << id;
  if (c == nullptr) return {};
  return run_check(analyzed.analysis(), *c);
}

std::string describe(const CheckResult& r) {
  std::string s = std::string(to_string(r.verdict)) + " judged " + std::to_string(r.judged) + " " + r.reason;
  for (const auto& f : r.findings) s += "\n  " + f.message;
  return s;
}

void expect_pass(const Lab& lab, std::string_view id, Run run) {
  auto r = judge(lab, id, std::move(run));
  EXPECT_EQ(r.verdict, Verdict::kPass) << id << ": " << describe(r);
  EXPECT_GT(r.judged, 0u) << id;
}

void expect_fail(const Lab& lab, std::string_view id, Run run) {
  auto r = judge(lab, id, std::move(run));
  EXPECT_EQ(r.verdict, Verdict::kFail) << id << ": " << describe(r);
  for (const auto& f : r.findings) {
    EXPECT_EQ(f.check, id);
    EXPECT_FALSE(f.message.empty());
  }
}

}  // namespace pxelab::conformance::testing
