"""中文: every text of en.py, by the same key with the same {fields}, in the words Chinese
textbooks and the seed posts use (docs/glossary.md); and `ERRORS`, the engine's messages
(autodiff/engine/errors.py `MESSAGES`), key for key."""

TEXTS: dict[str, str] = {
    # --- Trace: its tables, its errors ----------------------------------------------------------
    "trace.forward_pass": "前向传播",
    "trace.backward_pass": "反向传播",
    "trace.from_root": "（从 {root} 开始）",
    "trace.backward_pass_from": "反向传播（从 {root} 开始，d{root} = 1）",
    "trace.forward_columns": "#|节点|运算|输入|值",
    "trace.backward_columns": "步|节点|上游梯度|输入|局部导数|贡献",
    "trace.unlabeled_node": "一个没有标签的节点",
    "trace.needs_value": "trace 需要一个 Value，收到的是 {kind}",
    "trace.needs_value_or_label": "需要一个 Value 或一个标签，收到的是 {kind}",
    "trace.node_needs_label": "Trace.node 需要一个标签（str），收到的是 {kind}",
    "trace.no_such_label": "这个计算图里没有标签为 {label!r} 的节点；它的标签有：{labels}",
    "trace.no_labels": "无",
    "trace.label_shared": "有 {count} 个节点的标签都是 {label!r}；请给它们不同的标签，"
                          "或者直接传入那个 Value",
    "trace.not_in_graph": "{node} 不是这个计算图的节点",
    "trace.direction_not_leaf": "forward_mode：{node} 是由其他节点算出来的；方向只能给叶子节点"
                                "（输入、权重）设定切向量",
    # --- explain ----------------------------------------------------------------------------------
    "explain.no_path": "{name} = {total}（从 {root} 出发没有路径到达它）",
    "explain.too_many_paths": "{name} 在带标签的节点之间有 {count:,} 条路径"
                              "（上限是 {limit:,}）；请解释离根更近的节点，或者传入 max_paths= "
                              "放宽上限",
    # --- numbers in tables (batch mode) --------------------------------------------------------
    "number.array": "形状 {shape}，均值 {mean}，范围 [{low}, {high}]",
    "number.empty_array": "形状 {shape}，空",
    "number.mean": "均值 {mean}",
    "number.empty": "空",
    # --- the command line ---------------------------------------------------------------------
    "cli.choose_command": "autodiff：请选择一个命令：trace、draw、train、compile 或 check"
                          "（见 autodiff --help）",
    "cli.wrote": "已写入 {files}",
    "cli.and": " 和 ",
    "cli.trace_out_empty": "autodiff trace：--out 需要一个目录名，例如 --out out",
    "cli.trace_highlight_empty": "autodiff trace：--highlight 需要一个节点的标签，"
                                 "例如 --highlight w5",
    "cli.trace_cannot_write": "autodiff trace：无法写入 --out {out}：{error}；请选择一个"
                              "可以创建、可以写入的目录",
    # --- autodiff trace: the hand-worked 2-2-2 network ----------------------------------------
    "demo.heading": "手算的 2-2-2 网络：输入 {inputs}，目标 {targets}",
    "demo.given": "已知",
    "demo.forward_pass": "前向传播",
    "demo.backward_pass": "反向传播：{root} 的每个梯度，按链式法则",
    "demo.after_step": "一步 SGD 之后（学习率 {lr}；偏置保持不变，与教材一致）",
    "demo.error_after": "{root} = {after}（原来是 {before}）",
    "demo.textbook_note": "（教材这里印的是 {printed}，来自它旧版的更新公式；"
                          "用它自己更新后的权重算得 {ours}）",
    "demo.highlight": "--highlight：{error}",
    "demo.graph_title": "手算的 2-2-2 网络：E_total 及其梯度",
    "demo.page_title": "2-2-2 网络的反向传播，一步一步",
    # --- nn.homework: checking a learner's NumPy backprop ------------------------------------
    "homework.right": "{name}：正确",
    "homework.missing": "{name}：缺失（应为形状 {expected}）",
    "homework.shape": "{name}：形状是 {given}，应为 {expected}",
    "homework.wrong": "{name}{index}：应为 {expected:.8g}，你给的是 {given:.8g}",
    "homework.all_right": "所有梯度都正确",
    "homework.slip": "错误（{kind}，出现在 {where}）：{text}",
    "homework.no_slip": "错误目录里没有哪一种能解释这些数",
    "homework.array": "数组",
    "homework.status": "结果",
    "homework.status.right": "正确",
    "homework.status.wrong": "错误",
    "homework.status.shape": "形状不对",
    "homework.status.missing": "缺失",
    # --- nn.exercises: a learner's derivative, graded -----------------------------------------
    "exercise.check": "{where}：应为 {expected:.8g}{numeric}，你给的是 {given:.8g}",
    "exercise.numeric": "（有限差分 {numeric:.8g}）",
    "exercise.expected": "应为：{formula}",
    "exercise.all_right": "{name}：全部 {count} 项检查都正确（{formula}）",
    "exercise.some_wrong": "{name}：有 {wrong} 项错误（共 {count} 项检查）；第一项：",
    "exercise.first_wrong_edge": "计算图中第一条错误的边：",
    "exercise.slip": "错误：{slip}",
    "exercise.unknown": "没有练习 {name!r}；练习有：{names}",
    "exercise.case": "第 {number} 例",
    "exercise.answer": "答案",
    "exercise.wrong_shape": "{part} 在 {label} 处的形状是 {given}，应为 {expected}",
    "exercise.raised_in_graph": "函数在计算图中抛出了 {kind}：{error}",
    "exercise.raised": "函数抛出了 {kind}：{error}",
    "exercise.adam_returns": "adam 必须返回 (next_x, config)，其中含 config['m']、['v']、['t']",
    "exercise.returns": "函数必须返回 {count} 个值：{parts}",
    "exercise.not_numbers": "答案不是数：{error}",
    "exercise.edge": "边 {node} ← {input}",
    "exercise.with_your_derivative": "用你的导数算出的 d{root}/d{node}",
    # --- check_work: its report, slips, notes and errors (autodiff/work) ---------------------
    "work.columns": "名称|你给的|应为|结果|错因",
    "work.status.right": "正确",
    "work.status.carried": "连带",
    "work.status.wrong": "错误",
    "work.kind.sign": "符号错误",
    "work.kind.missing factor": "漏了因子",
    "work.kind.missing path": "漏了路径",
    "work.kind.wrong slope": "斜率取错",
    "work.kind.wrong input": "输入用错",
    "work.kind.updated weight": "用了更新后的权重",
    "work.kind.wrong lr": "学习率不对",
    "work.kind.rounding": "过早舍入",
    "work.slip_shows_in": "{kind}（出现在 {where}）：{text}",
    "work.slip_cell": "{kind}：{text}",
    "work.slips_join": "；",
    "work.follows": "由你前面的数推得（{follows}）",
    "work.summary": "共 {count} 个答案：{counts}{first}",
    "work.count": "{count} 个{status}",
    "work.counts_join": "，",
    "work.first_wrong": "；第一个错误：{name}",
    "work.after_step": "更新后的 {node}",
    "work.rounded_before_use": "{row} 在使用之前被舍入成了 {round_to!r}",
    "work.wrong_sign": "{row} 的符号错了",
    "work.adds_where": "{row} 加上了 {other}，这里应该是 {right}",
    "work.uses_where": "{row} 用了 {other}，这里应该用 {right}",
    "work.leaves_out_path": "{row} 漏了经过 {through} 的那条路径",
    "work.term_sign": "{row}：经过 {through} 的那一项符号错了",
    "work.leaves_out_factor": "{row} 漏了因子 {factor}",
    "work.wrong_slope": "{row} 用了 {other} 处的斜率，这里应该用 {through} 处的"
                        "（在 {local} 中）",
    "work.updated_weight": "{row} 用了更新后的 {x}（{after!r}），这里应该用更新前的 {x}"
                           "（在 {local} 中）",
    "work.takes_where": "{row} 用了 {other}，这里应该是 {right}",
    "work.uses_where_in": "{row} 用了 {other}，这里应该用 {right}（在 {local} 中）",
    "work.wrong_lr": "{row} 更新时用的学习率是 lr = {lr!r}，而学习率是 {right!r}",
    "work.step_sign": "{row} 加上了 lr × {grad}，这一步应该减去它",
    "work.step_rounded": "{row} 被舍入成了 {round_to!r}",
    "work.rounded_sources": "{written} 是舍入之后再往下算的：{row} 继承了舍入误差",
    "work.and": " 和 ",
    "work.note_too_big": "没有查找错因：这个计算图有 {nodes} 个节点，而查找只处理不超过 "
                         "{limit} 个节点的计算图（手算的例子只有几十个）。各项结果是完整的。",
    "work.note_budget": "错因的查找停在了 {name}：已经算了 {limit} 行。从这里往后的各行"
                        "都判了结果，但没有指出错因；请一次少核对一些数，或者把中间的数也填上。",
    "work.no_answer": "没有核对过名为 {name!r} 的答案",
    "work.root_not_value": "check_work：root 必须是一个 Value，收到的是 {kind}",
    "work.answers_not_mapping": "check_work：answers 必须把名称对应到数，例如 "
                                "{{'net_h1': 0.3775}}，收到的是 {kind}",
    "work.lr_not_number": "check_work：lr 必须是一个数，收到的是 {kind}",
    "work.unknown_name": "check_work：这个计算图里没有名为 {name!r} 的数{hint}",
    "work.did_you_mean": "；你是不是想写 {names}？",
    "work.names_are": "；名称是标签（例如 {example}）、d{root}/d标签 和 标签_new",
    "work.label_shared": "check_work：有 {count} 个节点的标签都是 {label!r}；"
                         "请给每个节点一个自己的标签，才能核对它",
    "work.needs_lr": "check_work：{name} 是更新一步之后的参数；请给出学习率："
                     "check_work(..., lr=0.5)",
    "work.batch": "check_work 一次核对一个数；这个计算图存的是数组（批量模式）："
                  "请只用一个样本来构建它",
    "work.too_big": "check_work：这个计算图有 {nodes} 个节点；核对只处理不超过 {limit} 个"
                    "节点的计算图（手算的例子只有几十个）。请核对其中较小的一部分",
    "work.answer_type": "check_work：{name!r} 的答案必须是一个数或数的文本，收到的是 {kind}",
    "work.answer_not_number": "check_work：{name!r} 的答案不是数：{text!r}；"
                              "请写成 0.5933 或 5.933e-1 这样",
    "work.answer_not_finite": "check_work：{name!r} 的答案不是有限数：{text!r}",
    "work.file_unreadable": "无法读取 {path}：{reason}",
    "work.file_bad_json": "{path}：不是有效的 JSON（{error}，第 {line} 行）",
    "work.file_not_object": "{path}：应为一个“名称: 数”的 JSON 对象，收到的是 {kind}",
    "work.file_not_number": "{path}：{name!r} 的答案不是数：{value!r}",
    "work.file_two_cells": "{path}，第 {line} 行：应为两格，名称,数值；收到 {count} 格",
    "work.file_line_not_number": "{path}，第 {line} 行：{name!r} 的答案不是数：{value!r}",
    "work.file_twice": "{path}，第 {line} 行：{name!r} 答了两次",
    "work.file_empty": "{path}：没有找到答案；请每个数写一行 名称,数值",
}

# The engine's messages, key for key with MESSAGES in autodiff/engine/errors.py, and the
# pieces of them it writes where it builds them (tests/test_language.py finds every one).
ERRORS: dict[str, str] = {
    "label": "Value 的标签必须是 str，收到的是 {kind}",
    "data type": "{where} 必须是 int、float、NumPy 标量或 NumPy 浮点数组（批量模式），"
                 "收到的是 {kind}",
    "data too big": "{where} 必须是有限数，但这个 {digits} 位的整数超出了浮点数的范围"
                    "（约 1.8e308）",
    "data infinite": "{where} 必须是有限数，收到的是 {value}",
    "exponent": "**：指数必须是一个数或一个 Value，收到的是 {kind}",
    "arity": "{op} 需要 {arity} 个输入，收到 {count} 个",
    "input infinite": "{op}：{node} 的值不是有限数（{value}）；它的 data 是不是被直接赋值了？",
    "overflow": "{op}：对 {where}，结果不是有限数（超出了浮点数的范围）；请把输入缩小",
    "shapes": "{op}：批量数组的形状不一致（{shapes}）；每个批量数组必须每个样本一个值，"
              "样本数相同",
    "undefined": "{op}：在 {where} 处导数不是有限数；梯度无法流过这个节点",
    "gradient": "backward：到达 {node} 的梯度不是有限数（{value}）：{where} 超出了浮点数的范围"
                "（除以一个接近零的数就会这样）。没有改动任何 grad；请调整计算的尺度。",
    "tangent": "前向模式：{node} 的切向量不是有限数（{value}）：{terms} 超出了浮点数的范围；"
               "请把方向缩小。",
    "cycle": "计算图里有环：{node} 直接或经由其他节点成了自己的输入；记录下来的计算图从不成环："
             "是不是手动改了 `inputs`？",
    "not scalar": "{who} 需要一个标量，但这个节点存的是形状为 {shape} 的数组（批量模式）；"
                  "请先用 .sum() 或 .mean() 归约，"
                  "或把上游梯度（一个这个形状的数组）交给 backward()",
    "upstream shape": "backward(gradient)：{node} 的形状是 {shape}，但上游梯度的形状是 {got}；"
                      "请给这个节点的每个元素一个数",
    "float batch": "对批量模式的 Value 取 float()：请先用 sum() 或 mean() 归约",
    "not a value": "{who} 需要一个 Value，收到的是 {kind}",
    # The pieces the engine puts into its messages (`errors.said(key, english)` where the
    # English is written), and each op's domain ("domain " + the op as a textbook reads it).
    "node": "节点 {label!r}",
    "unlabeled node": "一个没有标签、值为 {value} 的节点",
    "unlabeled op": "一个没有标签的{op}节点",
    "leaf": "叶子",
    "with exponent": "，指数为 {n!r}",
    "domain": "{op}：{domain}；收到的是 {where}",
    "domain a ÷ b": "除数为零",
    "domain a^b": "指数是 Value 的 x ** y 需要 x > 0（d/dy = x**y · log x）",
    "domain a^n": "a ** n 需要 a > 0；底数为负时指数须为整数，底数为零时须 n >= 0",
    "domain ln a": "log 的输入必须 > 0",
    "domain √a": "sqrt 的输入必须 >= 0",
    "domain (1/N) Σᵢ aᵢ": "空批量的均值没有定义",
    "share": "来自 {user} 的那一份（它的局部导数 {local} × 它的梯度 {grad}）",
    "sum of shares": "各份之和（{shares}）",
    "in some samples": "在部分样本中",
    "value data": "Value 的 data",
    "upstream": "backward(gradient)：{node} 的形状是 {shape}；它的上游梯度",
    "held data": "{op}：{node} 存的 data 类型是 {kind}，但 Value 的 data",
    "of shape": "{node}（形状 {shape}）",
    "operand": "：另一个操作数：",
    "array of": "元素类型为 {dtype} 的数组",
    "exponent of": "**：指数",
    "grad output": "grad：输出必须是一个 Value，收到的是 {kind}",
    "grad input": "grad：inputs[{k}] 必须是一个 Value，收到的是 {kind}",
    "returns value": "{who}：f 必须返回一个 Value，收到的是 {kind}",
    "tangent type": "{where} 必须是一个数，收到的是 {kind}",
    "jvp count": "jvp：有 {inputs} 个输入，却有 {tangents} 个切向量；请每个输入给一个切向量",
    "jvp tangent": "jvp：一个切向量",
    "linear count": "linear：有 {weights} 个权重，却有 {inputs} 个输入",
}
