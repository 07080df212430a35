// The one place that knows which modules vipd has: builds, from the command line, the list the
// daemon drives (module/module.hpp). A module whose flag is absent is not built.
#pragma once

#include <asio/io_context.hpp>

#include "common/result.hpp"
#include "daemon.hpp"
#include "event/clock.hpp"
#include "k8s/config.hpp"
#include "kernel.hpp"
#include "module/module.hpp"

namespace vipd {

// In start order; the daemon stops them in the reverse order (docs/architecture.md).
module::ModuleList build_modules(const DaemonOptions& options, asio::io_context& io,
                                 event::Clock& clock, KernelServices& kernel);

// Where the Kubernetes API is (--k8s-api, --k8s-context) and the namespace of the metallb.io
// resources (--k8s-namespace; else the pod's, or metallb-system outside a pod).
Result<k8s::ApiConfig, std::string> load_api_config(const DaemonOptions& options);

}  // namespace vipd
