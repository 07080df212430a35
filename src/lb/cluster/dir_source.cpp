#include "lb/cluster/dir_source.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <asio/post.hpp>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>

#include "common/log.hpp"
#include "common/rfc3339.hpp"

namespace vipd::lb::cluster {
namespace {

constexpr std::uint32_t kDirectoryEvents = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM |
                                           IN_DELETE | IN_CREATE | IN_DELETE_SELF | IN_MOVE_SELF |
                                           IN_ONLYDIR;
constexpr std::uint32_t kStatusEvents = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE |
                                        IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() > suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// Manifests: *.yaml, *.yml, *.json, not hidden (editors' swap and backup files, our temporary
// files and the status directory all start with a dot).
bool is_manifest_name(std::string_view name) {
  if (name.empty() || name[0] == '.') return false;
  return ends_with(name, ".yaml") || ends_with(name, ".yml") || ends_with(name, ".json");
}

bool is_status_name(std::string_view name) {
  return !name.empty() && name[0] != '.' && ends_with(name, ".yaml");
}

// Kubernetes names are DNS labels or subdomains; anything else cannot name a file safely.
bool is_safe_name_part(std::string_view part) {
  if (part.empty() || part.size() > 253 || part[0] == '.') return false;
  return std::all_of(part.begin(), part.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.';
  });
}

std::string errno_text(int error) {
  return std::strerror(error);
}

}  // namespace

DirSource::DirSource(asio::io_context& io, std::string directory, DirSourceOptions options)
    : io_(io),
      clock_(io),
      directory_(std::move(directory)),
      status_directory_(directory_ + "/" + kStatusDirectory),
      options_(options),
      descriptor_(io),
      reload_timer_(clock_.make_timer()),
      leadership_timer_(clock_.make_timer()) {}

DirSource::~DirSource() {
  *alive_ = false;
  stop();
}

std::vector<std::string> DirSource::start(Listener listener) {
  if (running_) return {};
  struct stat directory_stat {};
  if (::stat(directory_.c_str(), &directory_stat) != 0) {
    return {fmt::format("{}: {}", directory_, errno_text(errno))};
  }
  if (!S_ISDIR(directory_stat.st_mode)) return {fmt::format("{}: not a directory", directory_)};
  inotify_fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (inotify_fd_ < 0) return {fmt::format("{}: inotify: {}", directory_, errno_text(errno))};
  // Watch before reading, so that nothing written during the first read is missed.
  directory_watch_ = ::inotify_add_watch(inotify_fd_, directory_.c_str(), kDirectoryEvents);
  if (directory_watch_ < 0) {
    std::string error = fmt::format("{}: inotify: {}", directory_, errno_text(errno));
    ::close(inotify_fd_);
    inotify_fd_ = -1;
    return {error};
  }
  std::error_code ec;
  descriptor_.assign(inotify_fd_, ec);  // the descriptor owns the fd from here on
  if (ec) {
    ::close(inotify_fd_);
    inotify_fd_ = -1;
    return {fmt::format("{}: {}", directory_, ec.message())};
  }
  listener_ = std::move(listener);
  running_ = true;
  watch_status_directory();

  auto started = event::SteadyClock::now();
  rescan(directory_, files_, false);
  rescan(status_directory_, status_files_, true);
  state_ = build_state();
  last_reload_duration_ =
      std::chrono::duration_cast<std::chrono::microseconds>(event::SteadyClock::now() - started);
  log::info("k8s-dir {}: {} Services, {} EndpointSlices, {} Nodes, {} Namespaces", directory_,
            state_.services.size(), state_.endpoint_slices.size(), state_.nodes.size(),
            state_.namespaces.size());
  wait_for_events();
  auto alive = alive_;
  asio::post(io_, [this, alive] {
    if (!*alive || !running_) return;
    ++listener_calls_;
    if (listener_) listener_(state_);
  });
  return {};
}

void DirSource::stop() {
  running_ = false;
  reload_timer_->cancel();
  leadership_timer_->cancel();
  pending_files_.clear();
  pending_status_files_.clear();
  pending_rescan_ = pending_status_rescan_ = false;
  if (descriptor_.is_open()) {
    std::error_code ec;
    descriptor_.cancel(ec);
    descriptor_.close(ec);  // closes the inotify fd, dropping every watch
  }
  inotify_fd_ = directory_watch_ = status_watch_ = -1;
  release_lock();
  leader_ = false;
  leadership_wanted_ = false;
}

void DirSource::watch_status_directory() {
  if (inotify_fd_ < 0) return;
  int watch = ::inotify_add_watch(inotify_fd_, status_directory_.c_str(), kStatusEvents);
  // Missing until the controller first writes; its creation in DIR brings us back here.
  if (watch >= 0) status_watch_ = watch;
}

void DirSource::wait_for_events() {
  auto alive = alive_;
  descriptor_.async_wait(asio::posix::stream_descriptor::wait_read,
                         [this, alive](std::error_code ec) {
                           if (ec || !*alive || !running_) return;
                           drain_events();
                           if (running_) wait_for_events();
                         });
}

void DirSource::drain_events() {
  alignas(inotify_event) char buffer[16 * 1024];
  for (;;) {
    ssize_t length = ::read(inotify_fd_, buffer, sizeof buffer);
    if (length < 0 && errno == EINTR) continue;
    if (length <= 0) break;  // EAGAIN: drained
    for (ssize_t offset = 0; offset + static_cast<ssize_t>(sizeof(inotify_event)) <= length;) {
      const auto* event = reinterpret_cast<const inotify_event*>(buffer + offset);
      offset += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
      std::string name = event->len > 0 ? std::string(event->name) : std::string();
      if (event->mask & IN_Q_OVERFLOW) {
        // Events were lost: compare every file with what we have.
        pending_rescan_ = pending_status_rescan_ = true;
        continue;
      }
      if (event->wd == directory_watch_) {
        if (event->mask & (IN_DELETE_SELF | IN_MOVE_SELF)) {
          log::error("k8s-dir {}: the directory was removed or moved; keeping the last state",
                     directory_);
          continue;
        }
        if (name == kStatusDirectory) {
          if (event->mask & (IN_CREATE | IN_MOVED_TO)) {
            watch_status_directory();
          } else if (event->mask & IN_MOVED_FROM && status_watch_ >= 0) {
            // A moved directory keeps its watch; it no longer is ours.
            ::inotify_rm_watch(inotify_fd_, status_watch_);
            status_watch_ = -1;
          }
          pending_status_rescan_ = true;
          continue;
        }
        // Kubernetes' atomic writer (ConfigMap and Secret volumes) swaps the "..data" symlink;
        // every file changes through it at once.
        if (name.starts_with("..")) {
          pending_rescan_ = true;
          continue;
        }
        if (!is_manifest_name(name)) continue;
        if ((event->mask & IN_CREATE) && !(event->mask & IN_ISDIR)) {
          // A file being created is read when closed after writing (IN_CLOSE_WRITE); reading
          // it now could see half of it. Symlinks and hard links arrive complete, with no close.
          struct stat link_stat {};
          std::string path = directory_ + "/" + name;
          if (::lstat(path.c_str(), &link_stat) != 0) continue;
          if (!S_ISLNK(link_stat.st_mode) && link_stat.st_nlink < 2) continue;
        }
        pending_files_.insert(name);
      } else if (event->wd == status_watch_ && status_watch_ >= 0) {
        if (event->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF)) {
          if (event->mask & IN_IGNORED) status_watch_ = -1;
          pending_status_rescan_ = true;
          continue;
        }
        if (is_status_name(name)) pending_status_files_.insert(name);
      }
    }
  }
  schedule_reload();
}

void DirSource::schedule_reload() {
  if (pending_files_.empty() && pending_status_files_.empty() && !pending_rescan_ &&
      !pending_status_rescan_) {
    return;
  }
  auto now = clock_.now();
  if (!reload_timer_->armed()) first_pending_ = now;
  auto deadline = std::min(now + options_.debounce, first_pending_ + options_.max_delay);
  auto alive = alive_;
  reload_timer_->arm(deadline - now, [this, alive] {
    if (*alive && running_) reload();
  });
}

void DirSource::reload() {
  auto started = event::SteadyClock::now();
  if (pending_rescan_) {
    rescan(directory_, files_, false);
  } else {
    for (const std::string& name : pending_files_) read_file(directory_, name, files_, false);
  }
  if (pending_status_rescan_) {
    rescan(status_directory_, status_files_, true);
  } else {
    for (const std::string& name : pending_status_files_) {
      read_file(status_directory_, name, status_files_, true);
    }
  }
  pending_files_.clear();
  pending_status_files_.clear();
  pending_rescan_ = pending_status_rescan_ = false;

  ClusterState next = build_state();
  bool changed = next != state_;
  if (changed) state_ = std::move(next);
  last_reload_duration_ =
      std::chrono::duration_cast<std::chrono::microseconds>(event::SteadyClock::now() - started);
  log::debug("k8s-dir {}: reloaded in {} us{}", directory_, last_reload_duration_.count(),
             changed ? "" : ", nothing changed");
  if (changed) {
    ++listener_calls_;
    if (listener_) listener_(state_);
  }
}

void DirSource::read_file(const std::string& dir, const std::string& name, FileMap& files,
                          bool status) {
  std::string path = dir + "/" + name;
  // O_NONBLOCK: opening a FIFO must not wait for a writer (and nothing here reads one).
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0 && (errno == ENOENT || errno == ENOTDIR)) {
    files.erase(name);
    return;
  }
  FileObjects entry;
  auto fail = [&](std::string error) {
    log::error("{}", error);
    entry.objects.errors.push_back(std::move(error));
    files[name] = std::move(entry);
  };
  if (fd < 0) return fail(fmt::format("{}: {}", path, errno_text(errno)));
  struct stat file_stat {};
  if (::fstat(fd, &file_stat) != 0) {
    int error = errno;
    ::close(fd);
    return fail(fmt::format("{}: {}", path, errno_text(error)));
  }
  entry.identity = {static_cast<std::uint64_t>(file_stat.st_dev),
                    static_cast<std::uint64_t>(file_stat.st_ino),
                    static_cast<std::uint64_t>(file_stat.st_size),
                    file_stat.st_mtim.tv_sec * 1'000'000'000LL + file_stat.st_mtim.tv_nsec,
                    file_stat.st_ctim.tv_sec * 1'000'000'000LL + file_stat.st_ctim.tv_nsec};
  if (!S_ISREG(file_stat.st_mode)) {
    ::close(fd);
    return fail(fmt::format("{}: not a regular file; skipped", path));
  }
  if (static_cast<std::uint64_t>(file_stat.st_size) > options_.max_file_size) {
    ::close(fd);
    return fail(fmt::format("{}: {} bytes, more than the limit of {}; skipped", path,
                            file_stat.st_size, options_.max_file_size));
  }
  std::string text;
  text.resize(static_cast<std::size_t>(file_stat.st_size));
  std::size_t used = 0;
  // The file may grow while read: read to its end, up to one byte over the limit.
  for (;;) {
    if (used == text.size()) {
      if (text.size() > options_.max_file_size) break;
      text.resize(std::min(options_.max_file_size + 1, std::max<std::size_t>(4096, used * 2)));
    }
    ssize_t got = ::read(fd, text.data() + used, text.size() - used);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      int error = errno;
      ::close(fd);
      return fail(fmt::format("{}: {}", path, errno_text(error)));
    }
    if (got == 0) break;
    used += static_cast<std::size_t>(got);
  }
  ::close(fd);
  if (used > options_.max_file_size) {
    return fail(
        fmt::format("{}: more than the limit of {} bytes; skipped", path, options_.max_file_size));
  }
  text.resize(used);
  ParseOptions parse_options;
  parse_options.read_events = status;
  parse_objects(text, path, entry.objects, parse_options);
  for (const std::string& error : entry.objects.errors) log::error("{}", error);
  files[name] = std::move(entry);
}

void DirSource::rescan(const std::string& dir, FileMap& files, bool status) {
  std::set<std::string> seen;
  if (DIR* listing = ::opendir(dir.c_str())) {
    while (dirent* entry = ::readdir(listing)) {
      std::string name = entry->d_name;
      if (status ? !is_status_name(name) : !is_manifest_name(name)) continue;
      seen.insert(name);
      auto known = files.find(name);
      struct stat file_stat {};
      std::string path = dir + "/" + name;
      if (known != files.end() && ::stat(path.c_str(), &file_stat) == 0) {
        FileIdentity identity{
            static_cast<std::uint64_t>(file_stat.st_dev),
            static_cast<std::uint64_t>(file_stat.st_ino),
            static_cast<std::uint64_t>(file_stat.st_size),
            file_stat.st_mtim.tv_sec * 1'000'000'000LL + file_stat.st_mtim.tv_nsec,
            file_stat.st_ctim.tv_sec * 1'000'000'000LL + file_stat.st_ctim.tv_nsec};
        if (identity == known->second.identity) continue;
      }
      read_file(dir, name, files, status);
    }
    ::closedir(listing);
  }
  std::erase_if(files, [&](const auto& entry) { return !seen.contains(entry.first); });
}

ClusterState DirSource::build_state() {
  ClusterState next;
  std::vector<std::string> duplicates;
  // Files in name order; the first definition of an object wins, later ones are reported.
  auto add = [&](auto& map, const auto& key, const auto& object, const std::string& kind,
                 const std::string& file, const std::string& name) {
    if (!map.emplace(key, object).second) {
      duplicates.push_back(fmt::format("{}/{}: {} is defined again; the first definition is used",
                                       directory_, file, kind + "/" + name));
    }
  };
  for (const auto& [file, entry] : files_) {
    for (const Service& service : entry.objects.services) {
      add(next.services, service.key, service, "Service", file, service.key.to_string());
    }
    for (const EndpointSlice& slice : entry.objects.endpoint_slices) {
      add(next.endpoint_slices, slice.key, slice, "EndpointSlice", file, slice.key.to_string());
    }
    for (const Node& node : entry.objects.nodes) {
      add(next.nodes, node.name, node, "Node", file, node.name);
    }
    for (const Namespace& ns : entry.objects.namespaces) {
      add(next.namespaces, ns.name, ns, "Namespace", file, ns.name);
    }
  }
  for (const auto& [file, entry] : status_files_) {
    for (const Service& status : entry.objects.services) {
      if (auto it = next.services.find(status.key); it != next.services.end()) {
        it->second.ingress = status.ingress;
      }
    }
  }
  for (const std::string& duplicate : duplicates) {
    if (std::find(duplicate_errors_.begin(), duplicate_errors_.end(), duplicate) ==
        duplicate_errors_.end()) {
      log::error("{}", duplicate);
    }
  }
  duplicate_errors_ = std::move(duplicates);
  return next;
}

std::vector<std::string> DirSource::errors() const {
  std::vector<std::string> all;
  for (const FileMap* files : {&files_, &status_files_}) {
    for (const auto& [file, entry] : *files) {
      all.insert(all.end(), entry.objects.errors.begin(), entry.objects.errors.end());
    }
  }
  all.insert(all.end(), duplicate_errors_.begin(), duplicate_errors_.end());
  return all;
}

std::string DirSource::status_file_name(const ObjectKey& service) const {
  // '_' cannot occur in either part, so the name is unambiguous.
  return service.namespace_ + "_" + service.name + ".yaml";
}

std::vector<ServiceEvent> DirSource::events(const ObjectKey& service) const {
  std::vector<ServiceEvent> events;
  auto it = status_files_.find(status_file_name(service));
  if (it == status_files_.end()) return events;
  for (const auto& [key, event] : it->second.objects.events) {
    if (key == service) events.push_back(event);
  }
  return events;
}

void DirSource::write_ingress(const ObjectKey& service, const std::vector<IpAddress>& ips) {
  if (!is_safe_name_part(service.namespace_) || !is_safe_name_part(service.name)) {
    log::error("k8s-dir {}: cannot record the status of \"{}\": not a Kubernetes name", directory_,
               service.to_string());
    return;
  }
  auto existing = state_.services.find(service);
  std::string name = status_file_name(service);
  if (ips.empty() && existing == state_.services.end()) {
    // The Service is gone and holds nothing: its record would only linger.
    std::string path = status_directory_ + "/" + name;
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      log::error("{}: {}", path, errno_text(errno));
    }
    status_files_.erase(name);
    return;
  }
  if (!persist_status(service, ips, events(service))) return;
  if (existing != state_.services.end()) existing->second.ingress = ips;
}

void DirSource::record_event(const ObjectKey& service, const std::string& reason,
                             const std::string& message, bool warning) {
  if (warning) {
    log::warning("Service {}: {}: {}", service.to_string(), reason, message);
  } else {
    log::info("Service {}: {}: {}", service.to_string(), reason, message);
  }
  if (!leader_ || !is_safe_name_part(service.namespace_) || !is_safe_name_part(service.name)) {
    return;
  }
  std::vector<ServiceEvent> events = this->events(service);
  events.push_back({reason, message, warning, rfc3339_now()});
  if (events.size() > options_.events_kept) {
    events.erase(events.begin(), events.end() - static_cast<std::ptrdiff_t>(options_.events_kept));
  }
  // Keep the ingress in force: the status file's, else what the manifest says.
  std::vector<IpAddress> ingress;
  if (auto it = state_.services.find(service); it != state_.services.end()) {
    ingress = it->second.ingress;
  } else if (auto file = status_files_.find(status_file_name(service));
             file != status_files_.end()) {
    for (const Service& status : file->second.objects.services) {
      if (status.key == service) ingress = status.ingress;
    }
  }
  persist_status(service, ingress, events);
}

bool DirSource::write_atomically(const std::string& path, const std::string& text,
                                 struct stat* written_stat) {
  // Hidden, so no watcher reads it half-written; the rename makes the whole file appear at once.
  const auto slash = path.rfind('/');
  std::string temporary =
      fmt::format("{}/.{}.{}.tmp", path.substr(0, slash), path.substr(slash + 1), ::getpid());
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) {
    log::error("{}: {}", temporary, errno_text(errno));
    return false;
  }
  std::size_t written = 0;
  while (written < text.size()) {
    ssize_t count = ::write(fd, text.data() + written, text.size() - written);
    if (count < 0 && errno == EINTR) continue;
    if (count <= 0) break;
    written += static_cast<std::size_t>(count);
  }
  bool ok = written == text.size() && (!options_.sync_status_writes || ::fsync(fd) == 0);
  int error = errno;
  if (written_stat) ::fstat(fd, written_stat);
  ::close(fd);
  if (!ok || ::rename(temporary.c_str(), path.c_str()) != 0) {
    if (ok) error = errno;
    log::error("{}: {}", path, errno_text(error));
    ::unlink(temporary.c_str());
    return false;
  }
  return true;
}

std::string DirSource::l2_status_path(const ObjectKey& service, const std::string& node) const {
  return fmt::format("{}/l2/{}_{}_{}.yaml", status_directory_, service.namespace_, service.name,
                     node);
}

void DirSource::write_l2_status(const ServiceL2Status& status) {
  if (!is_safe_name_part(status.service.namespace_) || !is_safe_name_part(status.service.name) ||
      !is_safe_name_part(status.node)) {
    log::error("k8s-dir {}: cannot record the L2 status of \"{}\" on \"{}\": not Kubernetes names",
               directory_, status.service.to_string(), status.node);
    return;
  }
  for (const std::string& dir : {status_directory_, status_directory_ + "/l2"}) {
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
      log::error("{}: {}", dir, errno_text(errno));
      return;
    }
  }
  // MetalLB's ServiceL2Status as its speaker creates it (api/v1beta1/servicel2status_types.go).
  std::string text = fmt::format(
      "apiVersion: metallb.io/v1beta1\n"
      "kind: ServiceL2Status\n"
      "metadata:\n"
      "  name: l2-{}-{}-{}\n"
      "  namespace: metallb-system\n"
      "  labels:\n"
      "    metallb.io/node: {}\n"
      "    metallb.io/service-name: {}\n"
      "    metallb.io/service-namespace: {}\n"
      "status:\n"
      "  node: {}\n"
      "  serviceName: {}\n"
      "  serviceNamespace: {}\n"
      "  interfaces:{}\n",
      status.service.namespace_, status.service.name, status.node, status.node, status.service.name,
      status.service.namespace_, status.node, status.service.name, status.service.namespace_,
      status.interfaces.empty() ? " []" : "");
  for (const auto& itf : status.interfaces) text += fmt::format("  - name: {}\n", itf);
  write_atomically(l2_status_path(status.service, status.node), text);
}

void DirSource::remove_l2_status(const ObjectKey& service, const std::string& node) {
  if (!is_safe_name_part(service.namespace_) || !is_safe_name_part(service.name) ||
      !is_safe_name_part(node))
    return;
  const std::string path = l2_status_path(service, node);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) log::error("{}: {}", path, errno_text(errno));
}

void DirSource::clear_l2_statuses(const std::string& node) {
  if (!is_safe_name_part(node)) return;
  // NAMESPACE_NAME_NODE.yaml: Kubernetes names have no '_', so the suffix names the node.
  const std::string suffix = "_" + node + ".yaml";
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(status_directory_ + "/l2", error)) {
    const std::string name = entry.path().filename().string();
    if (name.size() > suffix.size() && name.ends_with(suffix))
      std::filesystem::remove(entry.path(), error);
  }
}

bool DirSource::persist_status(const ObjectKey& service, const std::vector<IpAddress>& ingress,
                               const std::vector<ServiceEvent>& events) {
  if (::mkdir(status_directory_.c_str(), 0755) != 0 && errno != EEXIST) {
    log::error("{}: {}", status_directory_, errno_text(errno));
    return false;
  }
  if (status_watch_ < 0) watch_status_directory();
  std::string name = status_file_name(service);
  std::string path = status_directory_ + "/" + name;
  struct stat file_stat {};
  if (!write_atomically(path, render_status(service, ingress, events), &file_stat)) return false;
  // What a re-read will find, so that state() holds it now and the re-read changes nothing.
  FileObjects entry;
  entry.identity = {static_cast<std::uint64_t>(file_stat.st_dev),
                    static_cast<std::uint64_t>(file_stat.st_ino),
                    static_cast<std::uint64_t>(file_stat.st_size),
                    file_stat.st_mtim.tv_sec * 1'000'000'000LL + file_stat.st_mtim.tv_nsec,
                    file_stat.st_ctim.tv_sec * 1'000'000'000LL + file_stat.st_ctim.tv_nsec};
  Service status;
  status.key = service;
  status.ingress = ingress;
  status.where = path;
  entry.objects.services.push_back(std::move(status));
  for (const ServiceEvent& event : events) entry.objects.events.emplace_back(service, event);
  status_files_[name] = std::move(entry);
  return true;
}

bool DirSource::acquire_leadership(std::function<void(bool leader)> on_change) {
  on_leadership_change_ = std::move(on_change);
  leadership_wanted_ = true;
  if (!leader_ && try_lock()) {
    leader_ = true;
    log::notice("k8s-dir {}: leader (holding {})", directory_, kLockFile);
  }
  if (!leader_)
    log::info("k8s-dir {}: another controller holds {}; waiting", directory_, kLockFile);
  auto alive = alive_;
  leadership_timer_->arm(options_.leadership_retry, [this, alive] {
    if (*alive) leadership_tick();
  });
  return leader_;
}

bool DirSource::try_lock() {
  // A fresh open each try: if the file was replaced, the lock that counts is the new file's.
  release_lock();
  std::string path = directory_ + "/" + kLockFile;
  lock_fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (lock_fd_ < 0) {
    log::error("{}: {}", path, errno_text(errno));
    return false;
  }
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK) log::error("{}: flock: {}", path, errno_text(errno));
    release_lock();
    return false;
  }
  // For people looking at the directory: who holds it.
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  std::string holder = fmt::format("vipd pid {} on {}\n", ::getpid(), host);
  if (::ftruncate(lock_fd_, 0) == 0) {
    [[maybe_unused]] ssize_t ignored = ::pwrite(lock_fd_, holder.data(), holder.size(), 0);
  }
  return true;
}

void DirSource::release_lock() {
  if (lock_fd_ >= 0) ::close(lock_fd_);  // closing drops the flock
  lock_fd_ = -1;
}

void DirSource::leadership_tick() {
  auto alive = alive_;
  if (leader_) {
    // Still the file others lock? If someone deleted or replaced it, another process may have
    // locked the new one: step down rather than run two controllers.
    struct stat path_stat {
    }, fd_stat{};
    std::string path = directory_ + "/" + kLockFile;
    bool ours = ::stat(path.c_str(), &path_stat) == 0 && ::fstat(lock_fd_, &fd_stat) == 0 &&
                path_stat.st_dev == fd_stat.st_dev && path_stat.st_ino == fd_stat.st_ino;
    if (!ours) {
      log::warning("k8s-dir {}: {} was replaced; no longer leader", directory_, kLockFile);
      leader_ = false;
      release_lock();
      if (on_leadership_change_) on_leadership_change_(false);
      if (!*alive || !leadership_wanted_) return;  // the callback may stop or destroy us
    }
  }
  if (!leader_ && try_lock()) {
    leader_ = true;
    log::notice("k8s-dir {}: leader (holding {})", directory_, kLockFile);
    if (on_leadership_change_) on_leadership_change_(true);
    if (!*alive || !leadership_wanted_) return;
  }
  leadership_timer_->arm(options_.leadership_retry, [this, alive] {
    if (*alive && leadership_wanted_) leadership_tick();
  });
}

}  // namespace vipd::lb::cluster
