"""06 进阶：中文文本（键：英文文本的 SHA-1 前 10 位，见 ``__init__.py``）。"""

ZH = {
    "777ae38459": r"""
    # 06 · 进阶

    熟悉 `backward()` 之后会用到的工具：

    * `torch.autograd.grad`：把梯度作为返回值，而不是放进 `.grad`；
    * 用 `create_graph=True` 计算高阶梯度；
    * 在梯度流动时观察或修改它们的钩子；
    * 用 `torch.autograd.Function` 编写你自己的可微运算，并用 `gradcheck` 验证；
    * 调试 autograd：NaN 梯度、异常检测、两个内存与计算图的陷阱；
    * 在 GPU 上运行同样的代码。
    """,
    "3476e0824d": r"""
    ## 1. `torch.autograd.grad`：把梯度作为返回值

    `backward()` 把梯度累加到每个叶子节点的 `.grad` 中。而 `torch.autograd.grad(outputs,
    inputs)` 则以元组的形式*返回*输出对你指定的输入的梯度，并且不动 `.grad`。当你需要在某个
    计算中把梯度当作一个值来使用时，它很有用。
    """,
    "a2577678e6": r"""
    ## 2. 高阶梯度

    用 `create_graph=True` 计算出的梯度本身也会被记录在计算图中，因此可以再次求导。对于
    $y = x^3$：在 $x = 2$ 处，$dy/dx = 3x^2 = 12$，$d^2y/dx^2 = 6x = 12$。
    """,
    "f1a741ce6e": r"""
    `dy` 有 `grad_fn`（反向传播被记录了），`d2y` 没有（第二次我们没有要求 `create_graph`）。

    一个用途：**牛顿法**，它用一阶导数除以二阶导数。从 $x = 2$ 开始，求
    $f(x) = x^4 - 3x^2 + x$ 的极小值：
    """,
    "d210782856": r"""
    其他用途：梯度惩罚（包含梯度的损失）、元学习、Hessian-向量积。

    ## 3. 钩子：观察和修改梯度

    `tensor.register_hook(fn)` 会在反向传播中算出对该张量的梯度时调用 `fn(grad)`。返回
    `None` 表示只是查看，返回一个张量则会*替换*继续向后流动的梯度。`handle.remove()` 移除钩子。
    """,
    "76130507b3": r"""
    如果没有截断（clipping）钩子，`x.grad` 会是 $2 \cdot 2h = 8x = (8, 16, 24)$。叶子节点还可以
    有 *post-accumulate* 钩子，在它的 `.grad` 更新之后被调用（在反向传播期间就更新参数的优化器
    会用到它）；模块则有 *forward hooks*（前向钩子），能看到每一层的输入和输出，便于检查激活值：
    """,
    "9bc0883d81": r"""
    ## 4. 你自己的运算：`torch.autograd.Function`

    autograd 中的每个运算都把一个前向计算和一条反向传播规则配成一对。你可以添加自己的运算：
    继承 `Function`，把 `forward(ctx, ...)` 和 `backward(ctx, grad_output)` 写成静态方法，并用
    `ctx.save_for_backward` 保存反向传播所需的东西。通过 `.apply` 调用它。
    """,
    "27cab06a7a": r"""
    自定义函数的节点以类名命名，和其他节点一样出现在计算图中，还带着它保存的张量：
    """,
    "940a609eec": r"""
    反向传播规则不一定非得是真正的导数。*直通估计器*（straight-through estimator）在前向传播
    中做二值化（每个值都变成 $-1$ 或 $+1$，就像二值神经网络那样），却让梯度原样通过。`sign`
    的真正导数几乎处处为零，那样会让学习停止：
    """,
    "c8d9d5ee73": r"""
    ## 5. 检验反向传播规则：`gradcheck`

    错误的反向传播规则会给出错误的梯度，却不报任何错。`gradcheck` 逐元素地把你的规则与有限差分
    $\frac{f(x + \epsilon) - f(x - \epsilon)}{2\epsilon}$ 作比较。请使用双精度输入：在 float32
    下差分的噪声太大。
    """,
    "e8db6ffc3f": r"""
    ## 6. 调试 autograd

    ### NaN 梯度与异常检测

    一个经典问题：一个函数在前向传播中是安全的，在反向传播中却不是。用 `torch.where` 写出
    “$x$ 为正时取 $\sqrt{x}$，否则取 0”：
    """,
    "9d5ec68aba": r"""
    输出没有问题，第一个元素的梯度却是 `nan`。`torch.where` 对*两个*元素都计算了
    `torch.sqrt(x)`，包括 $\sqrt{-1}$ = `nan`，然后才选择了 0。在反向传播中，`WhereBackward0`
    为那个元素向 `sqrt` 分支发送梯度 0，而 `SqrtBackward0` 把它乘以 $\frac{1}{2\sqrt{x}}$ =
    `nan`：$0 \cdot \text{nan} = \text{nan}$。

    在一个大模型中，第一个 `nan` 是哪个节点产生的？**异常检测**会告诉你：在
    `torch.autograd.detect_anomaly()` 下（或在 `torch.autograd.set_detect_anomaly(True)` 之后），
    反向传播会检查每个节点的输出，并在第一个 `nan` 处报错，同时一条警告会指出创建该节点的
    *前向*传播代码行。它会让一切都变慢：只在调试时使用。
    """,
    "dd5da2861e": r"""
    修正方法：在函数*之前*就让不用的分支变得无害，这样它的反向传播就永远不会遇到坏的输入：
    """,
    "5499aaecec": r"""
    `nan` 的其他常见来源：对 0 取 `log` 会得到 `-inf`，很快就变成 `nan`（使用
    `torch.log(x + eps)`，或者使用接收 logits 的损失，比如 `BCEWithLogitsLoss`）；除以一个可能
    为 0 的范数（$0/0$ 是 `nan`）；以及学习率过大导致权重溢出（打印损失：它往往先变成 `inf`，
    再变成 `nan`）。

    ### `total += loss`：让每个计算图都一直存活

    为了报告平均值而把损失加起来是很自然的做法，却也是个陷阱：`loss` 是一个带有计算图的张量，
    所以 `total = total + loss` 是一次被记录的加法，`total` 会让*每一次*迭代的计算图连同其所有
    保存的缓冲区一直存活。内存随着每一步不断增长。应当改为累加 Python 数 `loss.item()`。我们用
    `saved_bytes()`（仅 autograd_nb 提供）来统计字节数：
    """,
    "e4cbd52643": r"""
    （在真实的循环中，`loss.backward()` 反正会释放每个计算图的缓冲区，但只要 `total` 存活，
    这些节点以及它们引用的其他一切都会一直存活。从不调用反向传播的验证循环还会保留缓冲区。）

    ### 在迭代之间分离隐藏状态

    循环模型把隐藏状态 `h` 从一步带到下一步。如果每一步都调用反向传播，第二次就会失败：新的
    `h` 依赖于旧的 `h`，而旧 `h` 的计算图已经被第一次反向传播释放了。
    """,
    "765fa6866f": r"""
    `retain_graph=True` 能让错误消失，但那样每次反向传播都要经过*所有*之前的步骤，越来越慢，
    内存也不断增长。通常的修正方法（截断的随时间反向传播）：保留隐藏状态的*值*，但在每一步
    开始时用 `h.detach()` 切断它的历史：
    """,
    "01f694a5ed": r"""
    ## 7. 在 GPU 上

    `autograd_nb` 在 CPU 上用 NumPy 运行；如果有 NVIDIA GPU 并安装了 CuPy
    （`pip install autograd_nb[gpu]`），`device="cuda"` 会把张量放到 GPU 上，所有运算（包括
    反向传播）都在那里运行。代码与 PyTorch 中的相同。在一个运算中混用不同设备是错误的，这一点
    也和 PyTorch 一样。在没有 GPU 的机器上（比如 Binder），下一个单元格会说明这一点，除此之外
    什么也不做。
    """,
    "793b313a05": r"""
    ## 小结

    * `torch.autograd.grad(outputs, inputs)` 返回梯度；`create_graph=True` 让它们可以再次求导
      （二阶导数、牛顿法）。
    * `register_hook` 查看或替换梯度；模块的前向钩子查看激活值。
    * 自定义 `Function` 把你的前向传播与你的反向传播配成一对；用 float64 下的 `gradcheck`
      检验它。
    * `.to("cuda")` 在 GPU 上运行同样的代码。

    * 调试：`detect_anomaly()` 找出产生第一个 `nan` 的节点；累加 `loss.item()` 而不是 `loss`；
      对在步骤之间传递的隐藏状态调用 `detach()`。

    课程到此结束。这里的一切都是 PyTorch：把导入语句中的 `autograd_nb` 换成 `torch`，代码无需
    改动即可运行，只有标记为 `# autograd_nb only` 的行除外（魔法命令、`viz`、`torch.step`、
    `saved_bytes`、各个交互面板），它们展示 autograd 做了什么，在 PyTorch 中没有对应物。你已经
    可以去读 PyTorch 自己的 autograd 文档了。
    """,
    "0856567bec": r"""
    写一个自定义函数 `MySiLU`，计算 $\operatorname{silu}(x) = x \cdot \sigma(x)$，并带有它
    自己的反向传播规则。它的导数是 $\sigma(x) + x\,\sigma(x)\,(1 - \sigma(x))$。
    """,
}
