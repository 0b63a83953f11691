"""`python -m gateway`: the citadel config named by CITADEL_CONFIG (if set) plus GATEWAY_* and the
other operator variables (see settings.ENV_VARS)."""

from gateway.serve import serve
from gateway.settings import settings_from_environment

if __name__ == "__main__":
    serve(settings_from_environment())
