"""00 Welcome and playground: what autograd is, how %%autograd shows it, the dashboards."""
from . import code, exercise, md

CELLS = [
    md("""
    # 00 · Welcome: autograd you can see

    This course teaches **PyTorch's autograd**, the machinery that computes gradients for
    you, by letting you *watch* it work. You write ordinary PyTorch code; the library
    `autograd_nb` runs it with exactly PyTorch's behaviour (same values, same printed
    tensors, same `grad_fn` names, same error messages) and shows you what happens inside:
    the graph each operation records, the buffers it keeps for later, and the gradients
    flowing backward, node by node.

    Everything you learn here is true in PyTorch: replace `import autograd_nb as torch` by
    `import torch` and the code runs unchanged.

    **The course**

    | notebook | topic |
    |---|---|
    | 00 | this page: autograd in one picture, the `%%autograd` magic, the dashboards |
    | 01 | grad modes: `requires_grad`, `no_grad`, `inference_mode`, `model.eval()` |
    | 02 | leaves and `backward()`: who gets `.grad`, vector-Jacobian products, accumulation |
    | 03 | the dynamic graph: `grad_fn`, `next_functions`, in-place operations |
    | 04 | networks: parameters, freezing, one SGD step, `detach()` versus `.data` |
    | 05 | logistic regression by hand on handwritten digits |
    | 06 | beyond: `autograd.grad`, higher-order gradients, hooks, custom `Function`, GPU |
    """),
    md("""
    ## Setting up

    Every notebook starts the same way. `%load_ext autograd_nb` switches on the magics
    (`%%autograd`) and the plain-language explanations under autograd's errors. (The
    course kernel, "Python 3 (autograd_nb)", loads it for you; loading it again is
    harmless and silent.) Then we import the library under PyTorch's usual name.
    """),
    code("""
    %load_ext autograd_nb
    import autograd_nb as torch
    from autograd_nb import viz


    def check(ok, hint=""):
        \"\"\"Exercise checker: tells you whether your answer is right.\"\"\"
        print("Correct, well done!" if ok else f"Not yet. {hint}")
    """),
    md("""
    ## What autograd does, in one example

    Take $y = x^2 + 3x$ at $x = 2$. Calculus says $\\frac{dy}{dx} = 2x + 3 = 7$.

    Autograd gets there without any calculus from you:

    1. **Forward.** While Python computes `y`, autograd records each operation that
       involves a tensor with `requires_grad=True`: a small *graph* of functions.
    2. **Backward.** `y.backward()` walks that graph from `y` back to `x`, applying the
       chain rule at each node, and stores the result in `x.grad`.
    """),
    code("""
    x = torch.tensor(2.0, requires_grad=True)
    y = x ** 2 + 3 * x
    y.backward()
    print(y)
    print(x.grad)
    """),
    md("""
    `y` prints with `grad_fn=<AddBackward0>`: the last operation that made it was an
    addition, and `AddBackward0` is the node that knows how to send gradients back
    through it. Here is the whole graph. Read it from the top (the result) down to the
    leaf `x`. The dashed box inside a node is a value it saved for the backward pass
    (struck through: backward has used and freed it), and the orange box next to `x` is
    the gradient that backward stored:
    """),
    code("""
    viz.draw(y)
    """),
    md("""
    ## The `%%autograd` cell magic

    Put `%%autograd` on the first line of a cell and the cell runs as usual, then shows
    three panels about what it built:

    * **Tensors**: every tensor the cell created or changed: `requires_grad`, `is_leaf`,
      `grad_fn`, shape, dtype, version counter, `.grad`;
    * **Graph**: the picture above, with your variable names on it;
    * **Saved buffers**: what each node keeps for the backward pass, and how many bytes.
    """),
    code("""
    %%autograd
    w = torch.tensor([1.0, -2.0], requires_grad=True)
    v = torch.tensor([3.0, 4.0])
    loss = (w * v).sum()
    """),
    md("""
    Options make it do more. `--backward loss` runs `loss.backward()` after the cell and
    adds a panel with the gradients. Check it by hand: $\\text{loss} = \\sum_i w_i v_i$, so
    $\\partial\\,\\text{loss} / \\partial w = v = [3, 4]$.
    """),
    code("""
    %%autograd --backward loss
    w = torch.tensor([1.0, -2.0], requires_grad=True)
    v = torch.tensor([3.0, 4.0])
    loss = (w * v).sum()
    """),
    md("""
    `--step` (with `--backward`) prints the backward engine's events one at a time: which
    node starts, which gradients it receives and sends, when its saved buffers are
    released, and when a gradient is added into a leaf's `.grad`. `--show` picks panels
    (`tensors,graph,buffers,grads,compare`).
    """),
    code("""
    %%autograd --backward y --step --show grads
    x = torch.tensor(2.0, requires_grad=True)
    y = x ** 2 + 3 * x
    """),
    md("""
    Two gradients arrive at `x`, one through `x ** 2` (that is $2x = 4$) and one through
    `3 * x` (that is $3$); the engine adds them before it stores $7$ in `x.grad`.

    `--mode` runs a cell under a grad mode (notebook 01 explains them). Under `no_grad`
    nothing is recorded, so there is no graph and no saved buffer:
    """),
    code("""
    %%autograd --mode no_grad
    x = torch.tensor(2.0, requires_grad=True)
    y = x ** 2 + 3 * x
    """),
    md("""
    `%autograd status` (one `%`) tells you the current grad mode, whether inference mode
    is on, and how many bytes all live graphs hold in saved buffers:
    """),
    code("""
    %autograd status
    """),
    md("""
    ## Errors come with an explanation

    Autograd's error messages are precise but terse. With the extension loaded, each one
    is followed by a plain-language explanation: what happened, why autograd refuses,
    and the usual fixes. (Cells that are *meant* to fail carry the tag
    `raises-exception`, so "Run All" goes on past them.)
    """),
    code("""
    x = torch.tensor(2.0, requires_grad=True)
    y = x ** 3
    y.backward()
    y.backward()          # a second time through the same graph
    """, "raises-exception"),
    md("""
    ## Same results as PyTorch

    `%%autograd --compare-torch` also runs the cell under real PyTorch (in a separate
    process) and puts both results side by side. It needs PyTorch installed; on Binder
    it is not, so the cell below checks first and otherwise prints a one-line note.
    """),
    code("""
    # NBVAL_IGNORE_OUTPUT
    import importlib.util

    if importlib.util.find_spec("torch") is not None:
        get_ipython().run_cell_magic("autograd", "--compare-torch --show compare", '''
    x = torch.tensor([2., 3., 1.], requires_grad=True)
    y = x ** 2
    y.backward(torch.ones_like(x))
    print(x.grad)
    ''')
    else:
        print("PyTorch is not installed here (as on Binder), so there is nothing to compare with.")
    """),
    md("""
    In a notebook of your own you would simply write `%%autograd --compare-torch` on the
    first line of the cell.

    ## The dashboards

    Some ideas are best explored by clicking: later notebooks open small dashboards
    (the backward *stepper* that walks the engine one event at a time, the grad-mode lab,
    the accumulation lab and the saved-buffer inspector). Each dashboard also prints a
    static picture, so the notebook reads well even where widgets cannot run.
    """),
    *exercise(
        """
        Let $f(x) = x^3 - 4x$. Create `x` at $x = 2$ with `requires_grad=True`, compute
        `f`, call `backward()`, and leave the gradient in `x.grad`.
        (By hand: $f'(x) = 3x^2 - 4$.)
        """,
        """
        x = torch.tensor(2.0, requires_grad=True)
        f = x ** 3 - 4 * x
        f.backward()
        x.grad
        """,
        """
        check(x.grad is not None and abs(x.grad.item() - 8.0) < 1e-6,
              "Expected x.grad == 3 * 2**2 - 4 = 8. Did you set requires_grad=True and call f.backward()?")
        """),
    md("""
    ## Playground

    The cell below is yours. Try `%%autograd --backward out` on a formula of your own, or
    `viz.draw(...)` on any tensor that has a `grad_fn`. Then move on to
    **01 · Grad modes**.
    """),
    code("""
    %%autograd --backward out
    a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    out = (a.exp() * a).mean()
    """),
]
