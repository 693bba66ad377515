"""Refusals carry OneRoster's status-info payload inside RFC 9457 problem+json (the client
fixture checks the problem members of every 4xx)."""

import pytest

from app.oneroster_rest.filtering import Filter, Predicate, parse_filter
from tests.oneroster_rest.conftest import BASE


def code_minor(response) -> str:
    body = response.json()
    assert body["imsx_codeMajor"] == "failure"
    assert body["imsx_severity"] == "error"
    assert body["imsx_description"] == body["detail"]
    [field] = body["imsx_CodeMinor"]["imsx_codeMinorField"]
    assert field["imsx_codeMinorFieldName"] == "TargetEndSystem"
    return field["imsx_codeMinorFieldValue"]


@pytest.mark.parametrize(
    "expression",
    [
        "familyName",
        "familyName=",
        "familyName=ใจดี",
        "familyName='ใจดี",
        "familyName='a' AND",
        "familyName='a' XOR givenName='b'",
        "familyName='a' AND givenName='b' AND email='c'",
        "familyName='a' AND givenName='b' OR email='c'",
        "='a'",
        "nosuchfield='a'",
        "grades='05'",
        "enabledUser>'true'",
        "enabledUser='yes'",
        "dateLastModified>'yesterday'",
        "dateLastModified~'2026'",
        "roles.beginDate>'2026-01-01'",
        "familyName='a\x00b'",
    ],
)
async def test_bad_filter_is_400_invalid_filter_field(client, world, admin_token, expression):
    response = await client.get(BASE + "/users", headers=admin_token, params={"filter": expression})
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert code_minor(response) == "invalid_filter_field"
    assert response.json()["errors"][0]["pointer"] == "/query/filter"


async def test_unknown_date_in_a_date_field_names_the_form(client, world, admin_token):
    response = await client.get(
        BASE + "/terms", headers=admin_token, params={"filter": "startDate>'16/05/2026'"}
    )
    assert response.status_code == 400
    assert "2026-06-01" in response.json()["detail"]


@pytest.mark.parametrize(
    ("params", "minor", "parameter"),
    [
        ({"sort": "nosuchfield"}, "invalid_sort_field", "sort"),
        ({"sort": "grades"}, "invalid_sort_field", "sort"),
        ({"orderBy": "sideways"}, "invalid_sort_field", "orderBy"),
        ({"fields": "sourcedId,nosuchfield"}, "invalid_selection_field", "fields"),
        ({"limit": "0"}, "invaliddata", "limit"),
        ({"limit": "abc"}, "invaliddata", "limit"),
        ({"limit": "5001"}, "invaliddata", "limit"),
        ({"offset": "-1"}, "invaliddata", "offset"),
    ],
)
async def test_bad_selection_is_400_naming_the_parameter(
    client, world, admin_token, params, minor, parameter
):
    response = await client.get(BASE + "/users", headers=admin_token, params=params)
    assert response.status_code == 400, response.text
    assert code_minor(response) == minor
    assert response.json()["errors"][0]["pointer"] == f"/query/{parameter}"


async def test_unknown_query_parameter_is_400_with_status_info(client, world, admin_token):
    response = await client.get(BASE + "/users", headers=admin_token, params={"page": "2"})
    assert response.status_code == 400
    assert code_minor(response) == "invaliddata"


async def test_fields_on_a_record_is_checked_too(client, world, admin_token):
    response = await client.get(
        BASE + "/orgs/T-0001", headers=admin_token, params={"fields": "name,children,nope"}
    )
    assert response.status_code == 400
    assert code_minor(response) == "invalid_selection_field"


@pytest.mark.parametrize(
    "path",
    [
        "/users/nobody",
        "/users/a b",
        "/students/{w.teacher_sid}",  # a teacher is not a student
        "/teachers/{w.student_sids[0]}",
        "/schools/district-1001",  # a district is not a school
        "/classes/nope/students",
        "/schools/nope/classes",
        "/enrollments/enrolment-999999",
    ],
)
async def test_unknown_sourced_id_is_404_unknownobject(client, world, admin_token, path):
    response = await client.get(BASE + path.format(w=world), headers=admin_token)
    assert response.status_code == 404
    assert code_minor(response) == "unknownobject"


async def test_no_token_is_401_and_a_teacher_403(client, world):
    anonymous = await client.get(BASE + "/orgs")
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"].startswith("Bearer")
    assert code_minor(anonymous) == "unauthorisedrequest"
    for role in ("teacher", "creator", "other_teacher"):
        refused = await client.get(BASE + "/orgs", headers=world.headers[role])
        assert refused.status_code == 403
        assert code_minor(refused) == "forbidden"
    key = {"Authorization": f"Bearer {world.keys['teacher']}"}
    assert (await client.get(BASE + "/users", headers=key)).status_code == 403


def test_the_grammar_takes_one_logical_operator_and_quoted_quotes():
    assert parse_filter("familyName='O''Brien' and status = 'active'") == Filter(
        (Predicate("familyName", "=", "O'Brien"), Predicate("status", "=", "active")), "AND"
    )
    assert parse_filter("grades~'0'").predicates == (Predicate("grades", "~", "0"),)
    assert parse_filter("a='x' OR b>='2026-01-01'").logical == "OR"
