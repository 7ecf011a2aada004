"""06 Beyond the seeds: autograd.grad, higher-order gradients, hooks, custom Function,
gradcheck, and a GPU section that runs when a GPU is present."""
from . import code, exercise, md

CELLS = [
    md("""
    # 06 · Beyond the basics

    The tools you reach for once `backward()` is familiar:

    * `torch.autograd.grad`: gradients as return values instead of in `.grad`;
    * higher-order gradients with `create_graph=True`;
    * hooks that watch or change gradients as they flow;
    * your own differentiable operation with `torch.autograd.Function`, verified with
      `gradcheck`;
    * debugging autograd: NaN gradients, anomaly detection, two memory and graph traps;
    * the same code on a GPU.
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
    ## 1. `torch.autograd.grad`: gradients as a return value

    `backward()` adds gradients into the `.grad` of every leaf. `torch.autograd.grad(outputs,
    inputs)` instead *returns* the gradients of the outputs with respect to the inputs you
    name, as a tuple, and leaves `.grad` alone. Useful when you need a gradient as a value
    inside a computation.
    """),
    code("""
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x ** 2).sum()
    g = torch.autograd.grad(y, x)
    print(g)
    print("x.grad:", x.grad)

    w = torch.tensor([3.0, 4.0], requires_grad=True)
    b = torch.tensor(0.5, requires_grad=True)
    out = (w * torch.tensor([1.0, 2.0])).sum() + b * 3
    gw, gb = torch.autograd.grad(out, [w, b])      # one gradient per input, in order
    print(gw, gb)
    """),
    md("""
    ## 2. Higher-order gradients

    A gradient computed with `create_graph=True` is itself recorded in a graph, so it
    can be differentiated again. For $y = x^3$: $dy/dx = 3x^2 = 12$ and
    $d^2y/dx^2 = 6x = 12$ at $x = 2$.
    """),
    code("""
    %%autograd --show tensors
    x = torch.tensor(2.0, requires_grad=True)
    y = x ** 3
    (dy,) = torch.autograd.grad(y, x, create_graph=True)
    (d2y,) = torch.autograd.grad(dy, x)
    """),
    md("""
    `dy` has a `grad_fn` (the backward pass was recorded), `d2y` does not (we did not
    ask for `create_graph` the second time).

    One use: **Newton's method**, which divides the first derivative by the second.
    Minimise $f(x) = x^4 - 3x^2 + x$, starting at $x = 2$:
    """),
    code("""
    def f(x):
        return x ** 4 - 3 * x ** 2 + x


    x = torch.tensor(2.0, requires_grad=True)
    for step in range(5):
        (d1,) = torch.autograd.grad(f(x), x, create_graph=True)
        (d2,) = torch.autograd.grad(d1, x)
        start = x.item()
        with torch.no_grad():
            x -= d1 / d2
        print(f"step {step}: x = {start:.6f}   f'(x) = {d1.item():+.4f}   f''(x) = {d2.item():7.4f}"
              f"   ->  x - f'/f'' = {x.item():.6f}")
    """),
    md("""
    Other uses: gradient penalties (a loss that contains a gradient), meta-learning,
    Hessian-vector products.

    ## 3. Hooks: watching and changing gradients

    `tensor.register_hook(fn)` calls `fn(grad)` when the gradient with respect to that
    tensor has been computed during backward. Return `None` to only look, or return a
    tensor to *replace* the gradient that flows on. `handle.remove()` takes the hook off.
    """),
    code("""
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    h = x * 2
    seen = []
    handle = h.register_hook(lambda grad: seen.append(grad.clone()))   # look only
    clip = x.register_hook(lambda grad: grad.clamp(-5, 5))            # change
    (h ** 2).sum().backward()
    print("gradient arriving at h:", seen[0])
    print("x.grad, clipped to [-5, 5]:", x.grad)
    handle.remove()
    clip.remove()
    """),
    md("""
    Without the clipping hook, `x.grad` would be $2 \\cdot 2h = 8x = (8, 16, 24)$.
    A leaf can also have a *post-accumulate* hook, called after its `.grad` was updated
    (optimizers that update parameters during backward use it), and modules have
    *forward hooks* that see each layer's input and output, handy to inspect
    activations:
    """),
    code("""
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    activations = {}


    def remember(name):
        def hook(module, inputs, output):
            activations[name] = output.detach()
        return hook


    handles = [net[i].register_forward_hook(remember(f"layer {i}")) for i in range(3)]
    net(torch.randn(5, 4))
    for name, act in activations.items():
        print(f"{name}: shape {tuple(act.shape)}, share of zeros {(act == 0).float().mean().item():.2f}")
    for hd in handles:
        hd.remove()
    """),
    md("""
    ## 4. Your own operation: `torch.autograd.Function`

    Every operation in autograd pairs a forward computation with a backward rule. You
    can add your own: subclass `Function`, write `forward(ctx, ...)` and
    `backward(ctx, grad_output)` as static methods, and save what backward needs with
    `ctx.save_for_backward`. Call it through `.apply`.
    """),
    code("""
    class MyExp(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            result = x.exp()
            ctx.save_for_backward(result)       # d/dx e^x = e^x: keep the output
            return result

        @staticmethod
        def backward(ctx, grad_output):
            (result,) = ctx.saved_tensors
            return grad_output * result


    x = torch.tensor([0.0, 1.0], requires_grad=True)
    y = MyExp.apply(x)
    print(y)
    y.sum().backward()
    print(x.grad)
    """),
    md("""
    The node of a custom function is named after the class, and shows up in the graph
    like any other, with its saved tensor:
    """),
    code("""
    x = torch.tensor([0.0, 1.0], requires_grad=True)
    y = MyExp.apply(x * 2)
    viz.draw(y)
    """),
    md("""
    Backward rules do not have to be the true derivative. The *straight-through
    estimator* binarises in the forward pass (every value becomes $-1$ or $+1$, as in
    binary neural networks) but lets the gradient through unchanged. The true
    derivative of `sign` is zero almost everywhere, which would stop learning:
    """),
    code("""
    class SignSTE(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x.sign()

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output              # pretend the forward was the identity


    x = torch.tensor([0.3, 1.7, -2.4], requires_grad=True)
    y = SignSTE.apply(x)
    (y * torch.tensor([1.0, 2.0, 3.0])).sum().backward()
    print(y, x.grad)

    x.grad = None
    (x.sign() * torch.tensor([1.0, 2.0, 3.0])).sum().backward()
    print("true derivative of sign:", x.grad)
    """),
    md("""
    ## 5. Checking a backward rule: `gradcheck`

    A wrong backward rule gives wrong gradients without any error. `gradcheck` compares
    your rule with finite differences, $\\frac{f(x + \\epsilon) - f(x - \\epsilon)}{2\\epsilon}$,
    element by element. Use double precision inputs: in float32 the differences are too
    noisy.
    """),
    code("""
    from autograd_nb.autograd import gradcheck     # PyTorch: from torch.autograd import gradcheck

    x = torch.randn(4, dtype=torch.float64, requires_grad=True)
    print("MyExp:", gradcheck(MyExp.apply, (x,)))


    class BadExp(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x.exp()

        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return grad_output * x              # wrong: should be exp(x)


    print("BadExp:", gradcheck(BadExp.apply, (x,), raise_exception=False))
    """),
    md("""
    ## 6. Debugging autograd

    ### NaN gradients, and anomaly detection

    A classic: a function that is safe in the forward pass but not in the backward.
    $\\sqrt{x}$ for positive $x$, else 0, written with `torch.where`:
    """),
    code("""
    x = torch.tensor([-1.0, 4.0], requires_grad=True)
    y = torch.where(x > 0, torch.sqrt(x), torch.zeros_like(x))
    print(y)
    y.sum().backward()
    print(x.grad)
    """),
    md("""
    The output is fine, the gradient of the first element is `nan`. `torch.where`
    computed `torch.sqrt(x)` for *both* elements, $\\sqrt{-1}$ = `nan` included, and only
    then picked 0. In backward, `WhereBackward0` sends a gradient of 0 to the `sqrt`
    branch for that element, and `SqrtBackward0` multiplies it by
    $\\frac{1}{2\\sqrt{x}}$ = `nan`: $0 \\cdot \\text{nan} = \\text{nan}$.

    In a big model, which node made the first `nan`? **Anomaly detection** tells you:
    under `torch.autograd.detect_anomaly()` (or after
    `torch.autograd.set_detect_anomaly(True)`), backward checks every node's output and
    raises at the first `nan`, and a warning shows the line of the *forward* pass that
    created that node. It slows everything down: use it only while debugging.
    """),
    code("""
    import warnings

    x.grad = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with torch.autograd.detect_anomaly():
                y = torch.where(x > 0, torch.sqrt(x), torch.zeros_like(x))
                y.sum().backward()
        except RuntimeError as error:
            print("RuntimeError:", error)
    for w in caught:                     # the warning names the forward line
        if "Error detected" in str(w.message):
            lines = str(w.message).splitlines()
            last_file = max(k for k, line in enumerate(lines) if line.strip().startswith("File "))
            print(lines[0])
            print("   ", lines[last_file + 1].strip())
    """),
    md("""
    The fix: make the unused branch harmless *before* the function, so that its
    backward never sees a bad input:
    """),
    code("""
    x.grad = None
    safe = torch.where(x > 0, x, torch.ones_like(x))        # sqrt only ever sees x > 0
    y = torch.where(x > 0, torch.sqrt(safe), torch.zeros_like(x))
    y.sum().backward()
    print(x.grad)
    """),
    md("""
    Other usual sources of `nan`: `log` of 0, which gives `-inf` and soon `nan` (use
    `torch.log(x + eps)`, or a loss that takes logits, such as `BCEWithLogitsLoss`), a
    division by a norm that can be 0 ($0/0$ is `nan`), and a learning rate so large
    that the weights overflow (print the loss: it often turns `inf` before `nan`).

    ### `total += loss`: keeping every graph alive

    Summing losses to report an average is natural, and a trap: `loss` is a tensor
    with a graph, so `total = total + loss` is a recorded addition, and `total` keeps
    the graph of *every* iteration alive, with all its saved buffers. Memory grows
    with every step. Add the Python number instead, `loss.item()`. We count the bytes
    with `saved_bytes()` (autograd_nb only):
    """),
    code("""
    import gc
    from autograd_nb.autograd.graph import saved_bytes      # autograd_nb only

    torch.manual_seed(0)
    model = nn.Linear(100, 1)
    batches = [torch.randn(64, 100) for _ in range(5)]
    gc.collect()                         # (graphs earlier cells left in reference cycles go now)
    start = saved_bytes()

    total = 0
    for xb in batches:
        loss = model(xb).pow(2).mean()
        total += loss                        # a tensor: keeps this graph alive
    print("total += loss:       ", total, f"  graphs kept: {saved_bytes() - start:,} bytes")

    del total, loss
    total = 0.0
    for xb in batches:
        loss = model(xb).pow(2).mean()
        total += loss.item()                 # a Python float: the graph can go
    del loss
    print("total += loss.item():", round(total, 4), f"  graphs kept: {saved_bytes() - start:,} bytes")
    """),
    md("""
    (In a real loop, `loss.backward()` frees each graph's buffers anyway, but the
    nodes, and everything else they refer to, stay alive as long as `total` does.
    Validation loops, which never call backward, keep the buffers too.)

    ### Detaching a hidden state between iterations

    A recurrent model carries a hidden state `h` from one step to the next. If each
    step calls backward, the second one fails: the new `h` depends on the old `h`,
    whose graph the first backward already freed.
    """),
    code("""
    torch.manual_seed(0)
    W = torch.randn(3, 3, requires_grad=True)
    inputs = torch.randn(4, 1, 3)
    h = torch.zeros(1, 3)
    for step, x_t in enumerate(inputs):
        h = torch.tanh(h @ W + x_t)
        loss = h.pow(2).sum()
        loss.backward()                      # the second one reaches the freed graph
        print("step", step, "ok")
    """, "raises-exception"),
    md("""
    `retain_graph=True` would silence the error, but then every backward runs through
    *all* earlier steps, slower and slower, and memory keeps growing. The usual fix
    (truncated backpropagation through time): keep the hidden state's *value* but cut
    its history at the start of each step with `h.detach()`:
    """),
    code("""
    W.grad = None
    h = torch.zeros(1, 3)
    for step, x_t in enumerate(inputs):
        h = torch.tanh(h.detach() @ W + x_t)  # the old h enters as a constant
        loss = h.pow(2).sum()
        loss.backward()
        print("step", step, "ok, loss", round(loss.item(), 4))
    """),
    md("""
    ## 7. On a GPU

    `autograd_nb` runs on the CPU with NumPy; with an NVIDIA GPU and CuPy installed
    (`pip install autograd_nb[gpu]`), `device="cuda"` puts tensors on the GPU and every
    operation, backward included, runs there. The code is the same as in PyTorch.
    Mixing devices in one operation is an error, as in PyTorch. On a machine without a
    GPU (Binder, for instance) the next cell says so and does nothing else.
    """),
    code("""
    # NBVAL_IGNORE_OUTPUT
    if torch.cuda.is_available():
        device = torch.device("cuda")
        print("GPU:", torch.cuda.get_device_name(0))
        torch.manual_seed(0)
        model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10)).to(device)
        inputs = torch.randn(256, 64, device=device)
        targets = torch.randint(0, 10, (256,), device=device)
        loss = nn.functional.cross_entropy(model(inputs), targets)
        loss.backward()
        print(loss.device, model[0].weight.grad.device)
        # the same computation on the CPU gives the same gradient
        cpu_model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
        cpu_model.load_state_dict({k: v.cpu() for k, v in model.state_dict().items()})
        nn.functional.cross_entropy(cpu_model(inputs.cpu()), targets.cpu()).backward()
        print("same gradient as on the CPU:",
              torch.allclose(model[0].weight.grad.cpu(), cpu_model[0].weight.grad, atol=1e-5))
        try:
            model(torch.randn(2, 64))           # a CPU tensor into a GPU model
        except RuntimeError as e:
            print("RuntimeError:", str(e).splitlines()[0])
    else:
        print("No GPU here (CuPy and an NVIDIA GPU are needed): the GPU section is skipped.")
    """),
    md("""
    ## Summary

    * `torch.autograd.grad(outputs, inputs)` returns gradients; `create_graph=True`
      makes them differentiable again (second derivatives, Newton's method).
    * `register_hook` sees or replaces a gradient; module forward hooks see activations.
    * A custom `Function` pairs your forward with your backward; check it with
      `gradcheck` in float64.
    * `.to("cuda")` runs the same code on a GPU.

    * Debugging: `detect_anomaly()` finds the node that made the first `nan`; sum
      `loss.item()`, not `loss`; `detach()` a hidden state carried between steps.

    That is the end of the course. Everything here is PyTorch: with `torch` instead of
    `autograd_nb` in the imports, the code runs unchanged, except the lines
    marked `# autograd_nb only` (the magics, `viz`, `torch.step`, `saved_bytes`, the
    dashboards), which show what autograd does and have no PyTorch counterpart. You are
    ready for PyTorch's own autograd documentation.
    """),
    *exercise(
        """
        Write a custom function `MySiLU` computing $\\operatorname{silu}(x) = x \\cdot
        \\sigma(x)$, with its own backward rule. Its derivative is
        $\\sigma(x) + x\\,\\sigma(x)\\,(1 - \\sigma(x))$.
        """,
        """
        class MySiLU(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ...    # save what backward needs, return x * sigmoid(x)

            @staticmethod
            def backward(ctx, grad_output):
                ...    # return grad_output times the derivative
        """,
        """
        class MySiLU(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x * torch.sigmoid(x)

            @staticmethod
            def backward(ctx, grad_output):
                (x,) = ctx.saved_tensors
                s = torch.sigmoid(x)
                return grad_output * (s + x * s * (1 - s))
        """,
        """
        x = torch.randn(5, dtype=torch.float64, requires_grad=True)
        try:
            y = MySiLU.apply(x)
            ok = (isinstance(y, torch.Tensor) and torch.allclose(y, x * torch.sigmoid(x))
                  and gradcheck(MySiLU.apply, (x,), raise_exception=False))
        except Exception as error:       # an unfinished Function may fail in many ways
            print(f"({type(error).__name__}: {error})")
            ok = False
        check(ok, "forward should return x * sigmoid(x); backward should return "
                  "grad_output * (s + x * s * (1 - s)) with s = sigmoid(x).")
        """),
]
