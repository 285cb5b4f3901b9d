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
    "trace.tangent_of": "forward_mode: the tangent of {node}",
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
    # --- drawings and training -----------------------------------------------------------------
    "draw.legend_fill": "fill: gradient (red +, blue −; stronger = larger |grad|)",
    "draw.legend_highlighted": "purple: highlighted",
    # the words a drawing writes beside its numbers (autodiff/see/draw.py, nn/drawing.py)
    "draw.data": "data",
    "draw.grad": "grad",
    "draw.shape": "shape {shape}",
    "draw.mean": "mean {mean}",
    "draw.showing": "showing {shown:,} of {total:,} value nodes, those nearest {names}; pass "
                    "focus= to look elsewhere, max_nodes= to show more",
    "draw.box_node": "{count:,} node",
    "draw.box_nodes": "{count:,} nodes",
    "draw.more_input": "{count} more input",
    "draw.more_inputs": "{count} more inputs",
    "draw.used_further_on": "used further on",
    "draw.edge": "{count} edge",
    "draw.edges": "{count} edges",
    # a model's boxes (nn/drawing.py): group titles; a neuron's own name stays as it is
    "draw.layer": "layer {number}",
    "draw.output_layer": "layer {number} (output)",
    "draw.sample": "sample {number}",
    "draw.neuron": "neuron {number}",
    "draw.shared": "{name} (shared)",
    "draw.bias": "bias",
    # a model too big to draw node by node, summed up (nn/drawing.py)
    "draw.summary_caption": "{count:,} value nodes, drawn as one box per neuron; fill: ‖∇w‖ of "
                            "its weights",
    "draw.summary_hint": "pass focus= (a Value or label) to see the nodes near it, "
                         "max_nodes=None to draw all",
    "draw.inputs": "inputs",
    "draw.neuron_count_one": "{count} neuron",
    "draw.neuron_count": "{count} neurons",
    "draw.shared_bias_grad": "shared bias grad {grad}",
    "draw.more_neurons": "… {count} more",
    "draw.weight_count": "{count} weights",
    "draw.output": "output",
    "draw.loss_and_rest": "loss and the rest",
    "draw.graphviz_hint": "Graphviz's `dot` program was not found; install it for pictures "
                          "(apt install graphviz, brew install graphviz, conda install graphviz, "
                          "or https://graphviz.org/download/)",
    "draw.dot_source": "; meanwhile, the graph's DOT source:",
    "train.live_epoch": "epoch {epoch} / {epochs}, train loss {loss}",
    "train.live_start": "training starts",
    "train.progress": "training",
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
    "cli.interrupted": "autodiff: interrupted",
    "cli.compile_at_without_expr": "autodiff compile: --at needs EXPR (without EXPR: the 2-2-2 "
                                   "example)",
    "cli.train_diverged": "autodiff train: training {task} diverged at --lr {lr:g}, {what} "
                          "({reason}); choose a smaller --lr (the default is {default:g})",
    "cli.train_overflowed": "its numbers overflowed",
    "cli.train_broke_down": "it broke down",
    # the command line's help (autodiff --help, autodiff COMMAND --help)
    "cli.help.autodiff": "See, check and step through backpropagation.",
    "cli.help.lang": "the language of what it prints: en or zh (default: zh where LANG or "
                     "LC_ALL starts with zh, else en)",
    "cli.help.trace": "the hand-worked 2-2-2 example, every number of one training step",
    "cli.help.trace_description": "Forward pass, every gradient by the chain rule, one SGD "
                                  "step (lr 0.5, weights only) and the error after it, for the "
                                  "textbook 2-2-2 network.",
    "cli.help.trace_out": "also write DIR/graph.svg and DIR/trace.html (step-through page)",
    "cli.help.trace_highlight": "outline the chain-rule paths of LABEL's gradient in graph.svg",
    "cli.help.draw": "a formula's gradients, and its graph drawn to a file",
    "cli.help.draw_description": "Evaluate a formula (numbers, names, + - * / **, parentheses, "
                                 "exp log tanh sigmoid relu sqrt abs) at a point, print each "
                                 "name's gradient, draw the graph.",
    "cli.help.draw_expr": 'the formula, e.g. "x*y + exp(x)"',
    "cli.help.draw_at": "the point, e.g. x=1.5,y=-2 (may be given more than once)",
    "cli.help.draw_output": "where to draw the graph: .svg, .png or .dot",
    "cli.help.draw_page": "also write the step-through page (one self-contained .html)",
    "cli.help.train": "train a small network on a demo task, with a progress bar",
    "cli.help.train_description": "Train an MLP on xor or two moons; print the final loss and "
                                  "accuracy.",
    "cli.help.train_plot": "a PNG: loss curve and decision boundary",
    "cli.help.compile": "print the generated Python of a graph's forward and backward pass",
    "cli.help.compile_description": "Without EXPR: the hand-worked 2-2-2 example, inputs "
                                    "w1..w8.",
    "cli.help.check": "check your hand-worked numbers for the 2-2-2 example, slips named",
    "cli.help.check_description": "Check a learner's numbers for the hand-worked 2-2-2 "
                                  "network: each right, carried (wrong only because of an "
                                  "earlier number) or wrong, and the slip that gives a wrong "
                                  "one. FILE: CSV rows name,value (header optional) or a JSON "
                                  "object; names are labels (net_h1), gradients (dE_total/dw5) "
                                  "and weights after the step (w5_new). Exit status 0 when "
                                  "every number is right, 1 when some are not.",
    "cli.help.check_file": "the answers: .csv or .json",
    "cli.help.check_lr": "the learning rate of the step (default 0.5, the textbook's)",
    "cli.help.lab": "write the lab: a static site that trains and shows gradients live",
    "cli.help.lab_description": "Write a static site (DIR/index.html) that runs this package in "
                                "the browser through Pyodide: a formula's graph and gradients, "
                                "a network trained live. Serve DIR (python -m http.server -d "
                                "DIR) and open it.",
    "cli.help.lab_out": "the folder to write the site to",
    "cli.help.lab_pyodide": "the npm package pyodide's folder: its core files are copied in, "
                            "so the site needs no network (default: its CDN)",
    "cli.help.lab_viz": "the npm package @viz-js/viz's folder (default: beside PATH in "
                        "node_modules, else its CDN)",
    # argparse's own words (autodiff/cli/parsing.py), as argparse writes them in English
    "cli.usage": "usage: ",
    "cli.positional_arguments": "positional arguments",
    "cli.options": "options",
    "cli.help_help": "show this help message and exit",
    "cli.usage_error": "{prog}: {message} (see {prog} --help)",
    "cli.argparse.argument": "argument {argument_name}: {message}",
    "cli.argparse.required": "the following arguments are required: {arg}",
    "cli.argparse.invalid_choice": "invalid choice: {value} (choose from {choices})",
    "cli.argparse.invalid_value": "invalid {type} value: {value}",
    "cli.argparse.unrecognized": "unrecognized arguments: {arg}",
    "cli.argparse.expected_one": "expected one argument",
    "cli.argparse.expected_at_most_one": "expected at most one argument",
    "cli.argparse.expected_at_least_one": "expected at least one argument",
    "cli.argparse.expected_n": "expected {arg} arguments",
    "cli.argparse.ambiguous": "ambiguous option: {option} could match {matches}",
    "cli.argparse.ignored_explicit": "ignored explicit argument {arg}",
    "cli.argparse.not_allowed_with": "not allowed with argument {arg}",
    "cli.argparse.one_required": "one of the arguments {arg} is required",
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
    # --- nn.homework's slips (nn/backprop_slips.py): what the learner did, in the code's names
    "homework.kind.sign": "sign",
    "homework.kind.extra 1/N": "extra 1/N",
    "homework.kind.1/N forgotten": "1/N forgotten",
    "homework.kind.missing activation derivative": "missing activation derivative",
    "homework.kind.wrong slope": "wrong slope",
    "homework.kind.transposed": "transposed",
    "homework.kind.batch sum": "batch sum",
    "homework.kind.wrong axis": "wrong axis",
    "homework.kind.L2": "L2",
    "backprop.output_layer": "the output layer",
    "backprop.hidden_layer": "the hidden layer",
    "backprop.hidden_layer_n": "hidden layer {layer}",
    "backprop.output_sign": "the output error has the wrong sign: delta{L} starts from {error} "
                            "(prediction minus target), not the reverse",
    "backprop.output_extra_n_sum": "the loss sums over the samples (no 1/N), yet every gradient "
                                   "is divided by N = {n}",
    "backprop.output_extra_n": "1/N is applied twice: delta{L} = ({error}) / N once, N = {n}; "
                               "every gradient is N times too small",
    "backprop.output_n_forgotten": "1/N is missing: the loss is the mean over the N = {n} "
                                   "samples, so delta{L} = ({error}) / N; every gradient is N "
                                   "times too large",
    "backprop.transposed": "{name} is transposed: {prev}.T @ delta{layer} has the shape of "
                           "W{layer}, {shape}; the product was taken in the wrong order",
    "backprop.first_row": "{name} is one sample's gradient (the first row): sum over all "
                          "N = {n} samples, {total}",
    "backprop.no_sum": "{name} is delta{layer} itself, one row per sample: sum it over the "
                       "samples, np.sum(delta{layer}, axis=0)",
    "backprop.axis_1": "{name} sums each sample's row (axis=1): the sum runs over the samples, "
                       "np.sum(delta{layer}, axis=0)",
    "backprop.axis_all": "{name} sums delta{layer} into one number: the sum runs over the "
                         "samples, np.sum(delta{layer}, axis=0)",
    "backprop.n_forgotten": "{name} lacks the 1/N of the mean over the N = {n} samples (it is N "
                            "times too large)",
    "backprop.extra_n": "{name} is divided by N = {n} once more than the loss asks (a mean over "
                        "the batch where delta already carries 1/N)",
    "backprop.extra_n_sum": "{name} is divided by N = {n} once more than the loss asks (a mean "
                            "over the batch where delta already carries 1/N, or where the loss "
                            "sums)",
    "backprop.sign": "{name} has the wrong sign (the gradient, not the step -lr * gradient)",
    "backprop.l2_left_out": "{name} lacks the L2 term reg * W{layer} (the derivative of "
                            "0.5 * reg * np.sum(W{layer} * W{layer}))",
    "backprop.l2_doubled": "{name}'s L2 term is 2 * reg * W{layer}; the 0.5 in "
                           "0.5 * reg * np.sum(W{layer} * W{layer}) cancels the 2: reg * W{layer}",
    "backprop.missing_derivative": "the {act} derivative of {where} is missing: {into}, with "
                                   "{act}'(z{layer}) = {right}",
    "backprop.wrong_slope": "{act}' of {where} was written from z{layer} where the formula takes "
                            "the activation a{layer} = {act}(z{layer}): {right}, not {wrong}",
    "backprop.transposed_delta": "carrying the error back through W{layer}, W{layer} was used "
                                 "where W{layer}.T belongs: delta{below} = (delta{layer} @ "
                                 "W{layer}.T) * f'(z{below})",
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
    # --- nn.exercises: what to write, the formula in words, the known wrong formulas -------
    "exercise.sigmoid.prompt": "Write dsigmoid(x): the derivative of σ(x) = 1 / (1 + e^(−x)) at "
                               "the number x.",
    "exercise.sigmoid.slip.input": "x·(1 − x): the formula takes the output σ(x), here it was "
                                   "given x itself",
    "exercise.sigmoid.slip.itself": "σ(x) itself, not its derivative",
    "exercise.sigmoid.slip.factor": "1 − σ(x): the factor σ(x) is missing",
    "exercise.tanh.prompt": "Write dtanh(x): the derivative of tanh at the number x.",
    "exercise.tanh.slip.input": "1 − x²: the formula takes the output tanh(x), here it was given "
                                "x itself",
    "exercise.tanh.slip.square": "1 − tanh(x): the square is missing",
    "exercise.tanh.slip.sign": "tanh(x)² − 1: the sign is flipped",
    "exercise.neuron.prompt": "Write neuron_backward(x, w, b, upstream) -> (dx, dw, db) for one "
                              "neuron out = σ(w·x + b), given upstream = dL/dout.",
    "exercise.neuron.slip.missing": "σ'(net) is missing: the error was passed straight through "
                                    "the activation",
    "exercise.neuron.slip.from net": "σ' written from net: net·(1 − net), where the formula takes "
                                     "out = σ(net)",
    "exercise.neuron.slip.swapped": "dx and dw swapped: dw takes x, dx takes w",
    "exercise.softmax_ce.prompt": "Write softmax_ce_grad(z, y) -> dz: z the logits (N, C), y the "
                                  "N int labels, for L = Σ_n −log softmax(z_n)[y_n] (summed over "
                                  "the samples, as seed 000).",
    "exercise.softmax_ce.formula": "dL/dz = softmax(z) − onehot(y), row by row: p; "
                                   "p[range(N), y] -= 1",
    "exercise.softmax_ce.slip.alone": "the softmax p alone: 1 must be taken from the label's "
                                      "entry (p[range(N), y] -= 1)",
    "exercise.softmax_ce.slip.divided": "divided by N: this loss sums over the samples",
    "exercise.softmax_ce.slip.sign": "onehot − p: the sign is flipped",
    "exercise.l2.prompt": "Write l2_grad(W, reg) -> dW, the gradient of the L2 term "
                          "0.5 · reg · np.sum(W * W) (seed 002).",
    "exercise.l2.formula": "dW = reg · W (the ½ cancels the 2)",
    "exercise.l2.slip.doubled": "2·reg·W: the ½ in 0.5·reg·ΣW² cancels the 2",
    "exercise.l2.slip.alone": "reg alone: the factor W is missing",
    "exercise.l2.slip.half": "0.5·reg·W: d(W²)/dW = 2W",
    "exercise.conv_backward.prompt": "Write conv_backward(dout, x, w, b, conv_param) -> (dx, dw, "
                                     "db) for the naive convolution of seed 002 (x (N, C, H, W), "
                                     "w (F, C, HH, WW), b (F,), conv_param {{'stride', 'pad'}}; "
                                     "out[n, f] = Σ x_pad[n, :, window] · w[f] + b[f]).",
    "exercise.conv_backward.formula": "db[f] = Σ dout[:, f]; dw[f] += window · dout[n, f, i, j]; "
                                      "dx_pad[n, :, window] += w[f] · dout[n, f, i, j], then the "
                                      "padding cut off",
    "exercise.adam.prompt": "Write adam(x, dx, config) -> (next_x, config), one Adam step as "
                            "seed 002 writes it (config: learning_rate, beta1, beta2, epsilon, m, "
                            "v, t).",
    "exercise.adam.slip.no correction": "no bias correction: m and v must be divided by 1 − β^t",
    "exercise.adam.slip.eps inside": "ε inside the square root: √v̂ + ε",
    "exercise.adam.slip.t late": "the bias correction uses t before it was increased",
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
    # an edge of a backward step, in practise mode: its local derivative and contribution
    "work.edge_local_as_one": "{local} was taken as 1 (left out); it is {said}",
    "work.edge_slope_of": "{local} takes the slope of {other} where that of {through} belongs",
    "work.edge_at_output": "{local} = {said}: the slope of {op} taken at {out} where {input} "
                           "belongs",
    "work.edge_input_for_output": "{local} = {said}: the formula takes {out}, not {input}",
    "work.edge_factor": "{local} = {said}: the factor {factor} is left out",
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
    # --- the step-through page (autodiff/see/page.py and its templates) ------------------------
    # Its script fills each {field} itself (plain names only: no conversions, no formats).
    "page.title": "Backpropagation through {root}, step by step",
    "page.frame_title": "the graph, step by step",
    "page.no_picture": "; the steps below work without the picture.",
    "page.picture_failed": "The picture could not be drawn ({error}); the steps below work "
                           "without it.",
    "page.no_practise": "practise mode asks each gradient of a scalar graph of up to {count} "
                        "nodes",
    "page.sum_of_paths": "{name} = the sum of {count} paths",
    "page.one_path": "{name}: the product along its one path",
    "page.sum_of_its_paths": "{name}: the sum of its {count} paths",
    "page.sum_of_its_paths_is": "{name} = the sum of its {count} paths = {total}",
    # the controls
    "page.key_home": "Home",
    "page.key_left": "Left arrow",
    "page.key_right": "Right arrow",
    "page.key_end": "End",
    "page.key_space": "Space",
    "page.previous": "◀ previous",
    "page.next": "next ▶",
    "page.play": "▶ play",
    "page.pause": "❚❚ pause",
    "page.practise_hint": "predict each gradient before the page shows it",
    "page.practise": "practise",
    "page.stop_practising": "stop practising",
    "page.speed": "speed",
    "page.slow": "slow",
    "page.normal": "normal",
    "page.fast": "fast",
    "page.fastest": "fastest",
    "page.step": "step",
    "page.sample": "sample",
    "page.smaller": "smaller",
    "page.larger": "larger",
    "page.fit_hint": "the whole view in the window, or back to readable text",
    "page.fit": "fit",
    "page.readable": "readable",
    "page.keys": "Keys: ← → step, Home / End, Space play / pause. Click a node for its chain "
                 "rule; click a grey box to open it.",
    "page.counter": "step {k} / {last}",
    "page.phase_given": "given",
    "page.phase_forward": "forward pass",
    "page.phase_backward": "backward pass",
    "page.sample_range": "({first}–{last} of {size})",
    "page.sample_of": "of {size}",
    "page.sample_hint": "samples 0 to {last} of {size} can be picked; sums are over all {size}",
    # the picture
    "page.legend_positive": "fill: gradient so far, positive",
    "page.legend_negative": "negative (white: no share received yet)",
    "page.legend_current": "current node",
    "page.legend_receives": "receives a share",
    "page.legend_edges": "edges: red / blue by the sign of what flowed back, wider = larger",
    "page.the_graph": "the graph",
    "page.data_line": "data {value}",
    "page.grad_line": "grad {value}",
    "page.not_drawn": "{node} is not drawn in this view of the picture.",
    "page.inside_box": "{node} is inside the box {box}.",
    "page.box_nodes": "{count} nodes",
    "page.box_click": "click to open {box}",
    "page.box_open": "open {box}",
    # one step
    "page.start_title": "Start: the leaves are given",
    "page.start": "Every leaf has its value; nothing else is computed yet. The forward pass "
                  "computes each node from its inputs, leaves first, then the backward pass "
                  "sends the gradient of {root} back.",
    "page.more_leaves": ",  … ({count} more)",
    "page.forward_title": "Forward {n} of {count}: {node}",
    "page.forward_hint": "Its inputs are known, so its value can be computed.",
    "page.numbers_of_sample": " Numbers of sample {sample}.",
    "page.seed_title": "Backward: the seed",
    "page.seed": "The forward pass is done; every gradient starts at 0. The backward pass "
                 "starts at the root, {root}, whose gradient with respect to itself is 1:",
    "page.step_title": "Step {k} of {last}: {node}",
    "page.upstream": "upstream gradient {d} = ",
    "page.complete": "Its gradient is complete: every node that uses {node} has passed its "
                     "share. Now it passes a share to each input: local derivative × upstream "
                     "gradient.",
    "page.head_input": "input",
    "page.head_local": "local d{node}/d input",
    "page.head_formula": "= formula",
    "page.head_contribution": "contribution: local × upstream",
    "page.head_after": "input's gradient now",
    "page.summed": "summed over the {size} samples: Σ = {sum}",
    "page.constant_no_share": "The constant {names} gets no share: nothing depends on its "
                              "gradient.",
    "page.constants_no_share": "The constants {names} get no share: nothing depends on their "
                               "gradient.",
    "page.last_step": "That was the last step: every gradient is complete.",
    # a node's chain rule
    "page.chain_rule_for": "The chain rule for {d}",
    "page.by_ops": "No node between the leaves and {root} is labeled, so each path runs "
                   "through every op: one local derivative per step.",
    "page.paths_sum": "{node} reaches {root} along {count} paths; its gradient is the sum of "
                      "one product per path.",
    "page.path_sample": "sample {sample} above; summed over the batch: {sum}",
    "page.more_path": "{count} more path not listed; the sum above counts every one.",
    "page.bars_rest": "the other {count} paths",
    "page.bars_hint": "The {top} largest paths of {count}, end to end: together with the rest "
                      "they make the gradient.",
    "page.more_paths": "{count} more paths not listed; the sum above counts every one.",
    "page.last_share": " ({node} passes the last share)",
    "page.shown_at": "Shown at step {k}, where {node}'s gradient is complete{why}.",
    # the panels
    "page.gradients_so_far": "Gradients so far",
    "page.node": "node",
    "page.value": "value",
    "page.gradient": "gradient",
    "page.check_title": "Check: each gradient against central differences",
    "page.leaf": "leaf",
    "page.backward_pass": "backward pass",
    "page.batch_sum": " (Σ over the batch)",
    "page.check_note": "h = {eps}; each leaf nudged alone, the recorded graph run again. ✓: "
                       "they agree to 1e-5 + 1e-3 × |gradient|.",
    "page.check_more": " {count} more leaves not checked.",
    "page.check_batch": " A leaf with one value per sample is nudged along all of them at "
                        "once: the sum of its gradient.",
    "page.sgd_title": "After one SGD step",
    "page.sgd_title_lr": "After one SGD step, lr = {lr}",
    "page.parameter": "parameter",
    "page.now": "now",
    "page.after_update": "after p − lr·grad",
    "page.sgd_note": "{root}: {before} now, {after} after the step.",
    "page.not_defined": "not defined",
    "page.no_parameters": "No parameters to step.",
    "page.forward_mode_title": "Forward mode: the same derivatives, left to right",
    "page.forward_mode_hint": "Forward mode carries d node / d leaf from the leaf towards the "
                              "root, each node's tangent the sum of local derivative × its "
                              "inputs' tangents: one sweep per leaf. The backward pass carries "
                              "d root / d node the other way: one sweep for every leaf.",
    "page.direction": "direction: d / d",
    "page.direction_label": "forward-mode direction",
    "page.tangent": "tangent (forward)",
    "page.tangent_sum": "Σ local × input's tangent",
    "page.gradient_backward": "gradient (backward)",
    "page.forward_mode_result": "forward mode: {d} = {tangent};  backward pass: {grad}",
    "page.footer": "First the forward pass computes every value, leaves to root. Then each "
                   "backward step takes one node whose gradient is complete, multiplies it by "
                   "the node's local derivative for each input (the chain rule), and adds the "
                   "result to that input's gradient.",
    # practise mode
    "page.ask": "Your turn: {d} = ",
    "page.ask_sample": "Your turn, sample {sample}: {d} = ",
    "page.ask_label": "your value of {d}",
    "page.right": "Right: {d} = {value}.",
    "page.wrong": "Not quite: {d} = {value}, not {given}. ",
    "page.slip": ": {text}.",
    "page.also": " The same number also comes from {kind}: {text}.",
    "page.score": "Score: {right} right of {count}",
    "page.retry": "try again",
    "page.start_over": "start over",
    "page.also_edges": "also predict each edge: local derivative and contribution",
    # take the step
    "page.take_title": "Take the step",
    "page.take_note": "p ← p − lr·grad, run here from the op table: forward, backward, "
                      "forward again.",
    "page.take_later": "After the last backward step, take the step.",
    "page.lr": "lr",
    "page.learning_rate": "learning rate",
    "page.take": "take the step",
    "page.again": "again",
    "page.reset": "back to the start",
    "page.before": "before",
    "page.after": "after",
    "page.one_step_taken": "1 step taken.",
    "page.steps_taken": "{count} steps taken.",
    "page.before_step": " before the step, ",
    "page.after_step": " after it.",
    "page.bad_lr": "lr must be a positive number, such as 0.5.",
    # --- the lab (autodiff/lab: its page and its script) ---------------------------------------
    # Keys ending in _html hold markup (<code>); the script fills each {field} itself.
    "lab.title": "autodiff lab: gradients, live",
    "lab.heading": "autodiff lab",
    "lab.lede": "Type a formula and see its graph and gradients; train a small network and "
                "watch its weights, their gradients, the decision boundary and the loss change "
                "together. Everything runs here, in the browser: the Python engine, on Pyodide.",
    "lab.loading": "Loading Python…",
    "lab.ready": "Python is ready.",
    "lab.ready_no_graphviz": "Python is ready (graphs need Graphviz, which did not load).",
    "lab.no_python": "Python could not start: {error}",
    "lab.formula_title": "1 · A formula",
    "lab.at": "at",
    "lab.run": "Run",
    "lab.the_graph": "the graph",
    "lab.node": "node",
    "lab.data": "data",
    "lab.grad": "grad",
    "lab.no_layout": "The graph could not be laid out: {error}",
    "lab.open_page": "Step through it (practise mode inside)",
    "lab.page_title": "step-through page",
    "lab.check_work": "Check your work",
    "lab.check_how_html": "Work it out by hand, then write one number a line as "
                          "<code>name,value</code>: a node's value (<code>x</code>), a gradient "
                          "(<code>df/dx</code>, with the root's name as the table shows it), or a "
                          "weight after one SGD step (<code>w_new</code>, with the learning rate "
                          "below).",
    "lab.learning_rate": "learning rate",
    "lab.check": "Check",
    "lab.network_title": "2 · A network, learning",
    "lab.dataset": "data",
    "lab.moons": "moons",
    "lab.my_points": "my points (click the plane)",
    "lab.layers": "layers",
    "lab.activation": "activation",
    "lab.optimizer": "optimizer",
    "lab.sgd": "SGD, momentum 0.9",
    "lab.new_network": "New network",
    "lab.train": "Train",
    "lab.pause": "Pause",
    "lab.loss": "loss",
    "lab.updates": "updates",
    "lab.updates_per_second": "updates/s",
    "lab.boundary_caption": "The decision boundary. Click to add a point of class",
    "lab.class_1": "1 (orange)",
    "lab.class_0": "0 (blue)",
    "lab.net_caption": "The weights (colour: sign, width: size) and, in red, their gradients.",
    "lab.loss_caption": "The loss, update by update (log scale).",
    "lab.weights": "Weights and gradients",
    "lab.curve_updates": "{count} updates",
    "lab.layer_caption": "layer {layer} ({activation}): w / grad",
    "lab.weight_of": "w{input} of neuron {neuron}",
    "lab.bias_of": "b of neuron {neuron}",
}
