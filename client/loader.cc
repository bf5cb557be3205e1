#include "client/loader.h"

#include <algorithm>
#include <string_view>

namespace pxelab::client {

namespace {

std::string_view text_of(const wire::Bytes& b) {
  return std::string_view(reinterpret_cast<const char*>(b.data()), b.size());
}

std::string dirname_of(std::string_view path) {
  auto slash = path.find_last_of('/');
  return slash == std::string_view::npos ? std::string() : std::string(path.substr(0, slash + 1));
}

LoaderEnd failed(FailureReason reason, DecidingFrame decided) {
  return LoaderEnd{LoaderEnd::Kind::kFailed, {}, reason, std::move(decided)};
}

DecidingFrame received_now(sim::Time now, std::string what) {
  return DecidingFrame{now, false, std::nullopt, std::move(what)};
}

DecidingFrame last_data(const TftpDownload& dl, std::string what) {
  return DecidingFrame{dl.deciding_time(), false, dl.deciding_frame(), std::move(what)};
}

// pxelinux and U-Boot `pxe get`: configuration names in order (FW-30, FW-31), then
// the DEFAULT label's files.
class ConfigLoader final : public Loader {
 public:
  void start(LoaderHost& host) override {
    const wire::Ipv4Address ip = host.outcome.address.value_or(wire::Ipv4Address::any());
    const BootTarget& t = host.target;
    if (host.stage.loader.policy == LoaderPolicy::kPxelinux) {
      prefix_ = path_prefix(t.path_prefix, t.file);
      names_ = pxelinux_config_names(prefix_, t.config_file, machine_guid(host.rom, host.outcome.mac), host.outcome.mac, ip);
      if (host.stage.loader.fetch_ldlinux) {
        return host.fetch(Fetch{FetchPurpose::kLdlinux, FileRef{*t.server, prefix_ + "ldlinux.c32"}, "file"});
      }
    } else {
      prefix_ = path_prefix(std::nullopt, t.file);
      names_ = uboot_config_names(prefix_, t.config_file, machine_guid(host.stage, host.outcome.mac), host.outcome.mac,
                                  ip, host.stage.loader.arch_soc_board);
    }
    next_config(host);
  }

  void on_fetched(LoaderHost& host, const Fetch& f, const TftpDownload& dl) override {
    const bool complete = dl.status() == TftpDownloadStatus::kComplete;
    switch (f.purpose) {
      case FetchPurpose::kLdlinux:
        if (!complete) return host.end(failed(FailureReason::kLoaderFailed, last_data(dl, "cannot load " + f.ref.path)));
        host.record(dl, "file");
        return next_config(host);
      case FetchPurpose::kConfigTry:
        if (dl.status() == TftpDownloadStatus::kServerError && dl.error_code() == 1) return next_config(host);
        if (!complete) return host.end(download_failure(dl, host.ctx.resolution_failed(dl.spec().server)));
        return config_loaded(host, dl);
      case FetchPurpose::kStage2File:
        if (!complete) return host.end(download_failure(dl, host.ctx.resolution_failed(dl.spec().server)));
        host.record(dl, f.kind);
        return fetch_next_file(host);
      default:
        return host.end(failed(FailureReason::kLoaderFailed, received_now(host.now, "unexpected fetch")));
    }
  }

 private:
  void next_config(LoaderHost& host) {
    if (index_ >= names_.size()) {
      return host.end(failed(FailureReason::kNoConfig,
                             DecidingFrame{host.last_sent_at, true, std::nullopt,
                                           "tried " + std::to_string(names_.size()) + " names, the last " +
                                               (names_.empty() ? std::string("-") : names_.back())}));
    }
    const std::string name = names_[index_++];
    host.fetch(Fetch{FetchPurpose::kConfigTry, FileRef{*host.target.server, name}, "pxelinux-config"});
  }

  void config_loaded(LoaderHost& host, const TftpDownload& dl) {
    const std::string& file = dl.spec().file;
    auto config = parse_loader_config(text_of(dl.content()));
    if (!config) return host.end(failed(FailureReason::kBadImage, last_data(dl, file + ": " + config.error().message)));
    host.record(dl, "pxelinux-config");
    for (const auto& s : config->say) host.outcome.console.push_back(s);
    auto action = default_action(*config);
    if (!action) return host.end(failed(FailureReason::kLoaderFailed, last_data(dl, file + ": " + action.error().message)));
    if (action->local_boot) {
      return host.end(LoaderEnd{LoaderEnd::Kind::kLocalBoot, file + ": label " + action->label + " is LOCALBOOT"});
    }
    files_.clear();
    for (const auto& name : action->files) {
      auto ref = resolve_file_ref(name, *host.target.server, prefix_);
      if (!ref) return host.end(failed(FailureReason::kUnsupported, last_data(dl, ref.error().message)));
      files_.push_back(Fetch{FetchPurpose::kStage2File, *ref, "file"});
    }
    std::reverse(files_.begin(), files_.end());  // popped from the back, in order
    fetch_next_file(host);
  }

  void fetch_next_file(LoaderHost& host) {
    if (files_.empty()) {
      return host.end(
          LoaderEnd{LoaderEnd::Kind::kBooted, "loader fetched its files, the last " + host.outcome.images.back().name});
    }
    Fetch f = std::move(files_.back());
    files_.pop_back();
    host.fetch(std::move(f));
  }

  std::string prefix_;
  std::vector<std::string> names_;
  std::size_t index_ = 0;
  std::vector<Fetch> files_;  // the label's kernel and initrds still to fetch, last first
};

// An iPXE script: its steps in order; `chain` to another script runs that one.
class IpxeScriptLoader final : public Loader {
 public:
  IpxeScriptLoader(const wire::Bytes& content, FileRef from) : content_(content), from_(std::move(from)) {}

  void start(LoaderHost& host) override { run(host, content_, from_); }

  void on_fetched(LoaderHost& host, const Fetch& f, const TftpDownload& dl) override {
    if (dl.status() != TftpDownloadStatus::kComplete) {
      return host.end(download_failure(dl, host.ctx.resolution_failed(dl.spec().server)));
    }
    if (f.purpose == FetchPurpose::kScriptFetch) {
      host.record(dl, "file");
      fetched_image_ = true;
      return next_step(host);
    }
    if (is_ipxe_script(text_of(dl.content()))) {
      host.record(dl, "ipxe-script");
      return run(host, dl.content(), f.ref);
    }
    host.record(dl, "nbp");
    host.end(LoaderEnd{LoaderEnd::Kind::kRunBinary, f.ref.path});
  }

 private:
  void run(LoaderHost& host, const wire::Bytes& content, const FileRef& from) {
    auto steps = parse_ipxe_script(text_of(content));
    if (!steps) return host.end(failed(FailureReason::kBadImage, received_now(host.now, steps.error().message)));
    steps_ = std::move(*steps);
    step_ = 0;
    base_ = FileRef{from.server, dirname_of(from.path)};
    fetched_image_ = false;
    next_step(host);
  }

  // ${next-server}, ${mac}, ${ip}, ${filename} (and their net0/ forms); others stay.
  std::string expand(std::string_view text, const LoaderHost& host) const {
    std::string out;
    while (!text.empty()) {
      auto start = text.find("${");
      if (start == std::string_view::npos) break;
      auto end = text.find('}', start);
      if (end == std::string_view::npos) break;
      out.append(text.substr(0, start));
      const std::string_view var = text.substr(start + 2, end - start - 2);
      if (var == "next-server" || var == "net0/next-server") {
        out += host.target.server ? host.target.server->to_string() : std::string("0.0.0.0");
      } else if (var == "mac" || var == "net0/mac") {
        out += host.ctx.mac().to_string();
      } else if (var == "ip" || var == "net0/ip") {
        out += host.outcome.address ? host.outcome.address->to_string() : std::string("0.0.0.0");
      } else if (var == "filename") {
        out += host.target.file;
      } else {
        out.append(text.substr(start, end - start + 1));
      }
      text.remove_prefix(end + 1);
    }
    out.append(text);
    return out;
  }

  void next_step(LoaderHost& host) {
    while (step_ < steps_.size()) {
      const IpxeStep step = steps_[step_++];
      const std::string arg = expand(step.arg, host);
      switch (step.kind) {
        case IpxeStep::Kind::kEcho: host.outcome.console.push_back(arg); continue;
        case IpxeStep::Kind::kExit: return host.end(LoaderEnd{LoaderEnd::Kind::kLocalBoot, "iPXE script: " + arg});
        case IpxeStep::Kind::kBoot:
          if (!fetched_image_) {
            return host.end(failed(FailureReason::kLoaderFailed, received_now(host.now, "iPXE boot with no image")));
          }
          return host.end(LoaderEnd{LoaderEnd::Kind::kBooted, "iPXE script booted " + host.outcome.images.back().name});
        case IpxeStep::Kind::kFetch:
        case IpxeStep::Kind::kChain: {
          auto ref = resolve_file_ref(arg, base_.server, base_.path);
          if (!ref) return host.end(failed(FailureReason::kUnsupported, received_now(host.now, ref.error().message)));
          const bool chain = step.kind == IpxeStep::Kind::kChain;
          if (chain) host.outcome.boot_file = ref->path;
          return host.fetch(Fetch{chain ? FetchPurpose::kScriptTarget : FetchPurpose::kScriptFetch, *ref, "file"});
        }
      }
    }
    host.end(failed(FailureReason::kLoaderFailed, received_now(host.now, "iPXE script ended without booting")));
  }

  wire::Bytes content_;  // the first script, until started
  FileRef from_;
  std::vector<IpxeStep> steps_;
  std::size_t step_ = 0;
  FileRef base_;  // where relative names resolve: the script's server and directory
  bool fetched_image_ = false;
};

}  // namespace

std::unique_ptr<Loader> make_config_loader() { return std::make_unique<ConfigLoader>(); }

std::unique_ptr<Loader> make_ipxe_script_loader(const wire::Bytes& content, FileRef from) {
  return std::make_unique<IpxeScriptLoader>(content, std::move(from));
}

LoaderEnd download_failure(const TftpDownload& dl, bool arp_failed) {
  const std::string& file = dl.spec().file;
  switch (dl.status()) {
    case TftpDownloadStatus::kOpenTimeout:
      return failed(arp_failed ? FailureReason::kArpTimeout : FailureReason::kTftpOpenTimeout,
                    DecidingFrame{dl.started(), true, std::nullopt,
                                  "TFTP RRQ " + file + " to " + dl.spec().server.to_string()});
    case TftpDownloadStatus::kTimeout:
      return failed(FailureReason::kTftpTimeout,
                    last_data(dl, "TFTP " + file + " stalled after " + std::to_string(dl.size()) + " octets"));
    case TftpDownloadStatus::kServerError: {
      const FailureReason reason = dl.error_code() == 1   ? FailureReason::kTftpNotFound
                                   : dl.error_code() == 2 ? FailureReason::kTftpAccess
                                                          : FailureReason::kTftpError;
      return failed(reason, last_data(dl, "TFTP ERROR " + std::to_string(dl.error_code()) + " '" + dl.error_message() +
                                              "' for " + file));
    }
    case TftpDownloadStatus::kRefused:
      return failed(FailureReason::kOackRefused, last_data(dl, "OACK for " + file + " refused: " + dl.error_message()));
    case TftpDownloadStatus::kTooLarge:
      return failed(FailureReason::kBadImage, last_data(dl, file + " is too large"));
    case TftpDownloadStatus::kRunning:
    case TftpDownloadStatus::kComplete:
      break;
  }
  return failed(FailureReason::kLoaderFailed, last_data(dl, file + ": download not finished"));
}

}  // namespace pxelab::client
