#include "wire/tftp.h"

#include <charconv>
#include <cstring>

#include "wire/text.h"

namespace pxelab::wire {

namespace {

// Strict decimal: digits only, no sign, no spaces, fits in uint64.
std::optional<std::uint64_t> decimal(const std::string* s) {
  if (!s || s->empty()) return std::nullopt;
  std::uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(s->data(), s->data() + s->size(), v, 10);
  if (ec != std::errc{} || ptr != s->data() + s->size()) return std::nullopt;
  return v;
}

std::optional<std::uint64_t> in_range(const std::string* s, std::uint64_t lo, std::uint64_t hi) {
  auto v = decimal(s);
  if (!v || *v < lo || *v > hi) return std::nullopt;
  return v;
}

// Reads a NUL-terminated string starting at `at`. On success advances `at` past the
// NUL. On a missing terminator returns nullopt.
std::optional<std::string_view> read_string(ByteView b, std::size_t& at) {
  const std::uint8_t* start = b.data() + at;
  const void* nul = std::memchr(start, 0, b.size() - at);
  if (!nul) return std::nullopt;
  const std::size_t len = static_cast<std::size_t>(static_cast<const std::uint8_t*>(nul) - start);
  std::string_view s(reinterpret_cast<const char*>(start), len);
  at += len + 1;
  return s;
}

Result<TftpOptions> parse_options(ByteView b, std::size_t at) {
  TftpOptions opts;
  while (at < b.size()) {
    const std::size_t name_at = at;
    auto name = read_string(b, at);
    if (!name) return make_error("tftp.option.name", name_at, "missing NUL terminator");
    if (name->empty()) return make_error("tftp.option.name", name_at, "empty option name");
    if (at >= b.size()) {
      return make_error("tftp.option.value", at, "option '" + std::string(*name) + "' has no value");
    }
    const std::size_t value_at = at;
    auto value = read_string(b, at);
    if (!value) {
      return make_error("tftp.option.value", value_at,
                        "value of option '" + std::string(*name) + "' is missing its NUL terminator");
    }
    opts.entries.push_back(TftpOption{std::string(*name), std::string(*value)});
  }
  return opts;
}

std::size_t options_size(const TftpOptions& o) {
  std::size_t n = 0;
  for (const auto& e : o.entries) n += e.name.size() + 1 + e.value.size() + 1;
  return n;
}

struct Writer {
  std::uint8_t* p;
  void be16(std::uint16_t v) {
    store_be16(p, v);
    p += 2;
  }
  void str(std::string_view s, bool terminate = true) {
    if (!s.empty()) std::memcpy(p, s.data(), s.size());
    p += s.size();
    if (terminate) *p++ = 0;
  }
  void bytes(ByteView v) {
    if (!v.empty()) std::memcpy(p, v.data(), v.size());
    p += v.size();
  }
  // Options; the last string is unterminated if `cut_last`.
  void options(const TftpOptions& o, bool cut_last) {
    for (std::size_t i = 0; i < o.entries.size(); ++i) {
      str(o.entries[i].name);
      str(o.entries[i].value, !(cut_last && i + 1 == o.entries.size()));
    }
  }
};

}  // namespace

const std::string* TftpOptions::find(std::string_view name) const {
  for (const auto& e : entries) {
    if (iequals(e.name, name)) return &e.value;
  }
  return nullptr;
}

void TftpOptions::set(std::string_view name, std::string value) {
  for (auto& e : entries) {
    if (iequals(e.name, name)) {
      e.value = std::move(value);
      return;
    }
  }
  entries.push_back(TftpOption{std::string(name), std::move(value)});
}

std::optional<std::uint16_t> TftpOptions::blksize() const {
  auto v = in_range(find("blksize"), 8, 65464);
  if (!v) return std::nullopt;
  return static_cast<std::uint16_t>(*v);
}

std::optional<std::uint8_t> TftpOptions::timeout() const {
  auto v = in_range(find("timeout"), 1, 255);
  if (!v) return std::nullopt;
  return static_cast<std::uint8_t>(*v);
}

std::optional<std::uint64_t> TftpOptions::tsize() const { return decimal(find("tsize")); }

std::optional<std::uint16_t> TftpOptions::windowsize() const {
  auto v = in_range(find("windowsize"), 1, 65535);
  if (!v) return std::nullopt;
  return static_cast<std::uint16_t>(*v);
}

bool TftpData::operator==(const TftpData& o) const {
  return block == o.block && data.size() == o.data.size() &&
         (data.empty() || std::memcmp(data.data(), o.data.data(), data.size()) == 0);
}

TftpOpcode opcode_of(const TftpPacket& p) {
  struct Visitor {
    TftpOpcode operator()(const TftpRequest& r) const { return r.opcode; }
    TftpOpcode operator()(const TftpData&) const { return TftpOpcode::kData; }
    TftpOpcode operator()(const TftpAck&) const { return TftpOpcode::kAck; }
    TftpOpcode operator()(const TftpError&) const { return TftpOpcode::kError; }
    TftpOpcode operator()(const TftpOack&) const { return TftpOpcode::kOack; }
  };
  return std::visit(Visitor{}, p);
}

std::string_view to_string(TftpOpcode op) {
  switch (op) {
    case TftpOpcode::kRrq: return "RRQ";
    case TftpOpcode::kWrq: return "WRQ";
    case TftpOpcode::kData: return "DATA";
    case TftpOpcode::kAck: return "ACK";
    case TftpOpcode::kError: return "ERROR";
    case TftpOpcode::kOack: return "OACK";
  }
  return "?";
}

Result<TftpPacket> parse_tftp(ByteView b) {
  if (b.size() < 2) return make_error("tftp.opcode", 0, "packet of " + std::to_string(b.size()) + " bytes has no opcode");
  const std::uint16_t op = load_be16(b.data());
  switch (static_cast<TftpOpcode>(op)) {
    case TftpOpcode::kRrq:
    case TftpOpcode::kWrq: {
      TftpRequest r;
      r.opcode = static_cast<TftpOpcode>(op);
      std::size_t at = 2;
      auto filename = read_string(b, at);
      if (!filename) return make_error("tftp.filename", 2, "missing NUL terminator");
      if (filename->empty()) return make_error("tftp.filename", 2, "empty filename");
      const std::size_t mode_at = at;
      auto mode = read_string(b, at);
      if (!mode) return make_error("tftp.mode", mode_at, "missing (or unterminated) transfer mode");
      if (mode->empty()) return make_error("tftp.mode", mode_at, "empty transfer mode");
      r.filename = std::string(*filename);
      r.mode = std::string(*mode);
      auto opts = parse_options(b, at);
      if (!opts) return opts.error();
      r.options = std::move(*opts);
      return TftpPacket(std::move(r));
    }
    case TftpOpcode::kData:
      if (b.size() < 4) return make_error("tftp.block", 2, "DATA without a block number");
      return TftpPacket(TftpData{load_be16(b.data() + 2), b.subspan(4)});
    case TftpOpcode::kAck:
      if (b.size() < 4) return make_error("tftp.block", 2, "ACK without a block number");
      if (b.size() > 4) return make_error("tftp.packet", 4, std::to_string(b.size() - 4) + " bytes after the ACK");
      return TftpPacket(TftpAck{load_be16(b.data() + 2)});
    case TftpOpcode::kError: {
      if (b.size() < 4) return make_error("tftp.error_code", 2, "ERROR without an error code");
      std::size_t at = 4;
      auto msg = read_string(b, at);
      if (!msg) return make_error("tftp.error_message", 4, "missing NUL terminator");
      if (at != b.size()) {
        return make_error("tftp.packet", at, std::to_string(b.size() - at) + " bytes after the error message");
      }
      return TftpPacket(TftpError{load_be16(b.data() + 2), std::string(*msg)});
    }
    case TftpOpcode::kOack: {
      auto opts = parse_options(b, 2);
      if (!opts) return opts.error();
      return TftpPacket(TftpOack{std::move(*opts)});
    }
  }
  return make_error("tftp.opcode", 0, "unknown opcode " + std::to_string(op));
}

std::size_t tftp_size(const TftpPacket& p, const TftpFaults& faults) {
  const std::size_t cut = faults.unterminated_last_string ? 1 : 0;
  struct Visitor {
    std::size_t cut;
    std::size_t operator()(const TftpRequest& r) const {
      const std::size_t opts = options_size(r.options);
      return 2 + r.filename.size() + 1 + r.mode.size() + 1 + opts - cut;
    }
    std::size_t operator()(const TftpData& d) const { return 4 + d.data.size(); }
    std::size_t operator()(const TftpAck&) const { return 4; }
    std::size_t operator()(const TftpError& e) const { return 4 + e.message.size() + 1 - cut; }
    std::size_t operator()(const TftpOack& o) const {
      const std::size_t n = options_size(o.options);
      return 2 + (n > 0 ? n - cut : 0);
    }
  };
  return std::visit(Visitor{cut}, p);
}

std::size_t emit_tftp(const TftpPacket& p, MutableByteView out, const TftpFaults& faults) {
  const std::size_t n = tftp_size(p, faults);
  if (out.size() < n) return 0;
  const bool cut = faults.unterminated_last_string;
  Writer w{out.data()};
  w.be16(static_cast<std::uint16_t>(opcode_of(p)));
  if (const auto* r = std::get_if<TftpRequest>(&p)) {
    w.str(r->filename);
    w.str(r->mode, !(cut && r->options.empty()));
    w.options(r->options, cut);
  } else if (const auto* d = std::get_if<TftpData>(&p)) {
    w.be16(d->block);
    w.bytes(d->data);
  } else if (const auto* a = std::get_if<TftpAck>(&p)) {
    w.be16(a->block);
  } else if (const auto* e = std::get_if<TftpError>(&p)) {
    w.be16(e->code);
    w.str(e->message, !cut);
  } else if (const auto* o = std::get_if<TftpOack>(&p)) {
    w.options(o->options, cut);
  }
  return n;
}

Bytes encode_tftp(const TftpPacket& p, const TftpFaults& faults) {
  Bytes out(tftp_size(p, faults));
  emit_tftp(p, out, faults);
  return out;
}

}  // namespace pxelab::wire
