"""``python -m autograd_nb``: a short worked example, or one of the sub-commands.

    python -m autograd_nb            # leaves, backward and accumulation (seed 001)
    python -m autograd_nb demo       # the same
"""
from __future__ import annotations

import sys


def demo() -> None:
    """Print seed 001's lesson: who is a leaf, what backward fills, how grads add up."""
    import autograd_nb as torch

    print("autograd_nb demo: leaves, backward and gradient accumulation\n")
    x = torch.tensor([1.0], requires_grad=True)
    y = torch.tensor([2.0])
    z = x * y
    print(">>> x = torch.tensor([1.0], requires_grad=True); y = torch.tensor([2.0]); z = x * y")
    print(f"x.is_leaf={x.is_leaf}  y.is_leaf={y.is_leaf}  z.is_leaf={z.is_leaf}")
    print(f"z = {z}")
    print(f"z.grad_fn.next_functions = {tuple((type(f).__name__ if f else None, i) for f, i in z.grad_fn.next_functions)}")
    z.backward(retain_graph=True)
    print(f"\nafter z.backward(retain_graph=True):  x.grad = {x.grad}   (dz/dx = y = 2)")
    z.backward(retain_graph=True)
    print(f"after a second backward:              x.grad = {x.grad}   (gradients accumulate)")
    x.grad = None
    z.backward()
    print(f"after x.grad = None and backward():   x.grad = {x.grad}")
    try:
        z.backward()
    except RuntimeError as e:
        print(f"\na third backward fails, the graph was freed:\nRuntimeError: {str(e)[:75]}...")
    print(f"\ny.grad = {y.grad}   (y does not require grad, so nothing flows into it)")
    print(f"saved bytes alive now: {torch.autograd.graph.saved_bytes()}")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    cmd = args[0] if args else "demo"
    if cmd == "demo":
        demo()
        return 0
    if cmd in ("-h", "--help"):
        print(__doc__)
        return 0
    print(f"unknown command {cmd!r}; try: python -m autograd_nb demo", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
