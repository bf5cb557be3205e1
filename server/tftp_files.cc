#include "server/tftp_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "server/boot_choice.h"
#include "server/tftp_beneath.h"

namespace pxelab::server {

namespace {

std::optional<std::string> canonical(const std::string& path) {
  char buf[PATH_MAX];
  if (::realpath(path.c_str(), buf) == nullptr) return std::nullopt;
  return std::string(buf);
}

// The whole file in one allocation of its final size and read(2) calls, no stream
// copies: a 64 MiB image is read once per change, inside the event loop. `size` is
// what fstat said of this descriptor.
wire::Bytes read_fd(int fd, std::size_t size) {
  wire::Bytes out(size);
  std::size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::read(fd, out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // error, or the file shrank: keep what was there
    done += static_cast<std::size_t>(n);
  }
  out.resize(done);
  return out;
}

// Where a descriptor's file is (for logs and the cache's key); `fallback` when /proc
// is not mounted.
std::string fd_path(int fd, const std::string& fallback) {
  char buf[PATH_MAX];
  const std::string link = "/proc/self/fd/" + std::to_string(fd);
  const ssize_t n = ::readlink(link.c_str(), buf, sizeof buf);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : fallback;
}

}  // namespace

namespace {

TftpPathResult refuse(TftpLookupError code, std::string why) { return TftpPathResult{"", TftpLookupFailure{code, std::move(why)}}; }

// The checks every name goes through (TFTP-PATH): no NUL, '\\' is '/', leading '/'
// stripped, no ".." component. Returns the relative name, or a refusal.
TftpPathResult clean_name(std::string_view requested) {
  if (requested.find('\0') != std::string_view::npos) return refuse(TftpLookupError::AccessViolation, "NUL in file name");
  std::string name(requested);
  for (char& c : name) {
    if (c == '\\') c = '/';
  }
  std::size_t start = name.find_first_not_of('/');
  if (start == std::string::npos) return refuse(TftpLookupError::NotFound, "empty file name");
  name.erase(0, start);
  // Any ".." component, wherever it stands, is refused (not normalised away).
  for (std::size_t pos = 0; pos <= name.size();) {
    std::size_t next = name.find('/', pos);
    if (next == std::string::npos) next = name.size();
    if (name.compare(pos, next - pos, "..") == 0 && next - pos == 2) {
      return refuse(TftpLookupError::AccessViolation, "'..' in file name");
    }
    pos = next + 1;
  }
  return {name, std::nullopt};
}

}  // namespace

namespace {

// The file for a cleaned `name`, opened beneath `root` (see tftp_beneath.h) and checked
// on its own descriptor: a regular file, or a refusal.
struct OpenedFile {
  BeneathFd fd;
  struct stat st {};
  std::string path;
  std::optional<TftpLookupFailure> failure;
};
OpenedFile open_regular(const std::string& root, const std::string& name) {
  OpenedFile out;
  auto canonical_root = canonical(root);
  if (!canonical_root) {
    out.failure = TftpLookupFailure{TftpLookupError::NotFound, "TFTP root " + root + " is missing"};
    return out;
  }
  auto opened = open_beneath(*canonical_root, name, O_RDONLY | O_NONBLOCK, Symlinks::kResolveInside);
  if (opened.failure) {
    out.failure = opened.failure;
    return out;
  }
  out.fd = std::move(opened.fd);
  if (::fstat(out.fd.get(), &out.st) != 0) {
    out.failure = TftpLookupFailure{TftpLookupError::AccessViolation, std::string("cannot stat: ") + std::strerror(errno)};
  } else if (!S_ISREG(out.st.st_mode)) {
    out.failure = TftpLookupFailure{TftpLookupError::AccessViolation, "not a regular file"};
  }
  out.path = fd_path(out.fd.get(), *canonical_root + "/" + name);
  return out;
}

// The directory an upload of `name` goes to, opened beneath `root` with every symlink
// refused, and the file's name in it.
struct UploadDir {
  BeneathFd fd;
  std::string dir_path;
  std::string base;
  std::optional<TftpLookupFailure> failure;
};
UploadDir open_upload_dir(const std::string& root, const std::string& name) {
  UploadDir out;
  auto canonical_root = canonical(root);
  if (!canonical_root) {
    out.failure = TftpLookupFailure{TftpLookupError::AccessViolation, "TFTP root " + root + " is missing"};
    return out;
  }
  std::string dir;
  out.base = name;
  if (auto slash = name.rfind('/'); slash != std::string::npos) {
    dir = name.substr(0, slash);
    out.base = name.substr(slash + 1);
  }
  if (out.base.empty()) {
    out.failure = TftpLookupFailure{TftpLookupError::AccessViolation, "no file name"};
    return out;
  }
  auto opened = open_beneath(*canonical_root, dir, O_RDONLY | O_DIRECTORY, Symlinks::kRefuse);
  if (opened.failure) {
    out.failure = opened.failure;
    if (out.failure->code == TftpLookupError::NotFound) out.failure->reason = "no such directory";
    out.failure->code = TftpLookupError::AccessViolation;
    return out;
  }
  out.fd = std::move(opened.fd);
  out.dir_path = fd_path(out.fd.get(), dir.empty() ? *canonical_root : *canonical_root + "/" + dir);
  return out;
}

}  // namespace

TftpPathResult resolve_tftp_path(const std::string& root, std::string_view requested) {
  auto cleaned = clean_name(requested);
  if (cleaned.failure) return cleaned;
  auto opened = open_regular(root, cleaned.path);
  if (opened.failure) return {"", opened.failure};
  return {opened.path, std::nullopt};
}

std::string pxelinux_mac_name(const wire::MacAddress& mac) {
  std::string s = mac.to_string();  // lowercase with ':'
  for (char& c : s) {
    if (c == ':') c = '-';
  }
  return "pxelinux.cfg/01-" + s;
}

std::string pxelinux_ip_name(wire::Ipv4Address ip) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08X", ip.value);
  return std::string("pxelinux.cfg/") + buf;
}

std::string expand_host_template(std::string_view text, const HostEntry& host, BootMode mode) {
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    if (text.compare(i, 2, "${") != 0) {
      out += text[i++];
      continue;
    }
    std::size_t end = text.find('}', i + 2);
    if (end == std::string_view::npos) {
      out.append(text.substr(i));
      break;
    }
    std::string key(text.substr(i + 2, end - i - 2));
    std::optional<std::string> value;
    if (key == "hostname") value = host.hostname;
    else if (key == "mac") value = host.mac.to_string();
    else if (key == "ip") value = host.ip ? host.ip->to_string() : "";
    else if (key == "mode") value = std::string(to_string(mode));
    else if (key.rfind("var.", 0) == 0) {
      auto it = host.vars.find(key.substr(4));
      if (it != host.vars.end()) value = it->second;
    }
    if (value) out += *value;
    else out.append(text.substr(i, end - i + 1));
    i = end + 1;
  }
  return out;
}

std::string default_pxelinux_config(const HostEntry& host, BootMode mode) {
  std::string name = host.hostname.empty() ? host.mac.to_string() : host.hostname;
  auto var = [&](const char* key) {
    auto it = host.vars.find(key);
    return it == host.vars.end() ? std::string() : it->second;
  };
  std::string kernel = var("kernel");
  bool network = mode != BootMode::Local && !kernel.empty();
  std::string s = "# generated by pxelab for " + name + " (" + host.mac.to_string() + ")\n";
  s += "SERIAL 0\n";
  s += "SAY pxelab: " + name + " boot mode " + std::string(to_string(mode)) + "\n";
  if (mode == BootMode::Menu) s += "PROMPT 1\nTIMEOUT 50\n";
  // once boots like network until its flip (BootServer) writes this file again as local.
  const bool straight = mode == BootMode::Network || mode == BootMode::Once;
  s += std::string("DEFAULT ") + (network && straight ? "network" : "local") + "\n";
  s += "LABEL local\n  LOCALBOOT 0\n";
  if (network) {
    s += "LABEL network\n  KERNEL " + kernel + "\n";
    if (auto append = var("append"); !append.empty()) s += "  APPEND " + append + "\n";
  }
  return s;
}

Result<TftpFileSource> TftpFileSource::create(const ServerConfig& config) {
  TftpFileSource src;
  src.root_ = config.tftp.root;
  src.cache_budget_ = config.tftp.cache_bytes;
  if (src.root_.empty()) return Error{"tftp.root", 0, "no TFTP root configured", config.where("tftp.root")};
  struct stat st {};
  if (::stat(src.root_.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return Error{"tftp.root", 0, src.root_ + " is not a directory: " + std::strerror(errno), config.where("tftp.root")};
  }
  if (auto checked = check_templates(config); !checked) return checked.error();
  src.config_ = std::make_shared<const ServerConfig>(config);
  for (const auto& t : config.tftp.templates) src.templates_.insert(template_key(t));
  // The pxelinux template is a file of the root like any other: confined the same way.
  if (auto t = open_regular(src.root_, "pxelinux.cfg/host.template"); !t.failure) {
    wire::Bytes tmpl = read_fd(t.fd.get(), static_cast<std::size_t>(t.st.st_size));
    src.pxelinux_template_ = std::string(tmpl.begin(), tmpl.end());
  }
  for (const auto& host : config.hosts) src.set_host_mode(host, config.boot_mode_of(&host));
  // FW-47: what an iPXE client in local mode runs (choose_boot names them).
  for (const auto& [name, text] : {std::pair{kLocalBootScriptBios, local_boot_ipxe_script(false)},
                                   std::pair{kLocalBootScriptEfi, local_boot_ipxe_script(true)}}) {
    src.virtual_files_[std::string(name)] = std::make_shared<const wire::Bytes>(text.begin(), text.end());
  }
  return src;
}

void TftpFileSource::set_host_mode(const HostEntry& host, BootMode mode) {
  std::string content = pxelinux_template_ ? expand_host_template(*pxelinux_template_, host, mode)
                                           : default_pxelinux_config(host, mode);
  auto bytes = std::make_shared<const wire::Bytes>(content.begin(), content.end());
  virtual_files_[pxelinux_mac_name(host.mac)] = bytes;
  if (host.ip) virtual_files_[pxelinux_ip_name(*host.ip)] = bytes;
}

Result<TftpFile> TftpFileSource::open(std::string_view requested, TftpLookupFailure* failure,
                                      const std::optional<TftpRequester>& who) const {
  // Generated files answer to the same cleaned names as files in the root.
  auto cleaned = clean_name(requested);
  if (!cleaned.failure) {
    auto v = virtual_files_.find(cleaned.path);
    if (v != virtual_files_.end()) return TftpFile{v->second, "generated: " + cleaned.path};
  }
  auto opened = cleaned.failure ? OpenedFile{} : open_regular(root_, cleaned.path);
  if (cleaned.failure) opened.failure = cleaned.failure;
  if (opened.failure) {
    if (failure) *failure = *opened.failure;
    return Error{"tftp.file", 0, std::string(requested) + ": " + opened.failure->reason};
  }
  if (after_open_) after_open_(cleaned.path);
  TftpFile file = read_opened(opened.fd.get(), opened.st, opened.path);
  if (!who || !templates_.count(cleaned.path)) return file;
  return render_for(file, cleaned.path, *who, failure);
}

Result<TftpFile> TftpFileSource::render_for(const TftpFile& image, const std::string& name, const TftpRequester& who,
                                            TftpLookupFailure* failure) const {
  const HostEntry* host = template_host(*config_, who);
  // One cache entry per image and host, valid while the image file stays the same.
  const std::string key = image.origin + "\n" + (host ? host->mac.to_string() : who.mac.to_string() + "@" + who.ip.to_string());
  const Cached& source = cache_.at(image.origin);
  auto cached = cache_.find(key);
  if (cached != cache_.end() && cached->second.mtime_ns == source.mtime_ns && cached->second.size == source.size) {
    std::shared_ptr<const wire::Bytes> bytes = cached->second.kept ? cached->second.kept : cached->second.shared.lock();
    if (bytes) {
      keep(key, cached->second, bytes);
      return TftpFile{std::move(bytes), image.origin + " rendered for " + (host ? host->hostname : who.ip.to_string())};
    }
  }
  auto fail = [&](const std::string& why) -> Result<TftpFile> {
    TftpLookupFailure f{TftpLookupError::NotFound, why};
    if (failure) *failure = f;
    return Error{"tftp.file", 0, name + ": " + why};
  };
  auto img = image::FatImage::open(*image.content);
  if (!img) return fail("template is not a FAT12 image: " + img.error().to_string());
  auto rendered = image::render_image(*img, template_vars(*config_, host, who));
  if (!rendered) {
    return fail("template for " + (host ? "host " + host->hostname : who.ip.to_string() + " (no host entry)") + ": " +
                rendered.error().to_string());
  }
  ++renders_;
  auto bytes = std::make_shared<const wire::Bytes>(std::move(*rendered));
  Cached& entry = cache_[key];
  if (entry.kept) {
    cached_bytes_ -= entry.kept->size();
    lru_.erase(entry.lru);
    entry.kept.reset();
  }
  entry.mtime_ns = source.mtime_ns;
  entry.size = source.size;
  entry.shared = bytes;
  keep(key, entry, bytes);
  return TftpFile{bytes, image.origin + " rendered for " + (host ? host->hostname : who.ip.to_string())};
}

// The bytes of a file opened beneath the root: from the cache while the file is the
// same (mtime, size, inode, device), else read from the descriptor. From here on only
// the descriptor counts: whatever the name has become since.
TftpFile TftpFileSource::read_opened(int fd, const struct stat& st, const std::string& path) const {
  std::int64_t mtime = std::int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec;
  auto cached = cache_.find(path);
  if (cached != cache_.end() && cached->second.mtime_ns == mtime && cached->second.size == st.st_size &&
      cached->second.inode == st.st_ino && cached->second.device == st.st_dev) {
    // Kept by the cache, or evicted but still held by a transfer: the same bytes.
    std::shared_ptr<const wire::Bytes> bytes = cached->second.kept ? cached->second.kept : cached->second.shared.lock();
    if (bytes) {
      keep(path, cached->second, bytes);
      return TftpFile{std::move(bytes), path};
    }
  }
  auto bytes = std::make_shared<const wire::Bytes>(read_fd(fd, static_cast<std::size_t>(st.st_size)));
  Cached& entry = cache_[path];
  if (entry.kept) {  // a stale version: out of the list first
    cached_bytes_ -= entry.kept->size();
    lru_.erase(entry.lru);
    entry.kept.reset();
  }
  entry.mtime_ns = mtime;
  entry.size = st.st_size;
  entry.inode = st.st_ino;
  entry.device = st.st_dev;
  entry.shared = bytes;
  keep(path, entry, bytes);
  return TftpFile{bytes, path};
}

void TftpFileSource::keep(const std::string& path, Cached& entry, std::shared_ptr<const wire::Bytes> content) const {
  if (entry.kept) {
    lru_.splice(lru_.begin(), lru_, entry.lru);
  } else {
    lru_.push_front(path);
    entry.lru = lru_.begin();
    cached_bytes_ += content->size();
    entry.kept = std::move(content);
  }
  evict_to_budget();
}

void TftpFileSource::evict_to_budget() const {
  while (cached_bytes_ > cache_budget_ && !lru_.empty()) {
    auto it = cache_.find(lru_.back());
    lru_.pop_back();
    if (it == cache_.end()) continue;
    cached_bytes_ -= it->second.kept->size();
    it->second.kept.reset();
    // Nobody holds it either: forget the entry (the index never outgrows the files
    // in use plus the cache).
    if (it->second.shared.expired()) cache_.erase(it);
  }
  // Entries evicted earlier whose last transfer has ended since.
  if (cache_.size() > 2 * lru_.size() + 64) {
    std::erase_if(cache_, [](const auto& kv) { return !kv.second.kept && kv.second.shared.expired(); });
  }
}

TftpPathResult TftpFileSource::writable_path(std::string_view requested) const {
  auto cleaned = clean_name(requested);
  if (cleaned.failure) return cleaned;
  auto dir = open_upload_dir(root_, cleaned.path);
  if (dir.failure) return {"", dir.failure};
  struct stat st {};
  if (::fstatat(dir.fd.get(), dir.base.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
    return refuse(TftpLookupError::FileExists, "file exists");
  }
  if (virtual_files_.count(cleaned.path)) return refuse(TftpLookupError::FileExists, "a generated file has that name");
  return {dir.dir_path + "/" + dir.base, std::nullopt};
}

// Every step goes through the directory's descriptor (opened beneath the root, no
// symlink followed): the temporary is created O_EXCL | O_NOFOLLOW in it and linkat(2)
// to the final name, which fails rather than replace anything there, a symlink too.
Status TftpFileSource::store(std::string_view requested, wire::ByteView content, TftpLookupFailure* failure) const {
  auto fail = [&](TftpLookupError code, std::string why) -> Status {
    if (failure) *failure = {code, why};
    return Error{"tftp.file", 0, std::string(requested) + ": " + why};
  };
  auto target = writable_path(requested);
  if (target.failure) return fail(target.failure->code, target.failure->reason);
  auto dir = open_upload_dir(root_, clean_name(requested).path);
  if (dir.failure) return fail(dir.failure->code, dir.failure->reason);
  const std::string tmp = dir.base + ".pxelab-upload-" + std::to_string(::getpid());
  int fd = ::openat(dir.fd.get(), tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) return fail(TftpLookupError::AccessViolation, std::string("cannot create: ") + std::strerror(errno));
  std::size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    done += static_cast<std::size_t>(n);
  }
  bool ok = done == content.size() && ::fsync(fd) == 0;
  int err = errno;
  ::close(fd);
  if (!ok) {
    ::unlinkat(dir.fd.get(), tmp.c_str(), 0);
    return fail(TftpLookupError::DiskFull, std::string("write failed: ") + std::strerror(err));
  }
  int linked = ::linkat(dir.fd.get(), tmp.c_str(), dir.fd.get(), dir.base.c_str(), 0);
  err = errno;
  ::unlinkat(dir.fd.get(), tmp.c_str(), 0);
  if (linked != 0) {
    return fail(err == EEXIST ? TftpLookupError::FileExists : TftpLookupError::AccessViolation,
                std::string("cannot create: ") + std::strerror(err));
  }
  return Ok{};
}

std::vector<std::string> TftpFileSource::virtual_names() const {
  std::vector<std::string> out;
  for (const auto& [name, content] : virtual_files_) out.push_back(name);
  return out;
}

}  // namespace pxelab::server
