"""A school's integration token sees its school (and its district) and nothing of another
school's: not in lists, not by sourcedId, not through a sub-collection or a filter. Reads of
people are in the read log, by scope."""

import pytest

from tests.factories import rows_of
from tests.oneroster_rest.conftest import BASE, bearer_of
from tests.oneroster_rest.test_collections import COLLECTIONS

OTHER_SCHOOL_IDS = ("T-0002", "student-T-0002-X1")


@pytest.mark.parametrize(("path", "wrapper", "_total"), COLLECTIONS)
async def test_no_other_school_row_in_any_collection(
    client, world, school_token, path, wrapper, _total
):
    response = await client.get(BASE + path.format(w=world), headers=school_token)
    assert response.status_code == 200, response.text
    ids = {item["sourcedId"] for item in response.json()[wrapper]}
    foreign = {
        *OTHER_SCHOOL_IDS,
        world.other_class_id,
        f"user-{world.users['other_teacher']}",
        f"{world.other_class_id}-host",
    }
    assert not ids & foreign
    for marker in (*OTHER_SCHOOL_IDS, world.other_class_id + '"'):
        assert marker not in response.text


async def test_orgs_are_the_school_and_its_district(client, world, school_token):
    response = await client.get(BASE + "/orgs", headers=school_token)
    assert [o["sourcedId"] for o in response.json()["orgs"]] == ["T-0001", "district-1001"]
    district = (await client.get(BASE + "/orgs/district-1001", headers=school_token)).json()
    assert [c["sourcedId"] for c in district["org"]["children"]] == ["T-0001"]


@pytest.mark.parametrize(
    ("path", "foreign"),
    [
        ("/orgs/{}", "T-0002"),
        ("/schools/{}", "T-0002"),
        ("/classes/{}", "{w.other_class_id}"),
        ("/users/{}", "student-T-0002-X1"),
        ("/students/{}", "student-T-0002-X1"),
        ("/teachers/{}", "user-{w.users[other_teacher]}"),
        ("/enrollments/{}", "{w.other_class_id}-host"),
        ("/schools/{}/classes", "T-0002"),
        ("/schools/{}/students", "T-0002"),
        ("/schools/{}/terms", "T-0002"),
        ("/schools/T-0001/classes/{}/students", "{w.other_class_id}"),
        ("/schools/T-0001/classes/{}/enrollments", "{w.other_class_id}"),
        ("/schools/{}/classes/{w.other_class_id}/teachers", "T-0002"),
        ("/classes/{}/students", "{w.other_class_id}"),
        ("/users/{}/classes", "student-T-0002-X1"),
        ("/teachers/{}/classes", "user-{w.users[other_teacher]}"),
    ],
)
async def test_another_schools_records_are_404_as_if_missing(
    client, world, school_token, path, foreign
):
    elsewhere = path.replace("{}", foreign).format(w=world)
    response = await client.get(BASE + elsewhere, headers=school_token)
    assert response.status_code == 404
    # The same words as for a sourcedId that exists nowhere.
    nowhere = await client.get(
        BASE + path.replace("{}", "no-such-id").format(w=world), headers=school_token
    )
    assert nowhere.status_code == 404
    assert response.json()["detail"] == nowhere.json()["detail"]


async def test_a_filter_cannot_reach_past_the_scope(client, world, school_token):
    for path, expression in (
        ("/classes", "school.sourcedId='T-0002'"),
        ("/users", "sourcedId='student-T-0002-X1' OR sourcedId!='nobody'"),
        ("/enrollments", "school.sourcedId!='T-0001'"),
    ):
        response = await client.get(
            BASE + path, headers=school_token, params={"filter": expression}
        )
        wrapper = next(iter(response.json()))
        assert all("T-0002" not in str(item) for item in response.json()[wrapper])


async def test_the_other_schools_token_sees_the_other_school(client, world):
    token = await bearer_of(client, world.keys["other_school_admin"])
    students = await client.get(BASE + "/students", headers=token)
    assert [u["sourcedId"] for u in students.json()["users"]] == ["student-T-0002-X1"]
    assert (await client.get(BASE + f"/classes/{world.class_id}", headers=token)).status_code == 404


async def test_the_department_reads_every_school(client, world):
    token = await bearer_of(client, world.keys["department"])
    schools = await client.get(BASE + "/schools", headers=token)
    assert [o["sourcedId"] for o in schools.json()["orgs"]] == ["T-0001", "T-0002"]
    students = await client.get(BASE + "/schools/T-0002/students", headers=token)
    assert students.headers["x-total-count"] == "1"


async def test_reads_of_people_are_logged_by_scope(client, world, school_token, session):
    async def reads() -> list[dict]:
        return await rows_of(
            session,
            "SELECT * FROM personal_data_reads WHERE action = 'oneroster.rest' ORDER BY id",
        )

    await client.get(BASE + "/classes", headers=school_token)
    await client.get(BASE + "/orgs/T-0001", headers=school_token)
    assert await reads() == []
    await client.get(BASE + "/users", headers=school_token, params={"filter": "role='student'"})
    await client.get(BASE + f"/students/{world.student_sids[0]}", headers=school_token)
    await client.get(BASE + f"/classes/{world.class_id}/students", headers=school_token)
    await client.get(BASE + "/enrollments", headers=school_token, params={"limit": 2})
    await client.get(BASE + f"/users/{world.student_sids[0]}/classes", headers=school_token)
    logged = await reads()
    assert [r["record_count"] for r in logged] == [3, 1, 2, 2, 1]
    assert all(r["school_ids"] == [world.school_id] for r in logged)
    assert all(r["student_ids"] is None for r in logged)
    assert {r["via"] for r in logged} == {"oauth"}
    assert {r["actor_user_id"] for r in logged} == {world.users["school_admin"]}
    assert all(r["api_key_id"] is not None for r in logged)
    assert logged[0]["scope"]["endpoint"] == BASE + "/users"
    assert logged[0]["scope"]["filter"] == [["role", "=", "student"]]
    assert logged[1]["scope"] == {
        "endpoint": BASE + "/students/{sourcedId}",
        "sourcedId": world.student_sids[0],
    }
    assert logged[4]["scope"]["parent"] == world.student_sids[0]
