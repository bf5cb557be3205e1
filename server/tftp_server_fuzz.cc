// Fuzz target: the TFTP server agent fed a sequence of datagrams on 69 and on its
// transfer ports, with timers firing in between, through a fake context. No crash, no
// UB, never more transfers than the limit. The first byte picks the configuration:
// read-only, or uploads allowed (the WRQ path through to store()). Each input starts
// from a fresh agent and file source at time 0, and files an input uploaded are
// removed afterwards: nothing carries over from one input to the next.
//
// Input: [config byte] then records [port/source byte][time step byte][length byte]
// [payload of that length] ... (a short last record takes what is left).
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <string>

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

// The TFTP root: created once with fixed content (never changed by an input).
struct Root {
  std::filesystem::path dir = std::filesystem::temp_directory_path() / ("pxelab-fuzz-tftp-" + std::to_string(::getpid()));
  std::set<std::string> fixed;
  Root() {
    std::filesystem::create_directories(dir / "sub");
    std::ofstream(dir / "a", std::ios::binary) << std::string(3000, 'x');
    std::ofstream(dir / "empty", std::ios::binary);
    std::ofstream(dir / "sub" / "b", std::ios::binary) << std::string(512, 'y');
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) fixed.insert(e.path().string());
  }
  ~Root() { std::filesystem::remove_all(dir); }
  // Removes whatever an input uploaded.
  void reset() const {
    std::vector<std::filesystem::path> extra;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
      if (!fixed.count(e.path().string())) extra.push_back(e.path());
    }
    for (const auto& p : extra) std::filesystem::remove_all(p);
  }
};

constexpr std::uint16_t kFirstPort = 50000;
constexpr std::uint16_t kPorts = 4;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Root root;
  if (size < 1) return 0;
  pxelab::server::ServerConfig config;
  config.tftp.root = root.dir.string();
  config.tftp.max_transfers = kPorts;
  config.tftp.retries = 2;
  config.tftp.allow_write = (data[0] & 1) != 0;
  config.tftp.max_write_bytes = (data[0] & 2) ? 600 : 100000;
  auto files = pxelab::server::TftpFileSource::create(config);
  if (!files) std::abort();
  pxelab::server::NullLog log;
  pxelab::server::TftpServerAgent agent(config.tftp, *files, log, kFirstPort, kPorts);
  FakeContext ctx;
  pxelab::sim::Time now = 0;

  std::size_t i = 1;
  while (i + 2 <= size) {
    const std::uint8_t choice = data[i];
    now += pxelab::sim::ms(data[i + 1]) * 20;
    std::size_t len = i + 2 < size ? data[i + 2] : 0;
    std::size_t start = std::min(size, i + 3);
    len = std::min(len, size - start);
    i = start + len;
    // Fire every timer that is due, as a clock would.
    auto timers = std::move(ctx.timers);
    ctx.timers.clear();
    for (auto [at, tag] : timers) {
      if (at <= now) agent.on_timer(ctx, now, tag);
      else ctx.timers.push_back({at, tag});
    }
    pxelab::sim::Datagram d;
    d.src = {pxelab::wire::Ipv4Address::from_octets(192, 0, 2, static_cast<std::uint8_t>(10 + (choice & 3))), 2000};
    std::uint8_t port_choice = choice >> 2;
    d.dst = {pxelab::wire::Ipv4Address::from_octets(192, 0, 2, 1),
             static_cast<std::uint16_t>(port_choice < 32 ? 69 : kFirstPort + (port_choice & 3))};
    d.payload = pxelab::wire::ByteView(data + start, len);
    agent.on_datagram(ctx, now, d);
    if (agent.active_transfers() > kPorts) std::abort();
  }
  root.reset();
  return 0;
}
