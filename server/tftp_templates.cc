#include "server/tftp_templates.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "image/fat_image.h"

namespace pxelab::server {

namespace {

std::optional<wire::Bytes> read_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  wire::Bytes out;
  std::uint8_t buf[65536];
  while (true) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.insert(out.end(), buf, buf + n);
  }
  ::close(fd);
  return out;
}

const Subnet* subnet_of(const ServerConfig& c, wire::Ipv4Address ip) {
  for (const auto& s : c.subnets) {
    if (s.contains(ip)) return &s;
  }
  return nullptr;
}

std::string netmask_text(const Subnet& s) { return wire::Ipv4Address{s.mask()}.to_string(); }

// The variable names `host` will have whatever address it asks from: its address is
// known now when fixed, else it comes from a pool of some subnet at run time.
std::set<std::string> names_for(const ServerConfig& c, const HostEntry& h) {
  std::set<std::string> out{"mac", "server"};
  if (!h.hostname.empty()) out.insert("hostname");
  for (const auto& [k, v] : h.vars) out.insert(k);
  if (h.ip) {
    out.insert("ip");
    if (const Subnet* s = subnet_of(c, *h.ip)) {
      out.insert("netmask");
      if (s->router) out.insert("gateway");
    }
  } else if (!c.subnets.empty()) {
    out.insert({"ip", "netmask"});
    bool all_routed = true;
    for (const auto& s : c.subnets) all_routed = all_routed && s.router.has_value();
    if (all_routed) out.insert("gateway");
  }
  return out;
}

}  // namespace

std::string template_key(std::string_view name) {
  std::string s(name);
  for (char& ch : s) {
    if (ch == '\\') ch = '/';
  }
  while (!s.empty() && s.front() == '/') s.erase(s.begin());
  return s;
}

const HostEntry* template_host(const ServerConfig& c, const TftpRequester& who) {
  for (const auto& h : c.hosts) {
    if (h.ip && *h.ip == who.ip) return &h;
  }
  return c.find_host(who.mac);
}

image::TemplateVars template_vars(const ServerConfig& c, const HostEntry* host, const TftpRequester& who) {
  image::TemplateVars v;
  if (host) {
    for (const auto& [k, val] : host->vars) v[k] = val;
    if (!host->hostname.empty()) v["hostname"] = host->hostname;
  }
  v["ip"] = who.ip.to_string();
  v["mac"] = (host ? host->mac : who.mac).to_string();
  v["server"] = c.address.to_string();
  if (const Subnet* s = subnet_of(c, who.ip)) {
    v["netmask"] = netmask_text(*s);
    if (s->router) v["gateway"] = s->router->to_string();
  }
  return v;
}

Status check_templates(const ServerConfig& c) {
  const std::string where = c.where("tftp.templates");
  for (const auto& name : c.tftp.templates) {
    const std::string path = c.tftp.root + "/" + template_key(name);
    auto bytes = read_file(path);
    if (!bytes) return Error{"tftp.templates", 0, name + ": cannot read " + path + ": " + std::strerror(errno), where};
    auto img = image::FatImage::open(std::move(*bytes));
    if (!img) return Error{"tftp.templates", 0, name + ": not a FAT12 floppy image: " + img.error().to_string(), where};
    auto used = image::image_template_variables(*img);
    if (!used) return Error{"tftp.templates", 0, name + ": " + used.error().to_string(), where};
    for (const auto& h : c.hosts) {
      const auto have = names_for(c, h);
      for (const auto& [file, vars] : *used) {
        for (const auto& var : vars) {
          if (have.count(var)) continue;
          const std::string who = (h.hostname.empty() ? std::string("with MAC ") : h.hostname + " ") + "(" +
                                  h.mac.to_string() + ")";
          return Error{"tftp.templates", 0,
                       name + ": " + file + " uses ${" + var + "}, which host " + who + " lacks", where};
        }
      }
    }
  }
  return Ok{};
}

}  // namespace pxelab::server
