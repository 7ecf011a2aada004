"""03 The dynamic graph (seed 002): grad_fn, next_functions, graphs that follow Python
control flow, zero_grad/backward/step, in-place rules and version counters."""
from . import code, exercise, md

CELLS = [
    md("""
    # 03 · The dynamic graph

    PyTorch builds its graph *while your code runs*: every recorded operation adds a
    node, and the graph of one forward pass is thrown away after backward. This
    notebook opens the graph up: the nodes (`grad_fn`), the edges (`next_functions`),
    the values nodes save, how ordinary Python `if`/`while` shape the graph, the
    `zero_grad` / `backward` / `step` cycle, and the rules for in-place operations.
    """),
    code("""
    %load_ext autograd_nb
    import autograd_nb as torch
    import autograd_nb.nn as nn
    from autograd_nb import viz                # autograd_nb only: the pictures


    def check(ok, hint=""):
        \"\"\"Exercise checker: tells you whether your answer is right.\"\"\"
        print("Correct, well done!" if ok else f"Not yet. {hint}")
    """),
    md("""
    ## 1. Nodes: `grad_fn`

    The graph is made of *function nodes*. When an operation runs on a tensor that
    requires grad, autograd creates a node for it and attaches it to the result as
    `result.grad_fn`. In the forward pass the node does nothing: it only remembers how
    to compute its inputs' gradients later, when backward calls it.
    """),
    code("""
    x = torch.ones(2, 2, requires_grad=True)
    print(x)            # a leaf: no grad_fn
    y = x + 2
    print(y)
    print(y.grad_fn)    # the node that made y
    print(x.grad_fn)    # None
    """),
    md("""
    (The `0x...` part of the node's printout is a memory address; it differs on every
    run.)

    > **A precision.** The original tutorial says a `Function` object is created "for
    > every tensor that requires grad". Leaves like `x` have no `grad_fn`: only
    > *results of recorded operations* get one. A leaf appears in the graph as an
    > `AccumulateGrad` node, whose job is to add the incoming gradient into `x.grad`.

    ## 2. Edges: `next_functions`

    Each node lists where it sends gradients in `next_functions`: one `(node, index)`
    pair per input of the operation. Following them from the loss, you can walk the
    whole graph by hand, which is exactly what `backward()` does.
    """),
    code("""
    z = y * y * 3
    out = z.mean()
    print(out.grad_fn)
    print(out.grad_fn.next_functions)
    """),
    md("""
    A small recursive walk prints the whole graph; `None` marks an input that needs no
    gradient (here the constant `3` and `2`).
    """),
    code("""
    def walk(fn, depth=0):
        name = type(fn).__name__ if fn is not None else "None"
        print("    " * depth + name)
        if fn is not None:
            for next_fn, _ in fn.next_functions:
                walk(next_fn, depth + 1)


    walk(out.grad_fn)
    """),
    md("""
    The same graph as a picture, drawn from the same `next_functions`:
    """),
    code("""
    viz.draw(out)
    """),
    md("""
    ## 3. What nodes save

    To compute gradients later, some nodes keep values from the forward pass, visible
    as `_saved_*` attributes. `MulBackward0` for `y * y` saved both factors (the
    derivative of $a \\cdot b$ with respect to $a$ is $b$); `AddBackward0` saved no tensor
    (its derivative is 1). `%%autograd` lists them with their sizes:
    """),
    code("""
    %%autograd --show buffers
    a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = a * a
    c = b.exp()
    loss = c.sum()
    """),
    md("""
    The two totals under the table differ (notebook 00 defines them). *This graph*: 36
    bytes, because `a` counts twice (saved as `_saved_self` and as `_saved_other`) and
    `c` once, 12 bytes each. *All live graphs*: 28 bytes, because that total never counts
    a leaf that requires grad (`a` exists anyway), counts `c` (12 bytes), and adds the
    16 bytes that the graph of section 2 still keeps: `y`, saved by `y * y`, alive as
    long as `out` is.
    """),
    code("""
    print(b.grad_fn._saved_self, b.grad_fn._saved_other)
    print(c.grad_fn._saved_result)     # exp saves its *output*: d/dx e^x = e^x
    """),
    md("""
    ## 4. The graph follows Python control flow

    Because the graph is recorded as the code runs, loops and `if`s decide its shape,
    and each call may record a different graph. Here the loop doubles `y` until its sum
    reaches 20, then the branch picks a different final operation:
    """),
    code("""
    def f(x):
        y = x * 2
        loops = 0
        while y.sum().item() < 20:
            y = y * 2
            loops += 1
        if y.sum().item() > 30:
            out, branch = y.sum(), "if"
        else:
            out, branch = (y * y).sum(), "else"
        return out, loops, branch


    for start in ([1.0, 1.0], [3.0, 4.0]):
        x = torch.tensor(start, requires_grad=True)
        out, loops, branch = f(x)
        out.backward()
        print(f"x = {start}: {loops} loop(s), {branch} branch, value {out.item()}, x.grad = {x.grad}")
    """),
    md("""
    `[1, 1]` doubles to `[2, 2]`, then the loop runs three times (sums 4, 8, 16) until
    `y = [16, 16]` sums to 32, and the `if` branch returns `y.sum()` = 32. `[3, 4]`
    doubles to `[6, 8]` (sum 14), the loop runs once (sum 28), and the `else` branch
    returns $\\sum y_i^2 = 12^2 + 16^2 = 400$. Both roots are `SumBackward0`, so the
    printout alone cannot tell the graphs apart. Drawn side by side, they can: the `if`
    graph (left) is a chain of four multiplications by 2; in the `else` graph (right)
    `y * y` is a `MulBackward0` with *two* edges to the same node, and only two
    doublings come before it.
    """),
    code("""
    out_if, _, _ = f(torch.tensor([1.0, 1.0], requires_grad=True))
    out_else, _, _ = f(torch.tensor([3.0, 4.0], requires_grad=True))
    viz.draw(out_if, out_else, names={"out_if": out_if, "out_else": out_else})
    """),
    md("""
    This flexibility has a price the tutorial mentions: the graph is rebuilt on every
    iteration and cannot be optimised ahead of time as a whole. (Modern PyTorch can
    compile a function with `torch.compile` to win some of that back; the autograd
    rules you learn here stay the same.)

    ## 5. `zero_grad`, `backward`, `step`

    With an optimizer and a loss, one training iteration has three calls:

    1. `optimizer.zero_grad()` clears the gradient buffers of all parameters
       (gradients accumulate otherwise, notebook 02);
    2. `loss.backward()` computes fresh gradients;
    3. `optimizer.step()` updates every parameter from its `.grad`.

    > **Two typos in the original.** It writes `loss.backwards()` (the method is
    > `backward()`) and puts the optimizers in `torch.nn.optim` (they are in
    > `torch.optim`).

    Plain SGD's step is $p \\leftarrow p - \\text{lr}\\cdot p.\\text{grad}$; let us check
    that on one parameter:
    """),
    code("""
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    inputs, targets = torch.randn(4, 3), torch.randn(4, 1)

    optimizer.zero_grad()
    loss = ((model(inputs) - targets) ** 2).mean()
    loss.backward()
    before = model.bias.detach().clone()
    optimizer.step()
    print("bias before:     ", before)
    print("bias.grad:       ", model.bias.grad)
    print("bias after step: ", model.bias.detach())
    print("before - lr*grad:", before - 0.1 * model.bias.grad)
    """),
    md("""
    ## 6. Leaving the graph: `detach()` and `no_grad()`

    To keep a tensor out of the graph, call `detach()`. Precisely, `x.detach()` is a new
    tensor that

    * holds the same numbers in the same memory as `x`, and shares `x`'s version
      counter (so autograd still notices in-place changes made through it, section 7
      and notebook 04);
    * does not require grad and has no `grad_fn`: it is a leaf, cut off from `x`'s
      history.

    So an operation on detached tensors alone records nothing. An operation that mixes
    a detached tensor with one that requires grad *is* recorded, but its edge to the
    detached side is `None`: no gradient flows there. Used inside an expression,
    `detach()` thus turns a factor into a constant: for
    $y = x \\cdot \\text{detach}(x)$ the gradient is $x$, not $2x$. (To keep a whole
    block of code out of the graph, use `with torch.no_grad():`, notebook 01.)
    """),
    code("""
    s = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = s * s.detach()
    print(y.grad_fn.name(), [None if fn is None else type(fn).__name__ for fn, _ in y.grad_fn.next_functions])
    y.sum().backward()
    print("x * x.detach():", s.grad)

    s.grad = None
    (s * s).sum().backward()
    print("x * x:         ", s.grad)
    """),
    md("""
    ## 7. In-place operations and version counters

    An *in-place* operation (`add_`, `mul_`, `+=`, `x[0] = ...`) overwrites a tensor's
    memory instead of making a new tensor. That can clash with autograd, which may have
    saved the old value for backward. The original tutorial gives two rules:

    1. *"Do not modify in place a tensor that requires grad."* This is **too strict**.
    2. *"Do not modify in place a leaf of the graph (such as a parameter)."* This is
       right while recording.

    The real rule behind both: **you may change a tensor in place unless backward still
    needs its old value, or it is a leaf that requires grad (outside `no_grad`).**
    In-place changes of non-leaves are allowed and recorded; the tensor's `grad_fn` is
    replaced:
    """),
    code("""
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    print(type(y.grad_fn).__name__)
    y.add_(1)                          # allowed: nobody saved y
    print(type(y.grad_fn).__name__, y)
    y.sum().backward()
    print(x.grad)
    """),
    md("""
    How does autograd notice a clash? Every tensor has a **version counter**,
    `_version`, that each in-place operation increments. A node saves the version of
    each tensor it keeps; when backward unpacks the value and the version has moved, it
    raises instead of silently using a wrong value.
    """),
    code("""
    %%autograd --show tensors,buffers
    x = torch.ones(2, requires_grad=True)
    y = x * 2
    z = y * y                          # MulBackward0 saves y at version 0
    y.mul_(3)                          # version 1
    """),
    code("""
    z.sum().backward()
    """, "raises-exception"),
    md("""
    ### The buffer inspector

    The inspector lists every buffer a graph saved: which node holds it, its shape and
    bytes, the version it was saved at and the tensor's version now, and whether it is
    live, freed or *stale* (changed in place since). Its buttons apply an in-place
    change to one of your tensors for real, and check a node's backward rule against
    a numerical derivative. Here is the graph of $\\sum_i e^{a_i^2}$:
    """),
    code("""
    from autograd_nb.widgets import BufferInspector

    a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = a * a
    c = b.exp()
    loss = c.sum()
    inspector = BufferInspector(loss)
    inspector
    """),
    md("""
    `exp` saved its output `c`. Change `c` in place (the inspector's button does the
    same) and its buffer turns stale: saved at version 0, now at version 1. Backward
    would now raise the error above.
    """),
    code("""
    inspector.apply_inplace("c")
    print(inspector.messages[-1])
    inspector
    """),
    md("""
    Some nodes save their *output* rather than their input: `exp`, `sigmoid`, `tanh`
    (their derivatives are expressed through the result). Changing that output in place
    breaks the graph in the same way. Views share their base's counter, so changing a
    slice counts as changing the whole tensor:
    """),
    code("""
    base = torch.zeros(4)
    view = base[1:3]
    view.add_(1)
    print(base, base._version, view._version)
    """),
    md("""
    And the second rule: a leaf that requires grad cannot be changed in place while
    recording, because its value is where the graph starts. Inside `no_grad` it can,
    and that is how optimizers update parameters.
    """),
    code("""
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    w.add_(1)
    """, "raises-exception"),
    code("""
    with torch.no_grad():
        w.add_(1)
    print(w, w._version)
    """),
    md("""
    ## Summary

    * `grad_fn` is the node that made a tensor; `next_functions` are the edges to the
      nodes of its inputs; leaves appear as `AccumulateGrad`.
    * Nodes save what their backward needs (`_saved_*`); backward frees it.
    * The graph is recorded as the code runs, so Python control flow shapes it.
    * One iteration: `zero_grad()`, `backward()`, `step()`.
    * In place is fine unless backward needs the old value (the version counter
      catches that) or the tensor is a leaf requiring grad (use `no_grad`).
    """),
    *exercise(
        """
        For `p = torch.tensor([1.0, 2.0], requires_grad=True)` and
        `q = (p * 3 + 1).sum()`, list the class names of the nodes from `q.grad_fn`
        down to `p`'s `AccumulateGrad`, in order, in the list `chain` (follow the first
        edge of each node).
        """,
        """
        p = torch.tensor([1.0, 2.0], requires_grad=True)
        q = (p * 3 + 1).sum()
        chain = ...    # e.g. walk from q.grad_fn along next_functions[0][0]
        """,
        """
        p = torch.tensor([1.0, 2.0], requires_grad=True)
        q = (p * 3 + 1).sum()
        chain = []
        fn = q.grad_fn
        while fn is not None:
            chain.append(type(fn).__name__)
            fn = fn.next_functions[0][0] if fn.next_functions else None
        chain
        """,
        """
        check(chain == ["SumBackward0", "AddBackward0", "MulBackward0", "AccumulateGrad"],
              "Start from q.grad_fn and follow next_functions[0][0] until you reach AccumulateGrad "
              "(include it).")
        """),
    md("""
    The next cell fails at backward: `torch.sigmoid` saves its output for backward, and
    the output is then changed in place.
    """),
    code("""
    k = torch.tensor([0.0, 1.0], requires_grad=True)
    m = torch.sigmoid(k)
    m.mul_(2)                          # in place: sigmoid's saved output is now stale
    m.sum().backward()
    """, "raises-exception"),
    *exercise(
        """
        Rewrite the failing cell above so that backward works: make the doubling **out
        of place**, and keep `g` as the gradient of `m.sum()` with respect to `k`.
        (Writing through `m.data` would hide the error, not fix it: backward would then
        silently use the doubled values as sigmoid's output.)
        """,
        """
        k = torch.tensor([0.0, 1.0], requires_grad=True)
        m = torch.sigmoid(k)
        ...            # double m without changing sigmoid's output in place
        ...            # backward from m.sum()
        g = ...
        """,
        """
        k = torch.tensor([0.0, 1.0], requires_grad=True)
        m = torch.sigmoid(k)
        m = m * 2                      # a new tensor: sigmoid's saved output is untouched
        m.sum().backward()
        g = k.grad
        g
        """,
        """
        sig = torch.sigmoid(torch.tensor([0.0, 1.0]))
        check(isinstance(g, torch.Tensor) and torch.allclose(g, 2 * sig * (1 - sig))
              and isinstance(m, torch.Tensor) and torch.allclose(m.detach(), 2 * sig),
              "Replace m.mul_(2) by m = m * 2: the new tensor leaves sigmoid's saved output "
              "alone, and g = k.grad is 2 * sigmoid(k) * (1 - sigmoid(k)).")
        """),
]
