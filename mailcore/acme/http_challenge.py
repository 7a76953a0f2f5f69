"""HTTP-01 answers (RFC 8555 section 8.3) served by the web listener on port 80.

The CA fetches ``http://<name>/.well-known/acme-challenge/<token>`` and expects
the key authorization as the whole body. An unknown token is a plain 404: the
listener must not tell a scanner anything else.
"""

from __future__ import annotations

from aiohttp import web

from mailcore.acme.challenges import ChallengeBoard

CHALLENGE_PREFIX = "/.well-known/acme-challenge/"


def challenge_routes(board: ChallengeBoard) -> list[web.RouteDef]:
    """``GET /.well-known/acme-challenge/{token}``: the board's answer, else 404.

    Args:
        board: the challenges in flight, shared with the ACME client.

    Returns:
        The route definitions to add to the port-80 application.
    """

    async def answer(request: web.Request) -> web.StreamResponse:
        key_authorization = board.http_answer(request.match_info["token"])
        if key_authorization is None:
            raise web.HTTPNotFound()
        return web.Response(text=key_authorization, content_type="text/plain")

    return [web.get(CHALLENGE_PREFIX + "{token}", answer)]
