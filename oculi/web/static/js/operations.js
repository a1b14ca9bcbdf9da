// Operations: service health, jobs by state (retry a failed one), webhooks (add, delete, deliveries, replay) and
// the model pack (each model, package, version, licence, present or missing).
import { api } from "./api.js";
import { h } from "./results.js";

const $ = (id) => document.getElementById(id);
const when = (t) => new Date(t * 1000).toLocaleString();

function say(text, error = false) {
  $("status").textContent = text;
  $("status").className = error ? "error" : "muted";
}

async function health() {
  try {
    const hl = await api("/v1/health");
    const jobs = Object.entries(hl.jobs).map(([k, v]) => `${v} ${k}`).join(", ");
    $("health").textContent = `${hl.status === "ok" ? "Healthy" : `Unhealthy: ${hl.status} (${hl.missing.join(", ")})`}` +
      ` · queue depth ${hl.queue_depth} · jobs: ${jobs}`;
    $("health").className = hl.status === "ok" ? "ok" : "error";
  } catch (e) {
    $("health").textContent = `Could not reach the service: ${e.message}`;
    $("health").className = "error";
  }
}

async function jobs() {
  const state = $("job-state").value;
  try {
    const list = await api(`/v1/jobs?limit=100${state ? `&state=${state}` : ""}`);
    $("jobs").replaceChildren(...list.data.map((j) => h("tr", { dataset: { job: j.id } },
      h("td", {}, j.id.slice(0, 8)), h("td", {}, `${j.kind} ${j.ref.slice(0, 8)}`), h("td", {}, j.state),
      h("td", {}, String(j.attempts)), h("td", {}, j.last_error || ""), h("td", {}, when(j.updated_at)),
      h("td", {}, j.state === "failed" ? h("button", { type: "button", "aria-label": `Retry job ${j.id.slice(0, 8)}`,
                                                       onclick: () => retry(j.id) }, "Retry") : ""))));
    if (!list.count) $("jobs").replaceChildren(h("tr", {}, h("td", { colspan: "7", class: "muted" }, `No ${state || ""} job.`)));
  } catch (e) {
    say(`Could not list the jobs: ${e.message}`, true);
  }
}

async function retry(id) {
  try {
    await api(`/v1/jobs/${id}/retry`, { method: "POST" });
    say(`Job ${id.slice(0, 8)} queued again.`);
    jobs();
    health();
  } catch (e) {
    say(`Could not retry: ${e.message}`, true);
  }
}

async function hooks() {
  try {
    const list = await api("/v1/webhooks");
    $("hooks").replaceChildren(...list.data.map((w) => h("tr", { dataset: { hook: w.id } },
      h("td", {}, w.url), h("td", {}, w.events.join(", ")), h("td", {}, w.format),
      h("td", { class: "row" },
        h("button", { type: "button", "aria-label": `Deliveries of ${w.url}`, onclick: () => deliveries(w) }, "Deliveries"),
        h("button", { type: "button", class: "danger", "aria-label": `Delete webhook ${w.url}`, onclick: () => dropHook(w) },
          "Delete")))));
    if (!list.count) $("hooks").replaceChildren(h("tr", {}, h("td", { colspan: "4", class: "muted" }, "No webhook yet.")));
  } catch (e) {
    say(`Could not list the webhooks: ${e.message}`, true);
  }
}

async function deliveries(w) {
  try {
    const list = await api(`/v1/webhooks/${w.id}/deliveries`);
    const rows = list.data.map((d) => {
      const last = d.history[d.history.length - 1];
      return h("tr", { dataset: { delivery: d.id } }, h("td", {}, d.event), h("td", {}, d.state), h("td", {}, String(d.attempts)),
        h("td", {}, last ? (last.status_code ? `HTTP ${last.status_code}` : last.error || "") : ""), h("td", {}, when(d.created_at)),
        h("td", {}, h("button", { type: "button", "aria-label": `Replay delivery ${d.id.slice(0, 8)}`,
                                   onclick: () => replay(w, d) }, "Replay")));
    });
    $("deliveries").replaceChildren(h("h3", {}, `Deliveries to ${w.url}`), h("div", {
      class: "scroll", tabindex: "0", role: "region", "aria-label": "Deliveries" }, h("table", {},
      h("caption", { class: "visually-hidden" }, "Deliveries"),
      h("thead", {}, h("tr", {}, ["Event", "State", "Attempts", "Last answer", "Created", ""].map((x) =>
        h("th", { scope: "col" }, x || h("span", { class: "visually-hidden" }, "Actions"))))),
      h("tbody", {}, rows.length ? rows : h("tr", {}, h("td", { colspan: "6", class: "muted" }, "No delivery yet."))))));
  } catch (e) {
    say(`Could not list the deliveries: ${e.message}`, true);
  }
}

async function replay(w, d) {
  try {
    await api(`/v1/webhooks/${w.id}/deliveries/${d.id}/replay`, { method: "POST" });
    say("Delivery queued again.");
    deliveries(w);
  } catch (e) {
    say(`Could not replay: ${e.message}`, true);
  }
}

async function dropHook(w) {
  try {
    await api(`/v1/webhooks/${w.id}`, { method: "DELETE" });
    say(`Deleted the webhook to ${w.url}.`);
    $("deliveries").replaceChildren();
    hooks();
  } catch (e) {
    say(`Could not delete: ${e.message}`, true);
  }
}

async function models() {
  try {
    const list = await api("/v1/models");
    $("models").replaceChildren(...list.data.map((m) => h("tr", {}, h("td", {}, m.task), h("td", {}, m.model),
      h("td", {}, `${m.package} ${m.version}`), h("td", {}, m.runtime), h("td", {}, m.licence),
      h("td", { class: m.present || !m.enabled ? "" : "error" },
        m.enabled ? (m.present ? "present" : "missing") : "optional, off"))));
  } catch (e) {
    say(`Could not list the models: ${e.message}`, true);
  }
}

$("hook-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  try {
    const hook = await api("/v1/webhooks", { method: "POST", json: {
      url: $("hook-url").value.trim(), format: $("hook-format").value,
      events: $("hook-events").value.split(",").map((x) => x.trim()).filter(Boolean) } });
    $("hook-secret").textContent = `Added. Its signing secret (shown once): ${hook.secret}`;
    $("hook-url").value = "";
    hooks();
  } catch (err) {
    say(`Could not add the webhook: ${err.message}`, true);
  }
});
$("job-state").addEventListener("change", jobs);

health();
jobs();
hooks();
models();
