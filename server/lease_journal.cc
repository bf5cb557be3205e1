#include "server/lease_journal.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <charconv>
#include <cstring>
#include <filesystem>

namespace pxelab::server {

namespace {

constexpr std::string_view kHeader = "# pxelab lease journal v1: crc32 ip mac state expires client-id hostname";

constexpr std::array<std::uint32_t, 256> make_crc_table() {
  std::array<std::uint32_t, 256> t{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    t[i] = c;
  }
  return t;
}
constexpr auto kCrcTable = make_crc_table();

// CRC-32 (IEEE 802.3), as zlib computes it.
std::uint32_t crc32(std::string_view s) {
  std::uint32_t c = 0xFFFFFFFFu;
  for (unsigned char ch : s) c = kCrcTable[(c ^ ch) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

const char kHex[] = "0123456789abcdef";

std::string hex_encode(std::string_view bytes) {
  if (bytes.empty()) return "-";
  std::string out;
  for (unsigned char b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> hex_decode(std::string_view s) {
  if (s == "-") return std::string();
  if (s.size() % 2) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < s.size(); i += 2) {
    int hi = hex_digit(s[i]), lo = hex_digit(s[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
  }
  return out;
}

// Hostnames are percent-encoded outside [A-Za-z0-9._-] so a line always splits on
// spaces; "-" stands for empty.
std::string pct_encode(std::string_view s) {
  if (s.empty()) return "-";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) != 0 || c == '.' || c == '_' || (c == '-' && s.size() > 1)) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::optional<std::string> pct_decode(std::string_view s) {
  if (s == "-") return std::string();
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    int hi = hex_digit(s[i + 1]), lo = hex_digit(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

Error io_error(const std::string& path, const char* what) {
  return make_error(path, 0, std::string(what) + ": " + std::strerror(errno));
}

Status fsync_directory_of(const std::string& path) {
  auto dir = std::filesystem::path(path).parent_path();
  if (dir.empty()) dir = ".";
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return io_error(dir.string(), "open directory");
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return io_error(dir.string(), "fsync directory");
  return Ok{};
}

}  // namespace

std::string format_journal_line(const Lease& lease) {
  std::string body = lease.ip.to_string() + ' ' + lease.mac.to_string() + ' ' +
                     std::string(to_string(lease.state)) + ' ' + std::to_string(lease.expires) + ' ' +
                     hex_encode(lease.client_id) + ' ' + pct_encode(lease.hostname);
  char crc[10];
  std::snprintf(crc, sizeof crc, "%08x ", crc32(body));
  return crc + body;
}

Result<Lease> parse_journal_line(std::string_view line) {
  std::array<std::string_view, 7> col{};
  std::size_t start = 0, n = 0;
  for (std::size_t i = 0; i <= line.size(); ++i) {
    if (i == line.size() || line[i] == ' ') {
      if (n == col.size()) return make_error("journal.line", i, "more than 7 columns");
      col[n++] = line.substr(start, i - start);
      start = i + 1;
    }
  }
  if (n != col.size()) return make_error("journal.line", line.size(), "expected 7 columns, found " + std::to_string(n));
  std::uint32_t crc = 0;
  auto [p, ec] = std::from_chars(col[0].data(), col[0].data() + col[0].size(), crc, 16);
  if (col[0].size() != 8 || ec != std::errc{} || p != col[0].data() + 8) return make_error("journal.crc", 0, "not 8 hex digits");
  std::string_view body = line.substr(9);
  if (crc32(body) != crc) return make_error("journal.crc", 0, "CRC mismatch");

  Lease lease;
  std::size_t off = 9;
  auto ip = wire::Ipv4Address::parse(col[1]);
  if (!ip) return make_error("journal.ip", off, "bad address");
  lease.ip = *ip;
  off += col[1].size() + 1;
  auto mac = wire::MacAddress::parse(col[2]);
  if (!mac) return make_error("journal.mac", off, "bad MAC");
  lease.mac = *mac;
  off += col[2].size() + 1;
  auto state = lease_state_from_string(col[3]);
  if (!state) return make_error("journal.state", off, "unknown state");
  lease.state = *state;
  off += col[3].size() + 1;
  auto [q, ec2] = std::from_chars(col[4].data(), col[4].data() + col[4].size(), lease.expires);
  if (ec2 != std::errc{} || q != col[4].data() + col[4].size()) return make_error("journal.expires", off, "not an integer");
  off += col[4].size() + 1;
  auto id = hex_decode(col[5]);
  if (!id) return make_error("journal.client_id", off, "not hex");
  lease.client_id = *id;
  off += col[5].size() + 1;
  auto host = pct_decode(col[6]);
  if (!host) return make_error("journal.hostname", off, "bad percent-encoding");
  lease.hostname = *host;
  return lease;
}

LeaseJournal::LeaseJournal(std::string path, int fd, FsyncPolicy policy, std::size_t records)
    : path_(std::move(path)), fd_(fd), policy_(policy), records_in_file_(records) {}

LeaseJournal::~LeaseJournal() {
  if (fd_ >= 0) {
    // A destructor has nowhere to return an error: owners that care flush() first and
    // see it (BootServer::flush at shutdown, `pxelab serve`); this one is the last try.
    static_cast<void>(flush());
    ::close(fd_);
  }
}

Result<std::unique_ptr<LeaseJournal>> LeaseJournal::open(const std::string& path, FsyncPolicy policy,
                                                         std::vector<Lease>& replayed, ReplayReport& report) {
  report = {};
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return io_error(path, "open lease journal");

  std::string content;
  char buf[1 << 16];
  for (;;) {
    ssize_t got = ::read(fd, buf, sizeof buf);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      Error e = io_error(path, "read lease journal");
      ::close(fd);
      return e;
    }
    if (got == 0) break;
    content.append(buf, static_cast<std::size_t>(got));
  }

  std::size_t pos = 0, line_no = 0, good_end = 0;
  bool need_header = content.empty();
  while (pos < content.size()) {
    ++line_no;
    std::size_t nl = content.find('\n', pos);
    bool last = nl == std::string::npos || nl + 1 == content.size();
    std::string_view line(content.data() + pos, (nl == std::string::npos ? content.size() : nl) - pos);
    if (nl == std::string::npos) {  // torn: the newline never made it
      report.dropped_torn_tail = true;
      break;
    }
    if (!line.empty() && line[0] != '#') {
      auto lease = parse_journal_line(line);
      if (!lease) {
        if (last) {
          report.dropped_torn_tail = true;
          break;
        }
        ::close(fd);
        return make_error(path + ":" + std::to_string(line_no), pos,
                          "corrupt lease record (" + lease.error().to_string() + ")");
      }
      replayed.push_back(std::move(*lease));
      ++report.records;
    }
    pos = nl + 1;
    good_end = pos;
  }
  if (report.dropped_torn_tail && ::ftruncate(fd, static_cast<off_t>(good_end)) != 0) {
    Error e = io_error(path, "truncate torn tail");
    ::close(fd);
    return e;
  }
  if (::lseek(fd, 0, SEEK_END) < 0) {
    Error e = io_error(path, "seek");
    ::close(fd);
    return e;
  }
  std::unique_ptr<LeaseJournal> journal(new LeaseJournal(path, fd, policy, report.records));
  if (need_header) {
    journal->pending_ = std::string(kHeader) + '\n';
    auto st = journal->flush();
    if (!st) return st.error();
    auto dir = fsync_directory_of(path);  // the new file's name must survive a crash too
    if (!dir) return dir.error();
  }
  return journal;
}

std::uint64_t LeaseJournal::append(const Lease& lease) {
  pending_ += format_journal_line(lease);
  pending_ += '\n';
  ++pending_records_;
  return ++appended_;
}

Status LeaseJournal::write_all(int fd, const std::string& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error(path_, "write lease journal");
    done += static_cast<std::size_t>(n);
  }
  return Ok{};
}

Status LeaseJournal::flush() {
  if (pending_.empty()) return Ok{};
  auto st = write_all(fd_, pending_);
  if (!st) return st;
  if (policy_ != FsyncPolicy::None && ::fdatasync(fd_) != 0) return io_error(path_, "fdatasync lease journal");
  records_in_file_ += pending_records_;
  pending_.clear();
  pending_records_ = 0;
  durable_ = appended_;
  return Ok{};
}

Status LeaseJournal::compact(const std::vector<Lease>& live) {
  auto st = flush();
  if (!st) return st;
  std::string tmp = path_ + ".compact";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return io_error(tmp, "open");
  std::string bytes = std::string(kHeader) + '\n';
  for (const auto& lease : live) {
    bytes += format_journal_line(lease);
    bytes += '\n';
  }
  st = write_all(fd, bytes);
  if (st && ::fdatasync(fd) != 0) st = io_error(tmp, "fdatasync");
  ::close(fd);
  if (!st) return st;
  if (::rename(tmp.c_str(), path_.c_str()) != 0) return io_error(path_, "rename compacted journal");
  st = fsync_directory_of(path_);
  if (!st) return st;
  int nfd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (nfd < 0) return io_error(path_, "reopen compacted journal");
  ::close(fd_);
  fd_ = nfd;
  records_in_file_ = live.size();
  return Ok{};
}

}  // namespace pxelab::server
