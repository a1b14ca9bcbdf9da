// The photo with its drawn layers and the controls above it: layer switches, a confidence slider that filters
// at once (no new request), and the moderation veil over a flagged photo until the person reveals it.
import { drawResult, filterByConfidence, link, showLayer } from "./draw.js";
import { h, renderTabs } from "./results.js";

export function buildStage(stage) {
  stage.replaceChildren();
  const img = h("img", { alt: "The photo being analysed" });
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  stage.append(img, svg);
  return { img, svg };
}

export function buildToolbar(toolbar, svg, tabsRoot) {
  toolbar.replaceChildren();
  for (const [layer, text] of [["objects", "Objects"], ["faces", "Faces"], ["text", "Text"]]) {
    const box = h("input", { type: "checkbox", checked: true, id: `layer-${layer}`, dataset: { layer } });
    box.addEventListener("change", () => showLayer(svg, layer, box.checked));
    toolbar.append(h("label", {}, box, `${text}`));
  }
  const out = h("output", { id: "min-confidence-value", for: "min-confidence" }, "0");
  const slider = h("input", { type: "range", id: "min-confidence", min: "0", max: "100", step: "1", value: "0" });
  const apply = () => {
    out.textContent = slider.value;
    filterByConfidence(svg, Number(slider.value));
    filterByConfidence(tabsRoot, Number(slider.value));
  };
  slider.addEventListener("input", apply);
  toolbar.append(h("label", { for: "min-confidence" }, "Minimum confidence"), slider, out, h("span", {}, "%"));
  return { slider, apply };
}

/** Show `result` over the image at `src`; `code`: the snippets for the Code tab (or null). */
export function showResult({ stage, toolbar, tabsRoot, src, result, code }) {
  const { img, svg } = stage.querySelector("img") ? { img: stage.querySelector("img"), svg: stage.querySelector("svg") }
                                                : buildStage(stage);
  if (src && img.getAttribute("src") !== src) img.src = src;
  const { width, height } = result.image;
  drawResult(svg, result, width, height);
  renderTabs(tabsRoot, result, code);
  link(svg, tabsRoot);
  const controls = buildToolbar(toolbar, svg, tabsRoot);
  controls.apply();
  toolbar.hidden = false;
  stage.hidden = false;
  stage.querySelectorAll(".veil").forEach((v) => v.remove());
  stage.classList.remove("blurred");
  const flagged = (result.moderation || []).filter((m) => m.confidence >= 50);
  if (flagged.length) {
    stage.classList.add("blurred");
    svg.toggleAttribute("hidden", true);
    const reveal = h("button", { type: "button", class: "primary" }, "Show the photo");
    const veil = h("div", { class: "veil" }, h("strong", {}, "This photo may be sensitive"),
      h("span", {}, flagged.map((m) => `${m.name} (${Math.round(m.confidence)}%)`).join(", ")), reveal);
    reveal.addEventListener("click", () => {
      stage.classList.remove("blurred");
      svg.toggleAttribute("hidden", false);
      veil.remove();
    });
    stage.append(veil);
  } else {
    svg.toggleAttribute("hidden", false);
  }
  return { img, svg };
}
