"""The HTTP API: the FastAPI app, its routers, schemas and dependencies.

An entry point: it may import `workflows` (to start and signal them by their handlers) and
`rapport`; nothing imports it.
"""
