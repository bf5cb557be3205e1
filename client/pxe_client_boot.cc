// PxeClient's boot: the boot file by TFTP (the tsize probe, FW-23; the image checks),
// the images recorded, and the loaders of client/loader.h started and served (pxe_client.h).
#include <algorithm>

#include "client/pxe_client.h"
#include "image/floppy_format.h"
#include "wire/ports.h"
#include "wire/text.h"

namespace pxelab::client {

namespace {

std::string lower(std::string_view s) { return wire::lowercase(s); }  // wire/text.h

std::string basename_of(std::string_view path) {
  auto slash = path.find_last_of("/\\");
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

bool is_floppy_name(std::string_view name) {
  const std::string n = lower(name);
  for (const char* ext : {".img", ".ima", ".flp", ".dsk"}) {
    if (n.size() > 4 && n.compare(n.size() - 4, 4, ext) == 0) return true;
  }
  return false;
}

// The sizes of the standard diskettes (image/floppy_format.h): 360 KiB to 2.88 MiB.
bool is_floppy_size(std::uint64_t size) {
  for (const image::FloppyFormat& f : image::floppy_formats()) {
    if (size == f.bytes()) return true;
  }
  return false;
}

std::uint16_t random_port(sim::Rng& rng, std::pair<std::uint16_t, std::uint16_t> range) {
  const std::uint32_t span = static_cast<std::uint32_t>(range.second) - range.first + 1;
  return static_cast<std::uint16_t>(range.first + rng.below(span));
}

std::string_view text_of(const wire::Bytes& b) {
  return std::string_view(reinterpret_cast<const char*>(b.data()), b.size());
}

}  // namespace

// The client as its loader sees it, for one call into the loader.
class PxeClient::Loading final : public LoaderHost {
 public:
  Loading(PxeClient& c, sim::AgentContext& agent_ctx, sim::Time at)
      : LoaderHost(c.outcome_, c.target_, *c.rom_, *c.stage_, agent_ctx, c.last_sent_at_, at), c_(c), ctx_(agent_ctx) {}
  void fetch(Fetch f) override { c_.fetch(ctx_, now, std::move(f)); }
  void record(const TftpDownload& dl, const std::string& kind) override { c_.record_image(dl, kind); }
  void end(LoaderEnd e) override { c_.loader_ended(ctx_, now, std::move(e)); }

 private:
  PxeClient& c_;
  sim::AgentContext& ctx_;
};

void PxeClient::begin_boot(sim::AgentContext& ctx, sim::Time now) {
  target_ = boot_target(*stage_, boot_packets());
  outcome_.boot_file = target_.file;
  if (target_.boot_file_size) expected_size_ = std::uint64_t{*target_.boot_file_size} * 512;  // FW-12
  if (!target_.server) {
    // iPXE has nothing to fetch without a name either: no_bootfile decides then;
    // U-Boot's `pxe get` needs serverip whatever the file.
    const bool needs_server = !target_.file.empty() || stage_->loader.policy == LoaderPolicy::kUbootPxe;
    if (needs_server && stage_->failures.contains(FailureReason::kNoServer)) {
      const Offer& ack = *session_.ack;
      fail(ctx, now, FailureReason::kNoServer, DecidingFrame{ack.time, false, ack.frame, "no siaddr and no server identifier"});
      return;
    }
    target_.server = wire::Ipv4Address::any();  // FW-37: the ROM asks 0.0.0.0 and times out
  }
  outcome_.boot_server = *target_.server;
  if (stage_->loader.policy == LoaderPolicy::kUbootPxe) {  // U-Boot: `pxe get` straight after DHCP
    run_loader(ctx, now);
    return;
  }
  if (target_.file.empty()) {
    const Offer* last = boot_packets().back();
    fail(ctx, now, FailureReason::kNoBootfile, DecidingFrame{last->time, false, last->frame, "no file field and no option 67"});
    return;
  }
  const TftpRules& t = stage_->tftp;
  FileRef ref{*target_.server, target_.file};
  if (t.tsize_probe && !(t.skip_probe_with_option13 && target_.boot_file_size)) {
    fetch(ctx, now, Fetch{FetchPurpose::kProbe, ref, "nbp"});  // FW-23
  } else {
    fetch(ctx, now, Fetch{FetchPurpose::kNbp, ref, "nbp"});
  }
}

void PxeClient::fetch(sim::AgentContext& ctx, sim::Time now, Fetch f) {
  const TftpRules& rules = stage_->tftp;
  TftpDownloadSpec spec;
  spec.file = f.ref.path;
  spec.server = f.ref.server;
  for (const auto& o : rules.options) {
    // FW-23: the probe asks tsize; the real read after a probe does not.
    if (f.purpose != FetchPurpose::kProbe && rules.tsize_probe && lower(o.name) == "tsize") continue;
    spec.options.push_back(o);
  }
  spec.probe_only = f.purpose == FetchPurpose::kProbe;
  spec.hash_cache = hash_cache_;
  // Any boot file may be a floppy (by name or by size, known only at the end); the
  // reader gives up at the first block of anything else.
  spec.read_floppy = f.purpose == FetchPurpose::kNbp;
  if (f.purpose == FetchPurpose::kConfigTry) {
    spec.keep = TftpDownloadSpec::Keep::kAll;
  } else if (f.purpose == FetchPurpose::kScriptTarget ||
             (f.purpose == FetchPurpose::kNbp && stage_->loader.policy == LoaderPolicy::kIpxeScript)) {
    spec.keep = TftpDownloadSpec::Keep::kIfScript;
  }
  // A new port per transfer (RFC 1350 §4), from the firmware's range.
  for (int attempt = 0; attempt < 16; ++attempt) {
    // Never a boot protocol's well-known port: a real U-Boot may draw 4011 from its
    // 1024-4095 range, but every analyser (Wireshark too) would then read DHCP there.
    spec.local_port = random_port(rng_, rules.source_ports);
    const bool reserved = spec.local_port == kServerPort || spec.local_port == kClientPort ||
                          spec.local_port == kPxePort || spec.local_port == wire::kTftpServerPort;
    if (!reserved && spec.local_port != stage_->boot.proxy_source_port && ctx.bind_port(spec.local_port).ok()) {
      break;
    }
    spec.local_port = 0;
  }
  if (spec.local_port == 0) {
    fail(ctx, now, FailureReason::kLoaderFailed, DecidingFrame{now, false, std::nullopt, "no free UDP port for TFTP"});
    return;
  }
  auto download = std::make_unique<TftpDownload>(rules, std::move(spec));
  if (!outcome_.timeline.tftp_start) outcome_.timeline.tftp_start = now;
  set_state(ctx, now, Downloading{std::move(f), std::move(download)});
}

// ---- the TFTP state ------------------------------------------------------------------

void PxeClient::enter_tftp(sim::AgentContext& ctx, sim::Time now) {
  TftpDownload& dl = *in<Downloading>().download;
  dl.start(ctx, now);
  last_sent_at_ = now;
  last_sent_what_ = "TFTP RRQ " + dl.spec().file + " to " + dl.spec().server.to_string();
  arm(ctx, dl.deadline());
}

void PxeClient::rx_tftp(sim::AgentContext& ctx, sim::Time now, const sim::Datagram& d) {
  TftpDownload* dl = in<Downloading>().download.get();
  if (!dl || !dl->on_datagram(ctx, now, d)) return;
  if (dl->finished()) {
    download_done(ctx, now);
  } else if (dl->deadline() < timer_at_) {
    arm(ctx, dl->deadline());
  }
  // A later deadline (progress) needs no new timer: the old one re-arms when it fires.
}

void PxeClient::expired_tftp(sim::AgentContext& ctx, sim::Time now) {
  TftpDownload* dl = in<Downloading>().download.get();
  if (!dl) return;
  if (now < dl->deadline()) {
    arm(ctx, dl->deadline());
    return;
  }
  dl->on_timeout(ctx, now);
  if (dl->finished()) {
    download_done(ctx, now);
  } else {
    arm(ctx, dl->deadline());
  }
}

// The download ended: the ROM's own fetches are judged here, a loader's go to it.
void PxeClient::download_done(sim::AgentContext& ctx, sim::Time now) {
  Downloading& s = in<Downloading>();
  const std::unique_ptr<TftpDownload> dl = std::move(s.download);
  const Fetch f = std::move(s.fetch);
  ctx.unbind_port(dl->spec().local_port);
  outcome_.retransmissions.tftp += dl->retransmissions();
  outcome_.timeline.tftp_end = now;
  const bool complete = dl->status() == TftpDownloadStatus::kComplete;
  switch (f.purpose) {
    case FetchPurpose::kProbe:
      if (!complete) return loader_ended(ctx, now, download_failure(*dl, ctx.resolution_failed(dl->spec().server)));
      if (dl->tsize()) {
        expected_size_ = dl->tsize();
      } else if (stage_->tftp.needs_tsize && !target_.boot_file_size) {
        // FW-24: no size from the OACK (or a DATA reply) and no option 13.
        return fail(ctx, now, FailureReason::kNoTsize,
                    DecidingFrame{dl->deciding_time(), false, dl->deciding_frame(),
                                  dl->got_oack() ? "OACK without tsize" : "DATA instead of an OACK"});
      }
      return fetch(ctx, now, Fetch{FetchPurpose::kNbp, f.ref, "nbp"});
    case FetchPurpose::kNbp:
      if (!complete) return loader_ended(ctx, now, download_failure(*dl, ctx.resolution_failed(dl->spec().server)));
      return nbp_loaded(ctx, now, *dl);
    default:
      if (!loader_) {
        return fail(ctx, now, FailureReason::kLoaderFailed, DecidingFrame{now, false, std::nullopt, "no loader running"});
      }
      Loading host(*this, ctx, now);
      loader_->on_fetched(host, f, *dl);
      return;
  }
}

void PxeClient::record_image(const TftpDownload& dl, const std::string& kind) {
  LoadedImage img;
  img.name = dl.spec().file;
  img.size = dl.size();
  img.tsize = dl.tsize();
  img.sha256 = dl.sha256();
  img.kind = kind;
  img.server = dl.spec().server;
  img.started = dl.started();
  img.finished = dl.finished_at();
  bytes_loaded_ += dl.size();
  outcome_.images.push_back(std::move(img));
}

void PxeClient::nbp_loaded(sim::AgentContext& ctx, sim::Time now, const TftpDownload& dl) {
  const std::string& name = dl.spec().file;
  DecidingFrame last{dl.deciding_time(), false, dl.deciding_frame(), "last DATA of " + name};
  const std::optional<std::uint64_t> announced = dl.tsize() ? dl.tsize() : expected_size_;
  if (announced && *announced != dl.size()) {
    last.what = name + ": " + std::to_string(dl.size()) + " octets arrived, " + std::to_string(*announced) + " announced";
    return fail(ctx, now, FailureReason::kBadImage, last);
  }
  if (dl.size() == 0) {
    last.what = name + " is empty";
    return fail(ctx, now, FailureReason::kBadImage, last);
  }
  const bool floppy = is_floppy_name(name) || is_floppy_size(dl.size());
  std::optional<FloppyContent> floppy_content;
  if (floppy) {
    const wire::Bytes& h = dl.head();
    if (h.size() < 512 || h[510] != 0x55 || h[511] != 0xaa) {
      last.what = name + ": no 0x55AA boot signature at offset 510";
      return fail(ctx, now, FailureReason::kBadImage, last);
    }
    // "Booting" the floppy: its BPB and FAT12 file system must read (FW-48), and what
    // the per-host personalization wrote there goes into the outcome (issue 11).
    auto read = dl.floppy() ? dl.floppy()->finish() : Result<FloppyContent>(make_error("", 0, "not read"));
    if (!read) {
      last.what = name + ": " + read.error().message;
      return fail(ctx, now, FailureReason::kBadImage, last);
    }
    floppy_content = std::move(*read);
  }
  const wire::Bytes& content = dl.content();
  if (stage_->loader.policy == LoaderPolicy::kIpxeScript && is_ipxe_script(text_of(content))) {
    record_image(dl, "ipxe-script");
    return start_loader(ctx, now, make_ipxe_script_loader(content, FileRef{dl.spec().server, name}));
  }
  record_image(dl, floppy ? "floppy" : "nbp");
  outcome_.images.back().floppy = std::move(floppy_content);
  outcome_.images.back().tsize = announced;  // from the probe (FW-23) or option 13, if not this RRQ
  binary_loaded(ctx, now, name);
}

// ---- the loaders ---------------------------------------------------------------------

void PxeClient::binary_loaded(sim::AgentContext& ctx, sim::Time now, const std::string& name) {
  auto next = stage_->stage2.find(lower(basename_of(name)));
  if (next != stage_->stage2.end()) return chain_to(ctx, now, next->second);
  booted(ctx, now, "NBP " + name + " loaded and started");
}

void PxeClient::chain_to(sim::AgentContext& ctx, sim::Time now, const std::string& id) {
  auto it = set_.find(id);
  if (it == set_.end()) {
    return fail(ctx, now, FailureReason::kUnsupported, DecidingFrame{now, false, std::nullopt, "no personality '" + id + "'"});
  }
  if (++chain_count_ > it->second.loader.max_chain) {
    return fail(ctx, now, FailureReason::kChainLoop,
                DecidingFrame{now, false, std::nullopt,
                              std::to_string(chain_count_ - 1) + " chained loads of " + id + ": " + outcome_.boot_file});
  }
  const std::string nbp = outcome_.boot_file;
  stage_ = &it->second;
  if (stage_->loader.start == LoaderStart::kNewDhcp) {
    chainloaded_ = true;  // FW-44: iPXE asks again, with its own identity
    // and with a network stack of its own that has no address yet: real iPXE's
    // DISCOVER after OVMF chainloaded it is from 0.0.0.0 (captures/golden/qemu/
    // ovmf-x64-ipxe.pcap frame 740; RFC 2131 §4.1 "set to 0" before an address).
    ctx.configure_address(std::nullopt);
    set_state(ctx, now, Discovering{});
    return;
  }
  target_ = boot_target(*stage_, boot_packets());  // FW-15: the loader reads the cached packets itself
  if (!target_.server) target_.server = outcome_.boot_server;
  if (target_.file.empty()) target_.file = nbp;
  run_loader(ctx, now);
}

void PxeClient::run_loader(sim::AgentContext& ctx, sim::Time now) {
  switch (stage_->loader.policy) {
    case LoaderPolicy::kPxelinux:
    case LoaderPolicy::kUbootPxe: return start_loader(ctx, now, make_config_loader());
    case LoaderPolicy::kIpxeScript:
    case LoaderPolicy::kNone: return booted(ctx, now, "loader " + stage_->id + " started");
  }
}

void PxeClient::start_loader(sim::AgentContext& ctx, sim::Time now, std::unique_ptr<Loader> loader) {
  retired_loader_ = std::move(loader_);
  loader_ = std::move(loader);
  Loading host(*this, ctx, now);
  loader_->start(host);
}

void PxeClient::loader_ended(sim::AgentContext& ctx, sim::Time now, LoaderEnd end) {
  switch (end.kind) {
    case LoaderEnd::Kind::kBooted: return booted(ctx, now, std::move(end.text));
    case LoaderEnd::Kind::kLocalBoot: return local_boot(ctx, now, std::move(end.text));
    case LoaderEnd::Kind::kFailed: return fail(ctx, now, end.reason, std::move(end.decided));
    case LoaderEnd::Kind::kRunBinary: return binary_loaded(ctx, now, end.text);
  }
}

}  // namespace pxelab::client
