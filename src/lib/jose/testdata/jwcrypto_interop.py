#!/usr/bin/python3
"""Cross-checks faasgate's jose module against python3-jwcrypto (Debian's package).

Driven by jose/interop_test.cpp through popen; run with /usr/bin/python3 (the Debian interpreter
that has jwcrypto). Exits non-zero - never skips - when jwcrypto is missing or a check fails.

  sign                          for each algorithm, generate a key, sign a JWT and print one line:
                                alg TAB public-JWK-JSON TAB token TAB RFC-7638-thumbprint
  verify JWK_B64URL TOKEN KID   import our public JWK, check its thumbprint equals KID, verify
                                TOKEN (ES256 only) and print its claims as JSON
"""
import base64
import json
import sys
import time

try:
    from jwcrypto import jwk, jwt
except ImportError as e:  # fail loudly: the ctest must not pass without the cross-check
    sys.stderr.write("python3-jwcrypto is required for the interop test: %s\n" % e)
    sys.exit(2)

ISSUER = "https://jwcrypto.interop.test"
AUDIENCE = "faasgate"

KEYS = [
    ("RS256", dict(kty="RSA", size=2048)),
    ("PS256", dict(kty="RSA", size=2048)),
    ("ES256", dict(kty="EC", crv="P-256")),
    ("ES384", dict(kty="EC", crv="P-384")),
    ("ES512", dict(kty="EC", crv="P-521")),
    ("EdDSA", dict(kty="OKP", crv="Ed25519")),
]


def sign():
    now = int(time.time())
    for alg, params in KEYS:
        kid = "jwcrypto-" + alg
        key = jwk.JWK.generate(kid=kid, **params)
        claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "interop-" + alg, "iat": now, "exp": now + 600}
        token = jwt.JWT(header={"alg": alg, "kid": kid, "typ": "JWT"}, claims=claims)
        token.make_signed_token(key)
        public = json.loads(key.export_public())
        print("\t".join([alg, json.dumps(public, separators=(",", ":")), token.serialize(), key.thumbprint()]))


def verify(jwk_b64url, token, kid):
    padded = jwk_b64url + "=" * (-len(jwk_b64url) % 4)
    public = jwk.JWK(**json.loads(base64.urlsafe_b64decode(padded)))
    if public.thumbprint() != kid:
        sys.stderr.write("thumbprint mismatch: jwcrypto %s, faasgate %s\n" % (public.thumbprint(), kid))
        sys.exit(1)
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    if header != {"alg": "ES256", "kid": kid, "typ": "JWT"}:
        sys.stderr.write("unexpected header %r\n" % header)
        sys.exit(1)
    verified = jwt.JWT(jwt=token, key=public, algs=["ES256"])
    print(verified.claims)


def main(argv):
    if argv[1:] == ["sign"]:
        sign()
    elif len(argv) == 5 and argv[1] == "verify":
        verify(argv[2], argv[3], argv[4])
    else:
        sys.stderr.write(__doc__)
        sys.exit(64)


if __name__ == "__main__":
    main(sys.argv)
