"""`python -m reference_platform.openapi`: print the OpenAPI document the platform serves.

Its copy in `harness/spec/openapi.json` is what vendors generate clients from; a test keeps the two
equal.
"""

from __future__ import annotations

import json
import secrets
import sys

from reference_platform.main import create_app
from reference_platform.settings import PlatformSettings


def openapi_document() -> dict:
    # The document does not depend on settings; a throw-away password avoids logging one.
    settings = PlatformSettings(authority_password=secrets.token_urlsafe(18))
    return create_app(settings).openapi()


def main() -> None:
    sys.stdout.write(json.dumps(openapi_document(), ensure_ascii=False, indent=2) + "\n")


if __name__ == "__main__":
    main()
