// Firmware fingerprinting from a client's DISCOVER: the identity fields ROMs differ
// in (FW-01..03: option 55 list and order, 57, 60, 93, 94, 97, 77 form and value, 175,
// the broadcast flag, secs packing) and the nearest reference by a weighted distance,
// with the fields that decided it.
//
// References are plain data (Reference) so that the personality files
// (client/personalities/*.toml, loaded by the client library) can be turned into
// references and passed in; builtin_references() is the small table used until then
// and for the non-ROM clients seen in captures (dhclient, udhcpc, perfdhcp).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "client/personality.h"
#include "conformance/analysis/trace_decode.h"

namespace pxelab::conformance {

enum class UserClassForm : std::uint8_t { kAbsent, kRaw, kRfc3004 };

struct Identity {
  std::vector<std::uint8_t> prl;         // option 55 in the client's order
  std::optional<std::uint16_t> max_size;  // 57
  std::string vendor_class;               // 60 ("" when absent)
  std::optional<std::uint16_t> arch;      // 93, first type
  bool has_ndi = false;                   // 94
  std::optional<std::uint8_t> machine_id_length;  // 97
  UserClassForm user_class_form = UserClassForm::kAbsent;  // 77 (FW-02: iPXE's raw form)
  std::string user_class;                 // 77's first class
  bool has_ipxe = false;                  // 175
  bool broadcast = false;                 // flags 0x8000 (FW-01 EDK2 sets it always)
  std::uint16_t secs = 0;
};

Identity identity_of(const DecodedTrace& d, const DhcpMsg& discover);

struct Reference {
  std::string id;        // personality id, e.g. "edk2-x64"
  std::string source;    // where the facts come from ("FW-01", "personality file ...")
  Identity identity;
  // Fields a reference does not pin down ("any"): 60 compared by this prefix only
  // when set (e.g. "udhcp " for any busybox version).
  std::string vendor_prefix;
  bool any_prl = false;
  bool any_max_size = false;
};

std::vector<Reference> builtin_references();
// One reference per personality that sends its own DHCP (not loaders that reuse the
// ROM's cached packets, FW-15).
std::vector<Reference> references_from(const client::PersonalitySet& personalities);
// What `pxelab check` compares against: the personalities shipped with pxelab
// (client::default_personality_dir()) plus the OS clients of builtin_references();
// the builtin ROM references stand in when the personality files cannot be read
// (`note` then says why).
std::vector<Reference> default_references(std::string* note = nullptr);

struct Fingerprint {
  std::string id;          // nearest reference ("unknown" when none is near)
  double distance = 0;     // 0: every compared field matched
  std::string matched;     // "60 PXEClient:Arch:00007:UNDI:003000, 93=7, 57=1472, flags 0x8000"
  std::string differed;    // fields that did not match the nearest
  std::string runner_up;   // the second nearest and its distance
};

Fingerprint fingerprint(const Identity& identity, std::span<const Reference> references);

// "55=1,3,6 57=1472 60=... 93=7 94 97/17 77=raw:iPXE 175 flags=0x8000"
std::string describe(const Identity& identity);

}  // namespace pxelab::conformance
