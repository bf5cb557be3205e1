// The well-known UDP ports of network boot, defined once: every layer that sends,
// binds or recognises them names these.
#pragma once

#include <cstdint>

namespace pxelab::wire {

inline constexpr std::uint16_t kDhcpServerPort = 67;       // BOOTP/DHCP server, "bootps" (RFC 951, RFC 2131 §4.1)
inline constexpr std::uint16_t kDhcpClientPort = 68;       // BOOTP/DHCP client, "bootpc"
inline constexpr std::uint16_t kPxeBootServerPort = 4011;  // PXE boot server / proxyDHCP requests (PXE 2.1 §2.2)
inline constexpr std::uint16_t kTftpServerPort = 69;       // TFTP requests (RFC 1350 §4)

}  // namespace pxelab::wire
