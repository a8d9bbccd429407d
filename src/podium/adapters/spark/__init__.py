"""Batch work on Apache Spark (`pip install 'podium[spark]'`): sessions, staging, the engine."""
