#include "faasgate/jose/error.hpp"

namespace faasgate::jose {

std::string_view to_string(Errc code) noexcept {
  switch (code) {
    case Errc::token_too_large: return "token_too_large";
    case Errc::not_compact: return "not_compact";
    case Errc::bad_base64: return "bad_base64";
    case Errc::bad_json: return "bad_json";
    case Errc::json_too_deep: return "json_too_deep";
    case Errc::duplicate_member: return "duplicate_member";
    case Errc::not_an_object: return "not_an_object";
    case Errc::missing_alg: return "missing_alg";
    case Errc::bad_header: return "bad_header";
    case Errc::unsigned_token: return "unsigned_token";
    case Errc::alg_not_allowed: return "alg_not_allowed";
    case Errc::alg_mismatch: return "alg_mismatch";
    case Errc::crit_unsupported: return "crit_unsupported";
    case Errc::embedded_key_rejected: return "embedded_key_rejected";
    case Errc::bad_key: return "bad_key";
    case Errc::unsupported_key: return "unsupported_key";
    case Errc::key_too_small: return "key_too_small";
    case Errc::key_not_for_signing: return "key_not_for_signing";
    case Errc::private_key_material: return "private_key_material";
    case Errc::bad_key_set: return "bad_key_set";
    case Errc::key_set_too_large: return "key_set_too_large";
    case Errc::no_matching_key: return "no_matching_key";
    case Errc::bad_signature_encoding: return "bad_signature_encoding";
    case Errc::bad_signature: return "bad_signature";
    case Errc::missing_claim: return "missing_claim";
    case Errc::bad_claim_type: return "bad_claim_type";
    case Errc::expired: return "expired";
    case Errc::not_yet_valid: return "not_yet_valid";
    case Errc::issued_in_future: return "issued_in_future";
    case Errc::wrong_issuer: return "wrong_issuer";
    case Errc::wrong_audience: return "wrong_audience";
    case Errc::signing_failed: return "signing_failed";
  }
  return "unknown";
}

}  // namespace faasgate::jose
