// The --k8s-dir source: the cluster as a directory of manifests, for running the load balancer
// without API access (a dump kept fresh by a cron job or a sidecar, or hand-written files).
//
// Read: every *.yaml, *.yml and *.json file directly in DIR (not in subdirectories, as the
// --lb-config loader; names starting with '.' are skipped, so editors' and our own temporary
// files are never half-read). Files must be regular files (symlinks to them are followed, so a
// ConfigMap volume works) of at most DirSourceOptions::max_file_size; a FIFO, a device or a
// directory with such a name is reported and skipped, and never blocks.
//
// Watched with inotify on the caller's io_context: a file closed after writing, renamed into or
// out of DIR, or deleted. A burst of such events is coalesced (DirSourceOptions::debounce after
// the last one, at most max_delay after the first) into one re-read of only the files named,
// then one listener call with the whole state, and only if the state changed.
//
// Status (the controller's assignments): DIR/.vipd-status/NAMESPACE_NAME.yaml, one per Service,
// a Service-shaped document with status.loadBalancer.ingress and the Service's last Events,
// written atomically (temporary file + rename) and watched like the manifests. Its ingress
// replaces whatever the manifest's status says, so every vipd watching DIR (speakers, a
// restarted controller) sees the controller's assignments. A status for a Service that does not
// exist is ignored (kept: if the Service comes back, its address is still recorded).
//
// Leadership: DIR/.vipd-controller.lock, held with flock(LOCK_EX) while leader. It is the
// directory's equivalent of the coordination.k8s.io Lease MetalLB's controllers would use: the
// kernel releases it when the holder exits or dies, so no expiry is needed.
//
// Everything runs on the io_context's thread; nothing here blocks on another process.
#pragma once

#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "event/asio_clock.hpp"
#include "lb/cluster/parse.hpp"
#include "lb/cluster/source.hpp"

namespace vipd::lb::cluster {

struct DirSourceOptions {
  // Quiet time after the last event before re-reading: `kubectl get > f` or `cp *.yaml` close
  // several files within a few milliseconds.
  std::chrono::milliseconds debounce{20};
  // Longest wait after the first event, so a writer that never pauses cannot starve the reload.
  std::chrono::milliseconds max_delay{250};
  std::size_t max_file_size = std::size_t{64} << 20;
  std::chrono::milliseconds leadership_retry{1000};
  std::size_t events_kept = 10;
  // fsync status files before renaming them into place: an assignment must survive a power
  // loss, or a restarted controller may hand out another address.
  bool sync_status_writes = true;
};

class DirSource final : public ClusterSource {
 public:
  static constexpr const char* kStatusDirectory = ".vipd-status";
  static constexpr const char* kLockFile = ".vipd-controller.lock";

  DirSource(asio::io_context& io, std::string directory, DirSourceOptions options = {});
  ~DirSource() override;
  DirSource(const DirSource&) = delete;
  DirSource& operator=(const DirSource&) = delete;

  // Reads everything, starts watching and posts the first listener call. Errors: DIR is not a
  // directory, inotify is unavailable. Problems in files are not errors here: see errors().
  std::vector<std::string> start(Listener listener) override;
  // Stops watching and gives up leadership (without calling on_change).
  void stop() override;
  const ClusterState& state() const override { return state_; }

  // Returns whether this source holds DIR/.vipd-controller.lock now; if not, retries every
  // leadership_retry and calls on_change(true) once it does. While leader, checks at the same
  // pace that the lock file is still the one locked (someone may delete it) and calls
  // on_change(false) if not.
  bool acquire_leadership(std::function<void(bool leader)> on_change) override;
  // Writes the status file and updates state() at once (values only: nothing is inserted or
  // erased, so references into state() stay valid). The write itself does not call the
  // listener again; other processes watching DIR see it through their listener. An empty `ips`
  // for a Service that no longer exists removes its status file. The caller checks leadership.
  void write_ingress(const ObjectKey& service, const std::vector<IpAddress>& ips) override;
  // DIR/.vipd-status/l2/NAMESPACE_NAME_NODE.yaml, a ServiceL2Status document.
  void write_l2_status(const ServiceL2Status& status) override;
  void remove_l2_status(const ObjectKey& service, const std::string& node) override;
  void clear_l2_statuses(const std::string& node) override;
  // Logs the event; the leader also keeps the last events_kept in the status file (others do
  // not write, so that a speaker never races the controller's read-modify-write).
  void record_event(const ObjectKey& service, const std::string& reason, const std::string& message,
                    bool warning) override;

  // Added for the daemon and tests:
  const std::string& directory() const { return directory_; }
  bool leader() const { return leader_; }
  // What is wrong in the files now (unreadable files, parse errors, duplicate objects), each
  // "FILE[:LINE]: ...". Logged once when found.
  std::vector<std::string> errors() const;
  // The events recorded for a Service, oldest first (from its status file).
  std::vector<ServiceEvent> events(const ObjectKey& service) const;
  // Listener calls since start (the first included), and the duration of the last reload.
  std::uint64_t listener_calls() const { return listener_calls_; }
  std::chrono::microseconds last_reload_duration() const { return last_reload_duration_; }

 private:
  // Identifies a file version, to skip unchanged files on a full rescan.
  struct FileIdentity {
    std::uint64_t device = 0, inode = 0, size = 0;
    std::int64_t mtime_ns = 0, ctime_ns = 0;
    bool operator==(const FileIdentity&) const = default;
  };
  struct FileObjects {
    FileIdentity identity;
    ParsedObjects objects;
  };
  // One directory's files, by name.
  using FileMap = std::map<std::string, FileObjects>;

  void wait_for_events();
  void drain_events();
  void watch_status_directory();
  void schedule_reload();
  void reload();
  // Re-reads `name` in `dir` into `files` (erasing it when gone).
  void read_file(const std::string& dir, const std::string& name, FileMap& files, bool status);
  // Lists `dir` and re-reads files whose identity changed, drops those gone.
  void rescan(const std::string& dir, FileMap& files, bool status);
  // The state from every file's objects (statuses merged into their Services); reports
  // objects defined twice.
  ClusterState build_state();

  std::string status_file_name(const ObjectKey& service) const;
  // Writes the status file atomically and caches what it holds, as a re-read would.
  // Writes `text` to `path` whole or not at all (temporary file, fsync, rename).
  std::string l2_status_path(const ObjectKey& service, const std::string& node) const;
  bool write_atomically(const std::string& path, const std::string& text,
                        struct stat* written = nullptr);
  bool persist_status(const ObjectKey& service, const std::vector<IpAddress>& ingress,
                      const std::vector<ServiceEvent>& events);
  bool try_lock();
  void release_lock();
  void leadership_tick();

  asio::io_context& io_;
  event::AsioClock clock_;
  std::string directory_;
  std::string status_directory_;
  DirSourceOptions options_;
  Listener listener_;
  bool running_ = false;

  int inotify_fd_ = -1;
  int directory_watch_ = -1;
  int status_watch_ = -1;
  asio::posix::stream_descriptor descriptor_;

  FileMap files_;         // manifests in DIR
  FileMap status_files_;  // DIR/.vipd-status
  std::vector<std::string> duplicate_errors_;
  ClusterState state_;

  // What the next reload re-reads.
  std::set<std::string> pending_files_;
  std::set<std::string> pending_status_files_;
  bool pending_rescan_ = false;
  bool pending_status_rescan_ = false;
  event::TimePoint first_pending_{};
  std::unique_ptr<event::Timer> reload_timer_;

  int lock_fd_ = -1;
  bool leader_ = false;
  bool leadership_wanted_ = false;  // acquire_leadership called and not stopped since
  std::function<void(bool)> on_leadership_change_;
  std::unique_ptr<event::Timer> leadership_timer_;

  std::uint64_t listener_calls_ = 0;
  std::chrono::microseconds last_reload_duration_{0};
  // Guards completions queued before destruction (as AsioTimer's does).
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace vipd::lb::cluster
