"""``torch.autograd.profiler``: the older spelling of :mod:`autograd_nb.profiler`
(``with torch.autograd.profiler.profile() as prof: ...``); the same profiler."""
from ..profiler import EventList, FunctionEvent, profile, record_function  # noqa: F401

__all__ = ["profile", "record_function", "EventList", "FunctionEvent"]
