from httpx import ASGITransport, AsyncClient


async def test_health_reports_database_ok(client):
    response = await client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["postgres"].split(".")[0].isdigit()


async def test_health_is_503_problem_when_database_unreachable(monkeypatch, db_engine):
    from app import db
    from app.config import get_settings
    from app.main import create_app

    # Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:9/none")
    get_settings.cache_clear()
    db.get_engine.cache_clear()
    db.get_sessionmaker.cache_clear()
    try:
        app = create_app()
        async with AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as c:
            response = await c.get("/health")
        assert response.status_code == 503
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["status"] == 503
    finally:
        await db.get_engine().dispose()
        monkeypatch.undo()
        get_settings.cache_clear()
        db.get_engine.cache_clear()
        db.get_sessionmaker.cache_clear()
