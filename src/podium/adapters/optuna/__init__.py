"""The Optuna tuner: TPE, random, CMA-ES and grid samplers, pruning, RDB storage."""
