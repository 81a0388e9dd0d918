"""The JSON API under /api/v1: personal tokens, the same `queue/` functions as the CLI and the desk,
RFC 9457 problem answers, and an OpenAPI description generated from the models that validate."""
