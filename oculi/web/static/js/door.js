// Door check (employee / visitor / outsider): a camera snapshot or a photo goes to /v1/identify, which searches
// the employees collection and then the visitors collection; the verdict is shown large, the face boxed.
import { api, form } from "./api.js";
import { Camera } from "./camera.js";
import { pct } from "./draw.js";
import { h } from "./results.js";

const $ = (id) => document.getElementById(id);
const RECENT = "oculi.doorChecks";
const camera = new Camera($("video"));
let previewUrl = null;

function verdictOf(face) {
  const employees = $("employees").value.trim();
  const who = face.user_id || face.external_image_id || "unknown";
  if (face.status === "outsider") return ["outsider", "Outsider"];
  if (face.collection === employees) return ["employee", `Employee: ${who}, ${Math.round(face.similarity)}%`];
  return ["visitor", `Visitor: ${who}, ${Math.round(face.similarity)}%`];
}

function recent() {
  const list = JSON.parse(sessionStorage.getItem(RECENT) || "[]");
  $("recent").replaceChildren(...list.map((c) => h("li", {}, `${new Date(c.at).toLocaleTimeString()} — ${c.text}`)));
  if (!list.length) $("recent").replaceChildren(h("li", { class: "muted" }, "No check yet."));
}

function remember(text) {
  const list = JSON.parse(sessionStorage.getItem(RECENT) || "[]");
  list.unshift({ at: Date.now(), text });
  sessionStorage.setItem(RECENT, JSON.stringify(list.slice(0, 20)));
  recent();
}

function show(kind, text) {
  const v = $("verdict");
  v.className = `verdict ${kind}`;
  v.textContent = text;
  v.dataset.kind = kind;
}

async function draw(file, face) {
  if (previewUrl) URL.revokeObjectURL(previewUrl);
  previewUrl = URL.createObjectURL(file);
  const img = h("img", { alt: "The photo checked", src: previewUrl });
  await img.decode().catch(() => {});
  const W = img.naturalWidth;
  const H = img.naturalHeight;
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  svg.setAttribute("aria-hidden", "true");
  if (face) {
    const b = face.bounding_box;
    for (const cls of ["under", "shape"]) {
      const r = document.createElementNS(svg.namespaceURI, "rect");
      Object.entries({ x: b.left * W, y: b.top * H, width: b.width * W, height: b.height * H, class: cls })
        .forEach(([k, v]) => r.setAttribute(k, v));
      if (cls === "shape") r.setAttribute("stroke", face.status === "outsider" ? "#ff5c5c" : "#7cff4d");
      svg.append(r);
    }
  }
  $("stage").replaceChildren(img, svg);
  $("stage").hidden = false;
}

async function check(file) {
  const collections = [$("employees").value.trim(), $("visitors").value.trim()].filter(Boolean);
  show("", "Checking…");
  try {
    const known = new Set((await api("/v1/collections")).data.map((c) => c.name));
    const wanted = collections.filter((c) => known.has(c));
    if (!wanted.length) {
      show("outsider", "Nobody is enrolled yet");
      await draw(file, null);
      return;
    }
    const out = await api("/v1/identify", { method: "POST",
      body: form({ image: file, collections: wanted.join(","), threshold: $("threshold").value }) });
    if (!out.count) {
      show("", "No face found: look at the camera");
      await draw(file, null);
      return;
    }
    const face = out.data[0];
    const [kind, text] = verdictOf(face);
    show(kind, text);
    remember(face.similarity ? `${text}` : text);
    await draw(file, face);
    $("verdict").dataset.similarity = face.similarity === null ? "" : pct(face.similarity);
  } catch (e) {
    show("", `Could not check: ${e.message}`);
  }
}

$("photo").addEventListener("change", (e) => {
  if (e.target.files[0]) check(e.target.files[0]);
  e.target.value = "";
});
$("camera-open").addEventListener("click", async () => {
  try {
    $("camera").hidden = false;
    await camera.open();
    $("check").focus();
  } catch (e) {
    $("camera").hidden = true;
    show("", `No camera: ${e.message}`);
  }
});
$("check").addEventListener("click", async () => check(await camera.snapshot()));
$("camera-close").addEventListener("click", () => { camera.close(); $("camera").hidden = true; });
recent();
