// One stored image: the result drawn as on Analyze, facts, tags to edit, the original and the JSON to download,
// "analyse again" (the pipeline once more on the stored original), delete with confirmation.
import { api, blobUrl } from "./api.js";
import { h } from "./results.js";
import { showResult } from "./viewer.js";

const $ = (id) => document.getElementById(id);
const id = decodeURIComponent(location.pathname.split("/").pop());
let image = null;
let original = null;

function say(text, error = false) {
  $("status").textContent = text;
  $("status").className = error ? "error" : "muted";
}

function facts(img) {
  const rows = [["File", img.filename], ["Status", img.status], ["Size", `${img.width || "?"}×${img.height || "?"} px, ${Math.round(img.size / 1024)} KB`],
    ["Stored", new Date(img.created_at * 1000).toLocaleString()], ["Analyses", img.features.join(", ")],
    ["Flagged", img.flagged ? "yes" : "no"]];
  if (img.error) rows.push(["Error", img.error]);
  $("facts").replaceChildren(...rows.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
}

async function load() {
  try {
    image = await api(`/v1/images/${encodeURIComponent(id)}`);
  } catch (e) {
    say(e.status === 404 ? "This image does not exist (it may have been deleted)." : `Could not load the image: ${e.message}`, true);
    return;
  }
  $("title").textContent = image.filename;
  document.title = `${image.filename} · Oculi`;
  facts(image);
  $("tags").value = image.tags.join(", ");
  original = await blobUrl(`/v1/images/${image.id}/original`);
  $("download-original").href = original;
  $("download-original").download = image.filename;
  if (image.result) {
    showResult({ stage: $("stage"), toolbar: $("toolbar"), tabsRoot: $("tabs"), src: original, result: image.result, code: null });
    document.body.dataset.state = "drawn";
  } else {
    $("stage").hidden = false;
    $("stage").replaceChildren(h("img", { alt: image.filename, src: original }));
    say(image.status === "failed" ? `The analysis failed: ${image.error}` : `Not analysed yet (${image.status}); reload in a moment.`);
  }
}

$("tags-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  try {
    image = await api(`/v1/images/${image.id}`, { method: "PATCH", json: { tags: $("tags").value.split(",") } });
    $("tags").value = image.tags.join(", ");
    say("Tags saved.");
  } catch (err) {
    say(`Could not save the tags: ${err.message}`, true);
  }
});

$("download-json").addEventListener("click", () => {
  const blob = new Blob([JSON.stringify(image.result, null, 2)], { type: "application/json" });
  const a = h("a", { href: URL.createObjectURL(blob), download: `${image.filename}.json` });
  document.body.append(a);
  a.click();
  a.remove();
});

$("again").addEventListener("click", async () => {
  $("again").disabled = true;
  say("Analysing again with today's models…");
  try {
    image = await api(`/v1/images/${image.id}/analyze?wait=true`, { method: "POST" });
    facts(image);
    if (!image.result) throw new Error(image.error || `still ${image.status}: reload in a moment`);
    showResult({ stage: $("stage"), toolbar: $("toolbar"), tabsRoot: $("tabs"), src: original, result: image.result, code: null });
    say(`Analysed again at ${new Date(image.analyzed_at * 1000).toLocaleTimeString()}; the stored result is replaced.`);
  } catch (e) {
    say(`Could not analyse again: ${e.message}`, true);
  } finally {
    $("again").disabled = false;
  }
});

$("delete").addEventListener("click", () => $("confirm").showModal());
$("confirm").addEventListener("close", async () => {
  if ($("confirm").returnValue !== "delete") return;
  try {
    await api(`/v1/images/${image.id}`, { method: "DELETE" });
    location.assign("/gallery");
  } catch (e) {
    say(`Could not delete: ${e.message}`, true);
  }
});

load();
