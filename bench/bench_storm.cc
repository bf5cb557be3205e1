#include "bench/bench_storm.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>

#include "client/image_hash_cache.h"
#include "client/personality.h"
#include "client/pxe_client.h"
#include "bench/bench_runner.h"
#include "server/boot_server.h"
#include "server/config.h"
#include "server/log.h"
#include "sim/clock.h"
#include "sim/host.h"
#include "sim/rng.h"
#include "sim/segment.h"

namespace pxelab::conformance {

namespace {

// A TFTP root for the storm, removed when it goes.
class StormRoot {
 public:
  explicit StormRoot(std::uint64_t image_bytes) {
    char tmpl[] = "/tmp/pxelab-storm-XXXXXX";
    if (char* d = ::mkdtemp(tmpl)) dir_ = d;
    if (dir_.empty()) return;
    std::string image(image_bytes, '\0');
    sim::Rng rng(42);
    for (auto& c : image) c = static_cast<char>(rng.next());
    std::ofstream(dir_ + "/storm.0", std::ios::binary) << image;
    std::filesystem::create_directories(dir_ + "/pxelinux.cfg");
    std::ofstream(dir_ + "/pxelinux.cfg/default") << "DEFAULT storm\nLABEL storm\n  KERNEL storm.0\n";
  }
  ~StormRoot() {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
};

std::uint64_t mix(std::uint64_t h, std::uint64_t v) { return sim::derive_seed(h, v); }
std::uint64_t mix(std::uint64_t h, const std::string& s) {
  for (unsigned char c : s) h = mix(h, c);
  return h;
}

// The storm's server: one subnet big enough for every client, every architecture
// booting storm.0, and a transfer slot for each client.
std::string storm_server_toml(const std::string& root, std::uint32_t clients) {
  return "[server]\naddress = \"198.18.0.1\"\n"
         "[[subnet]]\nnetwork = \"198.18.0.0/15\"\npool = \"198.18.1.0-198.19.255.254\"\n"
         "router = \"198.18.0.1\"\n"
         "[boot]\ndefault_file = \"storm.0\"\n[boot.file]\nx64-efi = \"storm.0\"\n"
         "[tftp]\nroot = \"" + root + "\"\nmax_transfers = " +
         std::to_string(clients + 64) + "\ntransfer_timeout = 120\n";
}

// One client's outcome into the counts and the digest (same outcomes, same digest).
void tally(StormResult& r, const client::ClientOutcome& o) {
  switch (o.status) {
    case client::BootStatus::kBooted:
    case client::BootStatus::kLocalBoot: ++r.booted; break;
    case client::BootStatus::kFailed:
      ++r.failed;
      ++r.failures_by_code[o.code];
      break;
    case client::BootStatus::kPending:
      ++r.pending;
      ++r.failures_by_code[o.code];
      break;
  }
  const auto& t = o.retransmissions;
  r.retransmissions += t.discover + t.request + t.proxy_request + t.tftp;
  std::uint64_t h = mix(r.digest, static_cast<std::uint64_t>(o.status));
  h = mix(h, o.code);
  h = mix(h, static_cast<std::uint64_t>(o.timeline.done.value_or(-1)));
  for (const auto& img : o.images) h = mix(mix(h, img.sha256), img.size);
  r.digest = h;
}

}  // namespace

StormResult run_storm(const StormConfig& config) {
  StormResult r;
  r.clients = config.clients;
  r.physical_bound = static_cast<sim::Time>(static_cast<double>(config.clients) * static_cast<double>(config.image_bytes) *
                                            8e9 / static_cast<double>(config.link_bps));
  auto set = client::load_personalities(client::default_personality_dir());
  if (!set) {
    r.error = set.error().to_string();
    return r;
  }
  StormRoot root(config.image_bytes);
  if (root.dir().empty()) {
    r.error = "cannot create a temporary TFTP root";
    return r;
  }
  const std::string text = storm_server_toml(root.dir(), config.clients);
  auto server_config = server::parse_server_config(text, root.dir() + "/storm.toml");
  if (!server_config) {
    r.error = server_config.error().to_string();
    return r;
  }

  CpuStopwatch watch;
  sim::VirtualClock clock;
  sim::Segment segment(clock, config.seed);
  server::NullLog log;
  server::BootServerOptions options;
  options.tftp_first_port = 20000;  // [20000, 20000 + clients + 64): clear of 67, 69 and 4011
  auto server = server::BootServer::create(clock, *server_config, log, options);
  if (!server) {
    r.error = server.error().to_string();
    return r;
  }
  sim::LinkParams server_link;
  server_link.bandwidth_bps = config.link_bps;
  server_link.framing_overhead = 24;  // preamble, FCS, inter-frame gap
  server_link.latency = sim::us(20);
  // Deep enough for every transfer's window at once (10,000 x 4): the benchmark measures the
  // simulator; congestion collapse at a shallow queue is a scenario's business.
  server_link.queue_frames = 65536;
  segment.attach((*server)->host(), server_link, "server");

  // The server's link is the bottleneck the benchmark models; the clients' access
  // links are ideal, which also lets the switch hand each host only the broadcasts it
  // can act on (sim/flood_key.h) instead of all 5 x N of them.
  const sim::LinkParams client_link{};
  struct Machine {
    std::unique_ptr<sim::Host> host;
    std::unique_ptr<client::PxeClient> agent;
  };
  // Every client fetches the same image: hash each distinct block once (the digests,
  // and so the storm's digest, are the same as hashing every copy).
  client::ImageHashCache hash_cache;
  std::vector<Machine> machines;
  machines.reserve(config.clients);
  sim::Rng rng(sim::derive_seed(config.seed, 0x5707));
  std::uint32_t done = 0;
  sim::Time last_done = 0;
  sim::Time first_power_on = sim::kNever;
  for (std::uint32_t i = 0; i < config.clients; ++i) {
    const auto& p = set->at(config.personalities[i % config.personalities.size()]);
    sim::HostConfig hc;
    hc.mac = wire::MacAddress{{0x52, 0x54, 0x00, static_cast<std::uint8_t>(i >> 16), static_cast<std::uint8_t>(i >> 8),
                               static_cast<std::uint8_t>(i)}};
    hc.arp.attempts = static_cast<int>(p.arp_attempts);
    hc.arp.retry_interval = p.arp_retry;
    Machine m;
    m.host = std::make_unique<sim::Host>(clock, hc);
    m.agent = std::make_unique<client::PxeClient>(*set, p, sim::derive_seed(config.seed, i), p.id);
    m.agent->set_image_hash_cache(&hash_cache);
    m.agent->set_on_finished([&](const client::PxeClient&) {
      ++done;
      last_done = clock.now();
      if (done == config.clients) clock.stop();
    });
    segment.attach(*m.host, client_link);
    const sim::Time power_on = rng.uniform_time(config.spread);
    first_power_on = std::min(first_power_on, power_on);
    m.host->start(*m.agent, power_on);
    machines.push_back(std::move(m));
  }
  r.events = clock.run(config.deadline);

  for (auto& m : machines) {
    m.agent->end_of_run(clock.now());
    tally(r, m.agent->outcome());
  }
  r.makespan = (done ? last_done : clock.now()) - (first_power_on == sim::kNever ? 0 : first_power_on);
  r.frames = segment.frames_transmitted();
  r.cpu_seconds = watch.seconds();
  r.wall_seconds = watch.wall_seconds();
  return r;
}

}  // namespace pxelab::conformance
