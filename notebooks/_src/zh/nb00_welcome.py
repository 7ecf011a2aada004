"""00 欢迎与练习场：中文文本（键：英文文本的 SHA-1 前 10 位，见 ``__init__.py``）。"""

ZH = {
    "841b29659a": r"""
    # 00 · 欢迎：看得见的 autograd

    本课程讲解 **PyTorch 的 autograd**（自动微分）——替你计算梯度的那套机制——方法是让你
    *亲眼看着*它工作。你写的是普通的 PyTorch 代码；`autograd_nb` 这个库按 PyTorch 的行为
    运行它（数值、打印出的张量、`grad_fn` 名称和错误信息都与 PyTorch 相同），并把内部发生的
    事情展示给你：每个运算记录下的计算图、它为反向传播保存的缓冲区，以及逐个节点向后流动的梯度。

    你在这里学到的一切在 PyTorch 中同样成立：把导入语句里的 `autograd_nb` 换成 `torch`
    （`import autograd_nb as torch` 变成 `import torch`，`autograd_nb.nn` 变成 `torch.nn`），
    PyTorch 代码无需改动即可运行。*不属于* PyTorch 的是“看”的部分：`%%autograd` 和
    `%autograd` 魔法命令、`torch.step(...)`、`viz`、各个交互面板以及 `saved_bytes()`。
    用到它们的代码行都标有 `# autograd_nb only`（或者来自 `from autograd_nb...` 导入）；
    换用 PyTorch 时删掉它们即可。

    本课程的中文版与英文版由同一份源文件生成：代码、输出和练习完全相同，只有说明文字是中文。
    代码里的注释、库打印的面板文字和错误信息保持英文（与 PyTorch 一致）。

    **课程目录**

    | 笔记本 | 主题 |
    |---|---|
    | 00 | 本页：一张图看懂 autograd、`%%autograd` 魔法命令、交互面板 |
    | 01 | 梯度模式：`requires_grad`、`no_grad`、`inference_mode`、`model.eval()` |
    | 02 | 叶子节点与 `backward()`：谁会得到 `.grad`、向量-雅可比积、梯度累加 |
    | 03 | 动态计算图：`grad_fn`、`next_functions`、就地操作 |
    | 04 | 神经网络：参数、冻结、一步 SGD、`detach()` 与 `.data` 的区别 |
    | 05 | 手写数字上的逻辑回归：先手写，再用 `nn` 和 `torch.optim` |
    | 06 | 进阶：`autograd.grad`、高阶梯度、钩子、自定义 `Function`、调试、GPU |
    """,
    "ae9df49719": r"""
    ## 准备工作

    每个笔记本的开头都一样。`%load_ext autograd_nb` 启用魔法命令（`%%autograd`），并在
    autograd 的错误信息下方附上通俗的解释。（课程内核 “Python 3 (autograd_nb)” 会替你加载它；
    再加载一次也无害，而且不会输出任何内容。）然后我们以 PyTorch 惯用的名字导入这个库。
    """,
    "620dc535cf": r"""
    ## 一个例子看懂 autograd 做了什么

    取 $y = x^2 + 3x$，$x = 2$。微积分告诉我们 $\frac{dy}{dx} = 2x + 3 = 7$。

    autograd 不需要你做任何微积分就能得到这个结果：

    1. **前向传播。** Python 计算 `y` 的同时，autograd 记录下每个涉及 `requires_grad=True`
       张量的运算：这就是一个由函数组成的小*计算图*。
    2. **反向传播。** `y.backward()` 沿着这个计算图从 `y` 走回 `x`，在每个节点上应用链式法则，
       并把结果存入 `x.grad`。
    """,
    "67ad62fb7b": r"""
    `y` 打印时带有 `grad_fn=<AddBackward0>`：产生它的最后一个运算是加法，而 `AddBackward0`
    就是知道如何把梯度经由加法传回去的那个节点。下面是完整的计算图。从顶部（结果）往下读到
    叶子节点 `x`。节点里的虚线框是它为反向传播保存的值（带删除线：反向传播已经用过并释放了它），
    `x` 旁边的橙色框是反向传播存下的梯度：
    """,
    "48052de32a": r"""
    ## 值得关注的四个属性

    每个张量都带着 autograd 所关心问题的答案。其中四个从一开始就很重要：

    * `requires_grad`：autograd 是否应记录对这个张量的运算？
    * `is_leaf`：它是你创建的（叶子节点），还是由某个被记录的运算计算出来的？
    * `grad_fn`：对于由被记录的运算计算出的张量，是产生它的那个节点（叶子节点为 `None`）；
    * `.grad`：反向传播存放梯度的地方（针对需要梯度的叶子节点）。
    """,
    "3414ea6646": r"""
    ## `%%autograd` 单元格魔法命令

    手写这样的表格很快就会让人厌烦。把 `%%autograd` 放在单元格的第一行（仅 autograd_nb 提供），
    单元格照常运行，然后用三个面板展示它构建了什么：

    * **Tensors**：单元格创建或修改的每个张量，列出上面的四个属性以及另外六个：`shape`、
      `dtype`、`device`（它所在的设备：`cpu` 或 `cuda`）、`_version`（它被就地修改的次数；
      见笔记本 03）、`is_inference`（是否在推理模式下创建；见笔记本 01）；
    * **Graph**：上面那样的计算图，标注着你的变量名；
    * **Saved buffers**：每个节点为反向传播保存了什么，占多少字节。表格下方有两个总数：
      *this graph's buffers*（这个计算图中所有尚未释放的保存值，同一个张量被保存两次就算两次）
      和 *all live graphs*（来自 `autograd_nb.autograd.graph` 的 `saved_bytes()`：内核中仍然存活的
      任何计算图所保存的每个数组，每个只算一次；需要梯度的叶子节点，例如参数，从不计入，
      因为它本来就存在）。当一个张量被保存两次，或者之前单元格的计算图仍然存活时，两者会不同。
    """,
    "bc59bf468a": r"""
    选项能让它做更多事。`--backward loss` 在单元格运行后执行 `loss.backward()`，并增加一个
    显示梯度的面板。手算验证一下：$\text{loss} = \sum_i w_i v_i$，所以
    $\partial\,\text{loss} / \partial w = v = [3, 4]$。
    """,
    "46b9131fdc": r"""
    `--show` 用来挑选面板（`tensors,graph,buffers,grads,compare`）；`--step`（与 `--backward`
    一起使用）会打开**反向传播步进器**，而不是一次性执行完反向传播；下文会详细介绍它。
    """,
    "da98109876": r"""
    `--mode` 让单元格在某个梯度模式下运行（笔记本 01 会讲解这些模式）。在 `no_grad` 下什么都
    不会被记录，所以既没有计算图，也没有保存的缓冲区：
    """,
    "793c885909": r"""
    `%autograd status`（一个 `%`）告诉你当前的梯度模式、推理模式是否开启，以及所有存活的
    计算图在保存的缓冲区中占用了多少字节（`saved_bytes()`）：
    """,
    "eaf5feabba": r"""
    ## 错误附带解释

    autograd 的错误信息准确但简短。加载扩展后，每条错误信息后面都会跟着一段通俗的解释：
    发生了什么、autograd 为什么拒绝执行，以及常见的修改方法。（*本来就要*出错的单元格带有
    `raises-exception` 标签，因此 “Run All” 会越过它们继续运行。）
    """,
    "f75cc53a3a": r"""
    ## 与 PyTorch 结果相同

    `%%autograd --compare-torch` 还会在真正的 PyTorch 下（在一个单独的进程中）运行这个单元格，
    并把两边的结果并排显示。它需要安装 PyTorch；Binder 上没有安装，所以下面的单元格会先检查，
    没有 PyTorch 时只打印一行说明。
    """,
    "1a39ae4b75": r"""
    在你自己的笔记本里，只需在单元格第一行写上 `%%autograd --compare-torch`。

    ## 交互面板

    有些概念最适合通过点击来探索。本课程有四个小面板：

    * **反向传播步进器**（`torch.step(loss)`，或 `%%autograd --backward loss --step`）：
      真实的反向传播引擎，一次一个事件（本笔记本和 02）；
    * **梯度模式实验台**（`GradModeLab`）：同一段代码在每种梯度模式下的表现（01）；
    * **梯度累加实验台**（`AccumulationLab`）：一遍又一遍地反向传播、清零、重建，以及 `.grad`
      随之的变化（02）；
    * **缓冲区检查器**（`BufferInspector`）：每个保存的缓冲区、它的版本，以及就地修改对它的影响（03）。

    每个面板在 JupyterLab 中都是可交互的控件，同时也会打印出其状态的静态图片，所以这个笔记本
    在 GitHub 上也能很好地阅读（在那里你只能看到图片）。面板上的文字是英文。

    ### 反向传播步进器

    按 **Next** 让反向传播一次执行一个事件：一个节点从它收到的梯度开始，沿着它的每条边各发送
    一个梯度，释放它保存的缓冲区，最后 `AccumulateGrad` 把梯度累加进 `x.grad`。**Back** 和
    **Reset** 用来回退；**Run to end** 一直执行到结束。这里没有任何模拟：步进器取出的事件
    来自 `backward()` 所运行的同一个引擎。
    """,
    "10387c0229": r"""
    步进器也可以用代码驱动（`next()`、`back()`、`goto(k)`、`reset()`、`run_to_end()`）。这里它
    一直运行到结束，并列出每个事件。找一找两条路径汇合的地方：`x ** 2` 发送 $2x = 4$，`3 * x`
    发送 $3$，引擎把两者相加，然后 `AccumulateGrad` 把 $7$ 存入 `x.grad`。（列表下方的图片是
    步进器的最终状态。）
    """,
    "c919ebb45e": r"""
    设 $f(x) = x^3 - 4x$。在 $x = 2$ 处创建 `x`，并设置 `requires_grad=True`，计算 `f`，
    调用 `backward()`，让梯度留在 `x.grad` 中。
    （手算：$f'(x) = 3x^2 - 4$。）
    """,
    "8983ddc410": r"""
    ## 练习场

    下面的单元格归你了。试试在你自己写的公式上使用 `%%autograd --backward out`，或者对任何
    带有 `grad_fn` 的张量调用 `viz.draw(...)`。然后继续学习 **01 · 梯度模式**。
    """,
}
