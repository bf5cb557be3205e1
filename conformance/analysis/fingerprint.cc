#include "conformance/analysis/fingerprint.h"

#include <algorithm>
#include <cstdio>

#include "wire/dhcp_options.h"
#include "wire/pxe_options.h"

namespace pxelab::conformance {

namespace {

namespace code = wire::dhcp::code;

Identity make(std::vector<std::uint8_t> prl, std::optional<std::uint16_t> max_size, std::string vendor,
              std::optional<std::uint16_t> arch, bool ndi, std::optional<std::uint8_t> len97, UserClassForm form,
              std::string uc, bool ipxe, bool broadcast) {
  Identity i;
  i.prl = std::move(prl);
  i.max_size = max_size;
  i.vendor_class = std::move(vendor);
  i.arch = arch;
  i.has_ndi = ndi;
  i.machine_id_length = len97;
  i.user_class_form = form;
  i.user_class = std::move(uc);
  i.has_ipxe = ipxe;
  i.broadcast = broadcast;
  return i;
}

std::vector<Reference> make_references() {
  using F = UserClassForm;
  std::vector<Reference> r;
  // FW-01: EDK2 PxeBcDhcp4.c mPxeDhcp4ParaRequestList (35 codes), 57 = 1472, flags 0x8000.
  r.push_back({"edk2-x64", "FW-01",
               make({1, 2, 3, 4, 5, 6, 12, 13, 15, 17, 18, 22, 23, 28, 40, 41, 42, 43, 50, 51, 54, 58, 59, 60, 66, 67,
                     97, 128, 129, 130, 131, 132, 133, 134, 135},
                    1472, "PXEClient:Arch:00007:UNDI:003000", 7, true, 17, F::kAbsent, "", false, true),
               "", false, false});
  // FW-02: iPXE dhcp.c dhcp_request_options; 77 raw "iPXE", 175 features, 57 = 1472.
  r.push_back({"ipxe-bios", "FW-02",
               make({1, 3, 6, 7, 12, 15, 17, 26, 43, 60, 66, 67, 119, 128, 129, 130, 131, 132, 133, 134, 135, 175, 203},
                    1472, "PXEClient:Arch:00000:UNDI:002001", 0, true, 17, F::kRaw, "iPXE", true, false),
               "", false, false});
  r.push_back({"ipxe-efi", "FW-02",
               make({1, 3, 6, 7, 12, 15, 17, 26, 43, 60, 66, 67, 119, 128, 129, 130, 131, 132, 133, 134, 135, 175, 203},
                    1472, "PXEClient:Arch:00007:UNDI:003010", 7, true, 17, F::kRaw, "iPXE", true, false),
               "", false, false});
  // FW-03: U-Boot net/bootp.c dhcp_extended: 60 "U-Boot", 57 = 576, flags 0, no 93.
  r.push_back({"u-boot", "FW-03",
               make({1, 3, 6, 12, 15, 17, 40, 42, 66, 67}, 576, "U-Boot", std::nullopt, false, std::nullopt, F::kAbsent,
                    "", false, false),
               "U-Boot", true, false});
  // Intel PXE 2.1 BIOS ROMs (the legacy PXE 2.1 reference client).
  r.push_back({"intel-pxe-2.1", "PXE 2.1 §2.2",
               make({1, 2, 3, 5, 6, 11, 12, 13, 15, 16, 17, 18, 43, 54, 60, 67, 128, 129, 130, 131, 132, 133, 134,
                     135},
                    1260, "PXEClient:Arch:00000:UNDI:002001", 0, true, 17, F::kAbsent, "", false, true),
               "", false, false});
  // Operating-system clients seen in captures (not ROMs).
  r.push_back({"isc-dhclient", "Debian dhclient.conf request list",
               make({1, 28, 2, 3, 15, 6, 119, 12, 44, 47, 26, 121, 42}, std::nullopt, "", std::nullopt, false,
                    std::nullopt, F::kAbsent, "", false, false),
               "", false, false});
  r.push_back({"busybox-udhcpc", "busybox networking/udhcp",
               make({1, 3, 6, 12, 15, 28, 42}, 576, "udhcp", std::nullopt, false, std::nullopt, F::kAbsent, "", false,
                    false),
               "udhcp ", true, false});
  r.push_back({"perfdhcp", "Kea perfdhcp",
               make({1, 28, 2, 3, 15, 6, 12}, std::nullopt, "", std::nullopt, false, std::nullopt, F::kAbsent, "", false,
                    false),
               "", false, true});
  return r;
}

std::string join(const std::vector<std::uint8_t>& v) {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + std::to_string(v[i]);
  return s;
}

struct Scored {
  const Reference* ref;
  double distance;
  std::string matched, differed;
};

void note(std::string& s, const std::string& what) { s += (s.empty() ? "" : ", ") + what; }

Scored score(const Identity& id, const Reference& ref) {
  Scored s{&ref, 0, {}, {}};
  const Identity& r = ref.identity;
  auto field = [&](bool same, double weight, const std::string& what) {
    if (same) {
      note(s.matched, what);
    } else {
      s.distance += weight;
      note(s.differed, what);
    }
  };
  const bool vendor_same = ref.vendor_prefix.empty() ? id.vendor_class == r.vendor_class
                                                      : id.vendor_class.rfind(ref.vendor_prefix, 0) == 0;
  field(vendor_same, 4, "60=" + (id.vendor_class.empty() ? std::string("none") : "\"" + id.vendor_class + "\""));
  if (!ref.any_prl) {
    std::vector<std::uint8_t> a = id.prl, b = r.prl;
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    std::vector<std::uint8_t> common;
    std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(common));
    const std::size_t uni = a.size() + b.size() - common.size();
    const double jaccard = uni == 0 ? 1.0 : static_cast<double>(common.size()) / static_cast<double>(uni);
    const bool same_order = id.prl == r.prl;
    s.distance += 3 * (1 - jaccard) + (same_order || jaccard < 1 ? 0 : 0.5);
    note(same_order ? s.matched : s.differed, "55=" + join(id.prl));
  }
  if (!ref.any_max_size) {
    field(id.max_size == r.max_size, 1, "57=" + (id.max_size ? std::to_string(*id.max_size) : std::string("none")));
  }
  field(id.arch == r.arch, 2, "93=" + (id.arch ? std::to_string(*id.arch) : std::string("none")));
  field(id.has_ndi == r.has_ndi, 1, id.has_ndi ? "94" : "no 94");
  field(id.machine_id_length == r.machine_id_length, 1,
        id.machine_id_length ? "97/" + std::to_string(*id.machine_id_length) : std::string("no 97"));
  field(id.user_class_form == r.user_class_form && id.user_class == r.user_class, 2,
        id.user_class_form == UserClassForm::kAbsent
            ? std::string("no 77")
            : std::string("77=") + (id.user_class_form == UserClassForm::kRaw ? "raw:" : "") + id.user_class);
  field(id.has_ipxe == r.has_ipxe, 2, id.has_ipxe ? "175" : "no 175");
  field(id.broadcast == r.broadcast, 1, id.broadcast ? "flags=0x8000" : "flags=0");
  return s;
}

}  // namespace

Identity identity_of(const DecodedTrace& d, const DhcpMsg& m) {
  Identity id;
  if (auto v = d.option(m, code::kParameterRequestList)) id.prl.assign(v->begin(), v->end());
  if (auto v = d.option(m, code::kMaxMessageSize); v && v->size() == 2) id.max_size = wire::load_be16(v->data());
  if (auto v = d.option(m, code::kVendorClassId)) {
    id.vendor_class.assign(v->begin(), v->end());
    while (!id.vendor_class.empty() && id.vendor_class.back() == '\0') id.vendor_class.pop_back();
  }
  if (auto v = d.option(m, code::kClientArch); v && v->size() >= 2) id.arch = wire::load_be16(v->data());
  id.has_ndi = d.has(m, code::kClientNdi);
  if (auto v = d.option(m, code::kClientMachineId)) id.machine_id_length = static_cast<std::uint8_t>(v->size());
  if (auto v = d.option(m, code::kUserClass); v && !v->empty()) {
    auto uc = wire::dhcp::decode_user_class(*v);
    if (uc && !uc->classes.empty()) {
      id.user_class_form = uc->form == wire::dhcp::UserClass::Form::kRaw ? UserClassForm::kRaw : UserClassForm::kRfc3004;
      id.user_class = uc->classes.front();
    }
  }
  id.has_ipxe = d.has(m, code::kIpxeEncapsulated);
  id.broadcast = m.broadcast_flag();
  id.secs = m.secs;
  return id;
}

std::vector<Reference> builtin_references() { return make_references(); }

std::vector<Reference> references_from(const client::PersonalitySet& personalities) {
  std::vector<Reference> out;
  for (const auto& [id, p] : personalities) {
    if (p.kind == client::PersonalityKind::kLoader && p.loader.start == client::LoaderStart::kCachedDhcp) continue;
    const auto& d = p.identity;
    Reference r;
    r.id = id;
    r.source = "client/personalities/" + id + ".toml";
    r.identity.prl = d.parameter_request_list;
    r.identity.max_size = d.max_message_size;
    r.identity.vendor_class = d.vendor_class.value_or("");
    r.identity.arch = d.arch;
    r.identity.has_ndi = d.ndi.has_value();
    if (d.machine_id != client::MachineIdPolicy::kNone) r.identity.machine_id_length = 17;
    if (d.user_class) {
      r.identity.user_class_form = d.user_class_raw ? UserClassForm::kRaw : UserClassForm::kRfc3004;
      r.identity.user_class = *d.user_class;
    }
    r.identity.has_ipxe = !d.ipxe_features.empty();
    r.identity.broadcast = d.broadcast;
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<Reference> default_references(std::string* note) {
  auto builtin = builtin_references();
  auto set = client::load_personalities(client::default_personality_dir());
  if (!set) {
    if (note != nullptr) *note = "personalities not loaded (" + set.error().to_string() + "); builtin references used";
    return builtin;
  }
  auto refs = references_from(*set);
  // The OS clients seen in captures are not personalities (no ROM emulates them).
  for (auto& r : builtin) {
    if (r.identity.arch || r.identity.vendor_class.rfind("PXEClient", 0) == 0 || r.id == "u-boot") continue;
    refs.push_back(std::move(r));
  }
  return refs;
}

Fingerprint fingerprint(const Identity& identity, std::span<const Reference> references) {
  Fingerprint fp;
  fp.id = "unknown";
  if (references.empty()) return fp;
  std::vector<Scored> all;
  all.reserve(references.size());
  for (const auto& r : references) all.push_back(score(identity, r));
  std::stable_sort(all.begin(), all.end(), [](const Scored& a, const Scored& b) { return a.distance < b.distance; });
  const Scored& best = all.front();
  fp.distance = best.distance;
  fp.id = best.distance <= 4.5 ? best.ref->id : "unknown (nearest " + best.ref->id + ")";
  fp.matched = best.matched;
  fp.differed = best.differed;
  if (all.size() > 1) {
    char b[32];
    std::snprintf(b, sizeof b, "%.1f", all[1].distance);
    fp.runner_up = all[1].ref->id + " at " + b;
  }
  return fp;
}

std::string describe(const Identity& id) {
  std::string s = "55=" + join(id.prl);
  if (id.max_size) s += " 57=" + std::to_string(*id.max_size);
  if (!id.vendor_class.empty()) s += " 60=\"" + id.vendor_class + "\"";
  if (id.arch) s += " 93=" + std::to_string(*id.arch);
  if (id.has_ndi) s += " 94";
  if (id.machine_id_length) s += " 97/" + std::to_string(*id.machine_id_length);
  if (id.user_class_form != UserClassForm::kAbsent) {
    s += std::string(" 77=") + (id.user_class_form == UserClassForm::kRaw ? "raw:" : "") + id.user_class;
  }
  if (id.has_ipxe) s += " 175";
  s += id.broadcast ? " flags=0x8000" : " flags=0";
  return s;
}

}  // namespace pxelab::conformance
