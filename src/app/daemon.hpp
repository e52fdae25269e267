#pragma once
// The gateway daemon's composition root: every part of a running gateway, built in dependency
// order from the command line's options, run until SIGINT or SIGTERM, and stopped gracefully.
// This is the one place that knows which implementation plugs into each seam: SqliteStore,
// queue::SqliteQueue, provider::Runtime, invoke::EmbeddedInvoker, http_client::CurlHttpClient.
#include "serve_options.hpp"

namespace faasgate::app {

// 0 after a graceful stop; 1 when a part cannot be built (the reason on stderr); 2 for a usage
// error in the options.
int run_daemon(ServeOptions options);

}  // namespace faasgate::app
