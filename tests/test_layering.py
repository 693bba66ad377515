"""Services never see HTTP: only the HTTP layer imports requests and responses.

Routers parse the request, call a service with plain arguments and shape the response (status,
headers such as the paging ones); services, queries and the CLI share the same code. This test
keeps it that way (issue 10)."""

import ast
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app"
HTTP_NAMES = {"Request", "Response", "StreamingResponse", "JSONResponse"}
# The HTTP layer: routes, their dependencies, the app and its middleware, and the ASGI
# response that streams an export; a package's further routers are named `*_router.py`.
HTTP_LAYER = {"router.py", "dependencies.py", "main.py", "api.py"}
HTTP_MODULES = {
    "app/exports/streaming.py",
    "app/web/__init__.py",
    "app/reports/utilisation_router.py",
}


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
        routes = path.name in HTTP_LAYER or path.name.endswith("_router.py")
        if routes or relative in HTTP_MODULES or relative.startswith("app/core/"):
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


# Which package may import which (docs/ARCHITECTURE.md): the foundation (core, models, config,
# db) knows no domain; routers are the leaves that only the app's assembly imports; the CLI
# and the app factory sit on top and nothing below imports them.
FOUNDATION = {"core", "models", "config", "db"}
ASSEMBLY = {"app.api", "app.main"}


def _app_imports() -> dict[str, set[str]]:
    """Module -> the `app.*` modules and names it imports."""
    edges: dict[str, set[str]] = {}
    for path in sorted(APP.rglob("*.py")):
        module = ".".join(path.relative_to(APP.parent).with_suffix("").parts)
        module = module.removesuffix(".__init__")
        targets = edges.setdefault(module, set())
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("app"):
                assert node.module is not None
                targets.add(node.module)
                targets.update(f"{node.module}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.Import):
                targets.update(a.name for a in node.names if a.name.startswith("app"))
    return edges


def _package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_the_foundation_imports_no_domain():
    offenders = {
        module: sorted(t for t in targets if _package(t) not in FOUNDATION)
        for module, targets in _app_imports().items()
        if _package(module) in FOUNDATION - {"config", "db"}
    }
    assert {m: t for m, t in offenders.items() if t} == {}


def test_only_the_app_assembly_imports_routers_and_nothing_imports_the_cli_or_the_factory():
    edges = _app_imports()
    assert "app.rooms.router" in edges["app.api"]  # the check sees the imports there are
    offenders = []
    for module, targets in edges.items():
        for target in targets:
            if target.endswith((".router", "_router")) and module not in ASSEMBLY:
                offenders.append((module, target))
            if _package(target) == "cli" and _package(module) != "cli":
                offenders.append((module, target))
            if target == "app.main" and _package(module) != "cli":
                offenders.append((module, target))
    assert offenders == []
