"""scikit-learn adapters: the model framework and the grid and random tuners."""
