"""Models and rules of the model lifecycle: pure, no I/O, no vendor imports."""
