// The graph view of the dashboards (anywidget ES module, no build step): the SVG is
// drawn once; per step only CSS classes and a few texts change. A zoom bar offers
// fit width / - / 100% / +, and the box scrolls to keep the current node in sight.
// A click on a backward node (grad_fn or AccumulateGrad) sets the `selected` trait.
function render({ model, el }) {
  el.classList.add("agnb-graphview");
  const bar = document.createElement("div");
  bar.className = "agnb-zoom";
  bar.style.cssText = "font-size:11px;margin:2px 0";
  const box = document.createElement("div");
  box.className = "agnb-graph-scroll";
  box.style.cssText = "max-width:100%;max-height:" + model.get("max_height") + "px;overflow:auto";
  el.appendChild(bar);
  el.appendChild(box);
  let index = new Map();
  let applied = [];
  let original = new Map();
  let natural = [0, 0];
  let zoom = 1;
  const label = document.createElement("span");
  function button(text, title, fn) {
    const b = document.createElement("button");
    b.textContent = text;
    b.title = title;
    b.addEventListener("click", fn);
    bar.appendChild(b);
    return b;
  }
  function setZoom(z) {
    zoom = Math.max(0.1, Math.min(3, z));
    const svg = box.querySelector("svg");
    if (svg && natural[0]) {
      svg.setAttribute("width", String(natural[0] * zoom));
      svg.setAttribute("height", String(natural[1] * zoom));
    }
    label.textContent = " zoom " + Math.round(zoom * 100) + "%";
    el.dataset.zoom = String(zoom);
    follow();
  }
  button("fit width", "shrink the picture to the width of the box", () =>
    setZoom(Math.min(1, (box.clientWidth - 4) / (natural[0] || 1))));
  button("−", "zoom out", () => setZoom(zoom / 1.25));
  button("100%", "actual size", () => setZoom(1));
  button("+", "zoom in", () => setZoom(zoom * 1.25));
  bar.appendChild(label);
  function draw() {
    box.innerHTML = model.get("svg");
    index = new Map();
    original = new Map();
    const prefix = model.get("prefix");
    for (const node of box.querySelectorAll("[id]")) {
      if (node.id.startsWith(prefix)) index.set(node.id.slice(prefix.length), node);
    }
    const svg = box.querySelector("svg");
    natural = svg ? [parseFloat(svg.getAttribute("width")), parseFloat(svg.getAttribute("height"))] : [0, 0];
    applied = [];
    paint();
    setZoom(zoom);
  }
  function follow() {
    // keep the current node (or the leaf just updated) inside the scroll box
    const node = box.querySelector("g.ag-current") || box.querySelector("g.ag-updated");
    if (!node) return;
    const r = node.getBoundingClientRect(), b = box.getBoundingClientRect();
    if (r.top < b.top || r.bottom > b.bottom)
      box.scrollTop += (r.top + r.bottom) / 2 - (b.top + b.bottom) / 2;
    if (r.left < b.left || r.right > b.right)
      box.scrollLeft += (r.left + r.right) / 2 - (b.left + b.right) / 2;
  }
  function paint() {
    for (const [node, names] of applied) node.classList.remove(...names);
    applied = [];
    const classes = Object.assign({}, model.get("classes"));
    const sel = model.get("selected");
    if (sel) classes["node-" + sel] = ((classes["node-" + sel] || "") + " ag-selected").trim();
    for (const key in classes) {
      const node = index.get(key);
      if (!node) continue;
      const names = classes[key].split(" ").filter(Boolean);
      node.classList.add(...names);
      applied.push([node, names]);
    }
    const texts = model.get("texts") || {};
    for (const [key, text] of original) {
      if (!(key in texts)) { index.get(key).textContent = text; original.delete(key); }
    }
    for (const key in texts) {
      const node = index.get(key);
      if (!node) continue;
      if (!original.has(key)) original.set(key, node.textContent);
      if (node.textContent !== texts[key]) node.textContent = texts[key];   // write only news
    }
    el.dataset.step = String(model.get("step"));
    follow();
  }
  function onClick(event) {
    const g = event.target.closest("g.node");
    if (!g || !(g.classList.contains("grad_fn") || g.classList.contains("accumulate_grad"))) return;
    const prefix = model.get("prefix");
    const key = g.id.slice(prefix.length);
    if (!key.startsWith("node-")) return;
    model.set("selected", key.slice(5));
    model.save_changes();
  }
  box.addEventListener("click", onClick);
  model.on("change:svg", draw);
  model.on("change:classes", paint);
  model.on("change:texts", paint);
  model.on("change:selected", paint);
  draw();
  return () => box.removeEventListener("click", onClick);
}
export default { render };
