// Per-host boot floppies: an image named in [tftp].templates is a template; the TFTP
// server renders it for the host that asks (image/image_template.h: ${hostname},
// ${ip}, ${mac}, ${netmask}, ${gateway}, ${server} and the host's vars) and caches
// the result per host and image, so one image serves every machine and each gets its
// own identity, with an exact tsize (the rendered image is whole before the first
// block goes out).
//
// Who asks: the host entry whose fixed address is the request's source address, else
// the entry with the request's source MAC (a relayed request carries the router's
// MAC, so a relayed host needs a fixed address), else an unknown client, which has
// ip, mac, netmask, gateway and server but no hostname nor vars.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "image/image_template.h"
#include "server/config.h"
#include "wire/address.h"
#include "wire/result.h"

namespace pxelab::server {

// The client a TFTP request came from, as the agent saw it.
struct TftpRequester {
  wire::Ipv4Address ip;
  wire::MacAddress mac;
};

// The host entry a request is from (see above), or nullptr.
const HostEntry* template_host(const ServerConfig& config, const TftpRequester& who);

// The variables a template sees for `host` (may be null) asking from `who`.
image::TemplateVars template_vars(const ServerConfig& config, const HostEntry* host, const TftpRequester& who);

// Configuration-time check of every template image against every host entry: each
// image must exist in the TFTP root and be a FAT12 image, and each variable its files
// use must be one the host will have. The error names the image, the host, the file
// and the variable ("FILE:LINE:COL: tftp.templates: host.img: HOST.TXT uses ${role},
// which host pc02 (52:54:00:00:00:02) lacks").
Status check_templates(const ServerConfig& config);

// "a/b.img" as the TFTP root's cleaned relative name (leading '/' dropped).
std::string template_key(std::string_view name);

}  // namespace pxelab::server
