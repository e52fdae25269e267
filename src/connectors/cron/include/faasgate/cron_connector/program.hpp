#pragma once
// `faasgate cron-connector`: the program around Connector - configuration (flags over the
// environment), logging, authentication (IAM's TokenAuth over the projected token file, or basic
// auth), the /metrics listener, and SIGINT/SIGTERM.
#include "faasgate/cron_connector/config.hpp"

namespace faasgate::cron_connector {

// Exit codes: 0 after a signal; 1 when it cannot start (the metrics address in use); 2 for a
// configuration error, with one line on stderr saying which setting is wrong.
int run_program(const Flags& flags);

}  // namespace faasgate::cron_connector
