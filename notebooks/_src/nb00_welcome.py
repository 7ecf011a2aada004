"""00 Welcome and playground: what autograd is, how %%autograd shows it, the dashboards."""
from . import code, exercise, md

CELLS = [
    md("""
    # 00 · Welcome: autograd you can see

    This course teaches **PyTorch's autograd**, the machinery that computes gradients for
    you, by letting you *watch* it work. You write ordinary PyTorch code; the library
    `autograd_nb` runs it with PyTorch's behaviour (the same values, printed tensors,
    `grad_fn` names and error messages) and shows you what happens inside: the graph each
    operation records, the buffers it keeps for later, and the gradients flowing
    backward, node by node.

    Everything you learn here is true in PyTorch: replace `autograd_nb` by `torch` in
    the imports (`import autograd_nb as torch` becomes `import torch`, `autograd_nb.nn`
    becomes `torch.nn`) and the PyTorch code runs unchanged. What is *not* PyTorch is the
    seeing: the `%%autograd` and `%autograd` magics, `torch.step(...)`, `viz`, the
    dashboards and `saved_bytes()`. Lines that use them are marked `# autograd_nb only`
    (or come from a `from autograd_nb...` import); drop them when you move to PyTorch.

    **The course**

    | notebook | topic |
    |---|---|
    | 00 | this page: autograd in one picture, the `%%autograd` magic, the dashboards |
    | 01 | grad modes: `requires_grad`, `no_grad`, `inference_mode`, `model.eval()` |
    | 02 | leaves and `backward()`: who gets `.grad`, vector-Jacobian products, accumulation |
    | 03 | the dynamic graph: `grad_fn`, `next_functions`, in-place operations |
    | 04 | networks: parameters, freezing, one SGD step, `detach()` versus `.data` |
    | 05 | logistic regression on handwritten digits, by hand, then with `nn` and `torch.optim` |
    | 06 | beyond: `autograd.grad`, higher-order gradients, hooks, custom `Function`, debugging, GPU |
    | 07 | backprop by hand: write each gradient yourself, `check_grads` checks it node by node |
    | 08 | backprop through time: an unrolled RNN, vanishing and exploding gradients, truncated BPTT |
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
    from autograd_nb import viz                # autograd_nb only: the pictures


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
    viz.draw(y)                # autograd_nb only
    """),
    md("""
    ## Four attributes to watch

    Every tensor carries the answers to the questions autograd asks. Four of them matter
    from the start:

    * `requires_grad`: should autograd record operations on this tensor?
    * `is_leaf`: did you create it (a leaf), or did a recorded operation compute it?
    * `grad_fn`: for a tensor computed by a recorded operation, the node that made it
      (`None` for a leaf);
    * `.grad`: where backward stores the gradient (of leaves that require grad).
    """),
    code("""
    def four_columns(**tensors):
        print(f"{'name':5} {'requires_grad':14} {'is_leaf':8} {'grad_fn':14} .grad")
        for name, t in tensors.items():
            grad_fn = t.grad_fn.name() if t.grad_fn is not None else "None"
            grad = t.grad if t.is_leaf else None    # .grad of a non-leaf: None, with a warning (notebook 02)
            print(f"{name:5} {t.requires_grad!s:14} {t.is_leaf!s:8} {grad_fn:14} {grad}")


    w = torch.tensor([1.0, -2.0], requires_grad=True)
    v = torch.tensor([3.0, 4.0])
    loss = (w * v).sum()
    four_columns(w=w, v=v, loss=loss)
    """),
    md("""
    ## The `%%autograd` cell magic

    Typing such tables by hand gets old. Put `%%autograd` on the first line of a cell
    (autograd_nb only) and the cell runs as usual, then shows three panels about what
    it built:

    * **Tensors**: every tensor the cell created or changed, with the four attributes
      above and six more: `shape`, `dtype`, `device` (where it lives: `cpu` or `cuda`),
      `_version` (how often it was changed in place; notebook 03), `is_inference`
      (made under inference mode; notebook 01);
    * **Graph**: the picture above, with your variable names on it;
    * **Saved buffers**: what each node keeps for the backward pass, and how many bytes.
      Under the table, two totals: *this graph's buffers* (every saved value of this
      graph that is not freed yet, so a tensor saved twice counts twice) and *all live
      graphs* (`saved_bytes()` from `autograd_nb.autograd.graph`: every
      array saved by any graph still alive in the kernel, each counted once; a leaf that
      requires grad, such as a parameter, is never counted, as it exists anyway). The
      two differ when a tensor is saved twice, or when graphs of earlier cells are
      still alive.
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
    `--show` picks panels (`tensors,graph,buffers,grads,compare`), and `--step` (with
    `--backward`) opens the **backward stepper** instead of running backward in one go;
    more on it below.

    """),
    md("""
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
    is on, and how many bytes all live graphs hold in saved buffers (`saved_bytes()`):
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

    Some ideas are best explored by clicking. The course has four small dashboards:

    * the **backward stepper** (`torch.step(loss)`, or `%%autograd --backward loss --step`):
      the real backward engine, one event at a time (this notebook and 02);
    * the **grad-mode lab** (`GradModeLab`): the same code under each grad mode (01);
    * the **accumulation lab** (`AccumulationLab`): backward again and again, zeroing,
      rebuilding, and `.grad` over time (02);
    * the **buffer inspector** (`BufferInspector`): every saved buffer, its version and
      what an in-place change does to it (03).

    Each one is a live widget in JupyterLab and also prints a static picture of its
    state, so the notebook reads well on GitHub too (there you see the picture only).

    ### The backward stepper

    Press **Next** to run backward one event at a time: a node starts with the gradient
    it received, sends one gradient along each of its edges, frees its saved buffers,
    and `AccumulateGrad` finally adds into `x.grad`. **Back** and **Reset** rewind;
    **Run to end** finishes. Nothing is simulated: the stepper pulls the events from the
    same engine that `backward()` runs.
    """),
    code("""
    x = torch.tensor(2.0, requires_grad=True)
    y = x ** 2 + 3 * x
    stepper = torch.step(y)    # autograd_nb only
    stepper
    """),
    md("""
    The stepper can also be driven from code (`next()`, `back()`, `goto(k)`, `reset()`,
    `run_to_end()`). Here it runs to the end and lists every event. Find where the two
    paths meet: `x ** 2` sends $2x = 4$, `3 * x` sends $3$, and the engine adds them
    before `AccumulateGrad` stores $7$ in `x.grad`. (The picture under the list is the
    stepper in its final state.)
    """),
    code("""
    x = torch.tensor(2.0, requires_grad=True)   # a fresh graph and a second stepper, so
    y = x ** 2 + 3 * x                          # the one above stays at its first event
    stepper2 = torch.step(y)
    stepper2.run_to_end()
    for record in stepper2.events:
        print(f"{record.index:2}  {record.kind:10}  {record.text}")
    print("x.grad =", x.grad)
    stepper2
    """),
    *exercise(
        """
        Let $f(x) = x^3 - 4x$. Create `x` at $x = 2$ with `requires_grad=True`, compute
        `f`, call `backward()`, and leave the gradient in `x.grad`.
        (By hand: $f'(x) = 3x^2 - 4$.)
        """,
        """
        x = ...        # a tensor holding 2.0 that requires grad
        f = ...        # f(x) = x ** 3 - 4 * x
        # ... and run backward from f
        """,
        """
        x = torch.tensor(2.0, requires_grad=True)
        f = x ** 3 - 4 * x
        f.backward()
        x.grad
        """,
        """
        check(isinstance(x, torch.Tensor) and x.requires_grad and x.item() == 2.0
              and isinstance(f, torch.Tensor) and abs(f.item() - (2.0 ** 3 - 4 * 2.0)) < 1e-6
              and x.grad is not None and abs(x.grad.item() - 8.0) < 1e-6,
              "Expected f(2) = 0 and x.grad == 3 * 2**2 - 4 = 8. Did you set requires_grad=True, "
              "compute f = x ** 3 - 4 * x and call f.backward()?")
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
