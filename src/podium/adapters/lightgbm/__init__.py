"""LightGBM adapters: the model framework and the explainer (gain importance, pred_contrib)."""
