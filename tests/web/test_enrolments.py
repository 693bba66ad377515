"""A teacher's enrolment page: search and select (the results stay after an enrolment), a
whole class, pasted codes with the unknown ones named, the capacity line as seats fill, the
waitlist moving up on a withdrawal, and a phone's width in Thai and English (issue 18)."""

from sqlalchemy import text

from tests.factories import ApiWorld, add_enrolled_students, add_student
from tests.web.helpers import expect, screenshot, sign_in

PHONE = {"width": 390, "height": 844}
# Class ป.5/2 of the world's school; long names are what wraps, or fails to, on a phone.
CLASS_5_2 = {
    "K01": "ณัฐวรรณพิมพ์ชนก ศรีสวัสดิ์วงศ์ไพบูลย์",
    "K02": "กิตติพัฒน์ธนากร เจริญรุ่งเรืองกิจการค้า",
    "K03": "พรรณนภาจันทร์เพ็ญ วิเศษสุวรรณภูมิโชติ",
}


async def enrolment_world(session, *, capacity: int) -> ApiWorld:
    world = await ApiWorld(session).build()
    await session.execute(
        text("UPDATE workshops SET capacity = :c WHERE id = :w"),
        {"c": capacity, "w": world.workshop_id},
    )
    for code, name in CLASS_5_2.items():
        first, last = name.split(" ")
        await add_student(
            session,
            world.school_id,
            code,
            first_name_th=first,
            last_name_th=last,
            first_name_en=f"Pupil{code}",
            last_name_en="Longname",
            homeroom="2",
        )
    await session.commit()
    return world


async def open_workshop(page, world) -> None:
    await page.get_by_role("link", name="รายชื่อผู้เรียน").click()
    await page.get_by_label("เวิร์กช็อป").select_option(str(world.workshop_id))


def capacity_line(page):
    return page.locator("p.capacity")


async def search(page, query: str) -> None:
    await page.get_by_label("ค้นหานักเรียน").fill(query)
    await page.get_by_role("button", name="ค้นหา", exact=True).click()


async def test_teacher_enrols_by_search_and_withdraw_promotes_the_waitlist(
    page, session, output_dir
):
    world = await ApiWorld(session).build()
    await session.execute(
        text("UPDATE workshops SET capacity = 2 WHERE id = :w"),
        {"w": world.workshop_id},
    )
    await add_enrolled_students(session, world, ["สมชาย ใจดี", "สมหญิง รักเรียน"])
    await sign_in(page, "teacher")
    await open_workshop(page, world)
    await expect(page.get_by_role("heading", name="ลงทะเบียนแล้ว (2)")).to_be_visible()
    await expect(capacity_line(page)).to_have_text("ที่นั่ง 2/2 · รอคิว 0 · เต็มแล้ว")

    # The workshop is full: a student found by a code prefix goes to the waitlist.
    await search(page, "S1")
    await page.get_by_label("S1 · เด็ก ทดสอบ1 · ป.5").check()
    await page.get_by_role("button", name="ลงทะเบียนที่เลือก (1 คน)").click()
    await expect(page.get_by_role("status").filter(has_text="คิวลำดับที่ 1")).to_be_visible()
    await expect(page.get_by_role("heading", name="รายชื่อรอคิว (1)")).to_be_visible()
    await expect(capacity_line(page)).to_have_text("ที่นั่ง 2/2 · รอคิว 1 · เต็มแล้ว")
    # The search and its result stay, the student now marked as on the list.
    await expect(page.get_by_label("ค้นหานักเรียน")).to_have_value("S1")
    result = page.locator(".results li").filter(has_text="เด็ก ทดสอบ1")
    await expect(result).to_contain_text("อยู่ในรายชื่อแล้ว")

    page.once("dialog", lambda dialog: dialog.accept())
    await page.get_by_role("button", name="ถอนชื่อ สมชาย ใจดี").click()
    await expect(page.get_by_role("status").filter(has_text="ได้ที่นั่งแทน")).to_contain_text(
        "เด็ก ทดสอบ1"
    )
    enrolled = page.locator("table[aria-labelledby=enrolled-heading] tbody")
    await expect(enrolled).to_contain_text("ทดสอบ1")
    await expect(enrolled).not_to_contain_text("สมชาย")
    await expect(page.get_by_role("heading", name="รายชื่อรอคิว (0)")).to_be_visible()
    await screenshot(page, output_dir, "enrolments")


async def test_many_at_once_by_selection_a_class_and_pasted_codes(page, session, output_dir):
    world = await enrolment_world(session, capacity=4)
    await sign_in(page, "teacher")
    await open_workshop(page, world)
    await expect(capacity_line(page)).to_have_text("ที่นั่ง 0/4 · รอคิว 0")

    # A search by name finds both of the world's students; select all, enrol both at once.
    await search(page, "ทดสอบ")
    await expect(page.locator(".results li")).to_have_count(2)
    await page.get_by_role("button", name="เลือกทั้งหมด").click()
    await page.get_by_role("button", name="ลงทะเบียนที่เลือก (2 คน)").click()
    await expect(page.get_by_role("status").filter(has_text="ลงทะเบียนแล้ว 2 คน")).to_be_visible()
    await expect(capacity_line(page)).to_have_text("ที่นั่ง 2/4 · รอคิว 0")
    await expect(page.get_by_label("ค้นหานักเรียน")).to_have_value("ทดสอบ")
    await expect(page.locator(".results li").filter(has_text="อยู่ในรายชื่อแล้ว")).to_have_count(2)

    # Pasted codes with one unknown: named, and nobody enrolled until it is left out.
    await page.get_by_label("รายการรหัสนักเรียน").fill("K03, NOPE1\nK01 S0")
    await page.get_by_role("button", name="ลงทะเบียนตามรหัส").click()
    alert = page.get_by_role("alert").filter(has_text="ไม่พบรหัสนักเรียน 1 รหัส")
    await expect(alert).to_contain_text("NOPE1")
    await expect(alert).to_contain_text("ยังไม่ได้ลงทะเบียนใคร")
    await expect(capacity_line(page)).to_have_text("ที่นั่ง 2/4 · รอคิว 0")
    await page.get_by_role("button", name="ลงทะเบียนเฉพาะรหัสที่พบ (3 รหัส)").click()
    await expect(page.get_by_role("status").filter(has_text="ลงทะเบียนแล้ว 2 คน")).to_contain_text(
        "อยู่ในรายชื่ออยู่แล้ว 1 คน"
    )
    await expect(capacity_line(page)).to_have_text("ที่นั่ง 4/4 · รอคิว 0 · เต็มแล้ว")

    # The whole class ป.5/2: K02 is the one not yet listed, and the seats are gone.
    await page.get_by_label("ชั้น", exact=True).select_option("P5")
    await page.get_by_label("ห้อง", exact=True).fill("2")
    await page.get_by_role("button", name="ลงทะเบียนทั้งห้อง").click()
    await expect(page.get_by_role("status").filter(has_text="รอคิว 1 คน")).to_contain_text(
        "อยู่ในรายชื่ออยู่แล้ว 2 คน"
    )
    await expect(capacity_line(page)).to_have_text("ที่นั่ง 4/4 · รอคิว 1 · เต็มแล้ว")
    waitlist = page.locator("table[aria-labelledby=waitlist-heading] tbody")
    await expect(waitlist).to_contain_text("K02")

    # A class typed into the search lists it, to pick from.
    await search(page, "ป.5/2")
    await expect(page.locator(".results li")).to_have_count(3)
    await expect(page.get_by_role("status").filter(has_text="พบ 3 คน")).to_be_visible()
    await screenshot(page, output_dir, "enrolments-many")


async def test_the_enrolment_page_fits_a_phone_in_thai_and_english(page, session, output_dir):
    world = await enrolment_world(session, capacity=2)
    await sign_in(page, "teacher")
    await page.set_viewport_size(PHONE)
    for lang, find, enrol_class, not_found in (
        ("th", "ค้นหา", "ลงทะเบียนทั้งห้อง", "ไม่พบรหัสนักเรียน"),
        ("en", "Search", "Enrol the whole class", "Student codes not found: 1"),
    ):
        if lang == "en":
            await page.locator("#lang-switch").click()
        await page.goto(f"/app/#/enrolments?workshop={world.workshop_id}")
        await expect(capacity_line(page)).to_be_visible()
        await page.locator("select[name=grade_level]").select_option("P5")
        await page.locator("input[name=homeroom]").fill("2")
        await page.get_by_role("button", name=enrol_class).click()
        await expect(
            page.locator("table[aria-labelledby=waitlist-heading] tbody tr")
        ).to_have_count(1)
        await page.locator("input[name=q]").fill("K0")
        await page.get_by_role("button", name=find, exact=True).click()
        await expect(page.locator(".results li")).to_have_count(3)
        await page.locator("textarea[name=student_codes]").fill("NOT-A-CODE-AT-ALL-0000000001 K01")
        await page.locator("textarea[name=student_codes]").press("Tab")
        await page.locator("form:has(textarea) button[type=submit]").click()
        await expect(page.get_by_role("alert").filter(has_text=not_found)).to_be_visible()

        sizes = await page.evaluate(
            """() => ({
              scroll: document.documentElement.scrollWidth,
              inner: window.innerWidth,
              withdraw: [...document.querySelectorAll('.enrol-action button')]
                .map((b) => b.getBoundingClientRect())
                .map((r) => ({ left: r.left, right: r.right, height: r.height })),
              small: [...document.querySelectorAll('main button, main select, main textarea, '
                + 'main input:not([type=checkbox]), main .enrol-pick, main .enrol-list a')]
                .filter((el) => el.getClientRects().length)
                .filter((el) => el.getBoundingClientRect().height < 44)
                .map((el) => el.outerHTML.slice(0, 80)),
            })"""
        )
        await screenshot(page, output_dir, f"enrolments-phone-{lang}")
        assert sizes["scroll"] <= sizes["inner"], (lang, sizes["scroll"])
        assert len(sizes["withdraw"]) == 3
        for box in sizes["withdraw"]:
            assert box["left"] >= 0 and box["right"] <= sizes["inner"], (lang, box)
            assert box["height"] >= 44
        assert sizes["small"] == [], (lang, sizes["small"])
