"""Optimizers: turn the gradients that backward left in ``.grad`` into parameter updates.

The training loop is always the same four lines::

    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    opt.zero_grad()          # forget the previous batch's gradients
    loss.backward()          # fill .grad
    opt.step()               # update the parameters in place

``lr_scheduler`` changes the learning rate from epoch to epoch.
"""
from . import lr_scheduler
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "lr_scheduler"]
