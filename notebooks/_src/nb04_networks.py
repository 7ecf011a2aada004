"""04 Networks (seed 003): parameters require grad, freezing, the Simple conv net trained
one SGD step, detach vs .data, cpu/cuda/numpy, item/tolist."""
from . import code, exercise, md

CELLS = [
    md("""
    # 04 · Networks: parameters, one training step, `detach()` versus `.data`

    Now the same ideas inside a neural network: why the loss can be differentiated with
    respect to the weights although you never asked for it, how to freeze layers, what
    one step of SGD does to a convolutional network, why `.data` is dangerous, and how
    to move tensors between CPU, GPU, NumPy and plain Python.
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
    ## 1. Data does not require grad, parameters do

    A tensor you create does not require grad by default; that includes a mini-batch
    from a `DataLoader` and the ground-truth targets. So how can `loss.backward()`
    reach the network? Because **every parameter of a network requires grad** by
    default, and the output is computed from them.
    """),
    code("""
    torch.manual_seed(0)
    tensor = torch.randn(8, 3, 50, 100)        # [batch, channel, height, width]
    net = nn.Sequential(nn.Conv2d(3, 16, 3, 1),
                        nn.Conv2d(16, 32, 3, 1))
    print("input requires grad:", tensor.requires_grad)
    for name, param in net.named_parameters():
        print(name, param.requires_grad)
    output = net(tensor)
    print("output requires grad:", output.requires_grad, output.grad_fn)
    """),
    md("""
    Setting `requires_grad=True` on the inputs or the targets would only cost time and
    memory: nobody needs their gradients (unless you want to optimise the *input*, as in
    adversarial examples or style transfer).

    ### Freezing the whole network

    Switch the flag off on every parameter and nothing is recorded any more; the output
    is a plain tensor. Freeze *some* layers this way to stop them from changing during
    training. (The original tutorial calls `net(input)` here; the tensor is named
    `tensor`.)
    """),
    code("""
    for name, param in net.named_parameters():
        param.requires_grad = False
        print(name, param.requires_grad)
    output = net(tensor)
    print("output requires grad:", output.requires_grad, output.grad_fn, output.is_leaf)
    """),
    md("""
    `output.is_leaf` is now `True`: with every parameter frozen, no input of any
    operation required grad, so nothing was recorded, and a tensor that does not require
    grad counts as a leaf (notebook 02). It is a leaf in the sense "no history", not a
    parameter: it will never receive a `.grad`.

    And the same effect for a block of code, without touching the parameters:
    `torch.no_grad()` (notebook 01).
    """),
    code("""
    x = torch.randn(3, requires_grad=True)
    print(x.requires_grad)             # True
    print((x ** 2).requires_grad)      # True
    with torch.no_grad():
        print((x ** 2).requires_grad)  # False
    print((x ** 2).requires_grad)      # True
    """),
    md("""
    ## 2. One training step of a small convolutional network

    The tutorial defines a network with two convolutions and one linear layer (20
    outputs, say 20 classes), sets **every parameter to 0.1** and feeds **images of all
    ones** so that the numbers are easy to follow.
    """),
    code("""
    class Simple(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 16, 3, 1, padding=1, bias=False)
            self.conv2 = nn.Conv2d(16, 32, 3, 1, padding=1, bias=False)
            self.linear = nn.Linear(32 * 10 * 10, 20, bias=False)

        def forward(self, x):
            x = self.conv1(x)
            x = self.conv2(x)
            x = self.linear(x.view(x.size(0), -1))
            return x


    model = Simple()
    with torch.no_grad():              # an in-place change of leaves, not to be recorded
        for m in model.parameters():   # every weight 0.1 (the tutorial writes m.data.fill_(0.1))
            m.fill_(0.1)

    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=1.0)
    model.train()

    images = torch.ones(8, 3, 10, 10)              # 8 samples of 3 x 10 x 10
    targets = torch.ones(8, dtype=torch.long)      # every sample is class 1
    output = model(images)
    print(output.shape)
    loss = criterion(output, targets)
    print(loss)
    print(model.conv1.weight.grad)                  # None: no backward yet
    """),
    md("""
    Here is the graph of this network, with each layer folded into one box:
    """),
    code("""
    viz.draw(loss, params=model, collapse=True)
    """),
    md("""
    ### The gradient of cross-entropy, derived

    `nn.CrossEntropyLoss` takes the raw outputs $z = (z_1, \\dots, z_K)$ of a sample
    (the *logits*, here $K = 20$) and its class $y$. It turns the logits into
    probabilities with the softmax, $p_k = e^{z_k} / \\sum_j e^{z_j}$, and the loss is
    $-\\ln p_y$, averaged over the batch. Write it as
    $\\ell = -z_y + \\ln \\sum_j e^{z_j}$ and differentiate with respect to one logit
    $z_k$:

    $$\\frac{\\partial \\ell}{\\partial z_k}
      = -[k = y] + \\frac{e^{z_k}}{\\sum_j e^{z_j}} = p_k - [k = y],$$

    where $[k = y]$ is 1 for the true class and 0 otherwise. So the gradient is
    $p - \\text{onehot}(y)$ (divided by the batch size, for the average). Its entries
    always sum to $\\sum_k p_k - 1 = 0$. Let us check it on our batch:
    """),
    code("""
    z = output.detach().requires_grad_()           # the logits, as a leaf of their own
    criterion(z, targets).backward()
    p = torch.softmax(output.detach(), dim=1)
    onehot = torch.zeros(8, 20)
    onehot[:, 1] = 1.0                                   # every target is class 1
    print("autograd == (p - onehot) / 8:", torch.allclose(z.grad, (p - onehot) / 8))
    print("each row sums to 0:", torch.allclose(z.grad.sum(dim=1), torch.zeros(8), atol=1e-7))
    """),
    md("""
    > **The original tutorial's numbers cannot come out of its code.** It prints
    > `conv1.weight.grad[0][0][0]` as `tensor([-0.0782, -0.0842, -0.0782])` and the
    > updated weights as `tensor([0.1782, 0.1842, 0.1782])`. But with all weights equal
    > and all inputs equal, the 20 outputs of each sample are all the same number, so
    > the softmax gives every class probability $1/20$ and the loss is $\\ln 20 = 2.9957$.
    > The gradient with respect to the outputs is $p - \\text{onehot} =
    > (\\tfrac{1}{20}, \\dots, \\tfrac{1}{20} - 1, \\dots)$, which sums to zero, and the
    > linear layer sends back $W^\\top (p - \\text{onehot})$; with every entry of $W$ equal
    > to $0.1$ that is $0.1 \\times$ the sum, **exactly zero**. So the convolutions get a
    > zero gradient (up to float rounding, about $10^{-7}$), and only the linear layer's
    > weights get a real one.

    Let us check every claim:
    """),
    code("""
    print("all outputs equal:", torch.allclose(output, output[0, 0].expand_as(output)))
    print("one output:", round(output[0, 0].item(), 1), "  loss = ln 20:", round(loss.item(), 4))

    loss.backward()
    print("largest |conv1 grad|: below 1e-5?", model.conv1.weight.grad.abs().max().item() < 1e-5)
    print("largest |conv2 grad|: below 1e-5?", model.conv2.weight.grad.abs().max().item() < 1e-5)
    print("largest |linear grad|:", round(model.linear.weight.grad.abs().max().item(), 3))
    """),
    md("""
    The weights start at 0.1 (indexing a parameter is a recorded operation, hence the
    `grad_fn=<SelectBackward0>`; the tutorial's old PyTorch called it `SelectBackward`).
    With `lr=1.0`, SGD's update is *weight minus gradient*, so the conv weights do not
    move:
    """),
    code("""
    print(model.conv1.weight[0][0][0])
    optimizer.step()
    print(model.conv1.weight[0][0][0])
    """),
    md("""
    Finally the tutorial zeroes the gradients and prints zeros. Since PyTorch 2.0,
    `zero_grad()` sets every `.grad` to `None` instead (it saves memory), so indexing it
    fails; `zero_grad(set_to_none=False)` gives the zeros. Either way, clear the
    gradients before each new backward (anywhere before it, not necessarily right
    after the step), or they add up.
    """),
    code("""
    optimizer.zero_grad()
    print(model.conv1.weight.grad)
    model.conv1.weight.grad[0][0][0]
    """, "raises-exception"),
    code("""
    loss = criterion(model(images), targets)
    loss.backward()
    optimizer.zero_grad(set_to_none=False)
    print(model.conv1.weight.grad[0][0][0])
    """),
    md("""
    ### The same step, with numbers that move

    Give the network random weights and random images, and the gradients are not zero
    any more. Check the tutorial's real point: with `lr = 1`, the updated weight is
    exactly *old weight minus gradient*.
    """),
    code("""
    torch.manual_seed(0)
    model = Simple()
    optimizer = torch.optim.SGD(model.parameters(), lr=1.0)
    images = torch.randn(8, 3, 10, 10)
    targets = torch.randint(0, 20, (8,))

    loss = criterion(model(images), targets)
    loss.backward()
    old = model.conv1.weight[0][0][0].detach().clone()
    grad = model.conv1.weight.grad[0][0][0]
    optimizer.step()
    new = model.conv1.weight[0][0][0].detach()
    print("old weight:", old)
    print("gradient:  ", grad)
    print("new weight:", new)
    print("new == old - grad:", torch.allclose(new, old - grad))
    """),
    md("""
    ## 3. `detach()` versus `.data`: the silent wrong gradient

    Before PyTorch 0.4, tensors were wrapped in `Variable`s and `.data` unwrapped them.
    `.data` still exists: it gives the same numbers, in the same memory, with
    `requires_grad=False`. `detach()` does too (notebook 03, section 6). The
    difference is the version counter: a detached tensor *shares* it with the
    original, so an in-place change through it is counted, and backward can notice that
    a value it saved has changed. `.data` gets a counter of its own, so changes through
    it go unnoticed.

    Take $b = a + 2$ and $\\text{loss} = \\operatorname{mean}(b^2)$, whose gradient is
    $\\frac{2}{3} b = \\frac{2}{3}(a + 2)$. Now change `b` in place after computing the loss.
    With `detach()`, autograd notices that `b`, which the graph saved, has changed, and
    refuses:
    """),
    code("""
    a = torch.tensor([7., 0, 0], requires_grad=True)
    b = a + 2
    print(b)
    loss = torch.mean(b * b)
    b_ = b.detach()
    b_.zero_()                 # shares memory: b changes too
    print(b, "version:", b._version)
    loss.backward()
    """, "raises-exception"),
    md("""
    With `.data`, the change goes unnoticed (the version counter did not move), and
    backward silently uses the zeroed values:
    """),
    code("""
    a = torch.tensor([7., 0, 0], requires_grad=True)
    b = a + 2
    loss = torch.mean(b * b)
    b_ = b.data
    b_.zero_()
    print(b, "version:", b._version)
    loss.backward()
    print("gradient via .data:", a.grad)

    a = torch.tensor([7., 0, 0], requires_grad=True)
    torch.mean((a + 2) ** 2).backward()
    print("correct gradient:  ", a.grad)
    """),
    md("""
    An error you can fix is better than a wrong number you will not find. Prefer
    `detach()`; use `with torch.no_grad():` for in-place updates of parameters.
    (`x.detach()` is not a copy: to change the numbers without touching `x`, use
    `x.detach().clone()`.)

    ## 4. CPU, GPU and NumPy

    `tensor.to(device)` moves a tensor (`tensor.cuda()` is the same for a GPU). Pick the
    device once at the top and move everything there:
    """),
    code("""
    # NBVAL_IGNORE_OUTPUT
    device = torch.device("cuda") if torch.cuda.is_available() else torch.device("cpu")
    a = torch.rand([3, 3]).to(device)
    print(device, a.device)
    """),
    md("""
    NumPy arrays live on the CPU, so a GPU tensor must come back with `.cpu()` first; and
    a tensor that requires grad must be detached, because NumPy cannot record
    operations:
    """),
    code("""
    y = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y.numpy()
    """, "raises-exception"),
    code("""
    y_ = y.detach().cpu().numpy()      # y.cpu().detach().numpy() works too
    print(type(y_).__name__, y_.dtype)
    """),
    md("""
    On the CPU the array shares memory with the tensor (`.cpu()` of a CPU tensor is the
    tensor itself; of a GPU tensor it is a copy, and then nothing is shared). Writing
    into it is the same trap as `.data`, once more: NumPy knows nothing of version
    counters, so `y._version` stays 0, and if a graph saved `y`, backward silently uses
    the new value:
    """),
    code("""
    loss = (y * y).sum()               # MulBackward0 saves y; dloss/dy = 2y
    y_[0, 0] = 100.0                   # through the NumPy alias: y changes too
    print(y)
    print("version:", y._version)      # 0: autograd cannot notice
    loss.backward()
    print("gradient:", y.grad)         # 2 * 100 = 200 where 2 * 1 = 2 was right
    """),
    md("""
    Copy first (`y.detach().cpu().numpy().copy()`, or `.clone()` before `.numpy()`) when
    you want to change the numbers.
    """),
    md("""
    On a machine with a GPU (CuPy installed) the next cell runs the tutorial's GPU
    example; elsewhere it says so. (The tutorial's line ends in a stray `.`, a syntax
    error.)
    """),
    code("""
    # NBVAL_IGNORE_OUTPUT
    if torch.cuda.is_available():
        x = torch.rand([3, 3], device="cuda")
        x_ = x.cpu().numpy()
        y = torch.rand([3, 3], requires_grad=True, device="cuda")
        y_ = y.cpu().detach().numpy()
        print(x.device, y.device, "->", type(x_).__name__, type(y_).__name__)
    else:
        print("No GPU here: the GPU example is skipped (everything else runs on the CPU).")
    """),
    md("""
    ## 5. `item()` and `tolist()`

    `tensor.item()` returns a Python number, wherever the tensor lives, but only for a
    tensor with exactly one element. `tolist()` converts any tensor to (nested) Python
    lists.
    """),
    code("""
    torch.manual_seed(0)
    x = torch.randn(1, requires_grad=True)
    print(x)
    v = x.item()
    print(round(v, 4), type(v))
    m = torch.randn([2, 2])
    print([[round(e, 4) for e in row] for row in m.tolist()])
    """),
    code("""
    m.item()
    """, "raises-exception"),
    md("""
    ## Summary

    * Inputs and targets do not require grad; parameters do, so the loss reaches them.
    * Freeze a layer with `requires_grad = False` on its parameters.
    * One step: forward, loss, `backward()`, `step()` (new = old − lr · grad), and zero
      the gradients before the next backward (`zero_grad()` sets them to `None`).
    * `detach()` shares the version counter, so misuse raises an error; `.data` and
      NumPy aliases do not, and can give silently wrong gradients.
    * `.to(device)`, `.cpu()`, `.detach().numpy()`, `.item()`, `.tolist()`.
    """),
    *exercise(
        """
        Freeze **only `conv1`** of a fresh `Simple` network, make an SGD optimizer `opt`
        with learning rate 0.1, and run one step on the random `images` and `targets`
        above. `before` keeps a copy of every parameter from before the step.

        Leaving `conv1` out of the optimizer is not freezing: backward would still
        compute its gradient. The check wants `conv1` frozen (no gradient at all) and
        every other weight moved by exactly $-0.1 \\times$ its gradient.
        """,
        """
        torch.manual_seed(1)
        net = Simple()
        ...            # freeze conv1
        opt = ...      # SGD, lr 0.1
        before = {name: p.detach().clone() for name, p in net.named_parameters()}
        # ... forward, loss (criterion), backward, step
        """,
        """
        torch.manual_seed(1)
        net = Simple()
        net.conv1.requires_grad_(False)
        opt = torch.optim.SGD(net.parameters(), lr=0.1)   # frozen parameters have no .grad: SGD skips them
        before = {name: p.detach().clone() for name, p in net.named_parameters()}
        criterion(net(images), targets).backward()
        opt.step()
        """,
        """
        moved_by_lr_grad = all(
            p.grad is not None and torch.allclose(p.detach(), before[name] - 0.1 * p.grad, atol=1e-7)
            and not torch.equal(p.detach(), before[name])
            for name, p in net.named_parameters() if name != "conv1.weight")
        check(isinstance(opt, torch.optim.SGD) and all(g["lr"] == 0.1 for g in opt.param_groups)
              and not net.conv1.weight.requires_grad and net.conv1.weight.grad is None
              and torch.equal(before["conv1.weight"], net.conv1.weight.detach()) and moved_by_lr_grad,
              "Freeze with net.conv1.requires_grad_(False) (conv1.weight.grad must stay None), use "
              "torch.optim.SGD(..., lr=0.1), and call backward() and opt.step() once.")
        """),
]
