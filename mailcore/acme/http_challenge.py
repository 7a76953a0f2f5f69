"""HTTP-01 answers (RFC 8555 §8.3) for the web listener on port 80."""

from __future__ import annotations

from aiohttp import web

from mailcore.acme.challenges import ChallengeBoard

CHALLENGE_PATH = "/.well-known/acme-challenge/{token}"


def challenge_routes(board: ChallengeBoard) -> list[web.RouteDef]:
    """``GET /.well-known/acme-challenge/<token>``: the key authorization, else 404.

    The answer is plain text and nothing else, whatever the Host header:
    the CA checks the body byte for byte.
    """

    async def answer(request: web.Request) -> web.Response:
        key_authorization = board.http_answer(request.match_info["token"])
        if key_authorization is None:
            raise web.HTTPNotFound()
        return web.Response(text=key_authorization, content_type="text/plain")

    return [web.get(CHALLENGE_PATH, answer)]
