// Analyze (the home page): a photo from a file, a drop, a paste, the camera or a URL; the chosen analyses run
// on /v1/analyze (nothing stored) or /v1/images?wait=true (stored), and the answer is drawn at once.
import { api, apiKey, form, showImage } from "./api.js";
import { Camera, acceptDrops } from "./camera.js";
import { textLines } from "./draw.js";
import { h, snippets } from "./results.js";
import { showResult } from "./viewer.js";

const $ = (id) => document.getElementById(id);
const status = $("status");
const stage = $("stage");
let current = null; // { file, url } the photo on the page
let previewUrl = null;

function say(text, error = false) {
  status.textContent = text;
  status.className = error ? "error" : "muted";
}

function chosen() {
  const f = new FormData($("options"));
  return { features: f.getAll("feature"), collections: f.getAll("collection"), store: f.get("store") === "yes" };
}

async function loadCollections() {
  const list = $("collection-list");
  try {
    const cols = await api("/v1/collections");
    list.replaceChildren(...cols.data.map((c) => h("label", {},
      h("input", { type: "checkbox", name: "collection", value: c.name }), `${c.name} (${c.face_count} faces)`)));
    $("collections-empty").hidden = cols.count > 0;
  } catch (e) {
    $("collections-empty").textContent = `Could not list the collections: ${e.message}`;
  }
}

function preview(file) {
  if (previewUrl) URL.revokeObjectURL(previewUrl);
  previewUrl = URL.createObjectURL(file);
  stage.replaceChildren(h("img", { alt: `The photo ${file.name || ""}`.trim(), src: previewUrl }),
    document.createElementNS("http://www.w3.org/2000/svg", "svg"));
  stage.hidden = false;
  $("toolbar").hidden = true;
}

async function run() {
  if (!current) return;
  const { features, collections, store } = chosen();
  if (!features.length) {
    say("Tick at least one thing to find.", true);
    return;
  }
  $("run").disabled = true;
  $("stored").hidden = true;
  say(`Analysing ${current.file ? current.file.name : current.url}…`);
  const started = performance.now();
  try {
    let result;
    let stored = null;
    if (store || current.url) {
      const body = form({ features: features.join(","), collections: collections.join(","),
                          file: current.file || undefined, url: current.url || undefined });
      const out = await api("/v1/images?wait=true", { method: "POST", body });
      stored = out.data[0];
      if (stored.status === "failed") throw new Error(`the analysis failed: ${stored.error}`);
      if (!stored.result) throw new Error("the analysis is still running: open the image's page in a moment");
      result = stored.result;
    } else {
      const body = form({ image: current.file, features: features.join(","), collections: collections.join(",") });
      result = await api("/v1/analyze", { method: "POST", body });
    }
    const answered = performance.now();
    const src = current.file ? previewUrl : null;
    if (!current.file) {
      stage.replaceChildren();
      const img = h("img", { alt: "The fetched photo" });
      stage.append(img, document.createElementNS("http://www.w3.org/2000/svg", "svg"));
      await showImage(img, `/v1/images/${stored.id}/original`);
    }
    const code = snippets({ filename: current.file ? current.file.name : "photo.jpg", features, collections,
                            keyed: Boolean(apiKey()) });
    showResult({ stage, toolbar: $("toolbar"), tabsRoot: $("tabs"), src, result, code });
    const drawn = performance.now();
    document.body.dataset.answerMs = String(Math.round(answered - started));
    document.body.dataset.drawMs = String(Math.round((drawn - answered) * 10) / 10);
    document.body.dataset.state = "drawn";
    const counted = { ...result, text: result.text && textLines(result) }; // lines, not their words too
    const found = [["labels", "label"], ["faces", "face"], ["text", "line of text", "lines of text"],
                   ["moderation", "moderation label"]]
      .filter(([k]) => counted[k])
      .map(([k, one, many]) => `${counted[k].length} ${counted[k].length === 1 ? one : many || `${one}s`}`);
    say(`Found ${found.join(", ") || "what was asked"}${result.properties ? ", and the image's colours" : ""}.`);
    if (stored) {
      const p = $("stored");
      p.replaceChildren("Stored in the gallery: ", h("a", { href: `/images/${stored.id}` }, "open its page"), ".");
      p.hidden = false;
    }
  } catch (e) {
    document.body.dataset.state = "error";
    say(`Could not analyse the photo: ${e.message}`, true);
  } finally {
    $("run").disabled = false;
  }
}

function take(files) {
  const file = files[0];
  current = { file, url: null };
  preview(file);
  run();
}

$("file").addEventListener("change", (e) => {
  if (e.target.files.length) take(Array.from(e.target.files));
  e.target.value = "";
});
acceptDrops($("drop"), take, (msg) => say(msg, true));
$("url-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const url = $("url").value.trim();
  if (!url) {
    say("Type the address of an image first.", true);
    return;
  }
  current = { file: null, url };
  run();
});
$("options").addEventListener("submit", (e) => {
  e.preventDefault();
  run();
});
$("options").addEventListener("change", () => { $("run").disabled = !current; });

const camera = new Camera($("video"));
$("camera-open").addEventListener("click", async () => {
  try {
    $("camera").hidden = false;
    await camera.open();
    $("camera-shot").focus();
  } catch (e) {
    $("camera").hidden = true;
    say(`No camera: ${e.message}`, true);
  }
});
$("camera-shot").addEventListener("click", async () => {
  const file = await camera.snapshot();
  camera.close();
  $("camera").hidden = true;
  take([file]);
});
$("camera-close").addEventListener("click", () => { camera.close(); $("camera").hidden = true; });

loadCollections();
