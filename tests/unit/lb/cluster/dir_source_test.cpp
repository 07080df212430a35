#include "lb/cluster/dir_source.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "common/log.hpp"
#include "test_util.hpp"

namespace vipd::lb::cluster {
namespace {

using namespace std::chrono_literals;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using SteadyClock = std::chrono::steady_clock;

class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/vipd-lb-cluster-XXXXXX";
    path_ = ::mkdtemp(pattern);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
}

// As careful writers do: a temporary file, then a rename into place.
void write_atomically(const TempDir& dir, const std::string& name, const std::string& text) {
  write_file(dir / ("." + name + ".tmp"), text);
  ASSERT_EQ(std::rename((dir / ("." + name + ".tmp")).c_str(), (dir / name).c_str()), 0);
}

std::string namespace_yaml(const std::string& name, const std::string& team = "a") {
  return fmt::format(
      "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {}\n  labels: {{team: {}}}\n", name,
      team);
}

// A source on a real io_context, counting listener calls.
struct Watched {
  explicit Watched(const std::string& dir, DirSourceOptions options = {})
      : source(io, dir, options) {}

  std::vector<std::string> start() {
    return source.start([this](const ClusterState& state) {
      ++calls;
      last = state;
      last_call = SteadyClock::now();
    });
  }
  // Runs the loop until `done` or `timeout`.
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds timeout = 5s) {
    auto deadline = SteadyClock::now() + timeout;
    while (!done() && SteadyClock::now() < deadline) {
      io.restart();
      io.run_one_for(5ms);
    }
    return done();
  }
  // Runs the loop for `duration` (to see that nothing more happens).
  void settle(std::chrono::milliseconds duration = 150ms) {
    run_until([] { return false; }, duration);
  }
  // Waits for call number `n` and then checks that no other follows.
  bool exactly_calls(int n) {
    bool reached = run_until([&] { return calls >= n; });
    settle();
    return reached && calls == n;
  }

  asio::io_context io;
  DirSource source;
  int calls = 0;
  ClusterState last;
  SteadyClock::time_point last_call{};
};

const ObjectKey kFirstService{"default", "shake-test-cluster-0-svc"};
const ObjectKey kSecond{"default", "shake-test-cluster-1-svc"};

TEST(DirSource, StartErrors) {
  TempDir dir;
  Watched missing(dir / "missing");
  EXPECT_THAT(missing.start(), ElementsAre(HasSubstr("No such file or directory")));
  write_file(dir / "file", "x");
  Watched file(dir / "file");
  EXPECT_THAT(file.start(), ElementsAre(HasSubstr("not a directory")));
}

TEST(DirSource, InitialReadOfEveryManifest) {
  TempDir dir;
  for (const char* name : {"kubectl-get-svc.yaml", "services.yaml", "endpointslices.yaml",
                           "nodes.yaml", "namespaces.json"}) {
    write_file(dir / name, test::read_fixture(name));
  }
  ::mkdir((dir / "subdir").c_str(), 0755);  // not read: the directory is read flat
  write_file(dir / "subdir/more.yaml", namespace_yaml("nested"));
  write_file(dir / "README.txt", "not a manifest");
  write_file(dir / ".hidden.yaml", namespace_yaml("hidden"));

  Watched watched(dir.path());
  EXPECT_THAT(watched.start(), IsEmpty());
  EXPECT_EQ(watched.calls, 0);  // posted, not called from inside start()
  ASSERT_TRUE(watched.exactly_calls(1));
  const ClusterState& state = watched.last;
  EXPECT_EQ(state, watched.source.state());
  EXPECT_THAT(watched.source.errors(), IsEmpty());
  EXPECT_EQ(state.services.size(), 10u);  // 7 from kubectl, 3 hand-written
  EXPECT_EQ(state.endpoint_slices.size(), 4u);
  EXPECT_EQ(state.nodes.size(), 6u);
  EXPECT_EQ(state.namespaces.size(), 2u);  // not "nested", not "hidden"
  EXPECT_EQ(state.services.at(kFirstService).where, dir / "kubectl-get-svc.yaml:57");
  EXPECT_TRUE(state.has_local_endpoint(kFirstService, "k3s-node-1"));
}

TEST(DirSource, EachChangeGivesOneCoalescedCall) {
  TempDir dir;
  Watched watched(dir.path());
  ASSERT_THAT(watched.start(), IsEmpty());
  ASSERT_TRUE(watched.exactly_calls(1));
  EXPECT_EQ(watched.last, ClusterState{});

  // A new file.
  write_file(dir / "nodes.yaml", test::read_fixture("nodes.yaml"));
  ASSERT_TRUE(watched.exactly_calls(2));
  EXPECT_EQ(watched.last.nodes.size(), 6u);

  // Modified in place.
  std::string nodes = test::read_fixture("nodes.yaml");
  nodes.replace(nodes.find("\n    name: k3s-node-1\n"), 22, "\n    name: k3s-node-9\n");
  write_file(dir / "nodes.yaml", nodes);
  ASSERT_TRUE(watched.exactly_calls(3));
  EXPECT_TRUE(watched.last.nodes.contains("k3s-node-9"));
  EXPECT_FALSE(watched.last.nodes.contains("k3s-node-1"));

  // Rewritten with the same content: nothing changed, no call.
  write_file(dir / "nodes.yaml", nodes);
  EXPECT_TRUE(watched.exactly_calls(3));

  // Renamed into place.
  write_atomically(dir, "svc.yaml", test::read_fixture("kubectl-get-svc.yaml"));
  ASSERT_TRUE(watched.exactly_calls(4));
  EXPECT_EQ(watched.last.services.size(), 7u);

  // Renamed away (to a name that is no manifest).
  ASSERT_EQ(std::rename((dir / "svc.yaml").c_str(), (dir / "svc.yaml.bak").c_str()), 0);
  ASSERT_TRUE(watched.exactly_calls(5));
  EXPECT_THAT(watched.last.services, IsEmpty());

  // Deleted.
  ASSERT_EQ(::unlink((dir / "nodes.yaml").c_str()), 0);
  ASSERT_TRUE(watched.exactly_calls(6));
  EXPECT_THAT(watched.last.nodes, IsEmpty());

  // A burst of files: one call with all of them.
  for (int i = 0; i < 20; ++i) {
    write_file(dir / fmt::format("ns-{}.yaml", i), namespace_yaml(fmt::format("ns-{}", i)));
  }
  ASSERT_TRUE(watched.exactly_calls(7));
  EXPECT_EQ(watched.last.namespaces.size(), 20u);

  // Things that are not ours: another kind, a hidden file, another extension.
  write_file(dir / "pool.yaml",
             "apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata: {name: p}\n"
             "spec: {addresses: [10.0.0.0/24]}\n");
  write_file(dir / ".ns-99.yaml.swp", namespace_yaml("ns-99"));
  write_file(dir / "ns-98.yaml~", namespace_yaml("ns-98"));
  write_file(dir / "notes.txt", namespace_yaml("ns-97"));
  EXPECT_TRUE(watched.exactly_calls(7));

  // An error in one file hides nothing else; fixing it gives one call.
  write_file(dir / "ns-0.yaml", namespace_yaml("ns-0") + "---\nkind: [\n");
  EXPECT_TRUE(watched.exactly_calls(7));  // ns-0 still read, the broken document reported
  EXPECT_THAT(watched.source.errors(), ElementsAre(HasSubstr(dir / "ns-0.yaml:")));
  write_file(dir / "ns-0.yaml", namespace_yaml("ns-0", "b"));
  ASSERT_TRUE(watched.exactly_calls(8));
  EXPECT_THAT(watched.source.errors(), IsEmpty());
}

TEST(DirSource, DuplicateObjectsFirstFileWins) {
  TempDir dir;
  write_file(dir / "a.yaml", namespace_yaml("x", "first"));
  write_file(dir / "b.yaml", namespace_yaml("x", "second"));
  Watched watched(dir.path());
  ASSERT_THAT(watched.start(), IsEmpty());
  ASSERT_TRUE(watched.exactly_calls(1));
  EXPECT_EQ(watched.last.namespaces.at("x").labels.at("team"), "first");
  EXPECT_THAT(watched.source.errors(),
              ElementsAre(AllOf(HasSubstr("b.yaml"), HasSubstr("Namespace/x is defined again"))));
}

// A ConfigMap volume: every file is a symlink through "..data", swapped atomically.
TEST(DirSource, ConfigMapVolumeUpdate) {
  TempDir dir;
  ::mkdir((dir / "..2024_01").c_str(), 0755);
  write_file(dir / "..2024_01/cluster.yaml", namespace_yaml("one"));
  ASSERT_EQ(::symlink("..2024_01", (dir / "..data").c_str()), 0);
  ASSERT_EQ(::symlink("..data/cluster.yaml", (dir / "cluster.yaml").c_str()), 0);
  Watched watched(dir.path());
  ASSERT_THAT(watched.start(), IsEmpty());
  ASSERT_TRUE(watched.exactly_calls(1));
  EXPECT_TRUE(watched.last.namespaces.contains("one"));

  ::mkdir((dir / "..2024_02").c_str(), 0755);
  write_file(dir / "..2024_02/cluster.yaml", namespace_yaml("two"));
  ASSERT_EQ(::symlink("..2024_02", (dir / "..data_tmp").c_str()), 0);
  ASSERT_EQ(std::rename((dir / "..data_tmp").c_str(), (dir / "..data").c_str()), 0);
  ASSERT_TRUE(watched.exactly_calls(2));
  EXPECT_FALSE(watched.last.namespaces.contains("one"));
  EXPECT_TRUE(watched.last.namespaces.contains("two"));
}

TEST(DirSource, FifoDirectoryDeviceAndOversizeFilesAreRefused) {
  TempDir dir;
  ASSERT_EQ(::mkfifo((dir / "fifo.yaml").c_str(), 0644), 0);
  ASSERT_EQ(::mkdir((dir / "dir.yaml").c_str(), 0755), 0);
  ASSERT_EQ(::symlink("/dev/zero", (dir / "zero.yaml").c_str()), 0);
  write_file(dir / "big.yaml", namespace_yaml("big") + std::string(5000, '#'));
  write_file(dir / "good.yaml", namespace_yaml("good"));
  DirSourceOptions options;
  options.max_file_size = 4096;
  Watched watched(dir.path(), options);
  auto started = SteadyClock::now();
  ASSERT_THAT(watched.start(), IsEmpty());
  EXPECT_LT(SteadyClock::now() - started, 1s);
  ASSERT_TRUE(watched.exactly_calls(1));
  EXPECT_THAT(watched.last.namespaces, SizeIs(1));
  auto errors = watched.source.errors();
  EXPECT_THAT(errors, SizeIs(4));
  EXPECT_THAT(errors, Contains(dir / "fifo.yaml: not a regular file; skipped"));
  EXPECT_THAT(errors, Contains(dir / "dir.yaml: not a regular file; skipped"));
  EXPECT_THAT(errors, Contains(dir / "zero.yaml: not a regular file; skipped"));
  EXPECT_THAT(errors, Contains(AllOf(HasSubstr("big.yaml"), HasSubstr("limit of 4096"))));

  // Arriving later, with a writer holding the FIFO open: still nothing blocks.
  ASSERT_EQ(::mkfifo((dir / "late.yaml").c_str(), 0644), 0);
  int reader = ::open((dir / "late.yaml").c_str(), O_RDONLY | O_NONBLOCK);
  int writer = ::open((dir / "late.yaml").c_str(), O_WRONLY | O_NONBLOCK);
  ASSERT_GE(writer, 0);
  ::close(writer);  // IN_CLOSE_WRITE on the FIFO
  write_file(dir / "good.yaml", namespace_yaml("better"));
  ASSERT_TRUE(watched.exactly_calls(2));
  EXPECT_TRUE(watched.last.namespaces.contains("better"));
  EXPECT_THAT(watched.source.errors(), Contains(dir / "late.yaml: not a regular file; skipped"));
  ::close(reader);
}

TEST(DirSource, WriteIngressRoundTrip) {
  TempDir dir;
  write_file(dir / "svc.yaml", test::read_fixture("kubectl-get-svc.yaml"));
  Watched controller(dir.path());
  Watched speaker(dir.path());
  ASSERT_THAT(controller.start(), IsEmpty());
  ASSERT_THAT(speaker.start(), IsEmpty());
  ASSERT_TRUE(controller.exactly_calls(1));
  ASSERT_TRUE(speaker.exactly_calls(1));
  EXPECT_THAT(speaker.last.services.at(kFirstService).ingress, ElementsAre(test::ip("10.47.40.0")));

  const ClusterState* state = &controller.source.state();
  const Service* first = &state->services.at(kFirstService);
  controller.source.write_ingress(kFirstService, {test::ip("10.47.40.9"), test::ip("2001:db8::9")});
  controller.source.write_ingress(kSecond, {});  // the status file overrides the manifest's
  // At once, in place.
  EXPECT_THAT(first->ingress, ElementsAre(test::ip("10.47.40.9"), test::ip("2001:db8::9")));
  EXPECT_THAT(state->services.at(kSecond).ingress, IsEmpty());
  EXPECT_TRUE(std::filesystem::exists(dir / ".vipd-status/default_shake-test-cluster-0-svc.yaml"));

  // The writer's listener is not called for its own write; the other process sees it.
  EXPECT_TRUE(controller.exactly_calls(1));
  ASSERT_TRUE(speaker.exactly_calls(2));
  EXPECT_THAT(speaker.last.services.at(kFirstService).ingress,
              ElementsAre(test::ip("10.47.40.9"), test::ip("2001:db8::9")));
  EXPECT_THAT(speaker.last.services.at(kSecond).ingress, IsEmpty());
  EXPECT_EQ(speaker.last, controller.source.state());

  // A restarted controller reads it back.
  Watched restarted(dir.path());
  ASSERT_THAT(restarted.start(), IsEmpty());
  ASSERT_TRUE(restarted.exactly_calls(1));
  EXPECT_EQ(restarted.last, controller.source.state());

  // A status for a Service that does not exist is ignored; clearing it removes the file.
  ObjectKey gone{"default", "gone"};
  controller.source.write_ingress(gone, {test::ip("10.47.40.20")});
  EXPECT_FALSE(controller.source.state().services.contains(gone));
  EXPECT_TRUE(std::filesystem::exists(dir / ".vipd-status/default_gone.yaml"));
  EXPECT_TRUE(speaker.exactly_calls(2));
  controller.source.write_ingress(gone, {});
  EXPECT_FALSE(std::filesystem::exists(dir / ".vipd-status/default_gone.yaml"));

  // Names that cannot be file names are refused.
  controller.source.write_ingress({"../..", "x"}, {test::ip("10.47.40.21")});
  controller.source.write_ingress({"default", "a/b"}, {test::ip("10.47.40.21")});
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir / ".vipd-status"),
                          std::filesystem::directory_iterator()),
            2);
  EXPECT_TRUE(controller.exactly_calls(1));
  EXPECT_THAT(controller.source.errors(), IsEmpty());
}

TEST(DirSource, ServiceL2StatusIsWrittenAsMetalLBsObjectAndRemoved) {
  TempDir dir;
  write_file(dir / "svc.yaml", test::read_fixture("kubectl-get-svc.yaml"));
  Watched speaker(dir.path());
  ASSERT_THAT(speaker.start(), IsEmpty());
  ASSERT_TRUE(speaker.exactly_calls(1));
  speaker.source.write_l2_status({kFirstService, "k3s-node-2", {"eth0"}});
  const auto path = dir / ".vipd-status/l2/default_shake-test-cluster-0-svc_k3s-node-2.yaml";
  ASSERT_TRUE(std::filesystem::exists(path));
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text,
            "apiVersion: metallb.io/v1beta1\n"
            "kind: ServiceL2Status\n"
            "metadata:\n"
            "  name: l2-default-shake-test-cluster-0-svc-k3s-node-2\n"
            "  namespace: metallb-system\n"
            "  labels:\n"
            "    metallb.io/node: k3s-node-2\n"
            "    metallb.io/service-name: shake-test-cluster-0-svc\n"
            "    metallb.io/service-namespace: default\n"
            "status:\n"
            "  node: k3s-node-2\n"
            "  serviceName: shake-test-cluster-0-svc\n"
            "  serviceNamespace: default\n"
            "  interfaces:\n"
            "  - name: eth0\n");
  // Not a cluster object: nothing changes for the listener, and the Services are as they were.
  EXPECT_TRUE(speaker.exactly_calls(1));
  speaker.source.remove_l2_status(kFirstService, "k3s-node-2");
  EXPECT_FALSE(std::filesystem::exists(path));
  // What a node left when it died is cleared when it starts again; other nodes' stay.
  speaker.source.write_l2_status({kFirstService, "k3s-node-2", {"eth0"}});
  speaker.source.write_l2_status({kFirstService, "k3s-node-22", {"eth0"}});
  speaker.source.clear_l2_statuses("k3s-node-2");
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_TRUE(std::filesystem::exists(
      dir / ".vipd-status/l2/default_shake-test-cluster-0-svc_k3s-node-22.yaml"));
  // A name that is not a Kubernetes name never becomes a path.
  speaker.source.write_l2_status({kFirstService, "../escape", {"eth0"}});
  EXPECT_FALSE(std::filesystem::exists(dir / ".vipd-status/escape.yaml"));
}

TEST(DirSource, EventsAreKeptByTheLeader) {
  TempDir dir;
  write_file(dir / "svc.yaml", test::read_fixture("kubectl-get-svc.yaml"));
  Watched controller(dir.path());
  Watched speaker(dir.path());
  ASSERT_THAT(controller.start(), IsEmpty());
  ASSERT_THAT(speaker.start(), IsEmpty());
  ASSERT_TRUE(speaker.exactly_calls(1));

  // Not leader: logged only.
  speaker.source.record_event(kFirstService, "nodeAssigned", "announcing from node k3s-node-1",
                              false);
  EXPECT_FALSE(std::filesystem::exists(dir / ".vipd-status"));

  ASSERT_TRUE(controller.source.acquire_leadership([](bool) {}));
  for (int i = 0; i < 12; ++i) {
    controller.source.record_event(kFirstService, fmt::format("Reason{}", i), "message",
                                   i % 2 == 1);
  }
  auto events = controller.source.events(kFirstService);
  ASSERT_THAT(events, SizeIs(10));
  EXPECT_EQ(events.front().reason, "Reason2");
  EXPECT_EQ(events.back().reason, "Reason11");
  EXPECT_TRUE(events.back().warning);
  EXPECT_FALSE(events.back().time.empty());
  // Events keep the ingress in force (the manifest's here) and change no state.
  EXPECT_THAT(controller.source.state().services.at(kFirstService).ingress,
              ElementsAre(test::ip("10.47.40.0")));
  EXPECT_TRUE(speaker.exactly_calls(1));
  EXPECT_EQ(speaker.source.events(kFirstService), events);

  // write_ingress keeps the events.
  controller.source.write_ingress(kFirstService, {test::ip("10.47.40.7")});
  EXPECT_EQ(controller.source.events(kFirstService), events);
  ASSERT_TRUE(speaker.exactly_calls(2));
  EXPECT_EQ(speaker.source.events(kFirstService), events);
}

TEST(DirSource, OneLeaderPerDirectory) {
  TempDir dir;
  DirSourceOptions options;
  options.leadership_retry = 20ms;
  asio::io_context io;
  auto first = std::make_unique<DirSource>(io, dir.path(), options);
  DirSource second(io, dir.path(), options);
  std::vector<bool> first_changes, second_changes;
  EXPECT_TRUE(first->acquire_leadership([&](bool leader) { first_changes.push_back(leader); }));
  EXPECT_FALSE(second.acquire_leadership([&](bool leader) { second_changes.push_back(leader); }));
  io.run_for(150ms);
  EXPECT_TRUE(first->leader());
  EXPECT_FALSE(second.leader());
  EXPECT_THAT(second_changes, IsEmpty());
  std::ifstream lock(dir / ".vipd-controller.lock");
  std::string holder;
  std::getline(lock, holder);
  EXPECT_THAT(holder, HasSubstr(fmt::format("vipd pid {}", ::getpid())));

  first->stop();
  EXPECT_FALSE(first->leader());
  io.restart();
  io.run_for(150ms);
  EXPECT_TRUE(second.leader());
  EXPECT_THAT(second_changes, ElementsAre(true));
  EXPECT_THAT(first_changes, IsEmpty());  // stop() does not call back

  // Destroying the leader releases the lock too.
  EXPECT_FALSE(first->acquire_leadership([&](bool leader) { first_changes.push_back(leader); }));
  second.stop();
  io.restart();
  io.run_for(150ms);
  EXPECT_TRUE(first->leader());
  EXPECT_THAT(first_changes, ElementsAre(true));
  DirSource third(io, dir.path(), options);
  EXPECT_FALSE(third.acquire_leadership([](bool) {}));
  first.reset();
  io.restart();
  io.run_for(150ms);
  EXPECT_TRUE(third.leader());
}

TEST(DirSource, ReplacedLockFileEndsLeadership) {
  TempDir dir;
  DirSourceOptions options;
  options.leadership_retry = 20ms;
  asio::io_context io;
  DirSource source(io, dir.path(), options);
  std::vector<bool> changes;
  ASSERT_TRUE(source.acquire_leadership([&](bool leader) { changes.push_back(leader); }));
  ASSERT_EQ(::unlink((dir / ".vipd-controller.lock").c_str()), 0);
  io.run_for(100ms);
  // It stepped down, then took the new file (nobody else wanted it).
  EXPECT_THAT(changes, ElementsAre(false, true));
  EXPECT_TRUE(source.leader());
  EXPECT_TRUE(std::filesystem::exists(dir / ".vipd-controller.lock"));
}

// Timing: how long after a write the listener runs (the debounce), and what a reload costs with
// 10,000 Services.
TEST(DirSource, MeasuredDebounce) {
  TempDir dir;
  Watched watched(dir.path());
  ASSERT_THAT(watched.start(), IsEmpty());
  ASSERT_TRUE(watched.exactly_calls(1));
  std::vector<double> delays;
  for (int i = 0; i < 10; ++i) {
    auto written = SteadyClock::now();
    write_file(dir / "ns.yaml", namespace_yaml(fmt::format("ns-{}", i)));
    ASSERT_TRUE(watched.run_until([&] { return watched.calls == i + 2; }));
    delays.push_back(
        std::chrono::duration<double, std::milli>(watched.last_call - written).count());
  }
  std::sort(delays.begin(), delays.end());
  std::printf(
      "write-to-listener delay (debounce 20 ms): min %.1f ms, median %.1f ms, max %.1f ms\n",
      delays.front(), delays[delays.size() / 2], delays.back());
  EXPECT_GE(delays.front(), 19.0);
  EXPECT_LT(delays[delays.size() / 2], 200.0);
}

std::string many_services(int first, int count) {
  std::string text = "apiVersion: v1\nkind: List\nitems:\n";
  for (int i = first; i < first + count; ++i) {
    text += fmt::format(R"(- apiVersion: v1
  kind: Service
  metadata:
    annotations:
      metallb.io/address-pool: first-pool
    labels:
      app.kubernetes.io/name: app-{0}
    managedFields:
    - apiVersion: v1
      fieldsType: FieldsV1
      fieldsV1:
        f:spec:
          f:ports:
            k:{{"port":6379,"protocol":"TCP"}}:
              .: {{}}
              f:port: {{}}
      manager: kubectl-client-side-apply
      operation: Update
      time: "2024-05-02T10:00:00Z"
    name: svc-{0}
    namespace: ns-{1}
    resourceVersion: "{2}"
    uid: 3b1f0c2e-8d4a-4f6b-9a51-{2:012}
  spec:
    clusterIP: 10.43.{3}.{4}
    clusterIPs:
    - 10.43.{3}.{4}
    externalTrafficPolicy: Cluster
    ipFamilies:
    - IPv4
    ipFamilyPolicy: SingleStack
    ports:
    - name: redis
      nodePort: {5}
      port: 6379
      protocol: TCP
      targetPort: 6379
    selector:
      app: app-{0}
    type: LoadBalancer
  status:
    loadBalancer:
      ingress:
      - ip: 10.{6}.{3}.{4}
)",
                        i, i % 50, 100000 + i, (i / 250) % 256, i % 250 + 1, 30000 + i % 2000,
                        48 + i / 64000);
  }
  return text;
}

TEST(DirSource, MeasuredReloadWithTenThousandServices) {
  auto ms = [](auto duration) {
    return std::chrono::duration<double, std::milli>(duration).count();
  };
  {
    // 100 files of 100 Services: a change re-reads one file.
    TempDir dir;
    for (int file = 0; file < 100; ++file) {
      write_file(dir / fmt::format("svc-{:03}.yaml", file), many_services(file * 100, 100));
    }
    Watched watched(dir.path());
    auto started = SteadyClock::now();
    ASSERT_THAT(watched.start(), IsEmpty());
    double initial = ms(SteadyClock::now() - started);
    ASSERT_TRUE(watched.run_until([&] { return watched.calls == 1; }));
    EXPECT_EQ(watched.last.services.size(), 10000u);

    std::string changed = many_services(4200, 100);
    changed.replace(changed.find("port: 6379"), 10, "port: 6380");
    auto written = SteadyClock::now();
    write_file(dir / "svc-042.yaml", changed);
    ASSERT_TRUE(watched.run_until([&] { return watched.calls == 2; }));
    double to_listener = ms(watched.last_call - written);
    EXPECT_EQ(watched.last.services.at({"ns-0", "svc-4200"}).ports[0].port, 6380);
    std::printf(
        "10,000 Services in 100 files: initial read %.0f ms; one file changed: reload %.1f ms, "
        "write to listener %.1f ms\n",
        initial, ms(watched.source.last_reload_duration()), to_listener);

    // write_ingress stays cheap with that many Services.
    auto writes = SteadyClock::now();
    for (int i = 0; i < 100; ++i) {
      watched.source.write_ingress({fmt::format("ns-{}", i % 50), fmt::format("svc-{}", i)},
                                   {test::ip("10.99.0.1")});
    }
    std::printf("write_ingress: %.2f ms each (fsync included)\n",
                ms(SteadyClock::now() - writes) / 100);
    EXPECT_TRUE(watched.exactly_calls(2));
  }
  {
    // One `kubectl get -o yaml` dump: every change re-reads it all.
    TempDir dir;
    write_file(dir / "cluster.yaml", many_services(0, 10000));
    Watched watched(dir.path());
    ASSERT_THAT(watched.start(), IsEmpty());
    ASSERT_TRUE(watched.run_until([&] { return watched.calls == 1; }));
    double initial = ms(watched.source.last_reload_duration());
    std::string changed = many_services(0, 10000);
    changed.replace(changed.find("port: 6379"), 10, "port: 6380");
    write_file(dir / "cluster.yaml", changed);
    ASSERT_TRUE(watched.run_until([&] { return watched.calls == 2; }, 30s));
    EXPECT_EQ(watched.last.services.size(), 10000u);
    std::printf("10,000 Services in one %zu-byte file: initial read %.0f ms, reload %.0f ms\n",
                changed.size(), initial, ms(watched.source.last_reload_duration()));
  }
}

}  // namespace
}  // namespace vipd::lb::cluster
