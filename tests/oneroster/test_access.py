"""Who may import and export rosters, and the upload limits."""

import io
import zipfile
from collections.abc import AsyncIterator

import pytest
from httpx import ASGITransport, AsyncClient

from app.config import get_settings
from tests.conftest import assert_errors_are_problem_json
from tests.factories import ApiWorld, assert_unchanged, table_snapshot
from tests.oneroster.bundles import good_bundle, upload

EXPORT = "/api/v1/oneroster/export"
SMALL_LIMIT = 50_000


@pytest.fixture
async def world(session):
    return await ApiWorld(session).build()


@pytest.fixture
async def small_limit_client(make_app, monkeypatch) -> AsyncIterator[AsyncClient]:
    """The app with LMS_MAX_UPLOAD_BYTES set to 50 kB."""
    monkeypatch.setenv("LMS_MAX_UPLOAD_BYTES", str(SMALL_LIMIT))
    get_settings.cache_clear()
    try:
        async with AsyncClient(
            transport=ASGITransport(app=make_app()),
            base_url="http://test",
            event_hooks={"response": [assert_errors_are_problem_json]},
        ) as client:
            yield client
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


async def test_department_can_export_but_every_import_is_403(client, world, session):
    headers = world.headers["department"]
    assert (
        await client.get(EXPORT, headers=headers, params={"school": "T-0001"})
    ).status_code == 200
    before = await table_snapshot(session)
    content = good_bundle(world.workshop_id)
    for dry_run in (True, False):
        response = await upload(client, headers, world.school_id, content, dry_run=dry_run)
        assert response.status_code == 403
    await assert_unchanged(session, before)


async def test_teachers_and_creators_may_neither_import_nor_export(client, world, session):
    before = await table_snapshot(session)
    content = good_bundle(world.workshop_id)
    for role in ("teacher", "creator"):
        headers = world.headers[role]
        assert (await upload(client, headers, world.school_id, content)).status_code == 403
        export = await client.get(EXPORT, headers=headers, params={"school": world.school_id})
        assert export.status_code == 403
    await assert_unchanged(session, before)


async def test_school_admin_of_another_school_gets_404_for_import_and_export(
    client, world, session
):
    headers = world.headers["other_school_admin"]
    before = await table_snapshot(session)
    content = good_bundle(world.workshop_id)
    for dry_run in (True, False):
        response = await upload(client, headers, world.school_id, content, dry_run=dry_run)
        assert response.status_code == 404
    await assert_unchanged(session, before)
    for school in ("T-0001", str(world.school_id)):
        response = await client.get(EXPORT, headers=headers, params={"school": school})
        assert response.status_code == 404


async def test_unknown_school_is_404(client, world, session):
    headers = world.headers["admin"]
    assert (await client.get(EXPORT, headers=headers, params={"school": "NOPE"})).status_code == 404
    before = await table_snapshot(session)
    response = await upload(client, headers, 999_999, good_bundle(world.workshop_id))
    assert response.status_code == 404
    await assert_unchanged(session, before)


async def test_school_admin_may_dry_run_their_own_school(client, world):
    response = await upload(
        client,
        world.headers["school_admin"],
        world.school_id,
        good_bundle(world.workshop_id),
        dry_run=True,
    )
    assert response.status_code == 200


async def test_upload_over_the_limit_is_413(small_limit_client, world, session):
    before = await table_snapshot(session)
    response = await upload(
        small_limit_client,
        world.headers["admin"],
        world.school_id,
        b"x" * (SMALL_LIMIT + 1),
        filename="users.csv",
    )
    assert response.status_code == 413
    assert response.json()["max_bytes"] == SMALL_LIMIT
    await assert_unchanged(session, before)


async def test_zip_that_unpacks_over_the_limit_is_413(small_limit_client, world, session):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("users.csv", "sourcedId\n" + "0" * (SMALL_LIMIT * 20))
    assert len(buffer.getvalue()) < SMALL_LIMIT // 10
    before = await table_snapshot(session)
    response = await upload(
        small_limit_client, world.headers["admin"], world.school_id, buffer.getvalue()
    )
    assert response.status_code == 413
    assert "unpacks" in response.json()["detail"]
    await assert_unchanged(session, before)


async def test_a_file_named_zip_that_is_not_one_is_422(client, world, session):
    before = await table_snapshot(session)
    response = await upload(
        client, world.headers["admin"], world.school_id, b"not a zip", filename="roster.zip"
    )
    assert response.status_code == 422
    await assert_unchanged(session, before)
