"""Bulk audit of a backlink export: reading exports, the engine, rows and the profile summary.

No Discord here: the CLI (`bot.audit.cli`) and the /audit cog both call into this package.
"""
