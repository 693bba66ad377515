"""The framework's own floor for `GET /me`: a FastAPI app with one route that returns a fixed
profile-sized JSON body. No middleware, no authentication, no database, no validation: what
FastAPI, Starlette and uvicorn cost per request before the API does anything. Served by
uvicorn the same way as the API (see bench.teacher_reads), it bounds the ratio any FastAPI
route can reach against the bare ceiling.
"""

from fastapi import FastAPI
from fastapi.responses import Response

# About the size of a teacher's `GET /me` answer.
_BODY = (
    b'{"id":1234,"username":"scl.teacher.0001.1","full_name_th":"\xe0\xb8\x84\xe0\xb8\xa3\xe0\xb8\xb9",'
    b'"full_name_en":"Teacher","email":null,"role":"teacher","school":{"id":1,"code":"BKK001",'
    b'"name_th":"\xe0\xb9\x82\xe0\xb8\xa3\xe0\xb8\x87\xe0\xb9\x80\xe0\xb8\xa3\xe0\xb8\xb5\xe0\xb8\xa2\xe0\xb8\x99",'
    b'"name_en":"School"},"creator":null,"is_active":true}'
)


def create_app() -> FastAPI:
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @app.get("/me")
    async def me() -> Response:
        return Response(_BODY, media_type="application/json")

    return app
