#include "faasgate/provider_api/provider_config.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/url/parse.hpp>

#include <charconv>

#include "faasgate/core/base64.hpp"

namespace faasgate::provider_api {

core::Expected<ProviderAddress, std::string> parse_provider_url(std::string_view text) {
  auto url = boost::urls::parse_absolute_uri(text);
  if (!url) return core::fail(std::string("the provider URL must be an absolute URL such as http://127.0.0.1:8081"));
  if (url->scheme() != "http")
    return core::fail(std::string("the provider URL must be http:// (the gateway runs beside its provider)"));
  if (url->has_userinfo())
    return core::fail(std::string("the provider URL must not carry credentials: use --provider-auth-dir"));
  if (url->has_query() || url->has_fragment())
    return core::fail(std::string("the provider URL must not have a query or a fragment"));
  ProviderAddress out;
  out.host = std::string(url->encoded_host_address());
  if (url->host_type() == boost::urls::host_type::ipv6) out.host = std::string(url->host_ipv6_address().to_string());
  if (out.host.empty() || out.host.find('%') != std::string::npos)
    return core::fail(std::string("the provider URL needs a plain host name or address"));
  if (url->has_port()) {
    unsigned port = 0;
    const auto p = url->port();
    auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), port);
    if (ec != std::errc{} || end != p.data() + p.size() || port == 0 || port > 65535)
      return core::fail(std::string("the provider URL has a bad port"));
    out.port = static_cast<unsigned short>(port);
  }
  out.prefix = std::string(url->encoded_path());
  while (!out.prefix.empty() && out.prefix.back() == '/') out.prefix.pop_back();
  const std::string host_text = url->host_type() == boost::urls::host_type::ipv6 ? "[" + out.host + "]" : out.host;
  out.display = host_text + ":" + std::to_string(out.port);
  out.base = "http://" + out.display + out.prefix;
  return out;
}

core::Expected<boost::asio::ip::tcp::endpoint, std::string> resolve_provider(const ProviderAddress& address) {
  boost::system::error_code ec;
  auto literal = boost::asio::ip::make_address(address.host, ec);
  if (!ec) return boost::asio::ip::tcp::endpoint(literal, address.port);
  boost::asio::io_context io;
  boost::asio::ip::tcp::resolver resolver(io);
  auto found = resolver.resolve(address.host, std::to_string(address.port), ec);
  if (ec || found.empty()) return core::fail("cannot resolve the provider's host " + address.host + ": " + ec.message());
  return found.begin()->endpoint();
}

core::Secret basic_authorization(const std::string& user, const core::Secret& password) {
  std::string pair = user + ":" + std::string(password.reveal());
  core::Secret out("Basic " + core::base64_encode(std::span(reinterpret_cast<const std::uint8_t*>(pair.data()), pair.size())));
  std::fill(pair.begin(), pair.end(), '\0');
  return out;
}

}  // namespace faasgate::provider_api
