// People: the face collections with their face and user counts; create one, delete one (after confirmation).
import { api } from "./api.js";
import { h } from "./results.js";

const $ = (id) => document.getElementById(id);

function say(text, error = false) {
  $("status").textContent = text;
  $("status").className = error ? "error" : "muted";
}

async function load() {
  try {
    const cols = await api("/v1/collections");
    $("rows").replaceChildren(...cols.data.map((c) => h("tr", { dataset: { name: c.name } },
      h("td", {}, h("a", { href: `/people/${encodeURIComponent(c.name)}` }, c.name)),
      h("td", {}, String(c.face_count)), h("td", {}, String(c.user_count)),
      h("td", {}, new Date(c.created_at * 1000).toLocaleString()),
      h("td", {}, h("button", { type: "button", class: "danger", "aria-label": `Delete ${c.name}`,
                                onclick: () => ask(c) }, "Delete…")))));
    if (!cols.count) say("No collection yet. Create one (for example “employees” and “visitors”), then enrol people.");
  } catch (e) {
    say(`Could not list the collections: ${e.message}`, true);
  }
}

let pending = null;
function ask(c) {
  pending = c.name;
  $("confirm-text").textContent = `“${c.name}” and its ${c.face_count} faces and ${c.user_count} users are removed for good.`;
  $("confirm").showModal();
}
$("confirm").addEventListener("close", async () => {
  if ($("confirm").returnValue !== "delete" || !pending) return;
  try {
    await api(`/v1/collections/${encodeURIComponent(pending)}`, { method: "DELETE" });
    say(`Deleted ${pending}.`);
    load();
  } catch (e) {
    say(`Could not delete: ${e.message}`, true);
  }
});

$("create").addEventListener("submit", async (e) => {
  e.preventDefault();
  const name = $("name").value.trim();
  try {
    await api("/v1/collections", { method: "POST", json: { name } });
    $("name").value = "";
    say(`Created ${name}.`);
    load();
  } catch (err) {
    say(`Could not create it: ${err.message}`, true);
  }
});

load();
