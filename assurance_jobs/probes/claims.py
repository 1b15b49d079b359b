"""Read a token's stated lifetime without trusting it: JWT claims decoded without verification.

The probe is not the relying party: it only wants to know what the issuer claims (`iat`, `exp`, `aud`), so the
signature is not checked. A token that is not a JWT is opaque: its lifetime is whatever `expires_in` said.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jwt


@dataclass(frozen=True)
class TokenClaims:
    format: str  # 'jwt' | 'opaque'
    iat: float | None = None
    exp: float | None = None
    audience: str | None = None


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def read_claims(token: str) -> TokenClaims:
    try:
        claims = jwt.decode(token, options={"verify_signature": False, "verify_exp": False, "verify_aud": False})
    except jwt.PyJWTError:
        return TokenClaims("opaque")
    aud = claims.get("aud")
    audience = ",".join(aud) if isinstance(aud, list) else (str(aud) if aud is not None else None)
    return TokenClaims("jwt", _number(claims.get("iat")), _number(claims.get("exp")), audience)
