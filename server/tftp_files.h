// What the TFTP server can serve: files under its root, confined there, and per-host
// virtual files generated from the host table (pxelinux.cfg/01-<mac>, hex-IP names).
//
// The TFTP agent is sans-I/O except for this: it asks a FileSource for a name and
// gets the bytes or a TFTP error, so tests can hand it an in-memory source.
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <sys/stat.h>

#include "server/config.h"
#include "server/tftp_templates.h"
#include "wire/bytes.h"
#include "wire/result.h"

namespace pxelab::server {

// TFTP error codes (RFC 1350 §5) a lookup can end in.
enum class TftpLookupError : std::uint8_t {
  NotFound = 1,         // ERROR 1 "File not found"
  AccessViolation = 2,  // ERROR 2: outside the root, not a regular file, unreadable
  DiskFull = 3,         // ERROR 3: the write failed
  FileExists = 6,       // ERROR 6: an upload may not overwrite
};

struct TftpLookupFailure {
  TftpLookupError code;
  std::string reason;  // for the log and the ERROR message
};

struct TftpFile {
  // Shared and immutable: a storm of clients fetching one image shares its bytes.
  std::shared_ptr<const wire::Bytes> content;
  std::string origin;  // the path it came from, or "generated: <name>"
};

// Maps a requested file name to a path inside `root` (TFTP-PATH, CWE-22):
//  - NUL anywhere, an empty name, and any ".." component are refused;
//  - '\' is taken as '/' (Windows-style names some ROMs send) and leading '/' are
//    stripped, so an absolute name is read relative to the root, as tftpd-hpa
//    --secure does: it can never name a file outside it;
//  - the name is opened beneath the root (server/tftp_beneath.h: openat2
//    RESOLVE_BENEATH, or a walk with O_NOFOLLOW): symlinks are followed only while
//    they stay inside the root, and nothing swapped in between a check and the open
//    can lead out, because the descriptor opened is the one checked and read;
//  - only regular files are served (fstat of that descriptor; a FIFO or a device is
//    opened O_NONBLOCK, so it cannot block the server either).
// On success: the canonical path of the file.
struct TftpPathResult {
  std::string path;
  std::optional<TftpLookupFailure> failure;
};
TftpPathResult resolve_tftp_path(const std::string& root, std::string_view requested);

class TftpFileSource {
 public:
  // `config.tftp.root` must exist (checked here: an error names it).
  static Result<TftpFileSource> create(const ServerConfig& config);

  // The file for `requested`, virtual files first. Files from the root are read once
  // and cached while their size and modification time stay the same. The cache holds
  // at most tftp.cache_bytes (least recently opened files leave first), but a file
  // that transfers still hold is shared whether it is cached or not: a storm of
  // clients fetching one image shares one copy of its bytes.
  //
  // A name in [tftp].templates asked for by `who` is that image rendered for the host
  // (server/tftp_templates.h), cached like a file (per image and host, in the same
  // budget) until the image changes; without `who` the template itself is served. A
  // client the template cannot be rendered for (an unknown client and ${hostname})
  // gets ERROR 1 and the reason in the log.
  Result<TftpFile> open(std::string_view requested, TftpLookupFailure* failure,
                        const std::optional<TftpRequester>& who = std::nullopt) const;
  std::uint64_t renders() const { return renders_; }  // per-host images rendered so far

  // The boot mode of `host` changed while the server runs (BootServer::set_boot_mode):
  // its generated pxelinux.cfg files (MAC and IP names) are written again for `mode`,
  // from pxelinux.cfg/host.template as read at start, else the default config.
  void set_host_mode(const HostEntry& host, BootMode mode);

  // Bytes the cache itself keeps alive (transfers may hold evicted files besides).
  std::uint64_t cached_bytes() const { return cached_bytes_; }
  std::size_t cached_files() const { return lru_.size(); }

  // Where an upload (WRQ) of `requested` would go: the same confinement as reads but
  // no symlink followed anywhere on the way, the directory must exist inside the
  // root, and the file must not, not even as a symlink (ERROR 6: uploads never
  // overwrite). Checked when the WRQ arrives and again by store().
  TftpPathResult writable_path(std::string_view requested) const;
  // Writes an upload: a temporary file beside the target, then link(2) to the final
  // name (atomic, and fails rather than overwrite), then the temporary is removed.
  Status store(std::string_view requested, wire::ByteView content, TftpLookupFailure* failure) const;

  // Names of the generated files (sorted), for logs and tests.
  std::vector<std::string> virtual_names() const;

  // Test hook: called by open() with the cleaned name once the file's descriptor is
  // open, before it is checked and read (a test swaps the name for a symlink there).
  void set_after_open_for_test(std::function<void(const std::string&)> fn) { after_open_ = std::move(fn); }

 private:
  struct Cached {
    std::int64_t mtime_ns = 0;
    std::int64_t size = 0;
    std::uint64_t inode = 0;   // the same size and time, but another file: read again
    std::uint64_t device = 0;
    std::shared_ptr<const wire::Bytes> kept;   // set while in the LRU list
    std::weak_ptr<const wire::Bytes> shared;   // alive while anyone holds the bytes
    std::list<std::string>::iterator lru;      // valid while kept
  };
  // Makes `path` the most recently used entry, keeping `content`, then evicts from
  // the cold end until the cache fits its budget.
  void keep(const std::string& path, Cached& entry, std::shared_ptr<const wire::Bytes> content) const;
  void evict_to_budget() const;
  TftpFile read_opened(int fd, const struct stat& st, const std::string& path) const;
  Result<TftpFile> render_for(const TftpFile& image, const std::string& name, const TftpRequester& who,
                              TftpLookupFailure* failure) const;

  std::string root_;
  std::uint64_t cache_budget_ = 0;
  std::map<std::string, std::shared_ptr<const wire::Bytes>> virtual_files_;  // name -> content
  std::optional<std::string> pxelinux_template_;  // pxelinux.cfg/host.template at start
  std::shared_ptr<const ServerConfig> config_;  // hosts and subnets, for templates
  std::set<std::string> templates_;             // template_key() of [tftp].templates
  mutable std::uint64_t renders_ = 0;
  mutable std::map<std::string, Cached> cache_;                              // canonical path -> bytes
  mutable std::list<std::string> lru_;                                       // hot first
  mutable std::uint64_t cached_bytes_ = 0;
  std::function<void(const std::string&)> after_open_;
};

// The pxelinux configuration generated for a host when the root has no
// "pxelinux.cfg/host.template": a SAY line naming the host (the boot marker QEMU tests
// look for), LABEL local (LOCALBOOT 0) and, when the host's vars name a `kernel`
// (and optional `append`), LABEL network; the default follows the boot mode.
std::string default_pxelinux_config(const HostEntry& host, BootMode mode);

// Fills ${hostname}, ${mac}, ${ip}, ${mode} and ${var.NAME} from the host entry.
// Unknown ${...} stay as they are.
std::string expand_host_template(std::string_view text, const HostEntry& host, BootMode mode);

// pxelinux names for a host (FW-30): "pxelinux.cfg/01-aa-bb-cc-dd-ee-ff" (lowercase)
// and, with an address, the 8 uppercase hex digits of its IP.
std::string pxelinux_mac_name(const wire::MacAddress& mac);
std::string pxelinux_ip_name(wire::Ipv4Address ip);

}  // namespace pxelab::server
