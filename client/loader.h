// Second-stage loaders behind one small interface: what runs after the ROM's NBP
// arrived (or, for U-Boot, straight after DHCP). A loader asks its host (the PxeClient
// running it) for files by TFTP, records the images it keeps, and ends the boot; it
// never sends, binds or sets timers itself.
//
// ConfigLoader is pxelinux (FW-30) and U-Boot `pxe get` (FW-31): configuration names
// tried in order, the DEFAULT label's kernel and initrds fetched. IpxeScriptLoader
// runs an iPXE script (FW-44): echo, kernel/initrd/imgfetch, chain, boot, exit.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "client/boot_config.h"
#include "client/failure_reason.h"
#include "client/offer.h"
#include "client/outcome.h"
#include "client/personality.h"
#include "client/requests.h"
#include "client/tftp_download.h"
#include "sim/agent.h"

namespace pxelab::client {

// What a file fetch is for: the ROM's own (the tsize probe, the NBP) or a loader's.
enum class FetchPurpose : std::uint8_t { kProbe, kNbp, kLdlinux, kConfigTry, kStage2File, kScriptFetch, kScriptTarget };
struct Fetch {
  FetchPurpose purpose;
  FileRef ref;
  std::string kind;  // LoadedImage::kind
};

// How a loader ends the boot.
struct LoaderEnd {
  enum class Kind : std::uint8_t {
    kBooted,       // `text` says what started
    kLocalBoot,    // LOCALBOOT, `exit`: back to the local disk
    kFailed,       // `reason`, decided by `decided`
    kRunBinary,    // a script chained to a binary at `text` (path): the client starts it
  };
  Kind kind = Kind::kBooted;
  std::string text;
  FailureReason reason = FailureReason::kLoaderFailed;
  DecidingFrame decided;
};

// The client's side, as a loader sees it: three actions and what it may read.
class LoaderHost {
 public:
  // Fetches `f` by TFTP; the loader's on_fetched follows (unless the client failed).
  virtual void fetch(Fetch f) = 0;
  // Records a downloaded file in the outcome's images.
  virtual void record(const TftpDownload& dl, const std::string& kind) = 0;
  virtual void end(LoaderEnd end) = 0;

  ClientOutcome& outcome;       // console lines, images, boot_file
  const BootTarget& target;     // server, boot file, options 209/210
  const Personality& rom;       // the ROM (pxelinux reads its machine GUID)
  const Personality& stage;     // the loader's own personality
  const sim::AgentContext& ctx;
  const sim::Time& last_sent_at;
  sim::Time now;

 protected:
  LoaderHost(ClientOutcome& o, const BootTarget& t, const Personality& r, const Personality& s,
             const sim::AgentContext& c, const sim::Time& last_sent, sim::Time n)
      : outcome(o), target(t), rom(r), stage(s), ctx(c), last_sent_at(last_sent), now(n) {}
  ~LoaderHost() = default;
};

class Loader {
 public:
  virtual ~Loader() = default;
  // The loader starts: a config loader its first lookup; a script loader runs `content`
  // (the script fetched from `from`).
  virtual void start(LoaderHost& host) = 0;
  // A file this loader fetched ended (complete or not).
  virtual void on_fetched(LoaderHost& host, const Fetch& f, const TftpDownload& dl) = 0;
};

// pxelinux (with ldlinux.c32 first where the personality says so) or U-Boot `pxe get`,
// by the stage's LoaderPolicy.
std::unique_ptr<Loader> make_config_loader();
// An iPXE script, parsed from `content` (fetched from `from`) when started.
std::unique_ptr<Loader> make_ipxe_script_loader(const wire::Bytes& content, FileRef from);

// The ending a failed download means (PXE-E32, PXE-E3B, PXE-E35, ...); `arp_failed`:
// the server's address never resolved (PXE-E11).
LoaderEnd download_failure(const TftpDownload& dl, bool arp_failed);

}  // namespace pxelab::client
