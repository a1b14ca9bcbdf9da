// Live streams: every stream processor with its status, StatusMessage, source, mode and the worker holding it;
// start and stop; its last events newest first, each with the frame it is about; the camera sources (list, add,
// remove). Polled every few seconds (faster while a processor is changing state), paused while the tab is hidden
// or when the person turns it off. Each poll updates the cards in place, so keyboard focus and loaded frames
// stay where they are.
import { api, showImage } from "./api.js";
import { pct } from "./draw.js";
import { h } from "./results.js";

const $ = (id) => document.getElementById(id);
const SLOW_MS = 5000; // the usual pace
const FAST_MS = 1500; // while a processor is STARTING, STOPPING or UPDATING
const SHORT = 10; // events shown per processor; 100 (what the API keeps) when asked
const CHANGING = new Set(["STARTING", "STOPPING", "UPDATING"]);
const CAN_START = new Set(["STOPPED", "FAILED"]);
const CAN_STOP = new Set(["STARTING", "RUNNING", "UPDATING"]);

const cards = new Map(); // processor id -> { el, parts, events: Map(event id -> li), long, status }
let timer = null;
let busy = false;
let again = false; // a refresh asked for while one was under way runs right after it (its answer may be stale)
let sources = [];

function say(text, error = false) {
  $("status").textContent = text;
  $("status").className = error ? "error" : "muted";
}

const when = (t) => new Date(t * 1000).toLocaleString();
const secs = (s) => `${Number(s).toFixed(1)} s`;

function modeText(p) {
  const s = p.settings || {};
  if (p.mode === "face_search") {
    return `Face search in “${s.CollectionId}”, match at ${s.FaceMatchThreshold ?? 80}% or more`;
  }
  const labels = (s.Labels || []).join(", ") || "ALL";
  return `Connected home: ${labels}, confidence ${s.MinConfidence ?? 50}% or more`;
}

// -- an event: what was seen, and the frame it is about ---------------------------------------------------

function describe(e) {
  const ev = e.event || {};
  const label = ev.label || {};
  switch (e.type) {
    case "stream.label_detected":
      return { title: `${label.name} seen`, detail: `confidence ${pct(label.confidence)}% · ${secs(ev.frame_offset_seconds)} after start`,
               alt: `The frame where ${label.name} was first seen` };
    case "stream.session_ended":
      return { title: `${label.name} gone`,
               detail: `in view ${secs(ev.start_offset_seconds)} to ${secs(ev.end_offset_seconds)} after start · best frame ${pct(label.confidence)}%`,
               alt: `The best frame of the ${label.name} session` };
    case "stream.face_matched": {
      const m = ev.match || {};
      const who = m.user_id || m.external_image_id || m.face_id;
      return { title: `Face matched: ${who}`,
               detail: `similarity ${pct(m.similarity)}% · collection “${m.collection}” · ${secs(ev.frame_offset_seconds)} after start`,
               alt: `The frame where ${who} was recognised` };
    }
    case "stream.stopped":
      return { title: ev.status === "FAILED" ? "Failed" : "Stopped", detail: ev.message || "", alt: "" };
    default:
      return { title: e.type, detail: "", alt: `The frame of ${e.type}` };
  }
}

function eventItem(e) {
  const d = describe(e);
  const stamp = new Date(e.time * 1000);
  const li = h("li", { class: "event", dataset: { id: e.id, type: e.type } });
  if (e.frame_url) {
    const img = h("img", { class: "frame", alt: d.alt, width: "160", height: "120", decoding: "async" });
    showImage(img, e.frame_url).catch(() => { img.alt = `${d.alt} (could not be loaded)`; });
    li.append(h("span", { class: "thumb" }, img, boxOver(e.event || {})));
  } else {
    li.append(h("span", { class: "frame none", "aria-hidden": "true" }));
  }
  li.append(h("div", { class: "what" },
    h("time", { datetime: stamp.toISOString() }, stamp.toLocaleString()),
    h("strong", { class: "title" }, d.title), h("span", { class: "detail muted" }, d.detail)));
  return li;
}

const SVG = "http://www.w3.org/2000/svg";

/** The box of what was seen (Rekognition's ratio BoundingBox), over the thumbnail in the frame's own ratios. */
function boxOver(ev) {
  const box = (ev.label || {}).box || (ev.face || {}).box;
  if (!box) return null;
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 1 1");
  svg.setAttribute("preserveAspectRatio", "none");
  svg.setAttribute("aria-hidden", "true");
  for (const cls of ["edge", "mark"]) {
    const r = document.createElementNS(SVG, "rect");
    const at = { x: box.Left, y: box.Top, width: box.Width, height: box.Height };
    for (const [k, v] of Object.entries(at)) r.setAttribute(k, String(v));
    r.setAttribute("class", cls);
    svg.append(r);
  }
  return svg;
}

function dropItem(li) {
  const img = li.querySelector("img");
  if (img && img.src.startsWith("blob:")) URL.revokeObjectURL(img.src);
}

// -- a processor's card -------------------------------------------------------------------------------------

function fact(dl, term) {
  const dd = h("dd");
  dl.append(h("dt", {}, term), dd);
  return dd;
}

function makeCard(p) {
  const title = `proc-${p.id}`;
  const dl = h("dl", { class: "facts" });
  const parts = {
    status: h("span", { class: "badge" }), mode: fact(dl, "Mode"), source: fact(dl, "Source"),
    worker: fact(dl, "Worker"), message_dd: fact(dl, "Status message"), where: fact(dl, "Account"),
  };
  parts.start = h("button", { type: "button", class: "primary", onclick: () => start(p.id) }, "Start");
  parts.stop = h("button", { type: "button", class: "danger", onclick: () => stop(p.id) }, "Stop");
  parts.start.setAttribute("aria-label", `Start ${p.name}`);
  parts.stop.setAttribute("aria-label", `Stop ${p.name}`);
  const controls = h("div", { class: "row controls" });
  if (p.mode === "connected_home") {
    parts.duration = h("input", { id: `dur-${p.id}`, type: "number", min: "1", max: "120", value: "60", inputmode: "numeric",
                                  class: "duration" });
    controls.append(h("label", { for: `dur-${p.id}` }, "Stop after (seconds)"), parts.duration);
  }
  controls.append(parts.start, parts.stop);
  parts.list = h("ol", { class: "events", "aria-label": `Last events of ${p.name}` });
  parts.none = h("p", { class: "muted" }, "No event yet: they appear here as the camera sees people, pets or known faces.");
  parts.more = h("button", { type: "button", "aria-pressed": "false", onclick: () => toggleLong(p.id) },
    "Show the last 100");
  const el = h("article", { class: "card processor", "aria-labelledby": title, dataset: { id: p.id, name: p.name } },
    h("div", { class: "row head" }, h("h3", { id: title }, p.name), parts.status),
    dl, controls,
    h("div", { class: "row head" }, h("h4", {}, "Last events"), parts.more),
    parts.none, parts.list);
  return { el, parts, events: new Map(), long: false, status: null };
}

function disable(button, off, why) {
  // aria-disabled rather than disabled: the button keeps its place in the tab order (and the focus stays on it
  // when its processor changes state), and says why when pressed
  button.setAttribute("aria-disabled", off ? "true" : "false");
  button.title = off ? why : "";
}

function fillCard(card, p) {
  const { parts } = card;
  parts.status.textContent = p.status;
  parts.status.className = `badge status-${p.status.toLowerCase()}`;
  card.el.dataset.status = p.status;
  parts.mode.textContent = modeText(p);
  parts.source.replaceChildren(p.source ? h("span", { class: "url" }, p.source)
    : h("span", { class: "error" }, "none registered"), h("br"), h("small", { class: "muted arn" }, p.input_arn));
  parts.worker.textContent = p.owner || "none";
  parts.message_dd.textContent = p.status_message || "—";
  parts.where.textContent = `${p.account} · ${p.region}`;
  disable(parts.start, !CAN_START.has(p.status), `${p.name} is ${p.status}: it starts when STOPPED or FAILED`);
  disable(parts.stop, !CAN_STOP.has(p.status), `${p.name} is ${p.status}: only a running processor stops`);
  if (card.status && card.status !== p.status) say(`${p.name} is now ${p.status}${p.status_message ? `: ${p.status_message}` : ""}`,
                                                   p.status === "FAILED");
  card.status = p.status;
}

function fillEvents(card, list) {
  const seen = new Set(list.map((e) => e.id));
  for (const [id, li] of card.events) {
    if (!seen.has(id)) { dropItem(li); card.events.delete(id); }
  }
  const items = list.map((e) => {
    if (!card.events.has(e.id)) card.events.set(e.id, eventItem(e));
    return card.events.get(e.id);
  });
  const now = [...card.parts.list.children];
  if (now.length !== items.length || now.some((li, i) => li !== items[i])) card.parts.list.replaceChildren(...items);
  card.parts.none.hidden = items.length > 0;
}

// -- polling ----------------------------------------------------------------------------------------------

async function refresh() {
  if (busy) {
    again = true;
    return;
  }
  busy = true;
  again = false;
  try {
    const [procs, srcs] = await Promise.all([api("/v1/streams/processors"), api("/v1/streams/sources")]);
    sources = srcs.data;
    const ids = new Set(procs.data.map((p) => p.id));
    for (const [id, card] of cards) {
      if (!ids.has(id)) { card.events.forEach(dropItem); card.el.remove(); cards.delete(id); }
    }
    procs.data.forEach((p) => {
      if (!cards.has(p.id)) cards.set(p.id, makeCard(p));
      fillCard(cards.get(p.id), p);
    });
    const order = procs.data.map((p) => cards.get(p.id).el);
    const box = $("processors");
    if (box.children.length !== order.length || [...box.children].some((el, i) => el !== order[i])) box.append(...order);
    $("empty").hidden = procs.count > 0;
    const lists = await Promise.all(procs.data.map((p) =>
      api(`/v1/streams/processors/${p.id}/events?limit=${cards.get(p.id).long ? 100 : SHORT}`).catch(() => null)));
    procs.data.forEach((p, i) => { if (lists[i] && cards.has(p.id)) fillEvents(cards.get(p.id), lists[i].data); });
    showSources(procs.data);
    $("refreshed").textContent = `Updated ${new Date().toLocaleTimeString()}`;
    document.body.dataset.state = "loaded";
  } catch (e) {
    say(`Could not read the processors: ${e.message}`, true);
  } finally {
    busy = false;
  }
  if (again) refresh();
  else schedule();
}

function schedule() {
  clearTimeout(timer);
  timer = null;
  if (!$("auto").checked || document.hidden) return;
  const changing = [...cards.values()].some((c) => CHANGING.has(c.status));
  timer = setTimeout(refresh, changing ? FAST_MS : SLOW_MS);
}

// -- actions ------------------------------------------------------------------------------------------------

async function start(id) {
  const card = cards.get(id);
  if (card.parts.start.getAttribute("aria-disabled") === "true") { say(card.parts.start.title, true); return; }
  const body = {};
  if (card.parts.duration) {
    const n = Number(card.parts.duration.value);
    if (!Number.isInteger(n) || n < 1 || n > 120) {
      say("Stop after: a whole number of seconds from 1 to 120 (Rekognition's MaxDurationInSeconds).", true);
      card.parts.duration.focus();
      return;
    }
    body.max_duration_seconds = n;
  }
  try {
    const p = await api(`/v1/streams/processors/${id}/start`, { method: "POST", json: body });
    fillCard(card, p);
    say(`Starting ${p.name}.`);
  } catch (e) {
    say(`Could not start ${card.el.dataset.name}: ${e.message}`, true);
  }
  refresh();
}

async function stop(id) {
  const card = cards.get(id);
  if (card.parts.stop.getAttribute("aria-disabled") === "true") { say(card.parts.stop.title, true); return; }
  try {
    const p = await api(`/v1/streams/processors/${id}/stop`, { method: "POST" });
    fillCard(card, p);
    say(`Stopping ${p.name}.`);
  } catch (e) {
    say(`Could not stop ${card.el.dataset.name}: ${e.message}`, true);
  }
  refresh();
}

function toggleLong(id) {
  const card = cards.get(id);
  card.long = !card.long;
  card.parts.more.setAttribute("aria-pressed", String(card.long));
  refresh();
}

// -- sources ------------------------------------------------------------------------------------------------

function showSources(procs) {
  const rows = sources.map((s) => {
    const users = procs.filter((p) => p.input_arn === s.stream_arn).map((p) => p.name);
    return h("tr", { dataset: { arn: s.stream_arn } }, h("td", { class: "arn" }, s.stream_arn), h("td", { class: "url" }, s.url),
      h("td", {}, users.join(", ") || "—"),
      h("td", {}, h("button", { type: "button", class: "danger", "aria-label": `Remove the source of ${s.stream_arn}`,
                                onclick: () => removeSource(s.stream_arn) }, "Remove")));
  });
  const body = $("sources");
  const focused = body.contains(document.activeElement) ? document.activeElement.closest("tr")?.dataset.arn : null;
  body.replaceChildren(...rows);
  if (!rows.length) body.replaceChildren(h("tr", {}, h("td", { colspan: "4", class: "muted" }, "No camera registered yet.")));
  if (focused) body.querySelector(`tr[data-arn="${CSS.escape(focused)}"] button`)?.focus();
}

async function removeSource(arn) {
  try {
    await api(`/v1/streams/sources?stream_arn=${encodeURIComponent(arn)}`, { method: "DELETE" });
    say(`Removed the source of ${arn}.`);
    $("source-arn").focus();
  } catch (e) {
    // listed but not registered here: it comes from the OCULI_STREAM_SOURCES setting
    say(e.status === 404 ? `The source of ${arn} is set by OCULI_STREAM_SOURCES in the server's settings: remove it there.`
      : `Could not remove it: ${e.message}`, true);
  }
  refresh();
}

$("source-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const body = { stream_arn: $("source-arn").value.trim(), url: $("source-url").value.trim() };
  try {
    const s = await api("/v1/streams/sources", { method: "PUT", json: body });
    say(`Added ${s.url} for ${s.stream_arn}.`);
    $("source-arn").value = "";
    $("source-url").value = "";
  } catch (err) {
    say(`Could not add the source: ${err.message}`, true);
  }
  refresh();
});

$("refresh").addEventListener("click", refresh);
$("auto").addEventListener("change", () => ($("auto").checked ? refresh() : schedule()));
document.addEventListener("visibilitychange", () => (document.hidden ? schedule() : refresh()));
document.addEventListener("oculi:signin", refresh);

$("example").textContent = `import boto3
rk = boto3.client("rekognition", endpoint_url="${location.origin}", region_name="us-east-1")
rk.create_stream_processor(
    Name="porch", RoleArn="arn:aws:iam::111122223333:role/any",
    Input={"KinesisVideoStream": {"Arn": "arn:aws:kinesisvideo:us-east-1:111122223333:stream/porch/1"}},
    Output={"S3Destination": {"Bucket": "porch-frames"}},
    NotificationChannel={"SNSTopicArn": "arn:aws:sns:us-east-1:111122223333:porch"},
    Settings={"ConnectedHome": {"Labels": ["PERSON", "PET"], "MinConfidence": 60}})`;

refresh();
