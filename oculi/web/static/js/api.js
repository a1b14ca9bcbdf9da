// The REST API (/v1) from the pages: one fetch wrapper, the API key (sessionStorage, sent as X-Api-Key, never in
// a URL), errors turned into messages a person can act on, and images fetched with the key as blob URLs.

const KEY = "oculi.apiKey";

export class ApiError extends Error {
  constructor(status, error, message) {
    super(message);
    this.status = status;
    this.error = error;
  }
}

export const apiKey = () => sessionStorage.getItem(KEY);
export const setApiKey = (key) => (key ? sessionStorage.setItem(KEY, key) : sessionStorage.removeItem(KEY));

let signingIn = null; // one sign-in dialog for every request that got a 401

function askForKey(message) {
  if (signingIn) return signingIn;
  signingIn = new Promise((resolve) => {
    const dlg = document.createElement("dialog");
    dlg.setAttribute("aria-labelledby", "signin-title");
    const form = document.createElement("form");
    form.method = "dialog";
    const h = document.createElement("h2");
    h.id = "signin-title";
    h.textContent = "Sign in";
    const p = document.createElement("p");
    p.textContent = message || "This Oculi asks for an API key (one of OCULI_API_KEYS).";
    const label = document.createElement("label");
    label.className = "field";
    label.textContent = "API key";
    const input = document.createElement("input");
    input.type = "password";
    input.name = "key";
    input.required = true;
    input.autocomplete = "current-password";
    label.append(input);
    const ok = document.createElement("button");
    ok.className = "primary";
    ok.textContent = "Sign in";
    const row = document.createElement("p");
    row.append(ok);
    form.append(h, p, label, row);
    dlg.append(form);
    document.body.append(dlg);
    dlg.addEventListener("close", () => {
      setApiKey(input.value.trim());
      dlg.remove();
      signingIn = null;
      document.dispatchEvent(new CustomEvent("oculi:signin"));
      resolve();
    });
    dlg.showModal();
    input.focus();
  });
  return signingIn;
}

async function send(path, opts) {
  const headers = new Headers(opts.headers || {});
  const key = apiKey();
  if (key) headers.set("X-Api-Key", key);
  let body = opts.body;
  if (opts.json !== undefined) {
    headers.set("Content-Type", "application/json");
    body = JSON.stringify(opts.json);
  }
  return fetch(path, { method: opts.method || "GET", headers, body, signal: opts.signal });
}

/** fetch a /v1 path; answers the parsed JSON (null for 204); throws ApiError with the server's message. */
export async function api(path, opts = {}) {
  let res = await send(path, opts);
  for (let tries = 0; res.status === 401 && tries < 3; tries++) {
    await askForKey(tries ? "That key was refused. Try again." : null);
    res = await send(path, opts);
  }
  if (res.status === 204) return null;
  const type = res.headers.get("content-type") || "";
  const data = type.includes("json") ? await res.json() : await res.blob();
  if (!res.ok) {
    let message = `${res.status} ${res.statusText}`;
    if (data && data.message) message = data.message;
    else if (data && Array.isArray(data.detail)) {
      message = data.detail.map((d) => `${(d.loc || []).slice(1).join(".")}: ${d.msg}`).join("; ");
    }
    throw new ApiError(res.status, (data && data.error) || "HTTPError", message);
  }
  return data;
}

/** An object URL for an image behind the API key (an <img src> cannot send the header). */
export async function blobUrl(path) {
  const blob = await api(path);
  return URL.createObjectURL(blob);
}

/** Show an image from the API: a plain src when no key is needed (cacheable, lazy), else a blob URL. */
export async function showImage(img, path) {
  if (!apiKey()) {
    img.src = path;
    return;
  }
  img.src = await blobUrl(path);
}

export function form(fields) {
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined || v === null) continue;
    if (Array.isArray(v)) v.forEach((x) => fd.append(k, x));
    else fd.append(k, v);
  }
  return fd;
}

export const signIn = () => askForKey();
