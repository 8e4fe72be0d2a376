"""The peer review domain, pure: the Review entity and its states (review), the rules in force
(rules), who may vote (eligibility), votes and tallies (votes), the verdict (verdict), deadlines
and reopening (deadlines), reconciliation (reconcile), and the use cases over them (service,
with the protocols it needs in ports).

Nothing here imports discord or bot.storage, or starts a task (the import-linter contracts in
pyproject.toml hold it): the storage and the cogs.review extension are handed to the service.
"""
