"""08 Backprop through time: an RNN cell built by hand, unrolled; gradient norms per
step from hooks; vanishing and exploding gradients; clip_grad_norm_; truncated BPTT
with detach(); the rolled and unrolled graph pictures; checks against nn.RNN and
nn.LSTM."""
from . import code, exercise, md

CELLS = [
    md("""
    # 08 · Backprop through time

    A recurrent network reads a sequence one step at a time and carries a *hidden
    state* from each step to the next, computing every step with the same weights.
    How does autograd differentiate that? There is no special machinery: the forward
    pass records every step's operations, so the graph is the network **unrolled in
    time**, and `backward()` walks it back from the last step to the first. That walk
    has a name, *backpropagation through time* (BPTT), and it is the chain rule
    applied once per step.

    This notebook builds a recurrent cell by hand, watches the gradient reach each step,
    sees it vanish or explode, tames it with `clip_grad_norm_` and with truncated BPTT
    (`detach()`), and checks the hand-built cell against `nn.RNN` and `nn.LSTM`.
    """),
    code("""
    %load_ext autograd_nb
    import matplotlib.pyplot as plt

    import autograd_nb as torch
    import autograd_nb.nn as nn
    from autograd_nb import viz                # autograd_nb only: the pictures


    def check(ok, hint=""):
        \"\"\"Exercise checker: tells you whether your answer is right.\"\"\"
        print("Correct, well done!" if ok else f"Not yet. {hint}")
    """),
    md("""
    ## 1. A recurrent cell from `Linear` and `tanh`

    The classic (Elman) cell: from the input $x_t$ and the previous hidden state
    $h_{t-1}$,

    $$h_t = \\tanh(x_t W_{ih}^\\top + b_{ih} + h_{t-1} W_{hh}^\\top + b_{hh})$$

    Two `nn.Linear` layers compute the two affine parts. We work in float64 throughout,
    so that the numbers printed here are the ones PyTorch prints for the same seed.
    """),
    code("""
    class RNNCellByHand(nn.Module):
        \"\"\"h_t = tanh(ih(x_t) + hh(h_{t-1})), the cell nn.RNN computes.\"\"\"

        def __init__(self, input_size, hidden_size):
            super().__init__()
            self.ih = nn.Linear(input_size, hidden_size)    # W_ih, b_ih
            self.hh = nn.Linear(hidden_size, hidden_size)   # W_hh, b_hh

        def forward(self, x, h):
            return torch.tanh(self.ih(x) + self.hh(h))


    dt = torch.float64
    torch.manual_seed(0)
    T, N, D, H = 4, 2, 3, 4                 # steps, batch, input features, hidden units
    cell = RNNCellByHand(D, H).to(dt)
    xs = torch.randn(T, N, D, dtype=dt)     # the sequence: xs[t] is step t+1's input
    h0 = torch.zeros(N, H, dtype=dt)
    """),
    md("""
    Running it over the sequence is a plain Python loop. Each call records the cell's
    operations once more, so after four steps the graph holds four copies of the cell,
    chained through the hidden state. `viz.record_calls(cell)` (an autograd_nb
    addition) watches the calls with forward hooks, so the picture below can tell the
    steps apart.
    """),
    code("""
    hs = []                                 # the hidden states h_1 .. h_T
    h = h0
    with viz.record_calls(cell) as calls:   # autograd_nb only: remembers each step
        for x in xs:
            h = cell(x, h)
            hs.append(h)
    print(h)
    """),
    md("""
    ## 2. The graph is the unrolled network

    Drawn *rolled*, the repeated cell is one framed block, "× 4", and the pink
    recurrent edge is the way backward goes from one step into the previous one:
    `AddmmBackward0` of the `hh` layer sends the gradient of $h_{t-1}$ to the
    `TanhBackward0` that made it. The weights sit outside the frame, drawn once: every
    step uses them, so every step adds into their `.grad`.
    """),
    code("""
    viz.draw(hs[-1], roll=calls)            # autograd_nb only
    """),
    md("""
    What autograd really holds is the *unrolled* picture: one frame per step, each
    with its own backward nodes and its own saved buffers (the yellow rows, e.g. the
    `result` of every tanh). The memory of BPTT grows with the length of the
    sequence, because every step keeps what its backward will need.
    """),
    code("""
    viz.draw(hs[-1], roll=calls, unroll=True)     # autograd_nb only
    """),
    md("""
    The same facts from `grad_fn` alone: follow the hidden-state path down from $h_4$,
    through `TanhBackward0`, `AddBackward0` and the `hh` layer's `AddmmBackward0`
    (whose input 1, `next_functions[1]`, is the previous hidden state).
    """),
    code("""
    node, steps = hs[-1].grad_fn, 0
    while node is not None:
        steps += 1
        add = node.next_functions[0][0]                 # TanhBackward0 -> AddBackward0
        addmm_hh = add.next_functions[1][0]             # the hh layer's AddmmBackward0
        node = addmm_hh.next_functions[1][0]            # its input 1: h_{t-1}'s grad_fn
    print("tanh steps on the hidden-state path:", steps)
    print("the last one ends at:", node)                # h0 does not require grad
    """),
    md("""
    ## 3. BPTT is the chain rule over time

    Let the loss depend on the last state only, $L = \\sum h_T^2$. Then
    $\\partial L / \\partial h_T = 2 h_T$, and one step back:

    $$\\frac{\\partial L}{\\partial h_{t-1}} = \\Big(\\frac{\\partial L}{\\partial h_t}
      \\odot (1 - h_t^2)\\Big)\\, W_{hh}$$

    (tanh's derivative, written with its output, then the matmul's rule from notebook
    07). A hook on each hidden state (`register_hook`, notebook 06) records the gradient
    that reaches it during `backward()`, and its norm tells how much of the loss's
    signal got there.
    """),
    code("""
    grads = {}                              # step -> dL/dh_step
    for t, h_t in enumerate(hs, start=1):
        h_t.register_hook(lambda g, t=t: grads.__setitem__(t, g))

    loss = (hs[-1] ** 2).sum()
    loss.backward()
    for t in sorted(grads):
        print(f"step {t}: |dL/dh| = {grads[t].norm().item():.6f}")
    """),
    md("""
    The hooks fired from the last step back to the first, one per step. The weights'
    gradients are sums over time: `cell.hh.weight.grad` is
    $\\sum_t \\big(\\partial L/\\partial a_t\\big)^\\top h_{t-1}$, one term per step, with
    $a_t$ the input of step $t$'s tanh. By hand:
    """),
    code("""
    with torch.no_grad():
        terms = []
        for t in range(T, 0, -1):
            da = grads[t] * (1 - hs[t - 1] ** 2)          # through tanh at step t
            h_prev = hs[t - 2] if t > 1 else h0
            terms.append(da.T @ h_prev)                   # step t's share of dW_hh
        dW_hh = sum(terms)
    print("one term per step:", len(terms))
    print("their sum is W_hh's gradient:", torch.allclose(dW_hh, cell.hh.weight.grad))
    """),
    *exercise(
        """
        One step back in time: compute `g3`, the gradient of the loss with respect to
        $h_3$ (`hs[2]`), from `g4 = grads[4]` (the gradient at $h_4$), the state
        $h_4$ (`hs[3]`) and $W_{hh}$ (`cell.hh.weight`). Use the formula above; the
        check compares it with what the hook recorded at step 3.
        """,
        """
        g4 = grads[4]
        with torch.no_grad():
            g3 = ...
        """,
        """
        g4 = grads[4]
        with torch.no_grad():
            g3 = (g4 * (1 - hs[3] ** 2)) @ cell.hh.weight
        """,
        """
        check(g3 is not ... and torch.is_tensor(g3) and g3.shape == grads[3].shape
              and torch.allclose(g3, grads[3]),
              "Through tanh first (times 1 - h_4^2), then the matmul with W_hh: which side, "
              "transposed or not? The shape must be (N, H).")
        """),
    md("""
    ## 4. Vanishing and exploding gradients

    Each step back multiplies the gradient by $\\mathrm{diag}(1 - h_t^2)\\, W_{hh}$. Over
    many steps these factors compound like a power: if they shrink vectors, the
    gradient reaching early steps **vanishes** (the net cannot learn long-range
    dependencies); if they stretch them, it **explodes** (updates blow up).

    To see it cleanly, a larger cell (16 units, 30 steps) gets a recurrent weight
    $W_{hh} = s\\,Q$ with $Q$ orthogonal (it keeps lengths), so $s$ is exactly how
    much $W_{hh}$ stretches, and the hooks record $\\lVert\\partial L / \\partial h_t
    \\rVert$ at every step. With small inputs, tanh works near 0 where its slope is 1;
    with large inputs it saturates, and $1 - h_t^2$ shrinks every factor.
    """),
    code("""
    torch.manual_seed(1)
    H2, T2 = 16, 30
    big = RNNCellByHand(4, H2).to(dt)
    with torch.no_grad():
        big.ih.bias.zero_()
        big.hh.bias.zero_()
    seq = torch.randn(T2, 1, 4, dtype=dt)
    Q, _ = torch.linalg.qr(torch.randn(H2, H2, dtype=dt))     # an orthogonal matrix


    def grad_norms(scale, inputs):
        \"\"\"|dL/dh_t| for t = 1..T2, with W_hh = scale * Q and L = sum(h_T).\"\"\"
        with torch.no_grad():
            big.hh.weight.copy_(scale * Q)
        norms = [0.0] * T2
        h = torch.zeros(1, H2, dtype=dt)
        for t, x in enumerate(inputs):
            h = big(x, h)
            h.register_hook(lambda g, t=t: norms.__setitem__(t, g.norm().item()))
        big.zero_grad()
        h.sum().backward()
        return norms


    scales = [0.8, 1.0, 1.2, 1.5]
    small = {s: grad_norms(s, 0.01 * seq) for s in scales}
    large = {s: grad_norms(s, seq) for s in scales}
    for s in scales:
        print(f"s = {s}: step 1 gets {small[s][0] / small[s][-1]:9.3g} x the last step's gradient"
              f" (small inputs), {large[s][0] / large[s][-1]:9.3g} x (large inputs)")
    """),
    code("""
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), sharey=True)
    steps = range(1, T2 + 1)
    for ax, runs, title in ((axes[0], small, "small inputs: tanh near 0"),
                            (axes[1], large, "large inputs: tanh saturates")):
        for s in scales:
            ax.semilogy(steps, runs[s], marker=".", label=f"$W_{{hh}}$ = {s} Q")
        ax.set_title(title)
        ax.set_xlabel("time step t")
    axes[0].set_ylabel("|dL/dh_t|  (L from the last step)")
    axes[0].legend()
    plt.tight_layout()
    plt.show()
    """),
    md("""
    Read the left panel from right to left, the way backward goes. With $s = 0.8$ every
    step back multiplies the norm by 0.8: after 29 steps, $0.8^{29} \\approx 0.0015$,
    what the first line printed. With $s = 1$ the gradient keeps its size; with
    $s = 1.2$ and $1.5$ it grows, until the states grow large enough for tanh to
    saturate (which is why it falls short of $1.2^{29} \\approx 200$). On the right, the
    same weights with large inputs: the saturated tanh's $1 - h^2$ drags every factor
    below 1, and even $s = 1.2$ vanishes. This is why plain tanh RNNs forget, and why
    gated cells (LSTM, section 8) were invented.

    ## 5. `clip_grad_norm_`: cap the gradient's length

    Against exploding gradients the standard tool is gradient clipping, applied after
    `backward()` and before the optimizer's step. `nn.utils.clip_grad_norm_(params,
    max_norm)`:

    * treats all the gradients of `params` as one long vector and computes its norm;
    * **returns** that norm, *before* clipping, as a tensor (handy for logging);
    * **changes** every `.grad` in place, multiplying all of them by the same factor
      `max_norm / (norm + 1e-6)` when the norm exceeds `max_norm` (else it leaves them
      alone): the direction stays, the length becomes `max_norm`.

    It does not touch the graph: it works on the `.grad` that backward left behind.
    """),
    code("""
    grad_norms(1.5, 0.01 * seq)             # an exploding case: fills big's .grad
    before = {name: p.grad.clone() for name, p in big.named_parameters()}
    total = nn.utils.clip_grad_norm_(big.parameters(), max_norm=1.0)
    print(f"returned: {total.item():.4f} ({type(total).__name__}, {total.dtype})")

    with torch.no_grad():
        norm_before = torch.cat([g.flatten() for g in before.values()]).norm()
        norm_after = torch.cat([p.grad.flatten() for p in big.parameters()]).norm()
        factor = big.hh.weight.grad / before["hh.weight"]
    print(f"norm before: {norm_before.item():.4f}  after: {norm_after.item():.6f}")
    print(f"every element scaled by {factor.mean().item():.6f}"
          f" = 1 / {1 / factor.mean().item():.4f}, the same everywhere:",
          torch.allclose(factor, factor.mean().expand_as(factor)))
    """),
    md("""
    A gradient already shorter than `max_norm` is left as it is, but the norm is still
    returned:
    """),
    code("""
    clipped = big.hh.weight.grad.clone()
    total = nn.utils.clip_grad_norm_(big.parameters(), max_norm=10.0)
    print(f"returned: {total.item():.6f}; gradients unchanged:",
          torch.equal(big.hh.weight.grad, clipped))
    """),
    md("""
    ## 6. Truncated BPTT: `detach()` the hidden state every k steps

    For a long sequence, the full graph costs memory for every step and the gradient
    through hundreds of steps vanishes or explodes anyway. *Truncated* BPTT cuts the
    sequence into windows of $k$ steps: run $k$ steps, backward, update, and carry the
    hidden state into the next window **detached**: `h.detach()` has the same values
    but no `grad_fn`, so the next window's graph starts there. The forward still sees
    the whole history through the values of `h`; the backward stops at the cut.

    Below, 12 steps in windows of 4, with a hook per step recording which steps the
    gradient reaches:
    """),
    code("""
    torch.manual_seed(2)
    k = 4
    xs_long = torch.randn(12, N, D, dtype=dt)
    opt = torch.optim.SGD(cell.parameters(), lr=0.1)
    h = torch.zeros(N, H, dtype=dt)
    with viz.record_calls(cell) as windows:          # autograd_nb only
        for start in range(0, len(xs_long), k):
            h = h.detach()                           # the cut: no grad_fn, same values
            reached = []
            for t in range(start, start + k):
                h = cell(xs_long[t], h)
                h.register_hook(lambda g, t=t: reached.append(t + 1))
            loss = (h ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            print(f"steps {start + 1:2d}-{start + k:2d}: loss {loss.item():.4f},"
                  f" gradient reached steps {sorted(reached)}")
    """),
    md("""
    The last window's graph, rolled: the cell four times, and the red dashed line where
    the graph was cut, before step 9. Unrolled, the cut sits under the frame of step 9,
    the last step backward visits. (Backward has run, so the saved buffers are shown
    freed.)
    """),
    code("""
    viz.draw(loss, roll=windows)            # autograd_nb only
    """),
    code("""
    viz.draw(loss, roll=windows, unroll=True)     # autograd_nb only
    """),
    md("""
    Without the `detach()`, the second window's graph reaches back into the first
    window's, whose buffers the first `backward()` already freed, and the second
    backward fails:
    """),
    code("""
    h = torch.zeros(N, H, dtype=dt)
    for start in range(0, len(xs_long), k):
        for t in range(start, start + k):
            h = cell(xs_long[t], h)
        loss = (h ** 2).mean()
        opt.zero_grad()
        loss.backward()                     # fails in the second window
        opt.step()
    """, "raises-exception"),
    md("""
    `retain_graph=True` would silence the error, but then every backward would run
    through the whole history again (and the optimizer's in-place updates would make
    the saved weights stale): the cost of full BPTT, without its exactness. Truncation
    is the usual answer; its price is that no gradient connects steps more than $k$
    apart.

    ## 7. The hand-built cell against `nn.RNN`

    `nn.RNN` computes this very cell (`nonlinearity="tanh"`, the default), for a whole
    sequence at once. Give it the hand-built cell's weights and both must agree, in
    the outputs and in every gradient. `nn.RNN` takes the sequence as
    `(steps, batch, features)` and the initial state as `(layers, batch, hidden)`;
    it returns every step's output and the last state.
    """),
    code("""
    rnn = nn.RNN(D, H).to(dt)
    with torch.no_grad():                   # copy the hand-built cell's weights
        rnn.weight_ih_l0.copy_(cell.ih.weight)
        rnn.bias_ih_l0.copy_(cell.ih.bias)
        rnn.weight_hh_l0.copy_(cell.hh.weight)
        rnn.bias_hh_l0.copy_(cell.hh.bias)

    hs = []
    h = h0
    for x in xs:
        h = cell(x, h)
        hs.append(h)
    out, h_n = rnn(xs, h0.unsqueeze(0))
    print("outputs agree:", torch.allclose(out, torch.stack(hs)),
          "| last state agrees:", torch.allclose(h_n[0], hs[-1]))

    cell.zero_grad()
    (torch.stack(hs) ** 2).sum().backward()
    (out ** 2).sum().backward()
    for mine, theirs in (("ih.weight", "weight_ih_l0"), ("ih.bias", "bias_ih_l0"),
                         ("hh.weight", "weight_hh_l0"), ("hh.bias", "bias_hh_l0")):
        same = torch.allclose(cell.get_parameter(mine).grad, rnn.get_parameter(theirs).grad)
        print(f"grad of {mine:9s} = grad of {theirs}: {same}")
    """),
    md("""
    ## 8. A gated cell: `nn.LSTM`

    The LSTM adds a second state, the *cell* $c_t$, updated additively:
    $c_t = f \\odot c_{t-1} + i \\odot g$. Backward through $c$ multiplies by the
    forget gate $f$ only (no matrix, no tanh), so when $f$ is near 1 the gradient
    passes many steps nearly unchanged. Its four gates come from one affine map of
    $x_t$ and $h_{t-1}$, split in PyTorch's order **i, f, g, o**:
    $i, f, o$ through a sigmoid, $g$ through tanh, and
    $h_t = o \\odot \\tanh(c_t)$.
    """),
    code("""
    torch.manual_seed(3)
    lstm = nn.LSTM(D, H).to(dt)
    c0 = torch.zeros(N, H, dtype=dt)
    out_lstm, (h_lstm, c_lstm) = lstm(xs, (h0.unsqueeze(0), c0.unsqueeze(0)))


    def lstm_gates(x, h):
        \"\"\"The four gates' inputs, (N, 4H), from the LSTM's own weights.\"\"\"
        return (x @ lstm.weight_ih_l0.T + lstm.bias_ih_l0
                + h @ lstm.weight_hh_l0.T + lstm.bias_hh_l0)


    def same_as_lstm(step):
        \"\"\"Run step(x, h, c) -> (h, c) over xs; compare outputs and gradients with nn.LSTM.\"\"\"
        h, c, outs = h0, c0, []
        for x in xs:
            h, c = step(x, h, c)
            outs.append(h)
        mine = torch.stack(outs)
        if not (torch.allclose(mine, out_lstm) and torch.allclose(c, c_lstm[0])):
            return False
        params = list(lstm.parameters())
        theirs = torch.autograd.grad(out_lstm.sum(), params, retain_graph=True)
        ours = torch.autograd.grad(mine.sum(), params)
        return all(torch.allclose(a, b) for a, b in zip(ours, theirs))
    """),
    *exercise(
        """
        Write one LSTM step by hand: split the gates with `.chunk(4, dim=1)` into
        `i, f, g, o` (in that order), then compute the new cell state `c` and the new
        hidden state `h`. The check runs your step over the sequence and compares the
        outputs, the last cell state and the gradients of all the LSTM's weights with
        `nn.LSTM`'s.
        """,
        """
        def lstm_step(x, h, c):
            i, f, g, o = lstm_gates(x, h).chunk(4, dim=1)
            c = ...
            h = ...
            return h, c
        """,
        """
        def lstm_step(x, h, c):
            i, f, g, o = lstm_gates(x, h).chunk(4, dim=1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
            return h, c
        """,
        """
        try:
            ok = same_as_lstm(lstm_step)
        except Exception:                   # an unfinished answer may fail in many ways
            ok = False
        check(ok, "c = sigmoid(f) * c + sigmoid(i) * tanh(g), then h = sigmoid(o) * tanh(c): "
                  "which gate goes through tanh, and is c the new one in h's line?")
        """),
    md("""
    ## What to remember

    * A recurrent net's graph is the network unrolled in time: one copy of the cell per
      step, chained through the hidden state. `backward()` through it *is* BPTT; the
      shared weights' gradients are sums of one term per step.
    * Each step back multiplies the gradient by $\\mathrm{diag}(1 - h_t^2) W_{hh}$: it
      vanishes when that shrinks vectors, explodes when it stretches them. Hooks on the
      hidden states show it step by step.
    * `clip_grad_norm_` returns the total norm before clipping and rescales all
      gradients together, keeping their direction; it changes `.grad`, not the graph.
    * Truncated BPTT: `h = h.detach()` between windows cuts the graph; the forward
      still carries the state, the backward stops at the cut. Without it, the next
      backward runs into freed buffers.
    * `viz.draw(loss, roll=calls)` draws the loop once with its recurrent edge;
      `unroll=True` draws every step with its saved buffers (autograd_nb only).
    """),
]
