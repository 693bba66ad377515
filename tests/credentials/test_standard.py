"""What we issue and publish against 1EdTech's own files: the issuer profile against the
Profile schema, and every property of a credential defined by the JSON-LD contexts it names
(OB 3.0.3 here; the VC 2.0 core terms listed below), so no made-up term slips in.

`.ci/run` runs this and test_issuing.py once more with LMS_OB_FIXTURES pointing at the
shared copy of the files, when it is there."""

import json
from typing import Any

from jsonschema import Draft201909Validator

from tests.credentials.conftest import schema_dir, schema_errors

# Terms the W3C VC 2.0 context (https://www.w3.org/ns/credentials/v2) defines that we use.
VC2_TERMS = {
    "@context", "id", "type", "name", "description", "issuer", "validFrom", "validUntil",
    "credentialSubject", "credentialStatus", "credentialSchema", "statusPurpose",
    "statusListIndex", "statusListCredential", "url",
}  # fmt: skip


def _terms(context: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(context, dict):
        for key, value in context.items():
            if not key.startswith("@"):
                found.add(key)
            found |= _terms(value)
    elif isinstance(context, list):
        for item in context:
            found |= _terms(item)
    return found


def _keys(document: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(document, dict):
        for key, value in document.items():
            found.add(key)
            found |= _keys(value)
    elif isinstance(document, list):
        for item in document:
            found |= _keys(item)
    return found


async def test_every_property_is_a_term_of_the_contexts(client, graduate):
    document = (await client.get(f"/credentials/{graduate.credential_id}")).json()
    context = json.loads((schema_dir() / "context-3.0.3.json").read_text())
    assert document["@context"][1].endswith("context-3.0.3.json")
    undefined = _keys(document) - _terms(context) - VC2_TERMS
    assert undefined == set()


async def test_the_issuer_profile_and_achievements_follow_the_schemas(client, graduate):
    profile = (await client.get("/credentials/issuer")).json()
    schema = json.loads((schema_dir() / "ob_v3p0_profile_schema.json").read_text())
    validator = Draft201909Validator(schema, format_checker=Draft201909Validator.FORMAT_CHECKER)
    assert [e.message for e in validator.iter_errors(profile)] == []
    # The public Achievement (both editions) is the one embedded, as a credential would hold it.
    document = (await client.get(f"/credentials/{graduate.credential_id}")).json()
    for path, lang in (
        ("/credentials/achievements/T101", "th"),
        ("/credentials/achievements/T101/en", "en"),
    ):
        achievement = (await client.get(path)).json()
        assert achievement["inLanguage"] == lang
        wrapped = {
            **document,
            "credentialSubject": {
                **document["credentialSubject"],
                "achievement": {k: v for k, v in achievement.items() if k != "@context"},
            },
        }
        assert schema_errors(wrapped) == []
    english = (await client.get("/credentials/achievements/T101/en")).json()
    assert english["related"][0]["id"].endswith("/credentials/achievements/T101")


async def test_the_schema_refuses_what_it_should(graduate, client):
    """The validator is not a rubber stamp: a credential without issuer fails."""
    document = (await client.get(f"/credentials/{graduate.credential_id}")).json()
    del document["issuer"]
    assert schema_errors(document) != []
