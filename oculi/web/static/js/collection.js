// One collection: its users (with a face picture where crops are kept) and faces; enrol a named person from
// several photos (a line per file with the reason when one is not indexed); search with a photo; delete.
import { api, form, showImage } from "./api.js";
import { acceptDrops } from "./camera.js";
import { pct } from "./draw.js";
import { h } from "./results.js";

const $ = (id) => document.getElementById(id);
const name = decodeURIComponent(location.pathname.split("/").pop());
const base = `/v1/collections/${encodeURIComponent(name)}`;
let files = [];

function say(text, error = false) {
  $("status").textContent = text;
  $("status").className = error ? "error" : "muted";
}

function picture(face, alt) {
  const img = h("img", { alt, width: "96", height: "96" });
  if (face && face.crop) showImage(img, `${base}/faces/${face.face_id}/crop`).catch(() => {});
  return img;
}

async function load() {
  try {
    const [col, users, faces] = await Promise.all([api(base), api(`${base}/users`), api(`${base}/faces?limit=1000`)]);
    $("title").textContent = `${col.name}: ${col.user_count} people, ${col.face_count} faces`;
    document.title = `${col.name} · Oculi`;
    const byId = Object.fromEntries(faces.data.map((f) => [f.face_id, f]));
    $("users").replaceChildren(...users.data.map((u) => h("li", { dataset: { user: u.user_id } },
      picture(byId[u.face_ids[0]], `Face of ${u.user_id}`), h("div", {}, u.user_id),
      h("div", { class: "muted" }, `${u.face_ids.length} face${u.face_ids.length === 1 ? "" : "s"}`),
      h("a", { href: `/gallery?${new URLSearchParams({ collection: name, user_id: u.user_id })}` }, "Photos"),
      h("button", { type: "button", class: "danger", "aria-label": `Delete ${u.user_id} and their faces`,
                    onclick: () => remove(`${base}/users/${encodeURIComponent(u.user_id)}`, u.user_id) }, "Delete"))));
    if (!users.count) $("users").replaceChildren(h("li", { class: "muted" }, "Nobody yet: enrol someone above."));
    $("faces").replaceChildren(...faces.data.map((f) => h("li", { dataset: { face: f.face_id } },
      picture(f, `Face ${f.face_id.slice(0, 8)} of ${f.user_id || f.external_image_id || "nobody"}`),
      h("div", {}, f.user_id || f.external_image_id || "(no user)"), h("div", { class: "muted" }, f.face_id.slice(0, 8)),
      h("button", { type: "button", class: "danger", "aria-label": `Delete face ${f.face_id.slice(0, 8)}`,
                    onclick: () => remove(`${base}/faces/${f.face_id}`, `face ${f.face_id.slice(0, 8)}`) }, "Delete"))));
  } catch (e) {
    say(e.status === 404 ? `There is no collection “${name}”.` : `Could not load: ${e.message}`, true);
  }
}

async function remove(path, what) {
  try {
    await api(path, { method: "DELETE" });
    say(`Deleted ${what}.`);
    load();
  } catch (e) {
    say(`Could not delete ${what}: ${e.message}`, true);
  }
}

let picked = null; // the box of the face chosen in a group photo (one photo only)

function pickFace(i, faces) {
  picked = faces[i].box;
  document.querySelectorAll("#pick-stage .item").forEach((g, j) => g.classList.toggle("selected", i === j));
  document.querySelectorAll("#pick-list input")[i].checked = true;
}

/** One photo with several faces: show them and let the person click the one to enrol. */
async function offerFaces(file) {
  picked = null;
  $("face-pick").hidden = true;
  let result;
  try {
    result = await api("/v1/analyze", { method: "POST", body: form({ image: file, features: "faces" }) });
  } catch (e) {
    say(`Could not look for faces in ${file.name}: ${e.message}`, true);
    return;
  }
  const faces = result.faces || [];
  if (faces.length < 2) return;
  const { width: W, height: H } = result.image;
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  faces.forEach((f, i) => {
    const g = document.createElementNS(svg.namespaceURI, "g");
    g.setAttribute("class", "item");
    g.dataset.key = `face:${i}`;
    for (const cls of ["under", "shape"]) {
      const r = document.createElementNS(svg.namespaceURI, "rect");
      Object.entries({ x: f.box.left * W, y: f.box.top * H, width: f.box.width * W, height: f.box.height * H, class: cls })
        .forEach(([k, v]) => r.setAttribute(k, v));
      if (cls === "shape") r.setAttribute("stroke", "#00e5ff");
      g.append(r);
    }
    g.addEventListener("click", () => pickFace(i, faces));
    svg.append(g);
  });
  $("pick-stage").replaceChildren(h("img", { alt: `${file.name}, with ${faces.length} faces`, src: URL.createObjectURL(file) }), svg);
  $("pick-list").replaceChildren(...faces.map((f, i) => {
    const where = f.box.left + f.box.width / 2 < 0.5 ? "left" : "right";
    const input = h("input", { type: "radio", name: "face", value: String(i) });
    input.addEventListener("change", () => pickFace(i, faces));
    return h("label", {}, input, `Face ${i + 1} (${where}${i === 0 ? ", largest" : ""})`);
  }));
  pickFace(0, faces);
  $("face-pick").hidden = false;
}

function choose(list) {
  files = list;
  $("progress").replaceChildren(...files.map((f) => h("li", {}, `${f.name}: ready`)));
  picked = null;
  $("face-pick").hidden = true;
  if (files.length === 1) offerFaces(files[0]);
}

acceptDrops($("enrol-drop"), choose, (m) => say(m, true));
$("photos").addEventListener("change", (e) => choose(Array.from(e.target.files)));

$("enrol").addEventListener("submit", async (e) => {
  e.preventDefault();
  const person = $("person").value.trim();
  if (!files.length) {
    say("Choose or drop one or more photos of the person first.", true);
    return;
  }
  let ok = 0;
  const lines = $("progress").children;
  for (const [i, file] of files.entries()) {
    lines[i].textContent = `${file.name}: enrolling…`;
    try {
      const face = picked && files.length === 1
        ? [picked.left, picked.top, picked.width, picked.height].map((v) => v.toFixed(6)).join(",") : undefined;
      const out = await api(`${base}/enrol`, { method: "POST", body: form({ image: file, user_id: person, face }) });
      lines[i].textContent = out.indexed ? `${file.name}: enrolled` : `${file.name}: not indexed: ${out.reason}`;
      lines[i].className = out.indexed ? "done" : "fail";
      ok += out.indexed ? 1 : 0;
    } catch (err) {
      lines[i].textContent = `${file.name}: not indexed: ${err.message}`;
      lines[i].className = "fail";
    }
  }
  say(`${person}: ${ok} of ${files.length} photos enrolled.`);
  document.body.dataset.enrolled = String(ok);
  load();
});

$("search-photo").addEventListener("change", async (e) => {
  const file = e.target.files[0];
  if (!file) return;
  $("search-out").replaceChildren(h("p", { class: "muted" }, "Searching…"));
  try {
    const out = await api(`${base}/search`, { method: "POST", body: form({ image: file }) });
    $("search-out").replaceChildren(out.matches.length
      ? h("ol", {}, out.matches.map((m) => h("li", {}, `${m.face.user_id || m.face.external_image_id || m.face.face_id} — ${pct(m.similarity)}%`)))
      : h("p", {}, "Nobody in this collection matches that face."));
  } catch (err) {
    $("search-out").replaceChildren(h("p", { class: "error" }, `Could not search: ${err.message}`));
  }
  e.target.value = "";
});

load();
