"""Source adapters: one module per platform, each turning platform data into `Item`s."""
