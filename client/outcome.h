// What became of one booting machine: the record an emulated ROM client (PxeClient)
// or a real firmware run under QEMU leaves for checks and reports.
//
// This is the contract between the clients (client/), the QEMU launcher
// (client/qemu/) and the harness (conformance/): checks that judge outcomes, report.json
// and the summary table read these fields and nothing else of a client.
//
// Failures carry the codes people see on real screens (PXE 2.1 appendix "PXE error
// codes"; EDK2 prints PXE-E18 for a server response timeout):
//   PXE-E51 no DHCP or proxyDHCP offers      PXE-E53 no boot filename received
//   PXE-E55 no reply on port 4011             PXE-E32 TFTP open timeout
//   PXE-E3B TFTP error: file not found        PXE-E18 server response timeout (EDK2)
//   PXE-E11 ARP timeout
// plus pxelab's own for outcomes no ROM names (kCode* below).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client/floppy_reader.h"
#include "sim/time.h"
#include "wire/address.h"

namespace pxelab::client {

enum class BootStatus : std::uint8_t {
  kPending,    // still running when the run ended (deadline): counts as not booted
  kBooted,     // every image arrived whole and passed the check for its kind
  kFailed,     // the firmware gave up; `code` says why
  kLocalBoot,  // the server's menu (or its local-boot default) sent it to the local disk
};
std::string_view to_string(BootStatus status);

// Failure codes (the PXE-Exx strings are what firmware prints).
inline constexpr std::string_view kCodeNoOffers = "PXE-E51";
inline constexpr std::string_view kCodeNoBootFile = "PXE-E53";
inline constexpr std::string_view kCodeNoBootServerReply = "PXE-E55";
inline constexpr std::string_view kCodeTftpOpenTimeout = "PXE-E32";
inline constexpr std::string_view kCodeTftpFileNotFound = "PXE-E3B";
inline constexpr std::string_view kCodeServerTimeout = "PXE-E18";
inline constexpr std::string_view kCodeArpTimeout = "PXE-E11";
// Not ROM codes: outcomes pxelab itself decides.
inline constexpr std::string_view kCodeNak = "DHCP-NAK";             // a NAK ended the attempt
inline constexpr std::string_view kCodeBadImage = "IMAGE-INVALID";   // arrived, but fails its kind check
inline constexpr std::string_view kCodeTftpAborted = "TFTP-ABORTED"; // the client aborted (e.g. OACK refused)
inline constexpr std::string_view kCodeDeadline = "DEADLINE";        // the run ended first

// The frame that decided an outcome: the reply that ended it, or for a timeout the
// last request that went unanswered. `frame` is the segment's frame number (0-based;
// Wireshark shows frame + 1) when the client knew it; otherwise the harness finds it
// from the client's MAC, `sent` and `time`.
struct DecidingFrame {
  sim::Time time = 0;
  bool sent = false;                    // true: the client sent it; false: it received it
  std::optional<std::uint64_t> frame;
  std::string what;                     // "DHCPDISCOVER xid 0x1234 (4th)", "TFTP ERROR 1 'File not found'"
};

// One file the client loaded: the NBP, then a loader's stage-2 files in the order
// fetched (pxelinux config, kernels...).
struct LoadedImage {
  std::string name;             // as requested in the RRQ
  std::uint64_t size = 0;       // octets received
  std::optional<std::uint64_t> tsize;  // what the server announced, if it did
  std::string sha256;           // lowercase hex
  std::string kind;             // "nbp", "floppy", "pxelinux-config", "file"
  wire::Ipv4Address server;
  sim::Time started = 0;        // RRQ sent (the first, for a tsize probe)
  sim::Time finished = 0;       // last DATA received
  std::optional<FloppyContent> floppy;  // kind "floppy": what its file system holds
};

// Times of the milestones, each set when it first happened.
struct Timeline {
  std::optional<sim::Time> power_on;
  std::optional<sim::Time> first_discover;
  std::optional<sim::Time> offer;      // the offer selected
  std::optional<sim::Time> ack;
  std::optional<sim::Time> proxy_ack;  // proxyDHCP / port-4011 ACK
  std::optional<sim::Time> tftp_start;
  std::optional<sim::Time> tftp_end;
  std::optional<sim::Time> done;       // booted, failed or local boot decided
};

struct Retransmissions {
  std::uint32_t discover = 0;  // DISCOVERs (or BOOTREQUESTs) after the first
  std::uint32_t request = 0;
  std::uint32_t proxy_request = 0;  // port 4011 / boot server
  std::uint32_t tftp = 0;           // RRQs and ACKs resent on timeout
};

struct ClientOutcome {
  std::string name;          // scenario-given client name, e.g. "edk2-x64-0003"
  std::string personality;   // personality id, or "qemu:<firmware>" for real firmware
  wire::MacAddress mac;
  BootStatus status = BootStatus::kPending;
  std::string code;          // empty when booted
  std::string text;          // the firmware's message, e.g. "PXE-E51: No DHCP or proxyDHCP offers were received."
  std::optional<DecidingFrame> decided_by;

  std::optional<wire::Ipv4Address> address;       // yiaddr of the ACK
  std::optional<wire::Ipv4Address> dhcp_server;   // option 54 of the ACK
  std::optional<wire::Ipv4Address> boot_server;   // where the NBP came from
  std::string boot_file;                          // the NBP name as the client chose it
  std::vector<LoadedImage> images;

  // What the client printed that a person would read: pxelinux SAY lines, iPXE echo,
  // a real firmware's matched console lines (QEMU).
  std::vector<std::string> console;

  Timeline timeline;
  Retransmissions retransmissions;
  double throughput_bps = 0;  // NBP + stage-2 octets * 8 / (tftp_end - tftp_start)

  // The boots before this one, oldest first, when the machine was rebooted during the
  // run (a scenario's reboot event): each a whole outcome without earlier_boots.
  std::vector<ClientOutcome> earlier_boots;
};

}  // namespace pxelab::client
