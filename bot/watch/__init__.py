"""Link watch: re-check links the community accepted and report what changed.

`rules` holds the pure comparisons and scheduling; `service` runs the use cases over the
repository and the one safe checker. Neither imports Discord.
"""
