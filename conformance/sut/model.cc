#include "conformance/sut/model.h"

#include <cstdio>

namespace pxelab::sut {

namespace {

std::string flag(bool b) { return b ? "1" : ""; }

std::string netmask(std::uint8_t prefix) {
  std::uint32_t m = prefix == 0 ? 0 : ~0u << (32 - prefix);
  return wire::Ipv4Address{m}.to_string();
}

// The file for one architecture as the reference server would choose it (PXE-ARCH-FILE):
// the map, then "any"; BIOS (0) also the default file.
std::string file_for(const server::BootConfig& b, std::uint16_t arch) {
  if (auto it = b.file_by_arch.find(arch); it != b.file_by_arch.end()) return it->second;
  if (!b.any_arch_file.empty()) return b.any_arch_file;
  return arch == 0 ? b.default_file : std::string();
}

std::string host_file(const server::HostEntry& h, std::uint16_t arch) {
  if (auto it = h.file_by_arch.find(arch); it != h.file_by_arch.end()) return it->second;
  if (!h.file_any_arch.empty()) return h.file_any_arch;
  return arch == 0 ? h.file : std::string();
}

// MAC as Kea and ISC want it (lower-case, colons); dnsmasq takes the same.
std::string mac_text(const wire::MacAddress& m) { return m.to_string(); }

// Every item of a list gets `sep`: "," but "" on the last, for formats (Kea's JSON) that
// want no comma after the last element.
TemplateValue separated(std::vector<TemplateScope> items) {
  for (std::size_t i = 0; i < items.size(); ++i) items[i]["sep"] = i + 1 < items.size() ? "," : "";
  return TemplateValue::list(std::move(items));
}

// Boot files per architecture, the iPXE script and the TFTP limits (profiles/README.md).
void add_boot_files(TemplateScope& v, const server::ServerConfig& c) {
  const auto& b = c.boot;
  v["bios_file"] = file_for(b, 0);
  v["efi_x64_file"] = file_for(b, 7);     // RFC 4578 §2.1: 7 is EFI BC (x86-64 in practice)
  v["efi_x64_9_file"] = file_for(b, 9);   // 9: EFI x86-64
  v["efi_ia32_file"] = file_for(b, 6);
  v["efi_arm64_file"] = file_for(b, 11);
  std::vector<TemplateScope> arch_files;
  for (const auto& [arch, file] : b.file_by_arch) {
    TemplateScope item;
    item["arch"] = std::to_string(arch);
    item["file"] = file;
    arch_files.push_back(std::move(item));
  }
  v["arch_files"] = separated(std::move(arch_files));
  v["ipxe_script"] = b.ipxe_script;
  v["tftp_server_name"] = b.tftp_server_name;
  v["tftp_max_blksize"] = std::to_string(c.tftp.max_blksize);
  v["tftp_max_transfers"] = std::to_string(c.tftp.max_transfers);
}

// Every subnet but the server's own, as {{relayed_subnets}} items (profiles/README.md).
Result<TemplateValue> relayed_subnets(const server::ServerConfig& c, const server::Subnet& local) {
  std::vector<TemplateScope> relayed;
  int relayed_n = 0;
  for (const auto& sn : c.subnets) {
    if (&sn == &local) continue;
    if (sn.pools.size() != 1) {
      return Error{"", 0, "the relayed [[subnet]] " + sn.network.to_string() + "/" + std::to_string(sn.prefix_length) +
                              " needs exactly one pool (it has " + std::to_string(sn.pools.size()) + ")"};
    }
    TemplateScope item;
    item["tag"] = "r" + std::to_string(++relayed_n);
    item["id"] = std::to_string(relayed_n + 1);  // Kea's subnet ids: the local subnet is 1
    item["network"] = sn.network.to_string();
    item["prefix_length"] = std::to_string(sn.prefix_length);
    item["netmask"] = netmask(sn.prefix_length);
    item["first"] = sn.pools[0].first.to_string();
    item["last"] = sn.pools[0].last.to_string();
    item["router"] = sn.router ? sn.router->to_string() : "";
    relayed.push_back(std::move(item));
  }
  return separated(std::move(relayed));
}

}  // namespace

Result<TemplateScope> server_model_scope(const server::ServerConfig& c, const RunPaths& paths) {
  // The subnet of the server's own address is the one on its interface; any other is a
  // relayed subnet (reached through a relay, chosen by giaddr: RFC 2131 §4.3.1).
  const server::Subnet* local = nullptr;
  for (const auto& sn : c.subnets) {
    if (sn.contains(c.address)) {
      if (local != nullptr) return Error{"", 0, "two [[subnet]]s hold the server's address " + c.address.to_string()};
      local = &sn;
    }
  }
  if (local == nullptr) {
    return Error{"", 0, "a server under test needs the [[subnet]] of its own address " + c.address.to_string() +
                            " (this model has " + std::to_string(c.subnets.size()) + " subnets, none holds it)"};
  }
  const server::Subnet& s = *local;
  TemplateScope v;
  auto relayed = relayed_subnets(c, *local);
  if (!relayed) return relayed.error();
  v["relayed_subnets"] = std::move(*relayed);
  v["address"] = c.address.to_string();
  v["interface"] = paths.interface;
  v["run_dir"] = paths.run_dir;
  v["tftp_root"] = paths.tftp_root;
  v["user_config"] = paths.user_config;
  v["pxelab"] = paths.pxelab;
  v["mode"] = std::string(server::to_string(c.mode));
  v["dhcp"] = flag(c.mode == server::ServerMode::Dhcp);
  v["proxy"] = flag(c.mode == server::ServerMode::Proxy);
  v["bootp_only"] = flag(c.mode == server::ServerMode::Bootp);
  v["network"] = s.network.to_string();
  v["prefix_length"] = std::to_string(s.prefix_length);
  v["netmask"] = netmask(s.prefix_length);
  v["broadcast"] = wire::Ipv4Address{s.network.value | ~s.mask()}.to_string();
  std::vector<TemplateScope> pools;
  for (const auto& p : s.pools) {
    TemplateScope item;
    item["first"] = p.first.to_string();
    item["last"] = p.last.to_string();
    pools.push_back(std::move(item));
  }
  v["pool_first"] = s.pools.empty() ? "" : s.pools[0].first.to_string();
  v["pool_last"] = s.pools.empty() ? "" : s.pools[0].last.to_string();
  v["pools"] = separated(std::move(pools));
  v["router"] = s.router ? s.router->to_string() : "";
  std::string dns;
  for (auto a : s.dns) dns += (dns.empty() ? "" : ", ") + a.to_string();
  v["dns"] = dns;
  v["dns_compact"] = [&] {
    std::string d;
    for (auto a : s.dns) d += (d.empty() ? "" : ",") + a.to_string();
    return d;
  }();
  std::vector<TemplateScope> dns_servers;  // one item (`ip`) per server: TOML or JSON arrays
  for (auto a : s.dns) {
    TemplateScope item;
    item["ip"] = a.to_string();
    dns_servers.push_back(std::move(item));
  }
  v["dns_servers"] = separated(std::move(dns_servers));
  v["domain"] = s.domain;
  std::vector<TemplateScope> options;  // routers, domain-name-servers, domain-name: what the model sets
  auto add_option = [&](const char* name, int code, const std::string& data) {
    if (data.empty()) return;
    TemplateScope item;
    item["name"] = name;
    item["code"] = std::to_string(code);
    item["data"] = data;
    options.push_back(std::move(item));
  };
  add_option("routers", 3, s.router ? s.router->to_string() : "");
  add_option("domain-name-servers", 6, dns);
  add_option("domain-name", 15, s.domain);
  v["dhcp_options"] = separated(std::move(options));
  const std::uint32_t lease = s.lease_time.value_or(c.lease_time);
  v["lease_time"] = std::to_string(lease);
  v["t1"] = std::to_string(c.t1.value_or(lease / 2));
  v["t2"] = std::to_string(c.t2.value_or(static_cast<std::uint32_t>(std::uint64_t{lease} * 7 / 8)));
  add_boot_files(v, c);
  std::vector<TemplateScope> hosts;
  int n = 0;
  for (const auto& h : c.hosts) {
    TemplateScope item;
    item["tag"] = "h" + std::to_string(++n);
    item["mac"] = mac_text(h.mac);
    item["ip"] = h.ip ? h.ip->to_string() : "";
    item["hostname"] = h.hostname;
    item["file"] = host_file(h, 0);
    item["efi_file"] = host_file(h, 7);
    hosts.push_back(std::move(item));
  }
  v["hosts"] = separated(std::move(hosts));
  return v;
}

}  // namespace pxelab::sut
