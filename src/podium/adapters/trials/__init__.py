"""What the tuners share: running one trial, its progress, and a process pool of trials."""
