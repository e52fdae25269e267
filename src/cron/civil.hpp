#pragma once
// The calendar arithmetic the cron code shares with core's RFC 3339 text.
#include "faasgate/core/civil.hpp"

namespace faasgate::cron {
namespace civil = core::civil;
}  // namespace faasgate::cron
