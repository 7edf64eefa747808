"""A private, offline practice partner for counselling skills."""

from trainer.offline import force_offline

force_offline()

__version__ = "0.1.0"
