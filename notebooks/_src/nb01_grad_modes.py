"""01 Grad modes (seed 000): requires_grad, no_grad, enable_grad, set_grad_enabled,
inference_mode, decorators, model.eval(), freezing, the sgd pattern, timing."""
from . import code, exercise, md

CELLS = [
    md("""
    # 01 · Grad modes: when does autograd record?

    Computing gradients costs memory and time, and we do not always need them: when we
    evaluate a model, when an optimizer updates the weights, when we prepare data. This
    notebook covers every switch PyTorch offers:

    * `requires_grad` on a tensor (fine-grained: cut single edges of the graph);
    * the grad modes `no_grad`, `enable_grad`, `set_grad_enabled` and `inference_mode`
      (coarse: a whole block of code), as context managers and as decorators;
    * `model.eval()`, which is **not** a grad mode, although its name suggests it.
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
    ## 1. A quick recap of autograd

    Autograd is *reverse-mode automatic differentiation*: during the forward pass it
    records a directed acyclic graph of the operations, with the output at the root and
    the inputs as leaves; `backward()` then walks the graph from the root to the leaves,
    applying the chain rule at every node.

    Example: $x = [x_1, x_2, x_3, x_4]$ and
    $f(x) = \\frac{1}{4}\\sum_{i=1}^{4} 3 (x_i + 2)^2$. Write it in four steps,
    $a = x + 2$, $b = a^2$, $c = 3b$, $d = \\operatorname{mean}(c)$, and the chain rule gives

    $$\\frac{\\partial f}{\\partial x_i}
      = \\frac{\\partial d}{\\partial c_i}\\frac{\\partial c_i}{\\partial b_i}
        \\frac{\\partial b_i}{\\partial a_i}\\frac{\\partial a_i}{\\partial x_i}
      = \\frac{1}{4}\\cdot 3 \\cdot 2(x_i + 2) \\cdot 1 = 1.5\\,x_i + 3 .$$

    Note that the gradient of a function of a vector is a vector of the same size.
    """),
    code("""
    %%autograd --backward d
    x = torch.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    a = x + 2
    b = a ** 2
    c = 3 * b
    d = c.mean()
    """),
    code("""
    print("autograd:", x.grad)
    print("1.5x + 3:", 1.5 * x.detach() + 3)
    """),
    md("""
    The graph is rebuilt from scratch on every forward pass (PyTorch's graphs are
    *dynamic*), so each iteration may compute something different, or switch recording
    off for part of the work. That is what the rest of this notebook is about.

    ## 2. `requires_grad`: fine-grained control

    `Tensor.requires_grad` is a flag on every tensor, `False` by default. It matters in
    both directions:

    1. **Forward:** an operation is recorded in the graph only if at least one of its
       inputs has `requires_grad=True` (and recording is on: section 3).
    2. **Backward:** only *leaf* tensors with `requires_grad=True` receive a gradient in
       their `.grad`.

    Three ways to switch it on:
    """),
    code("""
    t1 = torch.ones(2, 2, requires_grad=True)         # when you create the tensor
    t2 = torch.zeros(2, 2).requires_grad_(True)         # in place, afterwards
    t3 = nn.Parameter(torch.zeros(2, 2))                # wrapped as a model parameter
    print(t1.requires_grad, t2.requires_grad, t3.requires_grad)
    t3
    """),
    md("""
    `nn.Parameter` is what layers use for their weights (and what you would use for,
    say, a trainable positional encoding): it requires grad by default and a module
    registers it, so `model.parameters()` finds it.

    Only floating point (and complex) tensors can require gradients; a gradient of an
    integer tensor would make no sense:
    """),
    code("""
    torch.tensor([1, 2, 3]).requires_grad_()
    """, "raises-exception"),
    md("""
    The flag is *yours to set only on leaves*. A tensor computed from others (a
    non-leaf) gets `requires_grad=True` automatically when any input requires grad,
    because gradients for the leaves must flow *through* it. Trying to switch it off
    fails; `detach()` is the way to get the same values outside the graph:
    """),
    code("""
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    h = w * 2
    print(h.requires_grad, h.is_leaf)
    h.requires_grad = False
    """, "raises-exception"),
    code("""
    h_const = h.detach()
    print(h_const.requires_grad, h_const.is_leaf)
    """),
    md("""
    ### Cutting a subgraph out

    Let $y_3 = y_1 + y_2$ with $y_1 = x^2$ and $y_2 = x^3$. Both paths contribute:

    $$\\frac{dy_3}{dx} = \\frac{dy_1}{dx} + \\frac{dy_2}{dx} = 2x + 3x^2 .$$

    > **A correction to the original tutorial.** It writes this as "$2x + 3x = 5x$". The
    > derivative of $x^3$ is $3x^2$, not $3x$; the two only agree at $x = 1$ (where
    > both give 5). At $x = 2$ the gradient is $2\\cdot 2 + 3\\cdot 4 = 16$, not 10:
    """),
    code("""
    for value in (1.0, 2.0, -1.5):
        x = torch.tensor(value, requires_grad=True)
        y3 = x ** 2 + x ** 3
        y3.backward()
        print(f"x = {value:4}:  autograd {x.grad.item():6.2f}   2x + 3x^2 = {2 * value + 3 * value ** 2:6.2f}")
    """),
    md("""
    Now compute $y_2$ with recording switched off. $y_2$ becomes a constant as far as
    autograd knows: no gradient can flow back through it, and only the $y_1$ path is
    left, so $dy_3/dx = 2x = 2$ at $x = 1$.
    """),
    code("""
    %%autograd --backward y3
    x = torch.tensor(1.0, requires_grad=True)
    y1 = x ** 2
    with torch.no_grad():
        y2 = x ** 3
    y3 = y1 + y2
    """),
    code("""
    print(x.requires_grad)          # True
    print(y1, y1.requires_grad)     # tensor(1., grad_fn=<PowBackward0>) True
    print(y2, y2.requires_grad)     # tensor(1.) False
    print(y3, y3.requires_grad)     # tensor(2., grad_fn=<AddBackward0>) True
    print(x.grad)                   # tensor(2.)
    """),
    md("""
    In the graph, `AddBackward0` has `None` as its second edge: that is the cut. And `y2`
    itself has no graph at all, so calling `backward()` on it fails:
    """),
    code("""
    y2.backward()
    """, "raises-exception"),
    md("""
    ### Networks, briefly

    The next examples use small networks from `torch.nn` (notebook 04 looks at them
    closely). `nn.Linear(4, 3)` is a layer computing $y = xW^\\top + b$ from 4 inputs to 3
    outputs; its weight `W` and bias `b` are its *parameters*, leaf tensors that require
    grad. `nn.Sequential(a, b, c)` chains layers, so `model(x)` is `c(b(a(x)))`, and
    `model[0]` is its first layer; `nn.ReLU()` is $\\max(0, x)$ element-wise and has no
    parameters. `torch.randn(5, 4)` is a batch of 5 random inputs of 4 numbers each.
    `torch.manual_seed(0)` makes the random numbers repeat from run to run; autograd_nb
    draws PyTorch's own random stream, so after the same seed these cells print exactly
    the numbers PyTorch prints (initial weights, `randn` batches and dropout masks alike).

    ### Freezing parameters

    This is how you *freeze* part of a pre-trained model while fine-tuning: set
    `requires_grad_(False)` on the parameters you want to keep. The graph then records
    no edge to them (and no node at all for an operation none of whose inputs requires
    grad), so backward computes no gradient for them and leaves their `.grad` alone.
    `nn.Module.requires_grad_()` does it for every parameter of a module at once:
    """),
    code("""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 1))
    model[0].requires_grad_(False)            # freeze the first layer
    out = model(torch.randn(5, 4)).sum()
    out.backward()
    for name, p in model.named_parameters():
        print(f"{name:9} requires_grad={p.requires_grad!s:5}  grad is None: {p.grad is None}")
    """),
    md("""
    ## 3. The grad modes

    Besides `requires_grad`, three *modes* change what autograd does inside a block of
    code:

    | mode | records the graph? | results usable in later autograd? |
    |---|---|---|
    | **grad mode** (the default) | yes, when an input requires grad | yes |
    | **no-grad mode** | no | yes (they are ordinary constants) |
    | **inference mode** | no | only where no node has to *save* them: they are *inference tensors* |

    Grad mode is the only one in which `requires_grad=True` has an effect on
    operations.

    > **A precision the original tutorial glosses over.** It says that in the other two
    > modes `requires_grad` "is always set to False". That holds for the *results of
    > operations*. A leaf you create with `requires_grad=True` inside `no_grad` keeps the
    > flag, and can be used in a graph afterwards:
    """),
    code("""
    with torch.no_grad():
        leaf = torch.ones(2, requires_grad=True)
        result = leaf * 2
    print("leaf:  ", leaf.requires_grad, leaf.is_leaf)
    print("result:", result.requires_grad, result.grad_fn)
    """),
    md("""
    ### No-grad mode, three ways to write it

    As a context manager, as a decorator, or by setting the mode by hand with
    `set_grad_enabled` (which is also a context manager taking a boolean: handy for a
    loop that trains *or* evaluates depending on a flag). `torch.is_grad_enabled()`
    tells you the current mode.
    """),
    code("""
    x = torch.tensor([1.0, 2.0], requires_grad=True)

    with torch.no_grad():                      # 1. context manager
        print("inside no_grad:", torch.is_grad_enabled(), (x * 2).requires_grad)


    @torch.no_grad()                           # 2. decorator
    def doubled(t):
        return t * 2


    print("decorated function:", doubled(x).requires_grad)

    torch.set_grad_enabled(False)              # 3. by hand (remember to switch it back!)
    print("after set_grad_enabled(False):", (x * 2).requires_grad)
    torch.set_grad_enabled(True)
    print("after set_grad_enabled(True): ", (x * 2).requires_grad)

    is_training = False
    with torch.set_grad_enabled(is_training):  # 3b. as a context manager with a flag
        print("set_grad_enabled(is_training):", (x * 2).requires_grad)
    """),
    md("""
    `enable_grad` switches recording back on *inside* a no-grad block, and every mode is
    restored when its block ends, even when the block raises an exception:
    """),
    code("""
    def state(tag):
        print(f"{tag:22} grad enabled: {torch.is_grad_enabled()!s:5}  records: {(x * 2).requires_grad}")


    state("start")
    with torch.no_grad():
        state("no_grad")
        with torch.enable_grad():
            state("  enable_grad inside")
        state("no_grad again")
    state("end")
    """),
    md("""
    ### Where no-grad mode is the right tool

    No-grad mode is for computations whose results you need, but whose *history* you
    do not: they become constants for any later graph.

    1. **Optimizers.** Updating the weights in place must not be recorded, yet the next
       forward pass uses the updated weights in grad mode. The classic hand-written SGD
       step:
    """),
    code("""
    def sgd(params, lr, batch_size):
        \"\"\"Mini-batch stochastic gradient descent.\"\"\"
        with torch.no_grad():
            for param in params:          # e.g. [w, b] for the model y = Xw + b
                param -= lr * param.grad / batch_size
                param.grad.zero_()
    """),
    md("""
    Let us use it to fit a line, $y = 2x - 1$, with a mini-batch of 8 points:
    """),
    code("""
    torch.manual_seed(0)
    X = torch.randn(8, 1)
    Y = 2 * X - 1
    w = torch.zeros(1, 1, requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    for step in range(200):
        loss = ((X @ w + b - Y) ** 2).sum()
        loss.backward()
        sgd([w, b], lr=0.1, batch_size=8)
    print(w, b)
    """),
    md("""
    Without `no_grad`, the update `param -= ...` would have to be recorded, and
    autograd refuses to record an in-place change of a leaf that requires grad (it
    would overwrite the very value the graph depends on):
    """),
    code("""
    loss = ((X @ w + b - Y) ** 2).sum()
    loss.backward()
    w -= 0.1 * w.grad
    """, "raises-exception"),
    md("""
    2. **Initialisation.** `torch.nn.init` functions fill parameters in place under
       no-grad mode for the same reason.
    3. **Evaluation.** Validation and testing need outputs, not gradients. Without a
       graph nothing is saved for backward, so evaluation uses much less memory (you can
       use bigger batches) and runs faster. `saved_bytes()` counts the bytes that live
       graphs keep only for their backward pass (each array once; parameters are not
       counted, as they exist anyway):
    """),
    code("""
    from autograd_nb.autograd.graph import saved_bytes     # autograd_nb only

    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 10))
    batch = torch.randn(512, 64)

    out = net(batch)
    print(f"grad mode: {saved_bytes():>8,} bytes saved for backward")
    del out
    with torch.no_grad():
        out = net(batch)
    print(f"no_grad:   {saved_bytes():>8,} bytes saved for backward")
    """),
    md("""
    ### Inference mode

    `inference_mode` is no-grad mode taken to the extreme: besides recording nothing,
    the tensors it creates skip autograd's bookkeeping altogether (no version counter,
    no view tracking). That makes it a little faster, at a price: a later recorded
    operation cannot **save** an *inference tensor* for its backward, because without a
    version counter autograd could not tell whether it was changed in the meantime. Use
    it for code that will never need gradients, such as data preprocessing and serving
    a model; if you hit the error below, switch back to `no_grad`.
    """),
    code("""
    with torch.inference_mode():
        features = torch.ones(3) * 2


    @torch.inference_mode()                    # also a decorator
    def predict(t):
        return t * 3


    print(features.requires_grad, features.is_inference(), predict(features).is_inference())
    print(torch.ones(3).is_inference())        # made outside: a normal tensor
    """),
    md("""
    Whether a recorded operation may use an inference tensor depends on what its
    backward needs. The gradient of `w + features` with respect to `w` is 1: nothing to
    save, so it works. The gradient of `w * features` with respect to `w` is
    `features`: it would have to be saved, so it fails.
    """),
    code("""
    w = torch.ones(3, requires_grad=True)
    (w + features).sum().backward()            # AddBackward0 saves nothing: fine
    print(w.grad)
    """),
    code("""
    loss = (w * features).sum()                # MulBackward0 would have to save `features`
    """, "raises-exception"),
    md("""
    Two ways out: create the tensor under `no_grad` instead, or make a normal copy
    with `clone()` outside inference mode. Inference tensors also refuse in-place
    changes outside inference mode. `inference_mode(False)` switches back to normal
    inside an inference block. (Inference mode exists since PyTorch 1.10.)
    """),
    code("""
    w.grad = None
    loss = (w * features.clone()).sum()        # a normal tensor: fine
    loss.backward()
    print(w.grad)

    with torch.inference_mode():
        with torch.inference_mode(False):
            y = w * 2
        print("inner block recorded:", type(y.grad_fn).__name__, y.is_inference())
    """),
    md("""
    ## 4. `model.eval()` is not a grad mode

    `nn.Module.eval()` (and `train()`) only flips the `training` flag of each module.
    What that changes depends on the modules. Most layers (`Linear`, `Conv2d`, `ReLU`,
    ...) ignore it; the ones that care are layers such as **Dropout** (in eval mode it
    lets every activation through) and **BatchNorm** (in eval mode it uses the running
    mean and variance learned during training instead of the batch's, and stops
    updating them). Others in PyTorch: `InstanceNorm` with `track_running_stats=True`,
    and the dropout inside `RNN`/`LSTM`/`GRU` and `MultiheadAttention`. It is
    completely independent of the grad modes: after `eval()`, in grad mode, everything
    is still recorded and every gradient computed.

    (`nn.Dropout(p)` zeroes each activation with probability `p` during training, a
    regulariser; `nn.BatchNorm1d(n)` normalises each of `n` features to mean 0 and
    variance 1 over the batch. Both are shown in action below, after a cell showing that
    `eval()` leaves the recording on.)
    """),
    code("""
    model = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5), nn.ReLU(), nn.Linear(2, 1))
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor([[1.0, -1.0], [0.5, 2.0]]))
        model[0].bias.fill_(0.1)
        model[3].weight.copy_(torch.tensor([[1.0, 2.0]]))
        model[3].bias.fill_(0.0)

    model.eval()
    print("training flag:", model.training, "  grad enabled:", torch.is_grad_enabled())
    out = model(torch.tensor([[1.0, 2.0]]))
    print(out)
    out.sum().backward()
    print("gradient of the first weight after eval():", model[0].weight.grad, sep="\\n")
    """),
    md("""
    So for evaluation use **both**: `model.eval()` for the right layer behaviour and
    `torch.no_grad()` (or `inference_mode()`) to skip the graph. And call
    `model.train()` before training again. Here is what eval mode changes in Dropout:
    """),
    code("""
    drop = nn.Dropout(p=0.5)
    ones = torch.ones(8)
    torch.manual_seed(1)
    print("train:", drop(ones))        # zeroes about half, scales the rest by 1 / (1 - p)
    drop.eval()
    print("eval: ", drop(ones))        # lets everything through
    """),
    md("""
    And in BatchNorm: in train mode it normalises with the batch's own mean and variance
    and updates its running estimates (`running_mean = 0.9 * running_mean + 0.1 *
    batch_mean`); in eval mode it normalises with the running estimates and leaves them
    alone. In train mode each output column has mean 0, up to float rounding: PyTorch
    prints the means here as `tensor([-7.9473e-08,  0.0000e+00])`, a rounding error
    whose last digits depend on the order of the float operations, so we print their
    size instead.
    """),
    code("""
    bn = nn.BatchNorm1d(2)
    samples = torch.tensor([[1.0, 2.0], [3.0, 6.0], [5.0, 10.0]])
    out = bn(samples)
    print("train: running_mean", bn.running_mean,
          " output column means below 1e-6:", out.mean(0).abs().max().item() < 1e-6)
    bn.eval()
    out = bn(samples)
    print("eval:  running_mean", bn.running_mean, " (unchanged)")
    print(out)
    """),
    md("""
    ## 5. The grad-mode lab

    The lab runs the same code under the mode you pick (the buttons at the top), inside
    an optional outer block, with the inputs' `requires_grad` and the model's
    `train()`/`eval()` switchable, and tabulates what comes out: `requires_grad`,
    `grad_fn`, whether it is an inference tensor, the bytes its graph saved, and what a
    *later* `backward()` or in-place change would do. The **Try** buttons really do that
    later step and show the error, if any. Changes since the previous run are
    highlighted.
    """),
    code("""
    from autograd_nb.widgets import GradModeLab

    x = torch.tensor([1.0, 2.0], requires_grad=True)
    w = torch.tensor([0.5, -1.0], requires_grad=True)
    lab = GradModeLab(lambda: (x * w).exp().sum(), inputs={"x": x, "w": w})
    lab
    """),
    md("""
    The lab can be driven from code too. Switch to inference mode and try a backward
    afterwards; the picture under the cell shows the lab in that state:
    """),
    code("""
    lab2 = GradModeLab(lambda: (x * w).exp().sum(), inputs={"x": x, "w": w})
    lab2.set_mode("no_grad")           # a second lab: the one above stays as you left it
    lab2.set_mode("inference_mode")
    result = lab2.try_backward()
    print(result.code, "->", "ok" if result.ok else "fails")
    lab2
    """),
    md("""
    ## 6. Timing the modes

    How much do the modes save? We time the same forward pass (a batch of 512 through
    a small network) in grad mode, no-grad mode and inference mode. The bytes saved for
    backward are exact (counted on top of what earlier cells' graphs still hold); the
    times depend on your machine, so your numbers will differ (no-grad and inference
    mode should both be faster than grad mode).
    """),
    code("""
    # NBVAL_IGNORE_OUTPUT
    import contextlib
    import time

    modes = {"grad mode": contextlib.nullcontext, "no_grad": torch.no_grad,
             "inference_mode": torch.inference_mode}
    out = None
    baseline = saved_bytes()              # what graphs of earlier cells still hold
    for name, mode in modes.items():
        with mode():
            net(batch)                                   # warm up
            start = time.perf_counter()
            for _ in range(20):
                out = net(batch)
            ms = (time.perf_counter() - start) / 20 * 1000
            kept = saved_bytes() - baseline
        out = None
        print(f"{name:15} {ms:6.2f} ms per forward   {kept:>8,} bytes saved for backward")
    """),
    md("""
    ## Summary

    * `requires_grad` cuts single edges: use it to freeze parameters.
    * **Grad mode** (default) records; **no-grad mode** records nothing but its results
      are ordinary tensors (optimizer steps, initialisation, evaluation); **inference
      mode** records nothing, and no later recorded operation may save its results
      (fastest).
    * All of them work as context managers and as decorators; `set_grad_enabled(flag)`
      picks by a boolean.
    * `model.eval()` / `model.train()` change layers such as Dropout and BatchNorm, never
      the grad mode; combine `model.eval()` with `no_grad()` for evaluation.
    """),
    *exercise(
        """
        Write `evaluate(model, data)` that returns `model(data)` **without recording a
        graph** (a decorator does it in one line). Then compute
        `preds = evaluate(net, batch)` with the network `net` from above.

        Calling `.detach()` on the output is not the answer: the forward pass would still
        record its graph (and save its buffers) before you drop it. The check watches the
        grad mode *while* `net` runs, with a forward pre-hook.
        """,
        """
        def evaluate(model, data):
            ...        # return model(data), with no graph recorded


        preds = evaluate(net, batch)
        """,
        """
        @torch.no_grad()
        def evaluate(model, data):
            return model(data)


        preds = evaluate(net, batch)
        """,
        """
        modes_seen = []                  # the grad mode each time net's forward starts
        probe = net.register_forward_pre_hook(lambda module, args: modes_seen.append(torch.is_grad_enabled()))
        try:
            out = evaluate(net, batch)
        finally:
            probe.remove()
        check(modes_seen == [False] and isinstance(out, torch.Tensor) and out.grad_fn is None
              and isinstance(preds, torch.Tensor) and torch.equal(preds, out)
              and torch.allclose(out, net(batch).detach()),
              f"net ran with grad mode {modes_seen} (it should be [False]): decorate evaluate "
              "with @torch.no_grad(), and return model(data).")
        """),
    *exercise(
        """
        Freeze **only the last layer** of `clf` (its weight and bias), then run one
        backward pass from `out = clf(inputs).sum()`, and store the names of the
        parameters that received a gradient in the list `got_grad`.

        Freezing means the graph never records an edge to the frozen parameters: setting
        their `.grad` to `None` after a full backward is not the same thing (backward
        still computed those gradients). The check looks at the graph behind `out`.
        """,
        """
        torch.manual_seed(0)
        clf = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
        inputs = torch.randn(3, 4)

        ...            # freeze the last layer
        out = clf(inputs).sum()
        ...            # backward
        got_grad = ...
        """,
        """
        torch.manual_seed(0)
        clf = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
        inputs = torch.randn(3, 4)

        clf[2].requires_grad_(False)
        out = clf(inputs).sum()
        out.backward()
        got_grad = [name for name, p in clf.named_parameters() if p.grad is not None]
        got_grad
        """,
        """
        def leaves_in_graph(fn, found):
            \"\"\"The parameters whose AccumulateGrad nodes the graph below fn reaches.\"\"\"
            if fn is not None:
                if hasattr(fn, "variable"):
                    found.append(fn.variable)
                for next_fn, _ in fn.next_functions:
                    leaves_in_graph(next_fn, found)
            return found


        reached = leaves_in_graph(out.grad_fn, []) if isinstance(out, torch.Tensor) else []
        last = list(clf[2].parameters())
        check(got_grad == ["0.weight", "0.bias"] and not any(p.requires_grad for p in last)
              and all(p.grad is None for p in last) and not any(r is p for r in reached for p in last)
              and all(p.grad is not None for p in clf[0].parameters()),
              "Call clf[2].requires_grad_(False) before the forward pass; expected got_grad == "
              "['0.weight', '0.bias'] and no edge from out's graph to clf[2]'s parameters.")
        """),
]
