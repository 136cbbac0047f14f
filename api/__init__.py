"""The HTTP API: the FastAPI app, one package per domain, and the pieces they share.

Each domain package (`candidates`, `vacancies`, `campaigns`, `tasks`, `articles`, `keys`,
`ops`, `public`, `health`, `codec`) holds `routes` (HTTP only: parse, call the service, map to
HTTP), `service` (the business logic, through `rapport.db.repositories` and Temporal) and
`schemas` (its bodies). Shared here: `main` (the app and its lifespan), `deps`, `auth`,
`middleware`, `errors` (refusals and the 422 shape), `unavailable` (503s), `openapi`, `fields`
(the field types bodies are built from) and `create_then_start` (a row and its workflow).

An entry point: it may import `workflows` (to start and signal them by their handlers) and
`rapport`; nothing imports it.
"""
