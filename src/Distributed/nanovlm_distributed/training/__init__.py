"""The training engine: configuration, precision, optimizer, NaN guard, run folder and checkpoints, the step and the loop."""
