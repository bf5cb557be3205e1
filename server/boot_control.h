// The control file of `pxelab serve` (issue 11): boot modes changed while the server
// runs, one line each, re-read on SIGHUP:
//
//   host 52:54:00:00:00:01 local     # a host entry by MAC...
//   host lab01 network               # ...or by hostname
//   group lab once                   # a [[group]] of the configuration
//
// Blank lines and '#' comments are ignored. The file is the wanted state: each read
// applies the lines whose mode differs from what the previous read applied for the
// same host or group (so a `host X once` line does not re-arm X on every SIGHUP after
// its flip), through BootServer::set_boot_mode / set_group_mode, and each change is
// logged. A bad line (syntax, unknown mode, host or group) is logged with its line
// number and changes nothing; the other lines still apply.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "server/boot_server.h"
#include "server/config.h"
#include "server/log.h"
#include "wire/result.h"

namespace pxelab::server {

struct ControlLine {
  int line = 0;     // from 1
  bool group = false;
  std::string name;  // a MAC or hostname (host), a group name (group)
  BootMode mode = BootMode::Network;
};

struct ControlParse {
  std::vector<ControlLine> lines;
  std::vector<std::string> errors;  // "FILE:LINE: what is wrong"
};

// Syntax only: hosts and groups are looked up when the lines are applied.
ControlParse parse_control(std::string_view text, const std::string& source);

class ControlFile {
 public:
  explicit ControlFile(std::string path) : path_(std::move(path)) {}
  const std::string& path() const { return path_; }

  // Reads the file and applies what changed since the last read (everything, the
  // first time). Returns how many changes were applied; an error only when the file
  // cannot be read (then nothing changes).
  Result<std::size_t> reload(BootServer& server, LogSink& log, sim::Time now);
  // The same over text already read (tests).
  std::size_t apply(std::string_view text, BootServer& server, LogSink& log, sim::Time now);

 private:
  std::string path_;
  std::map<std::string, BootMode> applied_;  // "host <mac>" / "group <name>" -> mode
};

}  // namespace pxelab::server
