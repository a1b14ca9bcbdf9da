// Gallery: thumbnails of stored images, every filter of GET /v1/images kept in the page's URL (bookmarkable),
// one API page at a time as the person scrolls (next_cursor), with a button for those who do not scroll.
import { api, showImage } from "./api.js";
import { h } from "./results.js";

const $ = (id) => document.getElementById(id);
const filters = $("filters");
const grid = $("grid");
const PAGE = Number(new URLSearchParams(location.search).get("limit")) || 48; // ?limit= : the page size
let cursor = null;
let loading = false;
let done = false;
let generation = 0;
let total = 0;

const dayStart = (d) => new Date(`${d}T00:00:00`).getTime() / 1000;

/** The API query for the page's URL query (dates are local days; tags are comma-separated in the page). */
export function apiQuery(params) {
  const q = new URLSearchParams();
  for (const [k, v] of params) {
    if (!v) continue;
    if (k === "since") q.set("since", String(dayStart(v)));
    else if (k === "until") q.set("until", String(dayStart(v) + 86400));
    else if (k === "tag") v.split(",").map((t) => t.trim()).filter(Boolean).forEach((t) => q.append("tag", t));
    else q.set(k, v);
  }
  return q;
}

function fillForm(params) {
  for (const input of filters.elements) {
    if (input.name) input.value = params.get(input.name) || (input.tagName === "SELECT" ? input.options[0].value : "");
  }
}

function say(text, error = false) {
  $("status").textContent = text;
  $("status").className = error ? "error" : "muted";
}

/** A grid tile. `early`: made for the next page before it is shown; its thumbnail loads at once (not lazily, it
 * is not in the page yet) at low priority, behind the thumbnails of the page being looked at. */
function tile(img, early = false) {
  const thumb = h("img", { alt: img.filename, loading: early ? "eager" : "lazy", decoding: "async", width: "150",
                           height: "150", fetchpriority: early ? "low" : null });
  showImage(thumb, `/v1/images/${img.id}/thumbnail`).catch(() => { thumb.alt = `${img.filename} (no thumbnail)`; });
  return h("li", { dataset: { id: img.id } }, h("a", { href: `/images/${img.id}`, title: img.filename }, thumb));
}

let ahead = null; // { cursor, promise }: the next page, list and tiles, asked for as soon as the previous one is shown

function fetchPage(after) {
  const q = apiQuery(new URLSearchParams(location.search));
  q.set("limit", String(PAGE));
  if (after) q.set("cursor", after);
  return api(`/v1/images?${q}`);
}

/** A page of the API's cursor and its tiles; `early`: for later (see tile), made once `ready` resolves. */
async function prepare(after, early, ready = null) {
  const page = await fetchPage(after);
  if (ready) await ready;
  return { page, tiles: page.data.map((img) => tile(img, early)) };
}

/** Resolves once these tiles' thumbnails are in (or failed), or after `ms` (a lazy one far below may never load):
 * the next page's thumbnails then take the connections the page being looked at no longer needs. */
function loaded(tiles, ms = 1500) {
  const each = tiles.map((t) => {
    const img = t.querySelector("img");
    return img.complete ? null : new Promise((resolve) => {
      img.addEventListener("load", resolve, { once: true });
      img.addEventListener("error", resolve, { once: true });
    });
  }).filter(Boolean);
  return Promise.race([Promise.all(each), new Promise((resolve) => setTimeout(resolve, ms))]);
}

async function more() {
  if (loading || done) return;
  loading = true;
  const mine = generation;
  try {
    const { page, tiles } = await (ahead && ahead.cursor === cursor ? ahead.promise : prepare(cursor, false));
    ahead = null;
    if (mine !== generation) return;
    tiles.forEach((t) => t.querySelector("img").removeAttribute("fetchpriority")); // shown now: as any other
    grid.append(...tiles);
    total += page.count;
    cursor = page.next_cursor;
    done = !cursor;
    // the next page's list, and its thumbnails, are on their way before the person gets there
    if (cursor) {
      const promise = prepare(cursor, true, loaded(tiles));
      promise.catch(() => {}); // a failure is told when the person gets there (more() awaits it again)
      ahead = { cursor, promise };
    }
    grid.dataset.pages = String(Number(grid.dataset.pages || 0) + 1);
    say(total ? `${total} photo${total === 1 ? "" : "s"}${done ? "" : " so far, scroll for more"}.`
              : "No photo matches. Store some from the Analyze page, or loosen the filters.");
    $("load-more").hidden = done;
  } catch (e) {
    say(`Could not list the photos: ${e.message}`, true);
  } finally {
    loading = false;
  }
  if (!done && mine === generation && $("more").getBoundingClientRect().top < innerHeight + 400) more();
}

function reset() {
  generation += 1;
  ahead = null;
  cursor = null;
  done = false;
  loading = false;
  total = 0;
  grid.replaceChildren();
  grid.dataset.pages = "0";
  more();
}

filters.addEventListener("submit", (e) => {
  e.preventDefault();
  const params = new URLSearchParams();
  for (const input of filters.elements) {
    if (input.name && input.value && !(input.name === "order" && input.value === "newest")) params.set(input.name, input.value);
  }
  const url = params.toString() ? `/gallery?${params}` : "/gallery";
  history.pushState(null, "", url);
  reset();
});
window.addEventListener("popstate", () => { fillForm(new URLSearchParams(location.search)); reset(); });

const button = h("button", { type: "button", id: "load-more", hidden: true, onclick: () => more() }, "Load more");
$("more").after(button);
new IntersectionObserver((entries) => { if (entries.some((e) => e.isIntersecting)) more(); },
                         { rootMargin: "400px" }).observe($("more"));
fillForm(new URLSearchParams(location.search));
reset();
