// The lab's script: starts Python (Pyodide), unpacks this package into it, and drives
// autodiff.lab.browser (a formula) and nn.live (a network learning) from the page.
"use strict";

const config = JSON.parse(document.getElementById("lab-config").textContent);
const T = config.texts;  // the lab's words in its language (autodiff/language: "lab.*")
// A text with its {fields} filled: fill(T.curve_updates, {count: 3}).
const fill = (text, fields) => text.replace(/\{(\w+)\}/g, (_, name) => String(fields[name]));
const $ = (id) => document.getElementById(id);
const PLANE = 2.0;  // the plane shown: [-2, 2] × [-2, 2]
const COLOURS = ["#2b6cb0", "#dd6b20"];  // class 0, class 1
let py = null, browser = null, live = null, viz = null;
let training = false, losses = [], speedMarks = [], frames = 0, clicked = [];

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = src;
    script.onload = resolve;
    script.onerror = () => reject(new Error("could not load " + src));
    document.head.appendChild(script);
  });
}

function say(id, text) {
  const el = $(id);
  el.textContent = text || "";
  el.hidden = !text;
}

async function start() {
  try {
    await loadScript(config.pyodide + "pyodide.js");
    py = await loadPyodide({ indexURL: config.pyodide });
    const purelib = py.runPython("import sysconfig; sysconfig.get_paths()['purelib']");
    for (const url of config.wheels) {  // a wheel is a zip of the packages' own files
      const data = await (await fetch(url)).arrayBuffer();
      py.unpackArchive(data, "zip", { extractDir: purelib });
    }
    py.runPython("import importlib; importlib.invalidate_caches()");
    // Python speaks the lab's language: the step-through page, the reports, the errors.
    py.globals.set("lab_language", config.lang);
    py.runPython("from autodiff.language import set_language; set_language(lab_language)");
    browser = py.pyimport("autodiff.lab.browser");
    py.runPython("import nn.live");
  } catch (error) {
    say("status", fill(T.no_python, { error: error.message }));
    return;
  }
  try {
    await loadScript(config.viz);
    viz = await Viz.instance();
    browser.use_graphviz((source, format) => viz.renderString(source, { format: format }));
  } catch (error) {
    console.warn(error);  // the numbers work without the pictures
  }
  for (const id of ["run", "open-page", "check", "reset", "train"]) $(id).disabled = false;
  $("status").textContent = viz ? T.ready : T.ready_no_graphviz;
  const ready = document.createElement("span");
  ready.id = "lab-ready";
  ready.hidden = true;
  document.body.appendChild(ready);
  runFormula();
  newNetwork();
}

// --- 1. a formula ------------------------------------------------------------------------
function fixed(x) {
  return typeof x === "number" ? x.toFixed(8) : String(x);
}

function runFormula() {
  const result = JSON.parse(browser.evaluate($("formula").value, $("at").value));
  const body = $("grads").tBodies[0];
  body.replaceChildren();
  $("graph").replaceChildren();
  if (result.error) {
    say("formula-error", result.error);
    return;
  }
  say("formula-error", "");
  for (const row of result.rows) {
    const tr = document.createElement("tr");
    tr.setAttribute("data-name", row.name);
    if (row.leaf) tr.className = "leaf";
    for (const [cls, text] of [["name", row.name], ["data", fixed(row.data)], ["grad", fixed(row.grad)]]) {
      const td = document.createElement("td");
      td.className = cls;
      td.textContent = text;
      tr.appendChild(td);
    }
    body.appendChild(tr);
  }
  if (viz) {
    try {
      $("graph").appendChild(viz.renderSVGElement(result.dot));
    } catch (error) {
      $("graph").textContent = fill(T.no_layout, { error: error.message });
    }
  }
}

function openPage() {
  const frame = $("page");
  frame.srcdoc = browser.page($("formula").value, $("at").value);
  frame.hidden = false;
  frame.scrollIntoView({ behavior: "smooth", block: "start" });
}

function checkWork() {
  const lr = $("check-lr").value.trim();
  $("report").innerHTML = browser.check($("formula").value, $("at").value, $("answers").value,
                                        lr === "" ? null : Number(lr));
}

// --- 2. a network, learning --------------------------------------------------------------
function settings() {
  const hidden = $("hidden").value.split(/[-, ]+/).filter((s) => s !== "").map(Number);
  return {
    data: $("dataset").value, points: clicked, hidden: hidden,
    activation: $("activation").value, optimizer: $("optimizer").value, lr: Number($("lr").value),
  };
}

function newNetwork() {
  if (live) live.destroy();
  live = null;
  losses = [];
  try {
    py.globals.set("lab_settings", JSON.stringify(settings()));
    live = py.runPython("nn.live.from_settings(lab_settings)");
    say("network-error", "");
  } catch (error) {
    say("network-error", String(error.message).trim().split("\n").pop());
    setTraining(false);
    return;
  }
  $("steps").textContent = "0";
  $("loss").textContent = "–";
  draw(JSON.parse(live.state_json()));
}

function setTraining(on) {
  training = on && live !== null;
  $("train").textContent = training ? T.pause : T.train;
  speedMarks = [];
  if (training) requestAnimationFrame(frame);
}

function frame() {
  if (!training) return;
  const start = performance.now();
  let loss = NaN;
  try {
    do {  // as many updates as fit in about 50 ms, then one drawing of them all
      loss = live.update(1);
    } while (performance.now() - start < 50);
  } catch (error) {  // the engine's own message: an overflow at too large a learning rate, say
    say("network-error", String(error.message).trim().split("\n").pop());
    setTraining(false);
    return;
  }
  const state = JSON.parse(live.state_json());
  draw(state);
  const now = performance.now();
  speedMarks.push([now, state.steps]);
  while (speedMarks.length > 2 && now - speedMarks[0][0] > 2000) speedMarks.shift();
  if (speedMarks.length > 1) {
    const [t0, s0] = speedMarks[0];
    $("speed").textContent = ((state.steps - s0) / ((now - t0) / 1000)).toFixed(1);
  }
  if (Number.isNaN(loss)) setTraining(false);
  else requestAnimationFrame(frame);
}

function draw(state) {
  for (const l of state.losses) losses.push(l);
  $("steps").textContent = String(state.steps);
  if (state.steps > 0) $("loss").textContent = state.loss.toFixed(6);
  drawBoundary(state);
  drawNet(state);
  drawLosses();
  if (frames++ % 8 === 0 || !training) drawWeights(state);
}

function activate(name, x) {
  if (name === "tanh") return Math.tanh(x);
  if (name === "relu") return x > 0 ? x : 0;
  if (name === "sigmoid") return 1 / (1 + Math.exp(-x));
  return x;
}

function logit(layers, x, y) {  // the network's forward pass, from the weights Python sent
  let a = [x, y];
  for (const layer of layers) {
    const next = new Array(layer.w.length);
    for (let j = 0; j < layer.w.length; j++) {
      const row = layer.w[j];
      let net = layer.b[j];
      for (let i = 0; i < row.length; i++) net += row[i] * a[i];
      next[j] = activate(layer.activation, net);
    }
    a = next;
  }
  return a[0];
}

function toCanvas(canvas, x, y) {
  return [(x + PLANE) / (2 * PLANE) * canvas.width, (PLANE - y) / (2 * PLANE) * canvas.height];
}

function drawBoundary(state) {
  const canvas = $("boundary"), ctx = canvas.getContext("2d"), cell = 8;
  for (let px = 0; px < canvas.width; px += cell) {
    for (let py_ = 0; py_ < canvas.height; py_ += cell) {
      const x = (px + cell / 2) / canvas.width * 2 * PLANE - PLANE;
      const y = PLANE - (py_ + cell / 2) / canvas.height * 2 * PLANE;
      const p = 1 / (1 + Math.exp(-logit(state.layers, x, y)));
      ctx.fillStyle = `rgb(${Math.round(190 + 60 * p)}, ${Math.round(210 - 10 * Math.abs(p - 0.5))}, ${Math.round(250 - 70 * p)})`;
      ctx.fillRect(px, py_, cell, cell);
    }
  }
  for (const [x, y, label] of state.points) {
    const [cx, cy] = toCanvas(canvas, x, y);
    ctx.beginPath();
    ctx.arc(cx, cy, 5, 0, 2 * Math.PI);
    ctx.fillStyle = COLOURS[label];
    ctx.fill();
    ctx.strokeStyle = "#fff";
    ctx.stroke();
  }
}

function drawNet(state) {
  const canvas = $("net"), ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const sizes = [2, ...state.layers.map((l) => l.w.length)];
  const pos = (k, j) => [30 + k * (canvas.width - 60) / (sizes.length - 1),
                         (j + 1) * canvas.height / (sizes[k] + 1)];
  const wmax = Math.max(1e-9, ...state.layers.flatMap((l) => l.w.flat().map(Math.abs)));
  const gmax = Math.max(1e-12, ...state.layers.flatMap((l) => l.gw.flat().map(Math.abs)));
  state.layers.forEach((layer, k) => {
    layer.w.forEach((row, j) => row.forEach((w, i) => {
      const [x0, y0] = pos(k, i), [x1, y1] = pos(k + 1, j);
      ctx.strokeStyle = w >= 0 ? "rgba(221,107,32,0.8)" : "rgba(43,108,176,0.8)";
      ctx.lineWidth = 0.5 + 4 * Math.abs(w) / wmax;
      ctx.beginPath(); ctx.moveTo(x0, y0); ctx.lineTo(x1, y1); ctx.stroke();
      const g = Math.abs(layer.gw[j][i]) / gmax;  // the gradient: a red tick at the middle
      if (g > 0.02) {
        const mx = (x0 + x1) / 2, my = (y0 + y1) / 2;
        ctx.strokeStyle = "rgba(200,0,0,0.9)"; ctx.lineWidth = 2;
        ctx.beginPath(); ctx.moveTo(mx, my - 8 * g); ctx.lineTo(mx, my + 8 * g); ctx.stroke();
      }
    }));
  });
  sizes.forEach((n, k) => {
    for (let j = 0; j < n; j++) {
      const [x, y] = pos(k, j);
      ctx.beginPath(); ctx.arc(x, y, 7, 0, 2 * Math.PI);
      ctx.fillStyle = "#fff"; ctx.fill(); ctx.strokeStyle = "#333"; ctx.lineWidth = 1; ctx.stroke();
    }
  });
}

function drawLosses() {
  const canvas = $("loss-curve"), ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const shown = losses.filter((l) => l > 0 && Number.isFinite(l));
  if (shown.length < 2) return;
  const logs = shown.map(Math.log10), top = Math.max(...logs), bottom = Math.min(...logs, top - 1);
  const pad = 34, w = canvas.width - pad - 8, h = canvas.height - 2 * pad;
  ctx.fillStyle = "#555"; ctx.font = "12px sans-serif";
  ctx.fillText("1e" + top.toFixed(1), 2, pad);
  ctx.fillText("1e" + bottom.toFixed(1), 2, pad + h);
  ctx.textAlign = "right";
  ctx.fillText(fill(T.curve_updates, { count: shown.length }), pad + w, pad + h + 20);
  ctx.textAlign = "start";
  ctx.strokeStyle = "#2f855a"; ctx.lineWidth = 1.5;
  ctx.beginPath();
  const step = Math.max(1, Math.floor(shown.length / w));
  for (let i = 0; i < shown.length; i += step) {
    const x = pad + i / (shown.length - 1) * w, y = pad + (top - logs[i]) / (top - bottom) * h;
    if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
  }
  ctx.stroke();
}

function drawWeights(state) {
  const holder = $("weights");
  holder.replaceChildren();
  state.layers.forEach((layer, k) => {
    const table = document.createElement("table");
    table.className = "weights";
    const caption = table.createCaption();
    caption.textContent = fill(T.layer_caption, { layer: k + 1, activation: layer.activation });
    layer.w.forEach((row, j) => {
      const tr = table.insertRow();
      [...row, layer.b[j]].forEach((w, i) => {
        const g = i < row.length ? layer.gw[j][i] : layer.gb[j];
        const td = tr.insertCell();
        td.textContent = `${w.toFixed(3)} / ${g.toExponential(1)}`;
        td.title = i < row.length ? fill(T.weight_of, { input: i + 1, neuron: j + 1 })
                                  : fill(T.bias_of, { neuron: j + 1 });
      });
    });
    holder.appendChild(table);
  });
}

function addPoint(event) {
  const canvas = $("boundary"), box = canvas.getBoundingClientRect();
  const x = (event.clientX - box.left) / box.width * 2 * PLANE - PLANE;
  const y = PLANE - (event.clientY - box.top) / box.height * 2 * PLANE;
  const label = Number($("click-class").value);
  clicked.push([x, y, label]);
  if (live) {
    live.add_point(x, y, label);
    draw(JSON.parse(live.state_json()));
  }
}

$("formula-form").addEventListener("submit", (e) => { e.preventDefault(); runFormula(); });
$("open-page").addEventListener("click", openPage);
$("check").addEventListener("click", checkWork);
$("reset").addEventListener("click", () => { setTraining(false); newNetwork(); });
$("train").addEventListener("click", () => setTraining(!training));
$("dataset").addEventListener("change", () => { setTraining(false); newNetwork(); });
$("network-form").addEventListener("submit", (e) => e.preventDefault());
$("boundary").addEventListener("click", addPoint);
start();
