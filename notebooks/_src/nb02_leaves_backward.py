"""02 Leaves and backward (seed 001): is_leaf, who gets .grad, gradient= (vector-Jacobian
products), retain_graph, accumulation and zeroing, the second-backward error, integers."""
from . import code, exercise, md

CELLS = [
    md("""
    # 02 · Leaves and `backward()`

    Which tensors receive a gradient when you call `backward()`? What does
    `backward(gradient)` compute for a vector output? Why does a second `backward()`
    fail, and why do gradients add up? This notebook answers these questions with
    small examples you can check by hand.
    """),
    code("""
    %load_ext autograd_nb
    import warnings

    import matplotlib.pyplot as plt

    import autograd_nb as torch
    import autograd_nb.nn as nn
    import autograd_nb.nn.functional as F
    from autograd_nb import viz                # autograd_nb only: the pictures


    def check(ok, hint=""):
        \"\"\"Exercise checker: tells you whether your answer is right.\"\"\"
        print("Correct, well done!" if ok else f"Not yet. {hint}")
    """),
    md("""
    ## 1. Who gets a `.grad`? Leaves that require grad

    A tensor's gradient is stored in its `.grad` only if **both** hold:

    * `is_leaf` is `True`: you created the tensor yourself (it was not computed by a
      recorded operation);
    * `requires_grad` is `True`.

    Why not keep every gradient? Memory. To train a network you need the gradients of
    its weights and biases, which are leaves; the gradients of the thousands of
    intermediate results are only stepping stones, and keeping them would waste memory.
    (Check `model[0].weight.is_leaf` on any model: `True`.)

    Tensors you create are leaves, and `requires_grad` is `False` unless you ask:
    """),
    code("""
    a = torch.tensor([1.0])                         # leaf, requires_grad False
    b = torch.tensor([2.0], requires_grad=True)     # leaf, requires_grad True
    print("a:", a.is_leaf, a.requires_grad)
    print("b:", b.is_leaf, b.requires_grad)
    """),
    md("""
    Only floating point tensors can require grad, so an integer literal fails (write
    `2.0`, or pass `dtype=torch.float32`):
    """),
    code("""
    b = torch.tensor([2], requires_grad=True)       # int64
    """, "raises-exception"),
    md("""
    A tensor computed by an operation *inherits* `requires_grad` (it is `True` if any
    input requires grad). When it does, the operation is recorded and the result is
    **not** a leaf: it has a `grad_fn`, the node that will send gradients back to its
    inputs. When no input requires grad, nothing is recorded and the result is a leaf
    like any tensor you create (by PyTorch's convention, every tensor with
    `requires_grad=False` is a leaf):
    """),
    code("""
    print("a * 2:", (a * 2).is_leaf, (a * 2).grad_fn)              # a does not require grad: a leaf
    print("b * 2:", (b * 2).is_leaf, (b * 2).grad_fn.name())       # b does: recorded, not a leaf
    """),
    code("""
    %%autograd --backward z
    x = torch.tensor([1.0], requires_grad=True)
    y = torch.tensor([2.0])
    z = x * y
    """),
    md("""
    With $z = xy$: $\\partial z/\\partial x = y = 2$ and $\\partial z/\\partial y = x = 1$. But only
    `x` requires grad, so only `x.grad` is filled; `y.grad` stays `None`. (The original
    tutorial calls the node `MulBackward`; its real name is `MulBackward0`.)
    """),
    code("""
    print(z)          # tensor([2.], grad_fn=<MulBackward0>)
    print(x.grad)     # tensor([2.])
    print(y.grad)     # None
    """),
    md("""
    Reading `.grad` of a non-leaf gives `None` together with a warning. If you do want
    an intermediate gradient, ask for it *before* backward with `retain_grad()`:
    """),
    code("""
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    loss = (h * h).sum()
    loss.backward()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        print("h.grad:", h.grad)
    print("warning:", caught[0].category.__name__, "-", str(caught[0].message)[:60], "...")

    h = x * 3
    h.retain_grad()
    (h * h).sum().backward()
    print("with retain_grad():", h.grad)
    """),
    md("""
    ### Two traps: tensors that look like leaves but are not

    `.grad` is `None` after backward? Check `is_leaf` first. Two innocent-looking lines
    make non-leaves:

    * `torch.randn(3, requires_grad=True) * 0.01`: the leaf is the tensor `randn` made;
      the multiplication is recorded, and you keep its *result*. The leaf is gone (no
      name refers to it) and its gradient with it.
    * `torch.randn(3, requires_grad=True).to(device)`: when `.to` really changes
      something (a CPU tensor moved to `"cuda"`, or a new dtype), it is a recorded copy
      (`ToCopyBackward0`). When nothing changes, `.to` returns the tensor itself, so
      the same code may work on a CPU and break on a GPU.
    """),
    code("""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")             # reading .grad of a non-leaf warns
        scaled = torch.randn(3, requires_grad=True) * 0.01
        scaled.sum().backward()
        print("scaled:", scaled.is_leaf, scaled.grad_fn.name(), "grad:", scaled.grad)

        moved = torch.randn(3, requires_grad=True).to(torch.float64)   # like .to("cuda")
        moved.sum().backward()
        print("moved: ", moved.is_leaf, moved.grad_fn.name(), "grad:", moved.grad)
    """),
    md("""
    The fixes: do the arithmetic first and ask for gradients last, with the in-place
    `requires_grad_()`, or create the tensor where and how you want it:
    """),
    code("""
    scaled = (torch.randn(3) * 0.01).requires_grad_()          # a leaf
    moved = torch.randn(3, dtype=torch.float64, requires_grad=True)   # or device=device
    scaled.sum().backward()
    moved.sum().backward()
    print(scaled.is_leaf, scaled.grad, moved.is_leaf, moved.grad)
    """),
    md("""
    (`nn.Parameter(torch.randn(3) * 0.01)` is a third way: a parameter is always a leaf.)

    ## 2. A second `backward()` fails: the graph was freed

    To save memory, `backward()` frees the values the graph saved for it (here
    `MulBackward0` saved `y` to compute $\\partial z/\\partial x$) as soon as it has used them.
    Walking the same graph again is then impossible:
    """),
    code("""
    x = torch.tensor([1.0], requires_grad=True)
    y = torch.tensor([2.0])
    z = x * y
    z.backward()
    z.backward()
    """, "raises-exception"),
    md("""
    `retain_graph=True` keeps the saved values. It only protects *that* call: every
    backward that should leave the graph usable for one more must pass it again. And
    since each backward adds its result to `.grad`, the gradients **accumulate**:
    """),
    code("""
    x = torch.tensor([1.0], requires_grad=True)
    y = torch.tensor([2.0])
    z = x * y
    z.backward(retain_graph=True)
    print(x.grad)    # tensor([2.])
    z.backward(retain_graph=True)
    print(x.grad)    # tensor([4.])
    z.backward()     # the last one may free the graph
    print(x.grad)    # tensor([6.])
    """),
    md("""
    The error really comes from the *saved values*, not from the graph as such. A graph
    whose nodes saved nothing (adding a constant, summing) can be walked twice; one
    multiplication that saved a tensor is enough to make the second pass fail.
    """),
    code("""
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    s = (x + 1).sum()        # AddBackward0 and SumBackward0 save no tensor
    s.backward()
    s.backward()
    print(x.grad)
    """),
    md("""
    ## 3. Vector outputs: `backward(gradient)` is a vector-Jacobian product

    `backward()` without an argument only works for a single number (a scalar loss):
    """),
    code("""
    x = torch.tensor([2., 3., 1.], requires_grad=True)
    y = x ** 2           # y_i = x_i^2: three outputs
    y.backward()
    """, "raises-exception"),
    md("""
    The original tutorial concludes that PyTorch "does not allow" differentiating a
    tensor with respect to a tensor. It does, but you have to say *which combination*
    of the outputs you want. The derivatives of all outputs with respect to all inputs
    form the Jacobian matrix; here it is diagonal:

    $$J = \\begin{pmatrix}
      \\frac{\\partial y_1}{\\partial x_1} & \\frac{\\partial y_1}{\\partial x_2} & \\frac{\\partial y_1}{\\partial x_3}\\\\
      \\frac{\\partial y_2}{\\partial x_1} & \\frac{\\partial y_2}{\\partial x_2} & \\frac{\\partial y_2}{\\partial x_3}\\\\
      \\frac{\\partial y_3}{\\partial x_1} & \\frac{\\partial y_3}{\\partial x_2} & \\frac{\\partial y_3}{\\partial x_3}
    \\end{pmatrix}
    = \\begin{pmatrix} 2x_1 & 0 & 0\\\\ 0 & 2x_2 & 0\\\\ 0 & 0 & 2x_3 \\end{pmatrix}$$

    `y.backward(v)` computes the **vector-Jacobian product** $v^\\top J$ (one weight per
    output) without ever building $J$. With $v = (1, 1, 1)$:
    $v^\\top J = (2x_1, 2x_2, 2x_3) = (4, 6, 2)$.
    """),
    code("""
    x = torch.tensor([2., 3., 1.], requires_grad=True)
    y = x ** 2
    y.backward(torch.ones_like(x))
    print(x.grad)    # tensor([4., 6., 2.])
    """),
    md("""
    The weights need not be ones. With $v = (1, 3, 2)$:
    $v^\\top J = (2x_1, 6x_2, 4x_3) = (4, 18, 4)$. The original tutorial writes the
    weights as integers, right after we saw that integer tensors cannot require grad.
    It still works: `v` itself does not require grad, and backward converts it to the
    output's dtype (float32) before using it. Writing `[1., 3., 2.]` says what you mean.
    """),
    code("""
    x = torch.tensor([2., 3., 1.], requires_grad=True)
    y = x ** 2
    y.backward(torch.tensor([1, 3, 2]))
    print(x.grad)    # tensor([ 4., 18.,  4.])
    """),
    md("""
    Two ways to see the same thing. First, `y.backward(v)` gives the same gradient as
    `(y * v).sum().backward()`: backward of the scalar $\\sum_i v_i y_i$. Second, the
    explicit Jacobian, built row by row by backward with one-hot vectors:
    """),
    code("""
    x = torch.tensor([2., 3., 1.], requires_grad=True)
    v = torch.tensor([1., 3., 2.])
    (x ** 2 * v).sum().backward()
    print("(y * v).sum():", x.grad)

    rows = []
    for i in range(3):
        x.grad = None
        (x ** 2).backward(torch.eye(3)[i])
        rows.append(x.grad)
    J = torch.stack(rows)
    print("J =", J, sep="\\n")
    print("v @ J =", v @ J)
    """),
    md("""
    You never need to write that loop: `torch.autograd.functional.jacobian(f, x)` builds
    the Jacobian of a function for you (by default it runs one backward pass per output
    element, as our loop does), and `torch.autograd.functional.vjp(f, x, v)` gives $v^\\top J$ directly:
    """),
    code("""
    def square(t):
        return t ** 2


    J_auto = torch.autograd.functional.jacobian(square, x.detach())
    print("jacobian():", J_auto, sep="\\n")
    print("same as the loop:", torch.equal(J_auto, J))
    print("vjp():", torch.autograd.functional.vjp(square, x.detach(), v)[1])
    """),
    md("""
    `gradient` must have the output's shape (it is one weight per output element):
    """),
    code("""
    y = x ** 2
    y.backward(torch.ones(2))
    """, "raises-exception"),
    md("""
    ## 4. Accumulation and zeroing

    Every backward **adds** into `.grad`; nothing resets it for you. Let us record
    `w.grad` after each of five backward passes and draw it: the gradient of
    $(w \\cdot v)$ with respect to $w$ is $v = (1, -0.5)$, and it climbs by that much every
    call.
    """),
    code("""
    w = torch.tensor([0.5, 2.0], requires_grad=True)
    v = torch.tensor([1.0, -0.5])
    with viz.GradRecorder(w, name="w") as rec:
        for _ in range(5):
            (w * v).sum().backward()
    print(w.grad)
    rec.plot()
    plt.show()
    """),
    md("""
    ### The accumulation lab

    The lab below holds the graph of $z = x \\cdot y$ from section 2 and offers the moves
    of a training loop, each done for real: `backward()` with or without
    `retain_graph=True`, `zero_grad()` (zeros in place), `set_to_none()` (`.grad = None`)
    and `rebuild()` (run the forward again: a fresh graph from the same leaves). Every
    move adds a row to the timeline of `x.grad`. Click your way to 2, 4, 6, then try a
    backward through the freed graph.
    """),
    code("""
    from autograd_nb.widgets import AccumulationLab

    x = torch.tensor([1.0], requires_grad=True)
    y = torch.tensor([2.0])
    acc = AccumulationLab(lambda: x * y)
    acc
    """),
    md("""
    The same moves from code; the picture under the cell is the lab's timeline after
    them. The fourth backward fails (the graph was freed by the third), zeroing resets
    `x.grad`, and after `rebuild()` backward works again:
    """),
    code("""
    x2 = torch.tensor([1.0], requires_grad=True)     # a second lab with its own leaf:
    acc2 = AccumulationLab(lambda: x2 * y)           # the one above stays at its start
    acc2.backward(retain_graph=True)
    acc2.backward(retain_graph=True)
    acc2.backward()
    acc2.backward()             # fails: the graph was freed
    acc2.zero_grad()
    acc2.rebuild()
    acc2.backward()
    print([entry.grads["x2"].tolist() for entry in acc2.timeline[1:]])
    acc2
    """),
    md("""
    Three ways to start again from zero: `w.grad.zero_()` (keeps the tensor),
    `w.grad = None` (frees it; the next backward creates a fresh one), or
    `optimizer.zero_grad()`, which since PyTorch 2.0 sets every `.grad` to `None`
    (`zero_grad(set_to_none=False)` fills them with zeros instead).
    """),
    code("""
    w.grad.zero_()
    print("after zero_():", w.grad)
    w.grad = None
    print("after = None: ", w.grad)
    opt = torch.optim.SGD([w], lr=0.1)
    (w * v).sum().backward()
    opt.zero_grad()
    print("after optimizer.zero_grad():", w.grad)
    """),
    md("""
    ### Accumulating on purpose

    Accumulation is a feature: to train with an effective batch that does not fit in
    memory, run backward on several small batches and update once. In a training loop
    you do **not** need `retain_graph=True` for that: each step builds a new graph,
    while the parameters (and their `.grad`) stay the same tensors.

    > **A bug in the original tutorial's loop.** It updates when `step % 4 == 0`, which
    > is already true at `step == 0`: the first update uses the gradient of a single
    > batch, and only later updates use four. Count *completed* steps instead:
    > `(step + 1) % 4 == 0`.
    """),
    code("""
    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(2, 4)
            self.fc2 = nn.Linear(4, 1)

        def forward(self, x):
            return self.fc2(torch.relu(self.fc1(x)))


    torch.manual_seed(0)
    model = MLP()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    x_input, target = torch.randn(16, 2), torch.randn(16, 1)

    accumulate = 4
    backwards = 0
    optimizer.zero_grad()
    for step in range(12):
        loss = F.mse_loss(model(x_input), target) / accumulate   # average over the 4 batches
        loss.backward()
        backwards += 1
        if (step + 1) % accumulate == 0:                          # not step % 4 == 0
            optimizer.step()
            optimizer.zero_grad()
            print(f"step {step:2}: update from {backwards} accumulated backward passes")
            backwards = 0
    """),
    md("""
    Dividing the loss by the number of accumulated batches makes the summed gradient
    the *average* over them, the same as one big batch would give.

    ## 5. Watching the engine: the backward stepper

    `torch.step(y)` opens the backward stepper (notebook 00) on the graph of
    $y = x^2 + x^3$ at $x = 2$. Step with **Next** and watch the two paths meet at `x`:
    `PowBackward0` of `x ** 3` sends $3x^2 = 12$, the one of `x ** 2` sends $2x = 4$,
    and `AccumulateGrad` receives their sum, 16, before it adds it into `x.grad`.
    (`%%autograd --backward y --step` opens the same stepper on a cell.)
    """),
    code("""
    x = torch.tensor(2.0, requires_grad=True)
    y = x ** 2 + x ** 3
    stepper = torch.step(y)    # autograd_nb only
    stepper
    """),
    md("""
    Driven from code: step until `AccumulateGrad` starts and read the gradient it
    received. The picture shows the stepper paused at that event.
    """),
    code("""
    x = torch.tensor(2.0, requires_grad=True)   # a fresh graph and a second stepper, so
    y = x ** 2 + x ** 3                         # the one above stays at its first event
    stepper2 = torch.step(y)
    while stepper2.next() is not None and not stepper2.current.label.startswith("AccumulateGrad"):
        pass
    print(stepper2.current.text)
    print("x.grad so far:", x.grad)
    stepper2
    """),
    code("""
    stepper2.run_to_end()
    print("x.grad after the last event:", x.grad)
    stepper2.close()            # "Done": free the graph's buffers, as backward() does
    """),
    md("""
    ## 6. Integer tensors never get gradients

    Integer and boolean tensors cannot require grad, and operations whose result is an
    integer or a boolean (comparisons, `argmax`, `round().long()`) are never recorded:
    there is nothing to differentiate. Convert with `.float()` when you need to compute
    with them in a graph (as in an accuracy, notebook 05).
    """),
    code("""
    scores = torch.tensor([0.2, 0.9, 0.4], requires_grad=True)
    best = scores.argmax()
    is_big = scores > 0.5
    print(best, best.requires_grad)
    print(is_big, is_big.requires_grad, is_big.dtype)
    print(is_big.float().mean())
    """),
    md("""
    ## Summary

    * Only **leaves** with `requires_grad=True` receive `.grad`; non-leaves have a
      `grad_fn` (use `retain_grad()` to keep their gradient).
    * `backward()` frees the saved values; pass `retain_graph=True` for another pass.
    * For a non-scalar output, `backward(v)` computes $v^\\top J$; `v` has the output's
      shape.
    * Gradients **accumulate**: zero them (`zero_grad()`) before each new gradient, or
      accumulate on purpose and update every few steps.
    """),
    *exercise(
        """
        Let `x = torch.tensor([1., 2., 3.], requires_grad=True)` and `y = x ** 3`.
        Use one `backward` call with a `gradient` argument so that `x.grad` becomes the
        vector-Jacobian product with $v = (1, 0, 2)$. (By hand: $J$ is diagonal with
        $3x_i^2$, so $v^\\top J = (3, 0, 54)$.)
        """,
        """
        x = torch.tensor([1., 2., 3.], requires_grad=True)
        y = x ** 3
        # ... one backward call with a gradient argument
        """,
        """
        x = torch.tensor([1., 2., 3.], requires_grad=True)
        y = x ** 3
        y.backward(torch.tensor([1., 0., 2.]))
        x.grad
        """,
        """
        check(x.grad is not None and x.grad.tolist() == [3.0, 0.0, 54.0],
              "Expected x.grad == tensor([ 3.,  0., 54.]): pass the weights as y.backward(v).")
        """),
    *exercise(
        """
        Let `u = torch.tensor(1.0, requires_grad=True)` and `z = 5 * u`. Call backward
        **three times on this same `z`** so that `u.grad` ends up as `15.` (without any
        error). One `z.backward(torch.tensor(3.))` also gives 15, and so does building
        `z` again before each backward, but neither is three passes through one graph.
        The hook on `z` (notebook 06 explains hooks) counts the passes for the check.
        """,
        """
        u = torch.tensor(1.0, requires_grad=True)
        z = 5 * u
        passes = []
        z.register_hook(lambda grad: passes.append(grad))   # one entry per backward through z

        # ... three backward calls on z
        """,
        """
        u = torch.tensor(1.0, requires_grad=True)
        z = 5 * u
        passes = []
        z.register_hook(lambda grad: passes.append(grad))   # one entry per backward through z

        z.backward(retain_graph=True)
        z.backward(retain_graph=True)
        z.backward()
        u.grad
        """,
        """
        check(len(passes) == 3 and all(g.item() == 1.0 for g in passes)
              and u.grad is not None and u.grad.item() == 15.0,
              f"{len(passes)} backward pass(es) went through z (3 expected), u.grad = {u.grad}. "
              "Each z.backward() adds 5 to u.grad; keep the graph with retain_graph=True for the "
              "next call.")
        """),
]
