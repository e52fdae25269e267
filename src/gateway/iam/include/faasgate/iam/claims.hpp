#pragma once
// Which claims mean what, for tokens the gateway mints and for the conditions it evaluates.
// Pure: claims in, claims out.
//
// A tenant controls every claim of its own identity provider's tokens. So the claims the gateway
// gives meaning to are set by the gateway alone and never copied from a subject token:
//   - the registered ones it sets: iss, sub, aud, exp, nbf, iat, jti;
//   - its own: policy (what the token may do), scope and function (what kind of token it is, and
//     which functions a function token addresses), and every "fed:..." claim (fed:iss names the
//     original issuer).
// Every other claim of the subject token is carried into the minted token as it was.
//
// Statement conditions (a Policy's `condition`) see ONE set of claims everywhere - at the
// exchange, on every API call, for every function token and in `explain`: the subject token's
// claims as the exchange saw them, less the gateway's claims, with `iss` the ORIGINAL issuer and
// `sub` the ORIGINAL subject. So `StringEqual jwt:iss: [<a tenant's issuer>]` in a Deny means
// what it says on every call, and a condition on `jwt:policy`, `jwt:scope`, `jwt:function` or
// `jwt:fed:...` never holds (lint says so). `aud`, `exp`, `nbf`, `iat` and `jti` are absent from
// that view: they describe one token, not who is calling.
#include <boost/json/object.hpp>

#include <string_view>

namespace faasgate::iam {

bool is_gateway_claim(std::string_view name) noexcept;

// The claims of `subject` a minted token carries over: all but the gateway's.
boost::json::object carried_claims(const boost::json::object& subject);

// What statement conditions see, from a subject token's verified claims (the exchange, explain).
boost::json::object statement_claims_of_subject(const boost::json::object& subject);
// The same, from an access or function token this gateway minted (iss from fed:iss, sub without
// its "fed:" prefix). For the token minted from subject S, equal to statement_claims_of_subject(S).
boost::json::object statement_claims_of_token(const boost::json::object& minted);

}  // namespace faasgate::iam
