// The top bar of every page (Analyze · Compare · Gallery · People · Door · Streams · Operations) and the sign-in
// state.
import { apiKey, setApiKey } from "./api.js";

const LINKS = [
  ["/", "Analyze"], ["/compare", "Compare"], ["/gallery", "Gallery"], ["/people", "People"], ["/door", "Door"],
  ["/streams", "Streams"], ["/operations", "Operations"],
];

function current(href) {
  const here = location.pathname;
  if (href === "/") return here === "/";
  if (href === "/gallery") return here === "/gallery" || here.startsWith("/images/");
  return here === href || here.startsWith(href + "/");
}

function signState(box) {
  box.replaceChildren();
  const status = document.createElement("span");
  const button = document.createElement("button");
  if (apiKey()) {
    status.textContent = "Signed in";
    button.textContent = "Sign out";
    button.addEventListener("click", () => { setApiKey(null); location.reload(); });
  } else {
    return; // open service, or not signed in yet: the first refused request asks for the key
  }
  box.append(status, button);
}

export function mountShell() {
  const header = document.querySelector("header.top");
  if (!header) return;
  const skip = document.createElement("a");
  skip.className = "skip";
  skip.href = "#main";
  skip.textContent = "Skip to content";
  const brand = document.createElement("a");
  brand.className = "brand";
  brand.href = "/";
  brand.textContent = "Oculi";
  const nav = document.createElement("nav");
  nav.setAttribute("aria-label", "Pages");
  const ul = document.createElement("ul");
  for (const [href, text] of LINKS) {
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.href = href;
    a.textContent = text;
    if (current(href)) a.setAttribute("aria-current", "page");
    li.append(a);
    ul.append(li);
  }
  nav.append(ul);
  const sign = document.createElement("div");
  sign.className = "signin";
  header.replaceChildren(skip, brand, nav, sign);
  signState(sign);
  document.addEventListener("oculi:signin", () => signState(sign));
}

mountShell();
