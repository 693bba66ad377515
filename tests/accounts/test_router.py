import pytest

from tests.factories import PASSWORD, ApiWorld, assert_unchanged, table_snapshot


@pytest.fixture
async def world(session):
    return await ApiWorld(session).build()


async def sign_in(client, username: str, password: str):
    return await client.post(
        "/api/v1/auth/token", data={"username": username, "password": password}
    )


async def test_sign_in_returns_a_bearer_token_that_opens_me(client, world):
    response = await sign_in(client, "teacher", PASSWORD)
    assert response.status_code == 200
    token = response.json()["access_token"]
    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json()["role"] == "teacher"
    assert me.json()["school"]["code"] == "T-0001"


async def test_wrong_password_and_unknown_user_get_the_same_401(client, world):
    wrong = await sign_in(client, "teacher", "not-the-password")
    unknown = await sign_in(client, "nobody", "not-the-password")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.headers["content-type"] == "application/problem+json"
    assert wrong.json()["detail"] == unknown.json()["detail"]


async def test_repeated_failures_lock_the_account_for_a_while(client, world):
    for _ in range(5):
        assert (await sign_in(client, "teacher", "wrong-password")).status_code == 401
    locked = await sign_in(client, "teacher", PASSWORD)
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) > 0


async def test_me_without_token_is_401_problem(client, world):
    response = await client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == "Bearer"


async def test_unknown_query_parameter_is_400(client, world):
    response = await client.get("/api/v1/me?colour=red", headers=world.headers["teacher"])
    assert response.status_code == 400
    assert "colour" in response.json()["detail"]


async def test_school_admin_api_key_works_as_bearer_until_revoked(client, world):
    created = await client.post(
        "/api/v1/api-keys", json={"name": "roster sync"}, headers=world.headers["school_admin"]
    )
    assert created.status_code == 201
    key = created.json()["key"]
    as_key = {"Authorization": f"Bearer {key}"}
    me = await client.get("/api/v1/me", headers=as_key)
    assert me.status_code == 200 and me.json()["role"] == "school_admin"
    listed = await client.get("/api/v1/api-keys", headers=world.headers["school_admin"])
    assert listed.json()[0]["last_used_at"] is not None
    assert "key" not in listed.json()[0]
    revoked = await client.delete(
        f"/api/v1/api-keys/{created.json()['id']}", headers=world.headers["school_admin"]
    )
    assert revoked.status_code == 200
    assert (await client.get("/api/v1/me", headers=as_key)).status_code == 401


async def test_other_school_cannot_see_or_revoke_a_key(client, world, session):
    created = await client.post(
        "/api/v1/api-keys", json={"name": "k"}, headers=world.headers["school_admin"]
    )
    key_id = created.json()["id"]
    before = await table_snapshot(session)
    other = await client.delete(
        f"/api/v1/api-keys/{key_id}", headers=world.headers["other_school_admin"]
    )
    assert other.status_code == 404
    await assert_unchanged(session, before)


async def test_teacher_cannot_create_api_keys(client, world, session):
    before = await table_snapshot(session)
    response = await client.post(
        "/api/v1/api-keys", json={"name": "k"}, headers=world.headers["teacher"]
    )
    assert response.status_code == 403
    await assert_unchanged(session, before)


async def test_unknown_body_field_is_rejected(client, world, session):
    before = await table_snapshot(session)
    response = await client.post(
        "/api/v1/api-keys",
        json={"name": "k", "role": "admin"},
        headers=world.headers["school_admin"],
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/body/role"
    await assert_unchanged(session, before)


async def test_school_admin_creates_teacher_only_in_own_school(client, world, session):
    body = {
        "username": "new.teacher",
        "password": "a-long-password",
        "full_name_th": "ครูใหม่",
        "role": "teacher",
        "school_id": world.other_school_id,
    }
    before = await table_snapshot(session)
    response = await client.post("/api/v1/users", json=body, headers=world.headers["school_admin"])
    assert response.status_code == 404
    await assert_unchanged(session, before)
    body["school_id"] = world.school_id
    response = await client.post("/api/v1/users", json=body, headers=world.headers["school_admin"])
    assert response.status_code == 201
    assert response.json()["school"]["id"] == world.school_id
    assert (await sign_in(client, "new.teacher", "a-long-password")).status_code == 200


async def audit_actions(session) -> list[str]:
    from sqlalchemy import text

    result = await session.execute(text("SELECT action FROM audit_events ORDER BY id"))
    return list(result.scalars())


async def test_sign_ins_and_failures_are_audited(client, world, session):
    await sign_in(client, "teacher", "wrong-password")
    await sign_in(client, "teacher", PASSWORD)
    assert await audit_actions(session) == ["auth.sign_in_failed", "auth.sign_in"]


async def test_api_key_creation_use_and_revocation_are_audited(client, world, session):
    created = await client.post(
        "/api/v1/api-keys", json={"name": "sync"}, headers=world.headers["school_admin"]
    )
    as_key = {"Authorization": f"Bearer {created.json()['key']}"}
    await client.get("/api/v1/me", headers=as_key)
    await client.get("/api/v1/me", headers=as_key)  # within the minute: not recorded again
    await client.delete(
        f"/api/v1/api-keys/{created.json()['id']}", headers=world.headers["school_admin"]
    )
    assert await audit_actions(session) == ["api_key.created", "api_key.used", "api_key.revoked"]


async def test_school_admin_lists_only_their_school_staff(client, world):
    response = await client.get("/api/v1/users", headers=world.headers["school_admin"])
    assert response.status_code == 200
    schools = {u["school"]["id"] for u in response.json()["items"]}
    assert schools == {world.school_id}
    assert response.headers["x-total-count"] == str(response.json()["total"])


async def test_department_reads_every_account_but_changes_none(client, world, session):
    listed = await client.get("/api/v1/users?limit=500", headers=world.headers["department"])
    assert listed.json()["total"] == len(world.users)
    before = await table_snapshot(session)
    patched = await client.patch(
        f"/api/v1/users/{world.users['teacher']}",
        json={"full_name_en": "X"},
        headers=world.headers["department"],
    )
    assert patched.status_code == 403
    await assert_unchanged(session, before)


async def test_school_admin_resets_a_teacher_password_and_unlocks(client, world):
    for _ in range(5):
        await sign_in(client, "teacher", "wrong-password")
    response = await client.patch(
        f"/api/v1/users/{world.users['teacher']}",
        json={"password": "brand-new-password"},
        headers=world.headers["school_admin"],
    )
    assert response.status_code == 200
    assert (await sign_in(client, "teacher", "brand-new-password")).status_code == 200


async def test_other_school_account_is_404(client, world):
    response = await client.get(
        f"/api/v1/users/{world.users['teacher']}", headers=world.headers["other_school_admin"]
    )
    assert response.status_code == 404


async def test_deactivated_account_can_no_longer_use_its_token(client, world):
    response = await client.patch(
        f"/api/v1/users/{world.users['teacher']}",
        json={"is_active": False},
        headers=world.headers["school_admin"],
    )
    assert response.status_code == 200
    assert (await client.get("/api/v1/me", headers=world.headers["teacher"])).status_code == 401
