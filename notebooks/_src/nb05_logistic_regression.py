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
    from autograd_nb import viz                # autograd_nb only: the pictures
    from autograd_nb.autograd.graph import saved_bytes       # autograd_nb only
    from autograd_nb.datasets import load_digits   # autograd_nb only (the same data: sklearn.datasets.load_digits)
    from autograd_nb.utils.data import DataLoader, TensorDataset   # PyTorch: torch.utils.data


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
    X_all = X                                  # all ten digits, for section 6
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
    the question's MSE, and switch in section 6.)

    Shapes: a batch `xb` is $(N, 64)$ and `weights` $(64, 1)$, so `xb @ weights` is
    $(N, 1)$; `bias` has shape $(1,)$. Adding them uses **broadcasting**: PyTorch lines
    the shapes up from the right, and a dimension of size 1 (or a missing one) is
    stretched to match the other, without copying. So `bias` is added to every row.
    Broadcasting is recorded like any operation, and backward sums the gradient over
    the stretched dimension, so `bias.grad` keeps the shape $(1,)$. Section 4 shows the
    same rule causing a bug.
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

    The question writes the update through `.data`, so that it is not recorded:

    ```python
    weights.data -= lr * weights.grad.data
    ```

    That happens to work here, because each backward runs right after its own forward
    pass, before any update changes the values that pass saved; but notebook 04
    showed how `.data` hides the mistake when that order breaks. We write the safe
    modern spelling, an in-place update under `torch.no_grad()`. (`weights.grad.data`
    is the same numbers as `weights.grad`, which does not require grad here; it would
    only if backward ran with `create_graph=True`.)
    """),
    code("""
    def backward_propagation(loss):
        loss.backward()
        with torch.no_grad():          # the update must not be recorded
            weights.sub_(lr * weights.grad)      # weights -= lr * weights.grad, in place
            bias.sub_(lr * bias.grad)
        weights.grad.zero_()
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
    training loss and the validation accuracy after every epoch. (On a static page such
    as GitHub the bar shows the state it was first drawn in, `0/30`: a page cannot run
    a widget. The line printed after the loop reports the end.)
    """),
    code("""
    torch.manual_seed(0)
    with torch.no_grad():                      # start again from fresh weights
        weights.copy_(torch.randn(64, 1) * 0.01)
        bias.zero_()
    history = {"loss": [], "accuracy": []}
    bar = tqdm(range(30), desc="training")
    for epoch in bar:
        history["loss"].append(train_epoch())
        history["accuracy"].append(valid_accuracy())
    print(f"{bar.n}/{bar.total} epochs: final loss {history['loss'][-1]:.4f}, "
          f"validation accuracy {history['accuracy'][-1]}")
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
    ## 6. The same model, written the way PyTorch code usually is

    Everything above was written by hand, to see it. Here is the idiomatic version;
    each piece replaces one of ours:

    * `nn.Linear(64, 1)` holds `weight` and `bias` as parameters and computes
      $xW^\\top + b$;
    * `nn.BCEWithLogitsLoss()` is the sigmoid and the binary cross-entropy in one,
      computed from the *logits* (the values before the sigmoid) in a numerically
      stable way; the model therefore has no sigmoid, and a logit above 0 means
      "probability above 0.5";
    * `torch.optim.SGD` does the update under `no_grad` for us (`step()`), and
      `zero_grad()` clears the gradients;
    * `model.train()` / `model.eval()` set the layers' mode (it changes nothing for a
      `Linear`, but becomes essential once the model has Dropout or BatchNorm,
      notebook 01), and evaluation runs under `torch.no_grad()`.
    """),
    code("""
    import autograd_nb.nn as nn


    def accuracy(model, loader):
        model.eval()                                   # layers in evaluation mode
        correct = 0
        with torch.no_grad():                          # and no graph
            for xb, yb in loader:
                correct += ((model(xb) > 0) == yb).sum().item()   # a Python int, no graph
        return correct / len(loader.dataset)


    torch.manual_seed(0)
    model = nn.Linear(64, 1)
    loss_fn = nn.BCEWithLogitsLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=2.0)      # as by hand: lr 2, 30 epochs
    for epoch in range(30):
        model.train()
        for xb, yb in train_dl:
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
    print(f"nn.Linear + BCEWithLogitsLoss: validation accuracy {accuracy(model, valid_dl):.4f}")
    """),
    md("""
    With more than two classes, the model gets one output (logit) per class and the
    loss is `nn.CrossEntropyLoss` (softmax and negative log-likelihood in one; its
    gradient is derived in notebook 04), with the class *index* as the target, an
    integer, not a float. All ten digits:
    """),
    code("""
    n_all = int(0.8 * len(labels))
    all_train = DataLoader(TensorDataset(X_all[:n_all], labels[:n_all]), batch_size=64, shuffle=True)
    all_valid = DataLoader(TensorDataset(X_all[n_all:], labels[n_all:]), batch_size=256)

    torch.manual_seed(0)
    model = nn.Linear(64, 10)
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=1.0)
    for epoch in range(20):
        model.train()
        for xb, yb in all_train:
            optimizer.zero_grad()
            loss_fn(model(xb), yb).backward()
            optimizer.step()

    model.eval()
    with torch.no_grad():
        correct = sum((model(xb).argmax(dim=1) == yb).sum().item() for xb, yb in all_valid)
    print(f"ten digits, nn.Linear + CrossEntropyLoss: validation accuracy {correct / len(all_valid.dataset):.4f}")
    """),
    md("""
    ## Summary

    * Computing the accuracy without `no_grad` **does** record a graph (it costs memory
      until the result is freed) but **does not** touch `.grad`: only `backward()` does.
    * Use `with torch.no_grad():` (or `@torch.no_grad()`) for evaluation.
    * Zero the gradients after each update (they accumulate); no extra zeroing is
      needed after evaluating.
    * Keep predictions and targets the same shape before comparing them.
    * In practice: `nn.Linear`, a loss from `nn` that takes logits
      (`BCEWithLogitsLoss`, `CrossEntropyLoss`), `torch.optim`, and
      `model.train()` / `model.eval()` + `torch.no_grad()` around training and evaluation.
    """),
    *exercise(
        """
        Write `predict(x)` returning the probabilities `forward_propagation(x)` gives,
        **without recording a graph**. Then compute `preds = predict(x_valid)` and the
        validation accuracy on the whole of `x_valid` in one go (no loop), as a Python
        float `acc`. (It can differ slightly from `valid_accuracy()`, which averages
        per-batch accuracies: its last batch of 8 images counts as much as the first
        batch of 64.)

        `forward_propagation(x).detach()` is not the answer: the forward pass would
        record its graph, and save its buffers, before you drop it. The check watches,
        with `torch.autograd.graph.saved_tensors_hooks`, whether anything is saved for
        backward while `predict` runs.
        """,
        """
        def predict(x):
            ...        # forward_propagation(x), without recording a graph


        preds = predict(x_valid)
        acc = ...      # the share of correct predictions, a Python float
        """,
        """
        def predict(x):
            with torch.no_grad():
                return forward_propagation(x)


        preds = predict(x_valid)
        acc = ((preds > 0.5) == y_valid).float().mean().item()
        acc
        """,
        """
        saved_during_predict = []        # autograd calls pack() for every tensor it saves for backward
        with torch.autograd.graph.saved_tensors_hooks(
                lambda t: saved_during_predict.append(tuple(t.shape)) or t, lambda t: t):
            out = predict(x_valid)
        with torch.no_grad():
            expected_preds = forward_propagation(x_valid)
        expected = ((expected_preds > 0.5) == y_valid).float().mean().item()
        check(saved_during_predict == [] and isinstance(out, torch.Tensor) and out.grad_fn is None
              and torch.allclose(out, expected_preds) and isinstance(preds, torch.Tensor)
              and torch.equal(preds, out) and isinstance(acc, float) and abs(acc - expected) < 1e-6,
              (f"predict saved {len(saved_during_predict)} tensor(s) for backward: it recorded a "
               "graph. " if saved_during_predict else "")
              + "Run forward_propagation under torch.no_grad() inside predict; then "
              "acc = ((preds > 0.5) == y_valid).float().mean().item().")
        """),
]
