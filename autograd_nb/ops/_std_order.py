"""Which of several equal values comes first: the orders of PyTorch's cpu kernels.

Sorting numbers that tie (integers often do) leaves a choice: which of the equal values
comes first, and so which index ``sort``, ``topk`` and ``kthvalue`` report. Any answer is
"sorted"; PyTorch's is whatever its cpu kernel's algorithm happens to do, and that is
deterministic (the same on every machine with the same C++ library), so we follow it:

* ``sort`` (not stable) is C++'s ``std::sort`` -- an *introsort*: quicksort with the
  median of three as pivot down to runs of 16, heapsort if the recursion gets too deep,
  then one insertion sort over everything. A 1-d ascending sort of at least 32768
  integers is a (stable) radix sort instead.
* ``topk`` is ``std::partial_sort`` (a heap of the k best) when k is at most 1/64 of the
  slice, else ``std::nth_element`` (quickselect) and ``std::sort`` of the k - 1 before it.
* ``kthvalue`` is ATen's own quickselect.

Each function here takes one slice's values as a Python list and returns the positions
in the order the kernel leaves them. They run only on slices that hold ties (without
ties every correct algorithm gives the same answer, and numpy's is fast).
"""
from __future__ import annotations

import math
from typing import Callable

Less = Callable[[float, float], bool]


def ascending(x: float, y: float) -> bool:
    """PyTorch's ascending comparison: NaN after everything."""
    return (x < y) or (y != y and x == x)


def descending(x: float, y: float) -> bool:
    """PyTorch's descending comparison: NaN before everything."""
    return (x > y) or (x != x and y == y)


class _Run:
    """A list of positions ordered in place by comparing ``keys[position]``, with the
    building blocks of the C++ library's sorting algorithms (libstdc++'s)."""

    def __init__(self, keys: list, less: Less):
        self.keys, self.less, self.a = keys, less, list(range(len(keys)))

    def comp(self, i: int, j: int) -> bool:
        return self.less(self.keys[i], self.keys[j])

    def swap(self, i: int, j: int) -> None:
        a = self.a
        a[i], a[j] = a[j], a[i]

    # -- heaps ------------------------------------------------------------------------
    def adjust_heap(self, first: int, hole: int, length: int, value: int) -> None:
        a, top, second = self.a, hole, hole
        while second < (length - 1) // 2:              # move the hole down to a leaf,
            second = 2 * (second + 1)                 # along the larger children
            if self.comp(a[first + second], a[first + second - 1]):
                second -= 1
            a[first + hole] = a[first + second]
            hole = second
        if length % 2 == 0 and second == (length - 2) // 2:
            second = 2 * (second + 1)
            a[first + hole] = a[first + second - 1]
            hole = second - 1
        parent = (hole - 1) // 2                      # then push the value back up
        while hole > top and self.comp(a[first + parent], value):
            a[first + hole] = a[first + parent]
            hole, parent = parent, (parent - 1) // 2
        a[first + hole] = value

    def make_heap(self, first: int, last: int) -> None:
        length = last - first
        if length < 2:
            return
        for parent in range((length - 2) // 2, -1, -1):
            self.adjust_heap(first, parent, length, self.a[first + parent])

    def pop_heap(self, first: int, last: int, result: int) -> None:
        a = self.a
        value = a[result]
        a[result] = a[first]
        self.adjust_heap(first, 0, last - first, value)

    def heap_select(self, first: int, middle: int, last: int) -> None:
        self.make_heap(first, middle)
        for i in range(middle, last):
            if self.comp(self.a[i], self.a[first]):
                self.pop_heap(first, middle, i)

    def sort_heap(self, first: int, last: int) -> None:
        while last - first > 1:
            last -= 1
            self.pop_heap(first, last, last)

    # -- quicksort pieces ---------------------------------------------------------------
    def median_to_first(self, result: int, x: int, y: int, z: int) -> None:
        a, c = self.a, self.comp
        if c(a[x], a[y]):
            pick = y if c(a[y], a[z]) else z if c(a[x], a[z]) else x
        else:
            pick = x if c(a[x], a[z]) else z if c(a[y], a[z]) else y
        self.swap(result, pick)

    def partition_pivot(self, first: int, last: int) -> int:
        """Median of first + 1, middle, last - 1 moved to first; partition around it."""
        self.median_to_first(first, first + 1, first + (last - first) // 2, last - 1)
        a, c, pivot, lo, hi = self.a, self.comp, first, first + 1, last
        while True:
            while c(a[lo], a[pivot]):
                lo += 1
            hi -= 1
            while c(a[pivot], a[hi]):
                hi -= 1
            if not lo < hi:
                return lo
            self.swap(lo, hi)
            lo += 1

    def linear_insert(self, last: int) -> None:
        a = self.a
        val, nxt = a[last], last - 1
        while self.comp(val, a[nxt]):
            a[last] = a[nxt]
            last, nxt = nxt, nxt - 1
        a[last] = val

    def insertion_sort(self, first: int, last: int) -> None:
        a = self.a
        for i in range(first + 1, last):
            if self.comp(a[i], a[first]):
                val = a[i]
                a[first + 1:i + 1] = a[first:i]
                a[first] = val
            else:
                self.linear_insert(i)

    # -- the algorithms -----------------------------------------------------------------
    def sort(self, first: int, last: int) -> None:
        """``std::sort``: introsort, then the final insertion sort."""
        n = last - first
        if n < 2:
            return
        self._introsort(first, last, 2 * int(math.log2(n)))
        if n > 16:
            self.insertion_sort(first, first + 16)
            for i in range(first + 16, last):
                self.linear_insert(i)
        else:
            self.insertion_sort(first, last)

    def _introsort(self, first: int, last: int, depth: int) -> None:
        while last - first > 16:
            if depth == 0:                            # too deep: heapsort this run
                self.heap_select(first, last, last)
                self.sort_heap(first, last)
                return
            depth -= 1
            cut = self.partition_pivot(first, last)
            self._introsort(cut, last, depth)
            last = cut

    def nth_element(self, first: int, nth: int, last: int) -> None:
        """``std::nth_element``: introselect."""
        if first == last or nth == last:
            return
        depth = 2 * int(math.log2(last - first))
        while last - first > 3:
            if depth == 0:
                self.heap_select(first, nth + 1, last)
                self.swap(first, nth)
                return
            depth -= 1
            cut = self.partition_pivot(first, last)
            if cut <= nth:
                first = cut
            else:
                last = cut
        self.insertion_sort(first, last)


def std_sort(keys: list, less: Less) -> list:
    """The positions of ``keys`` in ``std::sort``'s order."""
    run = _Run(keys, less)
    run.sort(0, len(keys))
    return run.a


def topk_order(keys: list, k: int, largest: bool, sorted: bool) -> list:
    """The positions ATen's cpu topk keeps, in its order (the first k of the result)."""
    run = _Run(keys, descending if largest else ascending)
    n = len(keys)
    if k * 64 <= n:                                   # a few of many: a heap of k
        run.heap_select(0, k, n)
        run.sort_heap(0, k)
    else:
        run.nth_element(0, k - 1, n)
        if sorted:
            run.sort(0, k - 1)
    return run.a[:k]


def quick_select(keys: list, k: int) -> int:
    """The position ATen's kthvalue picks as the (k+1)-th smallest: its quickselect
    (median of three, NaN largest)."""
    vals, pos = list(keys), list(range(len(keys)))

    def gt(x: float, y: float) -> bool:
        return (x > y) or (x != x and y == y)

    def swap(i: int, j: int) -> None:
        vals[i], vals[j] = vals[j], vals[i]
        pos[i], pos[j] = pos[j], pos[i]

    lo, hi = 0, len(vals) - 1
    while hi > lo:
        if hi == lo + 1:
            if gt(vals[lo], vals[hi]):
                swap(lo, hi)
            break
        mid = lo + (hi - lo) // 2
        swap(mid, lo + 1)
        if gt(vals[lo + 1], vals[hi]):
            swap(lo + 1, hi)
        if gt(vals[lo], vals[hi]):
            swap(lo, hi)
        if gt(vals[lo + 1], vals[lo]):
            swap(lo + 1, lo)
        i, j, piv = lo + 1, hi, vals[lo]
        while True:
            i += 1
            while gt(piv, vals[i]):
                i += 1
            j -= 1
            while gt(vals[j], piv):
                j -= 1
            if j < i:
                break
            swap(i, j)
        swap(lo, j)
        if j <= k:
            lo = i
        if j >= k:
            hi = j - 1
    return pos[k]
