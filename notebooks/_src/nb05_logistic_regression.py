"""05 Logistic regression by hand (seed 004) on the bundled digits: w.data -= lr * w.grad,
accuracy under no_grad, loss and accuracy curves with a progress bar."""
from . import code, exercise, md

CELLS = [
    md("""
    # 05 · Logistic regression by hand

    A learner's question (from a Q&A thread): *"I train a one-neuron model with my own
    update step. When I compute the validation accuracy, are gradients recorded? Do they
    pollute the next `backward()`? Should I zero the gradients after computing the
    accuracy?"* We build that model step by step on real data, then answer the question
    with measurements.

    The data: the handwritten digits shipped with `autograd_nb` (1797 images of 8×8
    pixels; nothing to download). The task: tell a **3** from an **8**, a yes/no
    question, so one output neuron with a sigmoid is enough.
    """),
    code("""
    %load_ext autograd_nb
    import matplotlib.pyplot as plt
    from tqdm.auto import tqdm

    import autograd_nb as torch
    from autograd_nb import viz
    from autograd_nb.autograd.graph import saved_bytes
    from autograd_nb.datasets import load_digits
    from autograd_nb.utils.data import DataLoader, TensorDataset


    def check(ok, hint=""):
        \"\"\"Exercise checker: tells you whether your answer is right.\"\"\"
        print("Correct, well done!" if ok else f"Not yet. {hint}")
    """),
    md("""
    ## 1. The data

    `load_digits()` gives the images flattened to 64 pixel values in $[0, 1]$ and the
    labels. We keep the 3s and 8s, label an 8 as `1.0` and a 3 as `0.0`, and hold out the
    last 20% for validation. The targets get shape `(N, 1)`, like the model's output
    (section 4 shows why that matters).
    """),
    code("""
    X, labels = load_digits()
    keep = (labels == 3) | (labels == 8)
    X, Y = X[keep], (labels[keep] == 8).float().view(-1, 1)
    n_train = int(0.8 * len(X))
    x_train, y_train, x_valid, y_valid = X[:n_train], Y[:n_train], X[n_train:], Y[n_train:]
    print(x_train.shape, y_train.shape, x_valid.shape, y_valid.shape)
    print("share of 8s in training:", round(y_train.mean().item(), 3))

    torch.manual_seed(0)
    train_dl = DataLoader(TensorDataset(x_train, y_train), batch_size=32, shuffle=True)
    valid_dl = DataLoader(TensorDataset(x_valid, y_valid), batch_size=64)
    """),
    code("""
    fig, axes = plt.subplots(1, 8, figsize=(8, 1.3))
    for ax, img, lab in zip(axes, x_train[:8], y_train[:8]):
        ax.imshow(img.view(8, 8).numpy(), cmap="gray_r")
        ax.set_title("8" if lab.item() == 1 else "3")
        ax.axis("off")
    plt.show()
    """),
    md("""
    ## 2. The model, the loss and the update, as in the question

    The parameters are two leaf tensors that require grad: `weights` (64 × 1) and `bias`.
    The forward pass is $a = \\sigma(xW + b)$; the loss is the mean squared error between
    $a$ and the 0/1 targets. (Binary cross-entropy would be the textbook choice; we keep
    the question's MSE.)
    """),
    code("""
    torch.manual_seed(0)
    weights = (torch.randn(64, 1) * 0.01).requires_grad_()
    bias = torch.zeros(1).requires_grad_()
    lr = 2.0


    def forward_propagation(xb):
        z = xb @ weights + bias
        a = z.sigmoid()
        return a


    def mse_loss(predictions, targets):
        loss = ((predictions - targets) ** 2).mean()
        return loss
    """),
    md("""
    One forward pass on a batch, seen through `%%autograd`: `weights` and `bias` are the
    leaves, and the loss has a small graph behind it.
    """),
    code("""
    %%autograd --show tensors,graph
    xb, yb = next(iter(train_dl))
    a = forward_propagation(xb)
    loss = mse_loss(a, yb)
    """),
    md("""
    The update follows the question: compute the gradients, move each parameter against
    its gradient, and **zero the gradient**, because `backward()` adds to `.grad`
    (notebook 02).

    It writes through `.data` so that the update is not recorded. That works here
    because nothing else saved these values; notebook 04 showed how `.data` can also
    hide a mistake. The modern spelling is `with torch.no_grad(): weights -= lr *
    weights.grad`. (`weights.grad.data` in the question is the same as `weights.grad`,
    which never requires grad.)
    """),
    code("""
    def backward_propagation(loss):
        loss.backward()
        weights.data -= lr * weights.grad.data
        weights.grad.zero_()
        bias.data -= lr * bias.grad.data
        bias.grad.zero_()


    def train_epoch():
        losses = []
        for xb, yb in train_dl:
            a = forward_propagation(xb)
            loss = mse_loss(a, yb)
            backward_propagation(loss)
            losses.append(loss.item())
        return sum(losses) / len(losses)
    """),
    md("""
    ## 3. The accuracy, and the question

    The question's accuracy function, unchanged: a prediction is "8" when $a > 0.5$.
    Comparisons give booleans, which cannot carry gradients; `.float()` turns them into
    0/1 so that we can average.
    """),
    code("""
    def valid_accuracy():
        accuracies = []
        for xb, yb in valid_dl:
            a = forward_propagation(xb)
            correct = (a > 0.5) == yb
            accuracies.append(correct.float().mean())
        return round(torch.stack(accuracies).mean().item(), 4)


    print("accuracy before training:", valid_accuracy())
    """),
    md("""
    **Does it record a graph?** Yes: `forward_propagation` multiplies by `weights`, which
    requires grad, so `a` has a `grad_fn`, and the graph holds saved buffers as long as
    `a` is alive:
    """),
    code("""
    del a, loss                      # free the graph of the %%autograd cell above
    xb, yb = next(iter(valid_dl))
    a = forward_propagation(xb)
    print("a.grad_fn:", type(a.grad_fn).__name__, "  saved bytes:", saved_bytes())
    correct = (a > 0.5) == yb
    print("correct:", correct.dtype, correct.requires_grad)
    del a
    print("after `del a`: saved bytes:", saved_bytes())
    """),
    md("""
    **Does it change the gradients?** No. Gradients only appear in `.grad` when you call
    `backward()` on something computed from the parameters, and nobody calls `backward()`
    on the accuracy. Here are the gradients of one training batch, before and after an
    accuracy pass in between:
    """),
    code("""
    xb, yb = next(iter(train_dl))
    mse_loss(forward_propagation(xb), yb).backward()
    before = weights.grad.clone()
    valid_accuracy()
    print("gradients unchanged by valid_accuracy():", torch.equal(before, weights.grad))
    weights.grad.zero_()
    bias.grad.zero_()
    print("gradients zeroed again:", weights.grad.abs().sum().item(), bias.grad.item())
    """),
    md("""
    So no extra `zero_()` is needed in `valid_accuracy`. But recording the graph costs
    time and memory for nothing. `torch.no_grad()` exists for exactly this case (its
    name mentions gradients, but what it switches off is the *recording of the forward
    graph*):
    """),
    code("""
    def valid_accuracy():
        with torch.no_grad():
            accuracies = []
            for xb, yb in valid_dl:
                a = forward_propagation(xb)
                correct = (a > 0.5) == yb
                accuracies.append(correct.float().mean())
            return round(torch.stack(accuracies).mean().item(), 4)


    with torch.no_grad():
        a = forward_propagation(xb)
    print("under no_grad: a.grad_fn =", a.grad_fn, "  saved bytes:", saved_bytes())
    """),
    md("""
    ## 4. A shape trap in the accuracy

    `(a > 0.5) == yb` compares element by element only if both have shape `(N, 1)`. If
    the targets had shape `(N,)`, broadcasting would compare *every* prediction with
    *every* target and give an `(N, N)` matrix; its mean is a number between 0 and 1
    that looks like an accuracy but is not one:
    """),
    code("""
    with torch.no_grad():
        a = forward_propagation(x_valid)
    flat = y_valid.view(-1)
    print("(N, 1) vs (N, 1):", ((a > 0.5) == y_valid).shape)
    print("(N, 1) vs (N,):  ", ((a > 0.5) == flat).shape, "<- broadcast!")
    """),
    md("""
    ## 5. Training, with a progress bar and curves

    Thirty epochs. `tqdm` draws a progress bar (a widget in Jupyter); we record the mean
    training loss and the validation accuracy after every epoch.
    """),
    code("""
    torch.manual_seed(0)
    weights.data = torch.randn(64, 1) * 0.01
    bias.data.zero_()
    history = {"loss": [], "accuracy": []}
    for epoch in tqdm(range(30), desc="training"):
        history["loss"].append(train_epoch())
        history["accuracy"].append(valid_accuracy())
    print(f"final loss {history['loss'][-1]:.4f}, validation accuracy {history['accuracy'][-1]}")
    """),
    code("""
    viz.plot_curves(history, xlabel="epoch", title="logistic regression, 3 versus 8")
    plt.show()
    """),
    md("""
    What did the neuron learn? Its 64 weights, drawn as an 8×8 image: red pixels push
    towards "8", blue ones towards "3". The middle of the image, where an 8 crosses
    itself and a 3 is open on the left, matters most.
    """),
    code("""
    viz.plot_heatmap(weights.detach().view(8, 8), title="weights (red: 8, blue: 3)")
    plt.show()
    """),
    md("""
    ## Summary

    * Computing the accuracy without `no_grad` **does** record a graph (it costs memory
      until the result is freed) but **does not** touch `.grad`: only `backward()` does.
    * Use `with torch.no_grad():` (or `@torch.no_grad()`) for evaluation.
    * Zero the gradients after each update (they accumulate); no extra zeroing is
      needed after evaluating.
    * Keep predictions and targets the same shape before comparing them.
    """),
    *exercise(
        """
        Compute the validation accuracy in one go, on the whole of `x_valid` (no loop),
        **without recording a graph**, and store it as a Python float in `acc`; keep the
        predictions in `preds`. (It can differ slightly from `valid_accuracy()`, which
        averages per-batch accuracies: its last batch of 8 images counts as much as the
        first batch of 64.)
        """,
        """
        with torch.no_grad():
            preds = forward_propagation(x_valid)
        acc = ((preds > 0.5) == y_valid).float().mean().item()
        acc
        """,
        """
        expected = ((forward_propagation(x_valid) > 0.5) == y_valid).float().mean().item()
        check(isinstance(acc, float) and abs(acc - expected) < 1e-6 and preds.grad_fn is None,
              "Compute preds under torch.no_grad(), compare (preds > 0.5) with y_valid (same shape), "
              "then .float().mean().item().")
        """),
]
