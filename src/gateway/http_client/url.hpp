#pragma once
// Private: the one way this module parses a URL, shared by the policy and the curl client so that
// what is checked is what is connected to.
#include <boost/url/url_view.hpp>

#include <string>
#include <string_view>

namespace faasgate::http_client {

class ParsedUrl {
 public:
  explicit ParsedUrl(std::string_view url);
  ParsedUrl(const ParsedUrl&) = delete;  // the view points into text_
  ParsedUrl& operator=(const ParsedUrl&) = delete;

  bool ok() const noexcept { return view_.has_value(); }
  const boost::urls::url_view& view() const { return *view_; }

 private:
  std::string text_;
  boost::system::result<boost::urls::url_view> view_;
};

}  // namespace faasgate::http_client
