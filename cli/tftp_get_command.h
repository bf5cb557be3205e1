// `pxelab tftp-get`: a small TFTP client on a real UDP socket (RFC 1350 read, option
// negotiation RFC 2347, blksize RFC 2348, tsize/timeout RFC 2349, windowsize RFC 7440).
// A measuring tool: it prints bytes, seconds, MiB/s and retransmissions. Used by
// ci/bench-servers for windowed TFTP beside curl's lock-step client.
#pragma once

#include <CLI/CLI.hpp>

namespace pxelab::conformance {

void add_tftp_get_command(CLI::App& app, int& exit_code);

}  // namespace pxelab::conformance
