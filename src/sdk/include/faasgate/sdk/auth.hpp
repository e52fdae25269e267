#pragma once
// What a Client puts in each request's Authorization header. TokenAuth (token_auth.hpp) is the
// one the write-up is about; BasicAuth and BearerAuth cover the admin's password and an access
// token a program already holds (the CLI's stored login).
#include <string>

#include "faasgate/core/secret.hpp"
#include "faasgate/sdk/error.hpp"

namespace faasgate::sdk {

class ClientAuth {
 public:
  virtual ~ClientAuth() = default;
  // The header's whole value: "Bearer <token>" or "Basic <base64>".
  virtual Result<core::Secret> authorization() = 0;
  // The API answered 401 to `authorization`. A source that can get another drops this one and
  // returns true: the client then asks authorization() again and retries the call once.
  virtual bool rejected(const core::Secret& authorization) { (void)authorization; return false; }
};

class BasicAuth final : public ClientAuth {
 public:
  BasicAuth(std::string username, core::Secret password);
  Result<core::Secret> authorization() override { return header_; }

 private:
  core::Secret header_;
};

class BearerAuth final : public ClientAuth {
 public:
  explicit BearerAuth(const core::Secret& access_token);
  Result<core::Secret> authorization() override { return header_; }

 private:
  core::Secret header_;
};

}  // namespace faasgate::sdk
