"""Every collection and sub-collection pages, sorts, filters and selects fields per the 1.2
REST binding; records answer in their wrapper; JSON as the binding writes it."""

import re
from datetime import UTC, datetime

import pytest

from tests.factories import add_student
from tests.oneroster_rest.conftest import BASE

# (path, wrapper, total for a city-wide reader of the world); paths formatted with the world.
COLLECTIONS = [
    ("/orgs", "orgs", 3),
    ("/schools", "orgs", 2),
    ("/academicSessions", "academicSessions", 2),
    ("/terms", "academicSessions", 2),
    ("/courses", "courses", 1),
    ("/classes", "classes", 3),
    ("/users", "users", 6),
    ("/students", "users", 4),
    ("/teachers", "users", 2),
    ("/enrollments", "enrollments", 7),
    ("/schools/T-0001/classes", "classes", 2),
    ("/schools/T-0001/enrollments", "enrollments", 5),
    ("/schools/T-0001/students", "users", 3),
    ("/schools/T-0001/teachers", "users", 1),
    ("/schools/T-0001/courses", "courses", 1),
    ("/schools/T-0001/terms", "academicSessions", 2),
    ("/schools/T-0001/classes/{w.class_id}/enrollments", "enrollments", 3),
    ("/schools/T-0001/classes/{w.class_id}/students", "users", 2),
    ("/schools/T-0001/classes/{w.class_id}/teachers", "users", 1),
    ("/classes/{w.class_id}/students", "users", 2),
    ("/classes/{w.class_id}/teachers", "users", 1),
    ("/terms/term-2569-1/classes", "classes", 2),
    ("/courses/T101/classes", "classes", 3),
    ("/users/{w.student_sids[0]}/classes", "classes", 1),
    ("/students/{w.student_sids[0]}/classes", "classes", 1),
    ("/teachers/{w.teacher_sid}/classes", "classes", 2),
]


DATETIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def links(response) -> dict[str, str]:
    return {
        rel: url for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', response.headers["link"])
    }


@pytest.mark.parametrize(("path", "wrapper", "total"), COLLECTIONS)
async def test_collection_pages_with_total_and_links(
    client, world, admin_token, path, wrapper, total
):
    url = BASE + path.format(w=world)
    whole = await client.get(url, headers=admin_token)
    assert whole.status_code == 200, whole.text
    assert whole.headers["content-type"].startswith("application/json")
    assert whole.headers["x-total-count"] == str(total)
    everything = [item["sourcedId"] for item in whole.json()[wrapper]]
    assert len(everything) == total == len(set(everything))

    paged = []
    for offset in range(total):
        page = await client.get(url, headers=admin_token, params={"limit": 1, "offset": offset})
        assert page.headers["x-total-count"] == str(total)
        paged += [item["sourcedId"] for item in page.json()[wrapper]]
        rels = links(page)
        assert "offset=0" in rels["first"] and f"offset={total - 1}" in rels["last"]
        assert ("next" in rels) == (offset < total - 1)
        assert ("prev" in rels) == (offset > 0)
    assert paged == everything  # the default order (sourcedId) is total: no overlap, no gap

    past = await client.get(url, headers=admin_token, params={"offset": total + 5})
    assert past.json() == {wrapper: []}
    assert past.headers["x-total-count"] == str(total)


async def test_sort_asc_and_desc(client, world, admin_token):
    url = BASE + "/students"
    ascending = await client.get(url, headers=admin_token, params={"sort": "identifier"})
    codes = [u["identifier"] for u in ascending.json()["users"]]
    assert codes == ["S0", "S1", "S9", "X1"]
    descending = await client.get(
        url, headers=admin_token, params={"sort": "identifier", "orderBy": "desc"}
    )
    assert [u["identifier"] for u in descending.json()["users"]] == codes[::-1]
    by_id = await client.get(BASE + "/classes", headers=admin_token, params={"orderBy": "desc"})
    ids = [c["sourcedId"] for c in by_id.json()["classes"]]
    assert ids == sorted(ids, reverse=True)


@pytest.mark.parametrize(
    ("path", "expression", "expected"),
    [
        ("/students", "identifier='S1'", ["S1"]),
        ("/students", "identifier!='S1'", ["S0", "S9", "X1"]),
        ("/students", "identifier>'S1'", ["S9", "X1"]),
        ("/students", "identifier<='S1'", ["S0", "S1"]),
        ("/students", "familyName~'ทดสอบ'", ["S0", "S1"]),
        # ~ is case-insensitive: usernames are `<school>.<code>` in lower case.
        ("/students", "username~'T-0001.S'", ["S0", "S1", "S9"]),
        ("/students", "identifier='S0' OR identifier='X1'", ["S0", "X1"]),
        ("/students", "primaryOrg.sourcedId='T-0001' AND identifier>='S1'", ["S1", "S9"]),
        ("/students", "roles.role='teacher'", []),
        ("/students", "enabledUser='true'", ["S0", "S1", "S9", "X1"]),
        ("/students", "dateLastModified>'2000-01-01T00:00:00Z'", ["S0", "S1", "S9", "X1"]),
        ("/students", "dateLastModified>'2100-01-01'", []),
    ],
)
async def test_filters_on_users(client, world, admin_token, path, expression, expected):
    response = await client.get(
        BASE + path, headers=admin_token, params={"filter": expression, "sort": "identifier"}
    )
    assert response.status_code == 200, response.text
    assert [u["identifier"] for u in response.json()["users"]] == expected
    assert response.headers["x-total-count"] == str(len(expected))


async def test_filters_on_dates_booleans_and_references(client, world, admin_token, session):
    old = await add_student(
        session,
        world.school_id,
        "S5",
        last_name_th="เก่า",
        status="inactive",
        at=datetime(2026, 1, 15, 3, 0, tzinfo=UTC),
    )
    assert old
    await session.commit()

    async def ids(path: str, expression: str) -> list[str]:
        response = await client.get(BASE + path, headers=admin_token, params={"filter": expression})
        assert response.status_code == 200, response.text
        wrapper = next(iter(response.json()))
        return sorted(item["sourcedId"] for item in response.json()[wrapper])

    assert await ids("/terms", "startDate>'2026-06-01'") == ["term-2569-2"]
    assert await ids("/terms", "endDate<='2026-10-10'") == ["term-2569-1"]
    assert await ids("/terms", "startDate>='2026-05-16' AND endDate<'2027-01-01'") == [
        "term-2569-1"
    ]
    assert await ids("/students", "enabledUser='false'") == ["student-T-0001-S5"]
    assert await ids("/users", "dateLastModified<'2026-01-15T03:00:01Z'") == ["student-T-0001-S5"]
    assert await ids("/users", "dateLastModified<'2026-01-15T10:00:00+07:00'") == []
    assert await ids("/enrollments", f"role='student' AND class.sourcedId='{world.class_id}'") == [
        f"enrolment-{i}" for i in sorted(world.enrolment_ids)
    ]
    assert await ids("/enrollments", "primary='true'") == sorted(
        f"workshop-{w}-host"
        for w in (world.workshop_id, world.second_workshop_id, world.other_workshop_id)
    )
    assert await ids("/classes", "school.sourcedId='T-0002'") == [world.other_class_id]
    assert await ids("/classes", "title~'ภาคสอง'") == [world.second_class_id]
    assert await ids("/orgs", "parent.sourcedId='district-1001'") == ["T-0001", "T-0002"]
    assert await ids("/courses", "courseCode='T101' OR courseCode='NONE'") == ["T101"]


async def test_fields_selects_the_members_of_each_record(client, world, admin_token):
    response = await client.get(
        BASE + "/users", headers=admin_token, params={"fields": "sourcedId,familyName"}
    )
    assert response.status_code == 200
    assert all(set(u) == {"sourcedId", "familyName"} for u in response.json()["users"])
    one = await client.get(
        BASE + f"/classes/{world.class_id}", headers=admin_token, params={"fields": "school,terms"}
    )
    assert one.json() == {
        "class": {
            "school": {
                "href": f"http://test{BASE}/orgs/T-0001",
                "sourcedId": "T-0001",
                "type": "org",
            },
            "terms": [
                {
                    "href": f"http://test{BASE}/academicSessions/term-2569-1",
                    "sourcedId": "term-2569-1",
                    "type": "academicSession",
                }
            ],
        }
    }


@pytest.mark.parametrize(
    ("path", "wrapper"),
    [
        ("/orgs/T-0001", "org"),
        ("/orgs/district-1001", "org"),
        ("/schools/T-0001", "org"),
        ("/academicSessions/term-2569-1", "academicSession"),
        ("/terms/term-2569-2", "academicSession"),
        ("/courses/T101", "course"),
        ("/classes/{w.class_id}", "class"),
        ("/users/{w.teacher_sid}", "user"),
        ("/students/{w.student_sids[0]}", "user"),
        ("/teachers/{w.teacher_sid}", "user"),
        ("/enrollments/enrolment-{w.enrolment_ids[0]}", "enrollment"),
    ],
)
async def test_each_record_answers_in_its_wrapper(client, world, admin_token, path, wrapper):
    response = await client.get(BASE + path.format(w=world), headers=admin_token)
    assert response.status_code == 200, response.text
    body = response.json()
    assert list(body) == [wrapper]
    assert body[wrapper]["sourcedId"] == path.format(w=world).rsplit("/", 1)[1]
    assert body[wrapper]["status"] == "active"
    assert DATETIME.fullmatch(body[wrapper]["dateLastModified"])


async def test_a_school_a_student_and_an_enrollment_as_the_binding_writes_them(
    client, world, admin_token
):
    school = (await client.get(BASE + "/schools/T-0001", headers=admin_token)).json()["org"]
    assert school["type"] == "school" and school["identifier"] == "T-0001"
    assert school["parent"] == {
        "href": f"http://test{BASE}/orgs/district-1001",
        "sourcedId": "district-1001",
        "type": "org",
    }
    district = (await client.get(BASE + "/orgs/district-1001", headers=admin_token)).json()
    assert [c["sourcedId"] for c in district["org"]["children"]] == ["T-0001", "T-0002"]

    student = (
        await client.get(BASE + f"/students/{world.student_sids[0]}", headers=admin_token)
    ).json()["user"]
    assert student["enabledUser"] == "true"
    assert student["username"] == "t-0001.s0"
    assert student["identifier"] == "S0"
    assert student["grades"] == ["05"]
    assert student["roles"] == [
        {"roleType": "primary", "role": "student", "org": school_reference()}
    ]
    assert student["primaryOrg"] == school_reference()

    term = (await client.get(BASE + "/terms/term-2569-1", headers=admin_token)).json()
    assert term["academicSession"]["startDate"] == "2026-05-16"
    assert term["academicSession"]["schoolYear"] == "2027"

    host = (
        await client.get(BASE + f"/enrollments/{world.class_id}-host", headers=admin_token)
    ).json()["enrollment"]
    assert host["role"] == "teacher" and host["primary"] == "true"
    assert host["user"]["sourcedId"] == world.teacher_sid
    assert host["class"]["href"] == f"http://test{BASE}/classes/{world.class_id}"


def school_reference() -> dict[str, str]:
    return {"href": f"http://test{BASE}/orgs/T-0001", "sourcedId": "T-0001", "type": "org"}


async def test_user_ids_as_the_sis_sent_them_become_objects(client, world, admin_token, session):
    from sqlalchemy import text

    await session.execute(
        text("UPDATE students SET sis_user_ids = '{sis:1001},{ldap:s0}' WHERE id = :s"),
        {"s": world.student_ids[0]},
    )
    await session.commit()
    student = (
        await client.get(BASE + f"/users/{world.student_sids[0]}", headers=admin_token)
    ).json()["user"]
    assert student["userIds"] == [
        {"type": "sis", "identifier": "1001"},
        {"type": "ldap", "identifier": "s0"},
    ]
