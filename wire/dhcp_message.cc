#include "wire/dhcp_message.h"

#include <algorithm>
#include <cstring>

namespace pxelab::wire::dhcp {
namespace {

const char* area_name(OptionArea area) {
  switch (area) {
    case OptionArea::kFile: return "file";
    case OptionArea::kSname: return "sname";
    case OptionArea::kOptions: break;
  }
  return "options";
}

std::string option_field(std::uint8_t code) { return "dhcp.option[" + std::to_string(code) + "]"; }

// Scans one area [begin, end) of the message, appending instances.
Status scan_area(ByteView b, OptionArea area, std::size_t begin, std::size_t end, const ParseOptions& options,
                 OptionScan& scan) {
  std::size_t i = begin;
  bool ended = false;
  while (i < end) {
    std::uint8_t c = b[i];
    if (c == code::kPad) {
      ++i;
      continue;
    }
    if (c == code::kEnd) {
      ended = true;  // what follows END is padding; RFC 2131 does not constrain it
      break;
    }
    if (i + 1 >= end) return make_error(option_field(c) + ".length", i + 1, "option has no length octet");
    std::size_t len = b[i + 1];
    if (i + 2 + len > end) {
      return make_error(option_field(c) + ".length", i + 1,
                        std::to_string(len) + " octets run past the end of the " + area_name(area) + " field (" +
                            std::to_string(end - i - 2) + " left)");
    }
    if (c == code::kOverload && area != OptionArea::kOptions) {
      return make_error(option_field(c), i, std::string("option overload inside the ") + area_name(area) +
                                                " field (RFC 2131 §4.1: it belongs in options)");
    }
    scan.instances.push_back(OptionInstance{c, area, i, b.subspan(i + 2, len)});
    i += 2 + len;
  }
  if (!ended) {
    if (options.require_end) {
      return make_error(std::string("dhcp.") + area_name(area) + ".end", end,
                        std::string("the ") + area_name(area) + " field has no END option (255)");
    }
    scan.end_missing = true;
  }
  return Ok{};
}

std::string c_string(ByteView field) {
  auto nul = std::find(field.begin(), field.end(), std::uint8_t{0});
  return std::string(field.begin(), nul);
}

}  // namespace

Result<MessageView> MessageView::make(ByteView bytes) {
  if (bytes.size() < kFixedHeaderSize) {
    return make_error("dhcp.header", bytes.size(),
                      std::to_string(bytes.size()) + " octets; a BOOTP message has at least 236");
  }
  return MessageView(bytes);
}

Result<OptionScan> scan_options(const MessageView& view, const ParseOptions& options) {
  if (!view.has_magic_cookie()) {
    return make_error("dhcp.magic_cookie", kFixedHeaderSize, "the vendor area does not start with 99.130.83.99");
  }
  ByteView b = view.bytes();
  OptionScan scan;
  if (auto s = scan_area(b, OptionArea::kOptions, kOptionsOffset, b.size(), options, scan); !s) return s.error();

  // Option 52 is read from the options field before file and sname (RFC 2131 §4.1).
  std::size_t overload_length = 0;
  const OptionInstance* first52 = nullptr;
  for (const auto& in : scan.instances) {
    if (in.code != code::kOverload) continue;
    if (first52 == nullptr) first52 = &in;
    overload_length += in.data.size();
  }
  if (first52 != nullptr) {
    if (overload_length != 1) {
      return make_error(option_field(code::kOverload) + ".length", first52->offset + 1,
                        std::to_string(overload_length) + " octets, dhcp-option-overload needs 1");
    }
    // The one octet may sit in any of the (possibly empty) instances.
    std::uint8_t value = 0;
    for (const auto& in : scan.instances) {
      if (in.code == code::kOverload && !in.data.empty()) value = in.data[0];
    }
    if (value < 1 || value > 3) {
      return make_error(option_field(code::kOverload) + ".value", first52->offset + 2,
                        std::to_string(value) + " is not 1 (file), 2 (sname) or 3 (both)");
    }
    scan.overload = value;
  }
  if (scan.overload & 1) {
    if (auto s = scan_area(b, OptionArea::kFile, kFileOffset, kFileOffset + kFileSize, options, scan); !s) {
      return s.error();
    }
  }
  if (scan.overload & 2) {
    if (auto s = scan_area(b, OptionArea::kSname, kSnameOffset, kSnameOffset + kSnameSize, options, scan); !s) {
      return s.error();
    }
  }
  return scan;
}

const Option* Message::find(std::uint8_t c) const {
  for (const auto& o : options) {
    if (o.code == c) return &o;
  }
  return nullptr;
}

void Message::set(std::uint8_t c, Bytes data) {
  for (auto& o : options) {
    if (o.code == c) {
      o.data = std::move(data);
      return;
    }
  }
  options.push_back(Option{c, std::move(data)});
}

void Message::remove(std::uint8_t c) {
  std::erase_if(options, [c](const Option& o) { return o.code == c; });
}

MacAddress Message::mac() const {
  MacAddress m;
  std::copy_n(chaddr.begin(), 6, m.octets.begin());
  return m;
}

void Message::set_mac(MacAddress m) {
  htype = 1;
  hlen = 6;
  chaddr.fill(0);
  std::copy(m.octets.begin(), m.octets.end(), chaddr.begin());
}

Result<Message> parse(ByteView bytes, const ParseOptions& options) {
  auto view_or = MessageView::make(bytes);
  if (!view_or) return view_or.error();
  const MessageView& v = *view_or;

  Message m;
  m.op = v.op();
  m.htype = v.htype();
  m.hlen = v.hlen();
  m.hops = v.hops();
  m.xid = v.xid();
  m.secs = v.secs();
  m.flags = v.flags();
  m.ciaddr = v.ciaddr();
  m.yiaddr = v.yiaddr();
  m.siaddr = v.siaddr();
  m.giaddr = v.giaddr();
  std::copy_n(v.chaddr().begin(), 16, m.chaddr.begin());

  if (!v.has_magic_cookie()) {
    ByteView vendor = v.vendor_area();
    bool all_zero = std::all_of(vendor.begin(), vendor.end(), [](std::uint8_t x) { return x == 0; });
    if (!all_zero && !options.accept_vendor_specific_area) {
      std::string what = vendor.size() < 4 ? std::to_string(vendor.size()) + " octets of vendor area"
                                           : "the vendor area";
      return make_error("dhcp.magic_cookie", kFixedHeaderSize,
                        what + " do not start with the magic cookie 99.130.83.99 (RFC 1497) and are not zero");
    }
    // RFC 951 BOOTP: the vendor area is left to the vendor, or zero.
    m.vendor_format = VendorFormat::kRaw;
    m.vendor_raw.assign(vendor.begin(), vendor.end());
    m.sname = c_string(v.sname());
    m.file = c_string(v.file());
    return m;
  }

  auto scan_or = scan_options(v, options);
  if (!scan_or) return scan_or.error();
  const OptionScan& scan = *scan_or;
  m.sname = (scan.overload & 2) ? std::string() : c_string(v.sname());
  m.file = (scan.overload & 1) ? std::string() : c_string(v.file());

  // RFC 3396 §7: instances of one code are concatenated in reading order.
  std::array<std::int16_t, 256> index;
  std::array<std::size_t, 256> first_offset{};
  index.fill(-1);
  for (const auto& in : scan.instances) {
    if (in.code == code::kOverload) continue;
    if (index[in.code] < 0) {
      index[in.code] = static_cast<std::int16_t>(m.options.size());
      first_offset[in.code] = in.offset;
      m.options.push_back(Option{in.code, {}});
    }
    append(m.options[static_cast<std::size_t>(index[in.code])].data, in.data);
  }
  if (options.check_option_lengths) {
    for (const auto& o : m.options) {
      if (auto s = validate_option_length(o.code, o.data.size(), first_offset[o.code] + 1); !s) return s.error();
    }
  }
  return m;
}

namespace {

// Where emit() may place options, in RFC 2131 §4.1 reading order.
struct Area {
  OptionArea which;
  std::size_t begin;  // first octet for options
  std::size_t limit;  // one past the last octet usable by options (END follows)
  std::size_t pos;    // next free octet
  bool used = false;
};

Status write_field(Bytes& out, std::size_t offset, std::size_t size, const std::string& value, bool unterminated,
                   const char* field) {
  if (value.size() > size) {
    return make_error(field, offset, std::to_string(value.size()) + " octets do not fit the " +
                                         std::to_string(size) + "-octet field");
  }
  std::memcpy(out.data() + offset, value.data(), value.size());
  if (unterminated) std::fill(out.begin() + static_cast<std::ptrdiff_t>(offset + value.size()),
                              out.begin() + static_cast<std::ptrdiff_t>(offset + size), std::uint8_t{0xff});
  return Ok{};
}

// Writes one option into the areas from `current` on: whole into the first area
// where all its instances fit; when it fits in none, split across areas, filling
// each in turn (RFC 3396 §5 allows instances in any of the three fields).
bool place_option(Bytes& out, std::span<Area> areas, std::size_t& current, const Option& o,
                  std::size_t& first_instance_offset) {
  std::size_t whole = encoded_option_size(o.data.size());
  for (std::size_t a = current; a < areas.size(); ++a) {
    Area& area = areas[a];
    if (area.limit - area.pos < whole) continue;
    Bytes tmp;
    tmp.reserve(whole);
    append_option_instances(tmp, o.code, o.data);
    std::copy(tmp.begin(), tmp.end(), out.begin() + static_cast<std::ptrdiff_t>(area.pos));
    first_instance_offset = area.pos;
    area.pos += whole;
    area.used = true;
    current = a;
    return true;
  }
  ByteView rest = o.data;
  bool first = true;
  for (std::size_t a = current; a < areas.size(); ++a) {
    Area& area = areas[a];
    while (area.limit - area.pos >= 3 && (first || !rest.empty())) {
      std::size_t chunk = std::min({rest.size(), std::size_t{255}, area.limit - area.pos - 2});
      if (first) first_instance_offset = area.pos;
      out[area.pos] = o.code;
      out[area.pos + 1] = static_cast<std::uint8_t>(chunk);
      std::copy_n(rest.begin(), chunk, out.begin() + static_cast<std::ptrdiff_t>(area.pos + 2));
      area.pos += 2 + chunk;
      area.used = true;
      rest = rest.subspan(chunk);
      first = false;
    }
    if (!first && rest.empty()) {
      current = a;
      return true;
    }
  }
  return false;
}

// The magic cookie and the options after the fixed header, spilling into file and
// sname (option 52, RFC 2131 §4.1) when they do not fit in limit and allowed; the
// malformations of eo applied.
Status emit_options(Bytes& out, const Message& m, const EmitOptions& eo, std::size_t limit) {
  const bool unterminated_file = has_malformation(eo.malformations, Malformation::kUnterminatedFile);
  const bool unterminated_sname = has_malformation(eo.malformations, Malformation::kUnterminatedSname);
  append_be32(out, has_malformation(eo.malformations, Malformation::kBadMagicCookie) ? kMagicCookie + 1
                                                                                      : kMagicCookie);
  std::size_t total = 0;
  for (const auto& o : m.options) total += encoded_option_size(o.data.size());
  const bool fits = kOptionsOffset + total + 1 <= limit;
  const bool file_free = m.file.empty() && !unterminated_file;
  const bool sname_free = m.sname.empty() && !unterminated_sname;
  const bool overload = !fits && eo.allow_overload && (file_free || sname_free);
  if (!fits && !overload) {
    return make_error("dhcp.options", kOptionsOffset,
                      std::to_string(total + 1) + " octets of options do not fit in a " + std::to_string(limit) +
                          "-octet message" + (eo.allow_overload ? " (file and sname are in use)" : ""));
  }

  // Lay out with room reserved for END in each area (and 52 first in options).
  const std::size_t main_begin = kOptionsOffset + (overload ? 3 : 0);
  const std::size_t main_limit = overload ? limit - 1 : kOptionsOffset + total;
  out.resize(main_limit + 1, 0);
  std::array<Area, 3> areas_storage{};
  std::size_t n_areas = 0;
  areas_storage[n_areas++] = Area{OptionArea::kOptions, main_begin, main_limit, main_begin};
  if (overload && file_free) {
    areas_storage[n_areas++] = Area{OptionArea::kFile, kFileOffset, kFileOffset + kFileSize - 1, kFileOffset};
  }
  if (overload && sname_free) {
    areas_storage[n_areas++] =
        Area{OptionArea::kSname, kSnameOffset, kSnameOffset + kSnameSize - 1, kSnameOffset};
  }
  std::span<Area> areas(areas_storage.data(), n_areas);
  std::size_t current = 0;
  std::size_t wrong_length_at = 0;
  bool wrong_length_found = false;
  for (const auto& o : m.options) {
    std::size_t first_offset = 0;
    if (!place_option(out, areas, current, o, first_offset)) {
      return make_error(option_field(o.code), kOptionsOffset,
                        std::to_string(o.data.size()) + " octets do not fit in the " + std::to_string(limit) +
                            "-octet message, even with option overload");
    }
    if (!wrong_length_found && o.code == eo.wrong_length_code) {
      wrong_length_at = first_offset;
      wrong_length_found = true;
    }
  }
  std::uint8_t overload_value = 0;
  for (const auto& a : areas) {
    if (!a.used || a.which == OptionArea::kOptions) continue;
    overload_value |= a.which == OptionArea::kFile ? 1 : 2;
    // RFC 2131 §4.1: each overloaded field ends with END
    if (!has_malformation(eo.malformations, Malformation::kOverloadMissingEnd)) out[a.pos] = code::kEnd;
  }
  if (overload) {
    out[kOptionsOffset] = code::kOverload;
    out[kOptionsOffset + 1] = 1;
    out[kOptionsOffset + 2] = overload_value;
  }
  const std::size_t main_end = areas[0].pos;
  out.resize(main_end);
  if (!has_malformation(eo.malformations, Malformation::kMissingEnd)) out.push_back(code::kEnd);
  if (wrong_length_found && has_malformation(eo.malformations, Malformation::kWrongOptionLength)) {
    out[wrong_length_at + 1] = eo.wrong_length_value;
  }
  return Ok{};
}

}  // namespace

Result<Bytes> emit(const Message& m, const EmitOptions& eo) {
  const bool unterminated_file = has_malformation(eo.malformations, Malformation::kUnterminatedFile);
  const bool unterminated_sname = has_malformation(eo.malformations, Malformation::kUnterminatedSname);
  if (eo.max_message_size < kIpUdpOverhead + kOptionsOffset + 1) {
    return make_error("dhcp.max_message_size", 0,
                      std::to_string(eo.max_message_size) + " leaves no room for options (needs 269)");
  }
  const std::size_t limit = eo.max_message_size - kIpUdpOverhead;

  Bytes out(kFixedHeaderSize, 0);
  out[kOpOffset] = m.op;
  out[kHtypeOffset] = m.htype;
  out[kHlenOffset] = m.hlen;
  out[kHopsOffset] = m.hops;
  store_be32(&out[kXidOffset], m.xid);
  store_be16(&out[kSecsOffset], m.secs);
  store_be16(&out[kFlagsOffset], m.flags);
  store_be32(&out[kCiaddrOffset], m.ciaddr.value);
  store_be32(&out[kYiaddrOffset], m.yiaddr.value);
  store_be32(&out[kSiaddrOffset], m.siaddr.value);
  store_be32(&out[kGiaddrOffset], m.giaddr.value);
  std::copy(m.chaddr.begin(), m.chaddr.end(), out.begin() + kChaddrOffset);
  if (auto s = write_field(out, kSnameOffset, kSnameSize, m.sname, unterminated_sname, "dhcp.sname"); !s) {
    return s.error();
  }
  if (auto s = write_field(out, kFileOffset, kFileSize, m.file, unterminated_file, "dhcp.file"); !s) {
    return s.error();
  }

  if (m.vendor_format == VendorFormat::kRaw) {
    if (!m.options.empty()) {
      return make_error("dhcp.options", kFixedHeaderSize, "options need the magic cookie (vendor_format is raw)");
    }
    if (kFixedHeaderSize + m.vendor_raw.size() > limit) {
      return make_error("dhcp.vendor", kFixedHeaderSize,
                        std::to_string(m.vendor_raw.size()) + " octets of vendor area do not fit in a " +
                            std::to_string(limit) + "-octet message");
    }
    append(out, m.vendor_raw);
  } else {
    if (auto st = emit_options(out, m, eo, limit); !st) return st.error();
  }
  if (eo.pad_to_bootp_minimum && out.size() < kBootpMinimumSize) out.resize(kBootpMinimumSize, 0);
  if (has_malformation(eo.malformations, Malformation::kTruncated) && eo.truncate_to < out.size()) {
    out.resize(eo.truncate_to);
  }
  return out;
}

}  // namespace pxelab::wire::dhcp
