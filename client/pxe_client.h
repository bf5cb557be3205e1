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
// has an entry action, a receive handler and a timer-expiry handler, and owns its data
// (StateData, smoltcp's ClientState); there is no per-firmware branch except through
// the personality's named policies. The loaders after the ROM are behind one interface
// (client/loader.h). Files: pxe_client.cc (the table, transmit path, reply filter and
// outcomes), pxe_client_dhcp.cc (DISCOVER, REQUEST), pxe_client_pxe.cc (port 4011,
// menu, boot server discovery), pxe_client_boot.cc (TFTP of the NBP, loaders).
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
#include <variant>
#include <vector>

#include "client/boot_config.h"
#include "client/failure_reason.h"
#include "client/loader.h"
#include "client/offer.h"
#include "client/outcome.h"
#include "client/personality.h"
#include "client/requests.h"
#include "client/tftp_download.h"
#include "sim/agent.h"
#include "sim/rng.h"
#include "wire/ports.h"

namespace pxelab::client {

class PxeClient final : public sim::Agent {
 public:
  static constexpr std::uint16_t kClientPort = wire::kDhcpClientPort;
  static constexpr std::uint16_t kServerPort = wire::kDhcpServerPort;
  static constexpr std::uint16_t kPxePort = wire::kPxeBootServerPort;

  // `set` holds `rom` and every personality its stage2 tables name; both must outlive
  // the client. `name` goes into the outcome.
  PxeClient(const PersonalitySet& set, const Personality& rom, std::uint64_t seed, std::string name);
  ~PxeClient() override;

  // Agent. start() is power-on: bind the client port and begin DHCP.
  void start(sim::AgentContext& ctx, sim::Time now) override;
  void on_datagram(sim::AgentContext& ctx, sim::Time now, const sim::Datagram& d) override;
  void on_timer(sim::AgentContext& ctx, sim::Time now, std::uint64_t tag) override;

  const ClientOutcome& outcome() const { return outcome_; }
  bool finished() const { return state() == State::kDone; }
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
  class Loading;  // the LoaderHost a loader sees (pxe_client_boot.cc)

  // The rows of the state table (kStates), in the order of StateData's alternatives.
  enum class State : std::uint8_t { kOff, kDiscover, kRequest, kProxy, kMenu, kDiscovery, kTftp, kDone };
  struct StateOps;
  static const StateOps kStates[8];

  // A destination for a port-4011 / boot server request and how to send it.
  struct PxeTarget {
    sim::Endpoint to;
    bool broadcast = false;
  };

  // Each state's own data (smoltcp's ClientState): built on entry, gone on exit.
  struct Off {};
  struct Discovering {
    std::vector<Offer> offers;  // kept (at most max_offers) for the selection
    std::size_t round = 0;      // index into discover_timeouts
  };
  struct Requesting {
    std::size_t round = 0;  // index into request_timeouts
  };
  // Port-4011 requests (ProxyDHCP, FW-11/16/17/39) and boot server discovery
  // (PXE 2.1 §2.2.6, FW-19) retry alike over a list of targets.
  struct PxeRequests {
    std::vector<PxeTarget> targets;
    std::optional<wire::dhcp::BootItem> item;  // discovery: the boot item asked for
    bool optional = false;  // iPXE's ProxyDHCPREQUEST: giving up is not a failure (FW-17)
    std::size_t target = 0;
    std::size_t round = 0;
    std::uint32_t xid = 0;
  };
  struct ProxyRequest : PxeRequests {};
  struct BootServerDiscovery : PxeRequests {};
  struct Menu {};
  struct Downloading {
    Fetch fetch;
    std::unique_ptr<TftpDownload> download;
  };
  struct Done {};
  using StateData = std::variant<Off, Discovering, Requesting, ProxyRequest, Menu, BootServerDiscovery, Downloading, Done>;

  // One DHCP session (from a DISCOVER to the boot information): what REQUEST, the
  // 4011 request and the menu read. Started over by every entry to kDiscover.
  struct Session {
    std::uint32_t xid = 0;
    std::vector<std::uint32_t> old_xids;
    sim::Time start = 0;
    std::uint32_t packets_sent = 0;  // DISCOVERs and REQUESTs (iPXE's secs)
    std::uint16_t discover_secs = 0;
    bool saw_offer = false;          // an offer with an address was kept (iPXE's secs)
    bool saw_proxy = false;          // an offer with PXEClient was kept (iPXE's secs)
    std::optional<Selection> selection;
    std::optional<Offer> selected;   // the DHCP offer requested
    std::vector<Offer> proxy_offers; // the proxies of the selection
    std::optional<Offer> ack;
    std::optional<Offer> pxe_reply;  // a 4011 / boot server ACK
  };

  // The state table's handlers (pxe_client_dhcp.cc, pxe_client_pxe.cc, pxe_client_boot.cc).
  void enter_discover(sim::AgentContext& ctx, sim::Time now);
  void rx_discover(sim::AgentContext& ctx, sim::Time now, const sim::Datagram& d);
  void expired_discover(sim::AgentContext& ctx, sim::Time now);
  void enter_request(sim::AgentContext& ctx, sim::Time now);
  void rx_request(sim::AgentContext& ctx, sim::Time now, const sim::Datagram& d);
  void expired_request(sim::AgentContext& ctx, sim::Time now);
  void enter_proxy(sim::AgentContext& ctx, sim::Time now);
  void rx_proxy(sim::AgentContext& ctx, sim::Time now, const sim::Datagram& d);
  void expired_proxy(sim::AgentContext& ctx, sim::Time now);
  void enter_discovery(sim::AgentContext& ctx, sim::Time now);
  void rx_discovery(sim::AgentContext& ctx, sim::Time now, const sim::Datagram& d);
  void expired_discovery(sim::AgentContext& ctx, sim::Time now);
  void enter_menu(sim::AgentContext& ctx, sim::Time now);
  void expired_menu(sim::AgentContext& ctx, sim::Time now);
  void enter_tftp(sim::AgentContext& ctx, sim::Time now);
  void rx_tftp(sim::AgentContext& ctx, sim::Time now, const sim::Datagram& d);
  void expired_tftp(sim::AgentContext& ctx, sim::Time now);
  void enter_nothing(sim::AgentContext& ctx, sim::Time now);
  void rx_ignore(sim::AgentContext& ctx, sim::Time now, const sim::Datagram& d);
  void expired_nothing(sim::AgentContext& ctx, sim::Time now);

  State state() const { return static_cast<State>(state_.index()); }
  template <class T>
  T& in() { return std::get<T>(state_); }
  // Leaves the current state (its data is gone) and enters `next`.
  void set_state(sim::AgentContext& ctx, sim::Time now, StateData next);
  void arm(sim::AgentContext& ctx, sim::Time at);
  void disarm(sim::AgentContext& ctx);

  // The one transmit path (iPXE's dhcp_tx): sends and remembers what went out last.
  void transmit(sim::AgentContext& ctx, sim::Time now, const sim::OutgoingDatagram& d, std::string what);
  // The one reply filter (iPXE's dhcp_deliver): a BOOTREPLY at `port` for this MAC and
  // `xid` (or, `recent`, any xid the session still accepts), read as an Offer.
  std::optional<Offer> accept_reply(const sim::AgentContext& ctx, sim::Time now, const sim::Datagram& d,
                                    std::uint16_t port, std::uint32_t xid, bool recent) const;
  bool xid_matches(std::uint32_t xid) const;

  // DHCP (pxe_client_dhcp.cc).
  RequestFields fields(sim::Time now, bool for_request);
  void send_discover(sim::AgentContext& ctx, sim::Time now);
  void send_request(sim::AgentContext& ctx, sim::Time now);
  sim::Time jittered(sim::Time t);
  void try_select(sim::AgentContext& ctx, sim::Time now, bool timer_expired);
  void bound(sim::AgentContext& ctx, sim::Time now, Offer ack);

  // Port 4011, menus, boot server discovery (pxe_client_pxe.cc).
  void start_pxe_requests(sim::AgentContext& ctx, sim::Time now, bool discovery, PxeRequests r);
  void send_pxe_request(sim::AgentContext& ctx, sim::Time now, PxeRequests& r, bool discovery);
  // The ACK of a 4011 / discovery request, if `d` is one that `r` accepts.
  std::optional<Offer> pxe_ack(const sim::AgentContext& ctx, sim::Time now, const sim::Datagram& d,
                               const PxeRequests& r, bool discovery) const;
  // The timer of a 4011 / discovery request: the next try, or false when all are spent.
  bool retry_pxe_request(sim::AgentContext& ctx, sim::Time now, PxeRequests& r, bool discovery);
  void after_boot_info(sim::AgentContext& ctx, sim::Time now);
  const Offer* pxe_packet() const;  // the packet whose option 43 drives menus and discovery
  std::vector<const Offer*> boot_packets() const;
  void choose_menu_item(sim::AgentContext& ctx, sim::Time now);
  void discover_boot_server(sim::AgentContext& ctx, sim::Time now, std::uint16_t type);

  // Boot: the NBP by TFTP, then the loaders (pxe_client_boot.cc).
  void begin_boot(sim::AgentContext& ctx, sim::Time now);
  void fetch(sim::AgentContext& ctx, sim::Time now, Fetch f);
  void download_done(sim::AgentContext& ctx, sim::Time now);
  void nbp_loaded(sim::AgentContext& ctx, sim::Time now, const TftpDownload& dl);
  void binary_loaded(sim::AgentContext& ctx, sim::Time now, const std::string& name);
  void chain_to(sim::AgentContext& ctx, sim::Time now, const std::string& personality_id);
  void run_loader(sim::AgentContext& ctx, sim::Time now);
  void start_loader(sim::AgentContext& ctx, sim::Time now, std::unique_ptr<Loader> loader);
  void loader_ended(sim::AgentContext& ctx, sim::Time now, LoaderEnd end);
  void record_image(const TftpDownload& dl, const std::string& kind);

  // Outcomes.
  void booted(sim::AgentContext& ctx, sim::Time now, std::string what);
  void local_boot(sim::AgentContext& ctx, sim::Time now, std::string what);
  void fail(sim::AgentContext& ctx, sim::Time now, FailureReason reason, DecidingFrame decided);
  void done(sim::AgentContext& ctx, sim::Time now);
  DecidingFrame received(const sim::Datagram& d, sim::Time now, std::string what) const;
  DecidingFrame sent_last(std::string what) const;

  const PersonalitySet& set_;
  const Personality* rom_;
  const Personality* stage_;
  sim::Rng rng_;
  ImageHashCache* hash_cache_ = nullptr;
  ClientOutcome outcome_;
  std::function<void(const PxeClient&)> on_finished_;

  StateData state_;
  sim::TimerId timer_;
  bool timer_set_ = false;
  sim::Time timer_at_ = sim::kNever;
  std::uint64_t timer_generation_ = 0;
  sim::Time last_sent_at_ = 0;
  std::string last_sent_what_;

  Session session_;
  bool pxe_port_bound_ = false;  // the personality's proxy source port, once bound

  // Boot, across chained stages.
  bool chainloaded_ = false;
  std::uint32_t chain_count_ = 0;
  BootTarget target_;
  std::optional<std::uint64_t> expected_size_;  // from the tsize probe or option 13
  std::uint64_t bytes_loaded_ = 0;
  std::unique_ptr<Loader> loader_;
  // The loader replaced while one of its own calls is on the stack (a script chaining
  // to a loader binary): kept alive until the next replacement.
  std::unique_ptr<Loader> retired_loader_;
};

}  // namespace pxelab::client
