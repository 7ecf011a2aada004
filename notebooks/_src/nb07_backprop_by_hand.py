"""07 Backprop by hand: a small network written out step by step, its backward pass
written by the learner one intermediate at a time, checked by ``check_grads``."""
from . import code, exercise, md

CELLS = [
    md("""
    # 07 · Backprop by hand

    So far `loss.backward()` did the work. Here you do it yourself: a small network is
    written out one operation per line, every intermediate kept in a variable, and you
    write the backward pass, one intermediate at a time, from the loss back to the
    weights. A handful of rules covers it, and knowing them helps whenever you read,
    debug or write a layer of your own.

    A checker compares your gradients with autograd's:
    `torch.check_grads(loss, {"dlogits": dlogits, ...})` (an autograd_nb addition;
    PyTorch has no such function). Each gradient is named `d` + the variable it is the
    gradient of: `dlogits` is $\\partial\\,\\mathrm{loss} / \\partial\\,\\mathrm{logits}$,
    always **the same shape as `logits`**.
    """),
    code("""
    %load_ext autograd_nb
    import autograd_nb as torch
    import autograd_nb.nn.functional as F


    def verdict(loss, grads):
        \"\"\"Exercise checker: compares your gradients with autograd's and says whether
        they are right; when not, shows the table and the graph coloured by verdict.\"\"\"
        missing = [name for name, value in grads.items() if value is ...]
        if missing:
            print("Not yet. Replace the ... of " + ", ".join(missing) + ".")
            return
        try:
            result = torch.check_grads(loss, grads, names=globals())
        except Exception as error:          # an unfinished answer may fail in many ways
            print(f"Not yet. ({type(error).__name__}: {error})")
            return
        if result.ok:
            print("Correct, well done! " + ", ".join(result.verdicts) + " match autograd.")
        else:
            print("Not yet. " + " ".join(r.note for r in result if not r.ok))
            display(result)
    """),
    md("""
    ## 1. The checker on a tiny example

    $y = \\sum_i w_i x_i^2$. By the chain rule $\\partial y / \\partial x_i = 2 w_i x_i$
    and $\\partial y / \\partial w_i = x_i^2$. Below, `dw` is right and `dx` forgets the
    factor 2:
    """),
    code("""
    x = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
    w = torch.tensor([0.5, 1.0, 2.0], requires_grad=True)
    sq = x ** 2
    y = (w * sq).sum()

    dw = sq.detach()
    dx = w.detach() * x.detach()          # forgot the 2 of d(x^2)/dx
    result = torch.check_grads(y, {"dw": dw, "dx": dx})
    print(result)
    """),
    md("""
    `check_grads` found `w` and `x` among your variables (from the names `dw` and `dx`),
    asked the engine for the true gradients with
    `torch.autograd.grad(y, [w, x], retain_graph=True)` (which leaves every `.grad`
    untouched and keeps the graph for a later backward), and compared:

    * **equal**: the very same numbers; **close**: equal up to rounding (two correct
      formulas can round differently); **wrong**: with the first element that is off,
      and the factor when yours is a constant times autograd's everywhere;
    * **wrong shape**: a gradient always has the shape of its tensor.

    (By hand, for one intermediate, you would call `sq.retain_grad()` before
    `y.backward()` and compare with `sq.grad`; `check_grads` does it for every name at
    once.)

    In Jupyter the result also shows as a table and as the graph, each node coloured by
    the verdict of the gradient flowing into it: the red nodes are where your chain
    rule broke.
    """),
    code("""
    result
    """),
    md("""
    ## 2. The network, one step per line

    A batch of $N = 8$ tokens from a vocabulary of $V = 6$, each to be classified into
    one of $K = 3$ classes: an embedding, a linear layer, tanh, layer norm, a second
    linear layer, cross entropy. Everything in float64, so that a right formula agrees
    with autograd to about 16 digits.
    """),
    code("""
    torch.manual_seed(7)
    N, V, D, H, K = 8, 6, 4, 5, 3          # batch, vocabulary, embedding, hidden, classes
    eps = 1e-5
    idx = torch.randint(0, V, (N,))         # input tokens
    y = torch.randint(0, K, (N,))           # targets

    dt = torch.float64
    C = torch.randn(V, D, dtype=dt, requires_grad=True)                  # embedding table
    W1 = (torch.randn(D, H, dtype=dt) * 0.5).requires_grad_()
    b1 = (torch.randn(H, dtype=dt) * 0.1).requires_grad_()
    g = (1 + 0.1 * torch.randn(H, dtype=dt)).requires_grad_()            # layer norm gain
    beta = (0.1 * torch.randn(H, dtype=dt)).requires_grad_()             # layer norm bias
    W2 = (torch.randn(H, K, dtype=dt) * 0.5).requires_grad_()
    b2 = (torch.randn(K, dtype=dt) * 0.1).requires_grad_()

    emb = C[idx]                            # (N, D) embedding: rows of C
    z = emb @ W1 + b1                       # (N, H) linear (b1 broadcast over the batch)
    h = torch.tanh(z)                       # (N, H)
    mu = h.mean(1, keepdim=True)            # (N, 1) layer norm, step by step
    xc = h - mu                             # (N, H)
    var = (xc ** 2).mean(1, keepdim=True)   # (N, 1) biased variance: divides by H
    rstd = (var + eps) ** -0.5              # (N, 1)
    xhat = xc * rstd                        # (N, H)
    a = g * xhat + beta                     # (N, H) g and beta broadcast over the batch
    logits = a @ W2 + b2                    # (N, K)
    loss = F.cross_entropy(logits, y)
    print(f"loss = {loss.item():.6f}")
    print("the same as F.layer_norm:", torch.allclose(a, F.layer_norm(h, (H,), g, beta, eps)))
    """),
    md("""
    The exercises below go from the easiest rule to the hardest, not in backward order.
    So that each one stands alone, it starts from the gradient flowing into the step's
    output, handed to you by the engine with `given(...)`. At the end we chain your
    rules from the loss back to the embedding table.
    """),
    code("""
    def given(tensor):
        \"\"\"The true gradient of the loss with respect to ``tensor`` (from the engine).\"\"\"
        (grad,) = torch.autograd.grad(loss, tensor, retain_graph=True)
        return grad
    """),
    md("""
    ## 3. Elementwise: tanh

    For an elementwise op $h = f(z)$, each $h_{ij}$ depends on $z_{ij}$ only, so
    $\\partial L / \\partial z_{ij} = \\partial L / \\partial h_{ij} \\cdot f'(z_{ij})$: the
    upstream gradient times the local derivative, element by element. For tanh,
    $\\tanh'(z) = 1 - \\tanh^2(z) = 1 - h^2$, written with the output `h` that the
    forward already computed (PyTorch's `TanhBackward0` saves its `result` for this).
    """),
    code("""
    dh = given(h)
    """),
    *exercise(
        """
        Compute `dz`, the gradient of the loss with respect to `z`, from `dh` and `h`.
        """,
        """
        dz = ...
        """,
        """
        dz = dh * (1 - h.detach() ** 2)
        """,
        """
        verdict(loss, {"dz": dz})
        """),
    md("""
    ## 4. Broadcasting: sum over the stretched dimension

    In `a = g * xhat + beta`, `g` and `beta` have shape `(H,)` and are broadcast over the
    $N$ rows of the batch: each $g_j$ is used $N$ times, so its gradient **adds up** the
    $N$ contributions. The rule: whatever the forward broadcast, the backward sums over,
    until the gradient has the shape of the tensor again. Forgetting the sum is the
    classic mistake; `check_grads` reports it as a wrong shape and names the sum to add.
    """),
    code("""
    da = given(a)
    """),
    *exercise(
        """
        Compute `dg`, `dbeta` (both shape `(H,)`) and `dxhat` (shape `(N, H)`) from `da`,
        `xhat` and `g`.
        """,
        """
        dg = ...
        dbeta = ...
        dxhat = ...
        """,
        """
        dg = (da * xhat.detach()).sum(0)
        dbeta = da.sum(0)
        dxhat = da * g.detach()
        """,
        """
        verdict(loss, {"dg": dg, "dbeta": dbeta, "dxhat": dxhat})
        """),
    md("""
    ## 5. Matrix multiplication

    For `logits = a @ W2 + b2`: $\\mathrm{logits}_{nk} = \\sum_j a_{nj} W2_{jk} + b2_k$.
    Differentiate one element and regroup the sums as matrix products:
    $\\partial L/\\partial a = \\partial L/\\partial\\,\\mathrm{logits} \\cdot W2^\\top$ and
    $\\partial L/\\partial W2 = a^\\top \\cdot \\partial L/\\partial\\,\\mathrm{logits}$. A quick
    way to remember: there is only one way to multiply the shapes together so that the
    result has the shape of `a` (`(N, K) @ (K, H)`) or of `W2` (`(H, N) @ (N, K)`). And
    `b2` is broadcast over the batch, as in section 4.
    """),
    code("""
    dlogits = given(logits)
    """),
    *exercise(
        """
        Compute `da`, `dW2` and `db2` from `dlogits`, `a` and `W2`.
        """,
        """
        da = ...
        dW2 = ...
        db2 = ...
        """,
        """
        da = dlogits @ W2.detach().T
        dW2 = a.detach().T @ dlogits
        db2 = dlogits.sum(0)
        """,
        """
        verdict(loss, {"da": da, "dW2": dW2, "db2": db2})
        """),
    md("""
    ## 6. Softmax and cross entropy in one step

    `F.cross_entropy(logits, y)` is $-\\frac{1}{N}\\sum_n \\log p_{n, y_n}$ with
    $p = \\mathrm{softmax}(\\mathrm{logits})$ along dimension 1 (the mean over the batch is
    its default `reduction="mean"`). Going through log, softmax and the mean one by one
    works, but the whole thing collapses to a short formula:
    $\\partial L / \\partial\\,\\mathrm{logits}_{nk} = (p_{nk} - [k = y_n]) / N$: the
    probabilities, minus 1 at the right class, divided by the batch size.
    `F.one_hot(y, K)` gives the $[k = y_n]$ matrix.
    """),
    *exercise(
        """
        Compute `dlogits` from `logits` and `y`, in one line.
        """,
        """
        dlogits = ...
        """,
        """
        dlogits = (F.softmax(logits.detach(), 1) - F.one_hot(y, K)) / N
        """,
        """
        verdict(loss, {"dlogits": dlogits})
        """),
    md("""
    Each row of `dlogits` sums to zero (the probabilities sum to 1, and 1 is taken off):
    a step against this gradient raises the right class's logit by as much as it
    lowers the others' together.

    ## 7. Layer norm in one step

    From `h` to `xhat`: subtract the row mean `mu`, divide by the row's standard
    deviation $\\sigma = \\sqrt{\\mathrm{var} + \\epsilon}$ (`rstd` is $1/\\sigma$). Each row
    of `h` affects every element of its row of `xhat` (through `mu` and `var`), so the
    backward has three paths: through `xc` directly, through `mu` and through `var`. You
    may chain the steps of the forward one by one (`dxc`, `drstd`, `dvar`, `dmu`: each is
    a rule from sections 3 to 5, and `check_grads` can check each of them), or use the
    collapsed form, with row means $\\overline{\\,\\cdot\\,}$ over dimension 1:

    $$\\frac{\\partial L}{\\partial h} = \\mathrm{rstd}\\,\\Big(\\,d\\hat{x}
      - \\overline{d\\hat{x}} - \\hat{x}\\;\\overline{d\\hat{x} \\odot \\hat{x}}\\,\\Big)$$

    (the variance divides by $H$, not $H - 1$, as `F.layer_norm` does). Batch norm is the
    same formula in training mode, with the means taken over dimension 0 (the batch)
    instead of 1.
    """),
    code("""
    dxhat = given(xhat)
    """),
    *exercise(
        """
        Compute `dh` from `dxhat`, `xhat` and `rstd` (shapes `(N, H)`, `(N, H)`, `(N, 1)`).
        """,
        """
        dh = ...
        """,
        """
        xh, r = xhat.detach(), rstd.detach()
        dh = r * (dxhat - dxhat.mean(1, keepdim=True) - xh * (dxhat * xh).mean(1, keepdim=True))
        """,
        """
        verdict(loss, {"dh": dh})
        """),
    md("""
    ## 8. The embedding: rows picked by index

    `emb = C[idx]` picks rows of `C`. That is the same as a matmul with one-hot rows,
    `F.one_hot(idx, V).to(dt) @ C` (`one_hot` gives integers, and a matmul wants both
    sides of one dtype), so its backward is that matmul's: `one_hot.T @ demb`, section 5
    again. Read as a loop: the gradient of every position where a token appears is
    **added** into that token's row of `dC`; a token used three times in the batch
    collects three rows, and a token never used gets zeros. (`dC.index_add_(0, idx,
    demb)` on a zero `dC` adds the same way.)
    """),
    code("""
    dz = given(z)
    print("tokens:", idx.tolist())
    """),
    *exercise(
        """
        Finish the backward pass: from `dz`, compute `demb`, `dW1`, `db1` (the first
        linear layer, `z = emb @ W1 + b1`) and then `dC`, the gradient of the
        embedding table (shape `(V, D)`).
        """,
        """
        demb = ...
        dW1 = ...
        db1 = ...
        dC = ...
        """,
        """
        demb = dz @ W1.detach().T
        dW1 = emb.detach().T @ dz
        db1 = dz.sum(0)
        dC = F.one_hot(idx, V).to(dt).T @ demb
        """,
        """
        verdict(loss, {"demb": demb, "dW1": dW1, "db1": db1, "dC": dC})
        """),
    md("""
    ## 9. The whole backward pass, from the loss to the embedding table

    Now chain the rules, without any `given(...)`: each line uses only gradients
    computed on the lines above. All the work happens under `no_grad()`, since none of
    it needs recording.
    """),
    code("""
    with torch.no_grad():
        dlogits = (F.softmax(logits, 1) - F.one_hot(y, K)) / N
        da = dlogits @ W2.T
        dW2 = a.T @ dlogits
        db2 = dlogits.sum(0)
        dg = (da * xhat).sum(0)
        dbeta = da.sum(0)
        dxhat = da * g
        dh = rstd * (dxhat - dxhat.mean(1, keepdim=True) - xhat * (dxhat * xhat).mean(1, keepdim=True))
        dz = dh * (1 - h ** 2)
        demb = dz @ W1.T
        dW1 = emb.T @ dz
        db1 = dz.sum(0)
        dC = F.one_hot(idx, V).to(dt).T @ demb

    everything = {"dlogits": dlogits, "da": da, "dW2": dW2, "db2": db2, "dg": dg,
                  "dbeta": dbeta, "dxhat": dxhat, "dh": dh, "dz": dz, "demb": demb,
                  "dW1": dW1, "db1": db1, "dC": dC}
    full = torch.check_grads(loss, everything)
    print("all right:", full.ok, "| verdicts:", sorted(set(full.verdicts.values())))
    """),
    code("""
    # NBVAL_IGNORE_OUTPUT
    full.draw()
    """),
    md("""
    Every gradient is right: equal, or close (about 16 digits agree; the engine and your
    formulas add the same terms in different orders, so the last digit can differ). In
    the picture every node you checked is green or amber; the ones you did not check
    (the loss, `mu`, `xc`, `var`, `rstd`, the targets `y`) are faded.

    Now break one rule on purpose (a tanh derivative taken at `z` instead of `h`) and
    keep the rest as it is: the red starts at `z`, and every gradient computed from `dz`
    (`demb`, `dW1`, `db1`, `dC`) is red too. The first red node from the top is the line
    to fix.
    """),
    code("""
    # NBVAL_IGNORE_OUTPUT
    with torch.no_grad():
        bad_dz = dh * (1 - z ** 2)                     # the wrong derivative
        bad_demb = bad_dz @ W1.T
        broken = dict(everything, dz=bad_dz, demb=bad_demb, dW1=emb.T @ bad_dz,
                      db1=bad_dz.sum(0), dC=F.one_hot(idx, V).to(dt).T @ bad_demb)
    torch.check_grads(loss, broken)
    """),
    md("""
    ## What to remember

    * A gradient has the shape of its tensor; what the forward broadcast, the backward
      sums over.
    * Elementwise ops multiply the upstream gradient by the local derivative; matmuls
      multiply it by the other operand, transposed, on the side that makes the shapes
      fit.
    * Cross entropy over softmax: $(p - \\text{one-hot}) / N$. Layer norm and batch norm:
      the collapsed formula of section 7, with means over the normalised dimension.
    * An embedding lookup is a one-hot matmul: its backward adds each position's
      gradient into its token's row.
    * `torch.check_grads(loss, {"dx": dx, ...})` checks any of them against autograd, and
      its picture shows the first node where the chain went wrong.
    """),
]
