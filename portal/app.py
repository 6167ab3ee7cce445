"""The portal as an ASGI app: the JSON API under /api/ and the page from portal/static."""

from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from portal.api import api_routes
from portal.services import PortalServices

STATIC = Path(__file__).parent / "static"


async def index(_request: Request) -> Response:
    """The page itself holds nothing personal; it is fetched fresh so that a new release shows
    at once inside Telegram's webview."""
    return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})


async def no_such_endpoint(_request: Request) -> Response:
    return JSONResponse({"error": "not_found"}, status_code=404)


def build_portal(services: PortalServices) -> Starlette:
    return Starlette(
        routes=[
            *api_routes(services),
            Route("/api/{rest:path}", no_such_endpoint),
            Route("/", index, methods=["GET"]),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ]
    )
