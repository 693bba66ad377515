"""Services never see HTTP: only the HTTP layer imports requests and responses.

Routers parse the request, call a service with plain arguments and shape the response (status,
headers such as the paging ones); services, queries and the CLI share the same code. This test
keeps it that way (issue 10)."""

import ast
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app"
HTTP_NAMES = {"Request", "Response", "StreamingResponse", "JSONResponse"}
# The HTTP layer: routes, their dependencies, the app and its middleware, and the ASGI
# response that streams an export.
HTTP_LAYER = {"router.py", "dependencies.py", "main.py", "api.py"}
HTTP_MODULES = {"app/exports/streaming.py", "app/web/__init__.py"}


def _http_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in (
            "fastapi",
            "starlette",
        ):
            found += [alias.name for alias in node.names if alias.name in HTTP_NAMES]
    return found


def test_no_service_module_imports_requests_or_responses():
    offenders = {}
    for path in sorted(APP.rglob("*.py")):
        relative = path.relative_to(APP.parent).as_posix()
        if path.name in HTTP_LAYER or relative in HTTP_MODULES or relative.startswith("app/core/"):
            continue
        if names := _http_imports(path):
            offenders[relative] = names
    assert offenders == {}


def test_the_check_sees_an_import_when_there_is_one(tmp_path):
    module = tmp_path / "service.py"
    module.write_text(
        "from fastapi import Request, Response\nfrom starlette.requests import Request\n"
    )
    assert _http_imports(module) == ["Request", "Response", "Request"]
