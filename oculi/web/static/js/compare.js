// Compare: the largest face of the source against every face of the target, each with its similarity; faces under
// the threshold are greyed at once as the slider moves (the API answers every face once, with threshold 0).
import { api, form } from "./api.js";
import { pct } from "./draw.js";
import { h } from "./results.js";

const $ = (id) => document.getElementById(id);
const NS = "http://www.w3.org/2000/svg";
let answer = null;

function say(text, error = false) {
  $("status").textContent = text;
  $("status").className = error ? "error" : "muted";
}

function rect(svg, b, W, H, colour, key, similarity) {
  const g = document.createElementNS(NS, "g");
  g.setAttribute("class", "item");
  if (key) g.dataset.key = key;
  if (similarity !== undefined) g.dataset.similarity = String(similarity);
  for (const cls of ["under", "shape"]) {
    const r = document.createElementNS(NS, "rect");
    const attrs = { x: b.left * W, y: b.top * H, width: b.width * W, height: b.height * H, class: cls };
    Object.entries(attrs).forEach(([k, v]) => r.setAttribute(k, v));
    if (cls === "shape") r.setAttribute("stroke", colour);
    g.append(r);
  }
  if (similarity !== undefined) {
    const t = document.createElementNS(NS, "text");
    const size = Math.max(12, Math.round(Math.max(W, H) / 40));
    Object.entries({ x: b.left * W, y: Math.max(size, b.top * H - 4), class: "tag", fill: colour, "font-size": size,
                     "stroke-width": size / 6 }).forEach(([k, v]) => t.setAttribute(k, v));
    t.textContent = `${pct(similarity)}%`;
    g.append(t);
  }
  svg.append(g);
}

function stage(root, file, size) {
  const img = h("img", { alt: file.name, src: URL.createObjectURL(file) });
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("viewBox", `0 0 ${size[0]} ${size[1]}`);
  svg.setAttribute("aria-hidden", "true");
  root.replaceChildren(img, svg);
  return svg;
}

function threshold() {
  const t = Number($("threshold").value);
  $("threshold-value").textContent = String(t);
  document.querySelectorAll("#target-stage .item").forEach((g) => {
    const match = Number(g.dataset.similarity) >= t;
    g.classList.toggle("dim", !match);
    g.querySelector("rect.shape").setAttribute("stroke", match ? "#7cff4d" : "#9aa0a6");
  });
  document.querySelectorAll("#rows tr").forEach((tr) => {
    const match = Number(tr.dataset.similarity) >= t;
    tr.lastChild.textContent = match ? "match" : "no match";
    tr.classList.toggle("muted", !match);
  });
}

$("source").addEventListener("change", () => { $("source-name").textContent = $("source").files[0]?.name || "none"; });
$("target").addEventListener("change", () => { $("target-name").textContent = $("target").files[0]?.name || "none"; });
$("threshold").addEventListener("input", threshold);

$("compare").addEventListener("submit", async (e) => {
  e.preventDefault();
  const source = $("source").files[0];
  const target = $("target").files[0];
  if (!source || !target) {
    say("Choose both photos first.", true);
    return;
  }
  say("Comparing…");
  try {
    answer = await api("/v1/compare", { method: "POST", body: form({ source, target, threshold: "0" }) });
    const s = stage($("source-stage"), source, answer.source_size);
    rect(s, answer.source.bounding_box, ...answer.source_size, "#00e5ff");
    const t = stage($("target-stage"), target, answer.target_size);
    const faces = [...answer.matches, ...answer.unmatched].sort((a, b) => b.similarity - a.similarity);
    faces.forEach((f, i) => rect(t, f.bounding_box, ...answer.target_size, "#7cff4d", `face:${i}`, f.similarity));
    $("rows").replaceChildren(...faces.map((f, i) => h("tr", { dataset: { similarity: String(f.similarity) } },
      h("td", {}, `Face ${i + 1}`), h("td", {}, `${pct(f.similarity)}%`), h("td", {}, ""))));
    threshold();
    say(`${faces.length} face${faces.length === 1 ? "" : "s"} in the target.`);
    document.body.dataset.state = "drawn";
  } catch (err) {
    say(`Could not compare: ${err.message}`, true);
  }
});
