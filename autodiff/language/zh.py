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
    "trace.tangent_of": "forward_mode：{node} 的切向量",
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
    # --- drawings and training -----------------------------------------------------------------
    "draw.legend_fill": "填充色：梯度（红为正，蓝为负；越深 = |grad| 越大）",
    "draw.legend_highlighted": "紫色：高亮",
    # 图中数字旁边的用语（autodiff/see/draw.py、nn/drawing.py）
    "draw.data": "值",
    "draw.grad": "梯度",
    "draw.shape": "形状 {shape}",
    "draw.mean": "均值 {mean}",
    "draw.showing": "显示 {total:,} 个值节点中离 {names} 最近的 {shown:,} 个；用 focus= 看别处，"
                    "用 max_nodes= 显示更多",
    "draw.box_node": "{count:,} 个节点",
    "draw.box_nodes": "{count:,} 个节点",
    "draw.more_input": "另有 {count} 个输入",
    "draw.more_inputs": "另有 {count} 个输入",
    "draw.used_further_on": "后面还会用到",
    "draw.edge": "{count} 条边",
    "draw.edges": "{count} 条边",
    # 模型的框（nn/drawing.py）：分组标题；神经元自己的名字保持不变
    "draw.layer": "第 {number} 层",
    "draw.output_layer": "第 {number} 层（输出）",
    "draw.sample": "样本 {number}",
    "draw.neuron": "神经元 {number}",
    "draw.shared": "{name}（共享）",
    "draw.bias": "偏置",
    # 大到无法逐个节点画出的模型的概览（nn/drawing.py）
    "draw.summary_caption": "{count:,} 个值节点，每个神经元画成一个框；填充色：其权重的 ‖∇w‖",
    "draw.summary_hint": "用 focus=（一个 Value 或标签）查看它附近的节点，用 max_nodes=None "
                         "画出全部",
    "draw.inputs": "输入",
    "draw.neuron_count_one": "{count} 个神经元",
    "draw.neuron_count": "{count} 个神经元",
    "draw.shared_bias_grad": "共享偏置的梯度 {grad}",
    "draw.more_neurons": "… 另有 {count} 个",
    "draw.weight_count": "{count} 个权重",
    "draw.output": "输出",
    "draw.loss_and_rest": "损失及其余部分",
    "draw.graphviz_hint": "没有找到 Graphviz 的 `dot` 程序；要画图请先安装它（apt install "
                          "graphviz、brew install graphviz、conda install graphviz，"
                          "或见 https://graphviz.org/download/）",
    "draw.dot_source": "；在此之前，先看计算图的 DOT 源码：",
    "train.live_epoch": "第 {epoch} / {epochs} 轮，训练损失 {loss}",
    "train.live_start": "开始训练",
    "train.progress": "训练中",
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
    "cli.interrupted": "autodiff：已中断",
    "cli.compile_at_without_expr": "autodiff compile：--at 需要 EXPR"
                                   "（不给 EXPR 时用 2-2-2 的例子）",
    "cli.train_diverged": "autodiff train：训练 {task} 时在 --lr {lr:g} 下发散了，{what}"
                          "（{reason}）；请选一个更小的 --lr（默认值是 {default:g}）",
    "cli.train_overflowed": "数值溢出了",
    "cli.train_broke_down": "计算失败了",
    # 命令行的帮助（autodiff --help、autodiff COMMAND --help）
    "cli.help.autodiff": "观察、检查并逐步走完反向传播。",
    "cli.help.lang": "输出所用的语言：en 或 zh（默认：LANG 或 LC_ALL 以 zh 开头时为 zh，"
                     "否则为 en）",
    "cli.help.trace": "手算的 2-2-2 例子：一步训练中的每一个数",
    "cli.help.trace_description": "教科书中的 2-2-2 网络：前向传播，按链式法则求出的每个梯度，"
                                  "一步 SGD（lr 0.5，只更新权重），以及更新后的误差。",
    "cli.help.trace_out": "另外写出 DIR/graph.svg 和 DIR/trace.html（逐步演示页面）",
    "cli.help.trace_highlight": "在 graph.svg 中描出 LABEL 的梯度所经过的链式法则路径",
    "cli.help.draw": "一个公式的梯度，并把它的计算图画到文件里",
    "cli.help.draw_description": "在一个点上求公式的值（数、名字、+ - * / **、括号、"
                                 "exp log tanh sigmoid relu sqrt abs），打印每个名字的梯度，"
                                 "画出计算图。",
    "cli.help.draw_expr": '公式，例如 "x*y + exp(x)"',
    "cli.help.draw_at": "取值的点，例如 x=1.5,y=-2（可以给多次）",
    "cli.help.draw_output": "把计算图画到哪里：.svg、.png 或 .dot",
    "cli.help.draw_page": "另外写出逐步演示页面（一个独立的 .html 文件）",
    "cli.help.train": "在一个演示任务上训练一个小网络，带进度条",
    "cli.help.train_description": "在 xor 或双月数据上训练一个 MLP；打印最终的损失和准确率。",
    "cli.help.train_plot": "一张 PNG：损失曲线和决策边界",
    "cli.help.compile": "打印为计算图的前向和反向传播生成的 Python 代码",
    "cli.help.compile_description": "不给 EXPR 时：手算的 2-2-2 例子，输入为 w1..w8。",
    "cli.help.check": "检查你为 2-2-2 例子手算的数，并指出错在哪里",
    "cli.help.check_description": "检查学习者为手算的 2-2-2 网络算出的数：每个数是对的、"
                                  "受牵连的（只因前面某个数错了才错）还是错的，以及导致错误的"
                                  "失误。FILE：每行 name,value 的 CSV（表头可有可无）或一个 "
                                  "JSON 对象；名字可以是标签（net_h1）、梯度（dE_total/dw5）"
                                  "和更新后的权重（w5_new）。每个数都对时退出状态为 0，"
                                  "有错时为 1。",
    "cli.help.check_file": "答案：.csv 或 .json",
    "cli.help.check_lr": "这一步的学习率（默认 0.5，即教科书的取值）",
    "cli.help.lab": "写出实验室：一个静态网站，在浏览器里实时训练并显示梯度",
    "cli.help.lab_description": "写出一个静态网站（DIR/index.html），通过 Pyodide 在浏览器中"
                                "运行本软件包：一个公式的计算图和梯度，一个实时训练的网络。"
                                "用 python -m http.server -d DIR 提供 DIR，再打开它。",
    "cli.help.lab_out": "网站写入的文件夹",
    "cli.help.lab_pyodide": "npm 包 pyodide 的文件夹：复制它的核心文件，网站便无需联网"
                            "（默认：使用它的 CDN）",
    "cli.help.lab_viz": "npm 包 @viz-js/viz 的文件夹（默认：node_modules 中 PATH 旁边的那个，"
                        "否则使用它的 CDN）",
    # argparse 自己的用语（autodiff/cli/parsing.py）
    "cli.usage": "用法：",
    "cli.positional_arguments": "位置参数",
    "cli.options": "选项",
    "cli.help_help": "显示这条帮助信息并退出",
    "cli.usage_error": "{prog}：{message}（见 {prog} --help）",
    "cli.argparse.argument": "参数 {argument_name}：{message}",
    "cli.argparse.required": "缺少以下参数：{arg}",
    "cli.argparse.invalid_choice": "无效的选择：{value}（可选：{choices}）",
    "cli.argparse.invalid_value": "无效的 {type} 值：{value}",
    "cli.argparse.unrecognized": "无法识别的参数：{arg}",
    "cli.argparse.expected_one": "需要一个值",
    "cli.argparse.expected_at_most_one": "最多需要一个值",
    "cli.argparse.expected_at_least_one": "至少需要一个值",
    "cli.argparse.expected_n": "需要 {arg} 个值",
    "cli.argparse.ambiguous": "有歧义的选项：{option} 可以匹配 {matches}",
    "cli.argparse.ignored_explicit": "忽略了显式给出的值 {arg}",
    "cli.argparse.not_allowed_with": "不能与参数 {arg} 同时使用",
    "cli.argparse.one_required": "参数 {arg} 中必须给出一个",
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
    # --- nn.homework's slips (nn/backprop_slips.py): what the learner did, in the code's names
    "homework.kind.sign": "符号错误",
    "homework.kind.extra 1/N": "多了一个 1/N",
    "homework.kind.1/N forgotten": "漏了 1/N",
    "homework.kind.missing activation derivative": "漏了激活函数的导数",
    "homework.kind.wrong slope": "斜率取错",
    "homework.kind.transposed": "转置错误",
    "homework.kind.batch sum": "没有对批量求和",
    "homework.kind.wrong axis": "求和的轴不对",
    "homework.kind.L2": "L2 项错误",
    "backprop.output_layer": "输出层",
    "backprop.hidden_layer": "隐藏层",
    "backprop.hidden_layer_n": "第 {layer} 个隐藏层",
    "backprop.output_sign": "输出误差的符号反了：delta{L} 应从 {error}（预测值减目标值）开始，"
                            "而不是反过来",
    "backprop.output_extra_n_sum": "损失函数是对样本求和的（没有 1/N），每个梯度却都除以了 "
                                   "N = {n}",
    "backprop.output_extra_n": "1/N 用了两次：delta{L} = ({error}) / N 只应除一次，N = {n}；"
                               "每个梯度都小了 N 倍",
    "backprop.output_n_forgotten": "漏了 1/N：损失函数是 N = {n} 个样本的均值，所以 "
                                   "delta{L} = ({error}) / N；每个梯度都大了 N 倍",
    "backprop.transposed": "{name} 转置了：{prev}.T @ delta{layer} 的形状和 W{layer} 一样，"
                           "是 {shape}；乘积的顺序写反了",
    "backprop.first_row": "{name} 只是一个样本（第一行）的梯度：要对全部 N = {n} 个样本求和，"
                          "{total}",
    "backprop.no_sum": "{name} 就是 delta{layer} 本身，每个样本一行：要对样本求和，"
                       "np.sum(delta{layer}, axis=0)",
    "backprop.axis_1": "{name} 把每个样本的那一行加了起来（axis=1）：应该对样本求和，"
                       "np.sum(delta{layer}, axis=0)",
    "backprop.axis_all": "{name} 把 delta{layer} 加成了一个数：应该对样本求和，"
                         "np.sum(delta{layer}, axis=0)",
    "backprop.n_forgotten": "{name} 少了 1/N，即对 N = {n} 个样本取的均值（它大了 N 倍）",
    "backprop.extra_n": "{name} 比损失函数要求的多除了一次 N = {n}（delta 已经带有 1/N，"
                        "却又对批量取了均值）",
    "backprop.extra_n_sum": "{name} 比损失函数要求的多除了一次 N = {n}（delta 已经带有 1/N，"
                            "或者损失函数本是求和，却又对批量取了均值）",
    "backprop.sign": "{name} 的符号反了（要的是梯度，而不是更新量 -lr * gradient）",
    "backprop.l2_left_out": "{name} 少了 L2 项 reg * W{layer}（即 "
                            "0.5 * reg * np.sum(W{layer} * W{layer}) 的导数）",
    "backprop.l2_doubled": "{name} 的 L2 项写成了 2 * reg * W{layer}；"
                           "0.5 * reg * np.sum(W{layer} * W{layer}) 中的 0.5 和 2 相消："
                           "reg * W{layer}",
    "backprop.missing_derivative": "{where}漏了 {act} 的导数：{into}，其中 "
                                   "{act}'(z{layer}) = {right}",
    "backprop.wrong_slope": "{where}的 {act}' 是用 z{layer} 写的，而公式要的是激活值 "
                            "a{layer} = {act}(z{layer})：应为 {right}，而不是 {wrong}",
    "backprop.transposed_delta": "把误差经 W{layer} 往回传时，用了 W{layer}，这里应该用 "
                                 "W{layer}.T：delta{below} = (delta{layer} @ W{layer}.T) * "
                                 "f'(z{below})",
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
    # --- nn.exercises: what to write, the formula in words, the known wrong formulas -------
    "exercise.sigmoid.prompt": "写出 dsigmoid(x)：σ(x) = 1 / (1 + e^(−x)) 在数 x 处的导数。",
    "exercise.sigmoid.slip.input": "x·(1 − x)：公式里要的是输出 σ(x)，这里代入的却是 x 本身",
    "exercise.sigmoid.slip.itself": "σ(x) 本身，而不是它的导数",
    "exercise.sigmoid.slip.factor": "1 − σ(x)：漏了因子 σ(x)",
    "exercise.tanh.prompt": "写出 dtanh(x)：tanh 在数 x 处的导数。",
    "exercise.tanh.slip.input": "1 − x²：公式里要的是输出 tanh(x)，这里代入的却是 x 本身",
    "exercise.tanh.slip.square": "1 − tanh(x)：漏了平方",
    "exercise.tanh.slip.sign": "tanh(x)² − 1：符号反了",
    "exercise.neuron.prompt": "写出 neuron_backward(x, w, b, upstream) -> (dx, dw, db)：一个神经元 "
                              "out = σ(w·x + b) 的反向传播，已知 upstream = dL/dout。",
    "exercise.neuron.slip.missing": "漏了 σ'(net)：误差直接穿过了激活函数",
    "exercise.neuron.slip.from net": "σ' 用 net 来写：net·(1 − net)，而公式要的是 out = σ(net)",
    "exercise.neuron.slip.swapped": "dx 和 dw 弄反了：dw 乘的是 x，dx 乘的是 w",
    "exercise.softmax_ce.prompt": "写出 softmax_ce_grad(z, y) -> dz：z 是 logits (N, C)，y 是 N 个 "
                                  "int 标签，损失函数为 L = Σ_n −log softmax(z_n)[y_n]"
                                  "（对样本求和，和种子程序 000 一样）。",
    "exercise.softmax_ce.formula": "dL/dz = softmax(z) − onehot(y)，逐行计算：p; "
                                   "p[range(N), y] -= 1",
    "exercise.softmax_ce.slip.alone": "只有 softmax 的 p：还要从标签那一项减去 1"
                                      "（p[range(N), y] -= 1）",
    "exercise.softmax_ce.slip.divided": "除以了 N：这个损失函数是对样本求和的",
    "exercise.softmax_ce.slip.sign": "onehot − p：符号反了",
    "exercise.l2.prompt": "写出 l2_grad(W, reg) -> dW：L2 项 0.5 · reg · np.sum(W * W) 的梯度"
                          "（种子程序 002）。",
    "exercise.l2.formula": "dW = reg · W（½ 和 2 相消）",
    "exercise.l2.slip.doubled": "2·reg·W：0.5·reg·ΣW² 中的 ½ 和 2 相消",
    "exercise.l2.slip.alone": "只有 reg：漏了因子 W",
    "exercise.l2.slip.half": "0.5·reg·W：别忘了 d(W²)/dW = 2W",
    "exercise.conv_backward.prompt": "写出 conv_backward(dout, x, w, b, conv_param) -> (dx, dw, "
                                     "db)：种子程序 002 的朴素卷积（x (N, C, H, W)，"
                                     "w (F, C, HH, WW)，b (F,)，conv_param {{'stride', 'pad'}}；"
                                     "out[n, f] = Σ x_pad[n, :, window] · w[f] + b[f]）"
                                     "的反向传播。",
    "exercise.conv_backward.formula": "db[f] = Σ dout[:, f]; dw[f] += window · dout[n, f, i, j]; "
                                      "dx_pad[n, :, window] += w[f] · dout[n, f, i, j]，"
                                      "最后去掉填充",
    "exercise.adam.prompt": "写出 adam(x, dx, config) -> (next_x, config)：按种子程序 002 的写法"
                            "做一步 Adam（config：learning_rate、beta1、beta2、epsilon、m、v、"
                            "t）。",
    "exercise.adam.slip.no correction": "没有偏差修正：m 和 v 要除以 1 − β^t",
    "exercise.adam.slip.eps inside": "ε 放进了平方根里：应为 √v̂ + ε",
    "exercise.adam.slip.t late": "偏差修正用的是增加之前的 t",
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
    # 练习模式中反向传播一步的一条边：它的局部导数和贡献
    "work.edge_local_as_one": "{local} 被当成了 1（漏掉了）；它等于 {said}",
    "work.edge_slope_of": "{local} 用了 {other} 处的斜率，这里应该用 {through} 处的",
    "work.edge_at_output": "{local} = {said}：{op} 的斜率取在了 {out} 处，这里应该取在 {input} 处",
    "work.edge_input_for_output": "{local} = {said}：公式里用的是 {out}，不是 {input}",
    "work.edge_factor": "{local} = {said}：漏了因子 {factor}",
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
    # --- 逐步演示页面（autodiff/see/page.py 及其模板）---------------------------------
    "page.title": "{root} 的反向传播，一步一步",
    "page.frame_title": "计算图，一步一步",
    "page.no_picture": "；下面的步骤不需要图也能看。",
    "page.picture_failed": "图没能画出来（{error}）；下面的步骤不需要图也能看。",
    "page.no_practise": "练习模式只用于最多 {count} 个节点的标量计算图，逐个询问每个梯度",
    "page.sum_of_paths": "{name} = {count} 条路径之和",
    "page.one_path": "{name}：沿它唯一一条路径的乘积",
    "page.sum_of_its_paths": "{name}：它的 {count} 条路径之和",
    "page.sum_of_its_paths_is": "{name} = 它的 {count} 条路径之和 = {total}",
    # 控件
    "page.key_home": "Home 键",
    "page.key_left": "左方向键",
    "page.key_right": "右方向键",
    "page.key_end": "End 键",
    "page.key_space": "空格键",
    "page.previous": "◀ 上一步",
    "page.next": "下一步 ▶",
    "page.play": "▶ 播放",
    "page.pause": "❚❚ 暂停",
    "page.practise_hint": "在页面给出每个梯度之前，先自己算出来",
    "page.practise": "练习",
    "page.stop_practising": "停止练习",
    "page.speed": "速度",
    "page.slow": "慢",
    "page.normal": "正常",
    "page.fast": "快",
    "page.fastest": "最快",
    "page.step": "步骤",
    "page.sample": "样本",
    "page.smaller": "缩小",
    "page.larger": "放大",
    "page.fit_hint": "把整幅视图放进窗口，或回到可读的字号",
    "page.fit": "全图",
    "page.readable": "可读",
    "page.keys": "按键：← → 单步，Home / End 到首尾，空格 播放 / 暂停。点击节点看它的链式法则；"
                 "点击灰色方框将其展开。",
    "page.counter": "第 {k} / {last} 步",
    "page.phase_given": "已知",
    "page.phase_forward": "前向传播",
    "page.phase_backward": "反向传播",
    "page.sample_range": "（共 {size} 个中的 {first}–{last}）",
    "page.sample_of": "共 {size} 个",
    "page.sample_hint": "可选共 {size} 个样本中的 0 到 {last}；求和针对全部 {size} 个样本",
    # 图
    "page.legend_positive": "填充色：目前的梯度，正",
    "page.legend_negative": "负（白色：还没收到贡献）",
    "page.legend_current": "当前节点",
    "page.legend_receives": "收到一份贡献",
    "page.legend_edges": "边：红 / 蓝 表示传回的值的符号，越宽 = 越大",
    "page.the_graph": "计算图",
    "page.data_line": "值 {value}",
    "page.grad_line": "梯度 {value}",
    "page.not_drawn": "{node} 不在图的这个视图里。",
    "page.inside_box": "{node} 在方框 {box} 里面。",
    "page.box_nodes": "{count} 个节点",
    "page.box_click": "点击展开 {box}",
    "page.box_open": "展开 {box}",
    # 一步
    "page.start_title": "开始：叶子节点的值已知",
    "page.start": "每个叶子节点都有了值，其他节点还没有计算。前向传播从叶子节点开始，"
                  "由输入算出每个节点；然后反向传播把 {root} 的梯度传回去。",
    "page.more_leaves": "，  …（还有 {count} 个）",
    "page.forward_title": "前向第 {n} / {count} 步：{node}",
    "page.forward_hint": "它的输入都已知，所以可以算出它的值。",
    "page.numbers_of_sample": " 数值取自样本 {sample}。",
    "page.seed_title": "反向：起点",
    "page.seed": "前向传播完成，每个梯度从 0 开始。反向传播从根 {root} 开始，它对自身的梯度是 1：",
    "page.step_title": "第 {k} / {last} 步：{node}",
    "page.upstream": "上游梯度 {d} = ",
    "page.complete": "它的梯度已经完整：用到 {node} 的每个节点都已传回了贡献。"
                     "现在它给每个输入传一份贡献：局部导数 × 上游梯度。",
    "page.head_input": "输入",
    "page.head_local": "局部导数 d{node}/d 输入",
    "page.head_formula": "= 公式",
    "page.head_contribution": "贡献：局部导数 × 上游梯度",
    "page.head_after": "输入目前的梯度",
    "page.summed": "对 {size} 个样本求和：Σ = {sum}",
    "page.constant_no_share": "常数 {names} 不接收贡献：没有什么依赖它的梯度。",
    "page.constants_no_share": "常数 {names} 不接收贡献：没有什么依赖它们的梯度。",
    "page.last_step": "这是最后一步：每个梯度都已完整。",
    # 一个节点的链式法则
    "page.chain_rule_for": "{d} 的链式法则",
    "page.by_ops": "叶子节点和 {root} 之间没有带标签的节点，所以每条路径都经过每个运算："
                   "每一步一个局部导数。",
    "page.paths_sum": "{node} 沿 {count} 条路径到达 {root}；它的梯度是每条路径上的乘积之和。",
    "page.path_sample": "上面是样本 {sample}；对整个批量求和：{sum}",
    "page.more_path": "还有 {count} 条路径没有列出；上面的和包含了每一条。",
    "page.bars_rest": "其余 {count} 条路径",
    "page.bars_hint": "{count} 条路径中最大的 {top} 条，首尾相接：加上其余路径，合起来就是梯度。",
    "page.more_paths": "还有 {count} 条路径没有列出；上面的和包含了每一条。",
    "page.last_share": "（{node} 传回最后一份贡献）",
    "page.shown_at": "显示第 {k} 步：此时 {node} 的梯度已经完整{why}。",
    # 面板
    "page.gradients_so_far": "目前的梯度",
    "page.node": "节点",
    "page.value": "值",
    "page.gradient": "梯度",
    "page.check_title": "核对：每个梯度与中心差分比较",
    "page.leaf": "叶子节点",
    "page.backward_pass": "反向传播",
    "page.batch_sum": "（对批量求和 Σ）",
    "page.check_note": "h = {eps}；每次只微调一个叶子节点，把记录下的计算图重新算一遍。"
                       "✓：两者相差不超过 1e-5 + 1e-3 × |梯度|。",
    "page.check_more": " 还有 {count} 个叶子节点没有核对。",
    "page.check_batch": " 每个样本各有一个值的叶子节点，沿所有样本一起微调：得到的是它的梯度之和。",
    "page.sgd_title": "一步 SGD 之后",
    "page.sgd_title_lr": "一步 SGD 之后，学习率 lr = {lr}",
    "page.parameter": "参数",
    "page.now": "现在",
    "page.after_update": "更新后 p − lr·grad",
    "page.sgd_note": "{root}：现在 {before}，更新后 {after}。",
    "page.not_defined": "无定义",
    "page.no_parameters": "没有可以更新的参数。",
    "page.forward_mode_title": "前向模式：同样的导数，从左到右",
    "page.forward_mode_hint": "前向模式把 d 节点 / d 叶子 从叶子节点带向根，每个节点的切向量是"
                              "局部导数 × 输入的切向量之和：每个叶子节点一遍。反向传播沿另一个方向"
                              "带着 d 根 / d 节点：一遍得到所有叶子节点的梯度。",
    "page.direction": "方向：d / d",
    "page.direction_label": "前向模式的方向",
    "page.tangent": "切向量（前向）",
    "page.tangent_sum": "Σ 局部导数 × 输入的切向量",
    "page.gradient_backward": "梯度（反向）",
    "page.forward_mode_result": "前向模式：{d} = {tangent}；  反向传播：{grad}",
    "page.footer": "先由前向传播从叶子到根算出每个值。然后反向传播每一步取一个梯度已完整的节点，"
                   "对它的每个输入，用该节点的局部导数乘以它的梯度（链式法则），加到那个输入的梯度上。",
    # 练习模式
    "page.ask": "轮到你了：{d} = ",
    "page.ask_sample": "轮到你了（样本 {sample}）：{d} = ",
    "page.ask_label": "你算出的 {d}",
    "page.right": "正确：{d} = {value}。",
    "page.wrong": "不太对：{d} = {value}，不是 {given}。",
    "page.slip": "：{text}。",
    "page.also": "同一个数也可能来自{kind}：{text}。",
    "page.score": "得分：{count} 题中答对 {right} 题",
    "page.retry": "再试一次",
    "page.start_over": "重新开始",
    "page.also_edges": "也预测每条边：局部导数和贡献",
    # 更新一步
    "page.take_title": "更新一步",
    "page.take_note": "p ← p − lr·grad，在这里用运算表计算：前向、反向、再前向。",
    "page.take_later": "最后一步反向传播之后，再更新一步。",
    "page.lr": "学习率 lr",
    "page.learning_rate": "学习率",
    "page.take": "更新一步",
    "page.again": "再来一步",
    "page.reset": "回到起点",
    "page.before": "更新前",
    "page.after": "更新后",
    "page.one_step_taken": "已更新 1 步。",
    "page.steps_taken": "已更新 {count} 步。",
    "page.before_step": " 更新前，",
    "page.after_step": " 更新后。",
    "page.bad_lr": "学习率 lr 必须是正数，例如 0.5。",
    # --- 实验室（autodiff/lab：页面与脚本）--------------------------------------------------------
    "lab.title": "autodiff 实验室：梯度，实时计算",
    "lab.heading": "autodiff 实验室",
    "lab.lede": "输入一个公式，看它的计算图和梯度；训练一个小网络，看它的权重、权重的梯度、"
                "决策边界和损失一起变化。一切都在这里、在浏览器里运行："
                "Python 引擎跑在 Pyodide 上。",
    "lab.loading": "正在加载 Python…",
    "lab.ready": "Python 已就绪。",
    "lab.ready_no_graphviz": "Python 已就绪（画图需要 Graphviz，但它没有加载成功）。",
    "lab.no_python": "Python 无法启动：{error}",
    "lab.formula_title": "1 · 一个公式",
    "lab.at": "取值",
    "lab.run": "计算",
    "lab.the_graph": "计算图",
    "lab.node": "节点",
    "lab.data": "值",
    "lab.grad": "梯度",
    "lab.no_layout": "计算图无法排版：{error}",
    "lab.open_page": "逐步演示（内含练习模式）",
    "lab.page_title": "逐步演示页面",
    "lab.check_work": "检查你的计算",
    "lab.check_how_html": "先手算，再每行写一个数，格式为 <code>name,value</code>：节点的值"
                          "（<code>x</code>）、梯度（<code>df/dx</code>，根节点的名字与表中一致），"
                          "或一步 SGD 之后的权重（<code>w_new</code>，学习率填在下面）。",
    "lab.learning_rate": "学习率",
    "lab.check": "检查",
    "lab.network_title": "2 · 一个正在学习的网络",
    "lab.dataset": "数据",
    "lab.moons": "双月",
    "lab.my_points": "我的点（点击平面添加）",
    "lab.layers": "层",
    "lab.activation": "激活函数",
    "lab.optimizer": "优化器",
    "lab.sgd": "SGD，动量 0.9",
    "lab.new_network": "新网络",
    "lab.train": "训练",
    "lab.pause": "暂停",
    "lab.loss": "损失",
    "lab.updates": "更新次数",
    "lab.updates_per_second": "次更新/秒",
    "lab.boundary_caption": "决策边界。点击平面添加一个点，类别为",
    "lab.class_1": "1（橙色）",
    "lab.class_0": "0（蓝色）",
    "lab.net_caption": "权重（颜色：正负，粗细：大小），红色是它们的梯度。",
    "lab.loss_caption": "损失，逐次更新（对数刻度）。",
    "lab.weights": "权重与梯度",
    "lab.curve_updates": "{count} 次更新",
    "lab.layer_caption": "第 {layer} 层（{activation}）：权重 / 梯度",
    "lab.weight_of": "第 {neuron} 个神经元的 w{input}",
    "lab.bias_of": "第 {neuron} 个神经元的 b",
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
    "in some": "在部分样本中",
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
