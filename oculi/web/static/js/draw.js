// Results drawn over the photo in SVG, in the photo's own pixel coordinates (viewBox = natural size), so the
// boxes stay on their objects whatever size the photo is shown at. Every item carries its confidence and a
// key shared with its row in the tables, for the slider and for hover/selection linking.

const NS = "http://www.w3.org/2000/svg";
export const PALETTE = ["#ffd400", "#00e5ff", "#ff4dd2", "#7cff4d", "#ff8c1a", "#b388ff", "#4dffc3", "#ff5c5c"];
export const FACE_COLOUR = "#00e5ff";
export const TEXT_COLOUR = "#ffd400";

function el(name, attrs = {}) {
  const node = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

export const pct = (v) => (Math.round(v * 10) / 10).toFixed(1);

function item(key, confidence, title) {
  const g = el("g", { class: "item", "data-key": key, "data-confidence": confidence });
  const t = el("title");
  t.textContent = title; // text from the image: always textContent
  g.append(t);
  return g;
}

function boxShapes(g, b, W, H, colour) {
  const r = { x: b.left * W, y: b.top * H, width: b.width * W, height: b.height * H };
  g.append(el("rect", { class: "under", ...r }), el("rect", { class: "shape", stroke: colour, ...r }));
  return r;
}

function tag(g, x, y, text, colour, size) {
  const t = el("text", { class: "tag", x, y: Math.max(size, y - size * 0.3), fill: colour, "font-size": size,
                         "stroke-width": size / 6 });
  t.textContent = text;
  g.append(t);
}

export function labelColour(index) {
  return PALETTE[index % PALETTE.length];
}

/** A short line for a face: age range, gender, top emotion, smile, eyes open, and the match when there is one. */
export function faceSummary(face) {
  const a = face.attributes || {};
  const parts = [];
  if (a.age_range) parts.push(`${a.age_range[0]}–${a.age_range[1]} y`);
  if (a.gender) parts.push(a.gender[0]);
  if (a.emotions && a.emotions.length) parts.push(String(a.emotions[0][0]).toLowerCase());
  if (a.smile) parts.push(a.smile[0] ? "smiling" : "not smiling");
  if (a.eyes_open) parts.push(a.eyes_open[0] ? "eyes open" : "eyes closed");
  if (face.match) parts.unshift(`${face.match.user_id || face.match.external_image_id || face.match.face_id} ${pct(face.match.similarity)}%`);
  return parts.join(" · ");
}

/** The result's text as DetectText gives it: lines (type LINE), then words (type WORD, parent_id = the line's
 * id). A result stored before words were kept has lines only. */
export const textLines = (result) => (result.text || []).filter((t) => t.type !== "WORD");
export const textWords = (result) => (result.text || []).filter((t) => t.type === "WORD");

/** Build (or rebuild) the layers. Returns the <svg>. */
export function drawResult(svg, result, W, H) {
  svg.replaceChildren();
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  svg.setAttribute("role", "group");
  svg.setAttribute("aria-label", "What was found, drawn on the photo");
  const size = Math.max(12, Math.round(Math.max(W, H) / 45));
  const layers = {};
  for (const name of ["objects", "text", "faces"]) {
    layers[name] = el("g", { class: "layer", "data-layer": name });
    svg.append(layers[name]);
  }
  (result.labels || []).forEach((label, i) => {
    const colour = labelColour(i);
    (label.instances || []).forEach((inst, j) => {
      const { box, confidence: conf } = inst;
      const g = item(`label:${i}`, conf, `${label.name} ${pct(conf)}%`);
      g.dataset.instance = j;
      const r = boxShapes(g, box, W, H, colour);
      tag(g, r.x + 2, r.y, `${label.name} ${pct(conf)}%`, colour, size);
      layers.objects.append(g);
    });
  });
  (result.faces || []).forEach((face, i) => {
    const g = item(`face:${i}`, face.confidence, `Face ${i + 1}: ${faceSummary(face)}`);
    const r = boxShapes(g, face.box, W, H, FACE_COLOUR);
    for (const p of Object.values(face.landmarks || {})) {
      g.append(el("circle", { class: "landmark", cx: p.x * W, cy: p.y * H, r: Math.max(2, size / 6),
                              fill: FACE_COLOUR }));
    }
    const first = face.match ? `${face.match.user_id || face.match.external_image_id} ${pct(face.match.similarity)}%`
                             : `Face ${i + 1}`;
    tag(g, r.x + 2, r.y, first, FACE_COLOUR, size);
    const detail = faceSummary({ ...face, match: null });
    if (detail) { // under the box, anchored to the side of the photo it is on so it stays inside the photo
      const right = r.x + r.width / 2 > W / 2;
      const t = el("text", { class: "tag", x: right ? r.x + r.width : r.x, y: r.y + r.height + size * 1.05,
                             fill: FACE_COLOUR, "font-size": size * 0.75, "stroke-width": size / 7,
                             "text-anchor": right ? "end" : "start" });
      t.textContent = detail;
      g.append(t);
    }
    layers.faces.append(g);
  });
  const polygon = (g, t, shape) => {
    const pts = (t.polygon || []).map((p) => `${p.x * W},${p.y * H}`).join(" ");
    g.append(el("polygon", { class: "under", points: pts }),
             el("polygon", { class: `shape ${shape}`, stroke: TEXT_COLOUR, points: pts }));
    layers.text.append(g);
  };
  textLines(result).forEach((line, i) => {
    polygon(item(`text:${i}`, line.confidence, `${line.text} ${pct(line.confidence)}%`), line, "text-poly");
  });
  textWords(result).forEach((word) => { // drawn while its row is hovered or selected: the lines say enough
    const g = item(`word:${word.id}`, word.confidence, `${word.text} ${pct(word.confidence)}%`);
    g.classList.add("word");
    polygon(g, word, "word-poly");
  });
  return svg;
}

/** Hide what is under the threshold, at once, without asking the server again. */
export function filterByConfidence(root, minimum) {
  root.querySelectorAll("[data-confidence]").forEach((node) => {
    node.toggleAttribute("hidden", Number(node.dataset.confidence) < minimum); // SVG elements have no .hidden
  });
}

export function showLayer(svg, layer, on) {
  const g = svg.querySelector(`g[data-layer="${layer}"]`);
  if (g) g.toggleAttribute("hidden", !on);
}

/** Hovering or focusing a row lights its boxes; clicking a box selects (and scrolls to) its row. */
export function link(svg, rowsRoot) {
  const light = (key, on) => {
    svg.querySelectorAll(`.item[data-key="${key}"]`).forEach((n) => n.classList.toggle("hl", on));
    rowsRoot.querySelectorAll(`tr[data-key="${key}"]`).forEach((n) => n.classList.toggle("hl", on));
  };
  rowsRoot.addEventListener("mouseover", (e) => { const r = e.target.closest("tr[data-key]"); if (r) light(r.dataset.key, true); });
  rowsRoot.addEventListener("mouseout", (e) => { const r = e.target.closest("tr[data-key]"); if (r) light(r.dataset.key, false); });
  rowsRoot.addEventListener("focusin", (e) => { const r = e.target.closest("tr[data-key]"); if (r) light(r.dataset.key, true); });
  rowsRoot.addEventListener("focusout", (e) => { const r = e.target.closest("tr[data-key]"); if (r) light(r.dataset.key, false); });
  svg.addEventListener("click", (e) => {
    const g = e.target.closest(".item");
    if (!g) return;
    select(svg, rowsRoot, g.dataset.key);
  });
}

export function select(svg, rowsRoot, key) {
  svg.querySelectorAll(".item.selected").forEach((n) => n.classList.remove("selected"));
  rowsRoot.querySelectorAll("tr.selected").forEach((n) => { n.classList.remove("selected"); n.removeAttribute("aria-selected"); });
  svg.querySelectorAll(`.item[data-key="${key}"]`).forEach((n) => n.classList.add("selected"));
  const row = rowsRoot.querySelector(`tr[data-key="${key}"]`);
  if (!row) return;
  row.classList.add("selected");
  row.setAttribute("aria-selected", "true");
  document.dispatchEvent(new CustomEvent("oculi:select", { detail: { key, row } }));
  row.scrollIntoView({ block: "nearest" });
  row.focus({ preventScroll: true });
}
