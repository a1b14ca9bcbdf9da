// Accessible tabs (WAI-ARIA tabs pattern): arrow keys move between tabs, Home/End jump, one tab in the tab order.

export function makeTabs(root, names) {
  const list = document.createElement("div");
  list.setAttribute("role", "tablist");
  list.setAttribute("aria-label", root.dataset.label || "Results");
  const panels = {};
  const tabs = names.map(([id, title], i) => {
    const tab = document.createElement("button");
    tab.type = "button";
    tab.setAttribute("role", "tab");
    tab.id = `tab-${id}`;
    tab.textContent = title;
    tab.setAttribute("aria-controls", `panel-${id}`);
    const panel = document.createElement("div");
    panel.setAttribute("role", "tabpanel");
    panel.id = `panel-${id}`;
    panel.setAttribute("aria-labelledby", tab.id);
    panel.tabIndex = 0;
    panels[id] = panel;
    tab.addEventListener("click", () => choose(i));
    list.append(tab);
    return tab;
  });
  function choose(index, focus = false) {
    tabs.forEach((t, i) => {
      const on = i === index;
      t.setAttribute("aria-selected", String(on));
      t.tabIndex = on ? 0 : -1;
      panels[names[i][0]].hidden = !on;
    });
    if (focus) tabs[index].focus();
  }
  list.addEventListener("keydown", (e) => {
    const i = tabs.indexOf(document.activeElement);
    if (i < 0) return;
    const next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[e.key];
    if (next === undefined) return;
    e.preventDefault();
    choose((next + tabs.length) % tabs.length, true);
  });
  root.replaceChildren(list, ...Object.values(panels));
  choose(0);
  return { panels, choose: (id) => choose(names.findIndex(([n]) => n === id)) };
}
