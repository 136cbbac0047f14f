"""The API process at start: what it built (modules, routes, schemas, clients) is frozen out of
the garbage collector's full collections, which otherwise walked all of it (about 195,000
objects, 110 ms on the reference machine) in the middle of the requests in flight."""

from __future__ import annotations

import gc

from api.main import create_app
from rapport.settings import Settings


async def test_the_api_freezes_what_it_built_at_start(database_url: str) -> None:
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=database_url,
        temporal_address="127.0.0.1:1",  # connected lazily: never reached here
    )
    app = create_app(settings)
    try:
        async with app.router.lifespan_context(app):
            # The app's own objects, not merely a few: the routes and models are tens of
            # thousands on their own.
            assert gc.get_freeze_count() > 50_000
    finally:
        gc.unfreeze()
