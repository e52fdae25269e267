#pragma once
// GET /system/logs at the provider as a platform::LogFeed (private to the module): a small
// asynchronous HTTP/1.1 client on Beast, on the handler's executor (an io_context run by one
// thread, as server::Deadline needs).
//
//  - Bounds: connecting takes at most connect_timeout, the answer's header system_timeout; a
//    stream that is not followed is read within system_timeout in all. A followed stream has no
//    total time (it lasts as long as the client listens: upstream's streams cut by a write
//    timeout are a complaint); the wait for its next lines is the caller's, per next(wait).
//  - Lines: NDJSON, one {"name","namespace","instance","timestamp","text"} a line, chunked or
//    not. A line longer than max_log_line_bytes, one that is not such an object, or one for
//    another function than the one asked for, is skipped and counted (logged when the feed
//    ends), never fatal. The reader stops reading while the caller has lines it has not taken
//    (a bounded queue), so a slow client slows the provider's stream, not the gateway's memory.
//  - End: the feed ends when the provider closes the stream; destroying the feed (the client
//    went away) closes the connection.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <memory>
#include <string>

#include "faasgate/core/secret.hpp"
#include "faasgate/platform/platform.hpp"
#include "faasgate/provider_api/provider_config.hpp"

namespace faasgate::provider_api {

// `target`: the path and query to GET (the module's paths.hpp built it).
boost::asio::awaitable<platform::Result<std::unique_ptr<platform::LogFeed>>> open_log_stream(
    boost::asio::any_io_executor executor, const ProviderConfig& config, const core::Secret& authorization,
    std::string target, provider::LogQuery query, bool follow);

// One NDJSON line of the provider's as a LogLine; nullopt when it is not one (see above).
std::optional<provider::LogLine> parse_log_line(std::string_view line, const provider::LogQuery& query);

}  // namespace faasgate::provider_api
