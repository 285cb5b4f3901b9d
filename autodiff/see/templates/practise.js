  // --- practise mode: predict each gradient before the page shows it ----------------------------
  // (page.py puts this in the page where the graph can be practised on; else a stand-in.)
  // Every sentence practise mode and the step write, in one place: the page's texts (T, say).
  const TEXT = {
    // A batch page asks the shown sample's number: the question says which sample.
    ask: (dv) => data.batch ? say("ask_sample", {d: dv, sample}) : say("ask", {d: dv}),
    askLabel: (dv) => say("ask_label", {d: dv}),
    right: (dv, v) => say("right", {d: dv, value: v}),
    wrong: (dv, v, given) => say("wrong", {d: dv, value: v, given}),
    slip: (text) => say("slip", {text}),
    also: (kind, text) => say("also", {kind, text}),
    score: (r, n) => say("score", {right: r, count: n}),
    alsoEdges: T.also_edges,
    retry: T.retry,
    startOver: T.start_over,
    predict: T.practise, stopPredict: T.stop_practising,
    stepTitle: T.take_title,
    stepNote: T.take_note,
    stepLater: T.take_later,
    lr: T.lr,
    take: T.take, again: T.again, reset: T.reset,
    heads: [T.parameter, T.before, T.gradient, T.after],
    stepCount: (k) => k === 1 ? T.one_step_taken : say("steps_taken", {count: k}),
    beforeStep: T.before_step, afterStep: T.after_step,
    undefinedLoss: T.not_defined,
    badLr: T.bad_lr,
  };
  // Right as check_work rules: within 1e-8 + 1e-4·|expected|, or rounded to the digits written.
  let practising = false, score = [0, 0], alsoEdges = false;
  const answers = new Map();  // backward step (and sample) -> [the text given, right?]
  const edgeAnswers = new Map();  // "step:edge:part" (and sample) -> [the text given, right?]
  // A batch page asks one sample at a time, the one shown: one question per sample.
  const mine = (guess) => (guess && data.batch ? guess[sample] : guess);
  const asked = (key) => (data.batch ? key + "@" + sample : String(key));
  function significant(text) {
    const m = text.trim().replace(/^[-+]/, "").toLowerCase().split("e")[0].replace(".", "").replace(/^0+/, "");
    return Math.max(1, m.length);
  }
  const numberOf = (text) => Number(text.trim().replace("−", "-"));
  function matches(text, expected) {
    const given = numberOf(text);
    if (!text.trim() || !Number.isFinite(given)) return false;
    if (Math.abs(given - expected) <= 1e-8 + 1e-4 * Math.abs(expected)) return true;
    const rounded = Number(expected.toPrecision(Math.min(17, significant(text))));
    return Math.abs(rounded - given) <= 1e-12 * Math.max(1, Math.abs(given));
  }
  // The slips that give a number, check_work's choice first: nearest row, exact, plainer kind.
  function slipFor(text, slips) {
    const given = numberOf(text);
    const found = slips.map((s, q) => [s, q]).filter(([s]) => matches(text, s[0]));
    const key = ([s, q]) => [s[3], Math.abs(s[0] - given) > 1e-9 * Math.abs(given) ? 1 : 0, q];
    found.sort((a, b) => { const x = key(a), y = key(b); return x[0] - y[0] || x[1] - y[1] || x[2] - y[2]; });
    return found.map(([s]) => s);
  }
  function paintSlip(slip) {
    for (const e of document.querySelectorAll("#graph .wrong, #graph .carried, #grads .carried"))
      e.classList.remove("wrong", "carried");
    if (!slip) return;
    if (slip[4]) { const e = document.getElementById(slip[4]); if (e) e.classList.add("wrong"); }
    for (const j of slip[5]) {
      const v = document.getElementById("v" + j); if (v) v.classList.add("carried");
      const tr = rows.get(j); if (tr) tr.classList.add("carried");
    }
  }
  // Enter in an answer box: judged, kept in `book` under `key` (a question's first answer, and
  // each one after "try again", counts in the score), the step shown again, then `after`.
  function onAnswer(input, expected, book, key, after) {
    input.addEventListener("keydown", (ev) => {
      if (ev.key !== "Enter") return;
      ev.preventDefault();
      const right = matches(input.value, expected);
      if (!book.has(key)) { score[1] += 1; if (right) score[0] += 1; }
      book.set(key, [input.value, right]);
      describe(shown);
      if (after) after();
    });
  }
  function practise(body, b) {
    // Returns true where the step waits for the learner's number before it shows its own.
    const step = bwd[b], key = asked(b);
    if (!practising || !mine(step.guess)) return false;
    const [expected, slips] = mine(step.guess), box = el("div", undefined, "practise");
    box.id = "practise";
    const answered = answers.get(key);
    const ask = el("label", TEXT.ask(d(step.node)));
    const input = el("input");
    input.id = "guess"; input.type = "text"; input.inputMode = "decimal"; input.autocomplete = "off";
    input.setAttribute("aria-label", TEXT.askLabel(d(step.node)));
    ask.appendChild(input);
    box.appendChild(ask);
    const verdict = el("p", undefined, "verdict");
    verdict.id = "verdict";
    box.appendChild(verdict);
    const tally = el("p", undefined, "hint"), over = el("button", TEXT.startOver);
    tally.appendChild(el("span", TEXT.score(score[0], score[1]), "score"));
    over.id = "start-over";
    over.addEventListener("click", () => { answers.clear(); edgeAnswers.clear(); score = [0, 0]; describe(shown); });
    tally.appendChild(over);

    box.appendChild(tally);
    body.appendChild(box);
    if (step.edges.some((e) => mine(e.guess))) {
      // Each edge's local derivative and contribution too, if the learner likes.
      const toggle = el("label"), check = el("input"), line = el("p", undefined, "hint also-edges");
      check.type = "checkbox"; check.id = "predict-edges"; check.checked = alsoEdges;
      check.addEventListener("change", () => { alsoEdges = check.checked; describe(shown); focusEdge(); });
      toggle.append(check, " " + TEXT.alsoEdges);
      line.id = "practise-edges";
      line.appendChild(toggle);
      body.appendChild(line);
    }
    onAnswer(input, expected, answers, key);
    if (!answered) {
      // Until the learner answers, the page hides its own number for this node.
      document.documentElement.classList.add("asking");
      input.focus({preventScroll: true});
      return true;
    }
    input.value = answered[0];
    const [text, right] = answered;
    const slip = judged(verdict, d(step.node), pick(step.upstream), text, right, slips);
    if (!right) {
      paintSlip(slip);
      const retry = el("button", TEXT.retry);
      retry.id = "retry";
      retry.addEventListener("click", () => { answers.delete(key); describe(shown); });
      verdict.appendChild(retry);
    }
    return false;
  }
  // One answer judged as the gradient's: right, or wrong with the slip that gives its number.
  function judged(verdict, name, value, text, right, slips) {
    verdict.classList.add(right ? "right" : "wrong");
    if (right) { verdict.appendChild(el("span", TEXT.right(name, value))); return null; }
    verdict.appendChild(el("span", TEXT.wrong(name, value, text.trim())));
    const found = slipFor(text, slips);
    if (!found.length) return null;
    verdict.appendChild(el("span", found[0][1], "kind"));
    verdict.appendChild(el("span", TEXT.slip(found[0][2])));
    const other = found.find((s) => s[1] !== found[0][1]);
    if (other) verdict.appendChild(el("span", TEXT.also(other[1], other[2]), "also"));
    return found[0];
  }
  // An edge's row of the step's table, in practise mode with "each edge too": its local
  // derivative (and the formula that gives it away) and its contribution (and the gradient it
  // makes) stay hidden until answered. Returns the verdicts, to stand below the table.
  function askEdge(tr, step, b, q, e) {
    if (!practising || !alsoEdges || !mine(e.guess)) return [];
    const [local, localSlips, share, shareSlips] = mine(e.guess), verdicts = [];
    const localName = "d" + dname(step.node) + "/d" + dname(e.input);
    // Into a parameter of a batch page: the shown sample's share, before the sum over the batch.
    const parts = [["local", 1, localName, local, localSlips, pick(e.local)],
                   ["contribution", 3, localName + " × " + d(step.node), share, shareSlips,
                    pick(e.term !== null ? e.term : e.contribution)]];
    const known = {};
    for (const [part, cell, name, expected, slips, value] of parts) {
      const key = asked(b + ":" + q + ":" + part), answered = edgeAnswers.get(key);
      known[part] = !!answered;
      if (!answered) {
        const input = el("input", undefined, "edge-guess");
        Object.assign(input, {type: "text", inputMode: "decimal", autocomplete: "off"});
        input.dataset.part = part; input.dataset.edge = e.edge;
        input.setAttribute("aria-label", TEXT.askLabel(name));
        onAnswer(input, expected, edgeAnswers, key, focusEdge);
        tr.cells[cell].replaceChildren(input);
        document.documentElement.classList.add("asking-edges");
        continue;
      }
      const [text, right] = answered, verdict = el("p", undefined, "verdict edge-verdict");
      verdict.dataset.part = part; verdict.dataset.edge = e.edge;
      // Until the local is answered, the product written out would tell it: the number alone.
      if (part === "contribution" && !known.local) tr.cells[cell].textContent = value;
      tr.cells[cell].classList.add(right ? "right" : "wrong");
      tr.cells[cell].prepend(el("span", right ? "✓ " : "✗ ", "mark"));
      const slip = judged(verdict, name, value, text, right, slips);
      if (!right) {
        const g = document.getElementById(e.edge); if (g) g.classList.add("wrong");
        if (slip) tr.cells[cell].title = slip[1];
        const retry = el("button", TEXT.retry, "retry-edge");
        retry.addEventListener("click", () => { edgeAnswers.delete(key); describe(shown); focusEdge(); });
        verdict.appendChild(retry);
      }
      verdicts.push(verdict);
    }
    if (!known.local) tr.cells[2].textContent = "?";
    if (!known.contribution) tr.cells[4].textContent = "?";
    return verdicts;
  }
  function focusEdge() {
    const next = document.querySelector("#step-body input.edge-guess");
    if (next) next.focus({preventScroll: true});
  }
  $("predict").addEventListener("click", () => {
    practising = !practising;
    $("predict").setAttribute("aria-pressed", String(practising));
    $("predict").textContent = practising ? TEXT.stopPredict : TEXT.predict;
    describe(shown);
    stepper();
  });

  // --- take the step: p − lr·grad, and the loss before and after, again and again ---------------
  // The op table's rows (forward and local derivatives as code over v[0], v[1], …) run here.
  const program = data.program;
  const HELPERS = {
    exp: Math.exp, log: Math.log, tanh: Math.tanh, sqrt: Math.sqrt, fabs: Math.abs, power: Math.pow,
    sigmoid: (x) => x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)),
    relu: (x) => x > 0 ? x : 0, step: (x) => x > 0 ? 1 : 0, sign: (x) => (x > 0) - (x < 0),
    total: (x) => x, size: () => 1, ones: () => 1,
  };
  const kernels = program ? program.kernels.map(([fwdCode, locals]) => new Function(
    ...Object.keys(HELPERS), "return (v) => { const out = " + fwdCode + "; return [out, [" + locals.join(", ") + "]]; };")(
    ...Object.values(HELPERS))) : [];
  function run(values) {
    const out = values.slice(), locals = [], grads = nodes.map(() => 0);
    nodes.forEach((n, i) => {
      const k = program.kernel[i];
      if (k < 0) return;
      const [v, loc] = kernels[k](n.inputs.map((j) => out[j]));
      out[i] = v; locals[i] = loc;
    });
    grads[data.root] = 1;
    for (let i = nodes.length - 1; i >= 0; i--) {
      if (program.kernel[i] < 0 || grads[i] === 0) continue;
      nodes[i].inputs.forEach((j, q) => { grads[j] += locals[i][q] * grads[i]; });
    }
    return [out, grads];
  }
  function fmt(x) {
    // As numbers.format_number writes a float.
    if (!Number.isFinite(x)) return TEXT.undefinedLoss;
    if (x === 0) return "0.00000000";
    if (Math.abs(x) < 1e-4 || Math.abs(x) >= 1e12)
      return x.toExponential(8).replace(/e([-+])(\d)$/, "e$10$2");
    return x.toFixed(8);
  }
  let weights = program ? program.start.slice() : null, taken = 0;
  function takeStep() {
    const lr = Number($("lr").value.trim().replace("−", "-"));
    if (!(lr > 0) || !Number.isFinite(lr)) { $("step-note").textContent = TEXT.badLr; return; }
    const [before, grads] = run(weights);
    const after = weights.slice();
    for (const i of program.params) after[i] = weights[i] - lr * grads[i];
    const [moved] = run(after);
    const body = document.querySelector("#stepped tbody");
    body.replaceChildren();
    for (const i of program.params) {
      const tr = row([[nodes[i].name, "name"], [fmt(weights[i]), "num before"], [fmt(grads[i]), "num grad"], [fmt(after[i]), "num after"]]);
      tr.dataset.name = nodes[i].name;
      body.appendChild(tr);
    }
    const losses = $("losses"), b = el("b", fmt(before[data.root])), a = el("b", fmt(moved[data.root]));
    b.id = "loss-before"; a.id = "loss-after";
    losses.replaceChildren(root + ": ", b, TEXT.beforeStep, a, TEXT.afterStep);
    losses.hidden = false;
    weights = after; taken += 1;
    $("step-note").textContent = TEXT.stepCount(taken);
    $("again").disabled = false;
  }
  function stepper() {
    const panel = $("stepper");
    if (!program) { panel.hidden = true; return; }
    panel.hidden = false;
    const later = practising && shown !== last;
    $("step-controls").hidden = later;
    $("stepper-later").hidden = !later;
  }
  if (program) {
    for (const [id, t] of [["stepper-title", "stepTitle"], ["stepper-hint", "stepNote"], ["stepper-later", "stepLater"],
      ["lr-label", "lr"], ["take-step", "take"], ["again", "again"], ["reset-step", "reset"]]) $(id).textContent = TEXT[t];
    $("lr").value = data.sgd.lr;
    const head = document.querySelector("#stepped thead tr");
    for (const h of TEXT.heads) head.appendChild(el("th", h));
    $("take-step").addEventListener("click", () => { weights = program.start.slice(); taken = 0; takeStep(); });
    $("again").addEventListener("click", takeStep);
    $("reset-step").addEventListener("click", () => {
      weights = program.start.slice(); taken = 0; $("again").disabled = true; $("losses").hidden = true;
      document.querySelector("#stepped tbody").replaceChildren(); $("step-note").textContent = "";
    });
    $("lr").addEventListener("keydown", (ev) => { if (ev.key === "Enter") { ev.preventDefault(); takeStep(); } });
  }
