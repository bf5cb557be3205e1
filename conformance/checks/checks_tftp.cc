// TFTP server checks (RFC 1350, RFC 1123 §4.2.3.1, RFC 2347-2349, RFC 7440) and
// what firmware needs from TFTP servers (FW-25, FW-42, FW-43).
#include <algorithm>
#include <cctype>
#include <string_view>

#include "conformance/checks/check_util.h"
#include "conformance/checks/checks.h"
#include "wire/text.h"

namespace pxelab::conformance::checks {

using namespace util;

namespace {

constexpr sim::Time kMs = 1'000'000;

std::optional<std::uint64_t> number(const std::string* v) {
  if (v == nullptr || v->empty() || v->size() > 18) return std::nullopt;
  std::uint64_t n = 0;
  for (char c : *v) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return n;
}

const TftpMsg& msg(const Analysis& a, std::uint32_t i) { return a.d().tftp[i]; }
std::span<const std::uint32_t> messages(const Analysis& a, const TftpTransfer& t) {
  return a.d().transfers[t.raw].messages;
}

template <class Fn>
void for_each_oack(const Analysis& a, Fn&& fn) {
  for (const auto& t : a.g().transfers) {
    if (t.oack) fn(t, *t.oack);
  }
}

}  // namespace

void tftp_new_tid(const Analysis& a, Judge& j) {
  for (const auto& t : a.g().transfers) {
    const auto& raw = a.d().transfers[t.raw];
    if (raw.server_tid == 0) continue;
    j.judge();
    if (raw.server_tid == wire::kTftpServerPort) {
      fail(j, a, t, {raw.request_frame}, "the server answered from port 69; it must choose a new TID (port)");
    }
    for (std::uint32_t i : raw.messages) {
      if (msg(a, i).foreign_tid) {
        fail(j, a, t, {msg(a, i).frame}, "the server sent from port " + std::to_string(a.frame(msg(a, i).frame).src_port) +
                                             " after choosing TID " + std::to_string(raw.server_tid));
        break;
      }
    }
  }
}

void tftp_last_block(const Analysis& a, Judge& j) {
  const sim::Time trace_end = a.d().frames.empty() ? 0 : a.d().frames.back().time;
  for (const auto& t : a.g().transfers) {
    if (t.write || t.blocks == 0) continue;
    j.judge();
    bool short_seen = false;
    std::uint16_t last = 0;
    std::uint64_t blocks = 0;
    std::int32_t last_ack_frame = kNone;
    std::uint16_t last_ack = 0;
    bool acked_last_full = false;
    for (std::uint32_t i : messages(a, t)) {
      const TftpMsg& m = msg(a, i);
      if (m.error != kNone || m.other_tid) continue;
      if (m.opcode == wire::TftpOpcode::kData && m.from_server) {
        const bool fresh = blocks == 0 ? m.number == 1 : m.number == static_cast<std::uint16_t>(last + 1);
        if (!fresh) continue;
        if (short_seen) {
          fail(j, a, t, {m.frame}, "DATA " + std::to_string(m.number) + " after a short block had ended the transfer");
          break;
        }
        ++blocks;
        last = m.number;
        if (m.data_size < t.blksize) short_seen = true;
      } else if (m.opcode == wire::TftpOpcode::kAck && !m.from_server) {
        // The first ACK of a block: the server had from then on to send the next one
        // (a client's retransmitted ACKs do not restart the clock).
        if (last_ack_frame == kNone || m.number != last_ack) last_ack_frame = static_cast<std::int32_t>(m.frame);
        last_ack = m.number;
      }
    }
    // An ERROR ends the transfer early, unless it is the client giving up 5 s or more
    // after it acknowledged the last full block (it waited for the 0-octet DATA), or
    // the server's ERROR 5 to a repeated ACK of that block (it had already closed).
    const sim::Time ack_time = last_ack_frame == kNone ? 0 : a.frame(static_cast<std::uint32_t>(last_ack_frame)).time;
    bool server_closed = false;
    for (std::uint32_t i : messages(a, t)) {
      const TftpMsg& m = msg(a, i);
      if (m.frame == static_cast<std::uint32_t>(t.error_frame)) {
        server_closed = m.from_server && m.opcode == wire::TftpOpcode::kError && m.number == 5;
      }
    }
    const bool error_excuses = t.error_frame != kNone && !server_closed &&
                               a.frame(static_cast<std::uint32_t>(t.error_frame)).time - ack_time < 5'000 * kMs;
    acked_last_full = !short_seen && blocks > 0 && last_ack == last && !error_excuses;
    if (acked_last_full && last_ack_frame != kNone && (server_closed || trace_end - ack_time >= 5'000 * kMs)) {
      fail(j, a, t, {static_cast<std::uint64_t>(last_ack_frame)},
           "the file ended on a full " + std::to_string(t.blksize) + "-octet block and no 0-octet DATA followed " +
               (server_closed ? std::string("(the server answered a repeated ACK with ERROR 5: it had closed)")
                              : std::string("within 5 s of its ACK")));
    }
  }
}

void tftp_no_sorcerer(const Analysis& a, Judge& j) {
  for (const auto& t : a.g().transfers) {
    if (t.write || t.windowsize > 1) continue;
    std::uint16_t prev_ack = 0;
    bool have_ack = false, judged = false;
    std::uint32_t first_ack_frame = 0;  // the first ACK of prev_ack
    sim::Time dup_time = -1;
    std::uint16_t dup_block = 0;
    std::uint32_t dup_frame = 0;
    for (std::uint32_t i : messages(a, t)) {
      const TftpMsg& m = msg(a, i);
      if (m.error != kNone) continue;
      if (m.opcode == wire::TftpOpcode::kAck && !m.from_server) {
        if (have_ack && m.number == prev_ack) {
          if (!judged) j.judge();
          judged = true;
          dup_time = a.frame(m.frame).time;
          dup_block = m.number;
          dup_frame = m.frame;
        } else {
          first_ack_frame = m.frame;
        }
        prev_ack = m.number;
        have_ack = true;
      } else if (m.opcode == wire::TftpOpcode::kData && m.from_server && dup_time >= 0) {
        if (m.number == static_cast<std::uint16_t>(dup_block + 1) && a.frame(m.frame).time - dup_time < 200 * kMs) {
          // DATA dup_block+1 sent already since the first ACK of dup_block (before or
          // after the duplicate reached the wire)? Then this one is the apprentice's echo.
          bool sent_before = false;
          for (std::uint32_t k : messages(a, t)) {
            const TftpMsg& p = msg(a, k);
            if (p.frame >= m.frame) break;
            sent_before |= p.frame > first_ack_frame && p.opcode == wire::TftpOpcode::kData && p.from_server &&
                           p.number == m.number && p.error == kNone;
          }
          if (sent_before) {
            fail(j, a, t, {dup_frame, m.frame}, "a duplicate ACK " + std::to_string(dup_block) +
                                                    " made the server resend DATA " + std::to_string(m.number) +
                                                    " at once (sorcerer's apprentice)");
            break;
          }
          continue;  // the answer to the first ACK; an echo may follow
        }
        dup_time = -1;
      }
    }
  }
}

void tftp_oack_only_asked(const Analysis& a, Judge& j) {
  for_each_oack(a, [&](const TftpTransfer& t, const wire::TftpOptions& o) {
    j.judge();
    auto frame = static_cast<std::uint64_t>(t.oack_frame);
    if (o.entries.empty()) fail(j, a, t, {frame}, "an OACK with no options; with none accepted the server sends DATA 1");
    for (const auto& e : o.entries) {
      if (t.requested.find(e.name) == nullptr) fail(j, a, t, {frame}, "OACK holds '" + e.name + "', which the request did not ask for");
    }
  });
}

void tftp_blksize(const Analysis& a, Judge& j) {
  for_each_oack(a, [&](const TftpTransfer& t, const wire::TftpOptions& o) {
    const std::string* v = o.find("blksize");
    if (v == nullptr) return;
    j.judge();
    auto got = number(v);
    auto asked = number(t.requested.find("blksize"));
    auto frame = static_cast<std::uint64_t>(t.oack_frame);
    if (!got || *got < 8 || *got > 65464) {
      fail(j, a, t, {frame}, "OACK blksize '" + *v + "' is outside 8-65464");
    } else if (asked && *got > *asked) {
      fail(j, a, t, {frame}, "OACK blksize " + *v + " exceeds the requested " + std::to_string(*asked));
    }
  });
}

void tftp_tsize(const Analysis& a, Judge& j) {
  for_each_oack(a, [&](const TftpTransfer& t, const wire::TftpOptions& o) {
    const std::string* v = o.find("tsize");
    if (v == nullptr || t.write) return;
    // The true size: this transfer's, or a later complete one of the same file by the
    // same client (a tsize probe, FW-23).
    std::optional<std::uint64_t> size;
    if (t.end == TransferEnd::kComplete) size = t.bytes;
    for (const auto& u : a.g().transfers) {
      if (!size && &u != &t && u.client == t.client && u.filename == t.filename && u.end == TransferEnd::kComplete) {
        size = u.bytes;
      }
    }
    if (!size) return;
    j.judge();
    auto got = number(v);
    if (!got || *got != *size) {
      fail(j, a, t, {static_cast<std::uint64_t>(t.oack_frame)},
           "OACK tsize " + *v + ", but the file is " + std::to_string(*size) + " octets");
    }
  });
}

void tftp_timeout(const Analysis& a, Judge& j) {
  for_each_oack(a, [&](const TftpTransfer& t, const wire::TftpOptions& o) {
    const std::string* v = o.find("timeout");
    if (v == nullptr) return;
    j.judge();
    auto got = number(v);
    const std::string* asked = t.requested.find("timeout");
    auto frame = static_cast<std::uint64_t>(t.oack_frame);
    if (!got || *got < 1 || *got > 255) {
      fail(j, a, t, {frame}, "OACK timeout '" + *v + "' is outside 1-255");
    } else if (asked != nullptr && number(asked) != got) {
      fail(j, a, t, {frame}, "OACK timeout " + *v + " differs from the requested " + *asked + " (must be echoed)");
    }
  });
}

void tftp_window(const Analysis& a, Judge& j) {
  for_each_oack(a, [&](const TftpTransfer& t, const wire::TftpOptions& o) {
    const std::string* v = o.find("windowsize");
    if (v == nullptr) return;
    j.judge();
    auto got = number(v);
    auto asked = number(t.requested.find("windowsize"));
    auto frame = static_cast<std::uint64_t>(t.oack_frame);
    if (!got || *got < 1 || *got > 65535) {
      fail(j, a, t, {frame}, "OACK windowsize '" + *v + "' is outside 1-65535");
    } else if (asked && *got > *asked) {
      fail(j, a, t, {frame}, "OACK windowsize " + *v + " exceeds the requested " + std::to_string(*asked));
    }
  });
}

void tftp_oack_format(const Analysis& a, Judge& j) {
  for (const auto& m : a.d().tftp) {
    if (!m.from_server) continue;
    auto p = a.d().payload(m.frame);
    if (p.size() < 2 || wire::load_be16(p.data()) != static_cast<std::uint16_t>(wire::TftpOpcode::kOack)) continue;
    j.judge();
    if (m.error != kNone) {
      const auto& e = a.d().errors[static_cast<std::size_t>(m.error)];
      std::string text = "OACK is not name\\0value\\0 pairs: " + e.field + ": " + e.message;
      if (m.transfer == kNone) {
        j.fail(a.frame(m.frame).dst_mac, "", {m.frame}, text);
      } else {
        fail(j, a, a.g().transfers[static_cast<std::size_t>(m.transfer)], {m.frame}, text);
      }
    }
  }
}

void tftp_error_final(const Analysis& a, Judge& j) {
  for (const auto& t : a.g().transfers) {
    if (t.error_frame == kNone) continue;
    j.judge();
    const sim::Time at = a.frame(static_cast<std::uint32_t>(t.error_frame)).time;
    for (std::uint32_t i : messages(a, t)) {
      const TftpMsg& m = msg(a, i);
      if (m.frame <= static_cast<std::uint32_t>(t.error_frame) || !m.from_server || m.error != kNone) continue;
      if (m.other_tid) continue;  // the other transfer of a repeated request (RFC 1350 §4)
      // Packets already in flight when a client's ERROR left are not the server's fault.
      if (!t.error_from_server && a.frame(m.frame).time - at < 50 * kMs) continue;
      const bool again = m.opcode == wire::TftpOpcode::kError;
      fail(j, a, t, {static_cast<std::uint64_t>(t.error_frame), m.frame},
           std::string(again ? "the ERROR was retransmitted" : "the server sent ") +
               (again ? "" : std::string(wire::to_string(m.opcode))) + " after the ERROR that ended the transfer");
      break;
    }
  }
}

void tftp_rollover(const Analysis& a, Judge& j) {
  for (const auto& t : a.g().transfers) {
    if (t.write) continue;
    bool at_top = false;
    for (std::uint32_t i : messages(a, t)) {
      const TftpMsg& m = msg(a, i);
      if (m.error != kNone || m.opcode != wire::TftpOpcode::kData || !m.from_server) continue;
      if (m.number == 65535) {
        at_top = true;
        continue;
      }
      if (!at_top) continue;
      j.judge();
      if (m.number != 0 && m.number != 1) {
        fail(j, a, t, {m.frame}, "after block 65535 came block " + std::to_string(m.number) + " (expected 0 or 1)");
      }
      break;
    }
  }
}

void tftp_path(const Analysis& a, Judge& j) {
  for (const auto& t : a.g().transfers) {
    std::string_view f = t.filename;
    bool dotdot = false;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= f.size(); ++i) {
      if (i == f.size() || f[i] == '/' || f[i] == '\\') {
        dotdot |= f.substr(start, i - start) == "..";
        start = i + 1;
      }
    }
    if (!dotdot) continue;
    j.judge();
    if (t.blocks > 0 || t.oack) {
      fail(j, a, t, {a.d().transfers[t.raw].request_frame},
           "a request with '..' was served (" + std::to_string(t.bytes) + " octets): expected ERROR");
    }
  }
}

void tftp_oack_strict(const Analysis& a, Judge& j) {
  for_each_oack(a, [&](const TftpTransfer& t, const wire::TftpOptions& o) {
    j.judge();
    std::string bad;
    for (const auto& e : o.entries) {
      const std::string* asked = t.requested.find(e.name);
      if (asked == nullptr) {
        bad += " unrequested '" + e.name + "';";
      } else if ((wire::iequals(e.name, "blksize") || wire::iequals(e.name, "windowsize")) &&
                 number(&e.value) > number(asked)) {
        bad += " " + e.name + " " + e.value + " above the requested " + *asked + ";";
      } else if (wire::iequals(e.name, "timeout") && number(&e.value) != number(asked)) {
        bad += " timeout changed from " + *asked + " to " + e.value + ";";
      }
    }
    if (!bad.empty()) {
      fail(j, a, t, {static_cast<std::uint64_t>(t.oack_frame)}, "EDK2 answers this OACK with ERROR 4 (FW-25):" + bad);
    }
  });
}

void tftp_blksize_mtu(const Analysis& a, Judge& j) {
  const std::uint32_t mtu = a.run->path_mtu();
  for_each_oack(a, [&](const TftpTransfer& t, const wire::TftpOptions& o) {
    if (o.find("blksize") == nullptr) return;
    j.judge();
    // IPv4 20 + UDP 8 + TFTP 4 octets of headers around each block.
    if (t.blksize + 32 > mtu) {
      fail(j, a, t, {static_cast<std::uint64_t>(t.oack_frame)},
           "blksize " + std::to_string(t.blksize) + " needs " + std::to_string(t.blksize + 32) +
               "-octet datagrams; the path MTU is " + std::to_string(mtu) + " (FW-42)");
    }
  });
}

void tftp_dup_oack(const Analysis& a, Judge& j) {
  for (const auto& t : a.g().transfers) {
    if (t.oack_count == 0) continue;
    j.judge();
    std::int64_t prev = -1;
    sim::Time prev_time = 0;
    bool client_between = false;
    for (std::uint32_t i : messages(a, t)) {
      const TftpMsg& m = msg(a, i);
      if (!m.from_server) {
        client_between = true;
        continue;
      }
      if (m.error != kNone || m.opcode != wire::TftpOpcode::kOack) continue;
      const sim::Time now = a.frame(m.frame).time;
      if (prev >= 0 && !client_between && now - prev_time < 500 * kMs) {
        fail(j, a, t, {static_cast<std::uint64_t>(prev), m.frame}, "OACK sent twice for one request (FW-43)");
        break;
      }
      prev = m.frame;
      prev_time = now;
      client_between = false;
    }
  }
}

void tftp_blksize_honoured(const Analysis& a, Judge& j) {
  for (const auto& t : a.g().transfers) {
    if (t.blocks == 0) continue;
    j.judge();
    for (std::uint32_t i : messages(a, t)) {
      const TftpMsg& m = msg(a, i);
      if (m.error != kNone || m.opcode != wire::TftpOpcode::kData || m.from_server == t.write) continue;
      if (m.data_size > t.blksize) {
        fail(j, a, t, {m.frame}, "DATA " + std::to_string(m.number) + " holds " + std::to_string(m.data_size) +
                                     " octets; the negotiated blksize is " + std::to_string(t.blksize));
        break;
      }
    }
  }
}

}  // namespace pxelab::conformance::checks
