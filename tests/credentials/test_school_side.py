"""The school's side of credentials: a student's list with download links, revoking, and
the scope rules as another school's staff, a creator or the department meet them."""

from sqlalchemy import text


async def test_a_student_lists_their_credentials_with_download_links(client, session, graduate):
    w = graduate.world
    listed = await client.get(
        f"/api/v1/students/{graduate.student_id}/credentials", headers=w.headers["teacher"]
    )
    assert listed.status_code == 200, listed.text
    [item] = listed.json()["items"]
    assert item["id"] == graduate.credential_id and item["status"] == "valid"
    assert item["course"]["code"] == "T101"
    links = item["links"]
    jwt = await client.get(links["jwt"].removeprefix("http://127.0.0.1:8000"))
    assert jwt.headers["content-type"] == "application/vc+jwt"
    assert "attachment" in jwt.headers["content-disposition"]
    assert jwt.text.count(".") == 2
    as_json = await client.get(links["json"].removeprefix("http://127.0.0.1:8000"))
    assert as_json.json()["id"].endswith(graduate.credential_id)
    page = await client.get(links["verify"].removeprefix("http://127.0.0.1:8000"))
    assert page.status_code == 200 and "ถูกต้อง" in page.text
    # A browser following the credential's id lands on its verification page.
    browsed = await client.get(
        f"/credentials/{graduate.credential_id}", headers={"Accept": "text/html"}
    )
    assert (
        browsed.status_code == 303
        and browsed.headers["location"] == f"/verify/{graduate.credential_id}"
    )
    logged = await session.scalar(
        text("SELECT count(*) FROM personal_data_reads WHERE action = 'students.credentials'")
    )
    assert logged == 1


async def test_other_schools_creators_and_the_department_keep_to_their_scope(
    client, session, graduate
):
    w = graduate.world
    credential = graduate.credential_id
    student = graduate.student_id
    revoke = f"/api/v1/credentials/{credential}/revoke"
    body = {"reason": "attack"}
    for role, expected in (
        ("other_school_admin", 404),
        ("other_teacher", 403),
        ("department", 403),
        ("teacher", 403),
        ("creator", 403),
    ):
        answer = await client.post(revoke, json=body, headers=w.headers[role])
        assert answer.status_code == expected, (role, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
    for role in ("other_school_admin", "other_teacher"):
        for url in (
            f"/api/v1/students/{student}/credentials",
            f"/api/v1/credentials/{credential}/certificate",
            f"/api/v1/workshops/{w.workshop_id}/certificates",
        ):
            answer = await client.get(url, headers=w.headers[role])
            assert answer.status_code == 404, (role, url)
    still = await session.scalar(
        text("SELECT revoked_at FROM credentials WHERE id = :id"), {"id": credential}
    )
    assert still is None
    # The department reads the certificate (it reads every school); a creator does not.
    dept = await client.get(
        f"/api/v1/credentials/{credential}/certificate", headers=w.headers["department"]
    )
    assert dept.status_code == 200
    creator = await client.get(
        f"/api/v1/credentials/{credential}/certificate", headers=w.headers["creator"]
    )
    assert creator.status_code == 403


async def test_revoking_needs_a_reason_and_an_existing_credential(client, graduate):
    w = graduate.world
    headers = w.headers["school_admin"]
    url = f"/api/v1/credentials/{graduate.credential_id}/revoke"
    for body in ({}, {"reason": ""}, {"reason": "x" * 501}, {"reason": 5}):
        answer = await client.post(url, json=body, headers=headers)
        assert answer.status_code == 422, body
        assert answer.json()["errors"][0]["field"] == "reason"
    missing = await client.post(
        "/api/v1/credentials/00000000-0000-4000-8000-000000000000/revoke",
        json={"reason": "gone"},
        headers=headers,
    )
    assert missing.status_code == 404
    assert (
        await client.get("/credentials/00000000-0000-4000-8000-000000000000")
    ).status_code == 404
    assert (await client.get("/credentials/not-a-uuid")).status_code == 404
    assert (await client.get("/credentials/status/99")).status_code == 404
    unknown_page = await client.get("/verify/not-a-uuid")
    assert unknown_page.status_code == 200 and "unknown" in unknown_page.text


async def test_certificates_print_for_the_workshop_and_name_the_student(client, session, graduate):
    w = graduate.world
    page = await client.get(
        f"/api/v1/workshops/{w.workshop_id}/certificates", headers=w.headers["school_admin"]
    )
    assert page.status_code == 200
    assert page.headers["content-security-policy"].startswith("default-src 'none'")
    name = (
        await session.execute(
            text("SELECT first_name_th FROM students WHERE id = :id"), {"id": graduate.student_id}
        )
    ).scalar_one()
    assert name in page.text and "<svg" in page.text
    logged = await session.scalar(
        text(
            "SELECT student_ids FROM personal_data_reads WHERE action = 'credentials.certificates'"
        )
    )
    assert logged == [graduate.student_id]


async def test_the_data_subject_export_lists_the_credentials(client, graduate):
    w = graduate.world
    export = await client.get(
        f"/api/v1/students/{graduate.student_id}/data-export", headers=w.headers["school_admin"]
    )
    body = export.json()
    assert [c["id"].rsplit("/", 1)[-1] for c in body["credentials"]] == [graduate.credential_id]
    assert body["student"]["learner_key"]
