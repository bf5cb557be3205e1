// PxeClient: an emulated network-boot ROM and the loaders it starts, as one sans-I/O
// agent. Power-on -> DISCOVER with retries -> offers collected and one selected by the
// personality's algorithm -> REQUEST -> ACK/NAK (DECLINE where the firmware does) ->
// proxyDHCP / port-4011 request when the selection calls for it -> PXE menu and boot
// server discovery when option 43 calls for it (local boot included) -> TFTP of the
// boot file with the personality's options (tsize probe, blksize, windowsize, OACK
// checks) -> the image checked -> stage 2 where the NBP is a loader (pxelinux config
// lookup, iPXE chainload and script, U-Boot `pxe get`) -> an outcome.
//
// Written as a table of states (iPXE's src/net/udp/dhcp.c is the model): each state
// has an entry action, a receive handler and a timer-expiry handler; there is no
// per-firmware branch except through the personality's named policies.
//
// Time and datagrams come in; datagrams, port bindings, the bound address and one
// timer go out through the AgentContext. Randomness (xids, TFTP ports, U-Boot's jitter)
// comes from a seed, so a run is a function of its seed.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "client/boot_config.h"
#include "client/offer.h"
#include "client/outcome.h"
#include "client/personality.h"
#include "client/requests.h"
#include "client/tftp_download.h"
#include "sim/agent.h"
#include "sim/rng.h"

namespace pxelab::client {

class PxeClient final : public sim::Agent {
 public:
  static constexpr std::uint16_t kClientPort = 68;
  static constexpr std::uint16_t kServerPort = 67;
  static constexpr std::uint16_t kPxePort = 4011;

  // `set` holds `rom` and every personality its stage2 tables name; both must outlive
  // the client. `name` goes into the outcome.
  PxeClient(const PersonalitySet& set, const Personality& rom, std::uint64_t seed, std::string name);
  ~PxeClient() override;

  // Agent. start() is power-on: bind the client port and begin DHCP.
  void start(sim::AgentContext& ctx, sim::Time now) override;
  void on_datagram(sim::AgentContext& ctx, sim::Time now, const sim::Datagram& d) override;
  void on_timer(sim::AgentContext& ctx, sim::Time now, std::uint64_t tag) override;

  const ClientOutcome& outcome() const { return outcome_; }
  bool finished() const { return state_ == State::kDone; }
  // The run ended first: a pending client is marked DEADLINE (status kPending).
  void end_of_run(sim::Time now);
  // Called once when the client reaches its outcome (the harness counts finishers).
  void set_on_finished(std::function<void(const PxeClient&)> fn) { on_finished_ = std::move(fn); }
  // Downloads share `cache`'s prefix hashes (image_hash_cache.h; the same digests, less
  // work when many clients fetch one image). Not owned; must outlive the client's runs.
  void set_image_hash_cache(ImageHashCache* cache) { hash_cache_ = cache; }

  // The personality running now (a loader after a ROM's NBP).
  const Personality& stage() const { return *stage_; }
  // Test observability: the current state's name.
  std::string_view state_name() const;

 private:
  enum class State : std::uint8_t { kOff, kDiscover, kRequest, kProxy, kMenu, kDiscovery, kTftp, kDone };
  struct StateOps;
  static const StateOps kStates[8];

  // What a file fetch is for; the continuation dispatches on it.
  enum class Purpose : std::uint8_t { kProbe, kNbp, kLdlinux, kConfigTry, kStage2File, kScriptFetch, kScriptTarget };
  struct Fetch {
    Purpose purpose;
    FileRef ref;
    std::string kind;  // LoadedImage::kind
  };
  // A destination for a port-4011 / boot server request and how to send it.
  struct PxeTarget {
    sim::Endpoint to;
    bool broadcast = false;
  };

  // The state table's handlers.
  void enter_discover(sim::AgentContext& ctx, sim::Time now);
  void rx_discover(sim::AgentContext& ctx, sim::Time now, const sim::Datagram& d);
  void expired_discover(sim::AgentContext& ctx, sim::Time now);
  void enter_request(sim::AgentContext& ctx, sim::Time now);
  void rx_request(sim::AgentContext& ctx, sim::Time now, const sim::Datagram& d);
  void expired_request(sim::AgentContext& ctx, sim::Time now);
  void enter_proxy(sim::AgentContext& ctx, sim::Time now);
  void rx_proxy(sim::AgentContext& ctx, sim::Time now, const sim::Datagram& d);
  void expired_proxy(sim::AgentContext& ctx, sim::Time now);
  void enter_menu(sim::AgentContext& ctx, sim::Time now);
  void rx_ignore(sim::AgentContext& ctx, sim::Time now, const sim::Datagram& d);
  void expired_menu(sim::AgentContext& ctx, sim::Time now);
  void enter_tftp(sim::AgentContext& ctx, sim::Time now);
  void rx_tftp(sim::AgentContext& ctx, sim::Time now, const sim::Datagram& d);
  void expired_tftp(sim::AgentContext& ctx, sim::Time now);
  void enter_nothing(sim::AgentContext& ctx, sim::Time now);
  void expired_nothing(sim::AgentContext& ctx, sim::Time now);

  void set_state(sim::AgentContext& ctx, sim::Time now, State s);
  void arm(sim::AgentContext& ctx, sim::Time at);
  void disarm(sim::AgentContext& ctx);

  // DHCP helpers.
  RequestFields fields(sim::Time now, bool for_request);
  void send_discover(sim::AgentContext& ctx, sim::Time now);
  void send_request(sim::AgentContext& ctx, sim::Time now);
  bool xid_matches(std::uint32_t xid) const;
  bool addressed_to_me(const sim::AgentContext& ctx, const sim::Datagram& d, std::uint32_t xid,
                       bool any_recent_xid) const;
  sim::Time jittered(sim::Time t);
  void try_select(sim::AgentContext& ctx, sim::Time now, bool timer_expired);
  void bound(sim::AgentContext& ctx, sim::Time now, Offer ack);
  void after_boot_info(sim::AgentContext& ctx, sim::Time now);
  void start_pxe_requests(sim::AgentContext& ctx, sim::Time now, std::vector<PxeTarget> targets,
                          std::optional<wire::dhcp::BootItem> item, bool discovery);
  void send_pxe_request(sim::AgentContext& ctx, sim::Time now);
  const Offer* pxe_packet() const;  // the packet whose option 43 drives menus and discovery
  std::vector<const Offer*> boot_packets() const;
  void choose_menu_item(sim::AgentContext& ctx, sim::Time now);
  void discover_boot_server(sim::AgentContext& ctx, sim::Time now, std::uint16_t type);

  // Boot and loaders.
  void begin_boot(sim::AgentContext& ctx, sim::Time now);
  void fetch(sim::AgentContext& ctx, sim::Time now, Fetch f);
  void download_done(sim::AgentContext& ctx, sim::Time now);
  void nbp_loaded(sim::AgentContext& ctx, sim::Time now, const TftpDownload& dl);
  void run_loader(sim::AgentContext& ctx, sim::Time now);
  void next_config(sim::AgentContext& ctx, sim::Time now);
  void config_loaded(sim::AgentContext& ctx, sim::Time now, const TftpDownload& dl);
  void run_script(sim::AgentContext& ctx, sim::Time now, const wire::Bytes& content, const FileRef& from);
  std::string expand(std::string_view text, sim::AgentContext& ctx) const;
  void binary_loaded(sim::AgentContext& ctx, sim::Time now, const std::string& name);
  void next_script_step(sim::AgentContext& ctx, sim::Time now);
  void fetch_next_stage2_file(sim::AgentContext& ctx, sim::Time now);
  void chain_to(sim::AgentContext& ctx, sim::Time now, const std::string& personality_id);
  void record_image(const TftpDownload& dl, const std::string& kind);
  void fail_download(sim::AgentContext& ctx, sim::Time now, const TftpDownload& dl);

  // Outcomes.
  void booted(sim::AgentContext& ctx, sim::Time now, std::string what);
  void local_boot(sim::AgentContext& ctx, sim::Time now, std::string what);
  void fail(sim::AgentContext& ctx, sim::Time now, std::string_view reason, DecidingFrame decided);
  void done(sim::AgentContext& ctx, sim::Time now);
  DecidingFrame received(const sim::Datagram& d, sim::Time now, std::string what) const;
  DecidingFrame sent_last(sim::Time at, std::string what) const;

  const PersonalitySet& set_;
  const Personality* rom_;
  const Personality* stage_;
  sim::Rng rng_;
  ImageHashCache* hash_cache_ = nullptr;
  ClientOutcome outcome_;
  std::function<void(const PxeClient&)> on_finished_;

  State state_ = State::kOff;
  sim::TimerId timer_;
  bool timer_set_ = false;
  sim::Time timer_at_ = sim::kNever;
  std::uint64_t timer_generation_ = 0;

  // DHCP session.
  std::uint32_t xid_ = 0;
  std::vector<std::uint32_t> old_xids_;
  sim::Time session_start_ = 0;
  std::size_t discover_round_ = 0;  // index into discover_timeouts
  std::uint32_t packets_sent_ = 0;  // in this session (iPXE's secs)
  std::uint16_t discover_secs_ = 0;
  sim::Time last_sent_at_ = 0;
  std::string last_sent_what_;
  std::vector<Offer> offers_;
  std::optional<Selection> selection_;
  std::optional<Offer> selected_;  // the DHCP offer requested
  std::vector<Offer> proxy_offers_;  // the proxies of the selection
  std::optional<Offer> ack_;
  std::optional<Offer> pxe_reply_;   // a 4011 / boot server ACK
  std::size_t request_round_ = 0;
  bool chainloaded_ = false;
  std::uint32_t chain_count_ = 0;

  // Port-4011 / boot server requests.
  std::vector<PxeTarget> pxe_targets_;
  std::size_t pxe_target_ = 0;
  std::size_t pxe_round_ = 0;
  std::optional<wire::dhcp::BootItem> pxe_item_;
  bool pxe_discovery_ = false;
  bool pxe_optional_ = false;  // iPXE's ProxyDHCPREQUEST: giving up is not a failure (FW-17)
  bool pxe_port_bound_ = false;
  std::uint32_t pxe_xid_ = 0;

  // Boot.
  BootTarget target_;
  std::optional<std::uint64_t> expected_size_;  // from the tsize probe or option 13
  std::unique_ptr<TftpDownload> download_;
  std::optional<Fetch> current_fetch_;
  std::vector<Fetch> stage2_files_;
  std::vector<std::string> config_names_;
  std::size_t config_index_ = 0;
  std::vector<IpxeStep> script_;
  std::size_t script_step_ = 0;
  FileRef script_base_;
  std::string prefix_;
  std::uint64_t bytes_loaded_ = 0;
  bool script_fetched_image_ = false;
};

}  // namespace pxelab::client
