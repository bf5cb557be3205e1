// What one client did on the wire, read back from a Trace: its DHCP messages (both
// ways), its TFTP transfers, in frame order. Built from frames only, so it works the
// same for a live run, a pcap of a real VM, or an emulated client's run — which is
// what the fidelity comparison (fidelity.h) and a QEMU VM's outcome timeline need.
// The frames are read by the one trace decoder (conformance/analysis/trace_decode.h,
// every frame, received or not); this is one client's view over what it decoded.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "client/outcome.h"
#include "sim/trace.h"
#include "wire/address.h"
#include "wire/dhcp_message.h"
#include "wire/dhcp_option_values.h"
#include "wire/tftp.h"

namespace pxelab::client::qemu {

struct DhcpEvent {
  std::size_t frame = 0;  // trace frame number
  sim::Time time = 0;
  bool from_client = false;
  wire::Ipv4Address src_ip, dst_ip;
  std::uint16_t src_port = 0, dst_port = 0;
  wire::dhcp::Message message;
  std::optional<std::uint8_t> type;  // option 53; nullopt: BOOTP
};

struct TftpTransfer {
  std::string file;
  std::uint16_t client_port = 0;
  std::size_t rrq_frame = 0;
  sim::Time started = 0;
  sim::Time finished = 0;                 // last DATA seen (started if none)
  std::size_t last_frame = 0;             // trace frame of that DATA (rrq_frame if none)
  wire::TftpOptions requested;            // options of the RRQ, in wire order
  std::optional<wire::TftpOptions> oack;  // the server's OACK, if any
  std::optional<wire::TftpError> server_error;
  std::optional<wire::TftpError> client_error;  // e.g. ERROR 8 after a tsize probe (FW-23)
  std::uint64_t bytes = 0;                // DATA payload octets (each block once)
  bool complete = false;                  // a DATA shorter than the block size arrived
};

struct ClientDigest {
  wire::MacAddress mac;
  std::vector<DhcpEvent> dhcp;
  std::vector<TftpTransfer> tftp;
  std::size_t frames = 0;       // frames from or to the client's MAC
  std::size_t unparsed = 0;     // UDP frames for DHCP/TFTP ports that did not parse

  // Client messages of one type (DISCOVER, REQUEST...), in order.
  std::vector<const DhcpEvent*> sent(wire::dhcp::MessageType type) const;
};

// The digest of `mac` in `trace`. Frames that do not parse are counted, never fatal.
ClientDigest digest_client(const sim::Trace& trace, const wire::MacAddress& mac);

// Fills the wire part of an outcome from a digest: timeline (first DISCOVER, offer,
// ACK, proxy ACK, TFTP start/end), address, DHCP server, boot file, boot server,
// images, retransmissions, throughput. Status, code and text are left alone (they
// come from the console for a real VM).
void fill_outcome_from_digest(ClientOutcome& outcome, const ClientDigest& digest);

}  // namespace pxelab::client::qemu
