// Firmware profiles: how to run one real firmware under QEMU, as data
// (client/qemu/firmware/*.toml, one file per profile; DESIGN.md "tables over
// registration"). A profile names the QEMU command line (a template), what proves the
// downloaded code ran (the boot marker), how the firmware says it failed, what the
// reference server must hand it, and which Debian package files the TFTP root needs.
//
// Template placeholders in `args` (and in tftp texts, marker: see each field):
//   ${netdev}  the -netdev argument of the VM's QemuPort (backend id "n0")
//   ${mac}     the VM's MAC, aa:bb:cc:dd:ee:ff
//   ${serial}  where the serial console goes (the launcher reads it through a pipe)
//   ${vars}    the VM's fresh copy of `vars_template` (UEFI variable store)
//   ${dir}     the VM's temporary directory
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "wire/result.h"

namespace pxelab::client::qemu {

// A file the profile needs from the system, and the Debian package that ships it
// (named in the "missing" message).
struct RequiredFile {
  std::string path;
  std::string package;
};

// A console line that means the firmware gave up (e.g. OVMF "PXE-E18: Server response
// timeout"). `code` is the outcome code (client/outcome.h: "PXE-E18"); `fatal` ends
// the VM at once (it would otherwise wander on to other boot options).
struct FailurePattern {
  std::string pattern;  // ECMAScript regex over one console line
  std::string code;  // "${match}": the text the pattern matched (e.g. "PXE-E18")
  bool fatal = true;
};

// One file of the TFTP root assembled per run: copied from the system, or a text
// written as is (an iPXE script's ${hostname} is iPXE's: DHCP option 12 from the
// server's host table, which is what the marker then proves).
struct TftpEntry {
  std::string name;  // path inside the TFTP root
  std::optional<RequiredFile> from;
  std::string text;
  // "uboot-script": the text wrapped as a U-Boot script image (uboot_script.h).
  std::string wrap;
};

// A difference between this firmware and its emulated personality that fidelity
// accepts, with the reason (fidelity.h).
struct KnownDifference {
  std::string aspect;  // as FidelityItem::aspect, e.g. "DISCOVER retry intervals"
  std::string reason;  // why it is accepted (FW-nn, a scenario artefact...)
  bool sometimes = false;  // timing that varies run to run: never reported stale
};

struct FirmwareProfile {
  std::string id;            // "seabios-ipxe"; the file name without .toml
  std::string source;        // the file it came from
  std::string description;
  std::uint16_t arch = 0;    // option 93 the firmware sends (RFC 4578 §2.1)
  std::string personality;   // the emulated personality that models it ("ipxe-bios")
  RequiredFile qemu;         // binary (looked up in PATH unless absolute) + package
  std::vector<std::string> args;
  std::vector<RequiredFile> requires_files;
  std::optional<RequiredFile> vars_template;
  // Regex over one console line, after ${hostname} is replaced by the host's name
  // (regex-escaped). Seeing it means the boot reached code that came over the wire.
  std::string marker;
  // marker_status = "local-boot": the marker proves the machine went to its local
  // disk (the boot-mode tests, FW-47), so the outcome is local boot, not booted.
  bool marker_local_boot = false;
  // marker_partial_line = true: the marker is also looked for in a console line not
  // yet ended by a newline (a firmware that prints a prompt and waits). Off by default:
  // the outcome's text is then the whole line.
  bool marker_partial_line = false;
  std::vector<FailurePattern> failures;
  double expected_seconds = 30;  // start to marker under TCG on this machine kind
  double deadline_seconds = 120; // default deadline: killed then, outcome DEADLINE
  // What the reference server hands this firmware (server::BootConfig).
  std::string boot_file;
  std::string ipxe_script;   // empty: iPXE clients get boot_file too
  // A server that names its TFTP host only in option 66 (FW-37): tftp_server_name is
  // sent as 66 and no_siaddr leaves siaddr 0.0.0.0 (server/faults.h kNoSiaddr).
  std::string tftp_server_name;
  bool no_siaddr = false;
  // siaddr names this host instead of the server (server boot.next_server), e.g. a
  // segment host with an IP stack and no TFTP listener, which answers the RRQ with ICMP
  // port unreachable (FW-37's wrong TFTP host, on real firmware).
  std::string next_server;
  // The server gives an address and nothing to boot: no boot file, no 67, no PXE
  // options (FW-39); boot_file must then be absent. What the firmware does next is the
  // point (EDK2 PXE-E16, iPXE "Nothing to boot").
  bool nothing_to_boot = false;
  std::vector<TftpEntry> tftp;
  std::vector<KnownDifference> known;  // [[known]] aspect/reason
  bool fidelity_until_nbp = false;     // fidelity_scope = "nbp" (FidelityOptions::until_nbp)
};

// Parses one profile. Errors read "FILE:LINE:COL: KEY: what is wrong".
Result<FirmwareProfile> parse_firmware_profile(std::string_view text, const std::string& source);
Result<FirmwareProfile> load_firmware_profile(const std::string& path);

// The profiles directory: $PXELAB_FIRMWARE_DIR, else client/qemu/firmware of the source
// tree this binary was built from (PXELAB_SOURCE_DIR), else ./client/qemu/firmware.
std::string default_profile_dir();
// Loads DIR/ID.toml; an unknown id lists the ones there.
Result<FirmwareProfile> find_firmware_profile(const std::string& dir, const std::string& id);
// Ids of every *.toml in `dir`, sorted.
std::vector<std::string> list_firmware_profiles(const std::string& dir);

// What is missing on this machine to run `profile` ("qemu-system-x86_64 (package
// qemu-system-x86)", "/usr/share/OVMF/OVMF_CODE_4M.fd (package ovmf)"); empty: all there.
std::vector<std::string> missing_requirements(const FirmwareProfile& profile);
// The absolute path of the QEMU binary, or "" if not found.
std::string resolve_qemu_binary(const FirmwareProfile& profile);

}  // namespace pxelab::client::qemu
