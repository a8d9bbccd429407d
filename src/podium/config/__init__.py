"""Configuration: the stack schema (the swappable parts), the job schemas, loading and merging.

`podium.config.stack` holds the stack, `podium.config.settings` a job config file (stack plus
`job:`), `podium.config.loading` the YAML loading; importing the schemas does not import the
loader (OmegaConf, YAML).
"""
