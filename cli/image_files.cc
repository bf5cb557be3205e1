#include "cli/image_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

namespace pxelab::conformance {

namespace fs = std::filesystem;

namespace {

// An error about a host file: "PATH: what".
Error on(const std::string& path, std::string what) { return Error{"", 0, std::move(what), path}; }

Error io_error(const std::string& path, const std::string& what) {
  return on(path, what + ": " + std::strerror(errno));
}

std::string join(const std::string& dir, const std::string& name) {
  return dir.empty() || dir == "/" ? name : dir + "/" + name;
}

}  // namespace

Result<wire::Bytes> read_whole_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io_error(path, "cannot open");
  wire::Bytes out;
  std::uint8_t buf[65536];
  while (true) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      auto e = io_error(path, "cannot read");
      ::close(fd);
      return e;
    }
    if (n == 0) break;
    out.insert(out.end(), buf, buf + n);
    if (out.size() > (64u << 20)) {
      ::close(fd);
      return on(path, "larger than 64 MiB: not a floppy image or boot sector");
    }
  }
  ::close(fd);
  return out;
}

Status write_file_atomically(const std::string& path, wire::ByteView content) {
  const fs::path target(path);
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::string tmp = (dir / ("." + target.filename().string() + ".XXXXXX")).string();
  std::vector<char> name(tmp.begin(), tmp.end());
  name.push_back('\0');
  const int fd = ::mkstemp(name.data());
  if (fd < 0) return io_error(path, "cannot create a temporary file beside it");
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t w = ::write(fd, content.data() + done, content.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) {
      auto e = io_error(path, "cannot write");
      ::close(fd);
      ::unlink(name.data());
      return e;
    }
    done += static_cast<std::size_t>(w);
  }
  if (::fchmod(fd, 0644) != 0 || ::fsync(fd) != 0 || ::close(fd) != 0) {
    auto e = io_error(path, "cannot finish writing");
    ::unlink(name.data());
    return e;
  }
  if (::rename(name.data(), path.c_str()) != 0) {
    auto e = io_error(path, "cannot rename the temporary file to it");
    ::unlink(name.data());
    return e;
  }
  return Ok{};
}

Status add_directory(image::FatImage& img, const std::string& dir, const std::string& image_dir) {
  std::error_code ec;
  std::vector<fs::directory_entry> entries;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) entries.push_back(*it);
  if (ec) return on(dir, "cannot read the directory: " + ec.message());
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return a.path().filename() < b.path().filename(); });
  for (const auto& e : entries) {
    const std::string host = e.path().string();
    const std::string inside = join(image_dir, e.path().filename().string());
    if (e.is_directory(ec)) {
      auto made = img.make_dir(inside);
      if (!made) return on(host, made.error().message);
      auto sub = add_directory(img, host, inside);
      if (!sub) return sub;
    } else if (e.is_regular_file(ec)) {
      auto content = read_whole_file(host);
      if (!content) return content.error();
      auto put = img.write_file(inside, *content, image::WriteMode::Create);
      if (!put) return on(host, put.error().message);
    } else {
      return on(host, "neither a regular file nor a directory");
    }
  }
  return Ok{};
}

Result<std::size_t> extract_all(const image::FatImage& img, const std::string& image_dir, const std::string& out) {
  auto listing = img.list(image_dir);
  if (!listing) return listing.error();
  std::error_code ec;
  fs::create_directories(out, ec);
  if (ec) return on(out, "cannot create: " + ec.message());
  std::size_t n = 0;
  for (const auto& it : *listing) {
    if (it.entry.is_dot()) continue;
    if (it.name.find_first_of("/\\") != std::string::npos || it.name == "." || it.name == ".." || it.name.empty()) {
      return on(join(image_dir, it.short_name), "its name '" + it.name + "' would leave the output directory");
    }
    const std::string inside = join(image_dir, it.name);
    const std::string host = (fs::path(out) / it.name).string();
    if (it.entry.is_dir()) {
      auto sub = extract_all(img, inside, host);
      if (!sub) return sub.error();
      n += *sub;
      continue;
    }
    auto content = img.read(inside);
    if (!content) return content.error();
    auto w = write_file_atomically(host, *content);
    if (!w) return w.error();
    ++n;
  }
  return n;
}

}  // namespace pxelab::conformance
