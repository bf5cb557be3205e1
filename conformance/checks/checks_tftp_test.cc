// Each TFTP check: a trace where it passes, one where it fails.
#include "conformance/checks/checks_testlib.h"

namespace pxelab::conformance::testing {
namespace {

wire::TftpOptions opts(std::initializer_list<std::pair<const char*, const char*>> kv) {
  wire::TftpOptions o;
  for (const auto& [k, v] : kv) o.entries.push_back({k, v});
  return o;
}

Lab transfer(TransferSpec spec) {
  Lab lab;
  add_transfer(lab, spec);
  return lab;
}

TEST(TftpChecks, NewTid) {
  expect_pass(transfer({}), "TFTP-NEW-TID");
  expect_fail(transfer({.server_port = 69}), "TFTP-NEW-TID");
}

// dnsmasq and tftpd-hpa under a 200-ROM storm: the client repeats its RRQ before any
// answer, the server answers each copy as its own transfer (OACK from 3000, then from
// 3001), the client rejects the second with ERROR 5 and goes on with the first. RFC 1350
// §4 makes the second a different transfer ("An error packet should be sent to the
// source of the incorrect packet, while not disturbing the transfer"): no change of TID,
// no DATA after an ERROR that ended this transfer. A port change without a repeated
// request still is one. (Both were findings pxelab reported wrongly against dnsmasq.)
Lab repeated_request_two_transfers(bool repeated) {
  Lab lab;
  const auto c = tftp_client(2000);
  const wire::TftpRequest rrq{wire::TftpOpcode::kRrq, "ldlinux.c32", "octet", {{{"blksize", "512"}}}};
  lab.tftp(c, tftp_server(69), rrq);
  if (repeated) lab.tftp(c, tftp_server(69), rrq);
  lab.tftp(tftp_server(3000), c, wire::TftpOack{{{{"blksize", "512"}}}});
  lab.tftp(c, tftp_server(3000), wire::TftpAck{0});
  lab.tftp(tftp_server(3001), c, wire::TftpOack{{{{"blksize", "512"}}}});
  lab.tftp(c, tftp_server(3001), wire::TftpError{5, "Unknown transfer ID"});
  lab.wait(1);
  Bytes block(512, 1);
  lab.tftp(tftp_server(3000), c, wire::TftpData{1, block});
  lab.tftp(c, tftp_server(3000), wire::TftpAck{1});
  lab.tftp(tftp_server(3000), c, wire::TftpData{2, wire::ByteView(block.data(), 10)});
  lab.tftp(c, tftp_server(3000), wire::TftpAck{2});
  return lab;
}

TEST(TftpChecks, ARepeatedRequestAnsweredAsASecondTransferIsNotAChangeOfTid) {
  Lab two = repeated_request_two_transfers(true);
  expect_pass(two, "TFTP-NEW-TID");
  // The only ERROR is the client's to the other transfer: this one has none to judge.
  EXPECT_NE(judge(two, "TFTP-ERROR-FINAL").verdict, Verdict::kFail);
  expect_pass(two, "TFTP-LAST-BLOCK");
  expect_fail(repeated_request_two_transfers(false), "TFTP-NEW-TID");
}

TEST(TftpChecks, LastBlock) {
  expect_pass(transfer({.size = 1024}), "TFTP-LAST-BLOCK");
  Lab lab = transfer({.size = 1024, .final_empty_block = false});
  lab.wait(6);
  lab.frame(wire::build_udp_frame(tftp_client(5000), tftp_server(5001), Bytes(4, 0)));
  expect_fail(lab, "TFTP-LAST-BLOCK");

  // The client repeats ACK 2 after 2 s; a server that has closed answers ERROR 5.
  Lab closed = transfer({.size = 1024, .final_empty_block = false});
  closed.wait(2);
  closed.tftp(tftp_client(), tftp_server(3000), wire::TftpAck{2});
  closed.tftp(tftp_server(3000), tftp_client(), wire::TftpError{5, "Unknown transfer ID"});
  expect_fail(closed, "TFTP-LAST-BLOCK");
  // A client that gives up at once (ERROR within 5 s) leaves nothing to judge against.
  Lab quick = transfer({.size = 1024, .final_empty_block = false});
  quick.wait(1);
  quick.tftp(tftp_client(), tftp_server(3000), wire::TftpError{0, "abort"});
  expect_pass(quick, "TFTP-LAST-BLOCK");
}

// A lock-step transfer with a duplicate ACK 1: late (after DATA 2), or - a link that
// duplicates frames - on the wire before the server's answer to the first one.
Lab sorcerer(bool resend, bool duplicate_first = false) {
  Lab lab;
  const auto c = tftp_client(), s = tftp_server(3000);
  lab.tftp(c, tftp_server(69), wire::TftpRequest{wire::TftpOpcode::kRrq, "f", "octet", {}});
  Bytes block(512, 1);
  lab.tftp(s, c, wire::TftpData{1, block});
  lab.tftp(c, s, wire::TftpAck{1});
  if (duplicate_first) lab.tftp(c, s, wire::TftpAck{1});
  lab.tftp(s, c, wire::TftpData{2, block});
  if (!duplicate_first) lab.tftp(c, s, wire::TftpAck{1});
  if (resend) lab.tftp(s, c, wire::TftpData{2, block});
  lab.tftp(c, s, wire::TftpAck{2});
  lab.tftp(s, c, wire::TftpData{3, wire::ByteView(block.data(), 10)});
  lab.tftp(c, s, wire::TftpAck{3});
  return lab;
}

TEST(TftpChecks, NoSorcerersApprentice) {
  expect_pass(sorcerer(false), "TFTP-NO-SORCERER");
  expect_fail(sorcerer(true), "TFTP-NO-SORCERER");
  expect_pass(sorcerer(false, true), "TFTP-NO-SORCERER");
  expect_fail(sorcerer(true, true), "TFTP-NO-SORCERER");
}

TEST(TftpChecks, OackOnlyAsked) {
  expect_pass(transfer({.request = opts({{"blksize", "1468"}})}), "TFTP-OACK-ONLY-ASKED");
  expect_fail(transfer({.request = opts({{"blksize", "1468"}}), .oack = opts({{"blksize", "1468"}, {"tsize", "1000"}})}),
              "TFTP-OACK-ONLY-ASKED");
}

TEST(TftpChecks, Blksize) {
  expect_pass(transfer({.request = opts({{"blksize", "1468"}}), .oack = opts({{"blksize", "1432"}})}), "TFTP-BLKSIZE");
  expect_fail(transfer({.request = opts({{"blksize", "1468"}}), .oack = opts({{"blksize", "2000"}})}), "TFTP-BLKSIZE");
  expect_fail(transfer({.request = opts({{"blksize", "1468"}}), .oack = opts({{"blksize", "4"}})}), "TFTP-BLKSIZE");
}

TEST(TftpChecks, Tsize) {
  expect_pass(transfer({.size = 1000, .request = opts({{"tsize", "0"}}), .oack = opts({{"tsize", "1000"}})}),
              "TFTP-TSIZE");
  expect_fail(transfer({.size = 1000, .request = opts({{"tsize", "0"}}), .oack = opts({{"tsize", "999"}})}),
              "TFTP-TSIZE");
}

TEST(TftpChecks, Timeout) {
  expect_pass(transfer({.request = opts({{"timeout", "5"}})}), "TFTP-TIMEOUT");
  expect_fail(transfer({.request = opts({{"timeout", "5"}}), .oack = opts({{"timeout", "3"}})}), "TFTP-TIMEOUT");
}

TEST(TftpChecks, Window) {
  expect_pass(transfer({.request = opts({{"windowsize", "4"}})}), "TFTP-WINDOW");
  expect_fail(transfer({.request = opts({{"windowsize", "4"}}), .oack = opts({{"windowsize", "8"}})}), "TFTP-WINDOW");
}

TEST(TftpChecks, OackFormat) {
  expect_pass(transfer({.request = opts({{"blksize", "1468"}})}), "TFTP-OACK-FORMAT");
  Lab lab;
  lab.tftp(tftp_client(), tftp_server(69),
           wire::TftpRequest{wire::TftpOpcode::kRrq, "f", "octet", opts({{"blksize", "1468"}})});
  Bytes oack = wire::encode_tftp(wire::TftpOack{opts({{"blksize", "1468"}})});
  oack.push_back(0);  // padding after the last pair
  lab.udp(tftp_server(3000), tftp_client(), oack);
  expect_fail(lab, "TFTP-OACK-FORMAT");
}

Lab error_lab(int copies) {
  Lab lab;
  lab.tftp(tftp_client(), tftp_server(69), wire::TftpRequest{wire::TftpOpcode::kRrq, "missing.0", "octet", {}});
  for (int i = 0; i < copies; ++i) lab.tftp(tftp_server(3000), tftp_client(), wire::TftpError{1, "File not found"});
  return lab;
}

TEST(TftpChecks, ErrorFinal) {
  expect_pass(error_lab(1), "TFTP-ERROR-FINAL");
  expect_fail(error_lab(2), "TFTP-ERROR-FINAL");
}

Lab rollover(std::uint16_t after) {
  Lab lab;
  lab.tftp(tftp_client(), tftp_server(69), wire::TftpRequest{wire::TftpOpcode::kRrq, "big", "octet", {}});
  Bytes block(512, 1);
  lab.tftp(tftp_server(3000), tftp_client(), wire::TftpData{65535, block});
  lab.tftp(tftp_server(3000), tftp_client(), wire::TftpData{after, wire::ByteView(block.data(), 3)});
  return lab;
}

TEST(TftpChecks, Rollover) {
  expect_pass(rollover(0), "TFTP-ROLLOVER");
  expect_pass(rollover(1), "TFTP-ROLLOVER");
  expect_fail(rollover(7), "TFTP-ROLLOVER");
}

TEST(TftpChecks, Path) {
  Lab refused = error_lab(0);
  refused.tftp(tftp_client(2001), tftp_server(69),
               wire::TftpRequest{wire::TftpOpcode::kRrq, "../../etc/passwd", "octet", {}});
  refused.tftp(tftp_server(3001), tftp_client(2001), wire::TftpError{2, "Access violation"});
  expect_pass(refused, "TFTP-PATH");
  expect_fail(transfer({.file = "pxe/../../etc/passwd"}), "TFTP-PATH");
}

TEST(TftpChecks, OackStrict) {
  expect_pass(transfer({.request = opts({{"blksize", "1468"}, {"timeout", "4"}})}), "TFTP-OACK-STRICT");
  expect_fail(transfer({.request = opts({{"blksize", "1468"}, {"timeout", "4"}}),
                        .oack = opts({{"blksize", "1468"}, {"timeout", "5"}})}),
              "TFTP-OACK-STRICT");
}

TEST(TftpChecks, BlksizeVersusPathMtu) {
  Lab lab = transfer({.request = opts({{"blksize", "1468"}})});
  expect_pass(lab, "TFTP-BLKSIZE-MTU");
  conformance::Run small;
  small.link_mtu = {{0, 1400}};
  expect_fail(lab, "TFTP-BLKSIZE-MTU", small);
}

TEST(TftpChecks, DuplicateOack) {
  expect_pass(transfer({.request = opts({{"blksize", "1468"}})}), "TFTP-DUP-OACK");
  Lab lab;
  lab.tftp(tftp_client(), tftp_server(69),
           wire::TftpRequest{wire::TftpOpcode::kRrq, "f", "octet", opts({{"blksize", "1468"}})});
  lab.tftp(tftp_server(3000), tftp_client(), wire::TftpOack{opts({{"blksize", "1468"}})});
  lab.tftp(tftp_server(3000), tftp_client(), wire::TftpOack{opts({{"blksize", "1468"}})});
  expect_fail(lab, "TFTP-DUP-OACK");
}

TEST(TftpChecks, BlksizeHonoured) {
  expect_pass(transfer({}), "TFTP-BLKSIZE-HONOURED");
  expect_fail(transfer({.size = 3000, .data_size_override = 1024}), "TFTP-BLKSIZE-HONOURED");
}

}  // namespace
}  // namespace pxelab::conformance::testing
