"""One thread hop per request under ASGI."""

from django.utils.decorators import sync_only_middleware


@sync_only_middleware
def OneThreadHop(get_response):  # noqa: N802 (a middleware factory, named like the others)
    """Innermost and sync-only, so that Django runs the whole chain sync under ASGI too.

    Every view is sync. With an async chain, each MiddlewareMixin middleware hops to a thread for
    its process_request and again for its process_response (about 16 hops a request, each a
    thread hand-over and an event-loop wake-up); with a sync chain the request makes one hop at
    the top and runs the chain and the view in that thread. Measured in bench/README.md.
    """
    return get_response
