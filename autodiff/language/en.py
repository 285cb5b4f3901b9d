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
    # --- check_work: its report, slips, notes and errors (autodiff/work) ---------------------
    "work.columns": "name|given|expected|status|slip",
    "work.status.right": "right",
    "work.status.carried": "carried",
    "work.status.wrong": "wrong",
    "work.kind.sign": "sign",
    "work.kind.missing factor": "missing factor",
    "work.kind.missing path": "missing path",
    "work.kind.wrong slope": "wrong slope",
    "work.kind.wrong input": "wrong input",
    "work.kind.updated weight": "updated weight",
    "work.kind.wrong lr": "wrong lr",
    "work.kind.rounding": "rounding",
    "work.slip_shows_in": "{kind} (shows in {where}): {text}",
    "work.slip_cell": "{kind}: {text}",
    "work.slips_join": "; ",
    "work.follows": "follows from your numbers ({follows})",
    "work.summary": "{count} answers: {counts}{first}",
    "work.count": "{count} {status}",
    "work.counts_join": ", ",
    "work.first_wrong": "; first wrong: {name}",
    "work.after_step": "{node} after the step",
    "work.rounded_before_use": "{row} was rounded to {round_to!r} before it was used",
    "work.wrong_sign": "{row} has the wrong sign",
    "work.adds_where": "{row} adds {other} where {right} belongs",
    "work.uses_where": "{row} uses {other} where {right} belongs",
    "work.leaves_out_path": "{row} leaves out the path through {through}",
    "work.term_sign": "{row}: the term through {through} has the wrong sign",
    "work.leaves_out_factor": "{row} leaves out the factor {factor}",
    "work.wrong_slope": "{row} takes the slope of {other} where that of {through} belongs "
                        "(in {local})",
    "work.updated_weight": "{row} uses {x} after the step ({after!r}) where {x} before it "
                           "belongs (in {local})",
    "work.takes_where": "{row} takes {other} where {right} belongs",
    "work.uses_where_in": "{row} uses {other} where {right} belongs (in {local})",
    "work.wrong_lr": "{row} steps with lr = {lr!r} where lr is {right!r}",
    "work.step_sign": "{row} adds lr × {grad} where the step subtracts it",
    "work.step_rounded": "{row} was rounded to {round_to!r}",
    "work.rounded_sources": "{written} was worked on rounded: {row} inherits the rounding error",
    "work.and": " and ",
    "work.note_too_big": "No slips were searched for: the graph has {nodes} nodes, and the "
                         "search takes graphs of up to {limit} (a hand-worked example has "
                         "tens). The statuses are complete.",
    "work.note_budget": "The search for slips stopped at {name}: it had worked {limit} rows. "
                        "Rows from there on are marked, but their slips are not named; check "
                        "fewer numbers at a time, or give the numbers in between.",
    "work.no_answer": "no answer named {name!r} was checked",
    "work.root_not_value": "check_work: root must be a Value, got {kind}",
    "work.answers_not_mapping": "check_work: answers must map names to numbers, such as "
                                "{{'net_h1': 0.3775}}, got {kind}",
    "work.lr_not_number": "check_work: lr must be a number, got {kind}",
    "work.unknown_name": "check_work: no number of this graph is named {name!r}{hint}",
    "work.did_you_mean": "; did you mean {names}?",
    "work.names_are": "; names are labels (such as {example}), d{root}/dLABEL and LABEL_new",
    "work.label_shared": "check_work: {count} nodes are labeled {label!r}; give each a label "
                         "of its own to check it",
    "work.needs_lr": "check_work: {name} is a parameter after the step; give the learning "
                     "rate: check_work(..., lr=0.5)",
    "work.batch": "check_work works on numbers, one at a time; this graph holds arrays "
                  "(batch mode): build it for one sample",
    "work.too_big": "check_work: the graph has {nodes} nodes; checking marks graphs of up to "
                    "{limit} (a hand-worked example has tens). Check a smaller piece of it",
    "work.answer_type": "check_work: the answer for {name!r} must be a number or its text, "
                        "got {kind}",
    "work.answer_not_number": "check_work: the answer for {name!r} is not a number: {text!r}; "
                              "write it as 0.5933 or 5.933e-1",
    "work.answer_not_finite": "check_work: the answer for {name!r} is not finite: {text!r}",
    "work.file_unreadable": "cannot read {path}: {reason}",
    "work.file_bad_json": "{path}: not valid JSON ({error}, line {line})",
    "work.file_not_object": "{path}: expected a JSON object of name: number, got a {kind}",
    "work.file_not_number": "{path}: the answer for {name!r} is not a number: {value!r}",
    "work.file_two_cells": "{path}, line {line}: expected two cells, name,value; got {count}",
    "work.file_line_not_number": "{path}, line {line}: the answer for {name!r} is not a "
                                 "number: {value!r}",
    "work.file_twice": "{path}, line {line}: {name!r} is answered twice",
    "work.file_empty": "{path}: no answers found; write one name,value row per number",
}
