"""English: every text the package writes for a reader, by key (the engine's own messages
are in autodiff/engine/errors.py). Computed numbers are fields, never written here."""

TEXTS: dict[str, str] = {
    # --- Trace: its tables, its errors ----------------------------------------------------------
    "trace.forward_pass": "Forward pass",
    "trace.backward_pass": "Backward pass",
    "trace.from_root": "(from {root})",
    "trace.backward_pass_from": "Backward pass (from {root}, d{root} = 1)",
    "trace.forward_columns": "#|node|op|inputs|value",
    "trace.backward_columns": "step|node|upstream grad|input|local|contribution",
    "trace.unlabeled_node": "an unlabeled node",
    "trace.needs_value": "trace needs a Value, got {kind}",
    "trace.needs_value_or_label": "expected a Value or a label, got {kind}",
    "trace.node_needs_label": "Trace.node needs a label (str), got {kind}",
    "trace.no_such_label": "no node labeled {label!r} in this graph; its labels: {labels}",
    "trace.no_labels": "none",
    "trace.label_shared": "{count} nodes are labeled {label!r}; give them distinct labels, "
                          "or pass the Value itself",
    "trace.not_in_graph": "{node} is not a node of this graph",
    "trace.direction_not_leaf": "forward_mode: {node} is computed from other nodes; a direction "
                                "gives a tangent to leaves only (inputs, weights)",
    # --- explain ----------------------------------------------------------------------------------
    "explain.no_path": "{name} = {total} (no path from {root} reaches it)",
    "explain.too_many_paths": "{name} runs along {count:,} paths between labeled nodes "
                              "(the limit is {limit:,}); explain a node nearer the root, or "
                              "pass max_paths= to allow more",
    # --- numbers in tables (batch mode) --------------------------------------------------------
    "number.array": "shape {shape}, mean {mean}, range [{low}, {high}]",
    "number.empty_array": "shape {shape}, empty",
    "number.mean": "mean {mean}",
    "number.empty": "empty",
    # --- the command line ---------------------------------------------------------------------
    "cli.choose_command": "autodiff: choose a command: trace, draw, train, compile or check "
                          "(see autodiff --help)",
    "cli.wrote": "Wrote {files}",
    "cli.and": " and ",
    "cli.trace_out_empty": "autodiff trace: --out needs a directory name, e.g. --out out",
    "cli.trace_highlight_empty": "autodiff trace: --highlight needs a node's label, "
                                 "e.g. --highlight w5",
    "cli.trace_cannot_write": "autodiff trace: cannot write to --out {out}: {error}; choose a "
                              "directory that can be made and written",
    # --- autodiff trace: the hand-worked 2-2-2 network ----------------------------------------
    "demo.heading": "The hand-worked 2-2-2 network: inputs {inputs}, targets {targets}",
    "demo.given": "Given",
    "demo.forward_pass": "Forward pass",
    "demo.backward_pass": "Backward pass: every gradient of {root}, by the chain rule",
    "demo.after_step": "After one SGD step (lr {lr}; the biases stay as they are, "
                       "as in the textbook)",
    "demo.error_after": "{root} = {after} (was {before})",
    "demo.textbook_note": "(the textbook prints {printed} here, from an older version of its "
                          "update; its own updated weights give {ours})",
    "demo.highlight": "--highlight: {error}",
    "demo.graph_title": "The hand-worked 2-2-2 network: E_total and its gradients",
    "demo.page_title": "Backpropagation through the 2-2-2 network, step by step",
    # --- nn.homework: checking a learner's NumPy backprop ------------------------------------
    "homework.right": "{name}: right",
    "homework.missing": "{name}: missing (expected shape {expected})",
    "homework.shape": "{name}: shape {given}, expected {expected}",
    "homework.wrong": "{name}{index}: expected {expected:.8g}, given {given:.8g}",
    "homework.all_right": "all gradients are right",
    "homework.slip": "slip ({kind}, shows in {where}): {text}",
    "homework.no_slip": "no slip of the catalog explains these numbers",
    "homework.array": "array",
    "homework.status": "status",
    "homework.status.right": "right",
    "homework.status.wrong": "wrong",
    "homework.status.shape": "shape",
    "homework.status.missing": "missing",
    # --- nn.exercises: a learner's derivative, graded -----------------------------------------
    "exercise.check": "{where}: expected {expected:.8g}{numeric}, given {given:.8g}",
    "exercise.numeric": " (finite differences {numeric:.8g})",
    "exercise.expected": "expected: {formula}",
    "exercise.all_right": "{name}: right at all {count} checks ({formula})",
    "exercise.some_wrong": "{name}: {wrong} of {count} checks wrong; the first:",
    "exercise.first_wrong_edge": "the first wrong edge of the graph:",
    "exercise.slip": "slip: {slip}",
    "exercise.unknown": "no exercise {name!r}; the exercises: {names}",
    "exercise.case": "case {number}",
    "exercise.answer": "the answer",
    "exercise.wrong_shape": "{part} has shape {given} at {label}, expected {expected}",
    "exercise.raised_in_graph": "the function raised {kind} in the graph: {error}",
    "exercise.raised": "the function raised {kind}: {error}",
    "exercise.adam_returns": "adam must return (next_x, config) with config['m'], ['v'], ['t']",
    "exercise.returns": "the function must return {count} values: {parts}",
    "exercise.not_numbers": "the answer is not numbers: {error}",
    "exercise.edge": "edge {node} ← {input}",
    "exercise.with_your_derivative": "d{root}/d{node} with your derivative",
}
