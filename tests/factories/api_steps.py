"""Steps done through the real API, as the teacher's web app does them."""


async def attend_assess_and_close(
    client, headers, workshop_id: int, session_id: int, student: int, codes: list[str]
) -> dict:
    """The student marked present at the session, every outcome in `codes` achieved, then
    the workshop closed; the close's answer."""
    taken = await client.put(
        f"/api/v1/sessions/{session_id}/attendance",
        json={"marks": [{"student_id": student, "status": "present"}]},
        headers=headers,
    )
    assert taken.status_code == 200, taken.text
    assessed = await client.put(
        f"/api/v1/workshops/{workshop_id}/outcomes",
        json={
            "assessments": [
                {"student_id": student, "outcome_code": code, "status": "achieved"}
                for code in codes
            ]
        },
        headers=headers,
    )
    assert assessed.status_code == 200, assessed.text
    closed = await client.post(f"/api/v1/workshops/{workshop_id}/complete", headers=headers)
    assert closed.status_code == 200, closed.text
    return closed.json()
