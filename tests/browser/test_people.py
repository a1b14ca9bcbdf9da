"""People and Door check in Chromium: collections created and deleted, a person enrolled from several photos (a
line per file, the reason for the photo with no face), search by photo, then the door names them; a stranger is
an outsider; the door check works at a phone's width; the gallery finds the enrolled person's photos."""

from __future__ import annotations

import httpx
import pytest

from tests.browser.conftest import DESKTOP, PHONE, check_axe, drop_files, screenshot
from tests.conftest import data

EX = "faces/face_recognition/examples"
LAMBDA = "faces/aws-rekognition-lambda"


@pytest.fixture(scope="module")
def people(browser, web):
    """Collections made and a person enrolled through the pages themselves."""
    ctx = browser.new_context(viewport=DESKTOP)
    pg = ctx.new_page()
    pg.goto(web.url + "/people")
    for name in ("employees", "visitors", "scratch"):
        pg.fill("#name", name)
        pg.click("#create button")
        pg.wait_for_selector(f"#rows tr[data-name='{name}']")
    pg.close()
    yield web
    ctx.close()


def test_people_create_and_delete(page, people):
    pg = page.goto("/people")
    pg.wait_for_selector("#rows tr[data-name='scratch']")
    pg.click("button[aria-label='Delete scratch']")
    pg.click("#confirm button[value=delete]")
    pg.wait_for_selector("#rows tr[data-name='scratch']", state="detached")
    names = [c["name"] for c in httpx.get(people.url + "/v1/collections", timeout=30).json()["data"]]
    assert "scratch" not in names and {"employees", "visitors"} <= set(names)
    pg.fill("#name", "bad name!")
    assert not pg.evaluate("() => document.querySelector('#name').checkValidity()")
    check_axe(pg)
    screenshot(pg, "people")


def test_enrol_then_door_names_them(page, people):
    pg = page.goto("/people/employees")
    pg.wait_for_selector("#title:has-text('employees')")
    pg.fill("#person", "alice")
    photos = [data(f"{EX}/knn_examples/train/obama/obama.jpg"), data(f"{EX}/knn_examples/train/obama/obama2.jpg"),
              data(f"{LAMBDA}/no-face.jpg")]
    drop_files(pg, "#enrol-drop", photos)
    assert pg.locator("#progress li").count() == 3
    pg.click("#enrol button[type=submit]")
    pg.wait_for_selector("body[data-enrolled]", timeout=120_000)
    lines = pg.locator("#progress li").all_text_contents()
    assert lines[0] == "obama.jpg: enrolled" and lines[1] == "obama2.jpg: enrolled"
    assert lines[2].startswith("no-face.jpg: not indexed: ") and len(lines[2]) > len("no-face.jpg: not indexed: ")
    pg.wait_for_selector("#users li[data-user='alice']")
    assert pg.locator("#faces li").count() == 2
    pg.wait_for_function("() => [...document.querySelectorAll('#users img')].every(i => i.complete && i.naturalWidth)")
    pg.set_input_files("#search-photo", str(data(f"{EX}/obama-480p.jpg")))
    pg.wait_for_selector("#search-out li")
    assert pg.locator("#search-out li").first.text_content().startswith("alice — ")
    check_axe(pg)
    screenshot(pg, "collection")

    door = page.goto("/door")
    door.set_input_files("#photo", str(data(f"{EX}/obama-480p.jpg")))
    door.wait_for_selector("#verdict.employee", timeout=120_000)
    text = door.text_content("#verdict")
    assert text.startswith("Employee: alice, ") and 80 <= int(text.rsplit(" ", 1)[1].rstrip("%")) <= 100
    assert door.locator("#stage svg rect.shape").count() == 1
    door.set_input_files("#photo", str(data(f"{EX}/alex-lacamoire.png")))
    door.wait_for_selector("#verdict.outsider", timeout=120_000)
    assert door.text_content("#verdict") == "Outsider"
    assert door.locator("#recent li").count() == 2
    check_axe(door)
    screenshot(door, "door")

    # the gallery finds the photos in which the enrolled person was recognised
    with open(data(f"{EX}/obama2.jpg"), "rb") as fh:
        stored = httpx.post(people.url + "/v1/images?wait=true", files={"file": ("obama2.jpg", fh)},
                            data={"features": "faces", "collections": "employees"}, timeout=300).json()["data"][0]
    people_page = page.goto("/people/employees")
    with people_page.expect_navigation():
        people_page.locator("#users li[data-user='alice']").get_by_role("link", name="Photos").click()
    gallery = people_page
    assert gallery.url.endswith("/gallery?collection=employees&user_id=alice")
    assert gallery.input_value("#f-person") == "alice"
    gallery.wait_for_function("() => document.querySelector('#grid').dataset.pages > 0")
    assert gallery.eval_on_selector_all("#grid li", "els => els.map(e => e.dataset.id)") == [stored["id"]]
    assert not page.errors and not page.dialogs


def test_door_check_at_a_phone_width(browser, people):
    ctx = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    pg = ctx.new_page()
    pg.goto(people.url + "/door")
    pg.set_input_files("#photo", str(data(f"{EX}/obama-480p.jpg")))
    pg.wait_for_selector("#verdict.employee", timeout=120_000)
    width = pg.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page scrolls sideways at a phone's width ({width} px)"
    verdict = pg.locator("#verdict").bounding_box()
    assert verdict["width"] >= PHONE["width"] * 0.8 and verdict["height"] >= 60  # large, readable from afar
    photo = pg.locator("#stage img").bounding_box()
    assert photo["width"] <= PHONE["width"]
    for box in [pg.locator("label[for=photo]").bounding_box(), pg.locator("#camera-open").bounding_box()]:
        assert box["height"] >= 44  # touch targets
    check_axe(pg)
    screenshot(pg, "door-phone")
    ctx.close()


def test_analyze_searches_the_chosen_collection(page, people):
    """After enrolment, Analyze with "employees" ticked names the person on the face and in the Faces tab."""
    pg = page.goto("/")
    pg.get_by_label("employees (2 faces)").check()
    for box in pg.locator("input[name=feature]").all():
        box.set_checked(box.get_attribute("value") == "faces")
    with pg.expect_response(lambda r: r.url.endswith("/v1/analyze"), timeout=180_000) as answer:
        pg.set_input_files("#file", str(data(f"{EX}/obama-480p.jpg")))
    pg.wait_for_selector("body[data-state=drawn]")
    match = answer.value.json()["faces"][0]["match"]
    assert match["user_id"] == "alice" and match["collection"] == "employees"
    assert pg.locator("svg .item[data-key='face:0'] text.tag").first.text_content().startswith("alice ")
    pg.get_by_role("tab", name="Faces").click()
    assert "alice (employees, " in pg.locator("#panel-faces tbody tr").first.text_content()
    code = pg.get_by_role("tab", name="Code")
    code.click()
    assert "search_faces_by_image(CollectionId=\"employees\"" in pg.locator("code.code-boto3").text_content()


def test_camera_snapshot_at_the_door(browser, people):
    """getUserMedia with Chromium's synthetic camera (no face in it): the page takes the frame and says so."""
    ctx = browser.new_context(viewport=PHONE, permissions=["camera"])
    pg = ctx.new_page()
    pg.goto(people.url + "/door")
    pg.click("#camera-open")
    pg.wait_for_function("() => document.querySelector('#video').videoWidth > 0", timeout=30_000)
    with pg.expect_response(lambda r: r.url.endswith("/v1/identify"), timeout=120_000) as answer:
        pg.click("#check")
    assert answer.value.status == 200 and answer.value.json()["count"] == 0
    pg.wait_for_selector("#verdict:has-text('No face found')")
    pg.click("#camera-close")
    assert pg.evaluate("() => document.querySelector('#video').srcObject") is None
    ctx.close()



def test_click_the_face_to_enrol_in_a_group_photo(page, people):
    pg = page.goto("/people/visitors")
    pg.wait_for_selector("#title:has-text('visitors')")
    pg.fill("#person", "bob")
    with pg.expect_response(lambda r: r.url.endswith("/v1/analyze"), timeout=180_000) as answer:
        pg.set_input_files("#photos", str(data(f"{EX}/two_people.jpg")))
    faces = answer.value.json()["faces"]
    pg.wait_for_selector("#face-pick:not([hidden])")
    assert pg.locator("#pick-stage .item").count() == len(faces) == 2
    pg.locator("#pick-stage .item[data-key='face:1'] rect.shape").click(force=True)  # not the largest
    assert pg.get_by_label("Face 2", exact=False).is_checked()
    check_axe(pg)
    pg.click("#enrol button[type=submit]")
    pg.wait_for_selector("body[data-enrolled='1']", timeout=120_000)
    stored = httpx.get(people.url + "/v1/collections/visitors/faces", params={"user_id": "bob"}, timeout=30).json()
    (face,) = stored["data"]
    want = faces[1]["box"]
    assert all(abs(face["bounding_box"][k] - want[k]) < 0.02 for k in ("left", "top", "width", "height"))
    # nothing at the given place: a clear reason, nothing stored
    with open(data(f"{EX}/two_people.jpg"), "rb") as fh:
        r = httpx.post(people.url + "/v1/collections/visitors/enrol", files={"image": ("g.jpg", fh)},
                       data={"user_id": "carol", "face": "0.01,0.9,0.05,0.05"}, timeout=180)
    assert r.status_code == 200 and r.json()["reason"] == "no face at the chosen place"
    # the door check knows the visitor too
    door = page.goto("/door")
    door.set_input_files("#photo", str(data(f"{EX}/biden.jpg")))
    door.wait_for_selector("#verdict.visitor", timeout=120_000)
    assert door.text_content("#verdict").startswith("Visitor: bob, ")
