"""The facade a host application uses: DataFrames or URIs in, frozen results out."""

from podium.lifecycle.facade import Lifecycle
from podium.lifecycle.model import Model
from podium.lifecycle.results import Trained

__all__ = ["Lifecycle", "Model", "Trained"]
