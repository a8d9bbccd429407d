"""MLflow adapters: the experiment tracker and the model registry (MlflowClient, explicit URIs)."""
