#include "k8s/client.hpp"

#include <charconv>

#include <curl/curl.h>
#include <fmt/format.h>

#include <asio/post.hpp>
#include <atomic>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/file.hpp"
#include "common/log.hpp"
#include "k8s/detail.hpp"

namespace vipd::k8s {
namespace {

using detail::trim;

// Far above any real object (etcd's request limit is 1.5 MiB) or page of a LIST; a server that
// sends more is broken and is cut rather than allowed to exhaust memory.
constexpr std::size_t kMaxBodyBytes = std::size_t{256} << 20;
constexpr std::size_t kMaxLineBytes = std::size_t{64} << 20;
constexpr long kConnectTimeoutMs = 10000;
// TCP keepalive finds a peer that vanished without a FIN or RST under a watch that may be
// silent for minutes (the server's timeoutSeconds ends it normally).
constexpr long kKeepIdleSeconds = 30;
constexpr long kKeepIntervalSeconds = 15;
// client-go's cachingTokenSource re-reads a token file at most once a minute.
constexpr auto kTokenRecheck = std::chrono::minutes(1);

// curl_blob's data is not const, but CURL_BLOB_COPY only reads it (curl keeps a copy).
void* blob_data(const std::string& text) {
  return const_cast<char*>(text.data());
}

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// The loop's side of the requests: who to call back. Touched only on the io_context's thread;
// shared with the handlers posted by the worker so that a handler running after the client is
// gone finds an empty registry and does nothing.
struct Registry {
  struct Entry {
    std::function<void(std::string_view)> on_line;
    std::function<void(Response)> done;
  };
  std::unordered_map<Client::RequestId, std::shared_ptr<Entry>> entries;

  void deliver_lines(Client::RequestId id, const std::vector<std::string>& lines) {
    for (const auto& line : lines) {
      auto it = entries.find(id);
      if (it == entries.end()) return;  // cancelled (perhaps by the previous line's handler)
      auto entry = it->second;          // keeps the handler alive if it cancels itself
      if (entry->on_line) entry->on_line(line);
    }
  }
  void finish(Client::RequestId id, Response response) {
    auto it = entries.find(id);
    if (it == entries.end()) return;
    auto entry = std::move(it->second);
    entries.erase(it);
    if (entry->done) entry->done(std::move(response));
  }
};

}  // namespace

std::string url_escape(std::string_view text) {
  global_init();
  // curl_easy_escape takes a null handle since curl 7.82.
  char* escaped = curl_easy_escape(nullptr, text.data(), static_cast<int>(text.size()));
  if (escaped == nullptr) return std::string();
  std::string out(escaped);
  curl_free(escaped);
  return out;
}

struct CurlClient::Impl {
  struct Command {
    RequestId id = 0;
    bool cancel = false;
    bool stream = false;
    Request request;
  };

  // One transfer, owned by the worker thread.
  struct Transfer {
    Impl* impl = nullptr;
    RequestId id = 0;
    bool stream = false;
    Request request;
    CURL* easy = nullptr;
    curl_slist* headers = nullptr;
    std::string body;     // request(): the body; stream(): the body of a non-200 response
    std::string partial;  // stream(): bytes after the last newline
    long status = -1;     // stream(): known from the first byte of the body on
    std::string abort_reason;
    char error[CURL_ERROR_SIZE] = {};

    ~Transfer() {
      if (easy != nullptr) curl_easy_cleanup(easy);
      if (headers != nullptr) curl_slist_free_all(headers);
    }
  };

  Impl(asio::io_context& io_context, ApiConfig api) : io(io_context), config(std::move(api)) {
    global_init();
    multi = curl_multi_init();
    // Several watches share one HTTP/2 connection (multiplexed streams) where the server
    // speaks HTTP/2.
    curl_multi_setopt(multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
    worker = std::thread([this] { run(); });
  }

  ~Impl() {
    {
      std::lock_guard lock(mutex);
      stopping = true;
    }
    curl_multi_wakeup(multi);
    worker.join();
    registry->entries.clear();
    curl_multi_cleanup(multi);
  }

  RequestId submit(Request request, bool stream, std::function<void(std::string_view)> on_line,
                   std::function<void(Response)> done) {
    const RequestId id = next_id++;
    auto entry = std::make_shared<Registry::Entry>();
    entry->on_line = std::move(on_line);
    entry->done = std::move(done);
    registry->entries.emplace(id, std::move(entry));
    ++started;
    {
      std::lock_guard lock(mutex);
      commands.push_back(Command{id, false, stream, std::move(request)});
    }
    curl_multi_wakeup(multi);
    return id;
  }

  void cancel(RequestId id) {
    if (registry->entries.erase(id) == 0) return;
    {
      std::lock_guard lock(mutex);
      commands.push_back(Command{id, true, false, {}});
    }
    curl_multi_wakeup(multi);
  }

  // ---- worker thread ----

  void run() {
    for (;;) {
      std::vector<Command> batch;
      {
        std::lock_guard lock(mutex);
        if (stopping) break;
        batch.swap(commands);
      }
      for (auto& command : batch) {
        if (command.cancel) {
          remove(command.id);
        } else {
          start(std::move(command));
        }
      }
      int running = 0;
      curl_multi_perform(multi, &running);
      int left = 0;
      while (CURLMsg* message = curl_multi_info_read(multi, &left)) {
        if (message->msg != CURLMSG_DONE) continue;
        Transfer* transfer = nullptr;
        curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, &transfer);
        if (transfer != nullptr) complete(*transfer, message->data.result);
      }
      // Sleeps until a socket is ready, curl's next timeout, or curl_multi_wakeup (a new
      // request, a cancel, the destructor).
      curl_multi_poll(multi, nullptr, 0, 1000, nullptr);
    }
    for (auto& [id, transfer] : transfers) curl_multi_remove_handle(multi, transfer->easy);
    transfers.clear();
  }

  void remove(RequestId id) {
    auto it = transfers.find(id);
    if (it == transfers.end()) return;
    curl_multi_remove_handle(multi, it->second->easy);
    transfers.erase(it);
  }

  void post_finish(RequestId id, Response response) {
    asio::post(io, [registry = registry, id, response = std::move(response)]() mutable {
      registry->finish(id, std::move(response));
    });
  }

  void post_lines(RequestId id, std::vector<std::string> lines) {
    asio::post(io, [registry = registry, id, lines = std::move(lines)] {
      registry->deliver_lines(id, lines);
    });
  }

  // The bearer token: a literal, or the file re-read at most once a minute and at once after a
  // 401 (bound service-account tokens rotate; client-go does the same).
  std::string bearer_token() {
    if (config.token_file.empty()) return config.token;
    const auto now = std::chrono::steady_clock::now();
    if (token_stale || token_read_at == std::chrono::steady_clock::time_point{} ||
        now - token_read_at >= kTokenRecheck) {
      token_stale = false;
      token_read_at = now;
      auto text = read_config_file(config.token_file, 1 << 20);
      std::string token = text ? trim(*text) : std::string();
      if (!token.empty()) {
        token_cache = std::move(token);
      } else {
        log::warning("kubernetes API: cannot read token file {}: {}", config.token_file,
                     text ? std::string("empty") : text.error());
        if (token_cache.empty()) token_cache = config.token;
      }
    }
    return token_cache;
  }

  static std::size_t on_write(char* data, std::size_t size, std::size_t count, void* user) {
    auto* transfer = static_cast<Transfer*>(user);
    const std::size_t length = size * count;
    if (transfer->stream && transfer->status < 0) {
      curl_easy_getinfo(transfer->easy, CURLINFO_RESPONSE_CODE, &transfer->status);
    }
    if (!transfer->stream || transfer->status != 200) {
      if (transfer->body.size() + length > kMaxBodyBytes) {
        transfer->abort_reason = "response body larger than 256 MiB";
        return 0;  // curl ends the transfer with CURLE_WRITE_ERROR
      }
      transfer->body.append(data, length);
      return length;
    }
    // A watch: one JSON event per line. Complete lines go to the loop now; the rest waits.
    transfer->partial.append(data, length);
    std::vector<std::string> lines;
    std::size_t begin = 0;
    for (;;) {
      std::size_t newline = transfer->partial.find('\n', begin);
      if (newline == std::string::npos) break;
      lines.emplace_back(transfer->partial, begin, newline - begin);
      begin = newline + 1;
    }
    transfer->partial.erase(0, begin);
    if (transfer->partial.size() > kMaxLineBytes) {
      transfer->abort_reason = "watch event line longer than 64 MiB";
      return 0;
    }
    if (!lines.empty()) transfer->impl->post_lines(transfer->id, std::move(lines));
    return length;
  }

  void start(Command command) {
    auto transfer = std::make_unique<Transfer>();
    transfer->impl = this;
    transfer->id = command.id;
    transfer->stream = command.stream;
    transfer->request = std::move(command.request);
    const Request& request = transfer->request;
    CURL* easy = curl_easy_init();
    if (easy == nullptr) {
      post_finish(command.id, Response{0, {}, "curl_easy_init failed", {}});
      return;
    }
    transfer->easy = easy;
    const std::string url = config.server + request.path;
    curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
    curl_easy_setopt(easy, CURLOPT_PRIVATE, transfer.get());
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &Impl::on_write);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, transfer.get());
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, transfer->error);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    // HTTP/2 over TLS where the server offers it (ALPN), HTTP/1.1 otherwise; a new request waits
    // for a connection being set up instead of opening another, to multiplex on it.
    curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
    curl_easy_setopt(easy, CURLOPT_PIPEWAIT, 1L);
    curl_easy_setopt(easy, CURLOPT_USERAGENT, "vipd");
    curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");  // gzip: large LISTs compress well
    curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(easy, CURLOPT_TCP_KEEPIDLE, kKeepIdleSeconds);
    curl_easy_setopt(easy, CURLOPT_TCP_KEEPINTVL, kKeepIntervalSeconds);
    long connect_timeout = kConnectTimeoutMs;
    if (request.timeout.count() > 0) {
      connect_timeout = std::min<long>(connect_timeout, request.timeout.count());
      curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
    }
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, connect_timeout);

    // Trust and client identity.
    if (config.insecure_skip_tls_verify) {
      curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 0L);
    } else if (!config.ca_data.empty() || !config.ca_file.empty()) {
      // The cluster's CA only, as kubectl: not the system's CAs besides.
      curl_easy_setopt(easy, CURLOPT_CAPATH, nullptr);
      if (!config.ca_data.empty()) {
        curl_blob blob{blob_data(config.ca_data), config.ca_data.size(), CURL_BLOB_COPY};
        curl_easy_setopt(easy, CURLOPT_CAINFO_BLOB, &blob);
      } else {
        curl_easy_setopt(easy, CURLOPT_CAINFO, config.ca_file.c_str());
      }
    }
    if (!config.client_certificate_data.empty()) {
      curl_blob blob{blob_data(config.client_certificate_data),
                     config.client_certificate_data.size(), CURL_BLOB_COPY};
      curl_easy_setopt(easy, CURLOPT_SSLCERT_BLOB, &blob);
      curl_easy_setopt(easy, CURLOPT_SSLCERTTYPE, "PEM");
    } else if (!config.client_certificate_file.empty()) {
      curl_easy_setopt(easy, CURLOPT_SSLCERT, config.client_certificate_file.c_str());
      curl_easy_setopt(easy, CURLOPT_SSLCERTTYPE, "PEM");
    }
    if (!config.client_key_data.empty()) {
      curl_blob blob{blob_data(config.client_key_data), config.client_key_data.size(),
                     CURL_BLOB_COPY};
      curl_easy_setopt(easy, CURLOPT_SSLKEY_BLOB, &blob);
      curl_easy_setopt(easy, CURLOPT_SSLKEYTYPE, "PEM");
    } else if (!config.client_key_file.empty()) {
      curl_easy_setopt(easy, CURLOPT_SSLKEY, config.client_key_file.c_str());
      curl_easy_setopt(easy, CURLOPT_SSLKEYTYPE, "PEM");
    }

    curl_slist* headers = curl_slist_append(nullptr, "Accept: application/json");
    const std::string token = bearer_token();
    if (!token.empty()) {
      headers = curl_slist_append(headers, ("Authorization: Bearer " + token).c_str());
    }
    // Method and body. curl sends the body of any method given POSTFIELDS.
    if (request.method == "GET") {
      curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
    } else {
      if (request.method != "POST") {
        curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, request.method.c_str());
      }
      if (!request.body.empty() || request.method == "POST") {
        headers = curl_slist_append(headers, ("Content-Type: " + request.content_type).c_str());
        headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip
        curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                         static_cast<curl_off_t>(request.body.size()));
        curl_easy_setopt(easy, CURLOPT_COPYPOSTFIELDS, request.body.c_str());
      }
    }
    transfer->headers = headers;
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);

    CURLMcode added = curl_multi_add_handle(multi, easy);
    if (added != CURLM_OK) {
      post_finish(command.id, Response{0, {}, curl_multi_strerror(added), {}});
      return;
    }
    transfers.emplace(command.id, std::move(transfer));
  }

  static std::optional<std::chrono::seconds> retry_after(CURL* easy) {
    curl_header* header = nullptr;
    if (curl_easy_header(easy, "Retry-After", 0, CURLH_HEADER, -1, &header) != CURLHE_OK ||
        header == nullptr || header->value == nullptr)
      return std::nullopt;
    // The seconds form only; an HTTP-date (which kube-apiserver does not send) is ignored.
    const std::string value = detail::trim(header->value);
    std::uint32_t seconds = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (ec != std::errc() || end != value.data() + value.size() || value.empty())
      return std::nullopt;
    return std::chrono::seconds(seconds);
  }

  void complete(Transfer& transfer, CURLcode code) {
    Response response;
    curl_easy_getinfo(transfer.easy, CURLINFO_RESPONSE_CODE, &response.status);
    if (code != CURLE_OK) {
      if (!transfer.abort_reason.empty()) {
        response.transport_error = transfer.abort_reason;
      } else if (transfer.error[0] != '\0') {
        response.transport_error = transfer.error;
      } else {
        response.transport_error = curl_easy_strerror(code);
      }
      // A cut request has no usable body; a cut watch keeps its 200 (the lines delivered were
      // whole events; the trailing partial one is dropped).
      if (!transfer.stream || response.status != 200) response.status = 0;
    }
    response.retry_after = retry_after(transfer.easy);
    if (response.status == 401) token_stale = true;
    if (!transfer.stream || response.status != 200) response.body = std::move(transfer.body);
    const RequestId id = transfer.id;
    remove(id);  // destroys `transfer`
    post_finish(id, std::move(response));
  }

  asio::io_context& io;
  const ApiConfig config;
  std::shared_ptr<Registry> registry = std::make_shared<Registry>();
  RequestId next_id = 1;
  std::atomic<std::uint64_t> started{0};

  std::mutex mutex;
  std::vector<Command> commands;
  bool stopping = false;

  CURLM* multi = nullptr;
  std::unordered_map<RequestId, std::unique_ptr<Transfer>> transfers;  // worker only
  std::string token_cache;                                             // worker only
  std::chrono::steady_clock::time_point token_read_at{};
  bool token_stale = true;
  std::thread worker;  // last: started when everything above exists
};

CurlClient::CurlClient(asio::io_context& io, ApiConfig config)
    : impl_(std::make_unique<Impl>(io, std::move(config))) {}

CurlClient::~CurlClient() = default;

Client::RequestId CurlClient::request(Request request, std::function<void(Response)> done) {
  return impl_->submit(std::move(request), false, nullptr, std::move(done));
}

Client::RequestId CurlClient::stream(Request request,
                                     std::function<void(std::string_view line)> on_line,
                                     std::function<void(Response)> done) {
  return impl_->submit(std::move(request), true, std::move(on_line), std::move(done));
}

void CurlClient::cancel(RequestId id) {
  impl_->cancel(id);
}

const ApiConfig& CurlClient::config() const {
  return impl_->config;
}

std::uint64_t CurlClient::requests_started() const {
  return impl_->started.load();
}

}  // namespace vipd::k8s
