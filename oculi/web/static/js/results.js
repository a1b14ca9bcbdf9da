// The result of an analysis shown as tabs: labels, faces, text, image properties, the raw JSON and the same
// request as boto3 / AWS CLI / curl code. Everything from the image is set with textContent, never as markup.
import { FACE_COLOUR, TEXT_COLOUR, faceSummary, labelColour, pct, textLines, textWords } from "./draw.js";
import { makeTabs } from "./tabs.js";

export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "dataset") Object.assign(node.dataset, v);
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

function table(caption, headers, rows) {
  return h("table", {}, h("caption", { class: "visually-hidden" }, caption),
    h("thead", {}, h("tr", {}, headers.map((x) => h("th", { scope: "col" }, x)))), h("tbody", {}, rows));
}

function chip(colour) {
  const c = h("span", { class: "chip", "aria-hidden": "true" });
  c.style.setProperty("background", colour);
  return c;
}

function linkedRow(key, confidence, cells) {
  return h("tr", { class: "linked", tabindex: "0", dataset: { key, confidence } }, cells);
}

function labelsPanel(result) {
  if (!result.labels) return h("p", { class: "muted" }, "Labels were not asked for.");
  if (!result.labels.length) return h("p", {}, "No labels found.");
  return table("Labels", ["Label", "Confidence", "Boxes", "Parents", "Category"], result.labels.map((lb, i) =>
    linkedRow(`label:${i}`, lb.confidence, [
      h("td", {}, chip(labelColour(i)), lb.name, lb.aliases && lb.aliases.length ? h("span", { class: "muted" }, ` (${lb.aliases.join(", ")})`) : null),
      h("td", {}, `${pct(lb.confidence)}%`), h("td", {}, String((lb.instances || []).length)),
      h("td", {}, (lb.parents || []).join(", ")), h("td", {}, lb.category || ""),
    ])));
}

function facesPanel(result) {
  if (!result.faces) return h("p", { class: "muted" }, "Faces were not asked for.");
  if (!result.faces.length) return h("p", {}, "No face found.");
  const yn = (v) => (v ? `${v[0] ? "yes" : "no"} (${pct(v[1])}%)` : "");
  const deg = (v) => `${Math.round(v)}°`;
  return table("Faces", ["#", "Confidence", "Age", "Gender", "Emotions", "Smile", "Eyes open", "Mouth open",
                         "Looking (yaw, pitch)", "Head (yaw, pitch, roll)", "Brightness, sharpness", "Match"],
    result.faces.map((f, i) => {
      const a = f.attributes || {};
      const m = f.match;
      const emotions = (a.emotions || []).filter(([, c], j) => j === 0 || c >= 10)
        .map(([e, c]) => `${String(e).toLowerCase()} ${pct(c)}%`).join(", ");
      return linkedRow(`face:${i}`, f.confidence, [
        h("td", {}, chip(FACE_COLOUR), String(i + 1)), h("td", {}, `${pct(f.confidence)}%`),
        h("td", {}, a.age_range ? `${a.age_range[0]}–${a.age_range[1]}` : ""),
        h("td", {}, a.gender ? `${a.gender[0]} (${pct(a.gender[1])}%)` : ""),
        h("td", {}, emotions),
        h("td", {}, yn(a.smile)), h("td", {}, yn(a.eyes_open)), h("td", {}, yn(a.mouth_open)),
        h("td", {}, a.eye_direction ? `${deg(a.eye_direction[0])}, ${deg(a.eye_direction[1])}` : ""),
        h("td", {}, f.pose ? `${deg(f.pose.yaw)}, ${deg(f.pose.pitch)}, ${deg(f.pose.roll)}` : ""),
        h("td", {}, `${pct(f.brightness)}, ${pct(f.sharpness)}`),
        h("td", {}, m ? `${m.user_id || m.external_image_id || m.face_id} (${m.collection}, ${pct(m.similarity)}%)` : ""),
      ]);
    }));
}

function textPanel(result) {
  if (!result.text) return h("p", { class: "muted" }, "Text was not asked for.");
  const lines = textLines(result);
  if (!lines.length) return h("p", {}, "No text found.");
  const lineNumber = new Map(lines.map((t, i) => [t.id, i + 1]));
  const linesTable = table("Lines of text", ["Line", "#", "Confidence"], lines.map((t, i) =>
    linkedRow(`text:${i}`, t.confidence, [h("td", {}, chip(TEXT_COLOUR), t.text), h("td", {}, String(i + 1)),
                                           h("td", {}, `${pct(t.confidence)}%`)])));
  const words = textWords(result);
  const wordsPart = words.length
    ? table("Words, line by line", ["Word", "Line #", "Confidence"], words.map((w) => {
      const row = linkedRow(`word:${w.id}`, w.confidence, [h("td", {}, w.text),
        h("td", {}, String(lineNumber.get(w.parent_id) ?? "")), h("td", {}, `${pct(w.confidence)}%`)]);
      row.dataset.line = String(lineNumber.get(w.parent_id) ?? "");
      return row;
    }))
    : h("p", { class: "muted" }, "This result was stored before words were kept: analyse the photo again to see them.");
  return h("div", {}, h("h3", {}, "Lines"), linesTable, h("h3", {}, "Words"), wordsPart);
}

function swatches(colours) {
  return h("ul", { class: "swatches", role: "list" }, (colours || []).map((c) => {
    const box = h("div", { class: "colour", "aria-hidden": "true" });
    box.style.setProperty("background", c.hex);
    return h("li", { class: "swatch" }, box, h("div", {}, `${c.hex} ${c.css}`),
      h("div", { class: "muted" }, `${c.simplified}, ${pct(c.pixel_percent)}%`));
  }));
}

function propertiesPanel(result) {
  const p = result.properties;
  if (!p) return h("p", { class: "muted" }, "Image properties were not asked for (tick “Image properties”).");
  const q = p.quality;
  const out = [h("h3", {}, "Quality"), h("p", {}, `Brightness ${pct(q.brightness)} · sharpness ${pct(q.sharpness)} · contrast ${pct(q.contrast)}`),
    h("h3", {}, "Dominant colours"), swatches(p.dominant_colors)];
  if (p.foreground) out.push(h("h3", {}, "Foreground (the objects)"), swatches(p.foreground.dominant_colors));
  if (p.background) out.push(h("h3", {}, "Background"), swatches(p.background.dominant_colors));
  return h("div", {}, out);
}

function copyButton(getText, what) {
  const status = h("span", { class: "muted", role: "status" });
  const b = h("button", { type: "button", onclick: async () => {
    try {
      await navigator.clipboard.writeText(getText());
      status.textContent = "Copied.";
    } catch {
      status.textContent = "Copy is not allowed here: select the text and copy it.";
    }
  } }, `Copy ${what}`);
  return h("div", { class: "row" }, b, status);
}

function jsonPanel(result) {
  const text = JSON.stringify(result, null, 2);
  const pre = h("pre", { tabindex: "0", "aria-label": "The answer as JSON" }, h("code", { class: "json" }, text));
  return h("div", {}, copyButton(() => text, "JSON"), h("details", { open: true }, h("summary", {}, "Response JSON"), pre));
}

const PY_OPS = {
  labels: ["labels", "detect_labels", "Image={'Bytes': image}"],
  faces: ["faces", "detect_faces", "Image={'Bytes': image}, Attributes=['ALL']"],
  text: ["text", "detect_text", "Image={'Bytes': image}"],
  moderation: ["moderation", "detect_moderation_labels", "Image={'Bytes': image}"],
  properties: ["properties", "detect_labels", "Image={'Bytes': image}, Features=['IMAGE_PROPERTIES']"],
};
const CLI_OPS = { labels: "detect-labels", faces: "detect-faces --attributes ALL", text: "detect-text",
  moderation: "detect-moderation-labels", properties: "detect-labels --features IMAGE_PROPERTIES" };

/** The same request as code: boto3 (runs as is against this server), the AWS CLI and curl on the REST API. */
export function snippets({ filename, features, collections = [], origin = location.origin, keyed = false }) {
  const name = filename || "photo.jpg";
  const py = ["import boto3", "",
    "client = boto3.client('rekognition', endpoint_url='" + origin + "', region_name='us-east-1',",
    "                      aws_access_key_id='oculi', aws_secret_access_key='oculi')",
    `with open(${JSON.stringify(name)}, 'rb') as f:`, "    image = f.read()", ""];
  for (const f of features) {
    const [v, op, args] = PY_OPS[f];
    py.push(`${v} = client.${op}(${args})`);
  }
  for (const c of collections) {
    py.push(`search_${c.replace(/[^A-Za-z0-9_]/g, "_")} = client.search_faces_by_image(CollectionId=${JSON.stringify(c)}, Image={'Bytes': image})`);
  }
  if (features.includes("labels")) {
    py.push("", "for label in labels['Labels']:", "    print(label['Name'], round(label['Confidence'], 1))");
  }
  const q = (s) => `'${s.replace(/'/g, "'\\''")}'`;
  const cli = features.map((f) => `aws rekognition ${CLI_OPS[f]} --endpoint-url ${origin} --region us-east-1 \\\n    --image-bytes fileb://${q(name)}`);
  for (const c of collections) {
    cli.push(`aws rekognition search-faces-by-image --endpoint-url ${origin} --region us-east-1 \\\n    --collection-id ${q(c)} --image-bytes fileb://${q(name)}`);
  }
  const curl = [`curl -s ${keyed ? "-H \"X-Api-Key: $OCULI_API_KEY\" " : ""}-F image=@${q(name)} -F features=${features.join(",")}` +
    (collections.length ? ` -F collections=${q(collections.join(","))}` : "") + ` ${origin}/v1/analyze`];
  return { boto3: py.join("\n") + "\n", cli: cli.join("\n\n") + "\n", curl: curl.join("\n") + "\n" };
}

function codePanel(code) {
  const part = (id, title, text) => h("section", { "aria-labelledby": `code-${id}` },
    h("h3", { id: `code-${id}` }, title), copyButton(() => text, title),
    h("pre", { tabindex: "0", "aria-label": title }, h("code", { class: `code-${id}` }, text)));
  return h("div", {}, part("boto3", "Python (boto3)", code.boto3), part("cli", "AWS CLI", code.cli),
    part("curl", "curl (REST API)", code.curl));
}

/** Fill the tabs. `code` is the output of snippets(), or null where there is no request to repeat. */
export function renderTabs(root, result, code) {
  const names = [["labels", "Labels"], ["faces", "Faces"], ["text", "Text"], ["properties", "Properties"], ["json", "JSON"]];
  if (code) names.push(["code", "Code"]);
  const tabs = makeTabs(root, names);
  tabs.panels.labels.append(labelsPanel(result));
  tabs.panels.faces.append(facesPanel(result));
  tabs.panels.text.append(textPanel(result));
  tabs.panels.properties.append(propertiesPanel(result));
  tabs.panels.json.append(jsonPanel(result));
  if (code) tabs.panels.code.append(codePanel(code));
  document.addEventListener("oculi:select", (e) => {
    const panel = e.detail.row.closest("[role=tabpanel]");
    if (panel && panel.hidden) tabs.choose(panel.id.replace("panel-", ""));
  });
  return tabs;
}
